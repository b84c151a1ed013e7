package runs_test

import (
	"encoding/json"
	"testing"

	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// BenchmarkExecuteRouteSecret runs a route flow that compares a request header with a
// secret the way the router does, against the embedded DynamoDB: the secrets the flow
// names are read before its first event, in one round. "one" names only that secret;
// "unreached" (hookFlow) also names one on a branch the run does not take, which is read
// (and found missing) too.
func BenchmarkExecuteRouteSecret(b *testing.B) {
	for name, d := range map[string]func(testing.TB) json.RawMessage{
		"one": func(t testing.TB) json.RawMessage {
			return doc(t, []node{
				{"route", "trigger.route", map[string]any{"method": "POST", "path": "/hook"}},
				{"check", "control.if_else", map[string]any{"condition": "{{ route.headers['x-hook-token'] != '' }}",
					"value": "<secret:HOOK_TOKEN>"}},
				{"reply", "http.response", map[string]any{"status": 204}},
			}, chain("route", "check", "reply")...)
		},
		"unreached": func(t testing.TB) json.RawMessage { return hookFlow(t, "HOOK_TOKEN") },
	} {
		b.Run(name, func(b *testing.B) {
			f := setup(b, func(o *runs.Options) { o.Publishers, o.RetentionInterval = nil, 0 })
			f.secret(b, "HOOK_TOKEN", "prod", secretValue)
			fk := f.flow(b, d(b), store.SaveNone, 1000)
			job := f.job(fk, runs.KindRouter)
			job.Trigger = trigger.HTTPRequest{Method: "POST", Path: "/hook", Host: "shop-prod.example.com",
				Headers: map[string]string{"x-hook-token": "abc"}}
			b.ReportAllocs()
			for b.Loop() {
				if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != "success" {
					b.Fatalf("run = %+v, %v", run, err)
				}
			}
			b.StopTimer()
			f.wait(b)
		})
	}
}
