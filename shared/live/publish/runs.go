package publish

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// ForRuns returns the runs executor's publisher factory: each run's events go to the flow's
// subscribers, and the publisher is closed (everything sent) when the run ends or pauses,
// before the function returns. A nil client means no live events.
func ForRuns(st Subscribers, client Poster, log *slog.Logger) runs.PublisherFunc {
	if client == nil {
		return nil
	}
	shared := &subscriberCache{st: st, ttl: DefaultSubscriberTTL, entries: map[store.FlowKey]cachedSubs{}}
	return func(ctx context.Context, ref runs.RunRef) engine.Publisher {
		p, err := NewPublisher(PublisherConfig{Flow: store.FlowKey{Tenant: ref.Tenant, Project: ref.Project, Flow: ref.Flow},
			Store: shared, Client: client, Logger: log})
		if err != nil {
			if log != nil {
				log.Error("live publisher", "flow", ref.Flow, "err", err)
			}
			return nil
		}
		return closeAtEnd{p}
	}
}

// closeAtEnd flushes the publisher when its run ends or pauses.
type closeAtEnd struct{ p *Publisher }

func (c closeAtEnd) Publish(ctx context.Context, ev engine.Event) {
	c.p.Publish(ctx, ev)
	if ev.Type == engine.EventRunEnd || ev.Type == engine.EventRunPaused {
		_ = c.p.Close(context.WithoutCancel(ctx))
	}
}

// subscriberCache shares each flow's subscriber list between the publishers of its runs for
// a second, so a busy route does not query its subscribers on every request. One read per
// flow is in flight at a time: while it runs, other runs use the previous list (or, with
// none yet, wait for it) instead of all querying at once when the list expires.
type subscriberCache struct {
	st      Subscribers
	ttl     time.Duration
	mu      sync.Mutex
	entries map[store.FlowKey]cachedSubs
}

type cachedSubs struct {
	ids     []string
	at      time.Time     // zero: never read
	loading chan struct{} // closed when the read in flight ends
}

func (c *subscriberCache) ListSubscribers(ctx context.Context, k store.FlowKey) ([]string, error) {
	for {
		c.mu.Lock()
		e := c.entries[k]
		switch {
		case !e.at.IsZero() && time.Since(e.at) < c.ttl:
			c.mu.Unlock()
			return e.ids, nil
		case e.loading != nil && !e.at.IsZero():
			c.mu.Unlock()
			return e.ids, nil // stale for the moment the fresh list takes
		case e.loading != nil:
			ch := e.loading
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		e.loading = ch
		c.entries[k] = e
		c.mu.Unlock()
		ids, err := c.st.ListSubscribers(ctx, k)
		c.mu.Lock()
		if cur, ok := c.entries[k]; ok && cur.loading == ch {
			if err == nil {
				c.entries[k] = cachedSubs{ids: ids, at: time.Now()}
			} else {
				cur.loading = nil
				c.entries[k] = cur
			}
		}
		c.mu.Unlock()
		close(ch)
		return ids, err
	}
}

func (c *subscriberCache) DeleteConnection(ctx context.Context, id string) error {
	c.mu.Lock()
	clear(c.entries) // a gone connection may be in any flow's list
	c.mu.Unlock()
	return c.st.DeleteConnection(ctx, id)
}
