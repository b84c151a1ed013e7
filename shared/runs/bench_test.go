package runs_test

import (
	"sort"
	"testing"
	"time"

	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// BenchmarkExecuteRoute runs a small route flow (trigger → set → response) the way the
// router does inline (no run id, warm plan cache, no publisher) against the embedded
// DynamoDB, with run saving none and all. It reports p50/p99 per run.
func BenchmarkExecuteRoute(b *testing.B) {
	for _, save := range []store.RunSaving{store.SaveNone, store.SaveAll} {
		b.Run(string(save), func(b *testing.B) {
			f := setup(b, func(o *runs.Options) { o.Publishers, o.RetentionInterval = nil, 0 }) // production defaults
			fk := f.flow(b, routeFlow(b), save, 1000)
			job := f.job(fk, runs.KindRouter)
			job.Save = save
			job.Trigger = trigger.HTTPRequest{Method: "GET", Path: "/hello", Host: "shop-prod.example.com",
				Query: map[string][]string{"name": {"ada"}}, Headers: map[string]string{"accept": "text/plain"}}
			if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != "success" || run.Response == nil {
				b.Fatalf("warm-up run = %+v, %v; want success with a response", run, err)
			}
			var times []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				run, err := f.x.Execute(f.ctx, job)
				times = append(times, time.Since(start))
				if err != nil || run.Status != "success" {
					b.Fatalf("run = %v, %v", run, err)
				}
			}
			b.StopTimer()
			f.wait(b)
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
		})
	}
}
