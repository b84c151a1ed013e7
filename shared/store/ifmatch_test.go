package store_test

import (
	"testing"

	"polysynergy/shared/store"
)

// The conditional stage writes: a claim or a rename's first write happens only while the
// stage is as read; a refused one writes nothing, and a rename that cannot create its new
// name leaves the old stage's revision as it was.
func TestConditionalStageWrites(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")
	pk := store.ProjectKey{Tenant: tn.ID, Project: p.ID}
	f.stage(t, pk, "test", 1)
	f.stage(t, pk, "prod", 2)

	read := must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "test"))
	noErr(t, f.s.SetStagePosition(f.ctx, pk, "test", 5))
	_, err := f.s.ClaimStage(f.ctx, pk, read)
	wantErr(t, err, store.ErrChanged)
	_, err = f.s.BeginStageRename(f.ctx, pk, read, "qa", true)
	wantErr(t, err, store.ErrChanged)
	if _, err := f.s.GetStage(f.ctx, pk, "qa"); err == nil {
		t.Fatal("a refused rename created its new name")
	}
	now := must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "test"))
	if now.Rev != 0 || now.Position != 5 {
		t.Fatalf("stage after refused writes %+v", now)
	}

	claimed := must[store.Stage](t)(f.s.ClaimStage(f.ctx, pk, now))
	if claimed.Rev != 1 || must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "test")).Rev != 1 {
		t.Fatalf("claimed %+v", claimed)
	}
	_, err = f.s.ClaimStage(f.ctx, pk, now) // the second claim on one read
	wantErr(t, err, store.ErrChanged)

	// the new name taken: nothing written, not even the old stage's revision
	_, err = f.s.BeginStageRename(f.ctx, pk, claimed, "prod", true)
	wantErr(t, err, store.ErrExists)
	if got := must[store.Stage](t)(f.s.GetStageConsistent(f.ctx, pk, "test")); got.Rev != 1 {
		t.Fatalf("a rename to a taken name counted the revision up: %+v", got)
	}
	renamed := must[store.Stage](t)(f.s.BeginStageRename(f.ctx, pk, claimed, "qa", true))
	if renamed.Rev != 2 || renamed.Position != 5 || !renamed.CreatedAt.Equal(claimed.CreatedAt) {
		t.Fatalf("renamed %+v from %+v", renamed, claimed)
	}
	_, err = f.s.BeginStageRename(f.ctx, pk, store.Stage{Name: "gone"}, "other", false)
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.ClaimStage(f.ctx, pk, store.Stage{Name: "gone"})
	wantErr(t, err, store.ErrNotFound)
}

// Every write of a variable's value counts its revision up; a conditional write checks the
// other stages too (a value that appeared on a stage that had none is a change).
func TestConditionalVarWrites(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")
	pk := store.ProjectKey{Tenant: tn.ID, Project: p.ID}
	f.stage(t, pk, "test", 1)
	f.stage(t, pk, "prod", 2)

	noErr(t, f.s.SetEnvVar(f.ctx, pk, "BASE", "test", "a"))
	noErr(t, f.s.SetEnvVar(f.ctx, pk, "BASE", "test", "a"))
	v, m, err := f.s.EnvVarState(f.ctx, pk, "BASE")
	noErr(t, err)
	if v.Revs["test"] != 2 || m.Revs["test"].Rev != 2 || len(m.Absent) != 2 { // mock and prod
		t.Fatalf("state %+v %+v", v, m)
	}
	noErr(t, f.s.SetEnvVar(f.ctx, pk, "BASE", "prod", "p")) // on a stage that had none
	wantErr(t, f.s.SetEnvVarsIf(f.ctx, pk, "BASE", map[string]string{"test": "lost"}, m), store.ErrChanged)
	wantErr(t, f.s.DeleteEnvVarsIf(f.ctx, pk, "BASE", []string{"test"}, m), store.ErrChanged)
	if env := must[map[string]string](t)(f.s.StageEnv(f.ctx, pk, "test")); env["BASE"] != "a" {
		t.Fatalf("refused writes changed test: %v", env)
	}
	_, m, err = f.s.EnvVarState(f.ctx, pk, "BASE")
	noErr(t, err)
	noErr(t, f.s.SetEnvVarsIf(f.ctx, pk, "BASE", map[string]string{"test": "b", "mock": "m"}, m))
	wantErr(t, f.s.SetEnvVarsIf(f.ctx, pk, "BASE", map[string]string{"test": "c"}, m), store.ErrChanged)

	// secrets: the same, and the state never carries a value
	noErr(t, f.s.SetSecret(f.ctx, pk, "TOKEN", "test", []byte("sealed-1")))
	si, sm, err := f.s.SecretState(f.ctx, pk, "TOKEN")
	noErr(t, err)
	if si.Revs["test"] != 1 || len(si.Stages) != 1 {
		t.Fatalf("secret state %+v", si)
	}
	noErr(t, f.s.SetSecretIf(f.ctx, pk, "TOKEN", "test", []byte("sealed-2"), sm))
	wantErr(t, f.s.SetSecretIf(f.ctx, pk, "TOKEN", "test", []byte("sealed-3"), sm), store.ErrChanged)
	if ct := must[[]byte](t)(f.s.GetSecretValue(f.ctx, pk, "TOKEN", "test")); string(ct) != "sealed-2" {
		t.Fatalf("ciphertext %q", ct)
	}
	_, _, err = f.s.SecretState(f.ctx, pk, "NOPE")
	wantErr(t, err, store.ErrNotFound)
}
