package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"polysynergy/functions/runner/runner"
	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// agentRegistry is the catalogue plus a stand-in agent that calls its first tool with
// `args` and outputs the answer.
func agentRegistry(t *testing.T) *nodes.Registry {
	t.Helper()
	reg, err := catalog.New()
	if err != nil {
		t.Fatal(err)
	}
	err = reg.Register(&nodes.Type{ID: "test.agent", Category: "Test", Name: "Agent", Doc: "Calls its first tool.",
		Inputs: []nodes.Port{{Name: "tools", Type: nodes.ServiceType(llm.KindTool), Multi: true},
			{Name: "args", Type: nodes.Object}},
		Outputs: []nodes.Port{{Name: "answer", Type: nodes.Any}},
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
			return nodes.Out{"answer": v}, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// rawDoc encodes a flow document given as nodes and connections "from.port>to.port".
func rawDoc(t *testing.T, reg *nodes.Registry, ns []node, conns ...string) json.RawMessage {
	t.Helper()
	d := flow.Document{Schema: flow.Schema}
	for _, n := range ns {
		d.Nodes = append(d.Nodes, flow.Node{ID: n.id, Handle: n.id, Type: n.typ, Values: n.values})
	}
	for _, c := range conns {
		var e [4]string
		l, r, _ := strings.Cut(c, ">")
		e[0], e[1], _ = strings.Cut(l, ".")
		e[2], e[3], _ = strings.Cut(r, ".")
		d.Connections = append(d.Connections, flow.Connection{From: flow.Endpoint{Node: e[0], Port: e[1]}, To: flow.Endpoint{Node: e[2], Port: e[3]}})
	}
	if _, err := flow.Compile(&d, reg); err != nil {
		t.Fatalf("test flow does not compile: %v", err)
	}
	b, err := flow.Encode(&d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFlowTool runs a flow whose agent calls another flow of the project as a tool: a
// schedule run on prod calls the version published on prod, an editor run the draft.
func TestFlowTool(t *testing.T) {
	f := setup(t)
	reg := agentRegistry(t)
	var err error
	f.x, err = runs.New(runs.Options{Store: f.st, Secrets: f.box, Compiler: flow.NewCompiler(reg, 0),
		Engine: engine.Options{Concurrency: 1}, RetentionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.h = runner.New(f.x, runner.Options{})

	toolDoc := func(op string) json.RawMessage {
		return rawDoc(t, reg, []node{
			{"start", "tool.start", map[string]any{"name": "calc", "description": "Combines a and b",
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "number"}}}}},
			{"res", "tool.result", map[string]any{"value": "{{ start.arguments.a " + op + " start.arguments.b }}"}},
		}, "start.true_path>res.node")
	}
	tool := f.flow(t, store.KindService, toolDoc("+"))
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: tool, Stage: "prod", Version: 1, By: "o"}); err != nil {
		t.Fatalf("publish tool flow: %v", err)
	}
	if _, err := f.st.SaveDraft(f.ctx, tool, toolDoc("*"), 1); err != nil {
		t.Fatalf("save tool draft: %v", err)
	}
	main := f.flow(t, store.KindSchedule, rawDoc(t, reg, []node{
		{"start", "trigger.schedule", nil},
		{"calc", "tool.flow", map[string]any{"flow_id": tool.Flow}},
		{"agent", "test.agent", map[string]any{"args": map[string]any{"a": 6, "b": 7}}},
	}, "start.true_path>agent.node", "calc.tool>agent.tools"))

	tests := []struct {
		name, event string
		edits       map[string]any
		want        float64
	}{
		{name: "schedule on prod calls the published version", event: "schedule.json", want: 13},
		{name: "editor run calls the draft", event: "editor.json", edits: map[string]any{"version": 0}, want: 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.replay(t, tc.event, main, tc.edits)
			if err != nil {
				t.Fatalf("handle: %v", err)
			}
			if resp.Status != "success" {
				t.Fatalf("response = %+v, want success", resp)
			}
			var out map[string]any
			if err := json.Unmarshal(f.results(t, resp.RunID)["agent:success"].Outputs, &out); err != nil {
				t.Fatalf("agent outputs: %v", err)
			}
			if out["answer"] != tc.want {
				t.Errorf("answer = %v, want %v", out["answer"], tc.want)
			}
		})
	}
}
