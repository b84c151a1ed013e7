package engine_test

import (
	"context"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// A run's tenant and project reach its nodes (nodes.RunInfo), in flows it calls too.
func TestRunOwnerReachesNodes(t *testing.T) {
	reg := flowNodes(t)
	if err := reg.Register(&nodes.Type{ID: "ownertest.who", Category: "Test", Name: "Who", Doc: "A node made for engine tests.",
		Outputs: []nodes.Port{{Name: "owner", Type: nodes.String}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"owner": c.Run.Tenant + "/" + c.Run.Project}, nil
		}}); err != nil {
		t.Fatal(err)
	}
	plans := map[string]*flow.Plan{
		"inner": compile(t, reg, newFlow().node("start", "flowtest.start", nil).node("who", "ownertest.who", nil).
			node("out", "control.exit", map[string]any{"value": "{{ who.owner }}"}).chain("start", "who", "out")),
	}
	outer := compile(t, reg, callerFlow("inner", nil).node("who", "ownertest.who", nil).chain("start", "who"))
	r := run(t, engine.New(engine.Options{Concurrency: 1}), outer, engine.Request{FlowID: "outer", Stage: "prod",
		Tenant: "t1", Project: "p1", Flows: nodetest.Flows(plans, 3)})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("run %s: %+v", r.Status, r.Error)
	}
	if got := result(t, r, "who").Outputs["owner"]; got != "t1/p1" {
		t.Errorf("the run's node sees owner %v, want t1/p1", got)
	}
	if got := result(t, r, "call").Outputs["value"]; got != "t1/p1" {
		t.Errorf("the called flow's node sees owner %v, want t1/p1", got)
	}
}
