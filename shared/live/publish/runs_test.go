package publish

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
