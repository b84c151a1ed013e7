package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/anthropic"
	"polysynergy/shared/llm/anthropic/anthropictest"
	"polysynergy/shared/llm/llmtest"
)

const key = "sk-ant-test-SECRET-987654321"

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
		w.path, w.header = r.URL.Path, r.Header.Clone()
		_ = json.Unmarshal(b, &w.body)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", ctype)
		rw.WriteHeader(status)
		_, _ = io.WriteString(rw, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func newModel(t *testing.T, base string, mod func(*anthropic.Config)) *anthropic.Model {
	t.Helper()
	cfg := anthropic.Config{BaseURL: base, APIKey: key, Model: "claude-test"}
	if mod != nil {
		mod(&cfg)
	}
	m, err := anthropic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr(f float64) *float64 { return &f }

const messageJSON = `{
  "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-test",
  "content": [
    {"type": "text", "text": "I'll look that up."},
    {"type": "tool_use", "id": "toolu_2", "name": "forecast", "input": {"city": "Paris", "days": 2}}
  ],
  "stop_reason": "tool_use", "stop_sequence": null,
  "usage": {"input_tokens": 52, "output_tokens": 17, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
}`

func TestMessagesRequestAndToolUseResponse(t *testing.T) {
	var w wire
	m := newModel(t, w.serve(t, 200, "application/json", messageJSON), nil)
	resp, err := m.Chat(context.Background(), llm.Request{
		Messages: []llm.Message{
			{Role: llm.System, Content: "Be brief."},
			{Role: llm.User, Content: "Weather in Paris and Rome?"},
			{Role: llm.Assistant, Content: "Checking both.", ToolCalls: []llm.ToolCall{
				{ID: "toolu_a", Name: "weather", Arguments: map[string]any{"city": "Paris"}},
				{ID: "toolu_b", Name: "weather", Arguments: map[string]any{"city": "Rome"}},
			}},
			{Role: llm.ToolRole, ToolCallID: "toolu_a", Content: `{"temp":21}`},
			{Role: llm.ToolRole, ToolCallID: "toolu_b", Content: `{"temp":25}`},
		},
		Tools: []llm.ToolSpec{{Name: "forecast", Description: "Forecast", Parameters: map[string]any{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []any{"city"},
			"additionalProperties": false}}},
		Temperature: ptr(0.3), MaxTokens: 500,
		Output: &llm.OutputSchema{Name: "w", Schema: map[string]any{"type": "object"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Response{
		Message: llm.Message{Role: llm.Assistant, Content: "I'll look that up.",
			ToolCalls: []llm.ToolCall{{ID: "toolu_2", Name: "forecast", Arguments: map[string]any{"city": "Paris", "days": 2.0}}}},
		StopReason: "tool_use", Usage: llm.Usage{InputTokens: 52, OutputTokens: 17},
	}
	if !reflect.DeepEqual(resp, want) {
		t.Fatalf("response\n got %+v\nwant %+v", resp, want)
	}
	if w.path != "/v1/messages" {
		t.Errorf("path %q", w.path)
	}
	if !strings.Contains(w.header.Get("Authorization")+w.header.Get("X-Api-Key"), key) || w.header.Get("Anthropic-Version") == "" {
		t.Errorf("auth headers %v", w.header)
	}
	b := w.body
	if b["model"] != "claude-test" || b["max_tokens"] != 500.0 || b["temperature"] != 0.3 {
		t.Errorf("model/max_tokens/temperature %v %v %v", b["model"], b["max_tokens"], b["temperature"])
	}
	sys := b["system"].([]any)[0].(map[string]any)
	if sys["text"] != "Be brief." {
		t.Errorf("system %v", b["system"])
	}
	msgs := b["messages"].([]any)
	if len(msgs) != 3 {
		t.Fatalf("want user, assistant, user(tool results); got %v", msgs)
	}
	asst := msgs[1].(map[string]any)
	blocks := asst["content"].([]any)
	if asst["role"] != "assistant" || len(blocks) != 3 || blocks[1].(map[string]any)["type"] != "tool_use" ||
		blocks[2].(map[string]any)["input"].(map[string]any)["city"] != "Rome" {
		t.Errorf("assistant turn %v", asst)
	}
	results := msgs[2].(map[string]any)["content"].([]any)
	if msgs[2].(map[string]any)["role"] != "user" || len(results) != 2 ||
		results[0].(map[string]any)["type"] != "tool_result" || results[1].(map[string]any)["tool_use_id"] != "toolu_b" {
		t.Errorf("tool results %v", msgs[2])
	}
	tool := b["tools"].([]any)[0].(map[string]any)
	schema := tool["input_schema"].(map[string]any)
	if tool["name"] != "forecast" || schema["type"] != "object" || schema["required"].([]any)[0] != "city" ||
		schema["additionalProperties"] != false || schema["properties"].(map[string]any)["city"] == nil {
		t.Errorf("tool %v", tool)
	}
	format := b["output_config"].(map[string]any)["format"].(map[string]any)
	if format["type"] != "json_schema" || format["schema"].(map[string]any)["type"] != "object" {
		t.Errorf("output_config %v", b["output_config"])
	}
}

const streamEvents = `event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type":"ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay,"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" checking."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Os"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"lo\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":33}}

event: message_stop
data: {"type":"message_stop"}

`

func TestStreamTextDeltasAndInputJSON(t *testing.T) {
	var w wire
	m := newModel(t, w.serve(t, 200, "text/event-stream", streamEvents), nil)
	var deltas []string
	resp, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "weather?"}}},
		func(s string) { deltas = append(deltas, s) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(deltas, []string{"Okay,", " checking."}) {
		t.Errorf("deltas %q", deltas)
	}
	want := llm.Response{
		Message: llm.Message{Role: llm.Assistant, Content: "Okay, checking.",
			ToolCalls: []llm.ToolCall{{ID: "toolu_9", Name: "weather", Arguments: map[string]any{"city": "Oslo"}}}},
		StopReason: "tool_use", Usage: llm.Usage{InputTokens: 25, OutputTokens: 33},
	}
	if !reflect.DeepEqual(resp, want) {
		t.Fatalf("response\n got %+v\nwant %+v", resp, want)
	}
	if w.body["stream"] != true || w.body["max_tokens"] != float64(anthropic.DefaultMaxTokens) {
		t.Errorf("request %v", w.body)
	}
	if _, ok := w.body["temperature"]; ok {
		t.Error("no temperature was set")
	}
}

func TestErrorsAndValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		stream bool
		want   []string
		code   int
	}{
		{"auth", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key ` + key + `"}}`, false,
			[]string{"anthropic/claude-test", "create message", "401", "authentication_error"}, 401},
		{"overloaded stream", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, true,
			[]string{"stream message", "529", "Overloaded"}, 529},
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
			var ae *anthropic.Error
			if !errors.As(err, &ae) || ae.StatusCode() != tc.code {
				t.Errorf("status of %v: want %d", err, tc.code)
			}
		})
	}
	for _, tc := range []struct {
		cfg  anthropic.Config
		want string
	}{
		{anthropic.Config{APIKey: "k"}, "model name is required"},
		{anthropic.Config{Model: "m"}, "API key is required"},
		{anthropic.Config{Model: "m", APIKey: "k", BaseURL: "api.anthropic.com"}, "must start with http"},
	} {
		if _, err := anthropic.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	m := newModel(t, "http://127.0.0.1:1", nil)
	for _, tc := range []struct {
		msgs []llm.Message
		want string
	}{
		{[]llm.Message{{Role: llm.System, Content: "only a system prompt"}}, "no user or assistant messages"},
		{[]llm.Message{{Role: "robot"}}, `unknown role "robot"`},
		{[]llm.Message{{Role: llm.ToolRole, Content: "x"}}, "needs the id of the call"},
	} {
		if _, err := m.Chat(context.Background(), llm.Request{Messages: tc.msgs}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.msgs, err, tc.want)
		}
	}
	b, _ := json.Marshal(m)
	if string(b) != `"anthropic/claude-test"` {
		t.Errorf("marshals as %s", b)
	}
}

func TestScriptedStandIn(t *testing.T) {
	srv := anthropictest.New(t,
		anthropictest.Turn{Text: "Let me look.", Calls: []anthropictest.Call{{ID: "tu1", Name: "lookup", Input: map[string]any{"q": "go"}}}},
		anthropictest.Turn{Text: "Go is a language."},
	)
	m := newModel(t, srv.URL, func(c *anthropic.Config) { c.MaxTokens = 99 })
	var pieces []string
	r1, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "go?"}}}, func(s string) { pieces = append(pieces, s) })
	if err != nil {
		t.Fatal(err)
	}
	if r1.Message.Content != "Let me look." || len(r1.Message.ToolCalls) != 1 || r1.Message.ToolCalls[0].Arguments["q"] != "go" ||
		strings.Join(pieces, "|") != "Let| me| look." {
		t.Fatalf("first turn %+v %q", r1, pieces)
	}
	r2, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "go?"}}}, nil)
	if err != nil || r2.Message.Content != "Go is a language." || r2.Usage.InputTokens != 12 {
		t.Fatalf("second turn %+v %v", r2, err)
	}
	if srv.Requests()[0]["max_tokens"] != 99.0 {
		t.Errorf("max tokens from the config: %v", srv.Requests()[0]["max_tokens"])
	}
}

func chat(t *testing.T, m *anthropic.Model, stream bool) (llm.Response, error) {
	t.Helper()
	var onDelta func(string)
	if stream {
		onDelta = func(string) {}
	}
	return m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, onDelta)
}

// A stream that stops before message_delta (the connection closed cleanly mid-answer) or
// a body that is no event stream is an incomplete answer, not a short or empty one.
func TestStreamThatEndsEarlyIsAnError(t *testing.T) {
	cut := streamEvents[:strings.Index(streamEvents, "event: content_block_stop")]
	for _, tc := range []struct {
		name, ctype, body string
		want              string
	}{
		{"cut mid-answer", "text/event-stream", cut, "the stream ended before the answer was complete"},
		{"JSON instead of a stream", "application/json", messageJSON, `answered with Content-Type "application/json" instead of an event stream`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w wire
			resp, err := chat(t, newModel(t, w.serve(t, 200, tc.ctype, tc.body), nil), true)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "anthropic/claude-test: stream message") {
				t.Fatalf("got %+v, %v; want an error %q", resp, err, tc.want)
			}
		})
	}
	var w wire
	if _, err := chat(t, newModel(t, w.serve(t, 200, "text/html", "<html>nginx</html>"), nil), false); err == nil ||
		!strings.Contains(err.Error(), `answered with Content-Type "text/html" instead of JSON`) {
		t.Fatalf("HTML to a plain request: %v", err)
	}
}

// A request that outlives the model's own timeout says so; it is not the run's deadline.
func TestRequestTimeoutIsNamed(t *testing.T) {
	m := newModel(t, llmtest.Silent(t), func(c *anthropic.Config) { c.Timeout = 50 * time.Millisecond })
	for _, stream := range []bool{false, true} {
		_, err := chat(t, m, stream)
		if err == nil || !strings.Contains(err.Error(), "no answer within the model's timeout of 50ms (it covers the whole answer, also a streamed one") || !strings.Contains(err.Error(), "anthropic/claude-test") {
			t.Errorf("stream %v: %v", stream, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("stream %v: the timeout reads as the run's deadline: %v", stream, err)
		}
	}
}

// A tool_use input that is not a JSON object (cut off at max_tokens) does not fail the
// request: the call comes back marked Invalid so an agent can tell the model.
func TestInvalidToolInputIsMarkedNotFatal(t *testing.T) {
	cut := strings.Replace(streamEvents, `"partial_json":"lo\"}"`, `"partial_json":"lo"`, 1)
	cut = strings.Replace(cut, `"stop_reason":"tool_use"`, `"stop_reason":"max_tokens"`, 1)
	var w wire
	resp, err := chat(t, newModel(t, w.serve(t, 200, "text/event-stream", cut), nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Message.ToolCalls) != 1 || resp.StopReason != "max_tokens" || resp.Message.Content != "Okay, checking." {
		t.Fatalf("response %+v", resp)
	}
	if c := resp.Message.ToolCalls[0]; c.ID != "toolu_9" || c.Arguments == nil || len(c.Arguments) != 0 ||
		!strings.Contains(c.Invalid, `not valid JSON: unexpected end of JSON input: "{\"city\": \"Oslo"`) {
		t.Fatalf("call %+v", c)
	}
}

// A proxy's error page (kilobytes of HTML) does not become a kilobytes-long error.
func TestLongErrorBodyIsCut(t *testing.T) {
	var w wire
	page := "<html><body>502 Bad Gateway" + strings.Repeat(" padding", 10000) + "</body></html>"
	_, err := chat(t, newModel(t, w.serve(t, 502, "text/html", page), func(c *anthropic.Config) { c.MaxRetries = 0 }), false)
	if err == nil || !strings.Contains(err.Error(), "anthropic/claude-test: create message") || !strings.Contains(err.Error(), "502") ||
		len(err.Error()) > 1100 || !strings.Contains(err.Error(), "bytes in all]") {
		t.Fatalf("error (%d bytes): %.300s", len(fmt.Sprint(err)), err)
	}
}

// The API refuses empty text anywhere in a conversation ("messages: text content blocks must
// be non-empty"). A tool that answers nothing (an HTTP 204) and an empty answer kept in
// memory are ordinary, and must not make every later request of the session fail: an empty
// tool result goes without content, an empty assistant turn is left out.
func TestEmptyTextIsNotSent(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			srv := anthropictest.New(t, anthropictest.Turn{Text: "ok"})
			m := newModel(t, srv.URL, nil)
			msgs := []llm.Message{
				{Role: llm.User, Content: "first question"},
				{Role: llm.Assistant, Content: ""}, // an empty answer remembered
				{Role: llm.User, Content: "ping the hook"},
				{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "t1", Name: "hook", Arguments: map[string]any{}}}},
				{Role: llm.ToolRole, ToolCallID: "t1", Name: "hook", Content: ""}, // nothing came back
				{Role: llm.Assistant, Content: "\n "},                             // only whitespace, refused as well
				{Role: llm.User, Content: " "},
				{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "t2", Name: "hook", Arguments: map[string]any{}}}},
				{Role: llm.ToolRole, ToolCallID: "t2", Name: "hook", Content: "\n"},
			}
			var onDelta func(string)
			if stream {
				onDelta = func(string) {}
			}
			resp, err := m.Chat(context.Background(), llm.Request{Messages: msgs}, onDelta)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Message.Content != "ok" {
				t.Fatalf("answer %q", resp.Message.Content)
			}
			sent := srv.Requests()[0]["messages"].([]any)
			if len(sent) != 5 {
				t.Fatalf("want user (both questions), assistant tool_use, user tool_result, assistant tool_use, user tool_result; sent %v", sent)
			}
			first := sent[0].(map[string]any)["content"].([]any)
			if len(first) != 2 || first[0].(map[string]any)["text"] != "first question" || first[1].(map[string]any)["text"] != "ping the hook" {
				t.Fatalf("the questions around the empty answer: %v", first)
			}
			for i, id := range map[int]string{2: "t1", 4: "t2"} {
				blocks := sent[i].(map[string]any)["content"].([]any)
				if res := blocks[0].(map[string]any); len(blocks) != 1 || res["type"] != "tool_result" || res["tool_use_id"] != id || res["content"] != nil {
					t.Fatalf("message %d: %v", i, blocks)
				}
			}
		})
	}
}

// A 404 that names nothing missing is a wrong path (a base_url ending in /v1 asks for
// /v1/v1/messages); a 404 naming the model is not.
func TestNotFoundPathSuggestsTheBaseURL(t *testing.T) {
	const hint = "no such endpoint (is base_url the API root, without /v1?)"
	var w wire
	m := newModel(t, w.serve(t, 404, "application/json", `{"type":"error","error":{"type":"not_found_error","message":"Not Found"}}`)+"/v1", nil)
	if _, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, nil); err == nil ||
		!strings.Contains(err.Error(), hint) {
		t.Errorf("wrong path: %v", err)
	}
	m = newModel(t, w.serve(t, 404, "application/json", `{"type":"error","error":{"type":"not_found_error","message":"model: claude-nine"}}`), nil)
	if _, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, nil); err == nil ||
		strings.Contains(err.Error(), hint) || !strings.Contains(err.Error(), "model: claude-nine") {
		t.Errorf("missing model: %v", err)
	}
}

// A rate-limited request that used up its retries says so, with the wait the API asked for.
func TestRateLimitSaysHowLongToWait(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"`+strings.Repeat("Number of request tokens has exceeded your rate limit. ", 40)+`"}}`)
	}))
	t.Cleanup(srv.Close)
	m := newModel(t, srv.URL, nil)
	_, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "429") ||
		!strings.HasSuffix(err.Error(), "(rate limited: the API asks to wait 30s before retrying; raise the model's max_retries or send fewer requests)") {
		t.Errorf("%v", err)
	}
}

// An error event in a stream that began well (the API overloaded mid-answer) says so, not
// the "200 OK" the stream started with.
func TestErrorEventMidStreamIsNamed(t *testing.T) {
	body := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}}\n\n" +
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	var w wire
	_, err := chat(t, newModel(t, w.serve(t, 200, "text/event-stream", body), func(c *anthropic.Config) { c.MaxRetries = 0 }), true)
	if err == nil || !strings.Contains(err.Error(), "anthropic/claude-test: stream message: the API broke off the answer with an error: overloaded_error: Overloaded (the API is overloaded for now") ||
		strings.Contains(err.Error(), "200 OK") {
		t.Fatalf("error: %v", err)
	}
}

// A conversation ending in an answer to continue (a prefill) is sent without the answer's
// trailing white space, which the API refuses ("final assistant content cannot end with
// trailing whitespace"); earlier answers keep theirs.
func TestFinalAssistantTextLosesTrailingSpace(t *testing.T) {
	var w wire
	m := newModel(t, w.serve(t, 200, "application/json", messageJSON), nil)
	_, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{
		{Role: llm.User, Content: "a"}, {Role: llm.Assistant, Content: "kept \n"},
		{Role: llm.User, Content: "b"}, {Role: llm.Assistant, Content: "Sure, the list:\n  "},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.body["messages"].([]any)
	text := func(i int) string {
		return msgs[i].(map[string]any)["content"].([]any)[0].(map[string]any)["text"].(string)
	}
	if len(msgs) != 4 || text(1) != "kept \n" || text(3) != "Sure, the list:" {
		t.Fatalf("messages sent: %v", msgs)
	}
}

// A streamed answer that stalls after its first events fails once it has been silent for the
// model's idle timeout, not the whole timeout, saying so and naming the setting; one that
// never starts says it did not start. Neither reads as the run's deadline.
func TestStreamIdleTimeout(t *testing.T) {
	events := llmtest.Events(streamEvents)
	idle := func(c *anthropic.Config) { c.Timeout = 20 * time.Second; c.IdleTimeout = 100 * time.Millisecond }
	for _, tc := range []struct {
		name, base string
		deltas     []string
		want       string
	}{
		// message_start, the text block, a ping and the first text: then nothing
		{"stalled after the first pieces", llmtest.Stream(t, events[:4], 0, true), []string{"Okay,"},
			"the answer stalled: nothing more came for 100ms, the model's idle_timeout"},
		{"headers but no event", llmtest.Stream(t, nil, 0, true), nil,
			"the answer did not start within 100ms, the model's idle_timeout"},
		{"no headers", llmtest.Silent(t), nil, "the answer did not start within 100ms, the model's idle_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deltas []string
			_, err := newModel(t, tc.base, idle).Chat(context.Background(),
				llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}}, func(s string) { deltas = append(deltas, s) })
			llmtest.WantIdleTimeout(t, err, tc.want, "anthropic/claude-test: stream message", deltas, tc.deltas)
		})
	}
}

// The idle timeout bounds the silence, not the answer: a stream whose events keep coming
// (pings, as the API sends while a model thinks) may take longer in all, and a plain answer,
// which comes whole once written, is bounded by timeout only.
func TestIdleTimeoutBoundsSilenceOnly(t *testing.T) {
	events := llmtest.Events(streamEvents)
	var paced []string
	paced = append(paced, events[:2]...)
	for range 30 {
		paced = append(paced, events[2]) // ping
	}
	paced = append(paced, events[3:]...)
	m := newModel(t, llmtest.Stream(t, paced, 50*time.Millisecond, false), func(c *anthropic.Config) { c.IdleTimeout = time.Second })
	resp, err := chat(t, m, true)
	if err != nil || resp.Message.Content != "Okay, checking." {
		t.Fatalf("paced stream: %+v, %v", resp, err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, messageJSON)
	}))
	t.Cleanup(slow.Close)
	m = newModel(t, slow.URL, func(c *anthropic.Config) { c.IdleTimeout = 50 * time.Millisecond })
	if _, err := chat(t, m, false); err != nil {
		t.Fatalf("plain answer slower than the idle timeout: %v", err)
	}
}

// A tool call's whole number beyond 2^53 (an order id) reaches the tool to the digit;
// float64 would turn 9007199254740993 into …992.
func TestToolInputKeepsBigWholeNumbersExact(t *testing.T) {
	body := strings.Replace(messageJSON, `"days": 2}`, `"days": 2, "order": 9007199254740993}`, 1)
	var w wire
	resp, err := chat(t, newModel(t, w.serve(t, 200, "application/json", body), nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Message.ToolCalls) != 1 {
		t.Fatalf("calls %+v", resp.Message.ToolCalls)
	}
	args := resp.Message.ToolCalls[0].Arguments
	if args["order"] != int64(9007199254740993) || args["days"] != 2.0 {
		t.Fatalf("arguments %#v, want the order id exact and days a float64", args)
	}
}
