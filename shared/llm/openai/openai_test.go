package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/llmtest"
	"polysynergy/shared/llm/openai"
	"polysynergy/shared/llm/openai/openaitest"
)

const key = "sk-test-SECRET-1234567890"

// wire is a server answering with a fixed body, recording the request.
type wire struct {
	mu     sync.Mutex
	body   map[string]any
	header http.Header
	path   string
}

func (w *wire) serve(t *testing.T, status int, ctype, answer string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.path = r.URL.Path
		w.header = r.Header.Clone()
		_ = json.Unmarshal(b, &w.body)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", ctype)
		rw.WriteHeader(status)
		_, _ = io.WriteString(rw, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func newModel(t *testing.T, base string, mod func(*openai.Config)) *openai.Model {
	t.Helper()
	cfg := openai.Config{BaseURL: base, APIKey: key, Model: "gpt-test"}
	if mod != nil {
		mod(&cfg)
	}
	m, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr(f float64) *float64 { return &f }

func conversation() []llm.Message {
	return []llm.Message{
		{Role: llm.System, Content: "Be brief."},
		{Role: llm.User, Content: "Weather in Paris?"},
		{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "weather", Arguments: map[string]any{"city": "Paris"}}}},
		{Role: llm.ToolRole, ToolCallID: "call_1", Name: "weather", Content: `{"temp":21}`},
	}
}

const completionJSON = `{
  "id": "chatcmpl-abc", "object": "chat.completion", "created": 1764000000, "model": "gpt-test",
  "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null,
    "message": {"role": "assistant", "content": "Checking.", "refusal": null,
      "tool_calls": [{"id": "call_2", "type": "function", "function": {"name": "forecast", "arguments": "{\"city\":\"Paris\",\"days\":2}"}}]}}],
  "usage": {"prompt_tokens": 31, "completion_tokens": 9, "total_tokens": 40}
}`

func TestChatSendsToolsSchemaTemperatureAndParsesToolCalls(t *testing.T) {
	var w wire
	m := newModel(t, w.serve(t, 200, "application/json", completionJSON), nil)
	resp, err := m.Chat(context.Background(), llm.Request{
		Messages:    conversation(),
		Tools:       []llm.ToolSpec{{Name: "forecast", Description: "Forecast for a city", Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []any{"city"}}}},
		Temperature: ptr(0.2), MaxTokens: 300,
		Output: &llm.OutputSchema{Name: "weather", Schema: map[string]any{"type": "object", "properties": map[string]any{"temp": map[string]any{"type": "number"}}}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Response{
		Message: llm.Message{Role: llm.Assistant, Content: "Checking.",
			ToolCalls: []llm.ToolCall{{ID: "call_2", Name: "forecast", Arguments: map[string]any{"city": "Paris", "days": 2.0}}}},
		StopReason: "tool_calls", Usage: llm.Usage{InputTokens: 31, OutputTokens: 9},
	}
	if !reflect.DeepEqual(resp, want) {
		t.Fatalf("response\n got %+v\nwant %+v", resp, want)
	}
	if w.path != "/v1/chat/completions" {
		t.Errorf("path %q", w.path)
	}
	if got := w.header.Get("Authorization"); got != "Bearer "+key {
		t.Errorf("authorization %q", got)
	}
	b := w.body
	if b["model"] != "gpt-test" || b["temperature"] != 0.2 || b["max_tokens"] != 300.0 {
		t.Errorf("model/temperature/max_tokens: %v %v %v", b["model"], b["temperature"], b["max_tokens"])
	}
	if _, ok := b["stream"]; ok {
		t.Error("a non-streamed request must not ask to stream")
	}
	tools := b["tools"].([]any)
	fn := tools[0].(map[string]any)["function"].(map[string]any)
	if tools[0].(map[string]any)["type"] != "function" || fn["name"] != "forecast" || fn["description"] != "Forecast for a city" ||
		fn["parameters"].(map[string]any)["required"].([]any)[0] != "city" {
		t.Errorf("tools %v", tools)
	}
	rf := b["response_format"].(map[string]any)
	js := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "weather" || js["schema"].(map[string]any)["type"] != "object" {
		t.Errorf("response_format %v", rf)
	}
	msgs := b["messages"].([]any)
	if len(msgs) != 4 {
		t.Fatalf("messages %v", msgs)
	}
	roles := []string{}
	for _, m := range msgs {
		roles = append(roles, m.(map[string]any)["role"].(string))
	}
	if strings.Join(roles, ",") != "system,user,assistant,tool" {
		t.Errorf("roles %v", roles)
	}
	asst := msgs[2].(map[string]any)
	call := asst["tool_calls"].([]any)[0].(map[string]any)
	if call["id"] != "call_1" || call["type"] != "function" || call["function"].(map[string]any)["arguments"] != `{"city":"Paris"}` {
		t.Errorf("assistant tool call %v", call)
	}
	tool := msgs[3].(map[string]any)
	if tool["tool_call_id"] != "call_1" || tool["content"] != `{"temp":21}` {
		t.Errorf("tool message %v", tool)
	}
}

func TestConfigDefaultsAndMaxCompletionTokens(t *testing.T) {
	var w wire
	base := w.serve(t, 200, "application/json", completionJSON)
	m := newModel(t, base, func(c *openai.Config) {
		c.Temperature, c.MaxTokens, c.MaxCompletionTokens = ptr(0.7), 55, true
	})
	if _, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if w.body["temperature"] != 0.7 || w.body["max_completion_tokens"] != 55.0 || w.body["max_tokens"] != nil {
		t.Errorf("defaults not applied: %v", w.body)
	}
	if w.body["tools"] != nil || w.body["response_format"] != nil {
		t.Errorf("no tools or schema were asked for: %v", w.body)
	}
	if m.Describe() != "openai/gpt-test" {
		t.Errorf("describe %q", m.Describe())
	}
	b, _ := json.Marshal(m)
	if strings.Contains(string(b), key) || string(b) != `"openai/gpt-test"` {
		t.Errorf("the model marshals as %s", b)
	}
}

// streamSSE is a real chat completions stream: role chunk, text pieces, a tool call whose
// arguments arrive in three pieces, a second tool call, the finish chunk, usage, [DONE].
const streamSSE = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"content":"Let me"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"content":" check."},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Oslo\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"time","arguments":"{}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":7,"total_tokens":27}}

data: [DONE]

`

func TestStreamDeliversTextInOrderAndAssemblesToolCalls(t *testing.T) {
	var w wire
	m := newModel(t, w.serve(t, 200, "text/event-stream", streamSSE), nil)
	var deltas []string
	resp, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "weather?"}}},
		func(s string) { deltas = append(deltas, s) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(deltas, []string{"Let me", " check."}) {
		t.Errorf("deltas %q", deltas)
	}
	want := llm.Response{
		Message: llm.Message{Role: llm.Assistant, Content: "Let me check.", ToolCalls: []llm.ToolCall{
			{ID: "call_a", Name: "weather", Arguments: map[string]any{"city": "Oslo"}},
			{ID: "call_b", Name: "time", Arguments: map[string]any{}},
		}},
		StopReason: "tool_calls", Usage: llm.Usage{InputTokens: 20, OutputTokens: 7},
	}
	if !reflect.DeepEqual(resp, want) {
		t.Fatalf("response\n got %+v\nwant %+v", resp, want)
	}
	if w.body["stream"] != true || w.body["stream_options"].(map[string]any)["include_usage"] != true {
		t.Errorf("stream request %v", w.body)
	}
}

func TestErrorsNameProviderAndOperationButNotTheKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		stream bool
		want   []string
		code   int
	}{
		{"unauthorized", 401, `{"error":{"message":"Incorrect API key provided: ` + key + `","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, false,
			[]string{"openai/gpt-test", "chat completion", "401", "Incorrect API key provided"}, 401},
		{"stream refused", 429, `{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, true,
			[]string{"openai/gpt-test", "stream chat completion", "429", "Rate limit reached"}, 429},
		{"no choices", 200, `{"id":"x","object":"chat.completion","created":1,"model":"gpt-test","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}`, false,
			[]string{"the answer has no choices"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w wire
			m := newModel(t, w.serve(t, tc.status, "application/json", tc.body), nil)
			var onDelta func(string)
			if tc.stream {
				onDelta = func(string) {}
			}
			_, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, onDelta)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the API key leaked: %q", err)
			}
			var oe *openai.Error
			if !errors.As(err, &oe) || oe.StatusCode() != tc.code {
				t.Errorf("status code of %v: want %d", err, tc.code)
			}
		})
	}
}

func TestBadConfigAndRequests(t *testing.T) {
	for _, tc := range []struct {
		cfg  openai.Config
		want string
	}{
		{openai.Config{}, "model name is required"},
		{openai.Config{Model: "m", BaseURL: "ftp://x"}, `base URL "ftp://x" must start with http`},
	} {
		if _, err := openai.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	m := newModel(t, "http://127.0.0.1:1/v1", nil)
	for _, tc := range []struct {
		msgs []llm.Message
		want string
	}{
		{nil, "no messages"},
		{[]llm.Message{{Role: "robot", Content: "x"}}, `message 0: unknown role "robot"`},
		{[]llm.Message{{Role: llm.ToolRole, Content: "x"}}, "needs the id of the call"},
	} {
		_, err := m.Chat(context.Background(), llm.Request{Messages: tc.msgs}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "build the request") {
			t.Errorf("%v: got %v, want %q", tc.msgs, err, tc.want)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	srv := openaitest.New(t, openaitest.Turn{Text: "never"})
	m := newModel(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestScriptedStandIn(t *testing.T) {
	srv := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{{ID: "c1", Name: "lookup", Arguments: map[string]any{"q": "go"}}}},
		openaitest.Turn{Text: "Go is a language.", InputTokens: 40, OutputTokens: 8},
	)
	m := newModel(t, srv.URL, nil)
	var pieces []string
	r1, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "go?"}}}, func(s string) { pieces = append(pieces, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Message.ToolCalls) != 1 || r1.Message.ToolCalls[0].Arguments["q"] != "go" || len(pieces) != 0 {
		t.Fatalf("first turn %+v %q", r1, pieces)
	}
	r2, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "go?"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Message.Content != "Go is a language." || r2.Usage != (llm.Usage{InputTokens: 40, OutputTokens: 8}) {
		t.Fatalf("second turn %+v", r2)
	}
	if len(srv.Requests()) != 2 || srv.Remaining() != 0 {
		t.Fatalf("requests %d remaining %d", len(srv.Requests()), srv.Remaining())
	}
}

// chatAnswered chats with a model whose server answers plain, or streamed when stream is set.
func chatAnswered(t *testing.T, stream bool, plain, streamed string) (llm.Response, error) {
	t.Helper()
	var w wire
	base := w.serve(t, 200, "application/json", plain)
	if stream {
		base = w.serve(t, 200, "text/event-stream", streamed)
	}
	resp, _, err := chat(t, newModel(t, base, nil), stream)
	return resp, err
}

func chat(t *testing.T, m *openai.Model, stream bool) (llm.Response, []string, error) {
	t.Helper()
	var deltas []string
	var onDelta func(string)
	if stream {
		onDelta = func(s string) { deltas = append(deltas, s) }
	}
	resp, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, onDelta)
	return resp, deltas, err
}

// A stream that stops before its finish chunk (the connection closed cleanly mid-answer)
// or a body that is no event stream at all (a gateway that ignores stream: true) is an
// incomplete answer, not a short or empty one.
func TestStreamThatEndsEarlyIsAnError(t *testing.T) {
	cut := strings.SplitN(streamSSE, `"finish_reason":"tool_calls"`, 2)[0]
	cut = cut[:strings.LastIndex(cut, "data: ")]
	for _, tc := range []struct {
		name, ctype, body string
		want              string
	}{
		{"cut mid-answer", "text/event-stream", cut, "the stream ended before the answer was complete"},
		{"text only, no finish", "text/event-stream", `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"The answer is"},"finish_reason":null}]}` + "\n\n", "the stream ended before the answer was complete"},
		{"JSON instead of a stream", "application/json", completionJSON, `answered with Content-Type "application/json" instead of an event stream`},
		{"HTML instead of a stream", "text/html", "<html>nginx</html>", `answered with Content-Type "text/html" instead of an event stream`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w wire
			m := newModel(t, w.serve(t, 200, tc.ctype, tc.body), nil)
			resp, _, err := chat(t, m, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "openai/gpt-test: stream chat completion") {
				t.Fatalf("got %+v, %v; want an error %q", resp, err, tc.want)
			}
		})
	}
	var w wire
	m := newModel(t, w.serve(t, 200, "text/html", "<html>nginx</html>"), nil)
	if _, _, err := chat(t, m, false); err == nil || !strings.Contains(err.Error(), `answered with Content-Type "text/html" instead of JSON (is base_url the API root, ending in /v1?)`) {
		t.Fatalf("HTML to a plain request: %v", err)
	}
}

// A request that outlives the model's own timeout says so; it is not the run's deadline
// (context.DeadlineExceeded, which the engine reports as such).
func TestRequestTimeoutIsNamed(t *testing.T) {
	m := newModel(t, llmtest.Silent(t)+"/v1", func(c *openai.Config) { c.Timeout = 50 * time.Millisecond })
	for _, stream := range []bool{false, true} {
		_, _, err := chat(t, m, stream)
		if err == nil || !strings.Contains(err.Error(), "no answer within the model's timeout of 50ms (it covers the whole answer, also a streamed one") || !strings.Contains(err.Error(), "openai/gpt-test") {
			t.Errorf("stream %v: %v", stream, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stream %v: the timeout reads as the run's deadline: %v", stream, err)
		}
	}
}

// Ollama's /v1 numbers every tool call of a streamed turn 0; calls with different ids are
// still different calls.
func TestStreamToolCallsSharingAnIndex(t *testing.T) {
	body := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"write","arguments":"{\"path\":\"a.py\"}"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"b.py\"}"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: [DONE]

`
	resp := streamed(t, body)
	want := []llm.ToolCall{
		{ID: "call_a", Name: "write", Arguments: map[string]any{"path": "a.py"}},
		{ID: "call_b", Name: "write", Arguments: map[string]any{"path": "b.py"}},
	}
	if !reflect.DeepEqual(resp.Message.ToolCalls, want) {
		t.Fatalf("tool calls\n got %+v\nwant %+v", resp.Message.ToolCalls, want)
	}
}

// Arguments that are not a JSON object (malformed, or cut off at max_tokens) do not fail
// the request: the call comes back marked Invalid, with the rest of the answer, so an
// agent can tell the model.
func TestInvalidToolArgumentsAreMarkedNotFatal(t *testing.T) {
	plain := `{"id":"x","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"q\": \"Par"}},` +
		`{"id":"c2","type":"function","function":{"name":"f","arguments":"[1,2]"}},` +
		`{"id":"c3","type":"function","function":{"name":"f","arguments":"{\"q\":\"ok\"}"}}]}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	streamed := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{\"q\": \"Par"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c2","type":"function","function":{"name":"f","arguments":"[1,2]"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":2,"id":"c3","type":"function","function":{"name":"f","arguments":"{\"q\":\"ok\"}"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}

data: [DONE]

`
	for _, stream := range []bool{false, true} {
		resp, err := chatAnswered(t, stream, plain, streamed)
		if err != nil {
			t.Fatalf("stream %v: %v", stream, err)
		}
		calls := resp.Message.ToolCalls
		if len(calls) != 3 || resp.Usage.OutputTokens != 4 {
			t.Fatalf("stream %v: %+v", stream, resp)
		}
		if c := calls[0]; !strings.Contains(c.Invalid, `not valid JSON: unexpected end of JSON input: "{\"q\": \"Par"`) || len(c.Arguments) != 0 || c.Arguments == nil {
			t.Errorf("stream %v: cut-off arguments %+v", stream, c)
		}
		if c := calls[1]; !strings.Contains(c.Invalid, `not an object: "[1,2]"`) || c.Arguments == nil {
			t.Errorf("stream %v: list arguments %+v", stream, c)
		}
		if c := calls[2]; c.Invalid != "" || c.Arguments["q"] != "ok" {
			t.Errorf("stream %v: valid arguments %+v", stream, c)
		}
	}
}

// A refusal (structured output the model declines to give) is an error naming it whether
// the answer is streamed or not; streamed, it was an empty answer.
func TestRefusalStreamedOrNot(t *testing.T) {
	plain := `{"id":"x","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null,"refusal":"I can't help with that."}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	streamed := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"I can't"},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":" help with that."},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: [DONE]

`
	for _, stream := range []bool{false, true} {
		resp, err := chatAnswered(t, stream, plain, streamed)
		if err == nil || !strings.Contains(err.Error(), "the model refused: I can't help with that.") {
			t.Errorf("stream %v: %+v, %v", stream, resp, err)
		}
	}
}

// Some OpenAI-compatible servers repeat the function name on every tool_calls delta of a
// call (OpenAI sends it once). The name is the one repeated, not the pieces run together,
// which would name a tool that does not exist.
func TestStreamToolCallNameRepeatedInEveryDelta(t *testing.T) {
	body := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"get_weather","arguments":"{\"city\":"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"\"Paris\"}"}}]},"finish_reason":null}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: [DONE]

`
	resp := streamed(t, body)
	want := []llm.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: map[string]any{"city": "Paris"}}}
	if !reflect.DeepEqual(resp.Message.ToolCalls, want) {
		t.Fatalf("tool calls\n got %+v\nwant %+v", resp.Message.ToolCalls, want)
	}
}

// An API's error message is bounded in the error's text (a gateway may put a whole page in
// it), and the key stays out of it even where the bound cuts.
func TestLongErrorMessageIsCut(t *testing.T) {
	long := key + " " + strings.Repeat("é", 30000)
	for _, stream := range []bool{false, true} {
		var w wire
		m := newModel(t, w.serve(t, 400, "application/json", `{"error":{"message":"`+long+`","type":"invalid_request_error"}}`), nil)
		_, _, err := chat(t, m, stream)
		if err == nil {
			t.Fatal("no error")
		}
		s := err.Error()
		if len(s) > 1200 || !utf8.ValidString(s) || strings.Contains(s, key) || !strings.Contains(s, "400") ||
			!strings.Contains(s, "bytes in all]") {
			t.Fatalf("stream=%v: error of %d bytes: %.400s", stream, len(s), s)
		}
	}
}

// A 404 without an API error naming what is missing is a wrong path: the usual cause is a
// base_url without /v1 (Ollama's http://localhost:11434). A 404 naming the model is not.
func TestNotFoundPathSuggestsTheBaseURL(t *testing.T) {
	const hint = "(no such endpoint: is base_url the API root, ending in /v1?)"
	var w wire
	m := newModel(t, w.serve(t, 404, "text/plain", "404 page not found"), nil)
	if _, _, err := chat(t, m, true); err == nil || !strings.Contains(err.Error(), hint) {
		t.Errorf("wrong path: %v", err)
	}
	m = newModel(t, w.serve(t, 404, "application/json", `{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error"}}`), nil)
	if _, _, err := chat(t, m, false); err == nil || strings.Contains(err.Error(), hint) || !strings.Contains(err.Error(), `model "llama9" not found`) {
		t.Errorf("missing model: %v", err)
	}
}

// A rate-limited request that used up its retries says so, with the wait the API asked for.
func TestRateLimitSaysHowLongToWait(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests"}}`)
	}))
	t.Cleanup(srv.Close)
	for _, stream := range []bool{false, true} {
		_, _, err := chat(t, newModel(t, srv.URL+"/v1", nil), stream)
		if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "Rate limit reached") ||
			!strings.Contains(err.Error(), "the API asks to wait 20s before retrying; raise the model's max_retries") {
			t.Errorf("stream=%v: %v", stream, err)
		}
	}
}

// Some servers in front of open models send a call's arguments encoded twice: a JSON string
// holding the JSON object. The object inside is the arguments; a string holding anything
// else is still not an object.
func TestToolArgumentsEncodedTwice(t *testing.T) {
	plain := `{"id":"x","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"c1","type":"function","function":{"name":"f","arguments":"\"{\\\"city\\\": \\\"Zürich\\\"}\""}},` +
		`{"id":"c2","type":"function","function":{"name":"f","arguments":"\"Zürich\""}}]}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	resp, err := chatAnswered(t, false, plain, "")
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.Message.ToolCalls
	if len(calls) != 2 || calls[0].Invalid != "" || calls[0].Arguments["city"] != "Zürich" {
		t.Fatalf("calls %+v", calls)
	}
	if c := calls[1]; !strings.Contains(c.Invalid, "not an object") || len(c.Arguments) != 0 {
		t.Errorf("a string that holds no object: %+v", c)
	}
}

// Some compatible servers (Gemini's OpenAI endpoint behind some proxies, LocalAI) never send
// a finish reason but end the stream properly with data: [DONE]. That answer is complete;
// a stream cut before [DONE] is still an error.
func TestStreamEndedByDoneWithoutFinishReason(t *testing.T) {
	chunks := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"}}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" [DONE] world"}}]}

`
	var w wire
	_, _, err := chat(t, newModel(t, w.serve(t, 200, "text/event-stream", chunks), nil), true)
	if err == nil || !strings.Contains(err.Error(), "the stream ended before the answer was complete") {
		t.Fatalf("cut stream: %v", err)
	}
	resp, deltas, err := chat(t, newModel(t, w.serve(t, 200, "text/event-stream", chunks+"data: [DONE]\n\n"), nil), true)
	if err != nil || resp.Message.Content != "Hello [DONE] world" || len(deltas) != 2 || resp.StopReason != "stop" {
		t.Fatalf("answer %+v deltas %q: %v", resp, deltas, err)
	}
	calls := `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"k1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}

data:[DONE]

`
	resp, _, err = chat(t, newModel(t, w.serve(t, 200, "text/event-stream", calls), nil), true)
	if err != nil || len(resp.Message.ToolCalls) != 1 || resp.StopReason != "tool_calls" {
		t.Fatalf("tool call answer %+v: %v", resp, err)
	}
}

// streamed answers a streaming chat with the event stream body and returns the response.
func streamed(t *testing.T, body string) llm.Response {
	t.Helper()
	var w wire
	m := newModel(t, w.serve(t, 200, "text/event-stream", body), nil)
	resp, _, err := chat(t, m, true)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// A streamed answer that stalls after its first pieces fails once it has been silent for the
// model's idle timeout, not the whole timeout, saying so and naming the setting; one that
// never starts (no headers, or headers and nothing more) says it did not start. Neither
// reads as the run's deadline.
func TestStreamIdleTimeout(t *testing.T) {
	events := llmtest.Events(streamSSE)
	idle := func(c *openai.Config) { c.Timeout = 20 * time.Second; c.IdleTimeout = 100 * time.Millisecond }
	for _, tc := range []struct {
		name, base string
		deltas     []string
		want       string
	}{
		{"stalled after the first pieces", llmtest.Stream(t, events[:2], 0, true), []string{"Let me"},
			"the answer stalled: nothing more came for 100ms, the model's idle_timeout"},
		{"headers but no piece", llmtest.Stream(t, nil, 0, true), nil,
			"the answer did not start within 100ms, the model's idle_timeout"},
		{"no headers", llmtest.Silent(t), nil, "the answer did not start within 100ms, the model's idle_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, deltas, err := chat(t, newModel(t, tc.base+"/v1", idle), true)
			llmtest.WantIdleTimeout(t, err, tc.want, "openai/gpt-test: stream chat completion", deltas, tc.deltas)
		})
	}
}

// The idle timeout bounds the silence, not the answer: a stream whose pieces keep coming
// may take longer in all, and a plain (not streamed) answer, which comes whole once
// written, is bounded by timeout only.
func TestIdleTimeoutBoundsSilenceOnly(t *testing.T) {
	events := llmtest.Events(streamSSE)
	// every piece comes well within the idle timeout; all of them take longer than it
	paced := llmtest.Stream(t, append(append([]string{}, events[:1]...), append(repeat(events[1], 30), events[2:]...)...), 50*time.Millisecond, false)
	m := newModel(t, paced+"/v1", func(c *openai.Config) { c.IdleTimeout = time.Second })
	resp, deltas, err := chat(t, m, true)
	if err != nil || len(deltas) != 31 || resp.StopReason != "tool_calls" {
		t.Fatalf("paced stream: %d deltas, %+v, %v", len(deltas), resp, err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, completionJSON)
	}))
	t.Cleanup(slow.Close)
	m = newModel(t, slow.URL+"/v1", func(c *openai.Config) { c.IdleTimeout = 50 * time.Millisecond })
	if resp, _, err := chat(t, m, false); err != nil || resp.Message.Content != "Checking." {
		t.Fatalf("plain answer slower than the idle timeout: %+v %v", resp, err)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// A tool call's whole number beyond 2^53 (an order id) reaches the tool to the digit, also
// when a server encodes the arguments twice; float64 would turn 9007199254740993 into …992.
func TestToolArgumentsKeepBigWholeNumbersExact(t *testing.T) {
	plain := `{"id":"x","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"order\": 9007199254740993, \"n\": 2}"}},` +
		`{"id":"c2","type":"function","function":{"name":"f","arguments":"\"{\\\"order\\\": 9007199254740993}\""}}]}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	resp, err := chatAnswered(t, false, plain, "")
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.Message.ToolCalls
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	for _, c := range calls {
		if c.Invalid != "" || c.Arguments["order"] != int64(9007199254740993) {
			t.Errorf("call %s arguments %#v (%s), want the order id exact", c.ID, c.Arguments, c.Invalid)
		}
	}
	if calls[0].Arguments["n"] != 2.0 {
		t.Errorf("small numbers stay float64: %#v", calls[0].Arguments)
	}
}
