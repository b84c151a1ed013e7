package httpreq

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// harness is a registered family whose retry waits are recorded instead of slept.
type harness struct {
	f      *family
	reg    *nodes.Registry
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{f: newFamily(), reg: nodes.NewRegistry()}
	h.f.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	if err := h.f.register(h.reg); err != nil {
		t.Fatalf("register: %v", err)
	}
	t.Cleanup(func() { h.f.guarded.CloseIdleConnections(); h.f.open.CloseIdleConnections() })
	return h
}

func (h *harness) run(t *testing.T, id string, in map[string]any) (nodes.Out, error) {
	t.Helper()
	typ, ok := h.reg.Lookup(id)
	if !ok {
		t.Fatalf("%s is not registered", id)
	}
	out, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
	return out, err
}

// req builds request inputs against a local test server (private network allowed).
func req(url string, kv ...any) map[string]any {
	in := map[string]any{"url": url, "allow_private_network": true}
	for i := 0; i+1 < len(kv); i += 2 {
		in[kv[i].(string)] = kv[i+1]
	}
	return in
}

func wantPortError(t *testing.T, err error, port string, has ...string) {
	t.Helper()
	var ie *nodes.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("want an error naming %q, got %v", port, err)
	}
	if ie.Port != port {
		t.Fatalf("error names %q, want %q: %v", ie.Port, port, err)
	}
	for _, s := range has {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
}

// echo answers with a JSON description of the request it received.
func echo(w http.ResponseWriter, r *http.Request) {
	desc := map[string]any{
		"method":       r.Method,
		"content_type": r.Header.Get("Content-Type"),
		"query":        r.URL.Query(),
		"auth":         r.Header.Get("Authorization"),
		"api_key":      r.Header.Get("X-Api-Key"),
		"custom":       r.Header.Get("X-Custom"),
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		desc["form"] = r.MultipartForm.Value
		files := map[string]any{}
		for name, fhs := range r.MultipartForm.File {
			f, _ := fhs[0].Open()
			b, _ := io.ReadAll(f)
			f.Close()
			files[name] = map[string]any{"filename": fhs[0].Filename, "content": string(b),
				"content_type": fhs[0].Header.Get("Content-Type")}
		}
		desc["files"] = files
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		desc["form"] = r.PostForm
	default:
		b, _ := io.ReadAll(r.Body)
		desc["body"] = string(b)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(desc)
}

func TestRequestBodiesAndParameters(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	cases := []struct {
		name string
		in   map[string]any
		want map[string]any // fields of the echoed description
	}{
		{"get with query and headers", req(srv.URL+"/x?a=0", "query", map[string]any{"b": "1", "c": []any{"2", 3.0}},
			"headers", map[string]any{"X-Custom": "yes"}),
			map[string]any{"method": "GET", "query": map[string]any{"a": []any{"0"}, "b": []any{"1"}, "c": []any{"2", "3"}},
				"custom": "yes", "body": ""}},
		{"json body", req(srv.URL, "method", "post", "body", map[string]any{"a": 1.0}),
			map[string]any{"method": "POST", "content_type": "application/json", "body": `{"a":1}`}},
		{"json content type kept", req(srv.URL, "method", "PUT", "body", []any{1.0},
			"headers", map[string]any{"Content-Type": "application/vnd.api+json"}),
			map[string]any{"method": "PUT", "content_type": "application/vnd.api+json", "body": "[1]"}},
		{"form body", req(srv.URL, "method", "POST", "body_type", "form", "body", map[string]any{"a": "1", "b": []any{"x", "y"}}),
			map[string]any{"content_type": "application/x-www-form-urlencoded",
				"form": map[string]any{"a": []any{"1"}, "b": []any{"x", "y"}}}},
		{"multipart body", req(srv.URL, "method", "POST", "body_type", "multipart", "body", map[string]any{
			"name": "report", "n": 2.0,
			"file":  map[string]any{"filename": "a.txt", "content": "hello", "content_type": "text/plain"},
			"image": map[string]any{"filename": "b.bin", "content_base64": base64.StdEncoding.EncodeToString([]byte{0, 1, 2})},
		}), map[string]any{
			"form": map[string]any{"name": []any{"report"}, "n": []any{"2"}},
			"files": map[string]any{
				"file":  map[string]any{"filename": "a.txt", "content": "hello", "content_type": "text/plain"},
				"image": map[string]any{"filename": "b.bin", "content": "\x00\x01\x02", "content_type": "application/octet-stream"},
			}}},
		{"raw string body", req(srv.URL, "method", "POST", "body_type", "raw", "body", "plain <text>"),
			map[string]any{"content_type": "text/plain; charset=utf-8", "body": "plain <text>"}},
		{"no body", req(srv.URL, "method", "POST", "body_type", "none", "body", map[string]any{"a": 1.0}),
			map[string]any{"content_type": "", "body": ""}},
		{"delete", req(srv.URL, "method", "DELETE"), map[string]any{"method": "DELETE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h.run(t, "http.request", tc.in)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if out["status"] != 200.0 || out["ok"] != true {
				t.Fatalf("status %v ok %v body %v", out["status"], out["ok"], out["body"])
			}
			got, ok := out["body"].(map[string]any)
			if !ok {
				t.Fatalf("body is %T %v, want the parsed echo", out["body"], out["body"])
			}
			for k, want := range tc.want {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
		})
	}
}

// A null query or header value leaves the parameter or header out (an optional value not
// given), where it was sent as "k=" and as an empty header; an empty string is still sent.
func TestRequestNullQueryAndHeaderValuesAreOmitted(t *testing.T) {
	h := newHarness(t)
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	defer srv.Close()
	_, err := h.run(t, "http.request", req(srv.URL+"/x?keep=0",
		"query", map[string]any{"a": "1", "gone": nil, "empty": "", "list": []any{"x", nil, "y"}, "nulls": []any{nil}},
		"headers", map[string]any{"X-Custom": "yes", "X-Gone": nil, "X-Empty": "", "Content-Type": nil},
		"method", "POST", "body", map[string]any{"n": 1.0}))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if want := "a=1&empty=&keep=0&list=x&list=y"; got.URL.RawQuery != want {
		t.Errorf("query = %q, want %q", got.URL.RawQuery, want)
	}
	if _, sent := got.Header["X-Gone"]; sent {
		t.Errorf("header X-Gone sent as %q, want it left out", got.Header.Get("X-Gone"))
	}
	if v, sent := got.Header["X-Empty"]; !sent || v[0] != "" {
		t.Errorf("header X-Empty = %q (sent %v), want an empty header", v, sent)
	}
	if got.Header.Get("X-Custom") != "yes" {
		t.Errorf("header X-Custom = %q, want yes", got.Header.Get("X-Custom"))
	}
	// a null Content-Type is not given, so the body's own type is set
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestRequestOutputs(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Thing", "v")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("nope"))
	}))
	defer srv.Close()
	out, err := h.run(t, "http.request", req(srv.URL+"/missing"))
	if err != nil {
		t.Fatalf("non-2xx must not fail by default: %v", err)
	}
	if out["status"] != 404.0 || out["ok"] != false || out["body"] != "nope" || out["url"] != srv.URL+"/missing" {
		t.Fatalf("outputs %v", out)
	}
	hdr := out["headers"].(map[string]any)
	if hdr["x-thing"] != "v" || !reflect.DeepEqual(hdr["set-cookie"], []any{"a=1", "b=2"}) {
		t.Fatalf("headers %v", hdr)
	}
	if d, ok := out["duration_ms"].(float64); !ok || d < 0 {
		t.Fatalf("duration_ms %v", out["duration_ms"])
	}
	_, err = h.run(t, "http.request", req(srv.URL, "fail_on_error_status", true))
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("fail_on_error_status: want an error with the status and body, got %v", err)
	}
}

func TestRequestAuth(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	cases := []struct {
		name  string
		in    map[string]any
		field string
		want  string
	}{
		{"basic", req(srv.URL, "auth", "basic", "username", "ann", "password", "s3cret"), "auth",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("ann:s3cret"))},
		{"bearer", req(srv.URL, "auth", "bearer", "token", "tok"), "auth", "Bearer tok"},
		{"api key default header", req(srv.URL, "auth", "api_key_header", "api_key", "k1"), "api_key", "k1"},
		{"api key named header", req(srv.URL, "auth", "api_key_header", "api_key_header", "X-Custom", "api_key", "k2"), "custom", "k2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h.run(t, "http.request", tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := out["body"].(map[string]any)[tc.field]; got != tc.want {
				t.Fatalf("%s = %v, want %q", tc.field, got, tc.want)
			}
		})
	}
	errCases := []struct {
		name string
		in   map[string]any
		port string
	}{
		{"basic without user", req(srv.URL, "auth", "basic"), "username"},
		{"bearer without token", req(srv.URL, "auth", "bearer"), "token"},
		{"api key missing", req(srv.URL, "auth", "api_key_header"), "api_key"},
		{"bad api key header", req(srv.URL, "auth", "api_key_header", "api_key", "k", "api_key_header", "bad header"), "api_key_header"},
		{"oauth without token url", req(srv.URL, "auth", "oauth2_client_credentials", "client_id", "c"), "token_url"},
		{"oauth without client", req(srv.URL, "auth", "oauth2_client_credentials", "token_url", srv.URL), "client_id"},
		{"unknown auth", req(srv.URL, "auth", "digest"), "auth"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.run(t, "http.request", tc.in)
			wantPortError(t, err, tc.port)
		})
	}
}

func TestRequestOAuth2ClientCredentials(t *testing.T) {
	h := newHarness(t)
	var tokenHits, issued atomic.Int32
	var revoked atomic.Value
	revoked.Store("")
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenHits.Add(1)
		user, pass, _ := r.BasicAuth()
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
			user != "client1" || pass != "shh" || r.PostForm.Get("scope") != "read write" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok%d","token_type":"Bearer","expires_in":3600}`, issued.Add(1))
	}))
	defer tokenSrv.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a == "" || a == "Bearer "+revoked.Load().(string) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		echo(w, r)
	}))
	defer api.Close()
	in := req(api.URL, "auth", "oauth2_client_credentials", "token_url", tokenSrv.URL, "client_id", "client1",
		"client_secret", "shh", "scope", "read write")

	call := func(wantAuth string, wantHits int32) {
		t.Helper()
		out, err := h.run(t, "http.request", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := out["body"].(map[string]any)["auth"]; got != wantAuth {
			t.Fatalf("auth = %v, want %q", got, wantAuth)
		}
		if n := tokenHits.Load(); n != wantHits {
			t.Fatalf("token endpoint hit %d times, want %d", n, wantHits)
		}
	}
	call("Bearer tok1", 1)
	call("Bearer tok1", 1) // cached

	// expiry: an hour later the cached token is stale
	base := time.Now()
	h.f.now = func() time.Time { return base.Add(time.Hour) }
	call("Bearer tok2", 2)

	// a revoked cached token is refreshed once on 401
	revoked.Store("tok2")
	call("Bearer tok3", 3)

	// another scope is another cache entry; the token endpoint refuses it
	bad := req(api.URL, "auth", "oauth2_client_credentials", "token_url", tokenSrv.URL, "client_id", "client1",
		"client_secret", "shh", "scope", "admin")
	_, err := h.run(t, "http.request", bad)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("want the token endpoint's refusal, got %v", err)
	}
}

func TestRequestRetries(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name       string
		statuses   []int
		retryAfter string
		retries    float64
		wantStatus float64
		wantHits   int32
		wantSleeps int
		check      func(t *testing.T, sleeps []time.Duration)
	}{
		{name: "429 with Retry-After seconds", statuses: []int{429, 429, 200}, retryAfter: "2", retries: 3,
			wantStatus: 200, wantHits: 3, wantSleeps: 2, check: func(t *testing.T, s []time.Duration) {
				if s[0] != 2*time.Second || s[1] != 2*time.Second {
					t.Errorf("sleeps %v, want 2s each", s)
				}
			}},
		{name: "429 with Retry-After date", statuses: []int{429, 200}, retryAfter: date, retries: 1,
			wantStatus: 200, wantHits: 2, wantSleeps: 1, check: func(t *testing.T, s []time.Duration) {
				if s[0] <= 0 || s[0] > 3*time.Second {
					t.Errorf("sleep %v, want (0, 3s]", s[0])
				}
			}},
		{name: "Retry-After capped", statuses: []int{503, 200}, retryAfter: "86400", retries: 1,
			wantStatus: 200, wantHits: 2, wantSleeps: 1, check: func(t *testing.T, s []time.Duration) {
				if s[0] != maxRetryAfter {
					t.Errorf("sleep %v, want the cap %v", s[0], maxRetryAfter)
				}
			}},
		{name: "503 exponential backoff", statuses: []int{503, 502, 500, 200}, retries: 5,
			wantStatus: 200, wantHits: 4, wantSleeps: 3, check: func(t *testing.T, s []time.Duration) {
				want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
				if !reflect.DeepEqual(s, want) {
					t.Errorf("sleeps %v, want %v", s, want)
				}
			}},
		{name: "retries exhausted", statuses: []int{503, 503, 503}, retries: 1, wantStatus: 503, wantHits: 2, wantSleeps: 1},
		{name: "no retries by default", statuses: []int{503, 200}, retries: 0, wantStatus: 503, wantHits: 1},
		{name: "4xx not retried", statuses: []int{400, 200}, retries: 3, wantStatus: 400, wantHits: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1)) - 1
				st := tc.statuses[min(n, len(tc.statuses)-1)]
				if tc.retryAfter != "" && st != 200 {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(st)
				io.WriteString(w, "attempt")
			}))
			defer srv.Close()
			out, err := h.run(t, "http.request", req(srv.URL, "retries", tc.retries))
			if err != nil {
				t.Fatal(err)
			}
			if out["status"] != tc.wantStatus || hits.Load() != tc.wantHits {
				t.Fatalf("status %v after %d requests, want %v after %d", out["status"], hits.Load(), tc.wantStatus, tc.wantHits)
			}
			if len(h.sleeps) != tc.wantSleeps {
				t.Fatalf("slept %v, want %d waits", h.sleeps, tc.wantSleeps)
			}
			if tc.check != nil {
				tc.check(t, h.sleeps)
			}
		})
	}
}

func TestRequestRetryWaitCancelled(t *testing.T) {
	f := newFamily()
	r := nodes.NewRegistry()
	if err := f.register(r); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	typ, _ := r.Lookup("http.request")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err, _ := nodetest.Run(ctx, typ, req(srv.URL, "retries", 2.0), nodetest.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestRequestRedirects(t *testing.T) {
	h := newHarness(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/end", http.StatusFound) })
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "arrived") })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out, err := h.run(t, "http.request", req(srv.URL+"/start"))
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != 200.0 || out["body"] != "arrived" || out["url"] != srv.URL+"/end" {
		t.Fatalf("followed: %v", out)
	}
	out, err = h.run(t, "http.request", req(srv.URL+"/start", "follow_redirects", false))
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != 302.0 || out["headers"].(map[string]any)["location"] != "/end" || out["url"] != srv.URL+"/start" {
		t.Fatalf("not followed: %v", out)
	}
	// a redirect loop names follow_redirects and where it went, without Go's "Get \"/loop\"" noise
	_, err = h.run(t, "http.request", req(srv.URL+"/loop"))
	wantPortError(t, err, "follow_redirects")
	if want := "stopped after 10 redirects, the last to " + srv.URL + "/loop"; !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), `Get "`) {
		t.Fatalf("redirect loop: %v, want %q", err, want)
	}
}

func TestRedirectDropsCredentialsForOtherHosts(t *testing.T) {
	h := newHarness(t)
	other := httptest.NewServer(http.HandlerFunc(echo))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL, http.StatusFound) })
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/echo", http.StatusFound) })
	mux.HandleFunc("/echo", echo)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct {
		path, auth, field, want string
	}{
		{"/here", "api_key_header", "api_key", "k"},
		{"/away", "api_key_header", "api_key", ""},
		{"/here", "bearer", "auth", "Bearer t"},
		{"/away", "bearer", "auth", ""},
	} {
		out, err := h.run(t, "http.request", req(srv.URL+tc.path, "auth", tc.auth, "api_key", "k", "token", "t"))
		if err != nil {
			t.Fatal(err)
		}
		if got := out["body"].(map[string]any)[tc.field]; got != tc.want {
			t.Errorf("%s with %s: %s = %q, want %q", tc.path, tc.auth, tc.field, got, tc.want)
		}
	}
}

func TestRequestResponseTypes(t *testing.T) {
	h := newHarness(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		io.WriteString(w, `{"a":[1,2]}`)
	})
	mux.HandleFunc("/badjson", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `not json`)
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"looks":"json"}`) })
	mux.HandleFunc("/bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte{0xff, 0xfe, 0})
	})
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=ISO-8859-1")
		w.Write([]byte("caf\xe9 \x80")) // é, and € as Windows-1252 (which browsers read ISO-8859-1 as)
	})
	mux.HandleFunc("/latin1json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=windows-1252")
		w.Write([]byte("{\"name\":\"Ren\xe9e\"}"))
	})
	mux.HandleFunc("/oddcharset", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=x-unknown")
		io.WriteString(w, "plain")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cases := []struct {
		path, rt string
		want     any
		errPort  string
	}{
		// a declared charset is decoded to UTF-8 (it came out as base64, or with U+FFFD for text)
		{"/latin1", "auto", "café €", ""},
		{"/latin1", "text", "café €", ""},
		{"/latin1", "base64", base64.StdEncoding.EncodeToString([]byte("caf\xe9 \x80")), ""},
		{"/latin1json", "auto", map[string]any{"name": "Renée"}, ""},
		{"/latin1json", "json", map[string]any{"name": "Renée"}, ""},
		{"/oddcharset", "auto", "plain", ""},
		{"/json", "auto", map[string]any{"a": []any{1.0, 2.0}}, ""},
		{"/json", "text", `{"a":[1,2]}`, ""},
		{"/json", "base64", base64.StdEncoding.EncodeToString([]byte(`{"a":[1,2]}`)), ""},
		{"/text", "auto", `{"looks":"json"}`, ""},
		{"/text", "json", map[string]any{"looks": "json"}, ""},
		{"/badjson", "auto", "not json", ""},
		{"/badjson", "json", nil, "response_type"},
		{"/bin", "auto", base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0}), ""},
		{"/text", "xml", nil, "response_type"},
	}
	for _, tc := range cases {
		t.Run(tc.path+"/"+tc.rt, func(t *testing.T) {
			out, err := h.run(t, "http.request", req(srv.URL+tc.path, "response_type", tc.rt))
			if tc.errPort != "" {
				wantPortError(t, err, tc.errPort)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out["body"], tc.want) {
				t.Fatalf("body = %#v, want %#v", out["body"], tc.want)
			}
		})
	}
}

func TestRequestSizeLimit(t *testing.T) {
	h := newHarness(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/sized", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 100)) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			io.WriteString(w, strings.Repeat("y", 10))
			w.(http.Flusher).Flush()
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, p := range []string{"/sized", "/chunked"} {
		_, err := h.run(t, "http.request", req(srv.URL+p, "max_response_bytes", 50.0))
		wantPortError(t, err, "max_response_bytes", "50")
		out, err := h.run(t, "http.request", req(srv.URL+p, "max_response_bytes", 100.0))
		if err != nil || len(out["body"].(string)) != 100 {
			t.Fatalf("%s at the limit: %v %v", p, out, err)
		}
	}
}

func TestRequestTimeout(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	_, err := h.run(t, "http.request", req(srv.URL, "timeout_ms", 50.0))
	wantPortError(t, err, "timeout_ms", "50 ms")
}

func TestRequestSSRFGuard(t *testing.T) {
	h := newHarness(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cases := []struct {
		url  string
		has  []string
		port string
	}{
		{srv.URL, []string{"127.0.0.1", "loopback"}, "url"},
		{"http://localhost:" + port, []string{"localhost", "loopback"}, "url"},
		{"http://169.254.169.254/latest/meta-data/", []string{"169.254.169.254", "cloud metadata"}, "url"},
		{"http://[::1]:" + port, []string{"::1", "loopback"}, "url"},
		{"http://10.1.2.3:" + port, []string{"10.1.2.3", "private"}, "url"},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			_, err := h.run(t, "http.request", map[string]any{"url": tc.url, "timeout_ms": 2000.0})
			wantPortError(t, err, tc.port, tc.has...)
		})
	}
	// the OAuth2 token endpoint is guarded as well
	_, err := h.run(t, "http.request", map[string]any{"url": "http://93.184.215.14/", "auth": "oauth2_client_credentials",
		"token_url": srv.URL + "/token", "client_id": "c"})
	wantPortError(t, err, "token_url", "loopback")
	if hits.Load() != 0 {
		t.Fatalf("the guarded server was reached %d times", hits.Load())
	}
}

func TestBlockedReason(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"169.254.169.254": "cloud metadata", "fd00:ec2::254": "cloud metadata", "100.100.100.200": "cloud metadata",
		"169.254.1.1": "link-local", "fe80::1": "link-local",
		"10.0.0.1": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.1.1": "private",
		"fc00::1": "private", "fd12::1": "private", "100.64.0.1": "private",
		"0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": "unspecified",
		"224.0.0.1": "link-local", "239.1.2.3": "multicast", "ff02::1": "link-local", "ff05::1": "multicast", "255.255.255.255": "broadcast",
		"8.8.8.8": "", "172.32.0.1": "", "2606:4700::1111": "", "93.184.215.14": "",
	}
	for ip, want := range cases {
		if got := blockedReason(netip.MustParseAddr(ip)); got != want {
			t.Errorf("blockedReason(%s) = %q, want %q", ip, got, want)
		}
	}
}

func TestRequestBadInput(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		in   map[string]any
		port string
	}{
		{"missing url", map[string]any{}, "url"},
		{"relative url", map[string]any{"url": "/path"}, "url"},
		{"ftp url", map[string]any{"url": "ftp://example.com/x"}, "url"},
		{"unparseable url", map[string]any{"url": "http://[::1"}, "url"},
		{"no host", map[string]any{"url": "http:///x"}, "url"},
		{"bad method", map[string]any{"url": "http://example.com", "method": "FETCH"}, "method"},
		{"bad body type", map[string]any{"url": "http://example.com", "method": "POST", "body": "x", "body_type": "xml"}, "body_type"},
		{"form body not object", map[string]any{"url": "http://example.com", "method": "POST", "body": 1.0, "body_type": "form"}, "body"},
		{"multipart not object", map[string]any{"url": "http://example.com", "method": "POST", "body": "x", "body_type": "multipart"}, "body"},
		{"bad base64 file", map[string]any{"url": "http://example.com", "method": "POST", "body_type": "multipart",
			"body": map[string]any{"f": map[string]any{"filename": "a", "content_base64": "!!"}}}, "body"},
		{"bad header name", map[string]any{"url": "http://example.com", "headers": map[string]any{"a b": "x"}}, "headers"},
		{"header line break", map[string]any{"url": "http://example.com", "headers": map[string]any{"X-A": "a\r\nb"}}, "headers"},
		{"query not object", map[string]any{"url": "http://example.com", "query": "a=1"}, "query"},
		{"negative timeout", map[string]any{"url": "http://example.com", "timeout_ms": -1.0}, "timeout_ms"},
		{"too many retries", map[string]any{"url": "http://example.com", "retries": 11.0}, "retries"},
		{"fractional retries", map[string]any{"url": "http://example.com", "retries": 1.5}, "retries"},
		{"zero max bytes", map[string]any{"url": "http://example.com", "max_response_bytes": 0.0}, "max_response_bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.run(t, "http.request", tc.in)
			wantPortError(t, err, tc.port)
		})
	}
}

// A multipart file's Content-Disposition is written as browsers write it (RFC 7578 §4.2):
// name first, both quoted, the filename in UTF-8. It was RFC 2231's filename*=utf-8 encoding for
// a name that is not plain ASCII, which RFC 7578 forbids and servers such as PHP ignore (the
// file then arrives as a plain field with no name), and unquoted name=… after it. A quote
// in the filename is escaped, and a line break cannot start a header of its own.
func TestRequestMultipartFilenameAsBrowsersWriteIt(t *testing.T) {
	h := newHarness(t)
	var raw []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { raw, _ = io.ReadAll(r.Body) }))
	defer srv.Close()
	for _, tc := range []struct{ filename, want string }{
		{"a.txt", `Content-Disposition: form-data; name="file"; filename="a.txt"`},
		{"my résumé.pdf", `Content-Disposition: form-data; name="file"; filename="my résumé.pdf"`},
		{`say "hi".txt`, `Content-Disposition: form-data; name="file"; filename="say \"hi\".txt"`},
		{"two\r\nX-Evil: 1.txt", `Content-Disposition: form-data; name="file"; filename="two%0D%0AX-Evil: 1.txt"`},
	} {
		_, err := h.run(t, "http.request", req(srv.URL, "method", "POST", "body_type", "multipart", "body",
			map[string]any{"file": map[string]any{"filename": tc.filename, "content": "x", "content_type": "text/plain\r\nX-Evil: 2"}}))
		if err == nil {
			t.Fatalf("%q: a content type with a line break was sent", tc.filename)
		}
		wantPortError(t, err, "body", "content_type")
		_, err = h.run(t, "http.request", req(srv.URL, "method", "POST", "body_type", "multipart", "body",
			map[string]any{"file": map[string]any{"filename": tc.filename, "content": "x"}}))
		if err != nil {
			t.Fatalf("%q: %v", tc.filename, err)
		}
		if !strings.Contains(string(raw), tc.want+"\r\n") || strings.Contains(string(raw), "\r\nX-Evil") {
			t.Errorf("%q: part written as\n%s\nwant the line %s", tc.filename, raw, tc.want)
		}
		// Go's reader (as most servers) reads the name back
		mr := multipart.NewReader(bytes.NewReader(raw), strings.TrimPrefix(strings.SplitN(string(raw), "\r\n", 2)[0], "--"))
		p, err := mr.NextPart()
		if err != nil || p.FormName() != "file" || (p.FileName() != tc.filename && !strings.Contains(tc.filename, "\r")) {
			t.Errorf("%q: read back as %q / %q (%v)", tc.filename, p.FormName(), p.FileName(), err)
		}
	}
}

// A header value Go's client refuses (a control character, a secret's trailing newline)
// fails naming the input that holds it, not "net/http: invalid header field value for
// Authorization" after the request was built; a basic-auth username with a colon (which
// the server would split as part of the password) is refused too.
func TestRequestHeaderValuesNameTheirInput(t *testing.T) {
	h := newHarness(t)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		in   map[string]any
		port string
		has  string
	}{
		{"nul in a header", req(srv.URL, "headers", map[string]any{"X-A": "a\x00b"}), "headers", `header "X-A" contains the control character U+0000`},
		{"line break in a header", req(srv.URL, "headers", map[string]any{"X-A": "a\nb"}), "headers", `header "X-A" contains a line break`},
		{"token with a newline", req(srv.URL, "auth", "bearer", "token", "tok\n"), "token", "contains a line break"},
		{"api key with a delete", req(srv.URL, "auth", "api_key_header", "api_key", "k\x7f"), "api_key", "control character U+007F"},
		{"username with a colon", req(srv.URL, "auth", "basic", "username", "a:b", "password", "p"), "username", "colon"},
		{"username with a line break", req(srv.URL, "auth", "basic", "username", "a\r", "password", "p"), "username", "line break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.run(t, "http.request", tc.in)
			wantPortError(t, err, tc.port, tc.has)
		})
	}
	if hits != 0 {
		t.Errorf("%d refused requests reached the server", hits)
	}
	// tabs and non-ASCII text are valid header values
	if _, err := h.run(t, "http.request", req(srv.URL, "headers", map[string]any{"X-A": "a\tb é"}, "auth", "bearer", "token", "t")); err != nil {
		t.Fatalf("valid header values: %v", err)
	}
}
