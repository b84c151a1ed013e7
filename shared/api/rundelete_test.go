package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// Deleting a run that has not ended is refused with 409 at path.run saying why and what
// ends it (it answered 204: the record went while the runner still wrote to it, and node
// results written after the delete stayed behind); the run and its results stay, and the
// runner's writes still land. A run running for longer than any run can take has stopped
// and is deleted. Deleting every run leaves those that have not ended and counts them.
func TestDeleteRunRefusedUntilEnded(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	running := e.addRun(u.tenant, pv.ID, f.ID, "mock", "running", 1)
	paused := e.addRun(u.tenant, pv.ID, f.ID, "mock", "paused", 1)
	done := e.addRun(u.tenant, pv.ID, f.ID, "mock", "success", 1)
	failed := e.addRun(u.tenant, pv.ID, f.ID, "mock", "error", 1)
	stuck, err := e.db.Store.CreateRun(e.t.Context(), store.Run{Tenant: u.tenant, Project: pv.ID, Flow: f.ID, Stage: "mock",
		Version: 1, Trigger: "schedule", Status: "running", StartedAt: time.Now().Add(-store.RunMaxDuration - time.Minute)})
	if err != nil {
		t.Fatal(err)
	}

	p := e.do(http.MethodDelete, path+"/runs/"+running.ID, u.token, nil).problem(http.StatusConflict)
	wantFields(t, p, "path.run")
	if !strings.Contains(p.Detail, "the run is still running; it can be deleted once it has ended") {
		t.Errorf("running: detail %q, want it to say the run is still running and can be deleted once ended", p.Detail)
	}
	p = e.do(http.MethodDelete, path+"/runs/"+paused.ID, u.token, nil).problem(http.StatusConflict)
	wantFields(t, p, "path.run")
	if !strings.Contains(p.Detail, "paused, waiting to be resumed") || !strings.Contains(p.Detail, "resumed, it ends when its flow finishes") ||
		!strings.Contains(p.Detail, paused.ExpiresAt.UTC().Format(time.RFC3339)) {
		t.Errorf("paused: detail %q, want it to say the run waits to be resumed, what ends it and when it expires", p.Detail)
	}
	var d RunDetail
	for _, r := range []store.Run{running, paused} {
		e.do(http.MethodGet, path+"/runs/"+r.ID, u.token, nil).ok(&d)
		if d.Status != r.Status || len(d.Nodes) != 1 {
			t.Fatalf("refused %s run after delete: %+v, want it whole", r.Status, d)
		}
	}
	// the running run's runner goes on writing, and records its end
	k := store.RunKey{Tenant: u.tenant, Project: pv.ID, Run: running.ID}
	if err := e.db.Store.PutNodeResult(e.t.Context(), k, store.NodeResult{NodeID: "n9", Order: 9, Status: "success",
		StartedAt: running.StartedAt, Outputs: json.RawMessage(`{"value":2}`)}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.UpdateRun(e.t.Context(), k, store.RunUpdate{Status: "success", Duration: time.Second}); err != nil {
		t.Fatalf("runner records the end after a refused delete: %v", err)
	}

	e.do(http.MethodDelete, path+"/runs/"+stuck.ID, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, path+"/runs/"+done.ID, u.token, nil).status(http.StatusNoContent)
	wantFields(t, e.do(http.MethodDelete, path+"/runs/"+done.ID, u.token, nil).problem(http.StatusNotFound), "path.run")

	var del DeletedRuns
	e.do(http.MethodDelete, path+"/runs", u.token, nil).ok(&del)
	if del.Deleted != 2 || del.Skipped != 1 {
		t.Fatalf("delete all: %+v, want 2 deleted (the failed run, the running run that has since ended), 1 skipped (paused)", del)
	}
	var list List[RunView]
	e.do(http.MethodGet, path+"/runs", u.token, nil).ok(&list)
	if len(list.Items) != 1 || list.Items[0].ID != paused.ID {
		t.Fatalf("runs after delete all: %+v, want the paused run alone", list.Items)
	}
	for _, r := range []store.Run{running, stuck, failed} {
		ns, err := e.db.Store.ListNodeResults(e.t.Context(), store.RunKey{Tenant: u.tenant, Project: pv.ID, Run: r.ID})
		if err != nil || len(ns) != 0 {
			t.Fatalf("deleted run %s left node results %+v (%v)", r.ID, ns, err)
		}
	}
}
