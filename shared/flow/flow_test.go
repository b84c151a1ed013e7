package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
)

func registry(t testing.TB) *nodes.Registry {
	r := nodes.NewRegistry()
	if err := control.Register(r); err != nil {
		t.Fatal(err)
	}
	run := func(context.Context, *nodes.Call) (nodes.Out, error) { return nodes.Out{}, nil }
	r.MustRegister(
		&nodes.Type{ID: "t.trigger", Category: "T", Name: "Trigger", Doc: "d", Trigger: true, Run: run,
			Outputs: []nodes.Port{{Name: "data", Type: nodes.Object}}},
		&nodes.Type{ID: "t.text", Category: "T", Name: "Text", Doc: "d", Run: run,
			Inputs:  []nodes.Port{{Name: "text", Type: nodes.String, Required: true}, {Name: "count", Type: nodes.Integer}},
			Outputs: []nodes.Port{{Name: "text", Type: nodes.String}, {Name: "n", Type: nodes.Number}}},
		&nodes.Type{ID: "t.flag", Category: "T", Name: "Flag", Doc: "d", Run: run,
			Inputs:  []nodes.Port{{Name: "on", Type: nodes.Boolean}, {Name: "model", Type: nodes.ServiceType("chat")}},
			Outputs: []nodes.Port{{Name: "on", Type: nodes.Boolean}}},
		&nodes.Type{ID: "t.rows", Category: "T", Name: "Rows", Doc: "d", Run: run,
			Inputs:  []nodes.Port{{Name: "fields", Type: nodes.List, Dynamic: true}},
			Outputs: []nodes.Port{{Name: "fields", Type: nodes.Any, Dynamic: true}}},
	)
	return r
}

func decode(t *testing.T, js string) *flow.Document {
	t.Helper()
	doc, err := flow.Decode([]byte(js))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return doc
}

func TestValidateReportsEveryProblem(t *testing.T) {
	doc := decode(t, `{
  "schema": "polysynergy/flow@1",
  "nodes": [
    {"id": "n1", "handle": "start", "type": "t.trigger", "position": {"x": 0, "y": 0}},
    {"id": "n2", "handle": "Bad Handle", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "x", "count": "two"}},
    {"id": "n3", "handle": "start", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "x", "nope": 2}},
    {"id": "n4", "handle": "ghost", "type": "no.such", "position": {"x": 0, "y": 0}},
    {"id": "n5", "handle": "expr", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "hello {{ start.data. }}", "count": "many"}},
    {"id": "n6", "handle": "needs", "type": "t.text", "position": {"x": 0, "y": 0}},
    {"id": "n7", "handle": "a", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "a", "nope": 1}},
    {"id": "n8", "handle": "b", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "b"}},
    {"id": "n9", "handle": "flag", "type": "t.flag", "position": {"x": 0, "y": 0}, "settings": {"on_error": "explode", "retries": 99}},
    {"id": "n10", "handle": "refs", "type": "t.text", "position": {"x": 0, "y": 0}, "values": {"text": "{{ nobody.x }}"}}
  ],
  "connections": [
    {"from": {"node": "n1", "port": "data"}, "to": {"node": "missing", "port": "node"}},
    {"from": {"node": "n1", "port": "nothing"}, "to": {"node": "n7", "port": "node"}},
    {"from": {"node": "n7", "port": "text"}, "to": {"node": "n9", "port": "on"}},
    {"from": {"node": "n7", "port": "text"}, "to": {"node": "n8", "port": "text"}},
    {"from": {"node": "n5", "port": "text"}, "to": {"node": "n8", "port": "text"}},
    {"from": {"node": "n7", "port": "text"}, "to": {"node": "n9", "port": "model"}}
  ]
}`)
	probs := flow.Validate(doc, registry(t))
	want := []struct{ path, msg string }{
		{"/connections/0/to/node", `node "missing", which does not exist`},
		{"/connections/1/from/port", `no output port "nothing"`},
		{"/connections/2", `cannot feed input flag.on (boolean)`},
		{"/connections/4/to", `already has a source`},
		{"/connections/5", `cannot feed input flag.model (service:chat)`},
		{"/nodes/1/handle", `must start with a lowercase letter`},
		{"/nodes/1/values/count", `takes a number, not string "two"`},
		{"/nodes/2/handle", `"start" is used by another node`},
		{"/nodes/2/values/nope", `has no input "nope"`},
		{"/nodes/3/type", `unknown node type "no.such"`},
		{"/nodes/4/values/count", `takes a number, not string "many"`},
		{"/nodes/4/values/text", `expression at column 21`},
		{"/nodes/5/values/text", `required input "text" of "needs" has neither a value nor a connection`},
		{"/nodes/6/values/nope", `has no input "nope"`},
		{"/nodes/8/settings/on_error", `must be "stop" or "continue"`},
		{"/nodes/8/settings/retries", `between 0 and 10`},
		{"/nodes/9/values/text", `refers to "nobody"`},
	}
	if len(probs) != len(want) {
		for _, p := range probs {
			t.Log(p)
		}
		t.Fatalf("got %d problems, want %d", len(probs), len(want))
	}
	for i, w := range want {
		if probs[i].Path != w.path || !strings.Contains(probs[i].Message, w.msg) {
			t.Errorf("problem %d: got %s, want %s: …%s…", i, probs[i], w.path, w.msg)
		}
	}
}

func TestCyclesAndLoopStructure(t *testing.T) {
	reg := registry(t)
	cyc := decode(t, `{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"a","handle":"a","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}},
	 {"id":"b","handle":"b","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}},
	 {"id":"c","handle":"c","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}}],
	 "connections":[
	 {"from":{"node":"a","port":"true_path"},"to":{"node":"b","port":"node"}},
	 {"from":{"node":"b","port":"true_path"},"to":{"node":"c","port":"node"}},
	 {"from":{"node":"c","port":"true_path"},"to":{"node":"a","port":"node"}}]}`)
	probs := flow.Validate(cyc, reg)
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "cycle a → b → c → a") {
		t.Fatalf("cycle: %v", probs)
	}

	loops := decode(t, `{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"each","handle":"each","type":"control.for_each","position":{"x":0,"y":0},"values":{"list":[1,2]}},
	 {"id":"body","handle":"body","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}},
	 {"id":"out","handle":"out","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}},
	 {"id":"end","handle":"end","type":"control.loop_end","position":{"x":0,"y":0}},
	 {"id":"orphan","handle":"orphan","type":"control.loop_end","position":{"x":0,"y":0}},
	 {"id":"j","handle":"j","type":"control.jump","position":{"x":0,"y":0}}],
	 "connections":[
	 {"from":{"node":"each","port":"item"},"to":{"node":"body","port":"node"}},
	 {"from":{"node":"each","port":"loop"},"to":{"node":"end","port":"loop"}},
	 {"from":{"node":"body","port":"text"},"to":{"node":"end","port":"value"}},
	 {"from":{"node":"body","port":"true_path"},"to":{"node":"out","port":"node"}}]}`)
	probs = flow.Validate(loops, reg)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{
		`/nodes/4/values/loop: required input "loop" of "orphan"`,
		`jump "j" has no target`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in:\n%s", want, joined)
		}
	}
	if len(probs) != 2 {
		t.Errorf("want 2 problems, got:\n%s", joined)
	}
	// without the broken nodes the loop compiles; nodes after the body run in every iteration
	loops.Nodes = loops.Nodes[:4]
	p, err := flow.Compile(loops, reg)
	if err != nil {
		t.Fatal(err)
	}
	each, _ := p.Node("each")
	out, _ := p.Node("out")
	end, _ := p.Node("end")
	if out.Scope != each.Index || end.Scope != each.Index || each.LoopEnd != end.Index || end.Header != each.Index {
		t.Fatalf("loop structure: out.Scope=%d end.Scope=%d each.LoopEnd=%d", out.Scope, end.Scope, each.LoopEnd)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"schema": "polysynergy/flow@1", "nodes": [], "connections": [], "extra": 1}`, `unknown field "extra"`},
		{`{"schema": "polysynergy/flow@1",` + "\n" + `"nodes": [ {"id": 5} ]}`, "line 2"},
		{`{"schema": "other/flow@9", "nodes": [], "connections": []}`, `schema is "other/flow@9"`},
		{`{"schema": "polysynergy/flow@1", "nodes": [`, "ends early"},
		{`{"schema": "polysynergy/flow@1", "nodes": [], "connections": []} {}`, "after the document"},
		{`[1,2]`, "expected flow.Document"},
	} {
		_, err := flow.Decode([]byte(tc.in))
		var de *flow.DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%.40q): %v, want …%s…", tc.in, err, tc.want)
		}
	}
}

func TestDynamicSubPortsAndCompileCache(t *testing.T) {
	reg := registry(t)
	js := `{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"r","handle":"r","type":"t.rows","position":{"x":0,"y":0},"values":{"fields":[{"key":"name","value":"ada"}]}},
	 {"id":"x","handle":"x","type":"t.text","position":{"x":0,"y":0}}],
	 "connections":[{"from":{"node":"r","port":"fields.name"},"to":{"node":"x","port":"text"}}]}`
	c := flow.NewCompiler(reg, 2)
	p1, err := c.CompileJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := c.CompileJSON([]byte(js))
	if p1 != p2 {
		t.Fatal("the same document compiles once")
	}
	doc := decode(t, js)
	p3, err := c.Compile(doc)
	if err != nil || p3.Hash != p1.Hash {
		t.Fatalf("content hash: %v %s %s", err, p3.Hash, p1.Hash)
	}
	bad := strings.Replace(js, "fields.name", "fields.age", 1)
	_, err = c.CompileJSON([]byte(bad))
	var ve *flow.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Problems[0].Message, `no sub-port "age"`) {
		t.Fatalf("unknown sub-port: %v", err)
	}
}

func TestCompileValueTemplatesNested(t *testing.T) {
	v, err := flow.CompileValue(map[string]any{"a": []any{"{{ 1 + 2 }}", "x"}, "b": 3.0}, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Eval(context.Background(), map[string]any{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "map[a:[3 x] b:3]" {
		t.Fatalf("got %v", got)
	}
	if _, err := flow.CompileValue("{{ (", true); err == nil {
		t.Fatal("bad template must fail")
	}
	lit, _ := flow.CompileValue("{{ kept }}", false)
	if !lit.Static() || lit.Literal() != "{{ kept }}" {
		t.Fatal("literal ports keep their text")
	}
}

func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(`{"schema":"polysynergy/flow@1","nodes":[{"id":"a","handle":"a","type":"t.text","position":{"x":0,"y":0},"values":{"text":"{{ a.b }}"}}],"connections":[]}`))
	f.Add([]byte(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[{"from":{"node":"a","port":"x.y"},"to":{"node":"b","port":"z"}}]}`))
	f.Add([]byte(`{"schema":"polysynergy/flow@1","nodes":[{"id":"e","handle":"e","type":"control.for_each","position":{"x":0,"y":0}},{"id":"l","handle":"l","type":"control.loop_end","position":{"x":0,"y":0}}],"connections":[{"from":{"node":"e","port":"loop"},"to":{"node":"l","port":"loop"}},{"from":{"node":"l","port":"true_path"},"to":{"node":"e","port":"node"}}]}`))
	f.Add([]byte(`{"schema":"polysynergy/flow@1","nodes":[{"id":"e","handle":"e","type":"control.for_each","position":{"x":0,"y":0},"values":{"list":"{{ a.x }}"}},{"id":"l","handle":"l","type":"control.loop_end","position":{"x":0,"y":0}},{"id":"a","handle":"a","type":"control.approval","position":{"x":0,"y":0}},{"id":"b","handle":"b","type":"control.break","position":{"x":0,"y":0},"values":{"x":"{{ b.y }} {{ l.results }}"}}],"connections":[{"from":{"node":"e","port":"loop"},"to":{"node":"l","port":"loop"}},{"from":{"node":"e","port":"item"},"to":{"node":"a","port":"node"}},{"from":{"node":"a","port":"approved"},"to":{"node":"l","port":"value"}}]}`))
	f.Add([]byte(`{"schema":"polysynergy/flow@1","nodes":[{"id":"s","handle":"s","type":"control.switch","position":{"x":0,"y":0},"values":{"mode":"first","cases":[{"key":"a","value":1},{"key":"b","value":"1"}]}},{"id":"r","handle":"r","type":"router.range","position":{"x":0,"y":0},"values":{"cases":{"a":"1..","b":"x"}}},{"id":"d","handle":"d","type":"control.delay","position":{"x":0,"y":0},"values":{"ms":-1}}],"connections":[]}`))
	f.Add([]byte(`not json`))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := flow.Decode(data)
		if err != nil {
			return
		}
		probs := flow.Validate(doc, reg)
		p, err := flow.Compile(doc, reg)
		if (len(probs) == 0) != (err == nil) {
			t.Fatalf("Validate and Compile disagree: %v / %v", probs, err)
		}
		if err == nil && p == nil {
			t.Fatal("nil plan without error")
		}
		for _, pr := range probs {
			if !strings.HasPrefix(pr.Path, "/") || pr.Message == "" {
				t.Fatalf("problem without path or message: %+v", pr)
			}
		}
	})
}

// A flow's run settings travel in its document: max_node_runs from 1 to MaxNodeRuns (0 or
// absent is the default); other values are a problem at /settings/max_node_runs.
func TestFlowSettings(t *testing.T) {
	base := `{"schema":"polysynergy/flow@1","nodes":[{"id":"a","handle":"a","type":"t.text","position":{"x":0,"y":0},"values":{"text":"x"}}],"connections":[]`
	for settings, want := range map[string]string{
		``:                                     "",
		`,"settings":{}`:                       "",
		`,"settings":{"max_node_runs":50000}`:  "",
		`,"settings":{"max_node_runs":100001}`: "max_node_runs 100001 must be from 1 to 100000 (0 or absent: 10000)",
		`,"settings":{"max_node_runs":-5}`:     "max_node_runs -5 must be from 1 to 100000",
	} {
		doc := decode(t, base+settings+"}")
		probs := flow.Validate(doc, registry(t))
		switch {
		case want == "" && len(probs) > 0:
			t.Errorf("%s: %v", settings, probs)
		case want != "" && (len(probs) != 1 || probs[0].Path != "/settings/max_node_runs" || !strings.Contains(probs[0].Message, want)):
			t.Errorf("%s: %v, want %q at /settings/max_node_runs", settings, probs, want)
		}
	}
	if _, err := flow.Decode([]byte(base + `,"settings":{"max_node_runs":5,"nope":1}}`)); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("an unknown setting: %v", err)
	}
	doc := decode(t, base+`,"settings":{"max_node_runs":50000}}`)
	out, err := json.Marshal(doc)
	if err != nil || !strings.Contains(string(out), `"settings":{"max_node_runs":50000}`) {
		t.Errorf("encoded %s, %v", out, err)
	}
	out, _ = json.Marshal(decode(t, base+"}"))
	if strings.Contains(string(out), "settings") {
		t.Errorf("no settings are written when there are none: %s", out)
	}
}
