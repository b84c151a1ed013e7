package control_test

import (
	"context"
	"encoding/json"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/logic"
	"polysynergy/shared/nodes/nodetest"
	"polysynergy/shared/nodes/trigger"
)

// Switch takes a case exactly when Compare's eq holds between the value and the case's
// value: "3.0" and "3" are one number, as are 3 and "3"; dates compare as instants. Before,
// Switch compared two texts as text, so "3.0" took default where Compare said equal.
func TestSwitchMatchesAsCompareEquals(t *testing.T) {
	reg := nodes.NewRegistry()
	for _, register := range []func(*nodes.Registry) error{control.Register, trigger.Register} {
		if err := register(reg); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		value, want any // want: the case value that must be taken
	}{
		{"3.0", "3"},
		{"3", 3.0},
		{" 3 ", "3.00"},
		{"1e3", 1000.0},
		{"2024-05-01", "2024-05-01T00:00:00Z"},
		{"2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z"},
		{[]any{"1", 2.0}, []any{1.0, "2.0"}},
	} {
		eq, err := logic.Compare("eq", tc.value, tc.want, false)
		if err != nil || !eq {
			t.Fatalf("Compare eq %#v %#v = %v %v, want true", tc.value, tc.want, eq, err)
		}
		doc := `{"schema":"polysynergy/flow@1","nodes":[
			{"id":"play","handle":"play","type":"trigger.manual"},
			{"id":"sw","handle":"sw","type":"control.switch","values":{"value":` + js(t, tc.value) + `,
				"cases":[{"key":"other","value":"x"},{"key":"hit","value":` + js(t, tc.want) + `}]}},
			{"id":"hit","handle":"hit","type":"control.exit","values":{"value":"hit"}},
			{"id":"def","handle":"def","type":"control.exit","values":{"value":"default"}}],
			"connections":[{"from":{"node":"play","port":"true_path"},"to":{"node":"sw","port":"node"}},
			{"from":{"node":"sw","port":"cases.hit"},"to":{"node":"hit","port":"node"}},
			{"from":{"node":"sw","port":"default"},"to":{"node":"def","port":"node"}}]}`
		plan := nodetest.Compile(t, reg, doc)
		run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), plan,
			engine.Request{RunID: "r1", FlowID: "f1", Stage: "mock"})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != engine.StatusSuccess || run.Output != "hit" {
			t.Errorf("switch on %#v with a case %#v: status %s, output %v (error %+v), want the case taken",
				tc.value, tc.want, run.Status, run.Output, run.Error)
		}
	}
	// and what Compare keeps apart, Switch does too
	for _, tc := range [][2]any{{"3", "3.1"}, {true, "true"}, {1.0, true}, {"abc", "ABC"}, {9007199254740993.0 - 1, "9007199254740993"}} {
		if eq, _ := logic.Compare("eq", tc[0], tc[1], false); eq || nodes.Equal(tc[0], tc[1]) {
			t.Errorf("%#v and %#v are equal, want different", tc[0], tc[1])
		}
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
