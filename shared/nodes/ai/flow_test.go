package ai_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/llm/anthropic/anthropictest"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

// events records engine events.
type events struct {
	mu  sync.Mutex
	all []engine.Event
}

func (e *events) Publish(_ context.Context, ev engine.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

// stream returns the stream chunks of kind, in publishing order.
func (e *events) stream(kind string) []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []map[string]any
	for _, ev := range e.all {
		if ev.Type != engine.EventStream {
			continue
		}
		m := ev.Data.(map[string]any)
		if m["kind"] == kind {
			if ev.Node != m["node"] {
				panic("stream event of node " + ev.Node + " carries chunk of " + m["node"].(string))
			}
			out = append(out, m)
		}
	}
	return out
}

func (e *events) text() string {
	var b strings.Builder
	for _, c := range e.stream("token") {
		b.WriteString(c["text"].(string))
	}
	return b.String()
}

// secrets resolves <secret:…>.
type secrets map[string]string

func (s secrets) Secret(_ context.Context, k string) (string, error) {
	if v, ok := s[k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}
func (s secrets) Env(context.Context, string) (string, error) { return "", nodes.ErrNotFound }

// agentFlow is a chat trigger → agent flow with a model node of modelType and two HTTP
// tools: get_order and refund (which needs confirmation).
func agentFlow(t *testing.T, modelType string, modelValues map[string]any, toolsURL string) *flow.Plan {
	t.Helper()
	node := func(id, typ string, values map[string]any) flow.Node {
		return flow.Node{ID: id, Handle: id, Type: typ, Values: values}
	}
	conn := func(from, fport, to, tport string) flow.Connection {
		return flow.Connection{From: flow.Endpoint{Node: from, Port: fport}, To: flow.Endpoint{Node: to, Port: tport}}
	}
	doc := flow.Document{Schema: flow.Schema,
		Nodes: []flow.Node{
			node("chat", "ai.chat_trigger", nil),
			node("llm", modelType, modelValues),
			node("get_order", "ai.http_tool", map[string]any{"name": "get_order", "description": "Looks an order up by id.",
				"url": toolsURL + "/orders/{id}", netguard.PortName: true,
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}, "required": []any{"id"}}}),
			node("refund", "ai.http_tool", map[string]any{"name": "refund", "description": "Refunds an amount of an order.",
				"method": "POST", "url": toolsURL + "/refunds/{order}", "needs_confirmation": true, netguard.PortName: true,
				"parameters": map[string]any{"type": "object", "properties": map[string]any{
					"order": map[string]any{"type": "string"}, "amount": map[string]any{"type": "number"}}}}),
			node("agent", "ai.agent", map[string]any{"instructions": "You are the shop's support agent.",
				"prompt": "{{ chat.message }}", "max_steps": 5}),
		},
		Connections: []flow.Connection{
			conn("chat", "true_path", "agent", "node"),
			conn("llm", "model", "agent", "model"),
			conn("get_order", "tool", "agent", "tools"),
			conn("refund", "tool", "agent", "tools"),
		},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := flow.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := flow.Compile(d, registry(t))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func nodeResult(t *testing.T, r *engine.Run, handle string) engine.NodeResult {
	t.Helper()
	for i := len(r.Nodes) - 1; i >= 0; i-- {
		if r.Nodes[i].Handle == handle {
			return r.Nodes[i]
		}
	}
	t.Fatalf("no result for %s", handle)
	return engine.NodeResult{}
}

// conversation drives the scripted support conversation through the engine: a lookup, a
// refund that pauses the run for confirmation, a resume (in a fresh engine, from state
// that went through JSON) approving it with a smaller amount, and the final answer.
func conversation(t *testing.T, modelType string, modelValues map[string]any, requests func() []map[string]any, toolResult func(body map[string]any, callID string) string) {
	ctx := context.Background()
	shop := newAPI(t)
	plan := agentFlow(t, modelType, modelValues, shop.URL)
	res := secrets{"LLM_KEY": "sk-very-secret-key"}

	ev1 := &events{}
	r1, err := engine.New(engine.Options{Concurrency: 1, Publisher: ev1}).Run(ctx, plan, engine.Request{RunID: "run1", Stage: "mock",
		Trigger: map[string]any{"message": "Please refund order 42.", "session": "s1"}, Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Status != engine.StatusPaused || r1.State == nil || !reflect.DeepEqual(r1.State.PausedNodes(), []string{"agent"}) {
		t.Fatalf("run 1: %s %+v paused at %v", r1.Status, r1.Error, r1.State)
	}
	payload := r1.State.Paused["agent"].(map[string]any)
	if payload["tool"] != "refund" || payload["call_id"] != "call_refund" ||
		!reflect.DeepEqual(payload["arguments"], map[string]any{"order": "42", "amount": 100.0}) {
		t.Fatalf("pause payload %v", payload)
	}
	if len(shop.reqs) != 1 || shop.reqs[0].Path != "/orders/42" {
		t.Fatalf("before the pause the shop saw %+v", shop.reqs)
	}
	if got := ev1.text(); got != "Refunding order 42 now." {
		t.Errorf("streamed before the pause: %q", got)
	}
	if c := ev1.stream("confirmation"); len(c) != 1 || c[0]["tool"] != "refund" {
		t.Errorf("confirmation chunk %v", c)
	}
	blob, err := json.Marshal(r1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(blob), "sk-very-secret-key") {
		t.Fatal("the API key reached the run record")
	}
	var st engine.State
	stateJSON, _ := json.Marshal(r1.State)
	if err := json.Unmarshal(stateJSON, &st); err != nil {
		t.Fatal(err)
	}

	ev2 := &events{}
	r2, err := engine.New(engine.Options{Concurrency: 1, Publisher: ev2}).Resume(ctx, plan, &st, "agent",
		map[string]any{"approve": true, "arguments": map[string]any{"order": "42", "amount": 50.0}}, engine.Request{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != engine.StatusSuccess {
		t.Fatalf("run 2: %s %+v", r2.Status, r2.Error)
	}
	out := nodeResult(t, r2, "agent").Outputs
	if out["answer"] != "Refunded 50 EUR for order 42." {
		t.Fatalf("answer %q", out["answer"])
	}
	steps := out["steps"].([]any)
	if len(steps) != 2 || steps[0].(map[string]any)["tool"] != "get_order" || steps[1].(map[string]any)["tool"] != "refund" ||
		!reflect.DeepEqual(steps[1].(map[string]any)["arguments"], map[string]any{"order": "42", "amount": 50.0}) ||
		!reflect.DeepEqual(steps[1].(map[string]any)["result"], map[string]any{"ok": true}) {
		t.Fatalf("steps %v", steps)
	}
	if u := out["usage"].(map[string]any); u["model_calls"] != 3.0 {
		t.Errorf("usage %v", u)
	}
	if last := shop.last(); last.Method != "POST" || last.Path != "/refunds/42" || last.Body != `{"amount":50}` || len(shop.reqs) != 2 {
		t.Fatalf("refund request %+v (%d requests)", last, len(shop.reqs))
	}
	reqs := requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model calls", len(reqs))
	}
	if got := toolResult(reqs[1], "call_order"); !strings.Contains(got, `"status":"shipped"`) {
		t.Errorf("lookup result sent back: %q", got)
	}
	if got := toolResult(reqs[2], "call_refund"); got != `The user approved this call with changed arguments: {"amount":50,"order":"42"}. Result: {"ok":true}` {
		t.Errorf("refund result sent back: %q", got)
	}
	if got := ev2.text(); got != "Refunded 50 EUR for order 42." {
		t.Errorf("streamed after the resume: %q", got)
	}
	var pieces []string
	for _, c := range ev2.stream("token") {
		pieces = append(pieces, c["text"].(string))
		if c["step"] != 3.0 {
			t.Errorf("token of step %v", c["step"])
		}
	}
	if strings.Join(pieces, "|") != "Refunded| 50| EUR| for| order| 42." {
		t.Errorf("token order %q", pieces)
	}
	if calls := ev2.stream("tool_call"); len(calls) != 1 || calls[0]["tool"] != "refund" {
		t.Errorf("tool call chunks after resume %v", calls)
	}
	var logs []string
	for _, l := range nodeResult(t, r2, "agent").Logs {
		logs = append(logs, l.Message)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "tool refund (call call_refund) with {\"amount\":50,\"order\":\"42\"} answered") {
		t.Errorf("logs %v", logs)
	}
}

func TestAgentConversationThroughTheEngineOpenAI(t *testing.T) {
	srv := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{{ID: "call_order", Name: "get_order", Arguments: map[string]any{"id": "42"}}}},
		openaitest.Turn{Text: "Refunding order 42 now.", Calls: []openaitest.Call{{ID: "call_refund", Name: "refund", Arguments: map[string]any{"order": "42", "amount": 100.0}}}},
		openaitest.Turn{Text: "Refunded 50 EUR for order 42."},
	)
	conversation(t, "ai.openai", map[string]any{"api_key": "<secret:LLM_KEY>", "model": "gpt-test", "base_url": srv.URL, netguard.PortName: true},
		srv.Requests, func(body map[string]any, id string) string { return toolMessages(body)[id] })
	if h := srv.Headers()[0].Get("Authorization"); h != "Bearer sk-very-secret-key" {
		t.Errorf("authorization %q", h)
	}
	if body := srv.Requests()[0]; len(body["tools"].([]any)) != 2 || body["stream"] != true {
		t.Errorf("first request %v", body)
	}
}

func TestAgentConversationThroughTheEngineAnthropic(t *testing.T) {
	srv := anthropictest.New(t,
		anthropictest.Turn{Calls: []anthropictest.Call{{ID: "call_order", Name: "get_order", Input: map[string]any{"id": "42"}}}},
		anthropictest.Turn{Text: "Refunding order 42 now.", Calls: []anthropictest.Call{{ID: "call_refund", Name: "refund", Input: map[string]any{"order": "42", "amount": 100.0}}}},
		anthropictest.Turn{Text: "Refunded 50 EUR for order 42."},
	)
	conversation(t, "ai.anthropic", map[string]any{"api_key": "<secret:LLM_KEY>", "model": "claude-test", "base_url": srv.URL, netguard.PortName: true},
		srv.Requests, func(body map[string]any, id string) string {
			for _, m := range body["messages"].([]any) {
				mm := m.(map[string]any)
				blocks, _ := mm["content"].([]any)
				for _, b := range blocks {
					bb := b.(map[string]any)
					if bb["type"] == "tool_result" && bb["tool_use_id"] == id {
						return bb["content"].([]any)[0].(map[string]any)["text"].(string)
					}
				}
			}
			return ""
		})
	if body := srv.Requests()[0]; body["system"].([]any)[0].(map[string]any)["text"] != "You are the shop's support agent." {
		t.Errorf("system prompt %v", body["system"])
	}
}
