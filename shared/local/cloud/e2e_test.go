package cloud_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"polysynergy/shared/local/cloud"
	"polysynergy/shared/local/oidc"
)

const secretValue = "e2e-super-secret-7f3a"

// recorder keeps everything the platform said, to look for the secret afterwards.
type recorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

type client struct {
	t     *testing.T
	base  string
	token string
	seen  *recorder
}

// do calls the REST API and decodes the answer into out.
func (c *client) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	if got, data := c.try(method, path, body, out); got != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, want, data)
	}
}

// try makes one API call and returns its status (decoding a 2xx body into out).
func (c *client) try(method, path string, body any, out any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+"/api/v1"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Fprintf(c.seen, "%s\n", data)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode, data
}

// signIn walks the dev provider's real authorize → token exchange with PKCE.
func signIn(t *testing.T, base, email string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := base64.RawURLEncoding.EncodeToString(randBytes(32))
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {cloud.ClientID}, "redirect_uri": {base + "/callback"},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "scope": {"openid email"}}
	resp, err := hc.Get(base + oidc.PathAuthorize + "?" + q.Encode())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign-in page: %v %v", err, resp)
	}
	resp.Body.Close()
	q.Set("email", email)
	resp, err = hc.PostForm(base+oidc.PathAuthorize, q)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %v %v", err, resp)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	resp, err = hc.PostForm(base+oidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {cloud.ClientID},
		"code": {loc.Query().Get("code")}, "redirect_uri": {base + "/callback"}, "code_verifier": {verifier}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %v %v", err, resp)
	}
	defer resp.Body.Close()
	var toks struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&toks)
	return toks.AccessToken
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// trigger calls http://{slug}-{stage}.localhost:{port}{path}: Go's resolver does not know
// *.localhost, so dial loopback and set the Host as a browser would.
func trigger(t *testing.T, port int, host, path string) (int, string) {
	t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
	}}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s:%d%s", host, port, path), nil)
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func start(t *testing.T, dir string, logs io.Writer) *cloud.Cloud {
	t.Helper()
	c, err := cloud.Start(context.Background(), cloud.Options{DataDir: dir, WebDir: filepath.Join(dir, "no-web"),
		SchedulerInterval: time.Hour, AllowFaults: true, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stagedProject signs email in and makes a project (name and slug) with one stage: the API
// client, the project's id and its API path (/tenants/T/projects/P).
func stagedProject(t *testing.T, c *cloud.Cloud, seen *recorder, email, name, slug, stage string) (*client, string, string) {
	t.Helper()
	api := &client{t: t, base: c.URL(), token: signIn(t, c.URL(), email), seen: seen}
	var me struct {
		Memberships []struct{ Tenant string } `json:"memberships"`
	}
	api.do("GET", "/me", nil, 200, &me)
	var proj struct{ ID string }
	api.do("POST", "/tenants/"+me.Memberships[0].Tenant+"/projects", map[string]any{"name": name, "slug": slug}, 201, &proj)
	pbase := "/tenants/" + me.Memberships[0].Tenant + "/projects/" + proj.ID
	api.do("POST", pbase+"/stages", map[string]any{"name": stage}, 201, nil)
	return api, proj.ID, pbase
}

// subscribe opens the live WebSocket as token's user, subscribed to a flow's run events.
func subscribe(ctx context.Context, t *testing.T, c *cloud.Cloud, token, project, flow string) *websocket.Conn {
	t.Helper()
	// as the editor does: the token offered as a subprotocol beside polysynergy.v1, which the
	// handshake's answer selects; never in the URL
	ws, _, err := websocket.Dial(ctx, strings.Replace(c.URL(), "http", "ws", 1)+"/ws",
		&websocket.DialOptions{Subprotocols: []string{"polysynergy.v1", "bearer." + token}})
	if err != nil {
		t.Fatal(err)
	}
	if ws.Subprotocol() != "polysynergy.v1" {
		t.Fatalf("live WebSocket subprotocol %q; want polysynergy.v1 selected", ws.Subprotocol())
	}
	sub, _ := json.Marshal(map[string]any{"action": "subscribe", "project": project, "flow": flow})
	if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
		t.Fatal(err)
	}
	if _, reply, err := ws.Read(ctx); err != nil || !strings.Contains(string(reply), "subscribed") {
		t.Fatalf("subscribe reply: %s %v", reply, err)
	}
	return ws
}

func TestLocalCloudEndToEnd(t *testing.T) {
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	defer func() { _ = c.Close(context.Background()) }()

	// a second local cloud on the same data dir refuses to start
	if _, err := cloud.Start(context.Background(), cloud.Options{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "another polysynergy dev") {
		t.Fatalf("second instance: %v", err)
	}

	api := &client{t: t, base: c.URL(), token: signIn(t, c.URL(), "ada@example.com"), seen: seen}
	var me struct {
		Memberships []struct{ Tenant string } `json:"memberships"`
	}
	api.do("GET", "/me", nil, 200, &me)
	tenant := me.Memberships[0].Tenant
	var proj struct{ ID, Slug string }
	api.do("POST", "/tenants/"+tenant+"/projects", map[string]any{"name": "E2E Shop", "slug": "e2e-shop"}, 201, &proj)
	pbase := "/tenants/" + tenant + "/projects/" + proj.ID
	api.do("POST", pbase+"/stages", map[string]any{"name": "dev"}, 201, nil)
	api.do("PUT", pbase+"/secrets/GREETING_KEY/stages/dev", map[string]any{"value": secretValue}, 204, nil)

	doc := map[string]any{"schema": "polysynergy/flow@1",
		"nodes": []any{
			map[string]any{"id": "n1", "handle": "route", "type": "trigger.route", "position": map[string]any{"x": 0, "y": 0}},
			map[string]any{"id": "n2", "handle": "greet", "type": "text.template", "position": map[string]any{"x": 200, "y": 0},
				"values": map[string]any{"template": "Hello, {{ name | capitalize }}! (key {{ key }})",
					"variables": []any{map[string]any{"key": "name", "value": "{{ route.params.name }}"},
						map[string]any{"key": "key", "value": "<secret:GREETING_KEY>"}}}},
			map[string]any{"id": "n3", "handle": "reply", "type": "http.response", "position": map[string]any{"x": 400, "y": 0},
				"values": map[string]any{"body": "{{ greet.text }}", "body_type": "text"}},
		},
		"connections": []any{
			map[string]any{"from": map[string]any{"node": "n1", "port": "true_path"}, "to": map[string]any{"node": "n2", "port": "node"}},
			map[string]any{"from": map[string]any{"node": "n2", "port": "true_path"}, "to": map[string]any{"node": "n3", "port": "node"}},
		}}
	var fl struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "route", "name": "hello", "document": doc,
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "hello"},
			map[string]any{"kind": "variable", "name": "name", "type": "string"}}}}, 201, &fl)
	api.do("POST", pbase+"/flows/"+fl.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)

	// a WebSocket client subscribes to the flow
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wsToken := api.token
	ws := subscribe(ctx, t, c, wsToken, proj.ID, fl.ID)
	defer ws.CloseNow()
	// a wrong token, and the good one in the URL (the old form), are refused before the upgrade
	wsURL := strings.Replace(c.URL(), "http", "ws", 1) + "/ws"
	for name, try := range map[string]struct {
		url    string
		protos []string
	}{
		"wrong token":      {wsURL, []string{"polysynergy.v1", "bearer." + wsToken[:len(wsToken)-4] + "AAAA"}},
		"token in the URL": {wsURL + "?token=" + wsToken, nil},
	} {
		if _, resp, err := websocket.Dial(ctx, try.url, &websocket.DialOptions{Subprotocols: try.protos}); err == nil ||
			resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("live WebSocket with a %s: %v; want 401", name, err)
		}
	}

	status, body := trigger(t, c.Port(), "e2e-shop-dev.localhost", "/hello/ada")
	if status != 200 || body != "Hello, Ada! (key "+secretValue+")" && body != "Hello, Ada! (key <secret:GREETING_KEY>)" {
		t.Fatalf("trigger: %d %q", status, body)
	}
	seen.Write([]byte(body))

	types := map[string]bool{}
	for !types["run_end"] {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("live events: %v (got %v)", err, types)
		}
		seen.Write(msg)
		var evs []struct{ Type string }
		if json.Unmarshal(msg, &evs) != nil {
			var one struct{ Type string }
			_ = json.Unmarshal(msg, &one)
			evs = append(evs, one)
		}
		for _, e := range evs {
			types[e.Type] = true
		}
	}
	if !types["node_start"] || !types["node_end"] {
		t.Fatalf("events %v", types)
	}

	var runs struct {
		Items []struct {
			ID, Status string
		}
	}
	api.do("GET", pbase+"/flows/"+fl.ID+"/runs", nil, 200, &runs)
	if len(runs.Items) != 1 || runs.Items[0].Status != "success" {
		t.Fatalf("runs %+v", runs)
	}
	api.do("GET", pbase+"/flows/"+fl.ID+"/runs/"+runs.Items[0].ID, nil, 200, nil)
	api.do("GET", pbase+"/secrets", nil, 200, nil)

	// an editor run answers 202 at once and streams its events to the subscriber
	var started struct {
		RunID string `json:"run_id"`
	}
	api.do("POST", pbase+"/flows/"+fl.ID+"/runs", map[string]any{"input": map[string]any{"method": "GET", "path": "/hello/bob",
		"params": map[string]any{"name": "bob"}}, "sub_stage": "dev"}, 202, &started)
	for done := false; !done; {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("editor run events: %v", err)
		}
		seen.Write(msg)
		var evs []struct {
			Type  string `json:"type"`
			RunID string `json:"run_id"`
		}
		_ = json.Unmarshal(msg, &evs)
		for _, e := range evs {
			done = done || (e.Type == "run_end" && e.RunID == started.RunID)
		}
	}

	// a paused run resumes exactly once
	adoc := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
		map[string]any{"id": "a1", "handle": "start", "type": "trigger.manual", "position": map[string]any{"x": 0, "y": 0}},
		map[string]any{"id": "a2", "handle": "ask", "type": "control.approval", "position": map[string]any{"x": 0, "y": 0}, "values": map[string]any{"message": "ok?"}},
		map[string]any{"id": "a3", "handle": "yes", "type": "debug.log", "position": map[string]any{"x": 0, "y": 0}, "values": map[string]any{"message": "approved: {{ ask.comment }}"}},
	}, "connections": []any{
		map[string]any{"from": map[string]any{"node": "a1", "port": "true_path"}, "to": map[string]any{"node": "a2", "port": "node"}},
		map[string]any{"from": map[string]any{"node": "a2", "port": "true_path"}, "to": map[string]any{"node": "a3", "port": "node"}},
	}}
	var af struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "blueprint", "name": "approve", "document": adoc}, 201, &af)
	api.do("POST", pbase+"/flows/"+af.ID+"/runs", map[string]any{}, 202, &started)
	waitStatus := func(want string) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			// the run's record appears when the runner (invoked asynchronously) claims it
			var r struct{ Status string }
			code, data := api.try("GET", pbase+"/flows/"+af.ID+"/runs/"+started.RunID, nil, &r)
			if code != http.StatusOK && code != http.StatusNotFound {
				t.Fatalf("run %s: %d %s", started.RunID, code, data)
			}
			if r.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s is %s, want %s", started.RunID, r.Status, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitStatus("paused")
	api.do("POST", pbase+"/flows/"+af.ID+"/runs/"+started.RunID+"/resume", map[string]any{"node": "ask", "input": map[string]any{"approved": true, "comment": "fine"}}, 202, nil)
	waitStatus("success")
	api.do("POST", pbase+"/flows/"+af.ID+"/runs/"+started.RunID+"/resume", map[string]any{"node": "ask", "input": map[string]any{"approved": false}}, 409, nil)

	// a schedule fires (clock injected through Tick)
	var sched struct{ ID string }
	sdoc := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
		map[string]any{"id": "s1", "handle": "tick", "type": "trigger.schedule", "position": map[string]any{"x": 0, "y": 0}},
		map[string]any{"id": "s2", "handle": "note", "type": "debug.log", "position": map[string]any{"x": 0, "y": 0}, "values": map[string]any{"message": "tick at {{ tick.fired_at }}"}},
	}, "connections": []any{map[string]any{"from": map[string]any{"node": "s1", "port": "true_path"}, "to": map[string]any{"node": "s2", "port": "node"}}}}
	api.do("POST", pbase+"/flows", map[string]any{"kind": "schedule", "name": "every minute", "document": sdoc,
		"schedule": map[string]any{"cron": "* * * * *", "timezone": "Europe/Amsterdam", "enabled": true}}, 201, &sched)
	api.do("POST", pbase+"/flows/"+sched.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)
	if n, err := c.Tick(context.Background(), time.Now().Add(2*time.Minute)); err != nil || n < 1 {
		t.Fatalf("schedule did not fire: %d %v", n, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var sr struct{ Items []struct{ Status string } }
		api.do("GET", pbase+"/flows/"+sched.ID+"/runs", nil, 200, &sr)
		if len(sr.Items) > 0 && sr.Items[0].Status == "success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the schedule's run was not recorded: %+v", sr)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// restart: everything is still there
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	c = start(t, dir, seen)
	api.base = c.URL()
	api.token = signIn(t, c.URL(), "ada@example.com")
	var got struct{ Slug string }
	api.do("GET", pbase, nil, 200, &got)
	if got.Slug != "e2e-shop" {
		t.Fatalf("after restart: %+v", got)
	}
	if status, _ := trigger(t, c.Port(), "e2e-shop-dev.localhost", "/hello/grace"); status != 200 {
		t.Fatalf("trigger after restart: %d", status)
	}

	// DynamoDB failing: the API answers 503 with Retry-After, the router 503
	setFault := func(kind string) {
		b, _ := json.Marshal(map[string]any{"dynamodb": map[string]any{"kind": kind}})
		resp, err := http.Post(c.URL()+"/_dev/faults", "application/json", bytes.NewReader(b))
		if err != nil || resp.StatusCode != 204 {
			t.Fatalf("fault switch: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	setFault("throttle")
	req, _ := http.NewRequest("GET", c.URL()+"/api/v1"+pbase, nil)
	req.Header.Set("Authorization", "Bearer "+api.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("api under faults: %v %v", err, resp)
	}
	resp.Body.Close()
	time.Sleep(2100 * time.Millisecond) // the router's cached route table expires
	if status, _ := trigger(t, c.Port(), "e2e-shop-dev.localhost", "/hello/ada"); status != 503 {
		t.Fatalf("router under faults: %d", status)
	}
	setFault("")

	// the secret never appears in stored data, events, logs or API answers
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored, _ := os.ReadFile(filepath.Join(dir, "dynamodb.json"))
	for name, text := range map[string]string{"stored data": string(stored), "events, logs and answers": seen.String()} {
		if strings.Contains(text, secretValue) {
			t.Errorf("the secret appears in %s", name)
		}
	}
	// nor does the access token the live WebSocket connected with (its signature is enough)
	if sig := wsToken[strings.LastIndex(wsToken, ".")+1:]; strings.Contains(seen.String(), sig) {
		t.Error("the access token appears in the events, logs or answers")
	}
}
