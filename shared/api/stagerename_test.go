package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// projectKeyOf is the store key of the project at an API path (/tenants/{t}/projects/{p}).
func projectKeyOf(t *testing.T, proj string) store.ProjectKey {
	t.Helper()
	parts := strings.Split(strings.Trim(proj, "/"), "/")
	if len(parts) != 4 {
		t.Fatalf("project path %q", proj)
	}
	return store.ProjectKey{Tenant: parts[1], Project: parts[3]}
}

// stageNames lists a project's stages as GET …/stages answers them, each with the stage it
// is being renamed from, if any ("live<prod").
func (e *env) stageNames(u user, proj string) []string {
	e.t.Helper()
	var views []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&views)
	var out []string
	for _, v := range views {
		n := v.Name
		if v.RenamingFrom != "" {
			n += "<" + v.RenamingFrom
		}
		out = append(out, n)
	}
	return out
}

// halfRenamed is scheduleFixture with a variable and a secret on prod, and a rename of prod
// to live (with If-Match) that failed because EventBridge Scheduler did not remove prod's
// schedule: live exists, marked as being renamed from prod. It returns the tag the rename
// was sent with.
func halfRenamed(t *testing.T) (e *env, fake *fakeScheduler, u user, proj, path string, name func(string) string, tag string) {
	e, fake, u, proj, path, name = scheduleFixture(t)
	e.do(http.MethodPut, proj+"/env/BASE/stages/prod", u.token, map[string]any{"value": "https://prod"}).ok(nil)
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/prod", u.token, map[string]any{"value": "hunter2"}).status(http.StatusNoContent)
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "prod"}).ok(nil)
	tag = e.do(http.MethodGet, proj+"/stages/prod", u.token, nil).ok(nil).etag()
	fake.failNext(http.MethodDelete, 0, 1)
	e.doHeaders(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"},
		map[string]string{"If-Match": tag}).problem(http.StatusServiceUnavailable)
	var live StageView
	e.do(http.MethodGet, proj+"/stages/live", u.token, nil).ok(&live)
	if live.RenamingFrom != "prod" {
		t.Fatalf("the half-done rename's new stage %+v, want renaming_from prod", live)
	}
	if got := e.stageNames(u, proj); !slices.Contains(got, "prod") || !slices.Contains(got, "live<prod") {
		t.Fatalf("stages after the failure %v", got)
	}
	return e, fake, u, proj, path, name, tag
}

// A rename that failed part way (EventBridge Scheduler failing to remove the old name's
// schedule) is finished by sending it again, with the same If-Match: one stage left under
// the new name, with the variable, the secret, the production flag, the publication and
// its schedule once, and no schedule left for the old name. The retry answered 409 (the
// new name was taken by the half-done stage), or 412 for the tag.
func TestRetriedStageRenameFinishesAfterASchedulerFailure(t *testing.T) {
	e, fake, u, proj, path, name, tag := halfRenamed(t)
	// a tag that is neither stage's, nor the old one's as the rename began: 412, nothing done
	e.doHeaders(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"},
		map[string]string{"If-Match": `"00000000000000000000000000000000"`}).problem(http.StatusPreconditionFailed)

	var got RenamedStageView
	r := e.doHeaders(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"},
		map[string]string{"If-Match": tag}).ok(&got)
	if got.Name != "live" || got.RenamingFrom != "" || !got.Production || len(got.Skipped) != 0 {
		t.Fatalf("the retried rename answered %+v", got)
	}
	if cur := e.do(http.MethodGet, proj+"/stages/live", u.token, nil).ok(nil).etag(); r.etag() != cur || got.ETag != cur {
		t.Fatalf("answered tag %s (body %s), live's now %s", r.etag(), got.ETag, cur)
	}
	e.do(http.MethodGet, proj+"/stages/prod", u.token, nil).problem(http.StatusNotFound)
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "live", "test"}) {
		t.Fatalf("stages %v", st)
	}
	if st := e.publishedStages(u, path); !slices.Equal(st, []string{"live", "test"}) {
		t.Fatalf("published on %v", st)
	}
	if fake.has(name("prod")) || !fake.has(name("live")) || !fake.has(name("test")) || len(fake.existing) != 2 {
		t.Fatalf("schedules in EventBridge Scheduler %v (calls %v)", fake.existing, fake.calls)
	}
	var v EnvVarView
	e.do(http.MethodGet, proj+"/env/BASE", u.token, nil).ok(&v)
	if len(v.Values) != 1 || v.Values["live"] != "https://prod" {
		t.Fatalf("variable %+v", v)
	}
	var s SecretView
	e.do(http.MethodGet, proj+"/secrets/TOKEN", u.token, nil).ok(&s)
	if !slices.Equal(s.Stages, []string{"live"}) {
		t.Fatalf("secret on %v", s.Stages)
	}
	k := projectKeyOf(t, proj)
	ct, err := e.db.Store.GetSecretValue(t.Context(), k, "TOKEN", "live")
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := e.box.OpenEncoded(t.Context(), ct, secrets.SecretContext(k.Tenant, k.Project, "live", "TOKEN")); err != nil || string(plain) != "hunter2" {
		t.Fatalf("live's secret %q %v", plain, err)
	}
	// sending it once more: the stage is renamed, so the old name is gone
	e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"}).problem(http.StatusNotFound)
}

// The retry may carry the new stage's tag (read from GET …/stages, where it shows
// renaming_from) instead of the one the rename was sent with.
func TestRetriedStageRenameTakesTheNewStagesTag(t *testing.T) {
	e, fake, u, proj, _, name, _ := halfRenamed(t)
	tag := e.do(http.MethodGet, proj+"/stages/live", u.token, nil).ok(nil).etag()
	var got RenamedStageView
	e.doHeaders(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"},
		map[string]string{"If-Match": tag}).ok(&got)
	if got.Name != "live" || got.RenamingFrom != "" || fake.has(name("prod")) {
		t.Fatalf("answered %+v, prod's schedule there %v", got, fake.has(name("prod")))
	}
}

// A rename whose writes all went through but whose mark was not cleared (the answer lost
// with the last write) is finished by sending it again: the old stage is gone, so only the
// mark is cleared, and the answer is the renamed stage. It answered 404 (no old stage).
func TestRetriedStageRenameAfterItFinishedClearsTheMark(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Done")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "old"}).status(http.StatusCreated)
	tag := e.do(http.MethodGet, proj+"/stages/old", u.token, nil).ok(nil).etag()
	k := projectKeyOf(t, proj)
	old, err := e.db.Store.GetStageConsistent(t.Context(), k, "old")
	if err != nil {
		t.Fatal(err)
	}
	// the rename's writes up to the deletion of the old stage, without the last one
	if _, err := e.db.Store.BeginStageRename(t.Context(), k, old, "new", true); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.DeleteStage(t.Context(), k, "old"); err != nil {
		t.Fatal(err)
	}
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "new<old"}) {
		t.Fatalf("stages %v", st)
	}
	var got RenamedStageView
	e.doHeaders(http.MethodPatch, proj+"/stages/old", u.token, map[string]any{"name": "new"},
		map[string]string{"If-Match": tag}).ok(&got)
	if got.Name != "new" || got.RenamingFrom != "" || len(got.Skipped) != 0 {
		t.Fatalf("answered %+v", got)
	}
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "new"}) {
		t.Fatalf("stages %v", st)
	}
}

// A stage created under the old name of a rename whose mark stayed is another stage (its
// creation time is not the one the new stage kept): a retry of the rename leaves it alone,
// answers 409 (the new name is taken) and clears the stale mark.
func TestRetriedStageRenameLeavesAStageCreatedUnderTheOldName(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Again")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "old"}).status(http.StatusCreated)
	k := projectKeyOf(t, proj)
	old, err := e.db.Store.GetStageConsistent(t.Context(), k, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Store.BeginStageRename(t.Context(), k, old, "new", true); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.DeleteStage(t.Context(), k, "old"); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "old"}).status(http.StatusCreated)
	e.do(http.MethodPut, proj+"/env/BASE/stages/old", u.token, map[string]any{"value": "kept"}).ok(nil)
	e.do(http.MethodPatch, proj+"/stages/old", u.token, map[string]any{"name": "new"}).problem(http.StatusConflict)
	if st := e.stageNames(u, proj); !slices.Contains(st, "old") || !slices.Contains(st, "new") || len(st) != 3 {
		t.Fatalf("stages %v, want mock, old and new without a mark", st)
	}
	var v EnvVarView
	if e.do(http.MethodGet, proj+"/env/BASE", u.token, nil).ok(&v); v.Values["old"] != "kept" || len(v.Values) != 1 {
		t.Fatalf("variable %+v", v)
	}
}

// Deleting the new stage of a half-done rename deletes it as any stage (with its
// publication and schedule); the old stage stays with what it still has.
func TestDeletingTheTargetOfAnUnfinishedRename(t *testing.T) {
	e, fake, u, proj, path, name, _ := halfRenamed(t)
	e.do(http.MethodDelete, proj+"/stages/live", u.token, nil).status(http.StatusNoContent)
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "prod", "test"}) {
		t.Fatalf("stages %v", st)
	}
	if st := e.publishedStages(u, path); !slices.Equal(st, []string{"prod", "test"}) || !fake.has(name("prod")) || fake.has(name("live")) {
		t.Fatalf("published on %v, schedules %v", st, fake.existing)
	}
	// prod renames again as any stage
	e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"}).ok(nil)
	if !fake.has(name("live")) || fake.has(name("prod")) {
		t.Fatalf("schedules %v", fake.existing)
	}
}

// While a rename of prod to live is half done, prod cannot be renamed to a third name, nor
// live renamed on: both answer 409 naming the rename to send again (they went on, renaming
// the half-renamed stage's source elsewhere and leaving live marked for nothing). Once it
// is finished live renames as any stage.
func TestRenameWhileAStageRenameIsUnfinished(t *testing.T) {
	e, fake, u, proj, path, name, _ := halfRenamed(t)
	p := e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "other"}).problem(http.StatusConflict)
	if !strings.Contains(p.Detail, `"live"`) {
		t.Errorf("409 detail %q does not name live", p.Detail)
	}
	p = e.do(http.MethodPatch, proj+"/stages/live", u.token, map[string]any{"name": "other"}).problem(http.StatusConflict)
	if !strings.Contains(p.Detail, `"prod"`) {
		t.Errorf("409 detail %q does not name prod", p.Detail)
	}
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "prod", "live<prod", "test"}) &&
		!slices.Equal(st, []string{"mock", "live<prod", "prod", "test"}) {
		t.Fatalf("stages after the refused renames %v", st)
	}
	e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"}).ok(nil)
	e.do(http.MethodPatch, proj+"/stages/live", u.token, map[string]any{"name": "other"}).ok(nil)
	if st := e.publishedStages(u, path); !slices.Equal(st, []string{"other", "test"}) {
		t.Fatalf("published on %v", st)
	}
	if !fake.has(name("other")) || fake.has(name("live")) || fake.has(name("prod")) {
		t.Fatalf("schedules %v", fake.existing)
	}
}

// Deleting the old stage of a half-done rename ends it: the new stage keeps what was copied
// to it and loses the mark.
func TestDeletingTheSourceOfAnUnfinishedRenameClearsTheMark(t *testing.T) {
	e, fake, u, proj, path, name, _ := halfRenamed(t)
	e.do(http.MethodDelete, proj+"/stages/prod", u.token, nil).status(http.StatusNoContent)
	if st := e.stageNames(u, proj); !slices.Equal(st, []string{"mock", "live", "test"}) {
		t.Fatalf("stages %v", st)
	}
	if st := e.publishedStages(u, path); !slices.Equal(st, []string{"live", "test"}) || fake.has(name("prod")) || !fake.has(name("live")) {
		t.Fatalf("published on %v, schedules %v", st, fake.existing)
	}
}
