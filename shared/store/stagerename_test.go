package store_test

import (
	"testing"

	"polysynergy/shared/store"
)

// A rename's new stage carries the old name (RenamingFrom) from BeginStageRename until
// FinishStageRename clears it, counting its revision up; finishing again, or a rename from
// another stage, leaves the stage as it is; a stage that is gone is ErrNotFound.
func TestStageRenameMark(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")
	pk := store.ProjectKey{Tenant: tn.ID, Project: p.ID}
	f.stage(t, pk, "test", 1)

	read := must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "test"))
	began := must[store.Stage](t)(f.s.BeginStageRename(f.ctx, pk, read, "qa", true))
	if began.RenamingFrom != "test" {
		t.Fatalf("began %+v", began)
	}
	if got := must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "qa")); got.RenamingFrom != "test" {
		t.Fatalf("stored %+v", got)
	}
	if got := must[store.Stage](t)(f.s.FinishStageRename(f.ctx, pk, "qa", "other")); got.RenamingFrom != "test" || got.Rev != began.Rev {
		t.Fatalf("finishing a rename from another stage changed it: %+v", got)
	}
	done := must[store.Stage](t)(f.s.FinishStageRename(f.ctx, pk, "qa", "test"))
	if done.RenamingFrom != "" || done.Rev != began.Rev+1 {
		t.Fatalf("finished %+v (began %+v)", done, began)
	}
	if again := must[store.Stage](t)(f.s.FinishStageRename(f.ctx, pk, "qa", "test")); again != done {
		t.Fatalf("finished again %+v, was %+v", again, done)
	}
	var listed []store.Stage
	listed = must[[]store.Stage](t)(f.s.ListStages(f.ctx, pk))
	for _, s := range listed {
		if s.RenamingFrom != "" {
			t.Fatalf("listed %+v", listed)
		}
	}
	_, err := f.s.FinishStageRename(f.ctx, pk, "gone", "test")
	wantErr(t, err, store.ErrNotFound)
}
