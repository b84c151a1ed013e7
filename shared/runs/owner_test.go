package runs_test

import (
	"context"
	"encoding/json"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// The run's tenant and project reach its nodes (the AWS nodes derive the external ID of a
// role assumption from them).
func TestRunOwnerReachesNodes(t *testing.T) {
	reg, err := catalog.New()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	reg.MustRegister(&nodes.Type{ID: "test.owner", Category: "Test", Name: "Owner", Doc: "Says who owns the run.",
		Outputs: []nodes.Port{{Name: "owner", Type: nodes.String}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"owner": c.Run.Tenant + "/" + c.Run.Project}, nil
		}})
	f := setup(t, func(o *runs.Options) { o.Compiler = flow.NewCompiler(reg, 0) })
	d := json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},
		{"id":"who","handle":"who","type":"test.owner","position":{"x":200,"y":0}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"who","port":"node"}}]}`)
	fk := f.flow(t, d, store.SaveNone, 0)
	run, err := f.x.Execute(f.ctx, f.job(fk, runs.KindEditor))
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute = %v, %v", run, err)
	}
	for _, n := range run.Nodes {
		if n.Handle == "who" {
			if want := fk.Tenant + "/" + fk.Project; n.Outputs["owner"] != want || fk.Tenant == "" || fk.Project == "" {
				t.Errorf("the node sees owner %v, want %s", n.Outputs["owner"], want)
			}
			return
		}
	}
	t.Fatalf("no result for who: %+v", run.Nodes)
}
