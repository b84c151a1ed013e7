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
)

// A webhook's shared token arrives in a request header and is compared with
// <secret:HOOK_TOKEN> after the route trigger has ended. The trigger's node_end event,
// sent over the WebSocket before the run read the secret, carried the token in clear.
func TestLiveEventsNeverCarryASecretReadLater(t *testing.T) {
	const token = "whk-tok-3c9e51a0d7"
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	defer func() { _ = c.Close(context.Background()) }()

	api, project, pbase := stagedProject(t, c, seen, "hook@example.com", "Hooks", "hooks", "live")
	api.do("PUT", pbase+"/secrets/HOOK_TOKEN/stages/live", map[string]any{"value": token}, 204, nil)

	node := func(id, handle, typ string, x int, values map[string]any) map[string]any {
		return map[string]any{"id": id, "handle": handle, "type": typ, "position": map[string]any{"x": x, "y": 0}, "values": values}
	}
	link := func(from, port, to string) map[string]any {
		return map[string]any{"from": map[string]any{"node": from, "port": port}, "to": map[string]any{"node": to, "port": "node"}}
	}
	doc := map[string]any{"schema": "polysynergy/flow@1",
		"nodes": []any{
			node("n1", "route", "trigger.route", 0, nil),
			node("n2", "check", "control.if_else", 200, map[string]any{
				"condition": "{{ route.headers['x-hook-token'] != '' }}", "value": "<secret:HOOK_TOKEN>"}),
			node("n3", "ok", "http.response", 400, map[string]any{"status": 204}),
			node("n4", "refused", "http.response", 400, map[string]any{"status": 401}),
		},
		"connections": []any{link("n1", "true_path", "n2"), link("n2", "true_path", "n3"), link("n2", "false_path", "n4")}}
	var fl struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "route", "name": "hook", "document": doc,
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "hook"}}}}, 201, &fl)
	api.do("POST", pbase+"/flows/"+fl.ID+"/publish", map[string]any{"stage": "live"}, 200, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := subscribe(ctx, t, c, api.token, project, fl.ID)
	defer ws.CloseNow()

	// the webhook call, with its token in a header
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", c.Port()))
	}}
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://hooks-live.localhost:%d/hook", c.Port()), nil)
	req.Header.Set("X-Hook-Token", token)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("webhook: %d %s", resp.StatusCode, body)
	}

	var routeEnd string
	for ended := false; !ended; {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("live events: %v", err)
		}
		if strings.Contains(string(msg), token) {
			t.Fatalf("a live event holds the webhook's token in clear: %s", msg)
		}
		var evs []json.RawMessage
		if json.Unmarshal(msg, &evs) != nil {
			evs = []json.RawMessage{msg}
		}
		for _, raw := range evs {
			var ev struct{ Type, Node string }
			_ = json.Unmarshal(raw, &ev)
			switch {
			case ev.Type == "node_end" && ev.Node == "route":
				routeEnd = string(raw)
			case ev.Type == "run_end":
				ended = true
			}
		}
	}
	if !strings.Contains(routeEnd, `<secret:HOOK_TOKEN>`) && !strings.Contains(routeEnd, `\u003csecret:HOOK_TOKEN\u003e`) {
		t.Fatalf("the route's node_end event: %q, want its header as <secret:HOOK_TOKEN>", routeEnd)
	}
}
