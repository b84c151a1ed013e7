package live_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/live"
	"polysynergy/shared/live/publish"
)

// BenchmarkFanOut measures publishing one event to 100 subscribers: from
// Publish through Flush (list subscribers, encode, 100 PostToConnection
// calls with the real SDK client to the Management API server) until all
// 100 WebSocket clients, connected over loopback through the gateway, have
// read it. "cached" reuses the subscriber list; "lookup" reads it from the
// embedded DynamoDB for every event.
func BenchmarkFanOut(b *testing.B) {
	const subscribers = 100
	c := newCloud(b, nil)
	received := make(chan struct{}, 10*subscribers)
	for range subscribers {
		cl := c.connect(b, viewerSub)
		cl.send(b, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
		if r := cl.reply(b); r.Type != live.ReplySubscribed {
			b.Fatalf("subscribe: %+v", r)
		}
		go func() {
			for range cl.msgs {
				received <- struct{}{}
			}
		}()
	}
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", time.Hour}, {"lookup", time.Nanosecond}} {
		b.Run(fmt.Sprintf("%s/subscribers=%d", bc.name, subscribers), func(b *testing.B) {
			p, err := publish.NewPublisher(publish.PublisherConfig{Flow: c.flow.Key(), Store: c.st, Client: c.client,
				SubscriberTTL: bc.ttl, Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			ctx := context.Background()
			var seq int64
			cpu0 := processCPU(b)
			for b.Loop() {
				seq++
				p.Publish(ctx, engine.Event{Type: engine.EventNodeEnd, RunID: "bench", FlowID: c.flow.ID, Seq: seq,
					Node: "fetch", Status: "success", Data: map[string]any{"status": 200, "body": "ok"}})
				if err := p.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				for range subscribers {
					select {
					case <-received:
					case <-time.After(10 * time.Second):
						b.Fatal("a subscriber did not receive the event")
					}
				}
			}
			// The machine may be shared: CPU time per fan-out (client, Management
			// API server, gateway and WebSocket clients are all this process)
			// is the figure that does not depend on the load.
			b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(seq), "cpu-µs/op")
			if st := p.Stats(); st.Failed != 0 || st.Gone != 0 || st.Posts != seq*subscribers {
				b.Fatalf("stats %+v; want %d posts and no failures", st, seq*subscribers)
			}
		})
	}
}

// processCPU is the user+system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
