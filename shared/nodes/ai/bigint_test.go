package ai_test

import (
	"context"
	"reflect"
	"testing"

	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// A tool call waiting for confirmation keeps whole numbers beyond 2^53 in its arguments
// (ids such as 9007199254740993) exact through the pause: the agent read its paused state
// back through JSON as float64 (9007199254740992).
func TestAgentConfirmationKeepsLargeIntegersExact(t *testing.T) {
	const id int64 = 9007199254740993
	refund := &fakeTool{name: "refund", confirm: true, result: "done"}
	srv := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{call("c1", "refund", map[string]any{"order": 1.0})}},
		openaitest.Turn{Text: "Finished."},
	)
	in := map[string]any{"model": openaiModel(t, srv), "tools": refund, "prompt": "refund"}
	payload := pause(t, in)
	// the arguments as the run state holds them (a model's arguments decoded exactly)
	pending := payload["state"].(map[string]any)["pending"].([]any)
	pending[0].(map[string]any)["arguments"] = map[string]any{"order": id}
	out, err, _ := runAgent(t, in, nodetest.Options{Resume: &nodes.Resume{Input: map[string]any{"approve": true}, Payload: payload}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []map[string]any{{"order": id}}; out["answer"] != "Finished." || !reflect.DeepEqual(refund.calls, want) {
		t.Fatalf("answer %q, refund calls %#v, want %#v", out["answer"], refund.calls, want)
	}
}

// A model's structured answer (output_schema) keeps whole numbers beyond 2^53 exact, as
// Parse JSON reads them.
func TestChatStructuredAnswerKeepsLargeIntegersExact(t *testing.T) {
	srv := openaitest.New(t, openaitest.Turn{Text: `{"order": 9007199254740993, "n": 2}`})
	out, err, _ := nodetest.Run(context.Background(), typ(t, "ai.chat"), map[string]any{"model": openaiModel(t, srv),
		"prompt": "which order?", "output_schema": `{"type":"object"}`}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"order": int64(9007199254740993), "n": 2.0}; !reflect.DeepEqual(out["data"], want) {
		t.Fatalf("data %#v, want %#v", out["data"], want)
	}
}
