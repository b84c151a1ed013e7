package router_test

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// setFlow is route → set (build object) → response.
func setFlow() json.RawMessage {
	b, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{
		node("route", "trigger.route", nil),
		node("item", "data.build_object", map[string]any{"fields": []any{
			map[string]any{"key": "name", "type": "string", "value": "{{ route.params.name }}"}}}),
		node("reply", "http.response", map[string]any{"body": "{{ item.object }}"}),
	}, "connections": []any{conn("route", "true_path", "item", "node"), conn("item", "true_path", "reply", "node")}})
	return b
}

// BenchmarkRouterHandler calls the router handler in-process with a warm route table and
// plan cache: route → set → response, with run saving none and all (against the embedded
// DynamoDB). Targets: p50 ≤ 100 µs (none), ≤ 1 ms (all).
func BenchmarkRouterHandler(b *testing.B) {
	for _, saving := range []store.RunSaving{store.SaveNone, store.SaveAll} {
		b.Run("saving="+string(saving), func(b *testing.B) {
			fx := setupTB(b, saving, router.ModeWait, false, setFlow())
			r, err := router.New(router.Config{Store: fx.st, Executor: fx.x, BaseDomain: "example.com"}) // default cache TTL
			if err != nil {
				b.Fatal(err)
			}
			fx.r = r
			ev := request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, "")
			ctx := context.Background()
			for i := 0; i < 20; i++ {
				if resp, _ := fx.r.Handle(ctx, ev); resp.StatusCode != 200 {
					b.Fatalf("warm-up: %d %s", resp.StatusCode, resp.Body)
				}
			}
			var lat []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				resp, _ := fx.r.Handle(ctx, ev)
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("%d %s", resp.StatusCode, resp.Body)
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
