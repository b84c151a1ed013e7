package router_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A published route flow with an ai.chat node answers over HTTP with the model's
// structured answer. The model is a scripted OpenAI stand-in on 127.0.0.1: the project
// first denies private networks (the default) and the model node's guard refuses it; once
// the project allows them, the node's own allow_private_network opens the connection. Its
// API key is a stage secret.
func TestRouteWithAIChatAnswers(t *testing.T) {
	llm := openaitest.New(t, openaitest.Turn{Text: `{"greeting": "Hello Ada, number 42!", "mood": "cheerful"}`, InputTokens: 30, OutputTokens: 12})
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("llm", "ai.openai", map[string]any{"api_key": "<secret:TOKEN>", "model": "gpt-test", "base_url": llm.URL,
				"allow_private_network": true, "max_retries": 0}),
			node("ask", "ai.chat", map[string]any{"system": "Greet people warmly.",
				"prompt":        "Greet {{ route.params.name }}, who picked number {{ route.params.n }}.",
				"output_schema": map[string]any{"type": "object", "properties": map[string]any{"greeting": map[string]any{"type": "string"}, "mood": map[string]any{"type": "string"}}}}),
			node("reply", "http.response", map[string]any{"status": 200,
				"body": map[string]any{"greeting": "{{ ask.data.greeting }}", "mood": "{{ ask.data.mood }}", "tokens": "{{ ask.usage.total_tokens }}"}}),
		},
		"connections": []any{
			conn("route", "true_path", "ask", "node"),
			conn("llm", "model", "ask", "model"),
			conn("ask", "true_path", "reply", "node"),
		}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
	ctx := context.Background()
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/Ada/42", "", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || len(llm.Requests()) != 0 {
		t.Fatalf("a project denying private networks must not reach the stand-in: %d %s", resp.StatusCode, resp.Body)
	}
	// why is in the run, for the flow's owners, not in the answer to the caller
	denied, err := fx.st.GetRun(ctx, fx.pk.Run(resp.Headers["x-run-id"]))
	if err != nil || !strings.Contains(string(denied.Error), "loopback address") || strings.Contains(resp.Body, "loopback") {
		t.Fatalf("denied run %+v %v; answer %s", denied, err, resp.Body)
	}
	if err := fx.st.SetPrivateNetwork(ctx, fx.pk, true); err != nil {
		t.Fatal(err)
	}
	// the router's cached project (1 ms in these tests) is read again
	for deadline := time.Now().Add(2 * time.Second); ; {
		time.Sleep(5 * time.Millisecond)
		resp, err = fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/Ada/42", "", nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 500 || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["greeting"] != "Hello Ada, number 42!" || body["mood"] != "cheerful" || body["tokens"] != 42.0 {
		t.Fatalf("body %v", body)
	}
	reqs := llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d model calls", len(reqs))
	}
	msgs := reqs[0]["messages"].([]any)
	if msgs[1].(map[string]any)["content"] != "Greet Ada, who picked number 42." || reqs[0]["response_format"] == nil {
		t.Errorf("model request %v", reqs[0])
	}
	if h := llm.Headers()[0].Get("Authorization"); h != "Bearer tok-123-secret" {
		t.Errorf("the stage secret was not the API key: %q", h)
	}
	_ = fx.x.Wait(ctx)
	results, err := fx.st.ListNodeResults(ctx, store.RunKey{Tenant: fx.pk.Tenant, Project: fx.pk.Project, Run: resp.Headers["x-run-id"]})
	if err != nil || len(results) != 4 {
		t.Fatalf("node results %d %v", len(results), err)
	}
	raw, _ := json.Marshal(results)
	if strings.Contains(string(raw), "tok-123-secret") {
		t.Fatal("the API key reached the stored results")
	}
}
