package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func registry(t *testing.T) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

func TestFamilyDocumented(t *testing.T) {
	covered := map[string]bool{StartID: true, ResultID: true, FlowID: true}
	r := registry(t)
	for _, typ := range r.Types() {
		if typ.Category == "" || strings.TrimSpace(typ.Doc) == "" || !strings.Contains(typ.Doc, "**Example**") {
			t.Errorf("%s: needs a category and a doc with an example", typ.ID)
		}
		if !covered[typ.ID] {
			t.Errorf("%s has no test case", typ.ID)
		}
	}
	if r.Len() != len(covered) {
		t.Errorf("registered %d types, covered %d", r.Len(), len(covered))
	}
	ft, _ := r.Lookup(FlowID)
	if ft.Service != llm.KindTool {
		t.Errorf("flow tool provides %q, want %q", ft.Service, llm.KindTool)
	}
}

func TestStart(t *testing.T) {
	typ, _ := registry(t).Lookup(StartID)
	schema := map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}}}
	tests := []struct {
		name    string
		in      map[string]any
		trigger any
		want    map[string]any
		wantErr string
	}{
		{name: "arguments pass through", in: map[string]any{"name": "add", "parameters": schema}, trigger: map[string]any{"n": 2.0}, want: map[string]any{"n": 2.0}},
		{name: "no arguments", in: map[string]any{"name": "ping"}, want: map[string]any{}},
		{name: "schema as JSON text", in: map[string]any{"name": "x", "parameters": `{"type":"object"}`}, want: map[string]any{}},
		{name: "bad name", in: map[string]any{"name": "two words"}, wantErr: `input "name": must be 1 to 64 letters`},
		{name: "schema not object type", in: map[string]any{"name": "x", "parameters": map[string]any{"type": "string"}}, wantErr: `input "parameters": the schema's type must be "object"`},
		{name: "schema bad JSON", in: map[string]any{"name": "x", "parameters": "{"}, wantErr: `input "parameters": not a JSON object`},
		{name: "arguments not object", in: map[string]any{"name": "x"}, trigger: []any{1.0}, wantErr: "tool arguments must be an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Trigger: tc.trigger})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out["arguments"], tc.want) {
				t.Errorf("arguments = %#v, want %#v", out["arguments"], tc.want)
			}
		})
	}
}

// callerHost is a test host that can call flows from a table.
type callerHost struct {
	*nodetest.Host
	values map[string][]map[string]any
	calls  []nodes.FlowCall
}

func (h *callerHost) FlowNodeValues(_ context.Context, flowID, typeID string) ([]map[string]any, error) {
	if typeID != StartID {
		return nil, fmt.Errorf("asked for %s", typeID)
	}
	v, ok := h.values[flowID]
	if !ok {
		return nil, fmt.Errorf("flow %s: %w", flowID, nodes.ErrNotFound)
	}
	return v, nil
}

func (h *callerHost) CallFlow(_ context.Context, call nodes.FlowCall) (any, error) {
	h.calls = append(h.calls, call)
	if call.FlowID == "failing" {
		return nil, errors.New("the flow failed: boom")
	}
	return map[string]any{"echo": call.Input}, nil
}

func TestFlowToolNode(t *testing.T) {
	typ, _ := registry(t).Lookup(FlowID)
	start := map[string]any{"name": "lookup", "description": "Finds things", "parameters": map[string]any{"type": "object"}}
	values := map[string][]map[string]any{
		"ok": {start}, "failing": {start}, "none": nil, "two": {start, start},
		"badname": {{"name": "no spaces allowed"}},
	}
	tests := []struct {
		name, flow string
		plain      bool // host without FlowCaller
		wantErr    string
		callErr    string
	}{
		{name: "tool from the flow", flow: "ok"},
		{name: "call fails", flow: "failing", callErr: "tool lookup: the flow failed: boom"},
		{name: "empty id", flow: " ", wantErr: `input "flow_id": required`},
		{name: "unknown flow", flow: "missing", wantErr: `input "flow_id": flow missing: not found`},
		{name: "no start node", flow: "none", wantErr: "flow none has no Tool start node"},
		{name: "two start nodes", flow: "two", wantErr: "flow two has 2 Tool start nodes"},
		{name: "bad start node", flow: "badname", wantErr: `flow badname: Tool start input "name"`},
		{name: "host cannot call flows", flow: "ok", plain: true, wantErr: "this run cannot call other flows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &callerHost{Host: &nodetest.Host{}, values: values}
			c := &nodes.Call{NodeID: "n1", Handle: "tool", Type: typ, Host: h,
				In: map[string]any{"flow_id": tc.flow, "needs_confirmation": true}, Run: &nodes.RunInfo{}}
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
			tools, err := out["tool"].(llm.ToolProvider).Tools(context.Background())
			if err != nil || len(tools) != 1 {
				t.Fatalf("tools = %v, %v; want one", tools, err)
			}
			tl := tools[0]
			if s := tl.Spec(); s.Name != "lookup" || s.Description != "Finds things" || s.Parameters["type"] != "object" {
				t.Errorf("spec = %+v", s)
			}
			if !tl.NeedsConfirmation() {
				t.Error("needs_confirmation not carried")
			}
			got, err := tl.Call(context.Background(), map[string]any{"q": "x"})
			if tc.callErr != "" {
				if err == nil || err.Error() != tc.callErr {
					t.Fatalf("call error = %v, want %q", err, tc.callErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]any{"echo": map[string]any{"q": "x"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("call = %#v, want %#v", got, want)
			}
			if len(h.calls) != 1 || h.calls[0].StartType != StartID || h.calls[0].FlowID != "ok" {
				t.Errorf("calls = %+v", h.calls)
			}
		})
	}
}

// TestFlowToolInEngine runs a caller flow whose "agent" calls the tool flow through the
// engine: Tool start receives the arguments, Tool result's value comes back.
func TestFlowToolInEngine(t *testing.T) {
	reg := registry(t)
	if err := reg.Register(
		&nodes.Type{ID: "test.start", Category: "Test", Name: "Start", Doc: "test", Trigger: true,
			Run: func(context.Context, *nodes.Call) (nodes.Out, error) { return nodes.Out{}, nil }},
		&nodes.Type{ID: "test.agent", Category: "Test", Name: "Agent", Doc: "test",
			Inputs: []nodes.Port{{Name: "tools", Type: nodes.ServiceType(llm.KindTool), Multi: true},
				{Name: "args", Type: nodes.Object}},
			Outputs: []nodes.Port{{Name: "answer", Type: nodes.Any}, {Name: "spec", Type: nodes.Object}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				// a multi service input receives every connected provider as a list
				provs, _ := c.Get("tools").([]any)
				if len(provs) == 0 {
					return nil, fmt.Errorf("no tools connected, got %v", c.Get("tools"))
				}
				tools, err := provs[0].(llm.ToolProvider).Tools(ctx)
				if err != nil {
					return nil, err
				}
				args, _ := c.Map("args")
				v, err := tools[0].Call(ctx, args)
				if err != nil {
					return nil, err
				}
				b, _ := json.Marshal(tools[0].Spec())
				var spec map[string]any
				_ = json.Unmarshal(b, &spec)
				return nodes.Out{"answer": v, "spec": spec}, nil
			}},
	); err != nil {
		t.Fatal(err)
	}
	toolFlow := nodetest.Compile(t, reg, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"tool.start","values":{"name":"add","description":"Adds two numbers",
		 "parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}},
		{"id":"res","handle":"res","type":"tool.result","values":{"value":"{{ {'sum': start.arguments.a + start.arguments.b} }}"}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"res","port":"node"}}]}`)
	main := nodetest.Compile(t, reg, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"go","handle":"go","type":"test.start"},
		{"id":"tool","handle":"tool","type":"tool.flow","values":{"flow_id":"adder"}},
		{"id":"agent","handle":"agent","type":"test.agent","values":{"args":{"a":2,"b":3}}}],
		"connections":[{"from":{"node":"go","port":"true_path"},"to":{"node":"agent","port":"node"}},
		{"from":{"node":"tool","port":"tool"},"to":{"node":"agent","port":"tools"}}]}`)
	load := nodetest.Flows(map[string]*flow.Plan{"adder": toolFlow}, 2)
	run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), main,
		engine.Request{RunID: "r1", FlowID: "main", Stage: "prod", Flows: load})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != engine.StatusSuccess {
		t.Fatalf("status = %s, error %+v", run.Status, run.Error)
	}
	var agent engine.NodeResult
	for _, n := range run.Nodes {
		if n.Handle == "agent" {
			agent = n
		}
	}
	if want := map[string]any{"sum": 5.0}; !reflect.DeepEqual(nodes.Normalize(agent.Outputs["answer"]), want) {
		t.Errorf("answer = %#v, want %#v", agent.Outputs["answer"], want)
	}
	spec, _ := agent.Outputs["spec"].(map[string]any)
	if spec["name"] != "add" || spec["description"] != "Adds two numbers" {
		t.Errorf("spec = %#v", spec)
	}
}

// secretResolver resolves the secrets of a test run.
type secretResolver map[string]string

func (r secretResolver) Secret(_ context.Context, key string) (string, error) {
	if v, ok := r[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no secret %q", key)
}
func (r secretResolver) Env(context.Context, string) (string, error) { return "", errors.New("no env") }

// What a flow tool answers goes to the model's provider, outside the run: the run's secrets
// are hidden in it (a tool flow whose HTTP call echoed its token handed the token to the
// provider), as they are in the run's records.
func TestFlowToolHidesSecretsFromTheModel(t *testing.T) {
	reg := registry(t)
	var received any
	if err := reg.Register(
		&nodes.Type{ID: "test.start", Category: "Test", Name: "Start", Doc: "test", Trigger: true,
			Run: func(context.Context, *nodes.Call) (nodes.Out, error) { return nodes.Out{}, nil }},
		&nodes.Type{ID: "test.agent", Category: "Test", Name: "Agent", Doc: "test",
			Inputs:  []nodes.Port{{Name: "tools", Type: nodes.ServiceType(llm.KindTool), Multi: true}},
			Outputs: []nodes.Port{{Name: "answer", Type: nodes.Any}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				provs, _ := c.Get("tools").([]any)
				tools, err := provs[0].(llm.ToolProvider).Tools(ctx)
				if err != nil {
					return nil, err
				}
				received, err = tools[0].Call(ctx, map[string]any{})
				return nodes.Out{"answer": "done"}, err
			}},
	); err != nil {
		t.Fatal(err)
	}
	echo := nodetest.Compile(t, reg, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"tool.start","values":{"name":"whoami"}},
		{"id":"res","handle":"res","type":"tool.result","values":{"value":{"echo":"Bearer <secret:TOK>"}}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"res","port":"node"}}]}`)
	main := nodetest.Compile(t, reg, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"go","handle":"go","type":"test.start"},
		{"id":"tool","handle":"tool","type":"tool.flow","values":{"flow_id":"echo"}},
		{"id":"agent","handle":"agent","type":"test.agent"}],
		"connections":[{"from":{"node":"go","port":"true_path"},"to":{"node":"agent","port":"node"}},
		{"from":{"node":"tool","port":"tool"},"to":{"node":"agent","port":"tools"}}]}`)
	run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), main, engine.Request{RunID: "r1", FlowID: "main",
		Stage: "prod", Flows: nodetest.Flows(map[string]*flow.Plan{"echo": echo}, 2), Resolver: secretResolver{"TOK": "tok-very-secret"}})
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("%v %+v", err, run)
	}
	got := nodes.ToString(received)
	if strings.Contains(got, "tok-very-secret") || !strings.Contains(got, "Bearer <secret:TOK>") {
		t.Fatalf("the model would have read %s", got)
	}
}
