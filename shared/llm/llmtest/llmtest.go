// Package llmtest holds what the provider stand-ins (openaitest, anthropictest) share: a
// script of turns played in order and the record of the requests they received.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
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
