package runs_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// TestSecretsNeverStored runs flows that use a secret — one that pauses (its state is
// saved) and resumes, one that fails with the secret in its error — and scans every item
// of the table for the plaintext.
func TestSecretsNeverStored(t *testing.T) {
	f := setup(t)
	f.secret(t, "API_KEY", "prod", secretValue)
	f.envVar(t, "REGION", "prod", "eu-west-1")

	fk := f.flow(t, approvalFlow(t), store.SaveAll, 0)
	run := pause(t, f, fk, "01JSECRETPAUSE000000000000")
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the secret is stored in %d items while paused:\n%s", len(hits), strings.Join(hits, "\n---\n"))
	}
	if hits := f.scanFor(t, "API_KEY"); len(hits) < 2 {
		t.Fatalf("found the secret key in %d items, want the secret item and the masked state at least", len(hits))
	}
	if _, err := f.x.Resume(f.ctx, resumeJob(fk, run.ID, true)); err != nil {
		t.Fatalf("resume: %v", err)
	}

	failing := doc(t, []node{
		{"start", "trigger.manual", nil},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"log", "debug.log", map[string]any{"message": "token {{ sec.value }} in {{ env.REGION }}"}},
		{"boom", "debug.fail", map[string]any{"message": "rejected token {{ sec.value }}"}},
	}, chain("start", "sec", "log", "boom")...)
	fk2 := f.flow(t, failing, store.SaveAll, 0)
	job := f.job(fk2, "schedule")
	job.RunID = "01JSECRETFAIL0000000000000"
	failed, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if failed.Status != engine.StatusError || failed.Error == nil {
		t.Fatalf("status = %s, want error", failed.Status)
	}
	if strings.Contains(failed.Error.Error, secretValue) || !strings.Contains(failed.Error.Error, "rejected token <secret:API_KEY>") {
		t.Errorf("run error = %q, want the secret redacted", failed.Error.Error)
	}
	f.wait(t)
	if got := len(f.results(t, failed.ID)); got != 4 {
		t.Fatalf("results = %d, want 4", got)
	}
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the secret is stored in %d items:\n%s", len(hits), strings.Join(hits, "\n---\n"))
	}
	if hits := f.scanFor(t, "<secret:API_KEY>"); len(hits) == 0 {
		t.Error("no stored item shows the redaction marker; the scan did not see the results")
	}
}

// A secret's value that is already in a node's result before the run reads the secret
// (a webhook sending its shared token in a header, compared with <secret:KEY> later) is
// redacted too when the results are recorded at the end of the run: a route's batch
// (policy all) and a failed run's buffered results (policy errors). The route node's
// outputs held the header's value in clear.
func TestSecretSeenBeforeReadIsRedacted(t *testing.T) {
	f := setup(t)
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	d := doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/hook"}},
		{"sec", "variable.secret", map[string]any{"key": "HOOK_TOKEN"}},
		{"check", "debug.fail", map[string]any{"message": "token mismatch"}},
	}, chain("route", "sec", "check")...)
	for _, save := range []store.RunSaving{store.SaveAll, store.SaveErrors} {
		t.Run(string(save), func(t *testing.T) {
			fk := f.flow(t, d, save, 0)
			job := f.job(fk, runs.KindRouter)
			job.Trigger = map[string]any{"method": "POST", "path": "/hook",
				"headers": map[string]any{"x-hook-token": secretValue, "x-escaped": `{"t":"` + secretValue + `"}`},
				"query":   map[string]any{"t": url.QueryEscape(secretValue + " &")}, "body": ""}
			run, err := f.x.Execute(f.ctx, job)
			if err != nil {
				t.Fatalf("execute: %v", err)
			}
			f.wait(t)
			rs := f.results(t, run.ID)
			if len(rs) != 3 {
				t.Fatalf("results = %d, want 3", len(rs))
			}
			if hits := f.scanFor(t, secretValue); len(hits) != 0 {
				t.Fatalf("the secret is stored in %d items:\n%s", len(hits), strings.Join(hits, "\n---\n"))
			}
			if hits := f.scanFor(t, url.QueryEscape(secretValue+" &")); len(hits) != 0 {
				t.Fatalf("the URL-encoded secret is stored in %d items:\n%s", len(hits), strings.Join(hits, "\n---\n"))
			}
			var out struct {
				Headers map[string]string `json:"headers"`
			}
			route := byNode(rs)["route"]
			if err := json.Unmarshal(route.Outputs, &out); err != nil {
				t.Fatalf("route outputs: %v", err)
			}
			if out.Headers["x-hook-token"] != "<secret:HOOK_TOKEN>" || out.Headers["x-escaped"] != `{"t":"<secret:HOOK_TOKEN>"}` {
				t.Errorf("route outputs = %s, want the headers redacted", route.Outputs)
			}
		})
	}
}
