package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"polysynergy/shared/schedule"
)

// publishedStages lists the stages the flow at path is published to.
func (e *env) publishedStages(u user, path string) []string {
	e.t.Helper()
	var views []PublicationView
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&views)
	var out []string
	for _, v := range views {
		out = append(out, v.Stage)
	}
	return out
}

// scheduleFixture is a project with stages prod and test and an enabled schedule flow
// published to both, its schedules in the fake EventBridge Scheduler.
func scheduleFixture(t *testing.T) (e *env, fake *fakeScheduler, u user, proj, path string, name func(stage string) string) {
	e = newEnv(t)
	fake = e.fakeScheduler()
	u = e.signIn("alice")
	proj, _ = e.project(u, "Converge")
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": st}).status(http.StatusCreated)
	}
	path, f := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Nightly", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "0 2 * * *", "timezone": "Europe/Amsterdam", "enabled": true}})
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": st}).status(http.StatusOK)
	}
	name = func(stage string) string { return schedule.Name(u.tenant, f.Project, f.ID, stage) }
	if !fake.has(name("prod")) || !fake.has(name("test")) {
		t.Fatalf("published on two stages: schedules %v", fake.existing)
	}
	return e, fake, u, proj, path, name
}

// Unpublishing while EventBridge Scheduler fails answers 503 and leaves the publication, so
// that a retry removes the schedule. The binding went first: the retry answered 404 (not
// published) and the schedule stayed in EventBridge, firing for nothing.
func TestUnpublishAfterASchedulerFailureConverges(t *testing.T) {
	e, fake, u, _, path, name := scheduleFixture(t)
	fake.failNext(http.MethodDelete, 0, 1)
	// the answer names the scheduler, not the database
	if p := e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).problem(http.StatusServiceUnavailable); !strings.Contains(p.Detail, "EventBridge Scheduler") {
		t.Errorf("503 detail %q", p.Detail)
	}
	if got := e.publishedStages(u, path); !slices.Contains(got, "prod") || !fake.has(name("prod")) {
		t.Fatalf("after the failure: published on %v, schedule there %v; want both still there", got, fake.has(name("prod")))
	}
	e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	if fake.has(name("prod")) {
		t.Fatalf("the retry left the schedule in EventBridge Scheduler (calls %v)", fake.calls)
	}
	if got := e.publishedStages(u, path); !slices.Equal(got, []string{"test"}) || !fake.has(name("test")) {
		t.Fatalf("test's publication and schedule: %v %v", got, fake.has(name("test")))
	}
}

// Deleting a published schedule flow while EventBridge Scheduler fails (here on its second
// stage, after the first one's schedule was removed) answers 503 and leaves the flow, so
// that a retry removes the rest (the one already gone counts as removed) and deletes it.
// The flow went first: the retry answered 404 and a schedule stayed.
func TestDeleteScheduleFlowAfterASchedulerFailureConverges(t *testing.T) {
	e, fake, u, _, path, name := scheduleFixture(t)
	fake.failNext(http.MethodDelete, 1, 1)
	e.do(http.MethodDelete, path, u.token, nil).problem(http.StatusServiceUnavailable)
	e.do(http.MethodGet, path, u.token, nil).status(http.StatusOK)
	if got := e.publishedStages(u, path); len(got) != 2 {
		t.Fatalf("after the failure the flow is published on %v, want both stages", got)
	}
	e.do(http.MethodDelete, path, u.token, nil).status(http.StatusNoContent)
	for _, st := range []string{"prod", "test"} {
		if fake.has(name(st)) {
			t.Errorf("the deleted flow's schedule on %s is still in EventBridge Scheduler (calls %v)", st, fake.calls)
		}
	}
	e.do(http.MethodGet, path, u.token, nil).status(http.StatusNotFound)
}

// Deleting a stage while EventBridge Scheduler fails answers 503 and leaves the stage with
// its publication, so that a retry removes the schedule. The publication went first: the
// retry deleted the stage and the schedule stayed.
func TestDeleteStageAfterASchedulerFailureConverges(t *testing.T) {
	e, fake, u, proj, path, name := scheduleFixture(t)
	fake.failNext(http.MethodDelete, 0, 1)
	e.do(http.MethodDelete, proj+"/stages/test", u.token, nil).problem(http.StatusServiceUnavailable)
	if got := e.publishedStages(u, path); !slices.Contains(got, "test") {
		t.Fatalf("after the failure the flow is published on %v, want test still", got)
	}
	e.do(http.MethodDelete, proj+"/stages/test", u.token, nil).status(http.StatusNoContent)
	if fake.has(name("test")) {
		t.Fatalf("the deleted stage's schedule is still in EventBridge Scheduler (calls %v)", fake.calls)
	}
	if !fake.has(name("prod")) {
		t.Fatal("prod's schedule went too")
	}
}

// Renaming a stage while EventBridge Scheduler fails to remove the old name's schedule
// answers 503 with the old stage still holding its publication (the new one exists, with
// its schedule), so that deleting the old stage removes its schedule. The publication went
// first: the old stage was deleted and its schedule stayed, firing beside the new one's.
func TestRenameStageAfterASchedulerFailureLeavesNoOrphan(t *testing.T) {
	e, fake, u, proj, path, name := scheduleFixture(t)
	fake.failNext(http.MethodDelete, 0, 1)
	e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"}).problem(http.StatusServiceUnavailable)
	if got := e.publishedStages(u, path); !slices.Contains(got, "prod") || !slices.Contains(got, "live") || !fake.has(name("live")) {
		t.Fatalf("after the failure: published on %v, live's schedule %v", got, fake.has(name("live")))
	}
	e.do(http.MethodDelete, proj+"/stages/prod", u.token, nil).status(http.StatusNoContent)
	if fake.has(name("prod")) {
		t.Fatalf("the old stage's schedule is still in EventBridge Scheduler (calls %v)", fake.calls)
	}
	if !fake.has(name("live")) || !fake.has(name("test")) {
		t.Fatalf("live's and test's schedules: %v", fake.existing)
	}
}

// The schedule is removed from EventBridge before the store unpublishes; when the store then
// fails, the schedule is put back, since the flow is still published there (it stopped
// firing while the publication stayed).
func TestUnpublishThatFailsInTheStorePutsTheScheduleBack(t *testing.T) {
	e, fake, u, _, path, name := scheduleFixture(t)
	hits := failOp(e, internal, "TransactWriteItems")
	e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).problem(http.StatusServiceUnavailable)
	e.db.SetFault(nil)
	if hits.Load() == 0 {
		t.Fatal("the unpublish wrote nothing")
	}
	if got := e.publishedStages(u, path); !slices.Contains(got, "prod") {
		t.Fatalf("published on %v after a failed unpublish", got)
	}
	if !fake.has(name("prod")) {
		t.Fatalf("the schedule of a flow still published is gone from EventBridge Scheduler (calls %v)", fake.calls)
	}
	e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	if fake.has(name("prod")) {
		t.Fatalf("unpublished, the schedule stayed (calls %v)", fake.calls)
	}
}

// Unpublishing a route flow does not call EventBridge Scheduler (it has no schedule), so it
// works while Scheduler fails; it answered 503 then.
func TestUnpublishRouteFlowDoesNotWaitOnTheScheduler(t *testing.T) {
	e, fake, u, proj, _, _ := scheduleFixture(t)
	rpath, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Hello", "document": chainDoc(t, 2, "r")})
	e.do(http.MethodPost, rpath+"/publish", u.token, map[string]any{"stage": "prod"}).status(http.StatusOK)
	fake.failNext(http.MethodDelete, 0, 1)
	e.do(http.MethodDelete, rpath+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	if got := e.publishedStages(u, rpath); len(got) != 0 {
		t.Fatalf("still published on %v", got)
	}
}

// A schedule of a project in the trash does not fire: it lists no next runs and says why
// (in_trash); restored, it lists them again, under the same tag.
func TestScheduleInTheTrashListsNoNextRuns(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Binned")
	path, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Tick", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "0 3 * * *", "enabled": true}})
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).status(http.StatusOK)
	var s ScheduleView
	tag := e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s).etag()
	if len(s.NextRuns) != 5 || s.NotFiring != "" {
		t.Fatalf("published and enabled: %+v", s)
	}
	e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil)
	s = ScheduleView{}
	e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s)
	if len(s.NextRuns) != 0 || s.NotFiring != "in_trash" {
		t.Fatalf("in the trash: %+v, want no next runs (in_trash)", s)
	}
	e.do(http.MethodPost, proj+"/restore", u.token, nil).ok(nil)
	s = ScheduleView{}
	if got := e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s).etag(); len(s.NextRuns) != 5 || s.NotFiring != "" || got != tag {
		t.Fatalf("restored: %+v, tag %s (was %s)", s, got, tag)
	}
}
