package ai_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/anthropic/anthropictest"
	"polysynergy/shared/llm/llmtest"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

// modelFrom runs a model node and returns its service.
func modelFrom(t *testing.T, id string, in map[string]any) llm.Model {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), typ(t, id), in, nodetest.Options{})
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	m, ok := out["model"].(llm.Model)
	if !ok {
		t.Fatalf("%s: model output is %T", id, out["model"])
	}
	return m
}

func TestModelNodes(t *testing.T) {
	for _, tc := range []struct {
		id       string
		in       map[string]any
		describe string
		port     string // error port, when an error is expected
		want     string
	}{
		{"ai.openai", map[string]any{"api_key": "sk-1"}, "openai/gpt-4o-mini", "", ""},
		{"ai.openai", map[string]any{"api_key": "sk-1", "model": "gpt-4.1", "temperature": 0.5, "max_tokens": 100.0}, "openai/gpt-4.1", "", ""},
		{"ai.anthropic", map[string]any{"api_key": "k"}, "anthropic/claude-sonnet-4-5", "", ""},
		{"ai.mistral", map[string]any{"api_key": "k"}, "mistral/mistral-small-latest", "", ""},
		{"ai.ollama", map[string]any{}, "ollama/llama3.2", "", ""},
		{"ai.openai_compatible", map[string]any{"base_url": "https://llm.example.com/v1/", "model": "qwen"}, "openai-compatible/qwen", "", ""},
		{"ai.openai", map[string]any{}, "", "api_key", "an API key is required"},
		{"ai.anthropic", map[string]any{"api_key": "  "}, "", "api_key", "an API key is required"},
		{"ai.openai", map[string]any{"api_key": "k", "model": ""}, "", "model", "a model name is required"},
		{"ai.openai_compatible", map[string]any{"model": "m"}, "", "base_url", "base URL is required"},
		{"ai.openai", map[string]any{"api_key": "k", "base_url": "localhost:8080"}, "", "base_url", "must start with http"},
		{"ai.openai", map[string]any{"api_key": "k", "temperature": 3.0}, "", "temperature", "between 0 and 2"},
		{"ai.openai", map[string]any{"api_key": "k", "temperature": "hot"}, "", "temperature", "expected a number"},
		{"ai.openai", map[string]any{"api_key": "k", "max_tokens": -1.0}, "", "max_tokens", "must not be negative"},
		{"ai.openai", map[string]any{"api_key": "k", "timeout": 0.0}, "", "timeout", "between 0 and 3600"},
		{"ai.mistral", map[string]any{"api_key": "k", "max_retries": 11.0}, "", "max_retries", "between 0 and 10"},
		{"ai.openai", map[string]any{"api_key": "k", "idle_timeout": -1.0}, "", "idle_timeout", "between 0 (off: wait up to timeout) and 3600"},
		{"ai.anthropic", map[string]any{"api_key": "k", "idle_timeout": "soon"}, "", "idle_timeout", "expected a number"},
	} {
		t.Run(tc.id+"/"+tc.describe+tc.port, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ(t, tc.id), tc.in, nodetest.Options{})
			if tc.port != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.port || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error on %s saying %q", err, tc.port, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, ok := out["model"].(llm.Model)
			if !ok || m.Describe() != tc.describe {
				t.Fatalf("model %v", out["model"])
			}
		})
	}
}

func TestModelNodesSpeakTheirAPIs(t *testing.T) {
	oai := openaitest.New(t, openaitest.Turn{Text: "hi from openai"})
	m := modelFrom(t, "ai.openai", map[string]any{"api_key": "sk-live", "model": "gpt-x", "base_url": oai.URL,
		"temperature": 0.1, "max_tokens": 77.0, netguard.PortName: true})
	r, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, nil)
	if err != nil || r.Message.Content != "hi from openai" {
		t.Fatalf("%+v %v", r, err)
	}
	body := oai.Requests()[0]
	if body["model"] != "gpt-x" || body["temperature"] != 0.1 || body["max_completion_tokens"] != 77.0 {
		t.Errorf("openai request %v", body)
	}
	if oai.Headers()[0].Get("Authorization") != "Bearer sk-live" {
		t.Errorf("authorization %q", oai.Headers()[0].Get("Authorization"))
	}

	mis := openaitest.New(t, openaitest.Turn{Text: "bonjour"})
	m = modelFrom(t, "ai.mistral", map[string]any{"api_key": "k", "base_url": mis.URL, "max_tokens": 12.0, netguard.PortName: true})
	if r, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, func(string) {}); err != nil || r.Message.Content != "bonjour" || r.Usage.InputTokens != 10 {
		t.Fatalf("%+v %v", r, err)
	}
	if b := mis.Requests()[0]; b["max_tokens"] != 12.0 || b["model"] != "mistral-small-latest" || b["stream"] != true || b["stream_options"] != nil {
		t.Errorf("mistral request %v", b)
	}

	ollama := openaitest.New(t, openaitest.Turn{Text: "local"})
	m = modelFrom(t, "ai.ollama", map[string]any{"base_url": ollama.URL}) // allowed by default
	if r, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, nil); err != nil || r.Message.Content != "local" {
		t.Fatalf("%+v %v", r, err)
	}
	if h := ollama.Headers()[0].Get("Authorization"); h != "" {
		t.Errorf("no key was given, yet authorization %q", h)
	}

	ant := anthropictest.New(t, anthropictest.Turn{Text: "hi from claude"})
	m = modelFrom(t, "ai.anthropic", map[string]any{"api_key": "ak", "base_url": ant.URL, netguard.PortName: true})
	if r, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, nil); err != nil || r.Message.Content != "hi from claude" {
		t.Fatalf("%+v %v", r, err)
	}
}

// Without allow_private_network a model on a loopback address is refused by the guard.
func TestModelNodesGuardPrivateAddresses(t *testing.T) {
	srv := openaitest.New(t, openaitest.Turn{Text: "should not be reached"})
	m := modelFrom(t, "ai.openai", map[string]any{"api_key": "sk-1", "base_url": srv.URL, "max_retries": 0.0})
	_, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}, nil)
	var be *netguard.BlockedError
	if !errors.As(err, &be) || be.Reason != "loopback" || !strings.Contains(err.Error(), "allow_private_network") {
		t.Fatalf("want the guard's refusal, got %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Fatal("the request reached the server")
	}
}

// A model node's idle_timeout reaches its provider: a streamed answer that stalls after its
// first piece fails after that long, naming the setting, not after the whole timeout; 0
// leaves only timeout.
func TestModelNodesIdleTimeout(t *testing.T) {
	oaiEvents := []string{
		`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}`,
	}
	antEvents := []string{
		"event: message_start\n" + `data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}`,
		"event: content_block_start\n" + `data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		"event: content_block_delta\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}`,
	}
	for _, tc := range []struct {
		id, base string
	}{
		{"ai.openai", llmtest.Stream(t, oaiEvents, 0, true) + "/v1"},
		{"ai.anthropic", llmtest.Stream(t, antEvents, 0, true)},
	} {
		t.Run(tc.id, func(t *testing.T) {
			in := map[string]any{"api_key": "k", "base_url": tc.base, "max_retries": 0.0, netguard.PortName: true}
			chat := func(m llm.Model) (string, error) {
				var got strings.Builder
				_, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}},
					func(s string) { got.WriteString(s) })
				return got.String(), err
			}
			in["timeout"], in["idle_timeout"] = 30.0, 0.1
			got, err := chat(modelFrom(t, tc.id, in))
			if got != "Hel" || err == nil || !strings.Contains(err.Error(), "nothing more came for 100ms, the model's idle_timeout") {
				t.Fatalf("idle_timeout 0.1: %q, %v", got, err)
			}
			in["timeout"], in["idle_timeout"] = 0.3, 0.0
			if _, err := chat(modelFrom(t, tc.id, in)); err == nil || !strings.Contains(err.Error(), "no answer within the model's timeout of 300ms") {
				t.Fatalf("idle_timeout 0: %v", err)
			}
		})
	}
}
