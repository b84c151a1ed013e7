package cloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/local/cloud"
	"polysynergy/shared/store"
)

// loadResult is one constant-rate load run.
type loadResult struct {
	rate          int
	sent, errors  int64
	p50, p99, max time.Duration
	firstErr      string
}

// BenchmarkTriggerLoad drives GET on a published route (route → set → response, runs saved)
// of a running local cloud over loopback at constant rates: rising 5 s steps find the highest
// rate sustained without errors, then the target runs: 2,000 requests/s for 20 s
// (POLYSYNERGY_LOAD_RATE / POLYSYNERGY_LOAD_SECONDS change it). Run by `make bench`.
func BenchmarkTriggerLoad(b *testing.B) {
	rate := envInt("POLYSYNERGY_LOAD_RATE", 2000)
	secs := envInt("POLYSYNERGY_LOAD_SECONDS", 20)
	c, err := cloud.Start(context.Background(), cloud.Options{DataDir: b.TempDir(), SchedulerInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	seedRoute(b, c)
	port := c.Port()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2000, MaxIdleConnsPerHost: 2000,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
		}}}
	url := fmt.Sprintf("http://load-dev.localhost:%d/items/42", port)
	// warm up: plan cache, route table, connections
	for i := 0; i < 200; i++ {
		if err := hit(client, url); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
	b.ResetTimer()
	// first the highest rate it keeps up with: rising 5 s steps, stopping at the first errors
	best := 0
	for _, r := range []int{50, 100, 200, 400, 800, 1200, 1600, 2000, 3000} {
		step := constantRate(client, url, r, 5*time.Second)
		b.Logf("step %d req/s for 5s: errors %d (first: %s), p50 %s, p99 %s", r, step.errors, step.firstErr, step.p50, step.p99)
		if step.errors > 0 || step.p99 > time.Second {
			break
		}
		best = r
		time.Sleep(2 * time.Second) // let runs saved in the background settle
	}
	b.ReportMetric(float64(best), "max-rate-0-errors")
	b.Logf("highest rate sustained with 0 errors: %d req/s", best)
	time.Sleep(5 * time.Second)
	// then the target: rate req/s for secs seconds
	res := constantRate(client, url, rate, time.Duration(secs)*time.Second)
	b.ReportMetric(float64(res.p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(res.errors), "errors")
	b.ReportMetric(float64(res.sent)/float64(secs), "req/s")
	b.Logf("%d req/s for %ds: sent %d, errors %d (first: %s), p50 %s, p99 %s, max %s", rate, secs, res.sent, res.errors, res.firstErr,
		res.p50, res.p99, res.max)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func hit(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// constantRate sends requests at a fixed rate (open loop) and measures each one.
func constantRate(c *http.Client, url string, rate int, d time.Duration) loadResult {
	n := int(float64(rate) * d.Seconds())
	lat := make([]time.Duration, n)
	var errs atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < n; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t0 := time.Now()
			if err := hit(c, url); err != nil {
				errs.Add(1)
				first.CompareAndSwap(nil, err.Error())
			}
			lat[i] = time.Since(t0)
		}(i)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fe, _ := first.Load().(string)
	return loadResult{rate: rate, sent: int64(n), errors: errs.Load(), p50: lat[n/2], p99: lat[n*99/100], max: lat[n-1], firstErr: fe}
}

// seedRoute publishes GET /items/{id} (route → set → response) on project "load", stage dev.
func seedRoute(b *testing.B, c *cloud.Cloud) {
	ctx := context.Background()
	st := c.Store
	ten, err := st.CreateTenant(ctx, store.CreateTenantInput{Name: "Load", OwnerSub: "load-owner", OwnerEmail: "load@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := st.CreateProject(ctx, ten.ID, store.CreateProjectInput{Name: "Load", Slug: "load"})
	if err != nil {
		b.Fatal(err)
	}
	pk := store.ProjectKey{Tenant: ten.ID, Project: p.ID}
	if _, err := st.CreateStage(ctx, pk, "dev", 1); err != nil {
		b.Fatal(err)
	}
	node := func(h, typ string, v map[string]any) map[string]any {
		return map[string]any{"id": h, "handle": h, "type": typ, "position": map[string]any{"x": 0, "y": 0}, "values": v}
	}
	link := func(a, z string) map[string]any {
		return map[string]any{"from": map[string]any{"node": a, "port": "true_path"}, "to": map[string]any{"node": z, "port": "node"}}
	}
	doc, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
		node("route", "trigger.route", nil),
		node("item", "data.build_object", map[string]any{"fields": []any{
			map[string]any{"key": "id", "type": "number", "value": "{{ route.params.id }}"},
			map[string]any{"key": "name", "type": "string", "value": "item {{ route.params.id }}"}}}),
		node("reply", "http.response", map[string]any{"body": "{{ item.object }}"}),
	}, "connections": []any{link("route", "item"), link("item", "reply")}})
	f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindRoute, Name: "items", Document: doc, RunSaving: store.SaveAll,
		Route: &store.RouteConfig{Method: "GET", ResponseMode: "wait", Segments: []store.Segment{
			{Kind: "static", Value: "items"}, {Kind: "variable", Name: "id", Type: "number"}}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: store.FlowKey{Tenant: ten.ID, Project: p.ID, Flow: f.ID}, Stage: "dev", By: "load-owner"}); err != nil {
		b.Fatal(err)
	}
}
