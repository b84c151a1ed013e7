package api

import (
	"net/http"
	"strings"
	"testing"

	"polysynergy/shared/schedule"
)

// A project in the trash is read-only until it is restored: every operation that changes
// it or anything under it answers the same 409 at path.project saying how to restore it
// (secrets, environment variables, API keys, flows, drafts, routes, schedules, stages,
// versions, publishing, runs, imports alike), reads go on working, and deleting it for
// good still works. Secret and environment-variable PUTs, API key PATCH/DELETE, flow
// rename and delete, route and schedule PUTs, draft saves and unpublishing all went
// through in a trashed project; renaming a stage said 404 "project not found".
func TestTrashedProjectIsReadOnly(t *testing.T) {
	f := newTenancyFixture(t)
	e, a := f.e, f.admin
	proj := "/tenants/" + f.params["tenant"] + "/projects/" + f.params["project"]
	var before FlowDetail
	e.do(http.MethodGet, proj+"/flows/"+f.params["flow"], a.token, nil).ok(&before)
	e.do(http.MethodPost, proj+"/trash", a.token, nil).ok(nil)

	// the writes a trashed project takes: moving it to the trash, restoring it, deleting it for good
	trashOK := map[string]bool{"trashProject": true, "restoreProject": true, "deleteProject": true}
	// POSTs that change nothing
	reads := map[string]bool{"validateFlow": true}
	bodies := map[string]any{
		"saveDraft":      map[string]any{"document": before.Draft.Document, "revision": before.Draft.Revision},
		"updateFlow":     map[string]any{"name": "Renamed"},
		"renameStage":    map[string]any{"name": "live"},
		"setSecret":      map[string]any{"value": "new"},
		"setEnv":         map[string]any{"values": map[string]string{"prod": "x"}},
		"setEnvStage":    map[string]any{"value": "x"},
		"renameAPIKey":   map[string]any{"label": "renamed"},
		"updateRoute":    map[string]any{"method": "GET", "path": "/x"},
		"updateSchedule": map[string]any{"cron": "0 * * * *"},
		"publishFlow":    map[string]any{"stage": "prod"},
		"createStage":    map[string]any{"name": "live"},
	}
	seen := 0
	for _, op := range specOps(t, e) {
		if !strings.Contains(op.path, "/projects/{project}") || trashOK[op.id] {
			continue
		}
		tc := tenancyCases[op.id]
		url := f.url(t, op, tc)
		if op.method == http.MethodGet || reads[op.id] {
			if tc.skipRead == "" {
				r := e.do(op.method, url+tc.query, a.token, nil)
				if r.Status != http.StatusOK {
					t.Errorf("%s: a read of a trashed project: %s", op.id, r)
				}
			}
			continue
		}
		seen++
		body, ok := bodies[op.id]
		if !ok {
			body = map[string]any{}
		}
		p := e.do(op.method, url, a.token, body).problem(http.StatusConflict)
		if !strings.Contains(p.Detail, `project "Fixture" is in the trash; restore it to change it`) ||
			!strings.Contains(p.Detail, proj+"/restore") {
			t.Errorf("%s: detail %q does not say the project is in the trash and how to restore it", op.id, p.Detail)
		}
		wantFields(t, p, "path.project")
	}
	if seen < 30 {
		t.Errorf("only %d writes under a project were walked", seen)
	}
	// nothing changed
	var after FlowDetail
	e.do(http.MethodGet, proj+"/flows/"+f.params["flow"], a.token, nil).ok(&after)
	if after.Name != before.Name || after.Draft.Revision != before.Draft.Revision {
		t.Errorf("flow changed in the trash: %+v → %+v", before, after)
	}
	var keys List[APIKeyView]
	e.do(http.MethodGet, proj+"/api-keys", a.token, nil).ok(&keys)
	if len(keys.Items) != 1 || keys.Items[0].Label != "k" {
		t.Errorf("API keys changed in the trash: %+v", keys.Items)
	}
	// a member without the permission still gets 403, a stranger 404: the trash says nothing to them
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/prod", f.viewer.token, map[string]any{"value": "v"}).problem(http.StatusForbidden)
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/prod", f.outsider.token, map[string]any{"value": "v"}).problem(http.StatusNotFound)
	e.do(http.MethodPut, proj+"/flows/"+f.params["flow"]+"/draft", f.outsider.token,
		map[string]any{"document": before.Draft.Document, "revision": before.Draft.Revision}).problem(http.StatusNotFound)

	// restored, it takes changes again
	e.do(http.MethodPost, proj+"/restore", a.token, nil).ok(nil)
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/prod", a.token, map[string]any{"value": "v2"}).status(http.StatusNoContent)
	e.do(http.MethodPatch, proj+"/stages/prod", a.token, map[string]any{"name": "live"}).ok(nil)
	// and deleting it for good works from the trash
	e.do(http.MethodPost, proj+"/trash", a.token, nil).ok(nil)
	e.do(http.MethodDelete, proj, a.token, nil).status(http.StatusNoContent)
}

// Moving a project to the trash takes its published schedules out of EventBridge Scheduler
// (they went on firing the flows of a trashed project), restoring it puts them back, and
// deleting it for good leaves none behind.
func TestTrashStopsSchedules(t *testing.T) {
	e := newEnv(t)
	fake := e.fakeScheduler()
	has := func(name string) bool {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		return fake.existing[name]
	}
	u := e.signIn("alice")
	proj, p := e.project(u, "Clock")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	path, fl := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Tick", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "0 3 * * *", "enabled": true}})
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	name := schedule.Name(u.tenant, p.ID, fl.ID, "prod")
	if !has(name) {
		t.Fatalf("publishing did not put the schedule %s into the scheduler: %v", name, fake.calls)
	}
	e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil)
	if has(name) {
		t.Fatal("the schedule of a project in the trash is still in the scheduler")
	}
	e.do(http.MethodPost, proj+"/restore", u.token, nil).ok(nil)
	if !has(name) {
		t.Fatal("restoring the project did not put its schedule back")
	}
	e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil)
	e.do(http.MethodDelete, proj, u.token, nil).status(http.StatusNoContent)
	if has(name) {
		t.Fatal("the schedule is left in the scheduler after deleting the project")
	}
}
