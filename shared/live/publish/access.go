package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// SubscriberAccess tells whether a subscribed connection's user may still see a flow's
// runs; *store.Store implements it. A subscription is authorised once, when it is made,
// but it lives as long as the connection (up to 2 h): a member removed from the tenant
// meanwhile must not go on receiving the flow's run events. When the Subscribers given to
// NewPublisher or ForRuns also implement SubscriberAccess, each list of subscribers read is
// checked again, as the REST API checks every request: a connection whose user is no longer
// a member of the flow's tenant, or whose role may not read flows, gets nothing and loses
// that subscription.
type SubscriberAccess interface {
	GetConnection(ctx context.Context, id string) (store.Connection, error)
	GetMembership(ctx context.Context, tenant, sub string) (store.Membership, error)
	Unsubscribe(ctx context.Context, connID string, k store.FlowKey) error
}

var _ SubscriberAccess = (*store.Store)(nil)

// maxKnownConns bounds the connection → user cache of an accessFilter.
const maxKnownConns = 10000

// accessFilter drops the subscribers who may no longer see a flow. A connection's user
// never changes, so it is read once per connection; memberships are read on every check.
type accessFilter struct {
	st  SubscriberAccess
	log *slog.Logger

	mu    sync.Mutex
	users map[string]string // connection → sub
}

func newAccessFilter(st any, log *slog.Logger) *accessFilter {
	a, ok := st.(SubscriberAccess)
	if !ok {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	return &accessFilter{st: a, log: log, users: map[string]string{}}
}

// allowed returns the ids of the connections whose user may read flow k's runs, in order,
// and unsubscribes the others. A connection that is gone or expired is left out (it would
// answer 410). An error reading the store is returned as is: the caller keeps its previous
// list rather than sending to connections it could not check.
func (f *accessFilter) allowed(ctx context.Context, k store.FlowKey, ids []string) ([]string, error) {
	if f == nil || len(ids) == 0 {
		return ids, nil
	}
	may := map[string]bool{} // sub → may read the flow
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		sub, known, err := f.user(ctx, id)
		if err != nil {
			return nil, err
		}
		if !known {
			continue
		}
		ok, seen := may[sub]
		if !seen {
			m, err := f.st.GetMembership(ctx, k.Tenant, sub)
			switch {
			case err == nil:
				ok = auth.Allowed(auth.Role(m.Role), auth.ActionFlowRead)
			case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
				ok = false
			default:
				return nil, fmt.Errorf("check subscriber %s of flow %s: %w", id, k.Flow, err)
			}
			may[sub] = ok
		}
		if ok {
			out = append(out, id)
			continue
		}
		f.log.InfoContext(ctx, "live subscriber may no longer read the flow; unsubscribed", "connection", id, "sub", sub,
			"tenant", k.Tenant, "flow", k.Flow)
		if err := f.st.Unsubscribe(ctx, id, k); err != nil {
			f.log.WarnContext(ctx, "unsubscribe a subscriber who may no longer read the flow", "connection", id, "err", err)
		}
	}
	return out, nil
}

// user returns the user a connection belongs to; known is false when the connection is gone.
func (f *accessFilter) user(ctx context.Context, id string) (sub string, known bool, err error) {
	f.mu.Lock()
	sub, known = f.users[id]
	f.mu.Unlock()
	if known {
		return sub, true, nil
	}
	c, err := f.st.GetConnection(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("check subscriber %s: %w", id, err)
	}
	f.mu.Lock()
	if len(f.users) >= maxKnownConns {
		clear(f.users)
	}
	f.users[id] = c.Sub
	f.mu.Unlock()
	return c.Sub, true, nil
}

// forget drops a gone connection from the cache.
func (f *accessFilter) forget(id string) {
	if f == nil {
		return
	}
	f.mu.Lock()
	delete(f.users, id)
	f.mu.Unlock()
}
