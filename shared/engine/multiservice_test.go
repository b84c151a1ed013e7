package engine_test

import (
	"context"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
)

// A multi service input (an agent's tools) receives every connected instance as a list.
func TestMultiServiceInputGetsEveryInstance(t *testing.T) {
	tn := newTestNodes(t)
	err := tn.reg.Register(&nodes.Type{ID: "test.many", Category: "Test", Name: "Many", Doc: "Sums its counters.",
		Inputs:  []nodes.Port{{Name: "counters", Type: nodes.ServiceType("counter"), Multi: true}},
		Outputs: []nodes.Port{{Name: "sum", Type: nodes.Number}, {Name: "n", Type: nodes.Number}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			l, ok := c.Get("counters").([]any)
			if !ok && c.Get("counters") != nil {
				return nil, nodes.Errorf("counters", "want a list, got %T", c.Get("counters"))
			}
			sum := 0.0
			for _, s := range l {
				sum += s.(*counter).next()
			}
			return nodes.Out{"sum": sum, "n": float64(len(l))}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		providers []float64
		sum, n    float64
	}{
		{"none", nil, 0, 0},
		{"one", []float64{10}, 11, 1},
		{"three", []float64{10, 20, 30}, 63, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFlow().node("t", "test.trigger", nil).node("use", "test.many", nil).chain("t", "use")
			for i, start := range tc.providers {
				h := string(rune('a' + i))
				b.node(h, "test.provider", map[string]any{"start": start}).conn(h, "service", "use", "counters")
			}
			r := run(t, engine.New(engine.Options{Publisher: &recorder{}}), compile(t, tn.reg, b), engine.Request{})
			if r.Status != engine.StatusSuccess {
				t.Fatalf("run %s: %+v", r.Status, r.Error)
			}
			res := result(t, r, "use")
			if res.Outputs["sum"] != tc.sum || res.Outputs["n"] != tc.n {
				t.Fatalf("outputs %v, want sum %v n %v", res.Outputs, tc.sum, tc.n)
			}
			if len(tc.providers) > 0 && res.Inputs["counters"] != "<service>" {
				t.Errorf("the recorded input shows the instances: %v", res.Inputs["counters"])
			}
		})
	}
}
