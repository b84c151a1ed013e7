package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// Defaults of PublisherConfig.
const (
	DefaultWindow        = 5 * time.Millisecond
	DefaultMaxParallel   = 32
	DefaultSubscriberTTL = time.Second
	DefaultPostTimeout   = 5 * time.Second
	DefaultMaxPending    = 10000
)

// Poster posts to WebSocket connections; *apigatewaymanagementapi.Client
// implements it.
type Poster interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
		opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

var _ Poster = (*apigatewaymanagementapi.Client)(nil)

// Subscribers finds a flow's subscribed connections and forgets gone ones;
// *store.Store implements it (and SubscriberAccess, which checks that each
// subscriber may still read the flow).
type Subscribers interface {
	ListSubscribers(ctx context.Context, k store.FlowKey) ([]string, error)
	DeleteConnection(ctx context.Context, id string) error
}

var _ Subscribers = (*store.Store)(nil)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Flow whose subscribers receive the events. Required.
	Flow store.FlowKey
	// Store lists subscribers and deletes gone connections. Required.
	Store Subscribers
	// Client posts to connections (the Management API client). Required.
	Client Poster
	// Window is how long the first event of a burst waits for more before
	// they are sent together (default 5 ms).
	Window time.Duration
	// MaxParallel bounds the connections posted to at once (default 32).
	// Give the Management API client's HTTP transport at least as many idle
	// connections per host (the SDK's default keeps 10), or the excess
	// connections are re-dialled (TLS handshakes in AWS) for every burst.
	MaxParallel int
	// MaxMessageBytes caps each message (default and maximum 128 KB).
	MaxMessageBytes int
	// SubscriberTTL is how long a subscriber list is reused before it is
	// read again (default 1 s), so a new subscriber is seen within it.
	SubscriberTTL time.Duration
	// PostTimeout bounds each post (default 5 s).
	PostTimeout time.Duration
	// MaxPending bounds the events waiting to be sent (default 10,000);
	// beyond it node_log and stream events are dropped (and counted).
	MaxPending int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Stats counts what a Publisher has done.
type Stats struct {
	Events     int64 // events published
	Messages   int64 // messages built (each one JSON array of events)
	Posts      int64 // successful posts (message × connection)
	Gone       int64 // connections found gone (410) and deleted
	Failed     int64 // posts that failed otherwise
	Summarised int64 // events with summarised data
	Dropped    int64 // events not sent (over MaxPending, unencodable, no subscribers)
}

// Publisher sends a flow's run events to every WebSocket connection
// subscribed to the flow, through the API Gateway Management API. It
// implements engine.Publisher: Publish only queues; a background sender
// coalesces the events of a burst (Window) into one message — a JSON array
// of events in seq order per run — posts it to all subscribers in parallel
// (MaxParallel), keeps each connection's messages in order, caps messages
// at 128 KB (summarising large data), and deletes connections that answer
// 410 Gone with their subscriptions. Call Flush or Close before the Lambda
// returns so nothing is lost. It is safe for concurrent use.
type Publisher struct {
	cfg    PublisherConfig
	log    *slog.Logger
	access *accessFilter // nil: the store cannot tell who may still read the flow
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	pending []engine.Event
	closed  bool
	kick    chan struct{}
	flushes chan chan struct{}
	stop    chan struct{}
	done    chan struct{}

	// Owned by the sender goroutine.
	held      []engine.Event
	heldSince time.Time
	lastSeq   map[string]int64
	subs      []string
	subsAt    time.Time

	events, messages, posts, gone, failed, summarised, dropped atomic.Int64
}

var _ engine.Publisher = (*Publisher)(nil)

// NewPublisher validates cfg and starts the publisher's sender.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	const op = "new live publisher"
	switch {
	case cfg.Flow.Tenant == "" || cfg.Flow.Project == "" || cfg.Flow.Flow == "":
		return nil, fmt.Errorf("%s: Flow: tenant, project and flow must all be set", op)
	case cfg.Store == nil:
		return nil, fmt.Errorf("%s: Store: must not be nil", op)
	case cfg.Client == nil:
		return nil, fmt.Errorf("%s: Client: must not be nil", op)
	case cfg.MaxMessageBytes > MaxMessageBytes:
		return nil, fmt.Errorf("%s: MaxMessageBytes %d: API Gateway allows at most %d", op, cfg.MaxMessageBytes, MaxMessageBytes)
	case cfg.MaxMessageBytes < 0 || (cfg.MaxMessageBytes > 0 && cfg.MaxMessageBytes < 1024):
		return nil, fmt.Errorf("%s: MaxMessageBytes %d: want at least 1024", op, cfg.MaxMessageBytes)
	case cfg.Window < 0 || cfg.SubscriberTTL < 0 || cfg.PostTimeout < 0 || cfg.MaxParallel < 0 || cfg.MaxPending < 0:
		return nil, fmt.Errorf("%s: Window, SubscriberTTL, PostTimeout, MaxParallel and MaxPending: must not be negative", op)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.MaxParallel == 0 {
		cfg.MaxParallel = DefaultMaxParallel
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = MaxMessageBytes
	}
	if cfg.SubscriberTTL == 0 {
		cfg.SubscriberTTL = DefaultSubscriberTTL
	}
	if cfg.PostTimeout == 0 {
		cfg.PostTimeout = DefaultPostTimeout
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		cfg: cfg, log: cfg.Logger.With("tenant", cfg.Flow.Tenant, "project", cfg.Flow.Project, "flow", cfg.Flow.Flow),
		ctx: ctx, cancel: cancel,
		kick: make(chan struct{}, 1), flushes: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{}),
		lastSeq: map[string]int64{},
	}
	p.access = newAccessFilter(cfg.Store, p.log)
	go p.run()
	return p, nil
}

// Publish queues ev for the flow's subscribers; it never waits for the
// network. Events published after Close are dropped.
func (p *Publisher) Publish(_ context.Context, ev engine.Event) {
	p.events.Add(1)
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		p.dropped.Add(1)
		p.log.Warn("live event published after close; dropped", "type", ev.Type, "run", ev.RunID, "seq", ev.Seq)
		return
	case len(p.pending) >= p.cfg.MaxPending && (ev.Type == engine.EventNodeLog || ev.Type == engine.EventStream):
		p.mu.Unlock()
		if p.dropped.Add(1) == 1 {
			p.log.Warn("live events backlog full; dropping log and stream events", "pending", p.cfg.MaxPending)
		}
		return
	}
	p.pending = append(p.pending, ev)
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Flush sends every event published so far and returns once they have
// been posted (or ctx ends).
func (p *Publisher) Flush(ctx context.Context) error {
	reply := make(chan struct{})
	select {
	case p.flushes <- reply:
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush live events: %w", ctx.Err())
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush live events: %w", ctx.Err())
	}
}

// Close flushes and stops the publisher. When ctx ends first, posts in
// flight are abandoned and the error says so. Close is idempotent.
func (p *Publisher) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.stop)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		p.cancel()
		<-p.done
		return fmt.Errorf("close live publisher: %w", ctx.Err())
	}
}

// Stats returns the publisher's counters.
func (p *Publisher) Stats() Stats {
	return Stats{Events: p.events.Load(), Messages: p.messages.Load(), Posts: p.posts.Load(), Gone: p.gone.Load(),
		Failed: p.failed.Load(), Summarised: p.summarised.Load(), Dropped: p.dropped.Load()}
}

// run is the sender goroutine.
func (p *Publisher) run() {
	defer close(p.done)
	defer p.cancel()
	for {
		select {
		case <-p.kick:
			t := time.NewTimer(p.cfg.Window)
			select {
			case <-t.C:
				p.drain(false)
			case reply := <-p.flushes:
				t.Stop()
				p.drain(true)
				close(reply)
			case <-p.stop:
				t.Stop()
				p.drain(true)
				return
			}
		case reply := <-p.flushes:
			p.drain(true)
			close(reply)
		case <-p.stop:
			p.drain(true)
			return
		}
	}
}

// maxHold is how long events stay held back waiting for a missing seq.
func (p *Publisher) maxHold() time.Duration { return 4 * p.cfg.Window }

// drain sends what is pending. Events arrive from concurrent nodes, so seq
// order is restored per run; events after a gap in a run's seq are held
// back for at most maxHold for the missing ones, unless force.
func (p *Publisher) drain(force bool) {
	p.mu.Lock()
	batch := append(p.held, p.pending...)
	p.pending = nil
	p.mu.Unlock()
	p.held = nil
	if len(batch) == 0 {
		return
	}
	if !p.heldSince.IsZero() && time.Since(p.heldSince) >= p.maxHold() {
		force = true
	}
	send, held := p.order(batch, force)
	p.held = held
	switch {
	case len(held) == 0:
		p.heldSince = time.Time{}
	case p.heldSince.IsZero():
		p.heldSince = time.Now()
	}
	if len(held) > 0 {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	if len(send) > 0 {
		p.send(send)
	}
}

// order groups batch by run (in order of first appearance), sorts each run
// by seq and splits off what follows a gap.
func (p *Publisher) order(batch []engine.Event, force bool) (send, held []engine.Event) {
	var runs []string
	byRun := map[string][]engine.Event{}
	for _, ev := range batch {
		if _, ok := byRun[ev.RunID]; !ok {
			runs = append(runs, ev.RunID)
		}
		byRun[ev.RunID] = append(byRun[ev.RunID], ev)
	}
	for _, run := range runs {
		evs := byRun[run]
		slices.SortStableFunc(evs, func(a, b engine.Event) int { return cmpInt(a.Seq, b.Seq) })
		last, known := p.lastSeq[run]
		cut := len(evs)
		if !force {
			// A run seen before continues at last+1; a new one (fresh or
			// resumed) at its lowest seq here.
			next := evs[0].Seq
			if known {
				next = last + 1
			}
			for i, ev := range evs {
				if ev.Seq > next {
					cut = i
					break
				}
				if ev.Seq == next {
					next++
				}
			}
		}
		send = append(send, evs[:cut]...)
		held = append(held, evs[cut:]...)
		if cut > 0 {
			p.lastSeq[run] = max(last, evs[cut-1].Seq)
		}
	}
	return send, held
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// subscribers returns the flow's connections, read again once the cached
// list is older than SubscriberTTL.
func (p *Publisher) subscribers() []string {
	if !p.subsAt.IsZero() && time.Since(p.subsAt) < p.cfg.SubscriberTTL {
		return p.subs
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.PostTimeout)
	defer cancel()
	subs, err := p.cfg.Store.ListSubscribers(ctx, p.cfg.Flow)
	if err == nil {
		subs, err = p.access.allowed(ctx, p.cfg.Flow, subs)
	}
	if err != nil {
		p.log.Warn("list live subscribers; using the previous list", "err", err, "previous", len(p.subs))
		return p.subs
	}
	p.subs, p.subsAt = subs, time.Now()
	return subs
}

// send posts evs to every subscriber.
func (p *Publisher) send(evs []engine.Event) {
	subs := p.subscribers()
	if len(subs) == 0 {
		p.dropped.Add(int64(len(evs)))
		return
	}
	enc, err := EncodeMessages(evs, p.cfg.MaxMessageBytes)
	if err != nil {
		p.log.Error("encode live events; some not sent", "err", err)
	}
	p.dropped.Add(int64(enc.Skipped))
	p.summarised.Add(int64(enc.Summarised))
	p.messages.Add(int64(len(enc.Messages)))
	msgs := enc.Messages
	if len(msgs) == 0 {
		return
	}
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, p.cfg.MaxParallel)
		mu   sync.Mutex
		gone []string
	)
	for _, id := range subs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if p.postAll(id, msgs) {
				mu.Lock()
				gone = append(gone, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(gone) > 0 {
		p.forget(gone)
	}
}

// postAll posts msgs to one connection in order and reports whether the
// connection is gone.
func (p *Publisher) postAll(id string, msgs [][]byte) (gone bool) {
	for _, m := range msgs {
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.PostTimeout)
		_, err := p.cfg.Client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
			ConnectionId: aws.String(id), Data: m})
		cancel()
		if err == nil {
			p.posts.Add(1)
			continue
		}
		var g *types.GoneException
		if errors.As(err, &g) {
			return true
		}
		p.failed.Add(1)
		p.log.Warn("post live event", "connection", id, "err", err)
		if p.ctx.Err() != nil {
			return false
		}
	}
	return false
}

// forget deletes gone connections (and their subscriptions) from the store
// and from the cached subscriber list.
func (p *Publisher) forget(gone []string) {
	p.gone.Add(int64(len(gone)))
	p.subs = slices.DeleteFunc(slices.Clone(p.subs), func(id string) bool { return slices.Contains(gone, id) })
	for _, id := range gone {
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.PostTimeout)
		err := p.cfg.Store.DeleteConnection(ctx, id)
		cancel()
		p.access.forget(id)
		if err != nil {
			p.log.Warn("delete gone connection", "connection", id, "err", err)
			continue
		}
		p.log.Debug("deleted gone connection", "connection", id)
	}
}
