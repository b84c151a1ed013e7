package subflow_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/nodes/nodetest"
	"polysynergy/shared/nodes/subflow"
)

func TestFamilyDocumented(t *testing.T) {
	r := nodes.NewRegistry()
	if err := subflow.Register(r); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{subflow.InputID: true, subflow.CallID: true}
	for _, typ := range r.Types() {
		if typ.Category == "" || !strings.Contains(typ.Doc, "**Example**") {
			t.Errorf("%s: needs a category and a doc with an example", typ.ID)
		}
		if !covered[typ.ID] {
			t.Errorf("%s has no test case", typ.ID)
		}
	}
	in, _ := r.Lookup(subflow.InputID)
	if !in.Trigger {
		t.Error("Flow input must be a trigger")
	}
	call, _ := r.Lookup(subflow.CallID)
	if p := call.Inputs[1]; p.Name != "flow_id" || p.Editor != nodes.EditFlow || !p.Required {
		t.Errorf("flow_id port = %+v, want a required flow picker", p)
	}
}

func TestFlowInput(t *testing.T) {
	typ, _ := catalog.Default().Lookup(subflow.InputID)
	tests := []struct {
		name    string
		trigger any
		in      map[string]any
		want    any
	}{
		{name: "the caller's input", trigger: map[string]any{"n": 2}, in: map[string]any{"test_input": "ignored"}, want: map[string]any{"n": 2.0}},
		{name: "test input when nobody called", in: map[string]any{"test_input": map[string]any{"n": 5.0}}, want: map[string]any{"n": 5.0}},
		{name: "nothing at all", in: map[string]any{}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := typ.Run(context.Background(), &nodes.Call{NodeID: "n", Handle: "input", Type: typ, Host: &nodetest.Host{},
				In: tc.in, Trigger: tc.trigger, Run: &nodes.RunInfo{}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out["input"], tc.want) {
				t.Errorf("input = %#v, want %#v", out["input"], tc.want)
			}
		})
	}
}

// callHost records flow calls and answers them with a fixed value or error.
type callHost struct {
	*nodetest.Host
	calls []nodes.FlowCall
	value any
	err   error
}

func (h *callHost) FlowNodeValues(context.Context, string, string) ([]map[string]any, error) {
	return nil, nil
}

func (h *callHost) CallFlow(_ context.Context, c nodes.FlowCall) (any, error) {
	h.calls = append(h.calls, c)
	return h.value, h.err
}

func TestCallNode(t *testing.T) {
	typ, _ := catalog.Default().Lookup(subflow.CallID)
	boom := errors.New("call flow f2: the flow failed: no")
	tests := []struct {
		name    string
		in      map[string]any
		plain   bool
		err     error
		wantErr string
	}{
		{name: "calls with the input", in: map[string]any{"flow_id": " f2 ", "input": map[string]any{"n": 1.0}}},
		{name: "no flow", in: map[string]any{"flow_id": "  "}, wantErr: `input "flow_id": required`},
		{name: "host without flows", in: map[string]any{"flow_id": "f2"}, plain: true, wantErr: "this run cannot call other flows"},
		{name: "the called flow fails", in: map[string]any{"flow_id": "f2"}, err: boom, wantErr: boom.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &callHost{Host: &nodetest.Host{}, value: map[string]any{"ok": true}, err: tc.err}
			c := &nodes.Call{NodeID: "n", Handle: "call", Type: typ, Host: h, In: tc.in, Run: &nodes.RunInfo{}}
			if tc.plain {
				c.Host = h.Host
			}
			out, err := typ.Run(context.Background(), c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out["result"], map[string]any{"ok": true}) {
				t.Errorf("result = %#v", out["result"])
			}
			if len(h.calls) != 1 || h.calls[0].FlowID != "f2" || h.calls[0].StartType != subflow.InputID ||
				!reflect.DeepEqual(h.calls[0].Input, map[string]any{"n": 1.0}) {
				t.Errorf("calls = %+v", h.calls)
			}
		})
	}
}

// compile builds a plan with the full catalogue from a flow document written as JSON.
func compile(t *testing.T, doc string) *flow.Plan { return nodetest.Compile(t, catalog.Default(), doc) }

// callee is a flow started by Flow input that ends with body (an exit, a response or a failure).
func callee(t *testing.T, end string) *flow.Plan {
	return compile(t, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"input","handle":"input","type":"flow.input","values":{"test_input":{"n":1}}},`+end+`],
		"connections":[{"from":{"node":"input","port":"true_path"},"to":{"node":"end","port":"node"}}]}`)
}

// caller plays manually, calls flow target with input {n: 21}, and exits with the result
// (or, on the call's false_path, with the error message).
func caller(t *testing.T, target string) *flow.Plan {
	return compile(t, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"play","handle":"play","type":"trigger.manual"},
		{"id":"call","handle":"call","type":"flow.call","values":{"flow_id":"`+target+`","input":{"n":"{{ 20 + 1 }}"}}},
		{"id":"done","handle":"done","type":"control.exit","values":{"value":"{{ call.result }}"}},
		{"id":"failed","handle":"failed","type":"control.exit","values":{"value":"failed: {{ call.false_path.error }}"}}],
		"connections":[{"from":{"node":"play","port":"true_path"},"to":{"node":"call","port":"node"}},
		{"from":{"node":"call","port":"true_path"},"to":{"node":"done","port":"node"}},
		{"from":{"node":"call","port":"false_path"},"to":{"node":"failed","port":"node"}}]}`)
}

func TestCallFlowInEngine(t *testing.T) {
	plans := map[string]*flow.Plan{
		"double": callee(t, `{"id":"end","handle":"end","type":"control.exit","values":{"value":"{{ input.input.n * 2 }}"}}`),
		"reply":  callee(t, `{"id":"end","handle":"end","type":"http.response","values":{"status":201,"body":{"got":"{{ input.input.n }}"}}}`),
		"fails":  callee(t, `{"id":"end","handle":"end","type":"debug.fail","values":{"message":"no stock for {{ input.input.n }}"}}`),
		"manual": compile(t, `{"schema":"polysynergy/flow@1","nodes":[{"id":"play","handle":"play","type":"trigger.manual"}]}`),
	}
	plans["self"] = caller(t, "self")
	load := nodetest.Flows(plans, 3)
	tests := []struct {
		target string
		want   any
	}{
		{target: "double", want: 42.0},
		{target: "reply", want: map[string]any{"status": 201.0, "body": `{"got":21}`}}, // the response it set, body encoded
		{target: "fails", want: `failed: node "call": call flow fails: the flow failed: node "end": no stock for 21`},
		{target: "manual", want: `failed: node "call", input "flow_id": call flow manual: it has no flow.input node to start from`},
		{target: "missing", want: `failed: node "call", input "flow_id": call flow missing: flow missing: not found`},
		{target: "self", want: `failed: node "call", input "flow_id": call flow self: refused, it would call itself: self → self`},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			main := caller(t, tc.target)
			flowID := "main"
			if tc.target == "self" {
				main, flowID = plans["self"], "self"
			}
			run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), main,
				engine.Request{RunID: "r1", FlowID: flowID, Stage: "prod", Flows: load})
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != engine.StatusSuccess {
				t.Fatalf("status = %s, error %+v", run.Status, run.Error)
			}
			got := nodes.Normalize(run.Output)
			if m, ok := got.(map[string]any); ok && tc.target == "reply" {
				got = map[string]any{"status": m["status"], "body": m["body"]}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("output = %#v, want %#v", got, tc.want)
			}
		})
	}
}
