package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

func stageNames(st []StageView) []string {
	return mapSlice(st, func(s StageView) string { return s.Name })
}

func TestStages(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Stages")
	var s StageView
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "test"}).status(http.StatusCreated).ok(&s)
	if s.Position != 1 {
		t.Errorf("test position %d, want 1", s.Position)
	}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).problem(http.StatusConflict)
	p := e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "mock"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name")
	p = e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "my-stage"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name")

	var st []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	if got := stageNames(st); len(got) != 3 || got[0] != "mock" || got[1] != "test" || got[2] != "prod" {
		t.Errorf("stages %v", got)
	}
	// at most MaxStages besides mock: the next is refused naming the limit, and nothing is added
	other, _ := e.project(u, "Many stages")
	for i := range MaxStages {
		e.do(http.MethodPost, other+"/stages", u.token, map[string]any{"name": fmt.Sprintf("s%d", i)}).status(http.StatusCreated)
	}
	p = e.do(http.MethodPost, other+"/stages", u.token, map[string]any{"name": "onemore"}).problem(http.StatusConflict)
	wantFields(t, p, "body.name")
	if !strings.Contains(p.Detail, fmt.Sprintf("%d stages besides mock", MaxStages)) {
		t.Errorf("detail %q does not name the limit", p.Detail)
	}
	var many []StageView
	if e.do(http.MethodGet, other+"/stages", u.token, nil).ok(&many); len(many) != MaxStages+1 {
		t.Errorf("%d stages after a refused one, want %d and mock", len(many), MaxStages)
	}
	// Production: at most one.
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "prod"}).ok(&st)
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "test"}).ok(&st)
	n := 0
	for _, s := range st {
		if s.Production {
			n++
			if s.Name != "test" {
				t.Errorf("production is %s", s.Name)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d production stages", n)
	}
	p = e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.stage")
	p = e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "nope"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.stage")

	// Reorder.
	e.do(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "prod", "test"}}).ok(&st)
	if got := stageNames(st); got[1] != "prod" || got[2] != "test" {
		t.Errorf("reordered %v", got)
	}
	p = e.do(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "prod"}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.stages")
	p = e.do(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "prod", "prod"}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.stages[2]")

	// Rename carries variables, secrets and the production flag.
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	if err := e.db.Store.SetEnvVar(t.Context(), k, "URL", "test", "https://t"); err != nil {
		t.Fatal(err)
	}
	sealed, err := e.box.Seal(t.Context(), []byte("s3cret"), secrets.SecretContext(k.Tenant, k.Project, "test", "TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.SetSecret(t.Context(), k, "TOKEN", "test", sealed.Encode()); err != nil {
		t.Fatal(err)
	}
	_, bound := e.flow(u, proj, map[string]any{"kind": "service", "name": "Bound", "document": chainDoc(t, 2, "b")})
	pub, err := e.db.Store.Publish(t.Context(), store.PublishInput{Flow: k.Flow(bound.ID), Stage: "test", By: "publisher-1"})
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.db.Store.GetStage(t.Context(), k, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "staging"}).ok(&s)
	if s.Name != "staging" || !s.Production || s.Position != 2 {
		t.Errorf("renamed %+v", s)
	}
	// the same stage and publications under a new name: when and by whom stay
	after, err := e.db.Store.GetStage(t.Context(), k, "staging")
	if err != nil || !after.CreatedAt.Equal(before.CreatedAt) || !s.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("renamed stage created %v (answer %v), was %v (%v)", after.CreatedAt, s.CreatedAt, before.CreatedAt, err)
	}
	bs, err := e.db.Store.ListStageBindings(t.Context(), k, "staging")
	if err != nil || len(bs) != 1 || !bs[0].PublishedAt.Equal(pub.Binding.PublishedAt) || bs[0].By != "publisher-1" || bs[0].Version != pub.Version.Number {
		t.Errorf("bindings after rename %+v %v; published %+v", bs, err, pub.Binding)
	}
	env, err := e.db.Store.StageEnv(t.Context(), k, "staging")
	if err != nil || env["URL"] != "https://t" {
		t.Errorf("env after rename %v %v", env, err)
	}
	ct, err := e.db.Store.GetSecretValue(t.Context(), k, "TOKEN", "staging")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.box.OpenEncoded(t.Context(), ct, secrets.SecretContext(k.Tenant, k.Project, "staging", "TOKEN"))
	if err != nil || string(plain) != "s3cret" {
		t.Errorf("secret after rename %q %v", plain, err)
	}
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	if got := stageNames(st); len(got) != 3 || got[2] != "staging" {
		t.Errorf("after rename %v", got)
	}
	e.do(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "x"}).problem(http.StatusNotFound)
	e.do(http.MethodPatch, proj+"/stages/staging", u.token, map[string]any{"name": "prod"}).problem(http.StatusConflict)
	e.do(http.MethodPatch, proj+"/stages/mock", u.token, map[string]any{"name": "fake"}).problem(http.StatusUnprocessableEntity)

	// Delete: never mock; a deleted stage is gone with its values.
	e.do(http.MethodDelete, proj+"/stages/mock", u.token, nil).problem(http.StatusUnprocessableEntity)
	e.do(http.MethodDelete, proj+"/stages/staging", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/stages/staging", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodDelete, proj+"/stages/Bad-Name", u.token, nil).problem(http.StatusNotFound)
	if _, err := e.db.Store.GetSecretValue(t.Context(), k, "TOKEN", "staging"); err == nil {
		t.Error("secret of the deleted stage is still there")
	}
	e.do(http.MethodGet, "/tenants/"+u.tenant+"/projects/"+newRequestID()+"/stages", u.token, nil).problem(http.StatusNotFound)
}

// Renaming a stage moved every publication, also of versions with no nodes (published before
// such versions were refused), whose trigger requests all fail: those are not moved, and the
// answer lists each with why.
func TestRenameStageSkipsVersionsWithNoNodes(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Renames")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "test"}).status(http.StatusCreated)
	_, good := e.flow(u, proj, map[string]any{"kind": "service", "name": "Good", "document": chainDoc(t, 2, "g")})
	emptyPath, empty := e.flow(u, proj, map[string]any{"kind": "service", "name": "Hollow", "document": json.RawMessage(emptyDocument)})
	e.do(http.MethodPost, emptyPath+"/publish", u.token, map[string]any{"stage": "test"}).problem(http.StatusUnprocessableEntity)
	for _, f := range []FlowDetail{good, empty} { // published as before the refusal
		if _, err := e.db.Store.Publish(t.Context(), store.PublishInput{Flow: k.Flow(f.ID), Stage: "test", By: "publisher-1"}); err != nil {
			t.Fatal(err)
		}
	}

	var got RenamedStageView
	e.do(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "staging"}).ok(&got)
	if got.Name != "staging" || len(got.Skipped) != 1 {
		t.Fatalf("renamed %+v; want staging with Hollow skipped", got)
	}
	sk := got.Skipped[0]
	if sk.Flow != empty.ID || sk.Name != "Hollow" || sk.Version != 1 ||
		!strings.Contains(sk.Reason, "version 1 has no nodes") || !strings.Contains(sk.Reason, "no longer published") {
		t.Errorf("skipped %+v", sk)
	}
	bs, err := e.db.Store.ListStageBindings(t.Context(), k, "staging")
	if err != nil || len(bs) != 1 || bs[0].Flow != good.ID {
		t.Errorf("bindings of staging %+v %v; want Good's only", bs, err)
	}
	if _, err := e.db.Store.GetStage(t.Context(), k, "test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old stage: %v; want it gone", err)
	}

	// nothing to skip: an empty list, not null
	var raw map[string]json.RawMessage
	e.do(http.MethodPatch, proj+"/stages/staging", u.token, map[string]any{"name": "live"}).ok(&raw)
	if string(raw["skipped"]) != "[]" {
		t.Errorf("skipped %s; want []", raw["skipped"])
	}
}
