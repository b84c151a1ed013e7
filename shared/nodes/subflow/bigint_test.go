package subflow_test

import (
	"context"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// A whole number beyond 2^53 (an id such as 9007199254740993 that Parse JSON read) crosses a
// Call flow both ways exactly: into the called flow's input and back as its result.
func TestCallFlowKeepsLargeIntegersExact(t *testing.T) {
	plans := map[string]*flow.Plan{
		"echo": callee(t, `{"id":"end","handle":"end","type":"control.exit","values":{"value":{"id":"{{ input.input.id }}","text":"{{ input.input.id }}!"}}}`),
	}
	main := compile(t, `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"play","handle":"play","type":"trigger.manual"},
		{"id":"parse","handle":"parse","type":"json.parse","values":{"text":"{\"id\": 9007199254740993}"}},
		{"id":"call","handle":"call","type":"flow.call","values":{"flow_id":"echo","input":"{{ parse.value }}"}},
		{"id":"done","handle":"done","type":"control.exit","values":{"value":"{{ call.result }}"}}],
		"connections":[{"from":{"node":"play","port":"true_path"},"to":{"node":"parse","port":"node"}},
		{"from":{"node":"parse","port":"true_path"},"to":{"node":"call","port":"node"}},
		{"from":{"node":"call","port":"true_path"},"to":{"node":"done","port":"node"}}]}`)
	run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), main,
		engine.Request{RunID: "r1", FlowID: "main", Stage: "prod", Flows: nodetest.Flows(plans, 3)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := nodes.Normalize(run.Output).(map[string]any)
	if run.Status != engine.StatusSuccess || got["id"] != int64(9007199254740993) || got["text"] != "9007199254740993!" {
		t.Fatalf("status %s (%+v), output %#v", run.Status, run.Error, run.Output)
	}
}
