package api

import (
	"encoding/json"
	"fmt"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes/catalog"
)

// chainDoc is a valid flow: a manual trigger followed by n-1 log nodes in
// a chain. tag varies the log messages so documents differ.
func chainDoc(t testing.TB, n int, tag string) json.RawMessage {
	t.Helper()
	doc := flow.Document{Schema: flow.Schema}
	doc.Nodes = append(doc.Nodes, flow.Node{ID: "n0", Handle: "start", Type: "trigger.manual",
		Position: flow.Position{X: 0, Y: 0}})
	for i := 1; i < n; i++ {
		doc.Nodes = append(doc.Nodes, flow.Node{ID: fmt.Sprintf("n%d", i), Handle: fmt.Sprintf("log_%d", i),
			Type: "debug.log", Position: flow.Position{X: float64(i * 200), Y: float64(i % 7 * 40)},
			Values: map[string]any{"message": fmt.Sprintf("%s step %d of {{ start.input }}", tag, i), "level": "info"}})
		doc.Connections = append(doc.Connections, flow.Connection{ID: fmt.Sprintf("c%d", i),
			From: flow.Endpoint{Node: fmt.Sprintf("n%d", i-1), Port: "true_path"},
			To:   flow.Endpoint{Node: fmt.Sprintf("n%d", i), Port: "node"}})
	}
	if probs := flow.Validate(&doc, catalog.Default()); len(probs) > 0 {
		t.Fatalf("chainDoc(%d) is invalid: %v", n, probs)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invalidDoc has an unknown node type and a connection to a missing node.
func invalidDoc() json.RawMessage {
	return json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[
		{"id":"a","handle":"a","type":"nope.unknown","position":{"x":0,"y":0}},
		{"id":"b","handle":"b","type":"debug.log","position":{"x":1,"y":0}}],
		"connections":[{"from":{"node":"a","port":"true_path"},"to":{"node":"zzz","port":"node"}}]}`)
}

func TestChainDocIsValid(t *testing.T) {
	doc := chainDoc(t, 200, "x")
	d, err := flow.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Nodes) != 200 || len(d.Connections) != 199 {
		t.Errorf("nodes %d connections %d", len(d.Nodes), len(d.Connections))
	}
	bad, err := flow.Decode(invalidDoc())
	if err != nil {
		t.Fatal(err)
	}
	if probs := flow.Validate(bad, catalog.Default()); len(probs) < 2 {
		t.Errorf("invalidDoc has %d problems, want at least 2: %v", len(probs), probs)
	}
}
