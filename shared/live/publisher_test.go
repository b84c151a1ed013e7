package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"polysynergy/shared/engine"
	"polysynergy/shared/live/publish"
	"polysynergy/shared/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var testFlow = store.FlowKey{Tenant: "t1", Project: "p1", Flow: "f1"}

// fakePoster records posts per connection.
type fakePoster struct {
	mu      sync.Mutex
	got     map[string][][]byte
	gone    map[string]bool
	calls   map[string]int
	delay   time.Duration
	block   chan struct{} // when set, posts wait for it (or ctx)
	entered chan struct{} // signalled when a post starts, if set

	active, maxActive atomic.Int32
}

func newFakePoster() *fakePoster {
	return &fakePoster{got: map[string][][]byte{}, gone: map[string]bool{}, calls: map[string]int{}}
}

func (f *fakePoster) PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
	_ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for {
		m := f.maxActive.Load()
		if n <= m || f.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	id := *in.ConnectionId
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	if f.gone[id] {
		return nil, &types.GoneException{Message: new("gone")}
	}
	f.got[id] = append(f.got[id], in.Data)
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

// seqs returns, per message to id, the seqs it carried.
func (f *fakePoster) seqs(t *testing.T, id string) [][]int64 {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]int64
	for _, m := range f.got[id] {
		var evs []engine.Event
		if err := json.Unmarshal(m, &evs); err != nil {
			t.Fatalf("message to %s is not a JSON array of events: %v", id, err)
		}
		var s []int64
		for _, e := range evs {
			s = append(s, e.Seq)
		}
		out = append(out, s)
	}
	return out
}

func (f *fakePoster) callsTo(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// fakeSubs serves a fixed subscriber list.
type fakeSubs struct {
	mu      sync.Mutex
	ids     []string
	err     error
	lists   int
	deleted []string
}

func (f *fakeSubs) ListSubscribers(_ context.Context, k store.FlowKey) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if k != testFlow {
		return nil, fmt.Errorf("unexpected flow %+v", k)
	}
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.ids), nil
}

func (f *fakeSubs) DeleteConnection(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, id)
	return nil
}

func (f *fakeSubs) listCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

func newPublisher(t *testing.T, subs publish.Subscribers, poster publish.Poster, tune func(*publish.PublisherConfig)) *publish.Publisher {
	t.Helper()
	cfg := publish.PublisherConfig{Flow: testFlow, Store: subs, Client: poster, Logger: quiet, SubscriberTTL: time.Hour}
	if tune != nil {
		tune(&cfg)
	}
	p, err := publish.NewPublisher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

func publishSeqs(p *publish.Publisher, seqs ...int64) {
	for _, s := range seqs {
		p.Publish(context.Background(), engine.Event{Type: engine.EventNodeLog, RunID: "r1", FlowID: "f1", Seq: s, Data: fmt.Sprint("line ", s)})
	}
}

func flush(t *testing.T, p *publish.Publisher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPublisherCoalescesInSeqOrder(t *testing.T) {
	poster := newFakePoster()
	p := newPublisher(t, &fakeSubs{ids: []string{"a", "b"}}, poster, func(c *publish.PublisherConfig) { c.Window = 200 * time.Millisecond })
	publishSeqs(p, 3, 1, 2, 5, 4)
	eventually(t, "delivery to a and b", func() bool { return poster.callsTo("a") > 0 && poster.callsTo("b") > 0 })
	for _, id := range []string{"a", "b"} {
		if got := fmt.Sprint(poster.seqs(t, id)); got != "[[1 2 3 4 5]]" {
			t.Errorf("%s got messages %s; want one message [1 2 3 4 5]", id, got)
		}
	}
	st := p.Stats()
	if st.Events != 5 || st.Messages != 1 || st.Posts != 2 {
		t.Errorf("stats %+v; want 5 events, 1 message, 2 posts", st)
	}
}

func TestPublisherHoldsEventsAfterAGap(t *testing.T) {
	poster := newFakePoster()
	p := newPublisher(t, &fakeSubs{ids: []string{"a"}}, poster, func(c *publish.PublisherConfig) { c.Window = 300 * time.Millisecond })
	publishSeqs(p, 1, 2)
	flush(t, p)
	publishSeqs(p, 4) // 3 is still on its way (a concurrent node)
	time.Sleep(500 * time.Millisecond)
	publishSeqs(p, 3)
	eventually(t, "3 and 4", func() bool { return len(slices.Concat(poster.seqs(t, "a")...)) == 4 })
	if got := slices.Concat(poster.seqs(t, "a")...); !slices.IsSorted(got) {
		t.Errorf("delivered seqs %v; want ascending", got)
	}
	// A seq that never comes holds the rest back only for a while.
	publishSeqs(p, 6)
	eventually(t, "6 without 5", func() bool { return len(slices.Concat(poster.seqs(t, "a")...)) == 5 })
	if got := slices.Concat(poster.seqs(t, "a")...); fmt.Sprint(got) != "[1 2 3 4 6]" {
		t.Errorf("delivered seqs %v; want [1 2 3 4 6]", got)
	}
}

func TestPublisherSplitsLargeBatchesInOrder(t *testing.T) {
	poster := newFakePoster()
	p := newPublisher(t, &fakeSubs{ids: []string{"a", "b", "c"}}, poster, func(c *publish.PublisherConfig) {
		c.Window = time.Second
		c.MaxMessageBytes = 2048
	})
	for s := int64(1); s <= 40; s++ {
		p.Publish(context.Background(), engine.Event{Type: engine.EventNodeLog, RunID: "r1", Seq: s, Data: strings.Repeat("x", 200)})
	}
	flush(t, p)
	for _, id := range []string{"a", "b", "c"} {
		msgs := poster.seqs(t, id)
		all := slices.Concat(msgs...)
		if len(msgs) < 4 || len(all) != 40 || !slices.IsSorted(all) {
			t.Errorf("%s: %d messages carrying %v; want several messages carrying 1..40 in order", id, len(msgs), all)
		}
		poster.mu.Lock()
		for _, m := range poster.got[id] {
			if len(m) > 2048 {
				t.Errorf("%s: message of %d bytes; limit 2048", id, len(m))
			}
		}
		poster.mu.Unlock()
	}
}

func TestPublisherForgetsGoneConnections(t *testing.T) {
	poster := newFakePoster()
	poster.gone["b"] = true
	subs := &fakeSubs{ids: []string{"a", "b", "c"}}
	p := newPublisher(t, subs, poster, nil)
	publishSeqs(p, 1)
	flush(t, p)
	publishSeqs(p, 2)
	flush(t, p)
	if got := fmt.Sprint(subs.deleted); got != "[b]" {
		t.Errorf("deleted %s; want [b]", got)
	}
	if n := poster.callsTo("b"); n != 1 {
		t.Errorf("posted to the gone connection %d times; want 1 (then forgotten)", n)
	}
	for _, id := range []string{"a", "c"} {
		if got := fmt.Sprint(poster.seqs(t, id)); got != "[[1] [2]]" {
			t.Errorf("%s got %s; want [[1] [2]]", id, got)
		}
	}
	if st := p.Stats(); st.Gone != 1 || st.Posts != 4 || st.Failed != 0 {
		t.Errorf("stats %+v; want 1 gone, 4 posts, 0 failed", st)
	}
}

func TestPublisherSubscriberCache(t *testing.T) {
	poster := newFakePoster()
	subs := &fakeSubs{}
	p := newPublisher(t, subs, poster, func(c *publish.PublisherConfig) { c.SubscriberTTL = 100 * time.Millisecond })
	publishSeqs(p, 1)
	flush(t, p)
	publishSeqs(p, 2)
	flush(t, p)
	if n := subs.listCalls(); n != 1 {
		t.Errorf("listed subscribers %d times within the TTL; want 1", n)
	}
	if st := p.Stats(); st.Dropped != 2 || st.Posts != 0 {
		t.Errorf("stats %+v; want 2 dropped (nobody listening), 0 posts", st)
	}
	subs.mu.Lock()
	subs.ids = []string{"late"}
	subs.mu.Unlock()
	time.Sleep(150 * time.Millisecond)
	publishSeqs(p, 3)
	flush(t, p)
	if got := fmt.Sprint(poster.seqs(t, "late")); got != "[[3]]" {
		t.Errorf("a subscriber that joined got %s; want [[3]] once the TTL passed", got)
	}
	// A failing lookup keeps the previous list.
	subs.mu.Lock()
	subs.err = errors.New("throttled")
	subs.mu.Unlock()
	time.Sleep(150 * time.Millisecond)
	publishSeqs(p, 4)
	flush(t, p)
	if got := fmt.Sprint(poster.seqs(t, "late")); got != "[[3] [4]]" {
		t.Errorf("after a failed lookup got %s; want [[3] [4]] (previous list reused)", got)
	}
}

func TestPublisherBoundsParallelPosts(t *testing.T) {
	poster := newFakePoster()
	poster.delay = 10 * time.Millisecond
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("c%02d", i))
	}
	p := newPublisher(t, &fakeSubs{ids: ids}, poster, func(c *publish.PublisherConfig) { c.MaxParallel = 3 })
	publishSeqs(p, 1)
	flush(t, p)
	if m := poster.maxActive.Load(); m > 3 {
		t.Errorf("%d posts at once; want at most 3", m)
	}
	for _, id := range ids {
		if poster.callsTo(id) != 1 {
			t.Errorf("%s posted %d times; want 1", id, poster.callsTo(id))
		}
	}
}

func TestPublisherCloseFlushes(t *testing.T) {
	poster := newFakePoster()
	p := newPublisher(t, &fakeSubs{ids: []string{"a"}}, poster, func(c *publish.PublisherConfig) { c.Window = time.Hour })
	publishSeqs(p, 1, 2)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(poster.seqs(t, "a")); got != "[[1 2]]" {
		t.Errorf("after Close a got %s; want [[1 2]]", got)
	}
	publishSeqs(p, 3)
	if err := p.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if st := p.Stats(); st.Dropped != 1 || st.Events != 3 {
		t.Errorf("stats %+v; want the event published after Close dropped", st)
	}
}

func TestPublisherCloseGivesUpAtDeadline(t *testing.T) {
	poster := newFakePoster()
	poster.block = make(chan struct{})
	p := newPublisher(t, &fakeSubs{ids: []string{"a"}}, poster, nil)
	publishSeqs(p, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v; want the deadline", err)
	}
	if st := p.Stats(); st.Posts != 0 || st.Failed != 1 {
		t.Errorf("stats %+v; want the abandoned post counted as failed", st)
	}
}

func TestPublisherDropsLogsWhenBacklogged(t *testing.T) {
	poster := newFakePoster()
	poster.block = make(chan struct{})
	poster.entered = make(chan struct{}, 1)
	p := newPublisher(t, &fakeSubs{ids: []string{"a"}}, poster, func(c *publish.PublisherConfig) {
		c.MaxPending = 3
		c.Window = time.Millisecond
	})
	p.Publish(context.Background(), engine.Event{Type: engine.EventRunStart, RunID: "r1", Seq: 1})
	select {
	case <-poster.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("first post never started")
	}
	types := []string{engine.EventNodeStart, engine.EventNodeEnd, engine.EventNodeLog, engine.EventStream,
		engine.EventNodeLog, engine.EventNodeStart, engine.EventRunEnd}
	for i, typ := range types {
		p.Publish(context.Background(), engine.Event{Type: typ, RunID: "r1", Seq: int64(i + 2)})
	}
	close(poster.block)
	flush(t, p)
	got := slices.Concat(poster.seqs(t, "a")...)
	if fmt.Sprint(got) != "[1 2 3 4 7 8]" {
		t.Errorf("delivered seqs %v; want [1 2 3 4 7 8] (log and stream events over the backlog dropped)", got)
	}
	if st := p.Stats(); st.Dropped != 2 {
		t.Errorf("stats %+v; want 2 dropped", st)
	}
}

func TestNewPublisherValidates(t *testing.T) {
	ok := publish.PublisherConfig{Flow: testFlow, Store: &fakeSubs{}, Client: newFakePoster()}
	tests := []struct {
		name   string
		change func(*publish.PublisherConfig)
		want   string
	}{
		{"no flow", func(c *publish.PublisherConfig) { c.Flow.Flow = "" }, "Flow"},
		{"no store", func(c *publish.PublisherConfig) { c.Store = nil }, "Store"},
		{"no client", func(c *publish.PublisherConfig) { c.Client = nil }, "Client"},
		{"message too large", func(c *publish.PublisherConfig) { c.MaxMessageBytes = publish.MaxMessageBytes + 1 }, "MaxMessageBytes"},
		{"message too small", func(c *publish.PublisherConfig) { c.MaxMessageBytes = 100 }, "MaxMessageBytes"},
		{"negative window", func(c *publish.PublisherConfig) { c.Window = -1 }, "Window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := publish.NewPublisher(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPublisher: %v; want an error naming %s", err, tt.want)
			}
		})
	}
}
