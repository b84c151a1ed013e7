package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/nodetest"
)

// flowNodes is a registry with a start trigger, a node that calls a flow and one that
// reads a secret, for the nested-run tests.
func flowNodes(t *testing.T) *nodes.Registry {
	t.Helper()
	reg := nodes.NewRegistry()
	if err := control.Register(reg); err != nil {
		t.Fatal(err)
	}
	doc := "A node made for engine tests."
	err := reg.Register(
		&nodes.Type{ID: "flowtest.start", Category: "Test", Name: "Start", Doc: doc, Trigger: true,
			Inputs:  []nodes.Port{{Name: "label", Type: nodes.String}},
			Outputs: []nodes.Port{{Name: "data", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				return nodes.Out{"data": c.Trigger}, nil
			}},
		&nodes.Type{ID: "flowtest.call", Category: "Test", Name: "Call", Doc: doc,
			Inputs:  []nodes.Port{{Name: "flow", Type: nodes.String}, {Name: "input", Type: nodes.Any}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}, {Name: "labels", Type: nodes.List}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				fc, ok := c.Host.(nodes.FlowCaller)
				if !ok {
					return nil, errors.New("host cannot call flows")
				}
				vals, err := fc.FlowNodeValues(ctx, c.Str("flow"), "flowtest.start")
				if err != nil {
					return nil, err
				}
				var labels []any
				for _, v := range vals {
					labels = append(labels, v["label"])
				}
				v, err := fc.CallFlow(ctx, nodes.FlowCall{FlowID: c.Str("flow"), StartType: "flowtest.start", Input: c.Get("input")})
				if err != nil {
					return nil, err
				}
				return nodes.Out{"value": v, "labels": labels}, nil
			}},
		&nodes.Type{ID: "flowtest.secret", Category: "Test", Name: "Secret", Doc: doc,
			Outputs: []nodes.Port{{Name: "value", Type: nodes.String}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				v, err := c.Host.Secret(ctx, "API_KEY")
				return nodes.Out{"value": v}, err
			}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// callerFlow starts, then calls flow target with input.
func callerFlow(target string, input any) *fb {
	return newFlow().node("start", "flowtest.start", nil).
		node("call", "flowtest.call", map[string]any{"flow": target, "input": input}).
		chain("start", "call")
}

func TestCallFlow(t *testing.T) {
	reg := flowNodes(t)
	plans := map[string]*flow.Plan{
		"double": compile(t, reg, newFlow().node("start", "flowtest.start", map[string]any{"label": "doubler"}).
			node("out", "control.exit", map[string]any{"value": "{{ start.data.x * 2 }}"}).chain("start", "out")),
		"secret": compile(t, reg, newFlow().node("start", "flowtest.start", nil).node("sec", "flowtest.secret", nil).
			node("out", "control.exit", map[string]any{"value": "{{ sec.value }}"}).chain("start", "sec", "out")),
		"self":      compile(t, reg, callerFlow("self", nil)),
		"a":         compile(t, reg, callerFlow("b", nil)),
		"b":         compile(t, reg, callerFlow("a", nil)),
		"deep1":     compile(t, reg, callerFlow("deep2", nil)),
		"deep2":     compile(t, reg, callerFlow("deep3", nil)),
		"deep3":     compile(t, reg, callerFlow("deep4", nil)),
		"deep4":     compile(t, reg, callerFlow("deep5", nil)),
		"deep5":     compile(t, reg, callerFlow("double", map[string]any{"x": 1.0})),
		"notrigger": compile(t, reg, newFlow().node("out", "control.exit", map[string]any{"value": 1.0})),
		"boom": compile(t, reg, newFlow().node("start", "flowtest.start", nil).
			node("bad", "flowtest.call", map[string]any{"flow": ""}).chain("start", "bad")),
	}
	load := nodetest.Flows(plans, 3)
	tests := []struct {
		name      string
		flowID    string
		target    string
		input     any
		noLoader  bool
		want      any
		wantLabel []any
		wantErr   string
	}{
		{name: "exit value comes back", flowID: "main", target: "double", input: map[string]any{"x": 21.0}, want: 42.0, wantLabel: []any{"doubler"}},
		{name: "secret is redacted in the caller's record", flowID: "main", target: "secret", want: "<secret:API_KEY>", wantLabel: []any{nil}},
		{name: "calls itself", flowID: "self", target: "self", wantErr: "call flow self: refused, it would call itself: self → self"},
		{name: "a calls b calls a", flowID: "a", target: "b", wantErr: "refused, it would call itself: a → b → a"},
		{name: "too deep", flowID: "main", target: "deep1", wantErr: "flow calls nest deeper than 4: main → deep1 → deep2 → deep3 → deep4 → deep5"},
		{name: "unknown flow", flowID: "main", target: "nope", wantErr: "call flow nope: flow nope: not found"},
		{name: "no start node", flowID: "main", target: "notrigger", wantErr: "call flow notrigger: it has no flowtest.start node to start from"},
		{name: "nested failure", flowID: "main", target: "boom", wantErr: `call flow boom: the flow failed: node "bad": call flow: no flow id given`},
		{name: "no loader", flowID: "main", target: "double", noLoader: true, wantErr: "this run cannot call other flows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plans[tc.flowID]
			if p == nil {
				p = compile(t, reg, callerFlow(tc.target, tc.input))
			}
			req := engine.Request{FlowID: tc.flowID, Stage: "prod", Resolver: secrets{sec: map[string]string{"API_KEY": "sk-123"}}}
			if !tc.noLoader {
				req.Flows = load
			}
			r := run(t, engine.New(engine.Options{Concurrency: 1}), p, req)
			res := result(t, r, "call")
			if tc.wantErr != "" {
				if res.Error == nil || !strings.Contains(res.Error.Error, tc.wantErr) {
					t.Fatalf("call error = %+v, want one containing %q", res.Error, tc.wantErr)
				}
				return
			}
			if r.Status != engine.StatusSuccess {
				t.Fatalf("run status = %s (%+v), want success", r.Status, r.Error)
			}
			if got := res.Outputs["value"]; got != tc.want {
				t.Errorf("value = %#v, want %#v", got, tc.want)
			}
			if got := fmt.Sprint(res.Outputs["labels"]); got != fmt.Sprint(tc.wantLabel) {
				t.Errorf("labels = %s, want %v", got, tc.wantLabel)
			}
		})
	}
}

// A called flow that pauses (a Human approval) cannot be resumed inside its caller's node:
// the call fails saying where it paused, the caller's run fails (it does not pause, and
// leaves no state to resume), and a connected false_path takes the error.
func TestCalledFlowThatPauses(t *testing.T) {
	reg := flowNodes(t)
	plans := map[string]*flow.Plan{
		"ask": compile(t, reg, newFlow().node("start", "flowtest.start", nil).
			node("approve", control.ApprovalID, nil).
			node("out", "control.exit", map[string]any{"value": "approved"}).chain("start", "approve", "out")),
	}
	req := engine.Request{FlowID: "main", Flows: nodetest.Flows(plans, 1)}
	eng := engine.New(engine.Options{Concurrency: 1})
	r := run(t, eng, compile(t, reg, callerFlow("ask", nil).node("after", "control.exit", map[string]any{"value": "done"}).chain("call", "after")), req)
	want := `call flow ask: the flow paused at "approve" (Human approval); nodes that pause cannot run inside a called flow`
	if res := result(t, r, "call"); r.Status != engine.StatusError || r.State != nil || res.Error == nil || !strings.Contains(res.Error.Error, want) {
		t.Fatalf("run %s, state %v, call %+v; want an error containing %q", r.Status, r.State != nil, res.Error, want)
	}
	if statusOf(r, "after") == engine.StatusSuccess {
		t.Fatal("the caller went on past the failed call")
	}
	handled := callerFlow("ask", nil).node("fallback", "control.exit", nil).
		conn("call", "false_path", "fallback", "value")
	r = run(t, eng, compile(t, reg, handled), req)
	if out, _ := r.Output.(map[string]any); r.Status != engine.StatusSuccess || !strings.Contains(fmt.Sprint(out["error"]), want) {
		t.Fatalf("false_path: %s %#v", r.Status, r.Output)
	}
}
