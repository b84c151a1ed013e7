package runs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// pause runs the approval flow to its pause.
func pause(t *testing.T, f *fixture, fk store.FlowKey, runID string) *engine.Run {
	t.Helper()
	job := f.job(fk, runs.KindEditor)
	job.RunID = runID
	run, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if run.Status != engine.StatusPaused {
		t.Fatalf("status = %s (%+v), want paused", run.Status, run.Error)
	}
	return run
}

func resumeJob(fk store.FlowKey, runID string, approved bool) runs.ResumeJob {
	return runs.ResumeJob{Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, RunID: runID, Node: "ask",
		Input: map[string]any{"approved": approved, "comment": "ok by bob"}}
}

func TestPauseThenResumeExactlyOnce(t *testing.T) {
	const id = "01JPAUSEDRUN00000000000000"
	f, fk := pausedApproval(t, id)

	rec, err := f.st.GetRun(f.ctx, f.runKey(id))
	if err != nil || rec.Status != "paused" {
		t.Fatalf("record = %+v, %v; want status paused", rec, err)
	}
	var sum struct {
		PausedAt  []string `json:"paused_at"`
		PausedIDs []string `json:"paused_ids"`
		// PausedTypes lets the API check an approval's answer before resuming.
		PausedTypes map[string]string `json:"paused_types"`
	}
	if err := json.Unmarshal(rec.Summary, &sum); err != nil || len(sum.PausedAt) != 1 || sum.PausedAt[0] != "ask" ||
		len(sum.PausedIDs) != 1 || sum.PausedIDs[0] != "ask" {
		t.Errorf("summary paused_at = %v, paused_ids = %v (%v), want [ask] (the API checks a resume's node against both)", sum.PausedAt, sum.PausedIDs, err)
	}
	if len(sum.PausedTypes) != 1 || sum.PausedTypes["ask"] != "control.approval" {
		t.Errorf("summary paused_types = %v, want ask: control.approval", sum.PausedTypes)
	}
	before := f.results(t, id)
	if len(before) != 3 || byNode(before)["ask"].Status != "paused" {
		t.Fatalf("results before resume = %+v, want start, sec and a paused ask", before)
	}
	if evs := f.pub.types(id); evs[len(evs)-1] != "run_paused" {
		t.Errorf("last event = %s, want run_paused", evs[len(evs)-1])
	}

	// two concurrent resumes: one wins, the other is told the run was resumed already
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won []*engine.Run
	var lost []error
	for range 2 {
		wg.Go(func() {
			run, err := f.x.Resume(f.ctx, resumeJob(fk, id, true))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				lost = append(lost, err)
				return
			}
			won = append(won, run)
		})
	}
	wg.Wait()
	if len(won) != 1 || len(lost) != 1 {
		t.Fatalf("winners %d, losers %d (%v); want one each", len(won), len(lost), lost)
	}
	if !errors.Is(lost[0], runs.ErrAlreadyResumed) {
		t.Errorf("losing resume err = %v, want ErrAlreadyResumed", lost[0])
	}
	run := won[0]
	if run.Status != engine.StatusSuccess || !run.Exited {
		t.Fatalf("resumed run = %s exited %v (%+v), want success through an exit", run.Status, run.Exited, run.Error)
	}
	// the secret was masked in the saved state and restored for the resumed nodes: the
	// engine redacts the real value again (a marker left in would show as itself)
	if out, _ := run.Output.(string); out != "refunded (ok by bob) key <secret:API_KEY>" {
		t.Errorf("output = %q, want the approved branch with the secret redacted", run.Output)
	}
	if _, err := f.x.Resume(f.ctx, resumeJob(fk, id, true)); !errors.Is(err, runs.ErrAlreadyResumed) {
		t.Errorf("third resume err = %v, want ErrAlreadyResumed", err)
	}

	rec, err = f.st.GetRun(f.ctx, f.runKey(id))
	if err != nil || rec.Status != "success" || rec.Trigger != "editor" {
		t.Fatalf("record after resume = %+v, %v; want success", rec, err)
	}
	after := f.results(t, id)
	var seq []string
	for _, r := range after {
		seq = append(seq, r.NodeID+":"+r.Status)
	}
	want := "start:success,sec:success,ask:paused,ask:success,refunded:success"
	if strings.Join(seq, ",") != want {
		t.Errorf("results = %s, want %s", strings.Join(seq, ","), want)
	}
}

// TestSkippedNodesGetTheirOwnSlots: skipped nodes have no execution order; they are
// stored after every executed node, and a resume continues their numbering.
func TestSkippedNodesGetTheirOwnSlots(t *testing.T) {
	f := setup(t)
	d := doc(t, []node{
		{"start", "trigger.manual", nil},
		{"off", "debug.log", map[string]any{"message": "disabled", "$disabled": true}},
		{"ask", "control.approval", map[string]any{"message": "go?"}},
		{"yes", "debug.log", map[string]any{"message": "approved"}},
		{"no", "debug.log", map[string]any{"message": "rejected"}},
	}, conn{"start", "true_path", "off", "node"}, conn{"start", "true_path", "ask", "node"},
		conn{"ask", "true_path", "yes", "node"}, conn{"ask", "false_path", "no", "node"})
	fk := f.flow(t, d, store.SaveAll, 0)
	run := pause(t, f, fk, "01JSKIPSLOTS00000000000000")
	if _, err := f.x.Resume(f.ctx, resumeJob(fk, run.ID, true)); err != nil {
		t.Fatalf("resume: %v", err)
	}
	var seq []string
	for _, r := range f.results(t, run.ID) {
		seq = append(seq, fmt.Sprintf("%s:%s:%d", r.NodeID, r.Status, r.Order))
	}
	want := "start:success:1,ask:paused:2,ask:success:3,yes:success:4,off:skipped:90000001,no:skipped:90000002"
	if strings.Join(seq, ",") != want {
		t.Errorf("results = %s, want %s", strings.Join(seq, ","), want)
	}
}

func TestResumeErrors(t *testing.T) {
	const id = "01JPAUSEDRUN00000000000001"
	f, fk := pausedApproval(t, id)

	if _, err := f.x.Resume(f.ctx, resumeJob(fk, "01JNEVERPAUSED000000000000", true)); !errors.Is(err, runs.ErrNotPaused) {
		t.Errorf("resume of a run that never paused: %v, want ErrNotPaused", err)
	}
	wrong := resumeJob(fk, id, true)
	wrong.Node = "refunded"
	if _, err := f.x.Resume(f.ctx, wrong); !errors.Is(err, runs.ErrNotPaused) || !strings.Contains(err.Error(), "ask") {
		t.Errorf("resume at a node that is not paused: %v, want ErrNotPaused naming ask", err)
	}
	other := resumeJob(fk, id, true)
	other.Flow = "01JOTHERFLOW00000000000000"
	var je *runs.JobError
	if _, err := f.x.Resume(f.ctx, other); !errors.As(err, &je) || je.Field != "flow" {
		t.Errorf("resume through another flow: %v, want a JobError on flow", err)
	}
	// the secret disappears while paused: the resume fails naming it, and can be retried
	if err := f.st.DeleteSecret(f.ctx, f.pk, "API_KEY", "prod"); err != nil {
		t.Fatalf("delete secret: %v", err)
	}
	if _, err := f.x.Resume(f.ctx, resumeJob(fk, id, false)); err == nil || !strings.Contains(err.Error(), "API_KEY") {
		t.Errorf("resume without the secret: %v, want an error naming API_KEY", err)
	}
	f.secret(t, "API_KEY", "prod", secretValue)
	// every failed attempt put the state back: the run still resumes, once
	run, err := f.x.Resume(f.ctx, resumeJob(fk, id, false))
	if err != nil {
		t.Fatalf("resume after failed attempts: %v", err)
	}
	if run.Status != engine.StatusSuccess || run.Output != "declined (ok by bob)" {
		t.Errorf("run = %s %v, want success on the declined branch", run.Status, run.Output)
	}
}

func TestResumeDraftRunUsesThePausedDocument(t *testing.T) {
	f := setup(t)
	f.secret(t, "API_KEY", "mock", secretValue)
	fk := f.flow(t, approvalFlow(t), store.SaveAll, 0)
	run, err := f.x.Execute(f.ctx, runs.Job{Kind: runs.KindEditor, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow,
		RunID: "01JDRAFTPAUSE0000000000000"})
	if err != nil || run.Status != engine.StatusPaused {
		t.Fatalf("execute draft = %v, %v; want paused", run, err)
	}
	// the draft is edited while the run waits
	if _, err := f.st.SaveDraft(f.ctx, fk, okFlow(t), 1); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	got, err := f.x.Resume(f.ctx, resumeJob(fk, run.ID, true))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got.Status != engine.StatusSuccess || got.Version != 0 || got.Stage != "mock" {
		t.Errorf("resumed = %s v%d %s, want success of the draft on mock", got.Status, got.Version, got.Stage)
	}
}

func TestErrorsPolicyKeepsResultsHeldAcrossAPause(t *testing.T) {
	d := doc(t, []node{
		{"start", "trigger.manual", map[string]any{"test_input": map[string]any{"n": 1}}},
		{"log", "debug.log", map[string]any{"message": "before the pause"}},
		{"ask", "control.approval", map[string]any{"message": "go on?"}},
		{"boom", "debug.fail", map[string]any{"message": "failed after approval: {{ ask.comment }}"}},
		{"fine", "debug.log", map[string]any{"message": "declined"}},
	}, conn{"start", "true_path", "log", "node"}, conn{"log", "true_path", "ask", "node"},
		conn{"ask", "true_path", "boom", "node"}, conn{"ask", "false_path", "fine", "node"})

	tests := []struct {
		name        string
		approve     bool
		wantStatus  string
		wantResults string
	}{
		{"fails after the pause", true, "error", "start:success,log:success,ask:paused,ask:success,boom:error"},
		{"succeeds after the pause", false, "success", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			fk := f.flow(t, d, store.SaveErrors, 0)
			job := f.job(fk, runs.KindSchedule)
			run, err := f.x.Execute(f.ctx, job)
			if err != nil || run.Status != engine.StatusPaused {
				t.Fatalf("execute = %v, %v; want paused", run, err)
			}
			if rs := f.results(t, run.ID); len(rs) != 0 {
				t.Fatalf("results while paused = %d, want none (held back)", len(rs))
			}
			if l := f.listRuns(t, fk); len(l) != 0 {
				t.Fatalf("records while paused = %d, want none", len(l))
			}
			got, err := f.x.Resume(f.ctx, resumeJob(fk, run.ID, tc.approve))
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if got.Status != tc.wantStatus {
				t.Fatalf("status = %s, want %s", got.Status, tc.wantStatus)
			}
			f.wait(t)
			var seq []string
			for _, r := range f.results(t, run.ID) {
				seq = append(seq, r.NodeID+":"+r.Status)
			}
			if strings.Join(seq, ",") != tc.wantResults {
				t.Errorf("results = %q, want %q", strings.Join(seq, ","), tc.wantResults)
			}
			l := f.listRuns(t, fk)
			if tc.wantStatus == "error" {
				if len(l) != 1 || l[0].Status != "error" || !strings.Contains(l[0].Error, "failed after approval: ok by bob") {
					t.Errorf("records = %+v, want one failed run", l)
				}
			} else if len(l) != 0 {
				t.Errorf("records = %+v, want none for a run that succeeded", l)
			}
		})
	}
}

// pausedApproval sets up the approval flow (with its prod secret) and pauses run id at its
// approval.
func pausedApproval(t *testing.T, id string) (*fixture, store.FlowKey) {
	t.Helper()
	f := setup(t)
	f.secret(t, "API_KEY", "prod", secretValue)
	fk := f.flow(t, approvalFlow(t), store.SaveAll, 0)
	pause(t, f, fk, id)
	return f, fk
}
