package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// devServer is a running `polysynergy dev`, started as a user starts it.
type devServer struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	done chan error
	url  string
	port string
}

func (d *devServer) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

var editorLine = regexp.MustCompile(`Editor\s+(http://localhost:(\d+))`)

// startDev runs `polysynergy dev` on a free port and waits for its banner.
func startDev(t *testing.T, args ...string) *devServer {
	t.Helper()
	d := &devServer{cmd: exec.Command(bin, append([]string{"dev", "--port", "0"}, args...)...), done: make(chan error, 1)}
	pr, pw := io.Pipe()
	d.cmd.Stdout, d.cmd.Stderr = pw, pw
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait(); pw.Close() }()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			d.mu.Lock()
			d.out.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			if strings.Contains(sc.Text(), "Ctrl-C stops it") {
				close(ready)
			}
		}
	}()
	t.Cleanup(func() { _ = d.cmd.Process.Kill() })
	select {
	case <-ready:
	case err := <-d.done:
		t.Fatalf("polysynergy dev exited before it was ready: %v\n%s", err, d.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("polysynergy dev printed no banner\n%s", d.output())
	}
	m := editorLine.FindStringSubmatch(d.output())
	if m == nil {
		t.Fatalf("the banner names no editor URL:\n%s", d.output())
	}
	d.url, d.port = m[1], m[2]
	return d
}

// stop sends Ctrl-C and returns the exit error.
func (d *devServer) stop(t *testing.T) error {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("polysynergy dev did not stop on Ctrl-C\n%s", d.output())
		return nil
	}
}

// get fetches url (with a bearer token when one is given) and returns status, headers and body.
func get(t *testing.T, url, host, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// createProject creates a project through the API at projects (a tenant's projects URL).
func createProject(t *testing.T, projects, token, name, slug string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "slug": slug})
	req, _ := http.NewRequest(http.MethodPost, projects, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create project %q: %d", slug, resp.StatusCode)
	}
}

func devToken(t *testing.T, dir, email string) string {
	t.Helper()
	out, errOut, code := cli(t, "dev", "token", "--user", email, "--data-dir", dir)
	if code != 0 || strings.Count(strings.TrimSpace(out), ".") != 2 {
		t.Fatalf("dev token: exit %d, %q %s", code, out, errOut)
	}
	return strings.TrimSpace(out)
}

// TestDevCommand is a newcomer's `make dev`: the banner's URLs answer, a scripted token
// works, Ctrl-C saves the data and a restart finds it.
func TestDevCommand(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(t.TempDir(), "dist")
	if err := os.MkdirAll(filepath.Join(web, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>PolySynergy editor</title>"), 0o644)
	_ = os.WriteFile(filepath.Join(web, "assets", "app.js"), []byte("console.log('editor')"), 0o644)

	d := startDev(t, "--data-dir", dir, "--web", web)
	expect(t, d.output(), "PolySynergy is running", d.url+"/api/v1", "ws://localhost:"+d.port+"/ws",
		"http://{project}-{stage}.localhost:"+d.port+"/…", "/.well-known/openid-configuration", "Storage     embedded DynamoDB, kept in "+dir)
	if strings.Contains(d.output(), "not built") {
		t.Fatalf("the banner says a built editor is not built:\n%s", d.output())
	}

	// the editor, with single-page-app fallback; a missing asset is a 404, not the page
	for path, want := range map[string]string{"/": "PolySynergy editor", "/p/some-project/flows/x": "PolySynergy editor",
		"/assets/app.js": "console.log('editor')"} {
		if code, _, body := get(t, d.url+path, "", ""); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", path, code, body, want)
		}
	}
	if code, _, _ := get(t, d.url+"/assets/gone-1234.js", "", ""); code != http.StatusNotFound {
		t.Errorf("GET a missing asset: %d, want 404", code)
	}

	// the runtime configuration names this server
	code, _, body := get(t, d.url+"/config.json", "", "")
	var conf map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &conf) != nil {
		t.Fatalf("/config.json: %d %s", code, body)
	}
	for k, want := range map[string]string{"apiUrl": d.url + "/api/v1", "wsUrl": "ws://localhost:" + d.port + "/ws", "issuer": d.url} {
		if conf[k] != want {
			t.Errorf("/config.json %s = %v, want %s", k, conf[k], want)
		}
	}
	if code, _, body := get(t, d.url+"/.well-known/openid-configuration", "", ""); code != 200 || !strings.Contains(body, `"issuer":"`+d.url+`"`) {
		t.Errorf("discovery document: %d %s", code, body)
	}
	if code, _, body := get(t, d.url+"/api/v1/openapi.json", "", ""); code != 200 || !strings.Contains(body, `"openapi"`) {
		t.Errorf("OpenAPI document: %d %.200s", code, body)
	}

	// a token for scripts works against the API; without one the API answers 401
	tok := devToken(t, dir, "ada@example.com")
	code, _, body = get(t, d.url+"/api/v1/me", "", tok)
	var me struct {
		Email       string
		Memberships []struct{ Tenant string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &me) != nil || me.Email != "ada@example.com" || len(me.Memberships) == 0 {
		t.Fatalf("/me with the dev token: %d %s", code, body)
	}
	if code, _, _ := get(t, d.url+"/api/v1/me", "", ""); code != http.StatusUnauthorized {
		t.Errorf("/me without a token: %d, want 401", code)
	}
	createProject(t, fmt.Sprintf("%s/api/v1/tenants/%s/projects", d.url, me.Memberships[0].Tenant), tok, "Kept across restarts", "kept")

	// a trigger host nothing is published on gets a problem document
	code, hdr, body := get(t, "http://127.0.0.1:"+d.port+"/hello", "nothing-dev.localhost:"+d.port, "")
	if code != http.StatusNotFound || hdr.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown trigger host: %d %s %s", code, hdr.Get("Content-Type"), body)
	}

	// a host under localhost without a stage is a trigger host gone wrong, and told so
	code, hdr, body = get(t, "http://127.0.0.1:"+d.port+"/hello", "shop.localhost:"+d.port, "")
	if code != http.StatusBadRequest || hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "shop.localhost") {
		t.Errorf("trigger host without a stage: %d %s %s", code, hdr.Get("Content-Type"), body)
	}

	// a second local cloud on the same data dir refuses to start, and says why
	_, errOut, exit := cli(t, "dev", "--port", "0", "--data-dir", dir, "--web", web)
	if exit == 0 || !strings.Contains(errOut, "another polysynergy dev") {
		t.Errorf("second instance: exit %d, %s", exit, errOut)
	}

	// Ctrl-C flushes and says so; the data is there after a restart
	if err := d.stop(t); err != nil {
		t.Fatalf("exit after Ctrl-C: %v\n%s", err, d.output())
	}
	expect(t, d.output(), "stopped; data saved.")
	// a token for a local cloud that is not running still comes, with a note saying so
	out, errOut, exit := cli(t, "dev", "token", "--user", "ada@example.com", "--data-dir", dir)
	// it is for the port the cloud ran on (it was for the default 8090, which that cloud refuses)
	if exit != 0 || strings.TrimSpace(out) == "" || !strings.Contains(errOut, "no local cloud is running on "+dir+"; the token is for "+d.url+",") {
		t.Errorf("dev token with the cloud stopped: exit %d, %q, %q", exit, out, errOut)
	}
	d = startDev(t, "--data-dir", dir, "--web", web)
	code, _, body = get(t, fmt.Sprintf("%s/api/v1/tenants/%s/projects", d.url, me.Memberships[0].Tenant), "", devToken(t, dir, "ada@example.com"))
	if code != 200 || !strings.Contains(body, `"slug":"kept"`) {
		t.Fatalf("projects after a restart: %d %s", code, body)
	}
	if err := d.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestDevCommandPortInUse names the port and what to do when it is taken.
func TestDevCommandPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "dev", "--port", port, "--data-dir", t.TempDir()).CombinedOutput()
	if err == nil {
		t.Fatalf("started on a port in use:\n%s", out)
	}
	expect(t, string(out), "port "+port, "--port")
}

// TestDevCommandCrash: a local cloud killed outright keeps what was written more than a
// second before (the write log reaches the disk within one), and the next start is not
// refused by the dead one's lock.
func TestDevCommandCrash(t *testing.T) {
	dir := t.TempDir()
	d := startDev(t, "--data-dir", dir)
	// the test's directory has no web/dist: the banner says the editor is not built
	expect(t, d.output(), "(not built: "+filepath.Join("web", "dist")+" has no index.html; run 'make web', or give --web)")
	tok := devToken(t, dir, "grace@example.com")
	_, _, body := get(t, d.url+"/api/v1/me", "", tok)
	var me struct{ Memberships []struct{ Tenant string } }
	if err := json.Unmarshal([]byte(body), &me); err != nil || len(me.Memberships) == 0 {
		t.Fatalf("/me: %s", body)
	}
	projects := fmt.Sprintf("%s/api/v1/tenants/%s/projects", d.url, me.Memberships[0].Tenant)
	createProject(t, projects, tok, "Survives a crash", "survivor")
	time.Sleep(2 * time.Second) // past the one second the write log may take to reach the disk
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.done

	d = startDev(t, "--data-dir", dir)
	projects = fmt.Sprintf("%s/api/v1/tenants/%s/projects", d.url, me.Memberships[0].Tenant)
	if code, _, body := get(t, projects, "", devToken(t, dir, "grace@example.com")); code != 200 || !strings.Contains(body, `"slug":"survivor"`) {
		t.Fatalf("projects after a crash and a restart: %d %s", code, body)
	}
	if err := d.stop(t); err != nil {
		t.Fatal(err)
	}
}

// mustDataDir is a data dir a local cloud has used (it holds the lock file each start leaves).
func mustDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDevTokenRefusesOtherDirectories: `dev token --data-dir /tmp` made a signing key and a
// users file in any directory that existed; a directory no local cloud has used is refused,
// saying so, and left as it was.
func TestDevTokenRefusesOtherDirectories(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := cli(t, "dev", "token", "--user", "ada@example.com", "--data-dir", dir)
	if code != 2 || !strings.Contains(errOut, "--data-dir: no local cloud data in "+dir) || !strings.Contains(errOut, "polysynergy dev --data-dir") {
		t.Errorf("dev token on a directory no local cloud used: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("dev token wrote %d files in a directory that is not a data dir (%s…)", len(entries), entries[0].Name())
	}
}

// TestDevCommandBadFlags: what `polysynergy dev` cannot start with is refused at once,
// naming the flag and the reason.
func TestDevCommandBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--port", "99999"}, 2, "--port: 99999 is not a port"},
		{[]string{"--port", "-1"}, 2, "--port: -1 is not a port"},
		{[]string{"--dynamodb-endpoint", "localhost:8000"}, 2, `--dynamodb-endpoint: "localhost:8000" is not an http(s) URL`},
		{[]string{"tokens"}, 2, `unexpected argument "tokens"`},
		{[]string{"token", "--user", "a@example.com", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"token"}, 2, "--user EMAIL"},
		{[]string{"token", "--user", "a@example.com", "--data-dir", "/no/such/dir"}, 2, "--data-dir: no local cloud data in /no/such/dir"},
		{[]string{"token", "--user", "a@example.com", "--name", "bad\x01name", "--data-dir", mustDataDir(t)}, 2, `--name: name "bad`},
		{[]string{"token", "--user", "a@@example.com", "--data-dir", mustDataDir(t)}, 2, "--user: "},
		{[]string{"--port", "0", "--dynamodb-endpoint", "http://127.0.0.1:1"}, 1, "does not answer (is it running?)"},
	} {
		args := append([]string{"dev"}, tc.args...)
		if !slices.Contains(tc.args, "--data-dir") {
			args = append(args, "--data-dir", t.TempDir())
		}
		_, errOut, code := cli(t, args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("dev %v: exit %d, %q; want exit %d saying %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// call sends a JSON request to the REST API and decodes the answer into out, failing the
// test unless the status is want.
func call(t *testing.T, method, url, token string, body, out any, want int) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, data)
		}
	}
}

// TestDevCommandSecondCtrlC: a stop waits (up to 15 s) for the requests still going, and
// said nothing while it did, and a second Ctrl-C was swallowed. Now it says what it waits
// for, and a second Ctrl-C cancels them at once: the caller gets the router's answer and
// the data is still saved.
func TestDevCommandSecondCtrlC(t *testing.T) {
	dir := t.TempDir()
	d := startDev(t, "--data-dir", dir)
	tok := devToken(t, dir, "lin@example.com")
	var me struct{ Memberships []struct{ Tenant string } }
	call(t, "GET", d.url+"/api/v1/me", tok, nil, &me, 200)
	var proj struct{ ID string }
	call(t, "POST", fmt.Sprintf("%s/api/v1/tenants/%s/projects", d.url, me.Memberships[0].Tenant), tok,
		map[string]any{"name": "Slow", "slug": "slow"}, &proj, 201)
	pbase := fmt.Sprintf("%s/api/v1/tenants/%s/projects/%s", d.url, me.Memberships[0].Tenant, proj.ID)
	call(t, "POST", pbase+"/stages", tok, map[string]any{"name": "dev"}, nil, 201)
	pos := map[string]any{"x": 0, "y": 0}
	doc := map[string]any{"schema": "polysynergy/flow@1",
		"nodes": []any{
			map[string]any{"id": "r", "handle": "route", "type": "trigger.route", "position": pos},
			map[string]any{"id": "d", "handle": "wait", "type": "control.delay", "position": pos, "values": map[string]any{"ms": 120_000}},
			map[string]any{"id": "a", "handle": "reply", "type": "http.response", "position": pos, "values": map[string]any{"body": "late"}},
		},
		"connections": []any{
			map[string]any{"from": map[string]any{"node": "r", "port": "true_path"}, "to": map[string]any{"node": "d", "port": "node"}},
			map[string]any{"from": map[string]any{"node": "d", "port": "true_path"}, "to": map[string]any{"node": "a", "port": "node"}},
		}}
	var fl struct{ ID string }
	call(t, "POST", pbase+"/flows", tok, map[string]any{"kind": "route", "name": "slow", "document": doc,
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "slow"}}}}, &fl, 201)
	call(t, "POST", pbase+"/flows/"+fl.ID+"/publish", tok, map[string]any{"stage": "dev"}, nil, 200)

	// a subscriber tells when the run waits in its delay node (runs are listed once they end);
	// it connects as a script does, the token in an Authorization header (not in the URL)
	ws, _, err := websocket.Dial(context.Background(), "ws://localhost:"+d.port+"/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	sub, _ := json.Marshal(map[string]any{"action": "subscribe", "project": proj.ID, "flow": fl.ID})
	if err := ws.Write(context.Background(), websocket.MessageText, sub); err != nil {
		t.Fatal(err)
	}
	if _, reply, err := ws.Read(context.Background()); err != nil || !strings.Contains(string(reply), "subscribed") {
		t.Fatalf("subscribe: %s %v", reply, err)
	}
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+d.port+"/slow", nil)
		req.Host = "slow-dev.localhost:" + d.port
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for waiting := false; !waiting; {
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, msg, err := ws.Read(rctx)
		cancel()
		if err != nil {
			t.Fatalf("live events: %v", err)
		}
		var evs []struct{ Type, Node string }
		_ = json.Unmarshal(msg, &evs)
		for _, e := range evs {
			waiting = waiting || (e.Type == "node_start" && e.Node == "wait")
		}
	}
	_ = ws.Close(websocket.StatusNormalClosure, "")

	if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for waited := 0; !strings.Contains(d.output(), "Ctrl-C again cancels them"); waited++ {
		if waited == 300 {
			t.Fatalf("the stop does not say what it waits for:\n%s", d.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, d.output(), "stopping… (waiting up to 15s for requests and runs still going")
	if !strings.Contains(d.output(), "stopped") {
		// still waiting for the request: the second Ctrl-C is what ends it
		if err := d.stop(t); err != nil {
			t.Fatalf("exit after a second Ctrl-C: %v\n%s", err, d.output())
		}
		expect(t, d.output(), "cancelling the requests and runs still going; saving the data…", "stopped; data saved.")
	} else {
		t.Fatalf("the stop did not wait for the request still going:\n%s", d.output())
	}
	if status := <-answered; status != http.StatusGatewayTimeout {
		t.Errorf("the caller got %d; want the router's 504", status)
	}
}
