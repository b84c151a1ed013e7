package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/schedule"
)

func seg(kind, a, b string) map[string]string {
	if kind == "static" {
		return map[string]string{"kind": "static", "value": a}
	}
	return map[string]string{"kind": "variable", "name": a, "type": b}
}

func TestRoutesAndDuplicates(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Routes")
	// The default route comes from the name.
	p1, f1 := e.flow(u, proj, map[string]any{"kind": "route", "name": "List Users"})
	var r RouteView
	e.do(http.MethodGet, p1+"/route", u.token, nil).ok(&r)
	if r.Method != "GET" || r.Pattern != "/list-users" || r.ResponseMode != "wait" {
		t.Errorf("default route %+v", r)
	}
	e.do(http.MethodPut, p1+"/route", u.token, map[string]any{"method": "GET",
		"segments": []any{seg("static", "users", ""), seg("variable", "id", "uuid")}, "require_api_key": true,
		"description": "one user", "response_mode": "async"}).ok(&r)
	if r.Pattern != "/users/{id:uuid}" || !r.RequireAPIKey || r.ResponseMode != "async" {
		t.Errorf("updated route %+v", r)
	}
	// Same method and pattern with another variable name: 409.
	p := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "Dup",
		"route": map[string]any{"method": "GET", "segments": []any{seg("static", "users", ""), seg("variable", "user", "uuid")}}}).
		problem(http.StatusConflict)
	if p.Type != TypeRouteTaken || !strings.Contains(p.Detail, f1.ID) {
		t.Errorf("duplicate route problem %+v", p)
	}
	wantFields(t, p, "body.route.segments") // the route the request gave
	// a route taken from the flow's name says so
	e.flow(u, proj, map[string]any{"kind": "route", "name": "Order list"})
	if p := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "Order-list"}).problem(http.StatusConflict); p.Type != TypeRouteTaken {
		t.Errorf("a default route taken: %+v", p)
	} else {
		wantFields(t, p, "body.name")
	}
	// Another method or type is fine.
	p2, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Dup",
		"route": map[string]any{"method": "POST", "segments": []any{seg("static", "users", ""), seg("variable", "user", "uuid")}}})
	e.flow(u, proj, map[string]any{"kind": "route", "name": "Num",
		"route": map[string]any{"method": "GET", "segments": []any{seg("static", "users", ""), seg("variable", "n", "number")}}})
	// Changing the second into the first's route: 409; into its own: fine.
	wantFields(t, e.do(http.MethodPut, p2+"/route", u.token, map[string]any{"method": "GET",
		"segments": []any{seg("static", "users", ""), seg("variable", "x", "uuid")}}).problem(http.StatusConflict), "body.segments")
	e.do(http.MethodPut, p2+"/route", u.token, map[string]any{"method": "POST",
		"segments": []any{seg("static", "users", ""), seg("variable", "renamed", "uuid")}}).ok(nil)
	// Bad segments are named by index.
	p = e.do(http.MethodPut, p2+"/route", u.token, map[string]any{"method": "POST",
		"segments": []any{seg("static", "a", ""), seg("static", "..", "")}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.segments[1]")
	p = e.do(http.MethodPut, p2+"/route", u.token, map[string]any{"method": "FETCH", "segments": []any{}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.method")
	// A service flow has no route (TestTriggerOfAnotherKind).
	sp, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "svc"})
	e.do(http.MethodGet, sp+"/route", u.token, nil).problem(http.StatusConflict)
}

func TestSchedules(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Sched")
	path, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Nightly", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "30 9 * * 1-5", "timezone": "Europe/Amsterdam", "enabled": true}})
	var s ScheduleView
	// published nowhere, it does not fire: no next runs, and why
	e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s)
	if s.Cron != "30 9 * * 1-5" || !s.Enabled || len(s.NextRuns) != 0 || s.NotFiring != "not_published" {
		t.Fatalf("unpublished schedule %+v, want no next runs (not_published)", s)
	}
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).status(http.StatusOK)
	s = ScheduleView{}
	e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s)
	if s.Cron != "30 9 * * 1-5" || s.Timezone != "Europe/Amsterdam" || !s.Enabled || len(s.NextRuns) != 5 || s.NotFiring != "" {
		t.Fatalf("schedule %+v", s)
	}
	if !strings.Contains(s.Description, "09:30") {
		t.Errorf("description %q", s.Description)
	}
	// e.clock is Monday 2030-01-07 08:00 UTC = 09:00 in Amsterdam: first run 09:30 the same day.
	want := time.Date(2030, 1, 7, 8, 30, 0, 0, time.UTC)
	if !s.NextRuns[0].Equal(want) {
		t.Errorf("first run %v, want %v", s.NextRuns[0], want)
	}
	end := time.Date(2030, 1, 9, 0, 0, 0, 0, time.UTC)
	e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "@daily", "timezone": "UTC",
		"end": end, "enabled": true}).ok(&s)
	if len(s.NextRuns) != 2 || !s.Enabled {
		t.Errorf("windowed schedule %+v, want 2 runs before the end", s)
	}
	// disabled, it does not fire: no next runs (they were listed as if it did), and why
	s = ScheduleView{}
	e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "@daily", "timezone": "UTC",
		"end": end, "enabled": false}).ok(&s)
	if len(s.NextRuns) != 0 || s.Enabled || s.NotFiring != "disabled" {
		t.Errorf("disabled schedule %+v, want no next runs (disabled)", s)
	}
	s = ScheduleView{}
	e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s)
	if len(s.NextRuns) != 0 || s.NotFiring != "disabled" {
		t.Errorf("disabled schedule read %+v", s)
	}
	p := e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "0 25 * * *", "timezone": "UTC",
		"start": end, "end": end.Add(-time.Hour)}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.cron", "body.end")
	if !strings.Contains(p.Errors[0].Message, "hour") {
		t.Errorf("cron message %q does not name the hour field", p.Errors[0].Message)
	}
	var pv SchedulePreview
	e.do(http.MethodPost, "/schedule-preview", u.token, map[string]any{"cron": "*/15 * * * *"}).ok(&pv)
	if len(pv.NextRuns) != 5 || pv.NextRuns[1].Sub(pv.NextRuns[0]) != 15*time.Minute || pv.Description == "" {
		t.Errorf("preview %+v", pv)
	}
	e.do(http.MethodPost, "/schedule-preview", u.token, map[string]any{"cron": "every day"}).problem(http.StatusUnprocessableEntity)
}

// A route flow has no schedule and a schedule flow no route: asking for the other kind's
// trigger is 409 saying what triggers the flow, not "schedule not found".
func TestTriggerOfAnotherKind(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Kinds")
	rp, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "hook"})
	sp, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "tick"})
	vp, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "svc"})
	cron := map[string]any{"cron": "@daily", "timezone": "UTC", "enabled": true}
	route := map[string]any{"method": "GET", "segments": []any{seg("static", "x", "")}}
	for _, c := range []struct {
		method, path string
		body         any
		want         string
	}{
		{http.MethodGet, rp + "/schedule", nil, `flow "hook" is a route flow: HTTP requests on its route trigger it, so it has no schedule`},
		{http.MethodPut, rp + "/schedule", cron, `flow "hook" is a route flow: HTTP requests on its route trigger it, so it has no schedule`},
		{http.MethodGet, sp + "/route", nil, `flow "tick" is a schedule flow: its schedule triggers it, so it has no HTTP route`},
		{http.MethodPut, sp + "/route", route, `flow "tick" is a schedule flow: its schedule triggers it, so it has no HTTP route`},
		{http.MethodGet, vp + "/route", nil, `flow "svc" is a service flow: other flows call it, so it has no HTTP route`},
		{http.MethodGet, vp + "/schedule", nil, `flow "svc" is a service flow: other flows call it, so it has no schedule`},
	} {
		p := e.do(c.method, c.path, u.token, c.body).problem(http.StatusConflict)
		if p.Type != TypeConflict || p.Detail != c.want {
			t.Errorf("%s %s: %+v", c.method, c.path, p)
		}
		wantFields(t, p, "path.flow")
	}
	e.do(http.MethodGet, proj+"/flows/01M8KN4TQBR9EX1R5Y3SM25RKT/schedule", u.token, nil).problem(http.StatusNotFound)
}

// Quartz's and EventBridge's L, W and # (and '?' outside the day fields) are refused naming
// the field and what the form means, not as "is not a number".
func TestScheduleCronOtherDialectSaysWhat(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Dialects")
	path, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Monthly",
		"schedule": map[string]any{"cron": "0 9 1 * *", "timezone": "UTC", "enabled": true}})
	for cron, want := range map[string]string{
		"0 9 L * *":        `day-of-month field "L": "L" (the last day of the month) is not supported`,
		"0 9 15W * *":      `day-of-month field "15W": "15W" (the weekday nearest day 15) is not supported`,
		"0 9 ? * MON#1":    `day-of-week field "MON#1": "MON#1" (the 1st Monday of the month) is not supported`,
		"0 9 ? * FRIL":     `day-of-week field "FRIL": "FRIL" (the last Friday of the month) is not supported`,
		"? 9 * * *":        `minute field "?": "?" is only allowed in day-of-month and day-of-week`,
		"rate(30 seconds)": `schedules fire at most once a minute (EventBridge Scheduler's smallest rate is 1 minute)`,
		"rate(0 minutes)":  `the rate's value "0" is not a positive whole number`,
	} {
		p := e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": cron, "timezone": "UTC", "enabled": true}).
			problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "body.cron")
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("PUT cron %q: errors %+v, want a message with %q", cron, p.Errors, want)
		}
		p = e.do(http.MethodPost, "/schedule-preview", u.token, map[string]any{"cron": cron}).problem(http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("preview of %q: errors %+v, want a message with %q", cron, p.Errors, want)
		}
	}
}

// Deleting a published schedule flow (which unpublishes it from every stage) takes its
// schedules out of EventBridge Scheduler, as unpublishing does: they stayed and kept
// invoking the runner for a flow that no longer exists.
func TestDeletedScheduleFlowLeavesEventBridgeScheduler(t *testing.T) {
	e := newEnv(t)
	fake := e.fakeScheduler()
	u := e.signIn("alice")
	proj, _ := e.project(u, "Gone")
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": st}).status(http.StatusCreated)
	}
	path, f := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Nightly", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "0 2 * * *", "timezone": "Europe/Amsterdam", "enabled": true}})
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": st}).status(http.StatusOK)
	}
	if len(fake.existing) != 2 {
		t.Fatalf("published on two stages: schedules %v", fake.existing)
	}
	e.do(http.MethodDelete, path, u.token, nil).status(http.StatusNoContent)
	for _, st := range []string{"prod", "test"} {
		if name := schedule.Name(u.tenant, f.Project, f.ID, st); fake.existing[name] {
			t.Errorf("the deleted flow's schedule on %s is still in EventBridge Scheduler (calls %v)", st, fake.calls)
		}
	}
}

// Deleting a stage unpublishes what it holds and renaming one moves its publications: the
// schedules in EventBridge Scheduler follow, as on unpublishing and publishing. The deleted
// (or old) stage's schedule stayed and kept firing, and the renamed stage got none.
func TestStageDeleteAndRenameMoveSchedules(t *testing.T) {
	e := newEnv(t)
	fake := e.fakeScheduler()
	u := e.signIn("alice")
	proj, _ := e.project(u, "Stages")
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": st}).status(http.StatusCreated)
	}
	path, f := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Nightly", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "30 2 * * *", "timezone": "America/New_York", "enabled": true}})
	for _, st := range []string{"prod", "test"} {
		e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": st}).status(http.StatusOK)
	}
	name := func(stage string) string { return schedule.Name(u.tenant, f.Project, f.ID, stage) }
	e.do(http.MethodDelete, proj+"/stages/test", u.token, nil).status(http.StatusNoContent)
	if fake.existing[name("test")] {
		t.Errorf("the deleted stage's schedule is still in EventBridge Scheduler (calls %v)", fake.calls)
	}
	e.do(http.MethodPatch, proj+"/stages/prod", u.token, map[string]any{"name": "live"}).ok(nil)
	if fake.existing[name("prod")] || !fake.existing[name("live")] {
		t.Fatalf("after renaming prod to live: schedules %v (calls %v), want only live's", fake.existing, fake.calls)
	}
	body := fake.bodies[len(fake.bodies)-1]
	for i, c := range fake.calls {
		if c == "POST "+name("live") {
			body = fake.bodies[i]
		}
	}
	target, _ := body["Target"].(map[string]any)
	input, _ := target["Input"].(string)
	if body["ScheduleExpression"] != "cron(30 2 * * ? *)" || body["ScheduleExpressionTimezone"] != "America/New_York" ||
		!strings.Contains(input, `"stage":"live"`) {
		t.Fatalf("live's schedule: %v", body)
	}
}
