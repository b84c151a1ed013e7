package vector

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm/llmtest"
)

// An embeddings endpoint's refusal carries its own message (without the key), and a request
// past the node's timeout_ms says so instead of reading as the run's deadline.
func TestEmbedderErrors(t *testing.T) {
	const key = "sk-emb-SECRET-42"
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasPrefix(r.URL.Path, "/slow/") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+
			`.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	e, err := embedderFor(t, "vector.openai_embeddings", map[string]any{"base_url": srv.URL + "/v1", "api_key": key, "allow_private_network": true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"cat"})
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Incorrect API key provided: [redacted].") ||
		strings.Contains(err.Error(), key) {
		t.Errorf("refusal: %v", err)
	}

	e, err = embedderFor(t, "vector.ollama_embeddings", map[string]any{"base_url": srv.URL + "/slow/v1", "timeout_ms": 50.0, "allow_private_network": true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"cat"})
	if err == nil || !strings.Contains(err.Error(), "embed 1 text(s) with nomic-embed-text: no answer within the embedder's timeout of 50ms") {
		t.Errorf("timeout: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the embedder's timeout reads as the run's deadline: %v", err)
	}
}

// A Qdrant request past timeout_ms says so instead of reading as the run's deadline.
func TestQdrantTimeoutIsNamed(t *testing.T) {
	_, err := qdrantRun(t, "vector.qdrant_search", llmtest.Silent(t), map[string]any{"collection": "docs", "vector": []any{0.1, 0.2}, "timeout_ms": 50.0})
	if err == nil || !strings.Contains(err.Error(), "search qdrant collection docs: no answer from Qdrant within the timeout of 50ms (timeout_ms)") {
		t.Fatalf("got %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the timeout reads as the run's deadline: %v", err)
	}
}
