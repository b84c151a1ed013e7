package ai

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/anthropic"
	"polysynergy/shared/llm/openai"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

// provider describes one model node type.
type provider struct {
	id, name, icon, vendor string
	anthropic              bool   // Messages API instead of chat completions
	baseURL                string // default base URL ("" = required input)
	model                  string // default model ("" = required input)
	keyRequired            bool
	about                  string
}

var providers = []provider{
	{id: "ai.openai", name: "OpenAI model", icon: "sparkles", vendor: "openai", baseURL: openai.DefaultBaseURL,
		model: "gpt-4o-mini", keyRequired: true,
		about: "A chat model on OpenAI's chat completions API."},
	{id: "ai.anthropic", name: "Anthropic model", icon: "sparkles", vendor: "anthropic", anthropic: true,
		baseURL: anthropic.DefaultBaseURL, model: "claude-sonnet-4-5", keyRequired: true,
		about: "A Claude chat model on Anthropic's Messages API."},
	{id: "ai.mistral", name: "Mistral model", icon: "wind", vendor: "mistral", baseURL: "https://api.mistral.ai/v1",
		model: "mistral-small-latest", keyRequired: true,
		about: "A Mistral chat model on Mistral's OpenAI-compatible API (`https://api.mistral.ai/v1`)."},
	{id: "ai.ollama", name: "Ollama model", icon: "cpu", vendor: "ollama", baseURL: "http://localhost:11434/v1",
		model: "llama3.2",
		about: "A local model served by Ollama through its OpenAI-compatible endpoint (`http://localhost:11434/v1`). " +
			"No API key is needed unless a proxy in front of Ollama asks for one."},
	{id: "ai.openai_compatible", name: "OpenAI-compatible model", icon: "plug", vendor: "openai-compatible",
		about: "A chat model behind any API that speaks OpenAI's chat completions (vLLM, LiteLLM, LM Studio, " +
			"Together, Groq, OpenRouter, Azure-style gateways…). Give its base URL (ending in `/v1`)."},
}

func (f *family) modelTypes() []*nodes.Type {
	out := make([]*nodes.Type, 0, len(providers))
	for _, p := range providers {
		out = append(out, f.modelType(p))
	}
	return out
}

func (f *family) modelType(p provider) *nodes.Type {
	var base, model any
	if p.baseURL != "" {
		base = p.baseURL
	}
	if p.model != "" {
		model = p.model
	}
	keyDoc := "The API key; use a secret, e.g. `<secret:" + strings.ToUpper(strings.ReplaceAll(p.vendor, "-", "_")) + "_API_KEY>`."
	if !p.keyRequired {
		keyDoc = "An API key, if the endpoint asks for one (sent as a bearer token)."
	}
	doc := p.about + " It is a service: connect its `model` output to the `model` input of **Chat** or " +
		"**Agent** nodes; it does not run on its own.\n\n**Inputs**\n\n" +
		"- `api_key` — " + keyDoc + "\n" +
		"- `model` — the model name" + defaultNote(p.model) + ".\n" +
		"- `temperature` — sampling temperature (0–2) used when the consuming node sets none.\n" +
		"- `max_tokens` — answer length limit used when the consuming node sets none.\n" +
		"- `base_url` — the API root" + defaultNote(p.baseURL) + "; point it at a proxy, a gateway or a test stand-in. " +
		"Loopback and private addresses need `allow_private_network`.\n" +
		"- `timeout` — seconds one request may take, the whole answer included, also a streamed one (default 120).\n" +
		"- `idle_timeout` — seconds a streamed answer may go silent: before its first piece and between two pieces " +
		"(default 60). A stream that stalls fails after this rather than after the whole `timeout`; raise it for " +
		"models that think long before answering, or set 0 to wait up to `timeout`. An answer that is not streamed " +
		"comes whole once written, so only `timeout` bounds it.\n" +
		"- `max_retries` — retries of rate-limited or failed requests, with backoff (default 2).\n" +
		"- `allow_private_network` — " + netguard.Doc + "\n\n" +
		"**Outputs**\n\n- `model` — the chat model service.\n\n" +
		"**Example**: `api_key` = `<secret:" + strings.ToUpper(strings.ReplaceAll(p.vendor, "-", "_")) + "_API_KEY>`, `model` = `" +
		firstNonEmpty(p.model, "my-model") + "`, connected to an Agent's `model`."
	return &nodes.Type{
		ID: p.id, Category: category, Name: p.name, Icon: p.icon, Service: llm.KindModel, Doc: doc,
		Inputs: []nodes.Port{
			{Name: "api_key", Type: nodes.Secret, Required: p.keyRequired, Doc: keyDoc},
			{Name: "model", Type: nodes.String, Required: true, Default: model, Doc: "The model name."},
			{Name: "temperature", Type: nodes.Number, Doc: "Sampling temperature, 0–2."},
			{Name: "max_tokens", Type: nodes.Integer, Doc: "Answer length limit in tokens."},
			{Name: "base_url", Type: nodes.String, Required: p.baseURL == "", Default: base, Doc: "The API's base URL."},
			{Name: "timeout", Type: nodes.Number, Default: 120.0, Doc: "Seconds one request may take."},
			{Name: "idle_timeout", Type: nodes.Number, Default: llm.DefaultIdleTimeout.Seconds(),
				Doc: "Seconds a streamed answer may go silent (before its first piece, between pieces); 0: up to timeout."},
			{Name: "max_retries", Type: nodes.Integer, Default: 2.0, Doc: "Retries of failed requests."},
			guardPort(p.id == "ai.ollama"),
		},
		Outputs: []nodes.Port{{Name: "model", Type: nodes.ServiceType(llm.KindModel), Doc: "The chat model service."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			m, err := f.newModel(p, c)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"model": m}, nil
		},
	}
}

func defaultNote(v string) string {
	if v == "" {
		return " (required)"
	}
	return " (default `" + v + "`)"
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// newModel validates a model node's inputs and builds its client.
func (f *family) newModel(p provider, c *nodes.Call) (llm.Model, error) {
	key := strings.TrimSpace(c.Str("api_key"))
	if p.keyRequired && key == "" {
		return nil, nodes.Errorf("api_key", "an API key is required (use a secret, e.g. <secret:%s_API_KEY>)", strings.ToUpper(p.vendor))
	}
	name := strings.TrimSpace(c.Str("model"))
	if name == "" {
		return nil, nodes.Errorf("model", "a model name is required")
	}
	base := strings.TrimRight(strings.TrimSpace(c.Str("base_url")), "/")
	if base == "" {
		base = p.baseURL
	}
	if base == "" {
		return nil, nodes.Errorf("base_url", "the API's base URL is required, e.g. https://llm.example.com/v1")
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, nodes.Errorf("base_url", "%q must start with http:// or https://", base)
	}
	var temp *float64
	if c.Has("temperature") && c.Get("temperature") != "" {
		t, err := c.Float("temperature")
		if err != nil {
			return nil, err
		}
		if t < 0 || t > 2 {
			return nil, nodes.Errorf("temperature", "must be between 0 and 2, got %v", t)
		}
		temp = &t
	}
	maxTok, err := c.IntOr("max_tokens", 0)
	if err != nil {
		return nil, err
	}
	if maxTok < 0 {
		return nil, nodes.Errorf("max_tokens", "must not be negative, got %d", maxTok)
	}
	secs, err := c.Float("timeout")
	if err != nil {
		return nil, err
	}
	if secs <= 0 || secs > 3600 {
		return nil, nodes.Errorf("timeout", "must be between 0 and 3600 seconds, got %v", secs)
	}
	idleSecs := llm.DefaultIdleTimeout.Seconds()
	if c.Has("idle_timeout") && c.Get("idle_timeout") != "" {
		if idleSecs, err = c.Float("idle_timeout"); err != nil {
			return nil, err
		}
	}
	if idleSecs < 0 || idleSecs > 3600 {
		return nil, nodes.Errorf("idle_timeout", "must be between 0 (off: wait up to timeout) and 3600 seconds, got %v", idleSecs)
	}
	if idleSecs > secs {
		// the whole request's limit comes first anyway
		idleSecs = 0
	}
	retries, err := c.IntOr("max_retries", 2)
	if err != nil {
		return nil, err
	}
	if retries < 0 || retries > 10 {
		return nil, nodes.Errorf("max_retries", "must be between 0 and 10, got %d", retries)
	}
	hc := &http.Client{Transport: f.transport(c.Bool(netguard.PortName))}
	timeout := time.Duration(secs * float64(time.Second))
	idle := time.Duration(idleSecs * float64(time.Second))
	if p.anthropic {
		m, err := anthropic.New(anthropic.Config{BaseURL: base, APIKey: key, Model: name, Temperature: temp,
			MaxTokens: maxTok, Timeout: timeout, IdleTimeout: idle, MaxRetries: retries, HTTPClient: hc})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.id, err)
		}
		return m, nil
	}
	m, err := openai.New(openai.Config{Provider: p.vendor, BaseURL: base, APIKey: key, Model: name, Temperature: temp,
		MaxTokens: maxTok, MaxCompletionTokens: p.id == "ai.openai", OmitStreamOptions: p.id == "ai.mistral", Timeout: timeout, IdleTimeout: idle,
		MaxRetries: retries, HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.id, err)
	}
	return m, nil
}

// guardPort is the allow_private_network input, on by default where the service normally
// runs on the same machine (Ollama).
func guardPort(on bool) nodes.Port {
	p := netguard.Port()
	p.Default = on
	return p
}
