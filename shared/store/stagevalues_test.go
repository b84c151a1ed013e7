package store_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// A stage delete that stops after the stage's item went (the value deletes fail) leaves
// its secret and variable values behind. They must not come back with the next stage of
// that name, and deleting the stage again removes them.
func TestStageValuesLeftByAFailedDelete(t *testing.T) {
	for _, next := range []string{"create again", "delete again"} {
		t.Run(next, func(t *testing.T) {
			f := setup(t)
			tn := f.tenant(t, "Acme")
			p := f.project(t, tn.ID, "Shop", "shop")
			pk := store.ProjectKey{Tenant: tn.ID, Project: p.ID}
			f.stage(t, pk, "qa", 1)
			f.stage(t, pk, "prod", 2)
			for _, st := range []string{"qa", "prod"} {
				if err := f.s.SetEnvVar(f.ctx, pk, "REGION", st, "eu-"+st); err != nil {
					t.Fatal(err)
				}
				if err := f.s.SetSecret(f.ctx, pk, "TOKEN", st, []byte("sealed-"+st)); err != nil {
					t.Fatal(err)
				}
			}

			// every write after the one that deletes the stage's item fails
			var writes atomic.Int32
			f.env.SetFault(func(op string) *storetest.Fault {
				if op == "BatchWriteItem" || op == "TransactWriteItems" && writes.Add(1) > 1 {
					return &storetest.Fault{Status: 500, Type: "InternalServerError"}
				}
				return nil
			})
			if err := f.s.DeleteStage(f.ctx, pk, "qa"); err == nil {
				t.Fatal("the delete succeeded with its value deletes failing")
			}
			f.env.SetFault(nil)
			if _, err := f.s.GetStageConsistent(f.ctx, pk, "qa"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the stage's item is still there (%v): the fault came too early", err)
			}

			switch next {
			case "create again":
				f.stage(t, pk, "qa", 3)
			case "delete again":
				wantErr(t, f.s.DeleteStage(f.ctx, pk, "qa"), store.ErrNotFound)
			}
			_, err := f.s.GetSecretValue(f.ctx, pk, "TOKEN", "qa")
			wantErr(t, err, store.ErrNotFound)
			vars := must[[]store.EnvVar](t)(f.s.ListEnvVars(f.ctx, pk))
			if len(vars) != 1 || len(vars[0].Values) != 1 || vars[0].Values["prod"] != "eu-prod" {
				t.Fatalf("variables %+v, want REGION on prod only", vars)
			}
			secs := must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, pk))
			if len(secs) != 1 || len(secs[0].Stages) != 1 || secs[0].Stages[0] != "prod" {
				t.Fatalf("secrets %+v, want TOKEN on prod only", secs)
			}
			if ct := must[[]byte](t)(f.s.GetSecretValue(f.ctx, pk, "TOKEN", "prod")); string(ct) != "sealed-prod" {
				t.Fatalf("prod's secret %q", ct)
			}
		})
	}
}
