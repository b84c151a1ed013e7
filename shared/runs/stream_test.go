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

// TestStreamChunksArePublished: stream chunks (agent tokens) reach the run's publisher
// between the node's start and end.
func TestStreamChunksArePublished(t *testing.T) {
	reg, err := catalog.New()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	reg.MustRegister(&nodes.Type{ID: "test.stream", Category: "Test", Name: "Stream", Doc: "Streams two chunks.",
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			c.Host.Stream("Hel")
			c.Host.Stream("lo")
			return nodes.Out{"text": "Hello"}, nil
		}})
	f := setup(t, func(o *runs.Options) { o.Compiler = flow.NewCompiler(reg, 0) })
	d := json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},
		{"id":"talk","handle":"talk","type":"test.stream","position":{"x":200,"y":0}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"talk","port":"node"}}]}`)
	fk := f.flow(t, d, store.SaveNone, 0)
	run, err := f.x.Execute(f.ctx, f.job(fk, runs.KindEditor))
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute = %v, %v", run, err)
	}
	var chunks []any
	var kinds []string
	f.pub.mu.Lock()
	for _, ev := range f.pub.events {
		if ev.RunID == run.ID && ev.Node == "talk" {
			kinds = append(kinds, ev.Type)
			if ev.Type == engine.EventStream {
				chunks = append(chunks, ev.Data)
			}
		}
	}
	f.pub.mu.Unlock()
	want := []string{"node_start", "stream", "stream", "node_end"}
	if len(kinds) != len(want) || kinds[0] != want[0] || kinds[1] != want[1] || kinds[2] != want[2] || kinds[3] != want[3] {
		t.Errorf("events of talk = %v, want %v", kinds, want)
	}
	if len(chunks) != 2 || chunks[0] != "Hel" || chunks[1] != "lo" {
		t.Errorf("chunks = %v, want [Hel lo]", chunks)
	}
}
