package ai_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

func openaiModel(t *testing.T, srv *openaitest.Server) llm.Model {
	t.Helper()
	return modelFrom(t, "ai.openai", map[string]any{"api_key": "sk-test", "model": "gpt-test", "base_url": srv.URL,
		"max_retries": 0.0, netguard.PortName: true})
}

// tokens returns the text of the token chunks streamed, in order.
func tokens(h *nodetest.Host) []string {
	var out []string
	for _, c := range h.Streamed {
		m := c.(map[string]any)
		if m["kind"] == "token" {
			out = append(out, m["text"].(string))
		}
	}
	return out
}

func TestChat(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{"category": map[string]any{"type": "string"}}}
	for _, tc := range []struct {
		name   string
		turn   openaitest.Turn
		in     map[string]any
		text   string
		data   any
		stream []string
		check  func(t *testing.T, body map[string]any)
	}{
		{name: "prompt and system", turn: openaitest.Turn{Text: "Paris.", InputTokens: 20, OutputTokens: 2},
			in:   map[string]any{"system": "Answer in one word.", "prompt": "Capital of France?"},
			text: "Paris.",
			check: func(t *testing.T, b map[string]any) {
				msgs := b["messages"].([]any)
				if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "Capital of France?" {
					t.Errorf("messages %v", msgs)
				}
				if b["stream"] != nil {
					t.Error("stream is off by default")
				}
			}},
		{name: "messages list and overrides", turn: openaitest.Turn{Text: "You said hello."},
			in: map[string]any{"messages": []any{
				map[string]any{"role": "user", "content": "hello"}, map[string]any{"role": "assistant", "content": "hi!"}},
				"prompt": "What did I say?", "temperature": 0.0, "max_tokens": 20.0},
			text: "You said hello.",
			check: func(t *testing.T, b map[string]any) {
				if len(b["messages"].([]any)) != 3 || b["temperature"] != 0.0 || b["max_completion_tokens"] != 20.0 {
					t.Errorf("request %v", b)
				}
			}},
		{name: "structured", turn: openaitest.Turn{Text: `{"category": "billing"}`},
			in:   map[string]any{"prompt": "My invoice is wrong", "output_schema": schema, "schema_name": "ticket"},
			text: `{"category": "billing"}`, data: map[string]any{"category": "billing"},
			check: func(t *testing.T, b map[string]any) {
				js := b["response_format"].(map[string]any)["json_schema"].(map[string]any)
				if js["name"] != "ticket" || !reflect.DeepEqual(js["schema"], schema) {
					t.Errorf("response_format %v", b["response_format"])
				}
			}},
		{name: "structured in a fence", turn: openaitest.Turn{Text: "```json\n{\"category\": \"tech\"}\n```"},
			in:   map[string]any{"prompt": "x", "output_schema": `{"type":"object"}`},
			text: "```json\n{\"category\": \"tech\"}\n```", data: map[string]any{"category": "tech"}},
		{name: "streamed", turn: openaitest.Turn{Text: "one two three"},
			in: map[string]any{"prompt": "count", "stream": true}, text: "one two three", stream: []string{"one", " two", " three"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := openaitest.New(t, tc.turn)
			in := map[string]any{"model": openaiModel(t, srv)}
			for k, v := range tc.in {
				in[k] = v
			}
			out, err, h := nodetest.Run(context.Background(), typ(t, "ai.chat"), in, nodetest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if out["text"] != tc.text || !reflect.DeepEqual(out["data"], tc.data) {
				t.Fatalf("text %q data %v", out["text"], out["data"])
			}
			u := out["usage"].(map[string]any)
			if u["total_tokens"] != u["input_tokens"].(float64)+u["output_tokens"].(float64) || u["input_tokens"].(float64) == 0 {
				t.Errorf("usage %v", u)
			}
			if out["message"].(map[string]any)["role"] != "assistant" {
				t.Errorf("message %v", out["message"])
			}
			if got := tokens(h); !reflect.DeepEqual(got, tc.stream) {
				t.Errorf("streamed %q, want %q", got, tc.stream)
			}
			for _, c := range h.Streamed {
				if c.(map[string]any)["node"] != "node" {
					t.Errorf("chunk without the node handle: %v", c)
				}
			}
			if tc.check != nil {
				tc.check(t, srv.Requests()[0])
			}
		})
	}
}

func TestChatErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		turn *openaitest.Turn
		in   map[string]any
		port string
		want string
	}{
		{name: "no model", in: map[string]any{"prompt": "x", "model": "gpt"}, port: "model", want: "expected a chat model service"},
		{name: "nothing to ask", in: map[string]any{"system": "be nice"}, port: "prompt", want: "nothing to ask"},
		{name: "bad message", in: map[string]any{"messages": []any{map[string]any{"role": "robot", "content": "x"}}}, port: "messages", want: `item 0: role "robot"`},
		{name: "message not object", in: map[string]any{"messages": []any{"hi"}}, port: "messages", want: "expected {role, content}"},
		{name: "content not text", in: map[string]any{"messages": []any{map[string]any{"role": "user", "content": 3.0}}}, port: "messages", want: "content must be text"},
		{name: "schema not object", in: map[string]any{"prompt": "x", "output_schema": map[string]any{"type": "array"}}, port: "output_schema", want: `type "object"`},
		{name: "schema not JSON", in: map[string]any{"prompt": "x", "output_schema": "{nope"}, port: "output_schema", want: "not a JSON schema"},
		{name: "temperature", in: map[string]any{"prompt": "x", "temperature": -1.0}, port: "temperature", want: "between 0 and 2"},
		{name: "not JSON", turn: &openaitest.Turn{Text: "Sure! The category is billing."},
			in: map[string]any{"prompt": "x", "output_schema": map[string]any{"type": "object"}}, want: "not valid JSON for output_schema"},
		{name: "JSON but not object", turn: &openaitest.Turn{Text: `["billing"]`},
			in: map[string]any{"prompt": "x", "output_schema": map[string]any{"type": "object"}}, want: "not an object"},
		{name: "API error", turn: &openaitest.Turn{Status: 400, Text: "model not found"},
			in: map[string]any{"prompt": "x"}, want: "openai/gpt-test: chat completion: OpenAI API error: 400 Bad Request: model not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var turns []openaitest.Turn
			if tc.turn != nil {
				turns = append(turns, *tc.turn)
			}
			srv := openaitest.New(t, turns...)
			in := map[string]any{"model": openaiModel(t, srv)}
			for k, v := range tc.in {
				in[k] = v
			}
			_, err, _ := nodetest.Run(context.Background(), typ(t, "ai.chat"), in, nodetest.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var ie *nodes.InputError
			if tc.port != "" && (!errors.As(err, &ie) || ie.Port != tc.port) {
				t.Fatalf("error %v does not name port %s", err, tc.port)
			}
		})
	}
}

func TestChatTrigger(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trigger any
		in      map[string]any
		want    map[string]any
		err     string
	}{
		{"object", map[string]any{"message": "hi", "session": "s1", "user": "ada"}, nil,
			map[string]any{"message": "hi", "session": "s1", "user": "ada"}, ""},
		{"text alias and run id session", map[string]any{"text": "hello"}, nil,
			map[string]any{"message": "hello", "session": "run1", "user": ""}, ""},
		{"plain string", "just text", nil, map[string]any{"message": "just text", "session": "run1", "user": ""}, ""},
		{"test inputs", nil, map[string]any{"test_message": "try", "test_session": "t", "test_user": "me"},
			map[string]any{"message": "try", "session": "t", "user": "me"}, ""},
		{"empty", nil, nil, nil, "the chat message is empty"},
		{"message not text", map[string]any{"message": 3.0}, nil, nil, `needs "message" text`},
		{"wrong shape", []any{"x"}, nil, nil, "must be {"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ(t, "ai.chat_trigger"), tc.in, nodetest.Options{Trigger: tc.trigger})
			if tc.err != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != "message" || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q on message", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(map[string]any(out), tc.want) {
				t.Fatalf("got %v, want %v", out, tc.want)
			}
		})
	}
}

// An answer cut off at max_tokens is flagged: a warning on the node's log, and a structured
// answer that does not parse says why.
func TestChatAnswerCutOffAtMaxTokens(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{"category": map[string]any{"type": "string"}}}
	for _, stream := range []bool{false, true} {
		srv := openaitest.New(t,
			openaitest.Turn{Text: "Once upon a", Finish: "length", OutputTokens: 3},
			openaitest.Turn{Text: `{"category": "bil`, Finish: "length", OutputTokens: 4},
		)
		model := openaiModel(t, srv)
		out, err, h := nodetest.Run(context.Background(), typ(t, "ai.chat"), map[string]any{"model": model, "prompt": "a story", "stream": stream}, nodetest.Options{})
		if err != nil || out["text"] != "Once upon a" {
			t.Fatalf("stream %v: %v %v", stream, out, err)
		}
		if !strings.Contains(strings.Join(h.Logs, "\n"), "warn: the answer was cut off at the max_tokens limit (3 tokens written)") {
			t.Errorf("stream %v: logs %v", stream, h.Logs)
		}
		_, err, _ = nodetest.Run(context.Background(), typ(t, "ai.chat"), map[string]any{"model": model, "prompt": "classify", "output_schema": schema, "stream": stream}, nodetest.Options{})
		if err == nil || !strings.Contains(err.Error(), "not valid JSON for output_schema") ||
			!strings.Contains(err.Error(), "the answer was cut off at the max_tokens limit (4 tokens written); raise max_tokens") {
			t.Errorf("stream %v: structured answer cut off: %v", stream, err)
		}
	}
}
