package data_test

import (
	"context"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/data"
	"polysynergy/shared/nodes/nodetest"
	"polysynergy/shared/nodes/trigger"
)

// Parse JSON keeps whole numbers beyond 2^53 to the digit (ids such as 9007199254740993 came
// out as 9007199254740992), through expressions, Stringify JSON, List contains and Convert
// type in a run; decimals and smaller numbers stay float64 as before.
func TestParseJSONKeepsLargeIntegersExact(t *testing.T) {
	doc := `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"play","handle":"play","type":"trigger.manual"},
		{"id":"parse","handle":"parse","type":"json.parse","values":{"text":"{\"id\": 9007199254740993, \"min\": -9223372036854775808, \"n\": 1.5, \"ids\": [9007199254740993]}"}},
		{"id":"back","handle":"back","type":"json.stringify","values":{"value":"{{ parse.value }}"}},
		{"id":"has","handle":"has","type":"list.contains","values":{"list":"{{ parse.value.ids }}","value":"9007199254740993"}},
		{"id":"near","handle":"near","type":"list.contains","values":{"list":"{{ parse.value.ids }}","value":"9007199254740992"}},
		{"id":"cast","handle":"cast","type":"data.type_cast","values":{"value":"{{ parse.value.id }}","to":"integer"}},
		{"id":"end","handle":"end","type":"control.exit","values":{"value":
			"{{ back.text }} id={{ parse.value.id }} has={{ has.result }} near={{ near.result }} cast={{ cast.value }}"}}],
		"connections":[{"from":{"node":"play","port":"true_path"},"to":{"node":"parse","port":"node"}},
		{"from":{"node":"parse","port":"true_path"},"to":{"node":"back","port":"node"}},
		{"from":{"node":"back","port":"true_path"},"to":{"node":"has","port":"node"}},
		{"from":{"node":"has","port":"result"},"to":{"node":"near","port":"node"}},
		{"from":{"node":"near","port":"result"},"to":{"node":"cast","port":"node"}},
		{"from":{"node":"cast","port":"true_path"},"to":{"node":"end","port":"node"}}]}`
	reg := nodes.NewRegistry()
	for _, register := range []func(*nodes.Registry) error{data.Register, control.Register, trigger.Register} {
		if err := register(reg); err != nil {
			t.Fatal(err)
		}
	}
	plan := nodetest.Compile(t, reg, doc)
	run, err := engine.New(engine.Options{Concurrency: 1}).Run(context.Background(), plan,
		engine.Request{RunID: "r1", FlowID: "f1", Stage: "mock"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":9007199254740993,"ids":[9007199254740993],"min":-9223372036854775808,"n":1.5}` +
		` id=9007199254740993 has=true near=false cast=9007199254740993`
	if run.Status != engine.StatusSuccess || run.Output != want {
		t.Fatalf("status %s (%+v), output\n%v\nwant\n%s", run.Status, run.Error, run.Output, want)
	}
}
