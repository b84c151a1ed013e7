package mgmtapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrGone is returned for a connection the registry does not hold (never
// registered, closed, or found dead while writing to it). The Management API
// answers it with 410 GoneException.
var ErrGone = errors.New("connection gone")

// Conn is one live client connection a Registry delivers messages to. The
// gateway's WebSocket connections implement it; tests may plug in others.
type Conn interface {
	// Send delivers one message to the client. An error means the
	// connection is unusable.
	Send(ctx context.Context, msg []byte) error
	// Close ends the connection from the server side (Management API
	// DELETE). It must not block for long; the gateway reports the
	// disconnect itself.
	Close() error
}

// Identity is who is on the other end of a connection, as the Management
// API's GetConnection reports it.
type Identity struct {
	SourceIP  string
	UserAgent string
}

// Info describes a registered connection.
type Info struct {
	ConnectedAt  time.Time
	LastActiveAt time.Time
	Identity     Identity
}

type entry struct {
	conn Conn
	mu   sync.Mutex
	info Info
}

// Registry holds the live connections of a WebSocket API by connection id.
// The gateway adds and removes them; the Management API server sends to,
// describes and closes them. It is safe for concurrent use.
type Registry struct {
	now   func() time.Time
	mu    sync.RWMutex
	conns map[string]*entry
}

// NewRegistry returns an empty registry. now is the clock for LastActiveAt;
// nil means time.Now.
func NewRegistry(now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{now: now, conns: map[string]*entry{}}
}

// Add registers c under id. It fails when id is empty or already taken.
// A zero info.ConnectedAt is set to now; LastActiveAt starts at
// ConnectedAt.
func (r *Registry) Add(id string, c Conn, info Info) error {
	if id == "" {
		return errors.New("add connection: id: must not be empty")
	}
	if c == nil {
		return fmt.Errorf("add connection %s: conn: must not be nil", id)
	}
	if info.ConnectedAt.IsZero() {
		info.ConnectedAt = r.now()
	}
	if info.LastActiveAt.IsZero() {
		info.LastActiveAt = info.ConnectedAt
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.conns[id]; ok {
		return fmt.Errorf("add connection %s: id already registered", id)
	}
	r.conns[id] = &entry{conn: c, info: info}
	return nil
}

// Remove forgets id and reports whether it was registered. It does not close
// the connection.
func (r *Registry) Remove(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.conns[id]
	delete(r.conns, id)
	return ok
}

func (r *Registry) get(id string) (*entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.conns[id]
	return e, ok
}

// Send delivers msg to connection id and marks it active. An unknown id is
// ErrGone; a connection whose write fails is closed, removed and reported as
// ErrGone too, since it can never be written to again.
func (r *Registry) Send(ctx context.Context, id string, msg []byte) error {
	e, ok := r.get(id)
	if !ok {
		return fmt.Errorf("send to %s: %w", id, ErrGone)
	}
	if err := e.conn.Send(ctx, msg); err != nil {
		r.removeEntry(id, e)
		_ = e.conn.Close()
		return fmt.Errorf("send to %s: %w (%v)", id, ErrGone, err)
	}
	r.Touch(id)
	return nil
}

// removeEntry removes id only if it still maps to e.
func (r *Registry) removeEntry(id string, e *entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns[id] == e {
		delete(r.conns, id)
	}
}

// Touch records activity on id now (a message in either direction).
func (r *Registry) Touch(id string) {
	e, ok := r.get(id)
	if !ok {
		return
	}
	now := r.now()
	e.mu.Lock()
	if now.After(e.info.LastActiveAt) {
		e.info.LastActiveAt = now
	}
	e.mu.Unlock()
}

// Info describes connection id; ok is false when it is not registered.
func (r *Registry) Info(id string) (info Info, ok bool) {
	e, ok := r.get(id)
	if !ok {
		return Info{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.info, true
}

// Close removes connection id and closes it (Management API DELETE).
// An unknown id is ErrGone.
func (r *Registry) Close(id string) error {
	r.mu.Lock()
	e, ok := r.conns[id]
	delete(r.conns, id)
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("close %s: %w", id, ErrGone)
	}
	if err := e.conn.Close(); err != nil {
		return fmt.Errorf("close %s: %w", id, err)
	}
	return nil
}

// IDs returns the registered connection ids, sorted.
func (r *Registry) IDs() []string {
	r.mu.RLock()
	out := make([]string, 0, len(r.conns))
	for id := range r.conns {
		out = append(out, id)
	}
	r.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Len returns how many connections are registered.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.conns)
}

// removeIfConn removes id only while it is still registered to c.
func (r *Registry) removeIfConn(id string, c Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.conns[id]; ok && e.conn == c {
		delete(r.conns, id)
	}
}
