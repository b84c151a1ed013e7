package store_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"polysynergy/shared/store"
)

// A run is deleted only once it has ended: a running or paused run is refused (its
// runner still writes to it, or a resume will), with what ends it; a run running longer
// than store.RunMaxDuration (its runner stopped without recording the end) is deleted,
// counted from when it was last resumed; the bulk delete leaves and counts the others.
func TestDeleteRunOnlyOnceEnded(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	fl := f.routeFlow(t, pk, "Orders", "orders")
	other := f.routeFlow(t, pk, "Other", "other")
	add := func(status string) store.Run {
		t.Helper()
		r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "prod",
			Version: 1, Trigger: "route", Status: status}))
		noErr(t, f.s.PutNodeResult(f.ctx, r.Key(), store.NodeResult{NodeID: "a", Order: 0, Status: "success",
			StartedAt: r.StartedAt, Outputs: json.RawMessage(`{"v":1}`)}))
		return r
	}
	stale := add("running") // its runner crashed: running for ever
	f.clock.Advance(2 * time.Minute)
	resumed := add("paused") // paused long ago, resumed just now
	running := add("running")
	paused := add("paused")
	done := add("success")
	f.clock.Advance(store.RunMaxDuration - 3*time.Minute)
	noErr(t, f.s.UpdateRun(f.ctx, resumed.Key(), store.RunUpdate{Status: "running"}))
	f.clock.Advance(2 * time.Minute) // stale: 16 minutes old; running: 14

	var ae *store.RunActiveError
	err := f.s.DeleteRun(f.ctx, running.Key(), fl.ID)
	if !errors.As(err, &ae) || !errors.Is(err, store.ErrRunActive) || ae.Status != "running" {
		t.Fatalf("delete running run: %v, want a RunActiveError for a running run", err)
	}
	if want := running.StartedAt.Truncate(time.Second).Add(store.RunMaxDuration); !ae.DeletableAt.Equal(want) {
		t.Errorf("running run deletable at %v, want %v", ae.DeletableAt, want)
	}
	err = f.s.DeleteRun(f.ctx, paused.Key(), fl.ID)
	if !errors.As(err, &ae) || ae.Status != "paused" || !ae.ExpiresAt.Equal(paused.ExpiresAt) {
		t.Fatalf("delete paused run: %v (%+v), want a RunActiveError for a paused run expiring at %v", err, ae, paused.ExpiresAt)
	}
	if err := f.s.DeleteRun(f.ctx, resumed.Key(), fl.ID); !errors.As(err, &ae) || ae.Status != "running" {
		t.Fatalf("delete a run resumed 2 minutes ago (started long before): %v, want it refused as running", err)
	}
	wantErr(t, f.s.DeleteRun(f.ctx, done.Key(), other.ID), store.ErrNotFound)
	// refused runs are whole, and their runners' writes still land
	for _, r := range []store.Run{running, paused, resumed} {
		noErr(t, f.s.UpdateRun(f.ctx, r.Key(), store.RunUpdate{Summary: json.RawMessage(`{"n":1}`)}))
		if ns := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, r.Key())); len(ns) != 1 {
			t.Fatalf("refused run %s has %d node results, want 1", r.ID, len(ns))
		}
	}

	noErr(t, f.s.DeleteRun(f.ctx, stale.Key(), fl.ID))
	wantErr(t, f.s.DeleteRun(f.ctx, stale.Key(), fl.ID), store.ErrNotFound)
	if ns := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, stale.Key())); len(ns) != 0 {
		t.Fatalf("deleted run left %d node results", len(ns))
	}

	res := must[store.FlowRunsDeleted](t)(f.s.DeleteFlowRuns(f.ctx, fl.Key()))
	if res.Deleted != 1 || res.Skipped != 3 {
		t.Fatalf("bulk delete %+v, want 1 deleted (the finished run), 3 skipped", res)
	}
	wantErr(t, f.s.DeleteRun(f.ctx, done.Key(), fl.ID), store.ErrNotFound)
	f.clock.Advance(2 * time.Minute) // the running run is now older than the longest run
	res = must[store.FlowRunsDeleted](t)(f.s.DeleteFlowRuns(f.ctx, fl.Key()))
	if res.Deleted != 1 || res.Skipped != 2 {
		t.Fatalf("bulk delete a minute later %+v, want the stopped running run deleted, 2 skipped", res)
	}
	left := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{}))
	if len(left.Items) != 2 {
		t.Fatalf("runs left %+v, want the paused and the resumed run", left.Items)
	}
}

// A run recorded before runs carried when they went running (running_at) counts from its
// start: still running, it is refused until RunMaxDuration after it started.
func TestDeleteRunRecordedWithoutRunningAt(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	fl := f.routeFlow(t, pk, "Orders", "orders")
	r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "prod",
		Version: 1, Trigger: "schedule", Status: "running"}))
	runPK := "T#" + tn.ID + "#P#" + pk.Project + "#R#" + r.ID
	it := f.rawItem(t, runPK, "RUN")
	delete(it, "running_at") // written again without it (the embedded server keeps REMOVEd attributes)
	_, err := f.env.Client.PutItem(f.ctx, &dynamodb.PutItemInput{TableName: aws.String(f.env.Table), Item: it})
	noErr(t, err)
	if it := f.rawItem(t, runPK, "RUN"); it == nil || it["running_at"] != nil {
		t.Fatalf("run item %v, want it without running_at", it)
	}
	f.clock.Advance(store.RunMaxDuration - time.Minute)
	var ae *store.RunActiveError
	if err := f.s.DeleteRun(f.ctx, r.Key(), fl.ID); !errors.As(err, &ae) ||
		!ae.DeletableAt.Equal(r.StartedAt.Add(store.RunMaxDuration)) {
		t.Fatalf("delete a 14-minute-old running run: %v (%+v), want it refused, deletable 15 minutes after its start %v", err, ae, r.StartedAt)
	}
	f.clock.Advance(2 * time.Minute)
	noErr(t, f.s.DeleteRun(f.ctx, r.Key(), fl.ID))
}
