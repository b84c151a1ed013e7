package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

// seen is what a test API received.
type seen struct {
	Method, Path, Query, Body, Auth, CType string
}

type api struct {
	mu   sync.Mutex
	reqs []seen
	URL  string
}

func newAPI(t *testing.T) *api {
	a := &api{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.reqs = append(a.reqs, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
		a.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/orders/missing"):
			http.Error(w, `{"error":"no such order"}`, http.StatusNotFound)
		case strings.HasPrefix(r.URL.Path, "/text"):
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "plain answer")
		case strings.HasPrefix(r.URL.Path, "/orders/"):
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"id": strings.TrimPrefix(r.URL.Path, "/orders/"), "status": "shipped"})
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok": true}`)
		}
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

func (a *api) last() seen {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reqs[len(a.reqs)-1]
}

func httpTool(t *testing.T, in map[string]any) *wrappedTool {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), typ(t, "ai.http_tool"), in, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tool, ok := out["tool"].(llm.Tool)
	if !ok {
		t.Fatalf("tool output %T", out["tool"])
	}
	return &wrappedTool{tool}
}

type wrappedTool struct{ llm.Tool }

func TestHTTPTool(t *testing.T) {
	a := newAPI(t)
	for _, tc := range []struct {
		name   string
		in     map[string]any
		args   map[string]any
		result any
		req    seen
		err    string
	}{
		{name: "path and query", in: map[string]any{"url": a.URL + "/orders/{id}", "headers": map[string]any{"Authorization": "Bearer t0k"}},
			args:   map[string]any{"id": "A 7/1", "verbose": true, "tags": []any{"x", "y"}},
			result: map[string]any{"id": "A 7/1", "status": "shipped"},
			req:    seen{Method: "GET", Path: "/orders/A%207%2F1", Query: "tags=x&tags=y&verbose=true", Auth: "Bearer t0k"}},
		{name: "json body", in: map[string]any{"method": "POST", "url": a.URL + "/refunds/{order}"},
			args: map[string]any{"order": 7.0, "amount": 50.0}, result: map[string]any{"ok": true},
			req: seen{Method: "POST", Path: "/refunds/7", Body: `{"amount":50}`, CType: "application/json"}},
		{name: "text answer", in: map[string]any{"url": a.URL + "/text"}, args: nil, result: "plain answer",
			req: seen{Method: "GET", Path: "/text"}},
		{name: "http error", in: map[string]any{"url": a.URL + "/orders/missing"}, args: map[string]any{},
			err: `lookup: HTTP 404: {"error":"no such order"}`},
		{name: "missing argument", in: map[string]any{"url": a.URL + "/orders/{id}"}, args: map[string]any{"x": 1.0},
			err: "lookup: missing argument id for the URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"name": "lookup", "description": "Looks things up.", netguard.PortName: true}
			for k, v := range tc.in {
				in[k] = v
			}
			tool := httpTool(t, in)
			res, err := tool.Call(context.Background(), tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, tc.result) {
				t.Fatalf("result %#v, want %#v", res, tc.result)
			}
			got := a.last()
			if tc.req.CType == "" {
				got.CType = ""
			}
			if got != tc.req {
				t.Fatalf("request\n got %+v\nwant %+v", got, tc.req)
			}
		})
	}
}

func TestHTTPToolSpecAndGuard(t *testing.T) {
	a := newAPI(t)
	params := map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}, "required": []any{"id"}}
	tool := httpTool(t, map[string]any{"name": "get_order", "description": "Gets an order.", "url": a.URL + "/orders/{id}",
		"parameters": params, "needs_confirmation": true})
	if s := tool.Spec(); s.Name != "get_order" || s.Description != "Gets an order." || !reflect.DeepEqual(s.Parameters, params) {
		t.Errorf("spec %+v", s)
	}
	if !tool.NeedsConfirmation() {
		t.Error("needs_confirmation is set")
	}
	tp, ok := tool.Tool.(llm.ToolProvider)
	if !ok {
		t.Fatal("an HTTP tool is also a tool provider")
	}
	if ts, err := tp.Tools(context.Background()); err != nil || len(ts) != 1 {
		t.Fatalf("tools %v %v", ts, err)
	}
	b, _ := json.Marshal(tool.Tool)
	if string(b) != `"http tool get_order"` {
		t.Errorf("marshals as %s", b)
	}
	// the guard refuses the loopback API without allow_private_network
	_, err := tool.Call(context.Background(), map[string]any{"id": "1"})
	var be *netguard.BlockedError
	if !errors.As(err, &be) || be.Reason != "loopback" {
		t.Fatalf("want the guard's refusal, got %v", err)
	}
	if len(a.reqs) != 0 {
		t.Fatal("the request reached the server")
	}
}

func TestHTTPToolInputErrors(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]any
		port string
		want string
	}{
		{map[string]any{"name": "bad name!"}, "name", "letters, digits"},
		{map[string]any{"description": " "}, "description", "describe what the tool does"},
		{map[string]any{"method": "TRACE"}, "method", "not one of"},
		{map[string]any{"url": "/relative/{id}"}, "url", "not an absolute http(s) URL"},
		{map[string]any{"url": "ftp://x.example.com"}, "url", "not an absolute http(s) URL"},
		{map[string]any{"parameters": map[string]any{"type": "string"}}, "parameters", `type "object"`},
		{map[string]any{"headers": map[string]any{"Bad Header": "x"}}, "headers", "not a valid header name"},
		{map[string]any{"headers": "x"}, "headers", "expected an object"},
		{map[string]any{"timeout": 0.0}, "timeout", "between 0 and 900"},
	} {
		t.Run(tc.port, func(t *testing.T) {
			in := map[string]any{"name": "t", "description": "d", "url": "https://api.example.com/x"}
			for k, v := range tc.in {
				in[k] = v
			}
			_, err, _ := nodetest.Run(context.Background(), typ(t, "ai.http_tool"), in, nodetest.Options{})
			var ie *nodes.InputError
			if !errors.As(err, &ie) || ie.Port != tc.port || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q on %s", err, tc.want, tc.port)
			}
		})
	}
}

// A failed call's error goes to the model (and so to its provider): it names the URL as the
// flow wrote it, never with a secret the URL was resolved with, and says when the tool's
// timeout passed.
func TestHTTPToolErrorsKeepSecretsOutOfTheModel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	const secret = "tk-SUPERSECRET"
	literal := srv.URL + "/bot<secret:BOT_TOKEN>/send?key=<secret:BOT_TOKEN>"
	resolved := strings.ReplaceAll(literal, "<secret:BOT_TOKEN>", secret)
	out, err, _ := nodetest.Run(context.Background(), typ(t, "ai.http_tool"), map[string]any{"name": "send", "description": "Sends.",
		"url": resolved, "timeout": 0.05, netguard.PortName: true}, nodetest.Options{Values: map[string]any{"url": literal}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = out["tool"].(llm.Tool).Call(context.Background(), map[string]any{"text": "hi"})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v", err)
	}
	if want := "send: GET " + literal + ": no answer within the tool's timeout of 50ms"; err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
}

// An API that echoes the credentials it was sent (a request inspector, a 401 naming the
// token it refused) must not hand the flow's secrets to the model and its provider: the
// tool's answer and its HTTP error leave out every value the headers and the URL were
// resolved with from <secret:…>, as they appear in the answer (JSON-escaped too).
func TestHTTPToolAnswersKeepSecretsOutOfTheModel(t *testing.T) {
	const token, key = "tk-SUPER/SECRET&1", "qk-ANOTHER-2"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := map[string]any{"authorization": r.Header.Get("Authorization"), "query": r.URL.Query().Get("key"),
			"note": "token " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " seen"}
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "invalid token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			return
		}
		json.NewEncoder(w).Encode(echo) // escapes & as \u0026
	}))
	t.Cleanup(srv.Close)
	literal := map[string]any{"url": srv.URL + "/{path}?key=<secret:QUERY_KEY>",
		"headers": map[string]any{"Authorization": "Bearer <secret:API_TOKEN>", "X-Plain": "visible"}}
	in := map[string]any{"name": "inspect", "description": "Echoes.", netguard.PortName: true,
		"url":     strings.ReplaceAll(literal["url"].(string), "<secret:QUERY_KEY>", key),
		"headers": map[string]any{"Authorization": "Bearer " + token, "X-Plain": "visible"}}
	out, err, _ := nodetest.Run(context.Background(), typ(t, "ai.http_tool"), in, nodetest.Options{Values: literal})
	if err != nil {
		t.Fatal(err)
	}
	tool := out["tool"].(llm.Tool)
	res, err := tool.Call(context.Background(), map[string]any{"path": "echo"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if s := string(b); strings.Contains(s, "SECRET") || strings.Contains(s, key) || !strings.Contains(s, "token [redacted] seen") ||
		!strings.Contains(s, `"Bearer [redacted]"`) {
		t.Fatalf("answer %s", s)
	}
	_, err = tool.Call(context.Background(), map[string]any{"path": "fail"})
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "HTTP 401: invalid token [redacted]") {
		t.Fatalf("error %v", err)
	}
}
