package engine_test

import (
	"context"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
)

// A project that does not allow private networks turns every node's
// allow_private_network input off, whatever the flow sets; otherwise the
// input decides.
func TestDenyPrivateNetworkOverridesTheInput(t *testing.T) {
	tn := newTestNodes(t)
	err := tn.reg.Register(&nodes.Type{ID: "test.dial", Category: "Test", Name: "Dial", Doc: "Reports its guard input.",
		Inputs:  []nodes.Port{{Name: nodes.PortAllowPrivateNetwork, Type: nodes.Boolean, Default: false}},
		Outputs: []nodes.Port{{Name: "allowed", Type: nodes.Boolean}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"allowed": c.Bool(nodes.PortAllowPrivateNetwork)}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		value any
		deny  bool
		want  bool
	}{
		{"input on, project allows", true, false, true},
		{"input on, project denies", true, true, false},
		{"templated on, project denies", "{{ true }}", true, false},
		{"input off, project allows", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFlow().node("t", "test.trigger", nil).
				node("d", "test.dial", map[string]any{nodes.PortAllowPrivateNetwork: tc.value}).chain("t", "d")
			r := run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{DenyPrivateNetwork: tc.deny})
			if r.Status != engine.StatusSuccess {
				t.Fatalf("run %s: %+v", r.Status, r.Error)
			}
			if got := result(t, r, "d").Outputs["allowed"]; got != tc.want {
				t.Fatalf("allowed = %v, want %v", got, tc.want)
			}
		})
	}
}
