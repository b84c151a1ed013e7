package runner_test

import (
	"testing"

	"polysynergy/shared/store"
)

// An id beyond 2^53 (which float64 rounds: 9007199254740993 reads as …992) reaches the flow
// to the digit, from an editor run's input and from a route's path variable handed over by
// the router.
func TestBigWholeNumbersReachTheFlowExact(t *testing.T) {
	const id = int64(9007199254740993)
	f := setup(t)

	ed := f.flow(t, store.KindBlueprint, doc(t, []node{{"start", "trigger.manual", nil}}))
	if _, err := f.st.SaveDraft(f.ctx, ed, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"log", "debug.log", map[string]any{"message": "id {{ start.input.id }}, next {{ start.input.id + 1 }}"}},
	}), 1); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	resp, err := f.replay(t, "editor.json", ed, map[string]any{"version": 0, "input": map[string]any{"id": id}})
	if err != nil || resp.Status != "success" {
		t.Fatalf("editor run = %+v, %v", resp, err)
	}
	if got := inputs(t, f.results(t, resp.RunID)["log:success"])["message"]; got != "id 9007199254740993, next 9007199254740994" {
		t.Errorf("editor run's log = %q, want the id exact", got)
	}

	rt := f.flow(t, store.KindRoute, doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/orders/{id:number}"}},
		{"set", "variable.string", map[string]any{"value": "order {{ route.params.id }}"}},
		{"reply", "http.response", map[string]any{"status": 201, "body": "{{ set.value }}"}},
	}))
	resp, err = f.replay(t, "router.json", rt, map[string]any{"request": map[string]any{
		"method": "POST", "path": "/orders/9007199254740993", "host": "shop-prod.example.com",
		"headers": map[string]any{"content-type": "application/json"},
		"params":  map[string]any{"id": id}, "body": `{"qty":1}`, "is_base64": false,
	}})
	if err != nil || resp.Status != "success" {
		t.Fatalf("router hand-off = %+v, %v", resp, err)
	}
	if got := inputs(t, f.results(t, resp.RunID)["set:success"])["value"]; got != "order 9007199254740993" {
		t.Errorf("route's value = %q, want the path variable exact", got)
	}
}
