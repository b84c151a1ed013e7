package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"polysynergy/shared/engine"
)

// A whole number beyond 2^53 (an id such as 9007199254740993) in the trigger and in node
// outputs stays exact across a pause: the state is JSON, and was read back as float64
// (9007199254740992).
func TestPauseResumeKeepsLargeIntegersExact(t *testing.T) {
	const id int64 = 9007199254740993
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("before", "test.pass", map[string]any{"value": "{{ start.data.id }}"}).
		node("ask", "test.approve", map[string]any{"question": "ship {{ before.value }}?"}).
		node("final", "test.pass", map[string]any{"value": "{{ before.value }}:{{ trigger.id }}:{{ ask.answer.id }}"}).
		node("same", "test.pass", map[string]any{"value": "{{ before.value }}"}).
		chain("start", "before", "ask", "final", "same")
	r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b),
		engine.Request{RunID: "r-big", FlowID: "f", Stage: "prod", Trigger: map[string]any{"id": id}})
	if r.Status != engine.StatusPaused || r.State == nil {
		t.Fatalf("status %s %+v", r.Status, r.Error)
	}
	data, err := json.Marshal(r.State)
	if err != nil {
		t.Fatal(err)
	}
	var st engine.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	tn2 := newTestNodes(t)
	r2, err := engine.New(engine.Options{Concurrency: 1}).Resume(context.Background(), compile(t, tn2.reg, b), &st, "ask",
		map[string]any{"id": id}, engine.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != engine.StatusSuccess {
		t.Fatalf("resumed: %s %+v", r2.Status, r2.Error)
	}
	if got := result(t, r2, "final").Outputs["value"]; got != "9007199254740993:9007199254740993:9007199254740993" {
		t.Fatalf("final %#v", got)
	}
	if got := result(t, r2, "same").Outputs["value"]; got != id {
		t.Fatalf("whole value %#v (%T), want int64 %d", got, got, id)
	}
	if got := st.Trigger.(map[string]any)["id"]; got != id {
		t.Fatalf("state trigger %#v (%T)", got, got)
	}
	if got := st.Nodes["before"].Outputs["value"]; got != id {
		t.Fatalf("state output %#v (%T)", got, got)
	}
	// small numbers read back as float64, as before
	var small engine.State
	if err := json.Unmarshal([]byte(`{"version":1,"trigger":{"n":3},"nodes":{"a":{"status":"success","outputs":{"v":[1.5]}}}}`), &small); err != nil {
		t.Fatal(err)
	}
	if small.Trigger.(map[string]any)["n"] != 3.0 || small.Nodes["a"].Outputs["v"].([]any)[0] != 1.5 {
		t.Fatalf("small numbers %#v %#v", small.Trigger, small.Nodes)
	}
}
