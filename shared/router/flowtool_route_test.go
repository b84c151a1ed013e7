package router_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A published route flow whose agent calls another flow of the project as a tool: the
// router runs the tool flow's version published on the route's stage, and the model gets
// its Tool result value back.
func TestRouteAgentCallsAFlowTool(t *testing.T) {
	llm := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{{ID: "c1", Name: "add", Arguments: map[string]any{"a": 2, "b": 40}}}},
		openaitest.Turn{Text: "The sum is 42."})
	adder, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("start", "tool.start", map[string]any{"name": "add", "description": "Adds two numbers",
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"}}}}),
			node("res", "tool.result", map[string]any{"value": "{{ start.arguments.a + start.arguments.b }}"}),
		},
		"connections": []any{conn("start", "true_path", "res", "node")}})
	placeholder, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{node("route", "trigger.route", nil)}, "connections": []any{}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, placeholder)
	ctx := context.Background()
	tf, err := fx.st.CreateFlow(ctx, fx.pk, store.CreateFlowInput{Kind: store.KindService, Name: "adder", Document: adder})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.st.Publish(ctx, store.PublishInput{Flow: tf.Key(), Stage: "dev", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	main, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("llm", "ai.openai", map[string]any{"api_key": "<secret:TOKEN>", "model": "gpt-test", "base_url": llm.URL,
				"allow_private_network": true, "max_retries": 0}),
			node("adder", "tool.flow", map[string]any{"flow_id": tf.ID}),
			node("agent", "ai.agent", map[string]any{"prompt": "What is 2 + 40?", "stream": false}),
			node("reply", "http.response", map[string]any{"status": 200, "body": map[string]any{"answer": "{{ agent.answer }}", "steps": "{{ agent.steps }}"}}),
		},
		"connections": []any{
			conn("route", "true_path", "agent", "node"),
			conn("llm", "model", "agent", "model"),
			conn("adder", "tool", "agent", "tools"),
			conn("agent", "true_path", "reply", "node"),
		}})
	if _, err := fx.st.SaveDraft(ctx, fx.flow, main, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.st.Publish(ctx, store.PublishInput{Flow: fx.flow, Stage: "dev", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	if err := fx.st.SetPrivateNetwork(ctx, fx.pk, true); err != nil {
		t.Fatal(err)
	}
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	var body struct {
		Answer string           `json:"answer"`
		Steps  []map[string]any `json:"steps"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if body.Answer != "The sum is 42." || len(body.Steps) != 1 || body.Steps[0]["tool"] != "add" || body.Steps[0]["result"] != 42.0 {
		t.Errorf("answer %q, steps %v; want the tool's 42 in the steps", body.Answer, body.Steps)
	}
	reqs := llm.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model requests = %d, want 2", len(reqs))
	}
	first, _ := json.Marshal(reqs[0]["tools"])
	second, _ := json.Marshal(reqs[1]["messages"])
	if !strings.Contains(string(first), `"name":"add"`) || !strings.Contains(string(first), "Adds two numbers") {
		t.Errorf("the model was not offered the flow tool: %s", first)
	}
	if !strings.Contains(string(second), `"tool_call_id":"c1"`) || !strings.Contains(string(second), `"content":"42"`) {
		t.Errorf("the tool result did not reach the model: %s", second)
	}
}
