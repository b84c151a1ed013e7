package cloud_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"polysynergy/shared/local/cloud"
)

// Every function of the local cloud logs through the cloud's logger in one format, each
// line naming its function; the router used Lambda's JSON logger on stdout (cfg.Logger()),
// so its lines never reached the cloud's log and looked unlike the rest. No line holds a
// signed-in user's token.
func TestLocalCloudFunctionsLogInOneFormatNamingTheFunction(t *testing.T) {
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	tok := signIn(t, c.URL(), "logs@example.com")
	api := &client{t: t, base: c.URL(), token: tok, seen: &recorder{}}
	api.do("GET", "/me", nil, 200, nil)

	// ws: a connection without a token is refused (logged at info)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if conn, _, err := websocket.Dial(ctx, strings.Replace(c.URL(), "http://", "ws://", 1)+"/ws", nil); err == nil {
		conn.CloseNow()
		t.Fatal("a WebSocket without a token was accepted")
	}
	// runner: a payload it cannot run (through the Lambda Invoke API, as the API calls it)
	resp, err := http.Post(c.URL()+"/2015-03-31/functions/runner/invocations", "application/json",
		strings.NewReader(`{"kind":"nonsense","token":"`+tok+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// api and router: DynamoDB failing
	resp, err = http.Post(c.URL()+"/_dev/faults", "application/json", bytes.NewReader([]byte(`{"dynamodb":{"kind":"error"}}`)))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("fault switch: %v %v", err, resp)
	}
	resp.Body.Close()
	if code, _ := api.try("GET", "/me", nil, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("api under faults: %d", code)
	}
	if status, _ := trigger(t, c.Port(), "logs-live.localhost", "/x"); status != http.StatusServiceUnavailable {
		t.Fatalf("router under faults: %d", status)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	logs := seen.String()
	want := map[string]string{ // a message each function logs above
		"router": `msg="route table"`,
		"api":    `msg="store unavailable"`,
		"ws":     `msg="websocket connect refused"`,
		"runner": `msg="rejected runner payload"`,
	}
	for fn, msg := range want {
		found := false
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, msg) {
				found = true
				if !strings.Contains(line, " "+cloud.FunctionKey+"="+fn+" ") && !strings.HasSuffix(line, " "+cloud.FunctionKey+"="+fn) {
					t.Errorf("%s's line does not name it (%s=%s): %s", fn, cloud.FunctionKey, fn, line)
				}
			}
		}
		if !found {
			t.Errorf("no %s line from the %s function in the local cloud's log:\n%s", msg, fn, logs)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !strings.HasPrefix(line, "time=") || !strings.Contains(line, " level=") {
			t.Errorf("a line not in the local cloud's format: %s", line)
		}
	}
	if strings.Contains(logs, tok) {
		t.Error("a signed-in user's token appears in the log")
	}
}
