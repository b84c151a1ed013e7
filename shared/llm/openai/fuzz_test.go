package openai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/openai"
)

// FuzzStream feeds arbitrary server-sent event bodies to the streaming reader: it must
// never panic, and when it succeeds the answer's text is exactly the deltas in order.
func FuzzStream(f *testing.F) {
	f.Add(streamSSE)
	f.Add("data: [DONE]\n\n")
	f.Add(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":3,"function":{"arguments":"{\"a\":"}}]}}]}` + "\n\ndata: [DONE]\n\n")
	f.Add("data: {not json}\n\n")
	f.Add(`data: {"choices":[{"index":0,"delta":{"content":"é"}}]}` + "\n\n")
	f.Fuzz(func(t *testing.T, body string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		m, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		var deltas strings.Builder
		resp, err := m.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "x"}}},
			func(s string) { deltas.WriteString(s) })
		if err != nil {
			return
		}
		if resp.Message.Content != deltas.String() {
			t.Fatalf("content %q, deltas %q", resp.Message.Content, deltas.String())
		}
		for _, c := range resp.Message.ToolCalls {
			if c.Arguments == nil {
				t.Fatalf("tool call %s without arguments map", c.ID)
			}
		}
	})
}
