// Package anthropictest is a scripted stand-in for Anthropic's Messages API, for tests: an
// httptest server that answers POST /v1/messages with the next scripted turn, as a JSON
// message or, when the request asks to stream, as the event stream (message_start,
// content_block_start, content_block_delta with text_delta / input_json_delta,
// content_block_stop, message_delta, message_stop). It records every request body. Like the
// API, it refuses (400) a request offering a tool whose name is not ^[a-zA-Z0-9_-]{1,64}$,
// whose first message is not the user's, or that holds empty text (a message's content "",
// or a text block without text, also inside a tool result) or content whose text is all
// whitespace.
package anthropictest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm/llmtest"
)

// Call is a tool_use block a scripted turn makes.
type Call struct {
	ID    string
	Name  string
	Input map[string]any
}

// Turn is one scripted answer.
type Turn struct {
	// Text is the answer's text block (streamed in word pieces, or as Pieces when set).
	Text   string
	Pieces []string
	Calls  []Call
	// Status, when not 0 or 200, answers with this HTTP status and an Anthropic error body.
	Status int
	// InputTokens and OutputTokens are reported as usage (defaults 12 and 6).
	InputTokens, OutputTokens int
}

// Server is the stand-in. URL is its base URL (without /v1).
type Server struct {
	// Script plays the turns and records requests (Add, Requests, Headers, Remaining).
	*llmtest.Script[Turn]
	URL string
	srv *httptest.Server
}

// New starts a stand-in that plays turns in order; it is closed when the test ends.
func New(t testing.TB, turns ...Turn) *Server {
	s := &Server{Script: llmtest.NewScript(turns...)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		writeError(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	if i, name, bad := llmtest.RefusedToolName(r, func(t map[string]any) string {
		n, _ := t["name"].(string)
		return n
	}); bad {
		// as the API: the request is refused before it is a turn
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf(
			"tools.%d.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$' (got %q)", i, name))
		return
	}
	if first := firstRole(r); first != "" && first != "user" {
		// as the API: the conversation must start with the user
		writeError(w, http.StatusBadRequest, "invalid_request_error", `messages: first message must use the "user" role`)
		return
	}
	if why := emptyText(r); why != "" {
		// as the API: empty or only-whitespace text in the conversation is refused
		writeError(w, http.StatusBadRequest, "invalid_request_error", why)
		return
	}
	body, turn, err := s.Take(r)
	switch {
	case errors.Is(err, llmtest.ErrNoTurns):
		writeError(w, http.StatusInternalServerError, "api_error", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if turn.Status != 0 && turn.Status != http.StatusOK {
		writeError(w, turn.Status, "invalid_request_error", turn.Text)
		return
	}
	if turn.InputTokens == 0 {
		turn.InputTokens = 12
	}
	if turn.OutputTokens == 0 {
		turn.OutputTokens = 6
	}
	model, _ := body["model"].(string)
	if stream, _ := body["stream"].(bool); stream {
		writeStream(w, model, turn)
		return
	}
	writeMessage(w, model, turn)
}

// firstRole is the role of the request's first message ("" when unreadable), leaving the
// body for Take.
func firstRole(r *http.Request) string {
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var body struct {
		Messages []struct {
			Role string `json:"role"`
		} `json:"messages"`
	}
	if err != nil || json.Unmarshal(b, &body) != nil || len(body.Messages) == 0 {
		return ""
	}
	return body.Messages[0].Role
}

// emptyText returns the API's refusal of a request holding empty text ("" as a message's
// content, a text block without text, also inside a tool result), or text blocks that are
// all whitespace in one content list; "" when there is none. It leaves the body for Take.
func emptyText(r *http.Request) string {
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var body struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err != nil || json.Unmarshal(b, &body) != nil {
		return ""
	}
	const (
		empty      = "messages: text content blocks must be non-empty"
		whitespace = "messages: text content blocks must contain non-whitespace text"
	)
	var check func(raw json.RawMessage, top bool) string
	check = func(raw json.RawMessage, top bool) string {
		var text string
		if json.Unmarshal(raw, &text) == nil {
			switch {
			case top && text == "":
				return empty
			case top && strings.TrimSpace(text) == "":
				return whitespace
			}
			return ""
		}
		var blocks []struct {
			Type    string          `json:"type"`
			Text    *string         `json:"text"`
			Content json.RawMessage `json:"content"`
		}
		if json.Unmarshal(raw, &blocks) != nil {
			return ""
		}
		texts, blank := 0, 0
		for _, bl := range blocks {
			if bl.Type == "text" {
				if bl.Text == nil || *bl.Text == "" {
					return empty
				}
				texts++
				if strings.TrimSpace(*bl.Text) == "" {
					blank++
				}
			}
			if bl.Type == "tool_result" && len(bl.Content) > 0 && string(bl.Content) != "null" {
				if why := check(bl.Content, false); why != "" {
					return why
				}
			}
		}
		if texts > 0 && blank == texts {
			return whitespace
		}
		return ""
	}
	for _, m := range body.Messages {
		if why := check(m.Content, true); why != "" {
			return why
		}
	}
	return ""
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_test")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}

func stopReason(t Turn) string {
	if len(t.Calls) > 0 {
		return "tool_use"
	}
	return "end_turn"
}

func input(c Call) map[string]any {
	if c.Input == nil {
		return map[string]any{}
	}
	return c.Input
}

func usage(in, out int) map[string]any {
	return map[string]any{"input_tokens": in, "output_tokens": out, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
}

func writeMessage(w http.ResponseWriter, model string, t Turn) {
	var content []any
	if t.Text != "" || len(t.Calls) == 0 {
		content = append(content, map[string]any{"type": "text", "text": t.Text})
	}
	for _, c := range t.Calls {
		content = append(content, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": input(c)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "msg_test", "type": "message", "role": "assistant", "model": model, "content": content,
		"stop_reason": stopReason(t), "stop_sequence": nil, "usage": usage(t.InputTokens, t.OutputTokens),
	})
}

// Pieces splits text into the pieces a stream sends: words with their leading spaces.
func Pieces(text string) []string {
	var out []string
	for i, w := range strings.Split(text, " ") {
		if i > 0 {
			w = " " + w
		}
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

func writeStream(w http.ResponseWriter, model string, t Turn) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if fl != nil {
			fl.Flush()
		}
	}
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_test", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": usage(t.InputTokens, 1)}})
	index := 0
	if t.Text != "" || len(t.Pieces) > 0 {
		send("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "text", "text": ""}})
		send("ping", map[string]any{"type": "ping"})
		pieces := t.Pieces
		if pieces == nil {
			pieces = Pieces(t.Text)
		}
		for _, p := range pieces {
			send("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "text_delta", "text": p}})
		}
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		index++
	}
	for _, c := range t.Calls {
		send("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}})
		b, _ := json.Marshal(input(c))
		args := string(b)
		half := len(args) / 2
		for _, part := range []string{"", args[:half], args[half:]} {
			send("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": part}})
		}
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		index++
	}
	send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stopReason(t), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": t.OutputTokens}})
	send("message_stop", map[string]any{"type": "message_stop"})
}
