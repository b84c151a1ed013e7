package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

func TestEditorRunOfDraftBorrowsSubStageSecretAndEnv(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 0)
	// the draft moves on after version 1: an editor run executes the draft
	if _, err := f.st.SaveDraft(f.ctx, fk, secretFlow(t), 1); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	f.secret(t, "API_KEY", "prod", secretValue)
	f.envVar(t, "REGION", "prod", "eu-west-1")

	run, err := f.x.Execute(f.ctx, runs.Job{Kind: runs.KindEditor, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow,
		SubStage: "prod", RunID: "01JEDITORRUN0000000000000A"})
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if run.Status != engine.StatusSuccess {
		t.Fatalf("status = %s (%+v), want success", run.Status, run.Error)
	}
	if run.Stage != "mock" || run.Version != 0 || run.ID != "01JEDITORRUN0000000000000A" {
		t.Errorf("run stage/version/id = %q/%d/%q, want mock/0/01JEDITORRUN0000000000000A", run.Stage, run.Version, run.ID)
	}
	rec, err := f.st.GetRun(f.ctx, f.runKey(run.ID))
	if err != nil {
		t.Fatalf("get run: %v", err)
	}
	if rec.Status != "success" || rec.Trigger != "editor" || rec.Stage != "mock" || rec.Version != 0 || rec.Flow != fk.Flow {
		t.Errorf("stored run = %+v, want success editor run of the draft on mock", rec)
	}
	var sum map[string]any
	if err := json.Unmarshal(rec.Summary, &sum); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if sum["sub_stage"] != "prod" || sum["saved"] != true || sum["save"] != "all" {
		t.Errorf("summary = %v, want sub_stage prod, saved, save all", sum)
	}
	rs := f.results(t, run.ID)
	if len(rs) != 3 {
		t.Fatalf("stored %d node results, want 3 (start, sec, log)", len(rs))
	}
	for i, r := range rs {
		if r.Order != i+1 || r.Status != "success" {
			t.Errorf("result %d = order %d status %s, want order %d success", i, r.Order, r.Status, i+1)
		}
	}
	log := byNode(rs)["log"]
	var in map[string]any
	if err := json.Unmarshal(log.Inputs, &in); err != nil {
		t.Fatalf("log inputs: %v", err)
	}
	if in["message"] != "calling with <secret:API_KEY> in eu-west-1 and eu-west-1 for ada" || in["value"] != "Bearer <secret:API_KEY>" {
		t.Errorf("log inputs = %v, want the secret redacted and the env var read twice", in)
	}
	if strings.Contains(string(log.Inputs)+string(log.Outputs)+string(log.Logs), secretValue) {
		t.Errorf("stored log result holds the secret: %s %s %s", log.Inputs, log.Outputs, log.Logs)
	}
	got := f.pub.types(run.ID)
	want := []string{"run_start", "node_start", "node_end", "node_start", "node_end", "node_start", "node_log", "node_end", "run_end"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", got, want)
	}
}

func TestMissingSecretNamesKeyAndStage(t *testing.T) {
	tests := []struct {
		name      string
		job       func(fk store.FlowKey) runs.Job
		wantStage string
	}{
		{"published stage", func(fk store.FlowKey) runs.Job {
			return runs.Job{Kind: runs.KindSchedule, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, Version: 1, Stage: "prod"}
		}, `"prod"`},
		{"mock without sub-stage", func(fk store.FlowKey) runs.Job {
			return runs.Job{Kind: runs.KindEditor, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow}
		}, `"mock"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			fk := f.flow(t, secretFlow(t), store.SaveAll, 0)
			f.envVar(t, "REGION", "prod", "eu-west-1")
			f.envVar(t, "REGION", "mock", "local")
			run, err := f.x.Execute(f.ctx, tc.job(fk))
			if err != nil {
				t.Fatalf("execute: %v", err)
			}
			if run.Status != engine.StatusError || run.Error == nil {
				t.Fatalf("status = %s, want error", run.Status)
			}
			if !strings.Contains(run.Error.Error, "API_KEY") || !strings.Contains(run.Error.Error, tc.wantStage) {
				t.Errorf("error = %q, want it to name API_KEY and stage %s", run.Error.Error, tc.wantStage)
			}
			if run.Error.Node != "sec" {
				t.Errorf("error node = %q, want sec", run.Error.Node)
			}
		})
	}
}

func TestSavePolicies(t *testing.T) {
	tests := []struct {
		save        store.RunSaving
		fails       bool
		runID       bool
		wantRecord  bool
		wantStatus  string
		wantResults int
		wantSaved   bool
	}{
		{store.SaveAll, false, false, true, "success", 2, true},
		{store.SaveAll, true, false, true, "error", 3, true},
		{store.SaveErrors, false, false, false, "", 0, false},
		{store.SaveErrors, true, false, true, "error", 3, true},
		{store.SaveNone, false, false, false, "", 0, false},
		{store.SaveNone, true, false, false, "", 0, false},
		// with a run id the record is the idempotency claim; results follow the policy
		{store.SaveNone, true, true, true, "error", 0, false},
		{store.SaveErrors, false, true, true, "success", 0, false},
		{store.SaveErrors, true, true, true, "error", 3, true},
	}
	f := setup(t)
	for _, tc := range tests {
		name := string(tc.save)
		if tc.fails {
			name += "/failing"
		} else {
			name += "/succeeding"
		}
		if tc.runID {
			name += "/with run id"
		}
		t.Run(name, func(t *testing.T) {
			d := okFlow(t)
			if tc.fails {
				d = failFlow(t)
			}
			fk := f.flow(t, d, tc.save, 0)
			job := f.job(fk, runs.KindSchedule) // policy from the flow's setting
			job.Trigger = map[string]any{"name": "ada"}
			if tc.runID {
				job.RunID = f.x.NewRunID()
			}
			start := time.Now()
			run, err := f.x.Execute(f.ctx, job)
			if err != nil {
				t.Fatalf("execute: %v", err)
			}
			wantRun := "success"
			if tc.fails {
				wantRun = "error"
			}
			if run.Status != wantRun {
				t.Fatalf("run status = %s, want %s", run.Status, wantRun)
			}
			f.wait(t)
			listed := f.listRuns(t, fk)
			if !tc.wantRecord {
				if len(listed) != 0 {
					t.Fatalf("runs stored = %d (%+v), want none", len(listed), listed)
				}
				if rs := f.results(t, run.ID); len(rs) != 0 {
					t.Fatalf("node results stored = %d, want none", len(rs))
				}
				return
			}
			if len(listed) != 1 || listed[0].ID != run.ID {
				t.Fatalf("runs stored = %+v, want exactly run %s", listed, run.ID)
			}
			rec := listed[0]
			if rec.Status != tc.wantStatus || rec.Trigger != "schedule" || rec.Version != 1 || rec.Stage != "prod" {
				t.Errorf("record = %+v, want status %s, schedule run of v1 on prod", rec, tc.wantStatus)
			}
			if tc.fails && !strings.Contains(rec.Error, "it broke for ada") {
				t.Errorf("record error = %q, want the node's message", rec.Error)
			}
			if rec.Duration <= 0 {
				t.Errorf("record duration = %v, want > 0", rec.Duration)
			}
			if tc.save == store.SaveNone && rec.ExpiresAt.After(start.Add(25*time.Hour)) {
				t.Errorf("claim of a none-policy run expires %v, want within the claim TTL (24h)", rec.ExpiresAt)
			}
			var sum struct {
				Saved  bool           `json:"saved"`
				Save   string         `json:"save"`
				Counts map[string]int `json:"counts"`
			}
			if err := json.Unmarshal(rec.Summary, &sum); err != nil {
				t.Fatalf("summary: %v", err)
			}
			if sum.Saved != tc.wantSaved || sum.Save != string(tc.save) {
				t.Errorf("summary saved/save = %v/%s, want %v/%s", sum.Saved, sum.Save, tc.wantSaved, tc.save)
			}
			rs := f.results(t, run.ID)
			if len(rs) != tc.wantResults {
				t.Fatalf("node results stored = %d, want %d", len(rs), tc.wantResults)
			}
			if tc.wantResults == 3 {
				last := rs[2]
				if last.NodeID != "boom" || last.Status != "error" || !strings.Contains(string(last.Error), "it broke for ada") {
					t.Errorf("last result = %s %s %s, want boom error with its message", last.NodeID, last.Status, last.Error)
				}
			}
		})
	}
}

func TestExplicitPolicyOverridesFlowSetting(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveNone, 0)
	job := f.job(fk, runs.KindRouter)
	job.Save = store.SaveAll
	run, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	f.wait(t)
	if got := len(f.results(t, run.ID)); got != 2 {
		t.Errorf("results = %d, want 2 (job policy all wins over the flow's none)", got)
	}
	if l := f.listRuns(t, fk); len(l) != 1 || l[0].Trigger != "router" {
		t.Errorf("runs = %+v, want one router run", l)
	}
}

// flakyRecords writes router runs but reports the first `lost` writes as failed (as a
// timeout after DynamoDB applied them would), and counts results written one by one.
type flakyRecords struct {
	runs.Store
	mu      sync.Mutex
	lost    int
	records int
	pieces  int
}

func (l *flakyRecords) RecordRun(ctx context.Context, r store.Run, results []store.NodeResult) (store.Run, error) {
	l.mu.Lock()
	l.records++
	fail := l.records <= l.lost
	l.mu.Unlock()
	if _, err := l.Store.RecordRun(ctx, r, results); err != nil {
		return store.Run{}, err
	}
	if fail {
		return store.Run{}, fmt.Errorf("record run: %w", store.ErrUnavailable)
	}
	return r, nil
}

func (l *flakyRecords) PutNodeResult(ctx context.Context, k store.RunKey, nr store.NodeResult) error {
	l.mu.Lock()
	l.pieces++
	l.mu.Unlock()
	return l.Store.PutNodeResult(ctx, k, nr)
}

// A router run's one write that seemed to fail is tried again (it may have landed: the
// write replaces itself); when the store stays unavailable the run is not written piece by
// piece on top (that would add to the load of a struggling store) and the caller gets the
// run with the error.
func TestRouterRecordWhenTheStoreStruggles(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 0)
	for _, tc := range []struct {
		name    string
		lost    int
		wantErr bool
		runs    int
	}{{"one lost answer", 1, false, 1}, {"unavailable throughout", 99, true, 2}} {
		fs := &flakyRecords{Store: f.st, lost: tc.lost}
		x, err := runs.New(runs.Options{Store: fs, Secrets: f.box, Compiler: f.comp, WriteBackoff: time.Millisecond,
			RetentionInterval: -1, Engine: engine.Options{Concurrency: 1}})
		if err != nil {
			t.Fatal(err)
		}
		job := f.job(fk, runs.KindRouter)
		job.Save = store.SaveAll
		run, err := x.Execute(f.ctx, job)
		if (err != nil) != tc.wantErr || tc.wantErr && !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s: execute error %v", tc.name, err)
		}
		if run == nil || run.Status != "success" {
			t.Fatalf("%s: run %+v", tc.name, run)
		}
		if err := x.Wait(f.ctx); err != nil {
			t.Fatal(err)
		}
		if fs.pieces != 0 {
			t.Errorf("%s: %d results written one by one", tc.name, fs.pieces)
		}
		// the flaky store wrote every attempt: the record is there once, complete
		if l := f.listRuns(t, fk); len(l) != tc.runs || l[0].ID != run.ID || l[0].Status != "success" {
			t.Fatalf("%s: runs = %+v", tc.name, l)
		}
		if got := len(f.results(t, run.ID)); got != 2 {
			t.Errorf("%s: results = %d, want 2", tc.name, got)
		}
	}
}

func TestIdempotentByRunID(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, failFlow(t), store.SaveAll, 0)
	job := f.job(fk, runs.KindSchedule)
	job.RunID = "01JSCHEDULEDRUN00000000000"
	first, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("first execute: %v", err)
	}
	again, err := f.x.Execute(f.ctx, job)
	if !errors.Is(err, runs.ErrDuplicateRun) {
		t.Fatalf("second execute err = %v, want ErrDuplicateRun", err)
	}
	if again == nil || again.ID != first.ID || again.Status != "error" || again.Error == nil ||
		!strings.Contains(again.Error.Error, "it broke") {
		t.Fatalf("second execute returned %+v, want the stored failed record", again)
	}
	if len(again.Nodes) != 3 || again.Nodes[2].NodeID != "boom" {
		t.Errorf("stored record nodes = %+v, want the 3 stored results", again.Nodes)
	}
	if n := strings.Count(strings.Join(f.pub.types(job.RunID), ","), "run_start"); n != 1 {
		t.Errorf("run_start events = %d, want 1 (the flow ran once)", n)
	}
	if got := len(f.results(t, job.RunID)); got != 3 {
		t.Errorf("results = %d, want 3", got)
	}

	// concurrent deliveries of one run id: exactly one runs
	job.RunID = "01JSCHEDULEDRUN00000000001"
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran, dups := 0, 0
	for range 5 {
		wg.Go(func() {
			_, err := f.x.Execute(f.ctx, job)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ran++
			case errors.Is(err, runs.ErrDuplicateRun):
				dups++
			default:
				t.Errorf("concurrent execute: %v", err)
			}
		})
	}
	wg.Wait()
	if ran != 1 || dups != 4 {
		t.Errorf("ran %d, duplicates %d; want 1 and 4", ran, dups)
	}
}

func TestIdempotentWithPolicyNone(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveNone, 0)
	job := f.job(fk, runs.KindSchedule)
	job.RunID = "01JNONEPOLICYRUN0000000000"
	if _, err := f.x.Execute(f.ctx, job); err != nil {
		t.Fatalf("first execute: %v", err)
	}
	run, err := f.x.Execute(f.ctx, job)
	if !errors.Is(err, runs.ErrDuplicateRun) || run.Status != "success" {
		t.Fatalf("second execute = %v, %v; want the claimed success and ErrDuplicateRun", run, err)
	}
	if got := len(f.results(t, job.RunID)); got != 0 {
		t.Errorf("results = %d, want none with policy none", got)
	}
}

func TestRetentionKeepsNewestRuns(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 3)
	var ids []string
	for range 6 {
		run, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule))
		if err != nil {
			t.Fatalf("execute: %v", err)
		}
		ids = append(ids, run.ID)
		time.Sleep(2 * time.Millisecond) // distinct ULID times
	}
	f.wait(t)
	listed := f.listRuns(t, fk)
	if len(listed) != 3 {
		t.Fatalf("kept %d runs, want 3", len(listed))
	}
	for i, r := range listed {
		if want := ids[len(ids)-1-i]; r.ID != want {
			t.Errorf("kept run %d = %s, want %s (newest first)", i, r.ID, want)
		}
	}
	if rs := f.results(t, ids[0]); len(rs) != 0 {
		t.Errorf("results of the deleted oldest run = %d, want 0", len(rs))
	}
	if rs := f.results(t, ids[5]); len(rs) != 2 {
		t.Errorf("results of the newest run = %d, want 2", len(rs))
	}
}

func TestExecutorRetentionOverride(t *testing.T) {
	f := setup(t, func(o *runs.Options) { o.Retention = 1 })
	fk := f.flow(t, okFlow(t), store.SaveAll, 50)
	for range 3 {
		if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
			t.Fatalf("execute: %v", err)
		}
	}
	f.wait(t)
	if l := f.listRuns(t, fk); len(l) != 1 {
		t.Errorf("kept %d runs, want 1 (executor retention overrides the flow's 50)", len(l))
	}
}

func TestRunsThatCannotStart(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 0)

	t.Run("unknown start node is recorded as an error", func(t *testing.T) {
		job := f.job(fk, runs.KindEditor)
		job.RunID, job.Start = f.x.NewRunID(), "nope"
		run, err := f.x.Execute(f.ctx, job)
		if err == nil || run != nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Fatalf("execute = %v, %v; want an error naming the start node", run, err)
		}
		rec, gerr := f.st.GetRun(f.ctx, f.runKey(job.RunID))
		if gerr != nil || rec.Status != "error" || !strings.Contains(rec.Error, `"nope"`) {
			t.Errorf("record = %+v, %v; want status error naming the start node", rec, gerr)
		}
		evs := f.pub.types(job.RunID)
		if len(evs) == 0 || evs[len(evs)-1] != "run_end" {
			t.Errorf("events = %v, want a closing run_end", evs)
		}
	})
	t.Run("missing version", func(t *testing.T) {
		job := f.job(fk, runs.KindSchedule)
		job.Version, job.RunID = 7, f.x.NewRunID()
		_, err := f.x.Execute(f.ctx, job)
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "version 7") {
			t.Fatalf("err = %v, want not found naming version 7", err)
		}
		if rec, gerr := f.st.GetRun(f.ctx, f.runKey(job.RunID)); gerr != nil || rec.Status != "error" {
			t.Errorf("record = %+v, %v; want status error", rec, gerr)
		}
	})
	t.Run("missing flow records nothing", func(t *testing.T) {
		job := f.job(fk, runs.KindSchedule)
		job.Flow, job.RunID = "01JNOSUCHFLOW0000000000000", f.x.NewRunID()
		_, err := f.x.Execute(f.ctx, job)
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
		if _, gerr := f.st.GetRun(f.ctx, f.runKey(job.RunID)); !errors.Is(gerr, store.ErrNotFound) {
			t.Errorf("get run = %v, want no record", gerr)
		}
	})
}

func TestJobValidation(t *testing.T) {
	f := setup(t)
	base := runs.Job{Kind: runs.KindSchedule, Tenant: "t1", Project: "p1", Flow: "f1", Version: 1, Stage: "prod"}
	tests := []struct {
		name  string
		edit  func(j *runs.Job)
		field string
	}{
		{"no kind", func(j *runs.Job) { j.Kind = "" }, "kind"},
		{"unknown kind", func(j *runs.Job) { j.Kind = "cron" }, "kind"},
		{"resume kind", func(j *runs.Job) { j.Kind = runs.KindResume }, "kind"},
		{"no tenant", func(j *runs.Job) { j.Tenant = "" }, "tenant"},
		{"no project", func(j *runs.Job) { j.Project = "" }, "project"},
		{"bad flow", func(j *runs.Job) { j.Flow = "a#b" }, "flow"},
		{"draft outside the editor", func(j *runs.Job) { j.Version = 0 }, "version"},
		{"negative version", func(j *runs.Job) { j.Version = -1 }, "version"},
		{"no stage", func(j *runs.Job) { j.Stage = "" }, "stage"},
		{"bad stage", func(j *runs.Job) { j.Stage = "Prod!" }, "stage"},
		{"sub-stage off mock", func(j *runs.Job) { j.SubStage = "prod" }, "sub_stage"},
		{"bad run id", func(j *runs.Job) { j.RunID = "has space" }, "run_id"},
		{"bad policy", func(j *runs.Job) { j.Save = "some" }, "save"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := base
			tc.edit(&j)
			_, err := f.x.Execute(f.ctx, j)
			var je *runs.JobError
			if !errors.As(err, &je) || !errors.Is(err, runs.ErrInvalidJob) {
				t.Fatalf("err = %v, want a *JobError", err)
			}
			if je.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", je.Field, tc.field, err)
			}
		})
	}
	for _, rj := range []struct {
		job   runs.ResumeJob
		field string
	}{
		{runs.ResumeJob{Project: "p", Flow: "f", RunID: "r", Node: "n"}, "tenant"},
		{runs.ResumeJob{Tenant: "t", Project: "p", Flow: "f", Node: "n"}, "run_id"},
		{runs.ResumeJob{Tenant: "t", Project: "p", Flow: "f", RunID: "r"}, "node"},
	} {
		_, err := f.x.Resume(f.ctx, rj.job)
		var je *runs.JobError
		if !errors.As(err, &je) || je.Field != rj.field {
			t.Errorf("resume %+v: err = %v, want a *JobError on %s", rj.job, err, rj.field)
		}
	}
}

func TestNewRequiresStoreAndCompiler(t *testing.T) {
	if _, err := runs.New(runs.Options{}); err == nil || !strings.Contains(err.Error(), "Store") {
		t.Errorf("New without store = %v, want an error naming Store", err)
	}
	f := setup(t)
	if _, err := runs.New(runs.Options{Store: f.st}); err == nil || !strings.Contains(err.Error(), "Compiler") {
		t.Errorf("New without compiler = %v, want an error naming Compiler", err)
	}
	if _, err := runs.New(runs.Options{Store: f.st, Compiler: f.comp, Retention: -1}); err == nil || !strings.Contains(err.Error(), "Retention") {
		t.Errorf("New with retention -1 = %v, want an error naming Retention", err)
	}
}

func TestJobPublisherOverridesFactory(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveNone, 0)
	own := &recorder{}
	job := f.job(fk, runs.KindRouter)
	job.Publisher = own
	run, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if got := own.types(run.ID); len(got) == 0 || got[0] != "run_start" || got[len(got)-1] != "run_end" {
		t.Errorf("job publisher events = %v, want run_start … run_end", got)
	}
	if got := f.pub.types(run.ID); len(got) != 0 {
		t.Errorf("factory publisher got %v, want nothing", got)
	}
}

func TestRetentionInterval(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	f := setup(t, func(o *runs.Options) { o.RetentionInterval, o.Now = time.Hour, clock })
	fk := f.flow(t, okFlow(t), store.SaveAll, 1)
	for range 3 {
		if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
			t.Fatalf("execute: %v", err)
		}
		f.wait(t)
	}
	if l := f.listRuns(t, fk); len(l) != 3 {
		t.Fatalf("runs within the interval = %d, want 3 (one pass, made after the first run)", len(l))
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
		t.Fatalf("execute: %v", err)
	}
	f.wait(t)
	if l := f.listRuns(t, fk); len(l) != 1 {
		t.Errorf("runs after the interval = %d, want 1", len(l))
	}
}

// A busy flow gets a pass every RetentionEvery kept runs, well within the interval.
func TestRetentionEveryFewRuns(t *testing.T) {
	f := setup(t, func(o *runs.Options) { o.RetentionInterval, o.RetentionEvery = time.Hour, 4 })
	fk := f.flow(t, okFlow(t), store.SaveAll, 2)
	counts := []int{}
	for range 9 {
		if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
			t.Fatalf("execute: %v", err)
		}
		f.wait(t)
		counts = append(counts, len(f.listRuns(t, fk)))
	}
	// a pass after the first run (none before), then after every 4th kept run
	want := []int{1, 2, 3, 4, 2, 3, 4, 5, 2}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("runs kept after each run = %v, want %v", counts, want)
	}
}

// A flow keeping more runs than RetentionEvery is passed over once per that many kept
// runs (learned from its last pass), not every RetentionEvery.
func TestRetentionEveryFollowsTheFlowsSetting(t *testing.T) {
	f := setup(t, func(o *runs.Options) { o.RetentionInterval, o.RetentionEvery = time.Hour, 2 })
	fk := f.flow(t, okFlow(t), store.SaveAll, 4)
	counts := []int{}
	for range 10 {
		if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
			t.Fatalf("execute: %v", err)
		}
		f.wait(t)
		counts = append(counts, len(f.listRuns(t, fk)))
	}
	// a pass after the first run (which learns the flow keeps 4), then after every 4th
	want := []int{1, 2, 3, 4, 4, 5, 6, 7, 4, 5}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("runs kept after each run = %v, want %v", counts, want)
	}
}

// Wait may be called by many requests at once while others start retention passes (the
// local cloud serves concurrent requests from one executor); each returns once idle.
func TestWaitWhileRunsGoOn(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule)); err != nil {
				errs <- err
				return
			}
			errs <- f.x.Wait(f.ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("execute or wait: %v", err)
		}
	}
	if err := f.x.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}
	// every pass has ended, the last one after the last kept run
	if l := f.listRuns(t, fk); len(l) != 3 {
		t.Fatalf("runs kept = %d, want 3", len(l))
	}
}

// closing is a publisher that counts its events and closes.
type closing struct {
	mu     sync.Mutex
	events int
	closed int
}

func (c *closing) Publish(context.Context, engine.Event) { c.mu.Lock(); c.events++; c.mu.Unlock() }
func (c *closing) Close(context.Context) error           { c.mu.Lock(); c.closed++; c.mu.Unlock(); return nil }

func TestPublishersAreAskedForRunsThatGoAheadAndClosed(t *testing.T) {
	var made []*closing
	var refs []runs.RunRef
	f := setup(t, func(o *runs.Options) {
		o.Publishers = func(_ context.Context, ref runs.RunRef) engine.Publisher {
			c := &closing{}
			made, refs = append(made, c), append(refs, ref)
			return c
		}
	})
	fk := f.flow(t, okFlow(t), store.SaveAll, 0)
	job := f.job(fk, runs.KindSchedule)
	job.RunID = "01JPUBLISHERS0000000000000"
	if _, err := f.x.Execute(f.ctx, job); err != nil {
		t.Fatalf("execute: %v", err)
	}
	if _, err := f.x.Execute(f.ctx, job); !errors.Is(err, runs.ErrDuplicateRun) {
		t.Fatalf("duplicate: %v", err)
	}
	if len(made) != 1 {
		t.Fatalf("publishers made = %d, want 1 (none for the duplicate)", len(made))
	}
	if made[0].closed != 1 || made[0].events == 0 {
		t.Errorf("publisher got %d events and %d closes, want events and one close", made[0].events, made[0].closed)
	}
	want := runs.RunRef{Kind: runs.KindSchedule, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, RunID: job.RunID}
	if refs[0] != want {
		t.Errorf("ref = %+v, want %+v", refs[0], want)
	}
}

// A router run with policy all is written in one batch with its node results; its
// summary says they are saved, as every other kept run's does (it said saved: false).
func TestRouterBatchSummarySaysSaved(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, okFlow(t), store.SaveAll, 0)
	run, err := f.x.Execute(f.ctx, f.job(fk, runs.KindRouter))
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	f.wait(t)
	if got := len(f.results(t, run.ID)); got != 2 {
		t.Fatalf("results = %d, want 2", got)
	}
	l := f.listRuns(t, fk)
	if len(l) != 1 {
		t.Fatalf("runs = %+v, want one", l)
	}
	var sum struct {
		Saved bool   `json:"saved"`
		Save  string `json:"save"`
	}
	if err := json.Unmarshal(l[0].Summary, &sum); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if !sum.Saved || sum.Save != "all" {
		t.Errorf("summary saved/save = %v/%s, want true/all (%s)", sum.Saved, sum.Save, l[0].Summary)
	}
}
