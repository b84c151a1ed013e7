package variables

import (
	"fmt"
	"sort"
	"sync"

	"polysynergy/shared/nodes"
)

// ServiceKind is the service kind the Store node provides: its output port has type
// nodes.ServiceType(ServiceKind), "service:kv".
const ServiceKind = "kv"

// KV is what store_set and store_get need from a key/value service. Store implements it;
// other providers (a persistent store, say) may too.
type KV interface {
	// Get returns the value under key and whether there is one.
	Get(key string) (any, bool)
	// Set stores value under key and returns the value it replaced, if any.
	Set(key string, value any) (previous any, existed bool)
}

// Store is a run-scoped, in-memory key/value store, safe for concurrent use by the nodes
// of one run. Values are copied in and out, so callers never share a value with it.
type Store struct {
	mu sync.Mutex
	m  map[string]any
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{m: map[string]any{}} }

// Get returns a copy of the value under key and whether there is one.
func (s *Store) Get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return nodes.Clone(v), ok
}

// Set stores a copy of value under key and returns the value it replaced.
func (s *Store) Set(key string, value any) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.m[key]
	s.m[key] = nodes.Clone(value)
	return prev, ok
}

// Delete removes key and reports whether it was there.
func (s *Store) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	delete(s.m, key)
	return ok
}

// Keys returns the keys in sorted order.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len is the number of keys.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Describe is how run results show the store (a service instance is not data).
func (s *Store) Describe() string {
	n := s.Len()
	if n == 1 {
		return "<kv store: 1 key>"
	}
	return fmt.Sprintf("<kv store: %d keys>", n)
}
