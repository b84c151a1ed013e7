// Package openaitest is a scripted stand-in for an OpenAI-compatible chat completions API,
// for tests: an httptest server that answers POST /v1/chat/completions with the next
// scripted turn, as JSON or, when the request asks to stream, as server-sent events
// (role chunk, content pieces, tool_calls deltas with the arguments in pieces, a finish
// chunk, a usage chunk and data: [DONE]). It records every request body. Like the API, it
// refuses (400) a request offering a tool whose name is not ^[a-zA-Z0-9_-]{1,64}$.
package openaitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm/llmtest"
)

// Call is a tool call a scripted turn makes.
type Call struct {
	ID        string
	Name      string
	Arguments map[string]any
	// Raw, when set, is sent as the arguments text instead of Arguments (malformed or
	// cut-off arguments, as models sometimes write).
	Raw string
}

// Turn is one scripted answer.
type Turn struct {
	// Text is the assistant's text; streamed in pieces split at spaces (each piece keeps
	// its leading space), or as Pieces when set.
	Text   string
	Pieces []string
	Calls  []Call
	// Status, when not 0 or 200, answers with this HTTP status and an OpenAI error body.
	Status int
	// InputTokens and OutputTokens are reported as usage (defaults 10 and 5).
	InputTokens, OutputTokens int
	// Finish, when set, is the finish reason (e.g. "length": cut off at max_tokens) instead
	// of "stop" or "tool_calls".
	Finish string
}

// Server is the stand-in. URL is its base URL including /v1.
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
	s.URL = s.srv.URL + "/v1"
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	if i, name, bad := llmtest.RefusedToolName(r, func(t map[string]any) string {
		fn, _ := t["function"].(map[string]any)
		n, _ := fn["name"].(string)
		return n
	}); bad {
		// as the API: the request is refused before it is a turn
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf(
			"Invalid 'tools[%d].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$', got %q.", i, name))
		return
	}
	body, turn, err := s.Take(r)
	switch {
	case errors.Is(err, llmtest.ErrNoTurns):
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
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
		turn.InputTokens = 10
	}
	if turn.OutputTokens == 0 {
		turn.OutputTokens = 5
	}
	model, _ := body["model"].(string)
	if stream, _ := body["stream"].(bool); stream {
		writeStream(w, model, turn)
		return
	}
	writeJSON(w, model, turn)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

func finish(t Turn) string {
	if t.Finish != "" {
		return t.Finish
	}
	if len(t.Calls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

func argsJSON(c Call) string {
	if c.Raw != "" {
		return c.Raw
	}
	a := c.Arguments
	if a == nil {
		a = map[string]any{}
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func writeJSON(w http.ResponseWriter, model string, t Turn) {
	msg := map[string]any{"role": "assistant", "content": t.Text, "refusal": nil}
	if len(t.Calls) > 0 {
		var calls []any
		for _, c := range t.Calls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": argsJSON(c)}})
		}
		msg["tool_calls"] = calls
		if t.Text == "" {
			msg["content"] = nil
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1764000000, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": finish(t)}},
		"usage": map[string]any{"prompt_tokens": t.InputTokens, "completion_tokens": t.OutputTokens,
			"total_tokens": t.InputTokens + t.OutputTokens},
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
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	chunk := func(delta map[string]any, fin any) map[string]any {
		return map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1764000000,
			"model": model, "choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": fin}},
			"usage": nil}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	pieces := t.Pieces
	if pieces == nil {
		pieces = Pieces(t.Text)
	}
	for _, p := range pieces {
		send(chunk(map[string]any{"content": p}, nil))
	}
	for i, c := range t.Calls {
		send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""}}}}, nil))
		args := argsJSON(c)
		half := len(args) / 2
		for _, part := range []string{args[:half], args[half:]} {
			send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i,
				"function": map[string]any{"arguments": part}}}}, nil))
		}
	}
	send(chunk(map[string]any{}, finish(t)))
	send(map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1764000000, "model": model,
		"choices": []any{}, "usage": map[string]any{"prompt_tokens": t.InputTokens, "completion_tokens": t.OutputTokens,
			"total_tokens": t.InputTokens + t.OutputTokens}})
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}
