// Package llmtest holds what the provider stand-ins (openaitest, anthropictest) share: a
// script of turns played in order and the record of the requests they received.
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/llm"
)

// Script plays turns of type T in order and records each request's JSON body and
// headers. It is safe for concurrent use.
type Script[T any] struct {
	mu       sync.Mutex
	turns    []T
	requests []map[string]any
	headers  []http.Header
}

// NewScript returns a script of turns.
func NewScript[T any](turns ...T) *Script[T] { return &Script[T]{turns: turns} }

// Add appends turns to the script.
func (s *Script[T]) Add(turns ...T) {
	s.mu.Lock()
	s.turns = append(s.turns, turns...)
	s.mu.Unlock()
}

// Requests returns the decoded request bodies received so far.
func (s *Script[T]) Requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.requests...)
}

// Headers returns the request headers received so far.
func (s *Script[T]) Headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// Remaining is the number of turns not played yet.
func (s *Script[T]) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.turns)
}

// ErrBadBody and ErrNoTurns are the reasons Take refuses a request.
var (
	ErrBadBody = fmt.Errorf("body is not JSON")
	ErrNoTurns = fmt.Errorf("the script has no more turns")
)

// Take decodes r's JSON body, records it with the headers, and returns the next turn.
// It fails with ErrBadBody (nothing recorded) or ErrNoTurns (the request is recorded).
func (s *Script[T]) Take(r *http.Request) (map[string]any, T, error) {
	var zero T
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, zero, fmt.Errorf("%w: %v", ErrBadBody, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, body)
	s.headers = append(s.headers, r.Header.Clone())
	if len(s.turns) == 0 {
		return body, zero, ErrNoTurns
	}
	turn := s.turns[0]
	s.turns = s.turns[1:]
	return body, turn, nil
}

// RefusedToolName reports the first tool in r's JSON body whose name the real APIs refuse
// (they answer 400: a name must match ^[a-zA-Z0-9_-]{1,64}$), reading each tool's name with
// name. The body is left for Take to read.
func RefusedToolName(r *http.Request, name func(tool map[string]any) string) (index int, tool string, refused bool) {
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return 0, "", false
	}
	var body struct {
		Tools []map[string]any `json:"tools"`
	}
	if json.Unmarshal(b, &body) != nil {
		return 0, "", false
	}
	for i, t := range body.Tools {
		if n := name(t); !validName.MatchString(n) {
			return i, n, true
		}
	}
	return 0, "", false
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Silent starts a server that answers no request: each waits until its client gives up
// (or the test ends). It stands in for a provider past a timeout; it is closed when the
// test ends.
func Silent(t testing.TB) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL
}

// Stream starts a server that answers every request 200 with a text/event-stream body of
// events — each a whole server-sent event as the provider writes it, without the blank line
// that ends it — written and flushed one at a time, gap apart. With stall set it then sends
// nothing more, the connection open, until its client gives up (a provider whose answer
// stalled); otherwise the body ends. It is closed when the test ends.
func Stream(t testing.TB, events []string, gap time.Duration, stall bool) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		f, _ := w.(http.Flusher)
		if f != nil {
			f.Flush()
		}
		for i, ev := range events {
			if i > 0 && gap > 0 {
				select {
				case <-time.After(gap):
				case <-r.Context().Done():
					return
				}
			}
			if _, err := io.WriteString(w, strings.TrimRight(ev, "\n")+"\n\n"); err != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if stall {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL
}

// Events splits a server-sent event stream as written (events ending in a blank line) into
// its events, for Stream.
func Events(stream string) []string {
	var out []string
	for ev := range strings.SplitSeq(strings.ReplaceAll(stream, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(ev) != "" {
			out = append(out, ev)
		}
	}
	return out
}

// WantIdleTimeout fails t unless err is the idle timeout's error containing want and op (the
// provider's failing operation), told apart from the whole answer's timeout, and the stream
// delivered exactly wantDeltas before it.
func WantIdleTimeout(t testing.TB, err error, want, op string, deltas, wantDeltas []string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), op) {
		t.Fatalf("want an error %q from %s, got %v", want, op, err)
	}
	var ie *llm.IdleTimeoutError
	if !errors.As(err, &ie) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "within the model's timeout") {
		t.Fatalf("not told as the idle timeout: %v", err)
	}
	if len(deltas) != len(wantDeltas) {
		t.Errorf("deltas %q, want %q", deltas, wantDeltas)
		return
	}
	for i := range deltas {
		if deltas[i] != wantDeltas[i] {
			t.Errorf("deltas %q, want %q", deltas, wantDeltas)
			return
		}
	}
}
