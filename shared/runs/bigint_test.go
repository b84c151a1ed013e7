package runs_test

import (
	"errors"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// A whole number beyond 2^53 in a run's input (an id such as 9007199254740993) stays exact
// through a pause stored in the store (secret masking included) and its resume, and in the
// stored results read back for a repeated run id; it was read back as 9007199254740992.
func TestPausedRunKeepsLargeIntegersExact(t *testing.T) {
	const id int64 = 9007199254740993
	const runID = "01JBIGINTRUN00000000000000"
	f := setup(t)
	f.secret(t, "API_KEY", "prod", secretValue)
	fk := f.flow(t, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"ask", "control.approval", map[string]any{"message": "Refund {{ start.input.id }} with {{ sec.value }}?"}},
		{"done", "control.exit", map[string]any{"value": "{{ start.input.id }}"}},
	}, conn{"start", "true_path", "sec", "node"}, conn{"sec", "true_path", "ask", "node"},
		conn{"ask", "true_path", "done", "node"}), store.SaveAll, 0)
	job := f.job(fk, runs.KindEditor)
	job.RunID, job.Trigger = runID, map[string]any{"id": id}
	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusPaused {
		t.Fatalf("execute: %v, %+v", err, run)
	}
	res, err := f.x.Resume(f.ctx, runs.ResumeJob{Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, RunID: runID,
		Node: "ask", Input: map[string]any{"approved": true}})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if res.Status != engine.StatusSuccess || res.Output != id {
		t.Fatalf("resumed: %s %+v output %#v (%T), want int64 %d", res.Status, res.Error, res.Output, res.Output, id)
	}
	again, err := f.x.Execute(f.ctx, job)
	if !errors.Is(err, runs.ErrDuplicateRun) || again == nil {
		t.Fatalf("execute again: %v", err)
	}
	for _, nr := range again.Nodes {
		if nr.NodeID == "done" {
			if got := nr.Inputs["value"]; got != id {
				t.Fatalf("stored input %#v (%T), want int64 %d", got, got, id)
			}
			return
		}
	}
	t.Fatalf("no stored result for done: %+v", again.Nodes)
}

// With run saving "errors", the results held back while a run is paused are stored with the
// paused state and written once it fails; whole numbers beyond 2^53 in them stay exact.
func TestHeldResultsKeepLargeIntegersExact(t *testing.T) {
	const id int64 = 9007199254740993
	f := setup(t)
	fk := f.flow(t, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"ask", "control.approval", map[string]any{"message": "go on?"}},
		{"boom", "debug.fail", map[string]any{"message": "failed"}},
	}, conn{"start", "true_path", "ask", "node"}, conn{"ask", "true_path", "boom", "node"}), store.SaveErrors, 0)
	job := f.job(fk, runs.KindSchedule)
	job.Trigger = map[string]any{"id": id}
	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusPaused {
		t.Fatalf("execute = %v, %v; want paused", run, err)
	}
	if got, err := f.x.Resume(f.ctx, resumeJob(fk, run.ID, true)); err != nil || got.Status != engine.StatusError {
		t.Fatalf("resume = %v, %v; want failed", got, err)
	}
	f.wait(t)
	for _, r := range f.results(t, run.ID) {
		if r.NodeID == "start" {
			if !strings.Contains(string(r.Outputs), `9007199254740993`) {
				t.Fatalf("stored outputs of start %s, want the id to the digit", r.Outputs)
			}
			return
		}
	}
	t.Fatalf("no stored result for start: %+v", f.results(t, run.ID))
}
