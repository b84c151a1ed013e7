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
	shared := &subscriberCache{st: st, ttl: DefaultSubscriberTTL, entries: map[store.FlowKey]cachedSubs{},
		access: newAccessFilter(st, log)}
	return func(ctx context.Context, ref runs.RunRef) engine.Publisher {
		fk := store.FlowKey{Tenant: ref.Tenant, Project: ref.Project, Flow: ref.Flow}
		return &whenWatched{flow: fk, subs: shared, log: log, open: func() (*Publisher, error) {
			return NewPublisher(PublisherConfig{Flow: fk, Store: shared, Client: client, Logger: log})
		}}
	}
}

// whenWatched is a run's publisher that opens a Publisher only when the flow may have
// subscribers: while a list read within the subscriber TTL says nobody watches the flow,
// events are dropped where they are published, without a sender, a batch or an encoding
// per run (a busy route nobody watches pays nothing for live events). That is the same
// staleness a Publisher accepts when it sends. With the list expired or never read, events
// go through a Publisher, whose sender reads the list again (one read per flow at a time),
// so a subscriber who arrived since is not missed, and the runs after it find the list
// fresh. Publish never waits for the store. Once opened, the Publisher is flushed and
// closed when the run ends or pauses, before the function returns.
type whenWatched struct {
	flow store.FlowKey
	subs *subscriberCache
	log  *slog.Logger
	open func() (*Publisher, error)

	mu     sync.Mutex
	p      *Publisher
	failed bool
}

func (w *whenWatched) Publish(ctx context.Context, ev engine.Event) {
	end := ev.Type == engine.EventRunEnd || ev.Type == engine.EventRunPaused
	w.mu.Lock()
	p := w.p
	if p == nil && !w.failed {
		if ids, fresh := w.subs.peek(w.flow); fresh && len(ids) == 0 {
			w.mu.Unlock()
			return // nobody watches: nothing to send
		}
		var err error
		if p, err = w.open(); err != nil {
			w.failed = true
			if w.log != nil {
				w.log.Error("live publisher", "flow", w.flow.Flow, "err", err)
			}
		}
		w.p = p
	}
	w.mu.Unlock()
	if p == nil {
		return
	}
	p.Publish(ctx, ev)
	if end {
		_ = p.Close(context.WithoutCancel(ctx))
	}
}

// subscriberCache shares each flow's subscriber list between the publishers of its runs for
// a second, so a busy route does not query its subscribers on every request. One read per
// flow is in flight at a time: while it runs, other runs use the previous list when it
// expired less than a TTL ago (a busy route's list, refreshed every TTL), and otherwise wait
// for it, instead of all querying at once when the list expires. A list read long ago is
// never answered: the connections of then may be gone and today's subscribers missing.
type subscriberCache struct {
	st      Subscribers
	access  *accessFilter // nil: st cannot tell who may still read a flow
	ttl     time.Duration
	mu      sync.Mutex
	entries map[store.FlowKey]cachedSubs
}

// staleFor is how many TTLs old a list may be and still be answered while it refreshes.
const staleFor = 2

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
		case e.loading != nil && !e.at.IsZero() && time.Since(e.at) < staleFor*c.ttl:
			c.mu.Unlock()
			return e.ids, nil // only just expired: stale for the moment the fresh list takes
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
		ch := c.startLoad(k, e)
		c.mu.Unlock()
		return c.load(ctx, k, ch)
	}
}

// startLoad marks a read of k's list as in flight (c.mu held).
func (c *subscriberCache) startLoad(k store.FlowKey, e cachedSubs) chan struct{} {
	ch := make(chan struct{})
	e.loading = ch
	c.entries[k] = e
	return ch
}

// load reads k's list for the read startLoad marked, keeps it unless it failed, and ends
// the read.
func (c *subscriberCache) load(ctx context.Context, k store.FlowKey, ch chan struct{}) ([]string, error) {
	ids, err := c.st.ListSubscribers(ctx, k)
	if err == nil {
		ids, err = c.access.allowed(ctx, k, ids)
	}
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

// peek answers a flow's subscriber list as cached, without reading or waiting; fresh says
// it was read within the TTL.
func (c *subscriberCache) peek(k store.FlowKey) (ids []string, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	return e.ids, !e.at.IsZero() && time.Since(e.at) < c.ttl
}

func (c *subscriberCache) DeleteConnection(ctx context.Context, id string) error {
	c.mu.Lock()
	clear(c.entries) // a gone connection may be in any flow's list
	c.mu.Unlock()
	c.access.forget(id)
	return c.st.DeleteConnection(ctx, id)
}
