package anthropic_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/anthropic"
)

// FuzzStream feeds arbitrary Messages event streams to the streaming reader: it must never
// panic, and when it succeeds the answer's text is exactly the text deltas in order.
func FuzzStream(f *testing.F) {
	f.Add(streamEvents)
	f.Add("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	f.Add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":4,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n")
	f.Add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"[1,\"}}\n\n")
	f.Add("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
	f.Fuzz(func(t *testing.T, body string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		m, err := anthropic.New(anthropic.Config{BaseURL: srv.URL, APIKey: "k", Model: "m"})
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
