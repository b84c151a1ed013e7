package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
)

const adderFlow = `{"schema":"polysynergy/flow@1","nodes":[
 {"id":"start","handle":"start","type":"tool.start","values":{"name":"add","parameters":{"type":"object"}}},
 {"id":"res","handle":"res","type":"tool.result","values":{"value":"{{ start.arguments.a + start.arguments.b }}"}}],
 "connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"res","port":"node"}}]}`

func TestDirLoader(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "adder.json"), []byte(adderFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"schema":`), 0o644); err != nil {
		t.Fatal(err)
	}
	load := dirLoader(dir)
	for _, tc := range []struct{ id, wantErr string }{
		{"adder", ""},
		{"../adder", `flow id "../adder" cannot name a file`},
		{"missing", "read flow missing"},
		{"broken", "decode flow"},
	} {
		lf, err := load(context.Background(), tc.id)
		if tc.wantErr == "" {
			if err != nil || lf.Plan == nil {
				t.Errorf("%s: %v, want a plan", tc.id, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want %q", tc.id, err, tc.wantErr)
		}
	}

	// a flow whose stand-in agent calls adder as a tool, flows read from dir
	reg, err := catalog.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(&nodes.Type{ID: "test.agent", Category: "Test", Name: "Agent", Doc: "Calls its tool.",
		Inputs:  []nodes.Port{{Name: "tools", Type: nodes.ServiceType(llm.KindTool)}},
		Outputs: []nodes.Port{{Name: "answer", Type: nodes.Any}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			tools, err := c.Get("tools").(llm.ToolProvider).Tools(ctx)
			if err != nil {
				return nil, err
			}
			v, err := tools[0].Call(ctx, map[string]any{"a": 2.0, "b": 40.0})
			return nodes.Out{"answer": v}, err
		}}); err != nil {
		t.Fatal(err)
	}
	doc, err := flow.Decode([]byte(`{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"tool","handle":"tool","type":"tool.flow","values":{"flow_id":"adder"}},
	 {"id":"agent","handle":"agent","type":"test.agent"}],
	 "connections":[{"from":{"node":"tool","port":"tool"},"to":{"node":"agent","port":"tools"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := flow.Compile(doc, reg)
	if err != nil {
		t.Fatal(err)
	}
	run, err := engine.New(engine.Options{}).Run(context.Background(), plan, engine.Request{RunID: "r", FlowID: "main", Flows: load})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != engine.StatusSuccess {
		t.Fatalf("status %s: %+v", run.Status, run.Error)
	}
	answered := false
	for _, n := range run.Nodes {
		if n.Handle == "agent" {
			answered = n.Outputs["answer"] == 42.0
		}
	}
	if !answered {
		t.Errorf("the agent did not answer 42: %+v", run.Nodes)
	}
}
