package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// slowSubs answers ListSubscribers after a pause, counting the reads.
type slowSubs struct {
	reads atomic.Int32
	fail  atomic.Bool
	ids   []string
}

func (s *slowSubs) ListSubscribers(ctx context.Context, _ store.FlowKey) ([]string, error) {
	s.reads.Add(1)
	time.Sleep(20 * time.Millisecond)
	if s.fail.Load() {
		return nil, errors.New("store down")
	}
	return s.ids, nil
}

func (s *slowSubs) DeleteConnection(context.Context, string) error { return nil }

func burst(t *testing.T, c *subscriberCache, n int) [][]string {
	t.Helper()
	out := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = c.ListSubscribers(context.Background(), store.FlowKey{Tenant: "t", Project: "p", Flow: "f"})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
	}
	return out
}

// A burst of runs reads a flow's subscribers once; when the list expires, one
// run refreshes it while the others use the previous list.
func TestSubscriberCacheReadsOncePerBurst(t *testing.T) {
	st := &slowSubs{ids: []string{"conn-1"}}
	c := &subscriberCache{st: st, ttl: 50 * time.Millisecond, entries: map[store.FlowKey]cachedSubs{}}
	for _, ids := range burst(t, c, 40) {
		if len(ids) != 1 || ids[0] != "conn-1" {
			t.Fatalf("ids %v", ids)
		}
	}
	if n := st.reads.Load(); n != 1 {
		t.Fatalf("%d reads for the first burst, want 1", n)
	}
	time.Sleep(60 * time.Millisecond)
	st.ids = []string{"conn-1", "conn-2"}
	stale := 0
	for _, ids := range burst(t, c, 40) {
		if len(ids) == 1 {
			stale++
		}
	}
	if n := st.reads.Load(); n != 2 {
		t.Fatalf("%d reads after expiry, want 2", n)
	}
	if stale == 0 {
		t.Log("every caller waited for the refresh") // allowed: the refresh may finish first
	}
	if ids := burst(t, c, 1)[0]; len(ids) != 2 {
		t.Fatalf("after the refresh: %v", ids)
	}
	// A failed read is not cached: the next caller reads again.
	st.fail.Store(true)
	time.Sleep(60 * time.Millisecond)
	if _, err := c.ListSubscribers(context.Background(), store.FlowKey{Flow: "other"}); err == nil {
		t.Fatal("failed read answered")
	}
	before := st.reads.Load()
	st.fail.Store(false)
	if ids, err := c.ListSubscribers(context.Background(), store.FlowKey{Flow: "other"}); err != nil || len(ids) != 2 {
		t.Fatalf("retry after failure: %v, %v", ids, err)
	}
	if st.reads.Load() != before+1 {
		t.Fatal("the failed read was cached")
	}
}

// recordingPoster keeps what was posted, per connection.
type recordingPoster struct {
	mu  sync.Mutex
	got map[string]int
}

func (r *recordingPoster) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
	_ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[*in.ConnectionId]++
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (r *recordingPoster) posts(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

// gatedSubs answers ListSubscribers with its current list, waiting while gate is closed.
type gatedSubs struct {
	mu    sync.Mutex
	ids   []string
	gate  chan struct{} // nil: answer at once
	reads atomic.Int32
}

func (g *gatedSubs) ListSubscribers(ctx context.Context, _ store.FlowKey) ([]string, error) {
	g.reads.Add(1)
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.ids), nil
}

func (g *gatedSubs) DeleteConnection(context.Context, string) error { return nil }

func runEvents(run string) []engine.Event {
	return []engine.Event{{Type: engine.EventRunStart, RunID: run, Seq: 1}, {Type: engine.EventNodeStart, RunID: run, Seq: 2},
		{Type: engine.EventNodeEnd, RunID: run, Seq: 3}, {Type: engine.EventRunEnd, RunID: run, Seq: 4}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting: %s", what)
}

// A run's events are sent while the flow has subscribers, and dropped without opening a
// publisher while a list read within the TTL says nobody watches; once that list expires,
// runs go through a publisher again, which reads the list before it sends, so a subscriber
// who arrived meanwhile gets the rest of a run; publishing never waits for the store.
func TestRunPublishersSendOnlyWhenWatched(t *testing.T) {
	subs := &gatedSubs{}
	poster := &recordingPoster{got: map[string]int{}}
	ttl := 50 * time.Millisecond
	cache := &subscriberCache{st: subs, ttl: ttl, entries: map[store.FlowKey]cachedSubs{}}
	fk := store.FlowKey{Tenant: "t", Project: "p", Flow: "f"}
	opened := atomic.Int32{}
	newRun := func() *whenWatched {
		return &whenWatched{flow: fk, subs: cache, open: func() (*Publisher, error) {
			opened.Add(1)
			return NewPublisher(PublisherConfig{Flow: fk, Store: cache, Client: poster, SubscriberTTL: ttl, Logger: slog.New(slog.DiscardHandler)})
		}}
	}
	ctx := context.Background()
	freshEmpty := func() bool { ids, fresh := cache.peek(fk); return fresh && len(ids) == 0 }

	// the list was never read: the first run goes through a publisher, which finds nobody
	w := newRun()
	for _, ev := range runEvents("r1") {
		w.Publish(ctx, ev)
	}
	if opened.Load() != 1 {
		t.Fatalf("with the subscriber list unknown, %d publishers were opened, want 1", opened.Load())
	}
	if poster.posts("conn-1") != 0 {
		t.Fatal("posted with nobody subscribed")
	}

	// nobody watches (the list was just read): runs open nothing
	waitFor(t, "a fresh empty list", freshEmpty)
	before := opened.Load()
	for i := range 20 {
		w := newRun()
		for _, ev := range runEvents(fmt.Sprintf("q%d", i)) {
			w.Publish(ctx, ev)
		}
		if !freshEmpty() {
			break // the list expired on a slow machine: the check below would not hold
		}
		if n := opened.Load(); n != before {
			t.Fatalf("a run of an unwatched flow opened a publisher (%d)", n-before)
		}
	}

	// a subscriber arrives: once the empty list has expired, a run reaches them
	subs.mu.Lock()
	subs.ids = []string{"conn-1"}
	subs.mu.Unlock()
	time.Sleep(ttl + 10*time.Millisecond)
	w = newRun()
	for _, ev := range runEvents("r2") {
		w.Publish(ctx, ev)
	}
	if poster.posts("conn-1") == 0 {
		t.Fatal("the new subscriber got nothing of the run")
	}

	// a store that does not answer never holds up a run
	gate := make(chan struct{})
	subs.mu.Lock()
	subs.gate = gate
	subs.mu.Unlock()
	time.Sleep(ttl + 10*time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := newRun()
		for _, ev := range runEvents("r3")[:3] {
			w.Publish(ctx, ev)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publishing waited for the store")
	}
	close(gate)
}

// A list read long ago is not answered while a fresh one is read: a flow nobody ran for
// minutes gets a burst of runs, and each must reach today's subscribers, not the
// connections that watched it back then (it lost whole runs' events: posts went to a
// gone connection while the open ones got nothing).
func TestSubscriberCacheDoesNotAnswerAnOldListWhileRefreshing(t *testing.T) {
	subs := &gatedSubs{ids: []string{"old-conn"}}
	ttl := 200 * time.Millisecond
	c := &subscriberCache{st: subs, ttl: ttl, entries: map[store.FlowKey]cachedSubs{}}
	fk := store.FlowKey{Tenant: "t", Project: "p", Flow: "f"}
	ctx := context.Background()
	if ids, err := c.ListSubscribers(ctx, fk); err != nil || !slices.Equal(ids, []string{"old-conn"}) {
		t.Fatalf("first read: %v %v", ids, err)
	}
	// minutes pass; the old connection left, a new one subscribed
	c.mu.Lock()
	e := c.entries[fk]
	e.at = time.Now().Add(-10 * time.Minute)
	c.entries[fk] = e
	c.mu.Unlock()
	gate := make(chan struct{})
	subs.mu.Lock()
	subs.ids, subs.gate = []string{"new-conn"}, gate
	subs.mu.Unlock()

	first := make(chan []string, 1)
	go func() { ids, _ := c.ListSubscribers(ctx, fk); first <- ids }()
	waitFor(t, "the refresh to start", func() bool { return subs.reads.Load() == 2 })
	second := make(chan []string, 1)
	go func() { ids, _ := c.ListSubscribers(ctx, fk); second <- ids }()
	select {
	case ids := <-second:
		t.Fatalf("a concurrent run got the list of 10 minutes ago (%v) instead of waiting for the refresh", ids)
	case <-time.After(100 * time.Millisecond):
	}
	close(gate)
	for _, ch := range []chan []string{first, second} {
		if ids := <-ch; !slices.Equal(ids, []string{"new-conn"}) {
			t.Fatalf("after the refresh: %v", ids)
		}
	}

	// a list that only just expired is still answered while it refreshes (a busy route
	// does not wait for each refresh)
	subs.mu.Lock()
	gate = make(chan struct{})
	subs.gate = gate
	subs.mu.Unlock()
	time.Sleep(ttl + 5*time.Millisecond)
	go func() { ids, _ := c.ListSubscribers(ctx, fk); first <- ids }()
	waitFor(t, "the second refresh to start", func() bool { return subs.reads.Load() == 3 })
	if ids, err := c.ListSubscribers(ctx, fk); err != nil || !slices.Equal(ids, []string{"new-conn"}) {
		t.Fatalf("while a recent list refreshes: %v %v", ids, err)
	}
	close(gate)
	<-first
}
