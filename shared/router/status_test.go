package router_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A flow answering an informational status (100–199) gets its caller a 500 problem naming
// the run, and the run is recorded as failed with why: an HTTP request cannot end with a
// 1xx. The router passed it on, and the local gateway (as Go's server does) sent the 100
// and then a bare 200 after it. The response node refuses it (a literal 1xx already when
// the flow is validated); the status here comes from an expression, known only at run time.
func TestInformationalStatusIsNoAnswer(t *testing.T) {
	for _, status := range []int{100, 101, 103} {
		doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
			"nodes": []any{
				node("route", "trigger.route", nil),
				node("reply", "http.response", map[string]any{"status": fmt.Sprintf("{{ %d }}", status), "body": ""}),
			},
			"connections": []any{conn("route", "true_path", "reply", "node")}})
		fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
		resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 500 || resp.Headers["content-type"] != "application/problem+json" || !strings.Contains(resp.Body, resp.Headers["x-run-id"]) || resp.Headers["x-run-id"] == "" {
			t.Errorf("status %d: answered %d %v %s, want a 500 problem", status, resp.StatusCode, resp.Headers, resp.Body)
		}
		got := readAnswer(t, fx, resp.Headers["x-run-id"])
		if got.Response.Status != 500 || !strings.Contains(got.Error, fmt.Sprintf("must be between 200 and 599, got %d", status)) {
			t.Errorf("status %d: run recorded %+v, want the 500 the caller got and why", status, got)
		}
	}
}
