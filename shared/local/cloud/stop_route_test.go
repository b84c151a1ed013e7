package cloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Stopping while a trigger request waits for its flow (a route in wait mode) does as it
// does for background runs: past its context the run is cancelled, the caller gets the
// router's answer (504) rather than a dropped connection, the run is recorded as ended,
// and Close succeeds. The request went on under the HTTP server's own context, so Close
// gave up on it ('stop: context deadline exceeded', exit 1) and closed the data under it:
// the caller got an empty reply and the run was lost.
func TestStoppingCancelsTriggerRequestsInProgress(t *testing.T) {
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	defer func() { _ = c.Close(context.Background()) }()
	api, project, pbase := stagedProject(t, c, seen, "ria@example.com", "Slow", "slow", "dev")
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
	api.do("POST", pbase+"/flows", map[string]any{"kind": "route", "name": "slow", "document": doc,
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "slow"}}}}, 201, &fl)
	api.do("POST", pbase+"/flows/"+fl.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)

	// a subscriber tells when the run waits in its delay node
	ws := subscribe(context.Background(), t, c, api.token, project, fl.ID)
	defer ws.CloseNow()

	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", c.Port()))
		}}
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://slow-dev.localhost:%d/slow", c.Port()), nil)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode}
	}()
	run := ""
	for run == "" {
		_, msg, err := ws.Read(context.Background())
		if err != nil {
			t.Fatalf("live events: %v", err)
		}
		var evs []struct {
			Type  string `json:"type"`
			RunID string `json:"run_id"`
			Node  string `json:"node"`
		}
		_ = json.Unmarshal(msg, &evs)
		for _, e := range evs {
			if e.Type == "node_start" && e.Node == "wait" {
				run = e.RunID
			}
		}
	}

	// the subscriber leaves first: this is about the trigger request
	if err := ws.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if a := <-answered; a.err != nil || a.status != http.StatusGatewayTimeout {
		t.Errorf("the caller got %d, %v; want the router's 504", a.status, a.err)
	}
	// the stop cancelled the request on purpose: no warning that the router could not wait
	// for an error flow under a context the stop cancelled
	if strings.Contains(seen.String(), "wait for the error flow") {
		t.Errorf("stopping logged a warning about its own cancel:\n%s", seen.String())
	}

	c = start(t, dir, seen)
	api.base, api.token = c.URL(), signIn(t, c.URL(), "ria@example.com")
	var r struct{ Status string }
	if got, data := api.try("GET", pbase+"/flows/"+fl.ID+"/runs/"+run, nil, &r); got != 200 || r.Status == "running" {
		t.Errorf("run %s after stopping: %d %s", run, got, data)
	}
}
