// Package vector holds the vector-search node family: embedding model services
// (OpenAI, Mistral, Ollama and any OpenAI-compatible endpoint, through openai-go), an
// embed node, and Qdrant collections and points over Qdrant's REST API.
package vector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

const category = "Vector store"

// Register adds the vector family to r.
func Register(r *nodes.Registry) error {
	types := embedderTypes()
	types = append(types, embedType())
	types = append(types, qdrantTypes()...)
	return r.Register(types...)
}

// maxBatch is how many texts go into one embeddings request.
const maxBatch = 256

// OpenAIEmbedder embeds texts with an OpenAI-compatible /embeddings endpoint.
type OpenAIEmbedder struct {
	svc        openai.EmbeddingService
	model      string
	dimensions int
	endpoint   string
	key        string
	timeout    time.Duration // the HTTP client's, for errors
}

// NewOpenAIEmbedder returns an embedder for model at baseURL (e.g. https://api.openai.com/v1)
// using httpClient (nil: the default client). dimensions > 0 asks for shortened vectors.
// It reads no OPENAI_* environment variables.
func NewOpenAIEmbedder(baseURL, apiKey, model string, dimensions int, httpClient option.HTTPClient) *OpenAIEmbedder {
	opts := []option.RequestOption{option.WithBaseURL(baseURL), option.WithMaxRetries(2)}
	if apiKey != "" {
		opts = append(opts, option.WithAPIKey(apiKey))
	}
	e := &OpenAIEmbedder{model: model, dimensions: dimensions, endpoint: baseURL, key: apiKey}
	if httpClient != nil {
		opts = append(opts, option.WithHTTPClient(httpClient))
		if hc, ok := httpClient.(*http.Client); ok {
			e.timeout = hc.Timeout
		}
	}
	// the embeddings service alone: the client constructor would read OPENAI_* variables
	e.svc = openai.NewEmbeddingService(opts...)
	return e
}

// fail describes a failed request: the API's own message, the embedder's timeout named as
// such (context.DeadlineExceeded would read as the run's deadline), never the key.
func (e *OpenAIEmbedder) fail(ctx context.Context, n int, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("embed %d text(s) with %s: %w", n, e.model, err)
	}
	msg := err.Error()
	var ae *openai.Error
	if errors.As(err, &ae) && ae.Message != "" {
		msg += ": " + ae.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "no answer within the embedder's timeout"
		if e.timeout > 0 {
			msg += " of " + e.timeout.String()
		}
	}
	if e.key != "" {
		msg = strings.ReplaceAll(msg, e.key, "[redacted]")
	}
	return fmt.Errorf("embed %d text(s) with %s: %s", n, e.model, msg)
}

// Describe names the endpoint and model, e.g. "https://api.openai.com/v1 text-embedding-3-small".
func (e *OpenAIEmbedder) Describe() string { return e.endpoint + " " + e.model }

// Embed returns one vector per text, in order.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float64, error) {
	out := make([][]float64, 0, len(texts))
	for start := 0; start < len(texts); start += maxBatch {
		batch := texts[start:min(start+maxBatch, len(texts))]
		p := openai.EmbeddingNewParams{Model: openai.EmbeddingModel(e.model),
			Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: batch},
			EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat}
		if e.dimensions > 0 {
			p.Dimensions = openai.Int(int64(e.dimensions))
		}
		resp, err := e.svc.New(ctx, p)
		if err != nil {
			return nil, e.fail(ctx, len(batch), err)
		}
		if len(resp.Data) != len(batch) {
			return nil, fmt.Errorf("embed %d text(s) with %s: the endpoint returned %d vectors", len(batch), e.model, len(resp.Data))
		}
		data := resp.Data
		sort.Slice(data, func(i, j int) bool { return data[i].Index < data[j].Index })
		for _, d := range data {
			out = append(out, d.Embedding)
		}
	}
	return out, nil
}

var _ llm.Embedder = (*OpenAIEmbedder)(nil)

// provider is one flavour of embedding service node.
type provider struct {
	id, name, baseURL, model, doc string
	keyRequired, urlRequired      bool
}

var providers = []provider{
	{id: "openai_embeddings", name: "OpenAI embeddings", baseURL: "https://api.openai.com/v1", model: "text-embedding-3-small", keyRequired: true,
		doc: "An OpenAI embedding model (text-embedding-3-small, text-embedding-3-large, …)."},
	{id: "mistral_embeddings", name: "Mistral embeddings", baseURL: "https://api.mistral.ai/v1", model: "mistral-embed", keyRequired: true,
		doc: "A Mistral embedding model (mistral-embed) through Mistral's OpenAI-compatible API."},
	{id: "ollama_embeddings", name: "Ollama embeddings", baseURL: "http://localhost:11434/v1", model: "nomic-embed-text",
		doc: "An embedding model served by Ollama through its OpenAI-compatible `/v1` API (no key needed). " +
			"Ollama usually runs on a private address: turn on `allow_private_network`."},
	{id: "compatible_embeddings", name: "OpenAI-compatible embeddings", urlRequired: true,
		doc: "Any endpoint speaking OpenAI's `POST /embeddings` (vLLM, LocalAI, LM Studio, Azure-style gateways, …)."},
}

func embedderTypes() []*nodes.Type {
	var out []*nodes.Type
	for _, p := range providers {
		out = append(out, embedderType(p))
	}
	return out
}

func embedderType(p provider) *nodes.Type {
	var urlDefault any
	if p.baseURL != "" {
		urlDefault = p.baseURL
	}
	var modelDefault any
	if p.model != "" {
		modelDefault = p.model
	}
	return &nodes.Type{
		ID: "vector." + p.id, Category: category, Name: p.name, Icon: "binary", Service: llm.KindEmbedder,
		Doc: p.doc + " Provides an embedding model service: connect `embedder` to an **Embed** node, to Qdrant " +
			"upsert/search (to embed texts), or to an agent's memory or retrieval tools.\n\n" +
			"**Inputs**\n\n- `base_url` — the API base URL (requests go to `{base_url}/embeddings`).\n" +
			"- `api_key` — the API key (a secret).\n- `model` — the embedding model.\n" +
			"- `dimensions` — ask for shorter vectors (models that support it; empty: the model's size).\n" +
			"- `timeout_ms` — per request.\n- `allow_private_network` — " + netguard.Doc + "\n\n" +
			"**Outputs**\n\n- `embedder` — the embedding model service.\n\n" +
			"**Example**: model `" + firstNonEmpty(p.model, "bge-m3") + "` connected to Qdrant search's `embedder`, " +
			"so the search takes a `text` instead of a vector.",
		Inputs: []nodes.Port{
			{Name: "base_url", Type: nodes.String, Default: urlDefault, Required: p.urlRequired, Doc: "API base URL, e.g. https://api.openai.com/v1."},
			{Name: "api_key", Type: nodes.Secret, Required: p.keyRequired, Doc: "API key."},
			{Name: "model", Type: nodes.String, Default: modelDefault, Required: true, Doc: "Embedding model name."},
			{Name: "dimensions", Type: nodes.Integer, Doc: "Vector size to ask for (optional)."},
			{Name: "timeout_ms", Type: nodes.Integer, Default: 60000.0, Doc: "Request timeout in milliseconds."},
			netguard.Port(),
		},
		Outputs: []nodes.Port{{Name: "embedder", Type: nodes.ServiceType(llm.KindEmbedder), Doc: "The embedding model."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			base := strings.TrimRight(strings.TrimSpace(c.Str("base_url")), "/")
			if base == "" {
				return nil, nodes.Errorf("base_url", "required")
			}
			if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
				return nil, nodes.Errorf("base_url", "must be an http:// or https:// URL, got %q", base)
			}
			key := strings.TrimSpace(c.Str("api_key"))
			if p.keyRequired && key == "" {
				return nil, nodes.Errorf("api_key", "required")
			}
			model := strings.TrimSpace(c.Str("model"))
			if model == "" {
				return nil, nodes.Errorf("model", "required")
			}
			dims, err := c.IntOr("dimensions", 0)
			if err != nil {
				return nil, err
			}
			if dims < 0 {
				return nil, nodes.Errorf("dimensions", "must be positive, got %d", dims)
			}
			timeout, err := timeoutOf(c)
			if err != nil {
				return nil, err
			}
			hc := netguard.HTTPClient(c.Bool(netguard.PortName), timeout)
			return nodes.Out{"embedder": NewOpenAIEmbedder(base+"/", key, model, dims, hc)}, nil
		},
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// timeoutOf reads the timeout_ms input.
func timeoutOf(c *nodes.Call) (time.Duration, error) {
	ms, err := c.IntOr("timeout_ms", 60000)
	if err != nil {
		return 0, err
	}
	if ms <= 0 {
		return 0, nodes.Errorf("timeout_ms", "must be positive, got %d", ms)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// embedder reads a service input holding an llm.Embedder (nil when nothing is connected).
func embedder(c *nodes.Call, port string) (llm.Embedder, error) {
	v := c.Get(port)
	if v == nil {
		return nil, nil
	}
	e, ok := v.(llm.Embedder)
	if !ok {
		return nil, nodes.Errorf(port, "expected an embedding model service, got %s", nodes.Describe(v))
	}
	return e, nil
}

// texts reads a text or list of texts.
func texts(c *nodes.Call, port string) ([]string, bool, error) {
	switch v := c.Get(port).(type) {
	case nil:
		return nil, false, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, false, nil
		}
		return []string{v}, true, nil
	}
	l, err := c.List(port)
	if err != nil {
		return nil, false, nodes.Errorf(port, "expected a text or a list of texts, got %s", nodes.Describe(c.Get(port)))
	}
	out := make([]string, len(l))
	for i, it := range l {
		s, ok := it.(string)
		if !ok {
			return nil, false, nodes.Errorf(port, "item %d must be a text, got %s", i, nodes.Describe(it))
		}
		out[i] = s
	}
	return out, false, nil
}

// vectorList converts vectors to JSON-like values.
func vectorList(vs [][]float64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = floats(v)
	}
	return out
}

func floats(v []float64) []any {
	row := make([]any, len(v))
	for j, f := range v {
		row[j] = f
	}
	return row
}

func embedType() *nodes.Type {
	return &nodes.Type{
		ID: "vector.embed", Category: category, Name: "Embed", Icon: "binary",
		Doc: "Turns a text, or a list of texts, into vectors with the connected embedding model.\n\n" +
			"**Inputs**\n\n- `embedder` — an embedding model service (OpenAI, Mistral, Ollama, …).\n" +
			"- `text` — one text or a list of texts.\n\n" +
			"**Outputs**\n\n- `vectors` — one vector per text, in order.\n- `vector` — the first vector.\n" +
			"- `dimensions` — the vectors' length.\n\n" +
			"**Example**: text `[\"red shoes\", \"blue hat\"]` → `vectors` `[[0.01, …], [0.2, …]]`.",
		Inputs: []nodes.Port{
			{Name: "embedder", Type: nodes.ServiceType(llm.KindEmbedder), Required: true, Doc: "The embedding model."},
			{Name: "text", Type: nodes.Any, Required: true, Doc: "A text or a list of texts."},
		},
		Outputs: []nodes.Port{
			{Name: "vectors", Type: nodes.List, Doc: "One vector per text."},
			{Name: "vector", Type: nodes.List, Doc: "The first vector."},
			{Name: "dimensions", Type: nodes.Integer, Doc: "Vector length."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			e, err := embedder(c, "embedder")
			if err != nil {
				return nil, err
			}
			if e == nil {
				return nil, nodes.Errorf("embedder", "connect an embedding model")
			}
			ts, _, err := texts(c, "text")
			if err != nil {
				return nil, err
			}
			if len(ts) == 0 {
				return nil, nodes.Errorf("text", "required")
			}
			vs, err := e.Embed(ctx, ts)
			if err != nil {
				return nil, err
			}
			out := nodes.Out{"vectors": vectorList(vs), "vector": nil, "dimensions": 0.0}
			if len(vs) > 0 {
				out["vector"], out["dimensions"] = floats(vs[0]), float64(len(vs[0]))
			}
			return out, nil
		},
	}
}
