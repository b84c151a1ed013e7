package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"polysynergy/shared/store"
)

// productionOf names the production stage of a list ("" for none).
func productionOf(st []StageView) string {
	for _, s := range st {
		if s.Production {
			return s.Name
		}
	}
	return ""
}

// The stage list's ETag (GET …/stages) is what PUT …/production-stage and PUT …/stage-order
// honour in If-Match: a stale tag is 412 with the list's tag now and writes nothing.
func TestStageListIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Stage list tags")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	for _, n := range []string{"test", "prod"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": n}).status(http.StatusCreated)
	}
	var st []StageView
	tag0 := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st).etag()
	if tag0 == "" || !slices.Equal(stageNames(st), []string{"mock", "test", "prod"}) {
		t.Fatalf("list %v, ETag %q", stageNames(st), tag0)
	}

	// the current tag marks production; the answer is the list with its new tag
	r := e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "prod"}, ifMatchHdr(tag0)).ok(&st)
	tag1 := r.etag()
	if productionOf(st) != "prod" || tag1 == tag0 {
		t.Fatalf("production %q, ETag %s (was %s)", productionOf(st), tag1, tag0)
	}
	if got := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil).etag(); got != tag1 {
		t.Fatalf("production-stage answered ETag %s, GET shows %s", tag1, got)
	}

	// stale tags: nothing written
	wantChanged(t, e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "test"}, ifMatchHdr(tag0)), tag1)
	wantChanged(t, e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "prod", "test"}}, ifMatchHdr(tag0)), tag1)
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	if productionOf(st) != "prod" || !slices.Equal(stageNames(st), []string{"mock", "test", "prod"}) {
		t.Fatalf("refused writes changed the list: %v, production %q", stageNames(st), productionOf(st))
	}
	if p, err := e.db.Store.GetProject(t.Context(), k); err != nil || p.ProductionStage != "prod" {
		t.Fatalf("project's production stage %q %v", p.ProductionStage, err)
	}

	// the current tag reorders
	r = e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "prod", "test"}}, ifMatchHdr(tag1)).ok(&st)
	tag2 := r.etag()
	if !slices.Equal(stageNames(st), []string{"mock", "prod", "test"}) || tag2 == tag1 {
		t.Fatalf("reordered to %v, ETag %s", stageNames(st), tag2)
	}

	// a stage added, or one stage changed, changes the list's tag
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "qa"}).status(http.StatusCreated)
	tag3 := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil).etag()
	wantChanged(t, e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock", "test", "prod", "qa"}}, ifMatchHdr(tag2)), tag3)
	e.doHeaders(http.MethodPatch, proj+"/stages/qa", u.token, map[string]any{"name": "uat"}, nil).ok(nil)
	tag4 := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil).etag()
	wantChanged(t, e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": ""}, ifMatchHdr(tag3)), tag4)

	// with the current tag, validation as without: an unknown stage is 400 at body.stage
	wantFields(t, e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "nope"}, ifMatchHdr(tag4)).
		problem(http.StatusUnprocessableEntity), "body.stage")
	wantFields(t, e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"mock"}}, ifMatchHdr(tag4)).
		problem(http.StatusUnprocessableEntity), "body.stages")

	// If-Match: * and no If-Match write whatever the list is now
	e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "test"}, ifMatchHdr("*")).ok(&st)
	if productionOf(st) != "test" {
		t.Fatalf("production %q", productionOf(st))
	}
	r = e.do(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"uat", "mock", "test", "prod"}}).ok(&st)
	if !slices.Equal(stageNames(st), []string{"uat", "mock", "test", "prod"}) {
		t.Fatalf("reordered without If-Match to %v", stageNames(st))
	}
	if got := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil).etag(); got != r.etag() {
		t.Fatalf("stage-order answered ETag %s, GET shows %s", r.etag(), got)
	}
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": ""}).ok(&st)
	if productionOf(st) != "" {
		t.Fatalf("production %q", productionOf(st))
	}
	// a malformed If-Match is a 400
	wantFields(t, e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": []string{"uat", "mock", "test", "prod"}},
		ifMatchHdr("abc")).problem(http.StatusBadRequest), "header.if-match")
}

// The write's condition, not only the comparison before it: a stage added (or one changed)
// after the list was read refuses a write based on that read, with nothing written.
func TestStageListWriteCondition(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	_, pv := e.project(u, "Stage list condition")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	ctx := t.Context()
	if _, err := e.db.Store.CreateStage(ctx, k, "test", 1); err != nil {
		t.Fatal(err)
	}
	read, err := e.db.Store.StageListConsistent(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Store.CreateStage(ctx, k, "prod", 2); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.SetStageOrderIf(ctx, k, []string{"test", "mock"}, read); !errors.Is(err, store.ErrChanged) {
		t.Fatalf("reorder after a stage was added: %v, want ErrChanged", err)
	}
	if err := e.db.Store.SetProductionStageIf(ctx, k, "test", read); !errors.Is(err, store.ErrChanged) {
		t.Fatalf("production after a stage was added: %v, want ErrChanged", err)
	}
	now, err := e.db.Store.StageListConsistent(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(now.Stages[0].Name, now.Stages[1].Name, now.Production); got != "mocktest" {
		t.Fatalf("refused writes changed the list: %+v", now)
	}
	// a stage changed without the list's condition (an unconditional move) refuses it too
	if err := e.db.Store.SetStagePosition(ctx, k, "prod", 7); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.SetProductionStageIf(ctx, k, "prod", now); !errors.Is(err, store.ErrChanged) {
		t.Fatalf("production after a stage moved: %v, want ErrChanged", err)
	}
	// as read now, it goes on
	now, err = e.db.Store.StageListConsistent(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.SetProductionStageIf(ctx, k, "prod", now); err != nil {
		t.Fatal(err)
	}
	if p, err := e.db.Store.GetProject(ctx, k); err != nil || p.ProductionStage != "prod" {
		t.Fatalf("production stage %q %v", p.ProductionStage, err)
	}
}

// Writes of the stage list sent at once with one ETag (production stages and orders): each
// is one transaction conditioned on the list as read, counting the list's revision up, so
// exactly one goes on and the others write nothing (412).
func TestStageListParallelOneWins(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Stage list race")
	names := []string{"a", "b", "c"}
	for _, n := range names {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": n}).status(http.StatusCreated)
	}
	tag := e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil).etag()
	orders := [][]string{{"c", "b", "a", "mock"}, {"b", "mock", "a", "c"}, {"a", "c", "mock", "b"}}

	const n = 6
	statuses := raceStatuses(n, func(i int) int {
		if i%2 == 0 {
			return e.doHeaders(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": names[i/2]}, ifMatchHdr(tag)).Status
		}
		return e.doHeaders(http.MethodPut, proj+"/stage-order", u.token, map[string]any{"stages": orders[i/2]}, ifMatchHdr(tag)).Status
	})
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			if won >= 0 {
				t.Fatalf("writes answered %v: more than one won", statuses)
			}
			won = i
		case http.StatusPreconditionFailed:
		default:
			t.Fatalf("writes answered %v", statuses)
		}
	}
	if won < 0 {
		t.Fatalf("writes answered %v: none won", statuses)
	}
	var st []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	wantOrder, wantProd := []string{"mock", "a", "b", "c"}, ""
	if won%2 == 0 {
		wantProd = names[won/2]
	} else {
		wantOrder = orders[won/2]
	}
	if !slices.Equal(stageNames(st), wantOrder) || productionOf(st) != wantProd {
		t.Fatalf("after the race (winner %d): %v, production %q; want %v, %q", won, stageNames(st), productionOf(st), wantOrder, wantProd)
	}
}
