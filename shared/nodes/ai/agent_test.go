package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/anthropic/anthropictest"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/memory"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

// fakeTool records its calls.
type fakeTool struct {
	name    string
	confirm bool
	result  any
	err     error
	mu      sync.Mutex
	calls   []map[string]any
}

func (f *fakeTool) Spec() llm.ToolSpec {
	return llm.ToolSpec{Name: f.name, Description: "the " + f.name + " tool",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"q": map[string]any{"type": "string"}}}}
}
func (f *fakeTool) NeedsConfirmation() bool { return f.confirm }
func (f *fakeTool) Call(_ context.Context, args map[string]any) (any, error) {
	f.mu.Lock()
	f.calls = append(f.calls, args)
	f.mu.Unlock()
	return f.result, f.err
}

func call(id, name string, args map[string]any) openaitest.Call {
	return openaitest.Call{ID: id, Name: name, Arguments: args}
}

// toolMessages returns the tool messages of a request body: call id → content.
func toolMessages(body map[string]any) map[string]string {
	out := map[string]string{}
	for _, m := range body["messages"].([]any) {
		mm := m.(map[string]any)
		if mm["role"] == "tool" {
			out[mm["tool_call_id"].(string)] = mm["content"].(string)
		}
	}
	return out
}

func runAgent(t *testing.T, in map[string]any, opt nodetest.Options) (nodes.Out, error, *nodetest.Host) {
	t.Helper()
	return nodetest.Run(context.Background(), typ(t, "ai.agent"), in, opt)
}

func TestAgentToolLoop(t *testing.T) {
	weather := &fakeTool{name: "weather", result: map[string]any{"temp": 21.0}}
	clock := &fakeTool{name: "clock", result: "12:00"}
	broken := &fakeTool{name: "broken", err: errors.New("upstream down")}
	srv := openaitest.New(t,
		openaitest.Turn{Text: "Let me check.", Calls: []openaitest.Call{
			call("c1", "weather", map[string]any{"q": "Paris"}), call("c2", "clock", nil)}},
		openaitest.Turn{Calls: []openaitest.Call{call("c3", "broken", nil), call("c4", "nosuch", map[string]any{"x": 1.0})}},
		openaitest.Turn{Text: "It is 21 degrees at noon.", InputTokens: 50, OutputTokens: 9},
	)
	out, err, h := runAgent(t, map[string]any{"model": openaiModel(t, srv), "tools": []any{weather, clock, broken},
		"instructions": "You are helpful.", "prompt": "Weather and time in Paris?"}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out["answer"] != "It is 21 degrees at noon." || out["data"] != nil {
		t.Fatalf("answer %q data %v", out["answer"], out["data"])
	}
	if !reflect.DeepEqual(weather.calls, []map[string]any{{"q": "Paris"}}) || len(clock.calls) != 1 || len(broken.calls) != 1 {
		t.Fatalf("tool calls %v %v %v", weather.calls, clock.calls, broken.calls)
	}
	steps := out["steps"].([]any)
	var summary []string
	for _, s := range steps {
		m := s.(map[string]any)
		summary = append(summary, m["tool"].(string)+":"+m["status"].(string))
		if _, ok := m["duration_ms"].(float64); !ok {
			t.Errorf("step without duration: %v", m)
		}
	}
	if strings.Join(summary, ",") != "weather:ok,clock:ok,broken:error,nosuch:error" {
		t.Fatalf("steps %v", summary)
	}
	if s := steps[0].(map[string]any); s["step"] != 1.0 || s["call_id"] != "c1" || !reflect.DeepEqual(s["result"], map[string]any{"temp": 21.0}) {
		t.Errorf("first step %v", s)
	}
	if s := steps[2].(map[string]any); s["error"] != "upstream down" || s["step"] != 2.0 {
		t.Errorf("failed step %v", s)
	}
	u := out["usage"].(map[string]any)
	if u["model_calls"] != 3.0 || u["input_tokens"] != 70.0 || u["output_tokens"] != 19.0 {
		t.Errorf("usage %v", u)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model calls", len(reqs))
	}
	if tm := toolMessages(reqs[1]); tm["c1"] != `{"temp":21}` || tm["c2"] != "12:00" {
		t.Errorf("results sent back %v", tm)
	}
	if tm := toolMessages(reqs[2]); tm["c3"] != "Error: upstream down" || !strings.Contains(tm["c4"], `no tool called "nosuch"`) {
		t.Errorf("errors sent back %v", tm)
	}
	tools := reqs[0]["tools"].([]any)
	if len(tools) != 3 || tools[0].(map[string]any)["function"].(map[string]any)["name"] != "weather" {
		t.Errorf("tools offered %v", tools)
	}
	if msgs := out["messages"].([]any); len(msgs) != 9 || msgs[0].(map[string]any)["role"] != "system" {
		t.Errorf("messages %d %v", len(msgs), msgs[0])
	}
	// a log line per tool call
	joined := strings.Join(h.Logs, "\n")
	for _, w := range []string{"tool weather (call c1) with {\"q\":\"Paris\"} answered", "tool clock (call c2)",
		"warn: tool broken (call c3) failed", "unknown tool \"nosuch\""} {
		if !strings.Contains(joined, w) {
			t.Errorf("logs lack %q:\n%s", w, joined)
		}
	}
	// stream: tool events, then the final answer's tokens in order
	var kinds []string
	for _, c := range h.Streamed {
		m := c.(map[string]any)
		kinds = append(kinds, m["kind"].(string))
	}
	want := "token,token,token,tool_call,tool_result,tool_call,tool_result,tool_call,tool_result,token,token,token,token,token,token"
	if strings.Join(kinds, ",") != want {
		t.Errorf("stream kinds\n got %s\nwant %s", strings.Join(kinds, ","), want)
	}
	if got := strings.Join(tokens(h), ""); got != "Let me check.It is 21 degrees at noon." {
		t.Errorf("tokens %q", got)
	}
}

func TestAgentStructuredAnswerAndMemory(t *testing.T) {
	ctx := context.Background()
	mem := &listMemory{sessions: map[string][]llm.Message{}}
	_ = mem.Append(ctx, "s1", llm.Message{Role: llm.User, Content: "My name is Ada."}, llm.Message{Role: llm.Assistant, Content: "Hello Ada."})
	srv := openaitest.New(t, openaitest.Turn{Text: `{"name": "Ada"}`})
	out, err, h := runAgent(t, map[string]any{"model": openaiModel(t, srv), "memory": mem, "session": "s1", "stream": false,
		"prompt": "What is my name?", "output_schema": map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}},
		nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out["data"], map[string]any{"name": "Ada"}) {
		t.Fatalf("data %v", out["data"])
	}
	body := srv.Requests()[0]
	msgs := body["messages"].([]any)
	if len(msgs) != 3 || msgs[0].(map[string]any)["content"] != "My name is Ada." {
		t.Errorf("history not loaded: %v", msgs)
	}
	if body["response_format"] == nil || body["stream"] != nil || len(h.Streamed) != 0 {
		t.Errorf("schema %v stream %v streamed %d", body["response_format"], body["stream"], len(h.Streamed))
	}
	saved, _ := mem.Load(ctx, "s1", 0)
	if len(saved) != 4 || saved[2].Content != "What is my name?" || saved[3].Content != `{"name": "Ada"}` {
		t.Errorf("memory after the turn: %v", saved)
	}
}

func TestAgentMaxSteps(t *testing.T) {
	loop := &fakeTool{name: "again", result: "more"}
	srv := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{call("a", "again", nil)}},
		openaitest.Turn{Calls: []openaitest.Call{call("b", "again", nil)}},
	)
	_, err, _ := runAgent(t, map[string]any{"model": openaiModel(t, srv), "tools": loop, "prompt": "go", "max_steps": 2.0}, nodetest.Options{})
	if err == nil || !strings.Contains(err.Error(), "max_steps (2 model calls)") {
		t.Fatalf("got %v", err)
	}
	if len(loop.calls) != 2 {
		t.Errorf("tool ran %d times", len(loop.calls))
	}
}

func TestAgentInputErrors(t *testing.T) {
	dup1, dup2 := &fakeTool{name: "same"}, &fakeTool{name: "same"}
	for _, tc := range []struct {
		name string
		in   map[string]any
		port string
		want string
	}{
		{"no model", map[string]any{"prompt": "x"}, "model", "expected a chat model service"},
		{"empty prompt", map[string]any{"prompt": " "}, "prompt", "the prompt is empty"},
		{"duplicate tools", map[string]any{"prompt": "x", "tools": []any{dup1, dup2}}, "tools", `both called "same"`},
		{"not a tool", map[string]any{"prompt": "x", "tools": []any{"search"}}, "tools", "connection 1 is not a tool service"},
		{"memory without session", map[string]any{"prompt": "x", "memory": &stubMemory{}}, "session", "session id is required"},
		{"bad memory", map[string]any{"prompt": "x", "memory": "redis"}, "memory", "expected a memory service"},
		{"max steps", map[string]any{"prompt": "x", "max_steps": 0.0}, "max_steps", "between 1 and 100"},
		{"history", map[string]any{"prompt": "x", "memory": &stubMemory{}, "session": "s", "history": -1.0}, "history", "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{}
			if tc.name != "no model" {
				in["model"] = openaiModel(t, openaitest.New(t))
			}
			for k, v := range tc.in {
				in[k] = v
			}
			_, err, _ := runAgent(t, in, nodetest.Options{})
			var ie *nodes.InputError
			if !errors.As(err, &ie) || ie.Port != tc.port || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q on %s", err, tc.want, tc.port)
			}
		})
	}
}

// A prompt too large for the memory's item limit fails naming the prompt input and the limit.
func TestAgentPromptTooLargeForMemory(t *testing.T) {
	srv := openaitest.New(t, openaitest.Turn{Text: "ok"})
	_, err, _ := runAgent(t, map[string]any{"model": openaiModel(t, srv), "memory": tooLargeMemory{}, "session": "s", "stream": false,
		"prompt": "a long prompt"}, nodetest.Options{})
	var ie *nodes.InputError
	if !errors.As(err, &ie) || ie.Port != "prompt" || !strings.Contains(err.Error(), "400 KB") {
		t.Fatalf("got %v, want an error on prompt naming the limit", err)
	}
}

// tooLargeMemory refuses every append as DynamoDB memory refuses a message over its item limit.
type tooLargeMemory struct{}

func (tooLargeMemory) Load(context.Context, string, int) ([]llm.Message, error) { return nil, nil }
func (tooLargeMemory) Append(_ context.Context, _ string, msgs ...llm.Message) error {
	return fmt.Errorf("append: %w", &memory.TooLargeError{Index: 0, Role: msgs[0].Role, Size: 500000})
}

// listMemory keeps sessions in a map.
type listMemory struct {
	mu       sync.Mutex
	sessions map[string][]llm.Message
}

func (m *listMemory) Load(_ context.Context, s string, limit int) ([]llm.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.sessions[s]
	if limit > 0 && len(l) > limit {
		l = l[len(l)-limit:]
	}
	return append([]llm.Message(nil), l...), nil
}

func (m *listMemory) Append(_ context.Context, s string, msgs ...llm.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s] = append(m.sessions[s], msgs...)
	return nil
}

// stubMemory is a minimal llm.Memory.
type stubMemory struct{}

func (*stubMemory) Load(context.Context, string, int) ([]llm.Message, error) { return nil, nil }
func (*stubMemory) Append(context.Context, string, ...llm.Message) error     { return nil }

// pause runs the agent until it pauses and returns the payload as stored state has it.
func pause(t *testing.T, in map[string]any) map[string]any {
	t.Helper()
	_, err, _ := runAgent(t, in, nodetest.Options{})
	var pe *nodes.PauseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a pause, got %v", err)
	}
	b, _ := json.Marshal(pe.Payload)
	var payload map[string]any
	if err := json.Unmarshal(b, &payload); err != nil {
		t.Fatal(err)
	}
	return payload
}

func TestAgentConfirmation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		decision any
		args     []map[string]any // calls the tool gets
		result   string           // what the model is told
		status   string
	}{
		{"approved as asked", map[string]any{"approve": true}, []map[string]any{{"q": "refund 100"}}, "done", "ok"},
		{"approved with edits", map[string]any{"approve": true, "arguments": map[string]any{"q": "refund 50"}},
			[]map[string]any{{"q": "refund 50"}}, `The user approved this call with changed arguments: {"q":"refund 50"}. Result: done`, "ok"},
		{"rejected", map[string]any{"approve": false, "reason": "too much"}, nil, "The user rejected this call. Reason: too much", "rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refund := &fakeTool{name: "refund", confirm: true, result: "done"}
			lookup := &fakeTool{name: "lookup", result: "order 7"}
			srv := openaitest.New(t,
				openaitest.Turn{Calls: []openaitest.Call{call("c1", "lookup", nil), call("c2", "refund", map[string]any{"q": "refund 100"})}},
				openaitest.Turn{Text: "Finished."},
			)
			in := map[string]any{"model": openaiModel(t, srv), "tools": []any{lookup, refund}, "prompt": "refund order 7"}
			payload := pause(t, in)
			if payload["kind"] != "tool_confirmation" || payload["tool"] != "refund" || payload["call_id"] != "c2" ||
				!reflect.DeepEqual(payload["arguments"], map[string]any{"q": "refund 100"}) ||
				!strings.Contains(payload["question"].(string), `refund with {"q":"refund 100"}`) {
				t.Fatalf("payload %v", payload)
			}
			if len(lookup.calls) != 1 || len(refund.calls) != 0 {
				t.Fatalf("before the pause: lookup %d refund %d", len(lookup.calls), len(refund.calls))
			}
			out, err, _ := runAgent(t, in, nodetest.Options{Resume: &nodes.Resume{Input: tc.decision, Payload: payload}})
			if err != nil {
				t.Fatal(err)
			}
			if out["answer"] != "Finished." || !reflect.DeepEqual(refund.calls, tc.args) || len(lookup.calls) != 1 {
				t.Fatalf("answer %q refund calls %v lookup calls %d", out["answer"], refund.calls, len(lookup.calls))
			}
			if tm := toolMessages(srv.Requests()[1]); tm["c2"] != tc.result || tm["c1"] != "order 7" {
				t.Fatalf("tool messages %v", tm)
			}
			steps := out["steps"].([]any)
			if len(steps) != 2 || steps[1].(map[string]any)["status"] != tc.status {
				t.Fatalf("steps %v", steps)
			}
		})
	}
}

func TestAgentResumeErrors(t *testing.T) {
	refund := &fakeTool{name: "refund", confirm: true}
	srv := openaitest.New(t, openaitest.Turn{Calls: []openaitest.Call{call("c1", "refund", nil)}})
	model := openaiModel(t, srv)
	payload := pause(t, map[string]any{"model": model, "tools": refund, "prompt": "x"})
	for _, tc := range []struct {
		name    string
		input   any
		payload any
		tools   any
		want    string
	}{
		{"no decision", nil, payload, refund, `expected {"approve"`},
		{"approve not bool", map[string]any{"approve": "yes"}, payload, refund, `"approve" must be true or false`},
		{"arguments not object", map[string]any{"approve": true, "arguments": "x"}, payload, refund, `"arguments" must be an object`},
		{"lost state", map[string]any{"approve": true}, map[string]any{"x": 1.0}, refund, "paused state of the agent is missing"},
		{"tool gone", map[string]any{"approve": true}, payload, nil, `"refund" the run paused for is no longer connected`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err, _ := runAgent(t, map[string]any{"model": model, "tools": tc.tools, "prompt": "x"},
				nodetest.Options{Resume: &nodes.Resume{Input: tc.input, Payload: tc.payload}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if len(refund.calls) != 0 {
		t.Fatal("the tool ran without a valid approval")
	}
}

// Tool-call arguments the model wrote badly (not JSON, cut off, not an object) do not fail
// the agent: the tool is not called, the model is told what was wrong, and it calls again.
func TestAgentInvalidToolArguments(t *testing.T) {
	for _, stream := range []bool{true, false} {
		lookup := &fakeTool{name: "lookup", result: "found"}
		srv := openaitest.New(t,
			openaitest.Turn{Calls: []openaitest.Call{{ID: "c1", Name: "lookup", Raw: `{"q": "Par`}, {ID: "c2", Name: "lookup", Raw: `["Paris"]`}}},
			openaitest.Turn{Calls: []openaitest.Call{call("c3", "lookup", map[string]any{"q": "Paris"})}},
			openaitest.Turn{Text: "Found it."},
		)
		out, err, h := runAgent(t, map[string]any{"model": openaiModel(t, srv), "tools": lookup, "prompt": "find Paris", "stream": stream}, nodetest.Options{})
		if err != nil {
			t.Fatalf("stream %v: %v", stream, err)
		}
		if out["answer"] != "Found it." || !reflect.DeepEqual(lookup.calls, []map[string]any{{"q": "Paris"}}) {
			t.Fatalf("stream %v: answer %q, tool calls %v", stream, out["answer"], lookup.calls)
		}
		tm := toolMessages(srv.Requests()[1])
		for id, want := range map[string]string{"c1": `not valid JSON: unexpected end of JSON input: "{\"q\": \"Par"`, "c2": `not an object: "[\"Paris\"]"`} {
			if !strings.HasPrefix(tm[id], "Error: The call was not made: the arguments are ") || !strings.Contains(tm[id], want) ||
				!strings.Contains(tm[id], "Call lookup again with a JSON object") {
				t.Errorf("stream %v: the model was told for %s: %q", stream, id, tm[id])
			}
		}
		steps := out["steps"].([]any)
		if len(steps) != 3 || steps[0].(map[string]any)["status"] != "error" || steps[1].(map[string]any)["status"] != "error" ||
			steps[2].(map[string]any)["status"] != "ok" {
			t.Fatalf("stream %v: steps %v", stream, steps)
		}
		if !strings.Contains(strings.Join(h.Logs, "\n"), "warn: the model called lookup (call c1) with unreadable arguments") {
			t.Errorf("stream %v: logs %v", stream, h.Logs)
		}
	}
}

// Two calls of one turn with the same id (an OpenAI-compatible server numbering each call
// call_0) get ids of their own, so each result answers its call; the provider refused two
// results for one id.
func TestAgentDuplicateToolCallIDs(t *testing.T) {
	lookup := &fakeTool{name: "lookup", result: "found"}
	srv := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{call("call_0", "lookup", map[string]any{"q": "a"}), call("call_0", "lookup", map[string]any{"q": "b"})}},
		openaitest.Turn{Text: "Both found."},
	)
	out, err, _ := runAgent(t, map[string]any{"model": openaiModel(t, srv), "tools": lookup, "prompt": "find a and b"}, nodetest.Options{})
	if err != nil || out["answer"] != "Both found." || len(lookup.calls) != 2 {
		t.Fatalf("%v %v %v", out, err, lookup.calls)
	}
	tm := toolMessages(srv.Requests()[1])
	if len(tm) != 2 || tm["call_0"] != "found" {
		t.Fatalf("tool results by call id: %v", tm)
	}
	var ids []string
	for _, m := range srv.Requests()[1]["messages"].([]any) {
		for _, c := range asList(m.(map[string]any)["tool_calls"]) {
			ids = append(ids, c.(map[string]any)["id"].(string))
		}
	}
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("the assistant's calls as sent back: %v", ids)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// A history window that starts mid-conversation (an odd history, or a memory whose first
// kept messages are an answer or tool results) starts at the first user message: Anthropic
// refuses a conversation that does not start with the user, and every provider one that
// starts with tool results.
func TestAgentHistoryStartsWithTheUser(t *testing.T) {
	ctx := context.Background()
	mem := &listMemory{sessions: map[string][]llm.Message{}}
	_ = mem.Append(ctx, "s1",
		llm.Message{Role: llm.User, Content: "My name is Ada."},
		llm.Message{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "t1", Name: "lookup", Arguments: map[string]any{}}}},
		llm.Message{Role: llm.ToolRole, ToolCallID: "t1", Name: "lookup", Content: "nothing"},
		llm.Message{Role: llm.Assistant, Content: "Hello Ada."},
		llm.Message{Role: llm.User, Content: "I live in Paris."},
		llm.Message{Role: llm.Assistant, Content: "Nice."})
	for _, tc := range []struct {
		history float64
		want    []string // roles sent, after the system prompt
	}{
		{3, []string{"user", "assistant", "user"}},                                           // drops the answer "Hello Ada."
		{5, []string{"user", "assistant", "user"}},                                           // drops the tool result and the answer
		{6, []string{"user", "assistant", "user", "assistant", "user", "assistant", "user"}}, // the whole session
	} {
		srv := anthropictest.New(t, anthropictest.Turn{Text: "You are Ada from Paris."})
		model := modelFrom(t, "ai.anthropic", map[string]any{"api_key": "sk-ant", "base_url": srv.URL, "max_retries": 0.0, netguard.PortName: true})
		out, err, _ := runAgent(t, map[string]any{"model": model, "memory": &listMemory{sessions: map[string][]llm.Message{"s1": mem.sessions["s1"]}},
			"session": "s1", "history": tc.history, "instructions": "Be brief.", "prompt": "Who am I?"}, nodetest.Options{})
		if err != nil {
			t.Fatalf("history %v: %v", tc.history, err)
		}
		if out["answer"] != "You are Ada from Paris." {
			t.Fatalf("history %v: answer %v", tc.history, out["answer"])
		}
		var roles []string
		for _, m := range srv.Requests()[0]["messages"].([]any) {
			roles = append(roles, m.(map[string]any)["role"].(string))
		}
		if strings.Join(roles, ",") != strings.Join(tc.want, ",") {
			t.Errorf("history %v: roles sent %v, want %v", tc.history, roles, tc.want)
		}
	}
}

// A final answer with no text (models do this after tool results now and then) is not an
// error, but the run says so: an empty reply otherwise looks like a broken flow.
func TestAgentEmptyAnswerIsWarned(t *testing.T) {
	srv := openaitest.New(t, openaitest.Turn{Pieces: []string{}})
	out, err, h := runAgent(t, map[string]any{"model": openaiModel(t, srv), "prompt": "hi"}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out["answer"] != "" || !strings.Contains(strings.Join(h.Logs, "\n"), "warn: the model's final answer is empty (stop reason \"stop\", after 1 model call)") {
		t.Fatalf("answer %q logs %v", out["answer"], h.Logs)
	}
}

// Anthropic is told which tool results are errors (is_error), as its tool use guide asks:
// a failed call, an unknown tool and unreadable arguments are; a result is not.
func TestAgentToolErrorsAreMarkedForAnthropic(t *testing.T) {
	ok := &fakeTool{name: "ok", result: "fine"}
	broken := &fakeTool{name: "broken", err: errors.New("upstream down")}
	srv := anthropictest.New(t,
		anthropictest.Turn{Calls: []anthropictest.Call{{ID: "t1", Name: "ok"}, {ID: "t2", Name: "broken"}, {ID: "t3", Name: "nosuch"}}},
		anthropictest.Turn{Text: "Done."},
	)
	model := modelFrom(t, "ai.anthropic", map[string]any{"api_key": "sk-ant", "base_url": srv.URL, "max_retries": 0.0, netguard.PortName: true})
	out, err, _ := runAgent(t, map[string]any{"model": model, "tools": []any{ok, broken}, "prompt": "go"}, nodetest.Options{})
	if err != nil || out["answer"] != "Done." {
		t.Fatalf("%v %v", out["answer"], err)
	}
	msgs := srv.Requests()[1]["messages"].([]any)
	got := map[string]any{}
	for _, b := range msgs[len(msgs)-1].(map[string]any)["content"].([]any) {
		bm := b.(map[string]any)
		got[bm["tool_use_id"].(string)] = bm["is_error"]
	}
	if want := map[string]any{"t1": false, "t2": true, "t3": true}; !reflect.DeepEqual(got, want) {
		t.Fatalf("is_error by call %v, want %v", got, want)
	}
}
