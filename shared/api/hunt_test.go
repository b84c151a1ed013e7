package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/store"
)

// A write with a query parameter it does not take is refused, naming the parameter, and
// does nothing: DELETE …/runs?status=error deleted every run of the flow, the filter
// (which only listing takes) silently ignored.
func TestWriteRefusesUnknownQuery(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	e.addRun(u.tenant, pv.ID, f.ID, "mock", "success", 1)
	e.addRun(u.tenant, pv.ID, f.ID, "mock", "error", 1)

	p := e.do(http.MethodDelete, path+"/runs?status=error", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.status")
	if !strings.Contains(p.Errors[0].Message, "takes no query parameters") {
		t.Errorf("message = %q, want it to say the operation takes no query parameters", p.Errors[0].Message)
	}
	var list List[RunView]
	e.do(http.MethodGet, path+"/runs", u.token, nil).ok(&list)
	if len(list.Items) != 2 {
		t.Fatalf("runs after a refused delete: %d, want 2", len(list.Items))
	}

	p = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects?dry_run=1&x=2", u.token,
		map[string]string{"name": "Other"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.dry_run", "query.x")
	var projects List[ProjectView]
	e.do(http.MethodGet, "/tenants/"+u.tenant+"/projects", u.token, nil).ok(&projects)
	if len(projects.Items) != 1 {
		t.Fatalf("projects after a refused create: %d, want 1", len(projects.Items))
	}

	// reads still ignore what they do not know (a cache-busting ?_=…, say)
	e.do(http.MethodGet, path+"/runs?_=123", u.token, nil).ok(&list)
	// and a write's own parameters are fine
	e.do(http.MethodDelete, path+"/runs", u.token, nil).status(http.StatusOK)
}

// Snapshotting a version of a flow whose project is in the trash is refused with 409
// saying so and how to go on, as adding flows, stages or API keys there is; it said
// 404 "project not found" of a project GET shows.
func TestCreateVersionInTrash(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	e.do(http.MethodPost, proj+"/trash", u.token, nil).status(http.StatusOK)
	p := e.do(http.MethodPost, path+"/versions", u.token, map[string]any{}).problem(http.StatusConflict)
	if !strings.Contains(p.Detail, `project "Shop" is in the trash; restore it to`) {
		t.Errorf("detail = %q, want it to say the project is in the trash", p.Detail)
	}
	wantFields(t, p, "path.project")
	wantFields(t, e.do(http.MethodPost, path+"/runs", u.token, map[string]any{}).problem(http.StatusConflict), "path.project")
	e.do(http.MethodPost, proj+"/restore", u.token, nil).status(http.StatusOK)
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{}).status(http.StatusCreated)
}

// A 404 names the path parameter whose value was not found (every 4xx names its field).
func TestNotFoundNamesThePathParameter(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	missing := newRequestID()
	base := "/tenants/" + u.tenant + "/projects/"
	for _, tc := range []struct{ method, path, field string }{
		{http.MethodGet, base + missing, "path.project"},
		{http.MethodGet, proj + "/flows/" + missing, "path.flow"},
		{http.MethodGet, path + "/runs/" + missing, "path.run"},
		{http.MethodDelete, path + "/runs/" + missing, "path.run"},
		{http.MethodGet, path + "/versions/7", "path.version"},
		{http.MethodDelete, proj + "/api-keys/" + missing, "path.key_id"},
		{http.MethodDelete, proj + "/secrets/NOPE", "path.key"},
		{http.MethodDelete, proj + "/env/NOPE", "path.key"},
		{http.MethodPut, proj + "/secrets/K/stages/nostage", "path.stage"},
		{http.MethodGet, base + "not-an-id", "path.project"},
		{http.MethodGet, proj + "/flows/" + strings.Repeat("A", 300), "path.flow"},
		{http.MethodGet, path + "/versions/x", "path.version"},
	} {
		var body any
		if tc.method == http.MethodPut {
			body = map[string]string{"value": "v"}
		}
		p := e.do(tc.method, tc.path, u.token, body).problem(http.StatusNotFound)
		wantFields(t, p, tc.field)
	}
}

// The 4xx that named no field name one: a missing body is at body, a stale draft revision
// at body.revision.
func TestMissingBodyAndStaleRevisionNameTheirField(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	p := e.doHeaders(http.MethodPost, proj+"/api-keys", u.token, nil, map[string]string{"Content-Type": "application/json"}).problem(http.StatusBadRequest)
	wantFields(t, p, "body")
	doc := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}}
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"revision": f.Draft.Revision + 5, "document": doc}).problem(http.StatusConflict)
	wantFields(t, p, "body.revision")
	if p.CurrentRevision == nil || *p.CurrentRevision != f.Draft.Revision {
		t.Errorf("current_revision = %v, want %d", p.CurrentRevision, f.Draft.Revision)
	}
}

// Two admins stepping down at the same moment: one of them stays admin; the other request
// is refused with 409 at path.sub. Both succeeded, leaving a tenant nobody could manage.
func TestAdminsSteppingDownAtOnceKeepOne(t *testing.T) {
	e := newEnv(t)
	owner := e.signIn("owner")
	base := "/tenants/" + owner.tenant
	e.do(http.MethodPost, base+"/invitations", owner.token, map[string]string{"email": "bob@example.com", "role": "admin"}).
		status(http.StatusCreated)
	bob := e.signInAccepting("bob", owner.tenant)
	for round := range 3 {
		var wg sync.WaitGroup
		res := make([]*response, 2)
		for i, u := range []user{owner, bob} {
			wg.Go(func() {
				res[i] = e.do(http.MethodPatch, base+"/members/"+u.sub, u.token, map[string]string{"role": "viewer"})
			})
		}
		wg.Wait()
		var members List[MemberView]
		admin := owner
		if res[0].Status == http.StatusOK {
			admin = bob
		}
		e.do(http.MethodGet, base+"/members", admin.token, nil).ok(&members)
		admins := 0
		for _, m := range members.Items {
			if m.Role == "admin" {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("round %d: %d admins left (answers %d, %d), want 1", round, admins, res[0].Status, res[1].Status)
		}
		for _, r := range res {
			if r.Status != http.StatusOK {
				wantFields(t, r.problem(http.StatusConflict), "path.sub")
			}
		}
		other := owner
		if admin == owner {
			other = bob
		}
		e.do(http.MethodPatch, base+"/members/"+other.sub, admin.token, map[string]string{"role": "admin"}).status(http.StatusOK)
	}
}

// flakyRunner fails its first n hand-offs.
type flakyRunner struct {
	startedRuns
	fail int
}

func (f *flakyRunner) StartRun(ctx context.Context, payload []byte) error {
	f.mu.Lock()
	fail := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if fail {
		return errors.New("invoke: throttled")
	}
	return f.startedRuns.StartRun(ctx, payload)
}

// Resumes racing for one paused run: one is handed to the runner (202), the others are
// refused with 409 at path.run; all were answered 202 and all but one dropped by the
// runner's claim. A failed hand-off takes its request back; a state saved again (the run
// paused again, or a resume put back) takes a new one.
func TestConcurrentResumesOneAccepted(t *testing.T) {
	e := newEnv(t)
	runner := &flakyRunner{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, _ := e.project(u, "Approvals")
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "Ask", "document": chainDoc(t, 2, "ask")})
	pk := store.ProjectKey{Tenant: u.tenant, Project: f.Project}
	run, err := e.db.Store.CreateRun(t.Context(), store.Run{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID, Stage: "mock",
		Trigger: "editor", Status: "paused", Summary: json.RawMessage(`{"paused_at":["ask"],"paused_ids":["n7"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Store.SaveRunState(t.Context(), pk.Run(run.ID), json.RawMessage(`{"format":1}`)); err != nil {
		t.Fatal(err)
	}
	resume := path + "/runs/" + run.ID + "/resume"
	body := map[string]any{"node": "ask", "input": map[string]any{"approved": true}}

	runner.fail = 1
	e.do(http.MethodPost, resume, u.token, body).problem(http.StatusServiceUnavailable)

	const n = 6
	res := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { res[i] = e.do(http.MethodPost, resume, u.token, body) })
	}
	wg.Wait()
	accepted := 0
	for _, r := range res {
		if r.Status == http.StatusAccepted {
			accepted++
			continue
		}
		wantFields(t, r.problem(http.StatusConflict), "path.run")
	}
	if accepted != 1 || len(runner.payloads) != 1 {
		t.Fatalf("%d of %d resumes accepted, %d handed to the runner; want 1 and 1", accepted, n, len(runner.payloads))
	}
	// the runner put the state back (or the run paused again): it can be resumed again
	if err := e.db.Store.SaveRunState(t.Context(), pk.Run(run.ID), json.RawMessage(`{"format":1}`)); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, resume, u.token, body).status(http.StatusAccepted)
}

// A schedule EventBridge Scheduler cannot fire (both day fields restricted, which classic
// cron ORs) is refused when it is set, at body.cron; it was saved and only publishing it
// failed.
func TestScheduleNotExpressibleRefusedWhenSet(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	path, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "nightly"})
	p := e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "0 0 29 2 1", "enabled": true}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.cron")
	if !strings.Contains(p.Errors[0].Message, "EventBridge") {
		t.Errorf("message = %q, want it to say why", p.Errors[0].Message)
	}
	e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "0 0 29 2 *", "enabled": true}).status(http.StatusOK)
	wantFields(t, e.do(http.MethodPost, "/schedule-preview", u.token, map[string]any{"cron": "0 0 1 * MON"}).
		problem(http.StatusUnprocessableEntity), "body.cron")
}

// A flow, project or API key name with an invisible or text-direction character is
// refused naming the field: "hello\u200b" looked like "hello" yet was another name.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	e.flow(u, proj, map[string]any{"kind": "service", "name": "hello"})
	wantFields(t, e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "hello\u200b"}).
		problem(http.StatusUnprocessableEntity), "body.name")
	wantFields(t, e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]any{"name": "\u202eevil"}).
		problem(http.StatusUnprocessableEntity), "body.name")
	wantFields(t, e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]any{"label": "\ufeffci"}).
		problem(http.StatusUnprocessableEntity), "body.label")
}

// A user whose name (from the identity provider) holds a control or text-direction
// character (a right-to-left mark, common in names typed in Hebrew or Arabic) still
// signs in: the personal workspace is named without them. GET /me failed.
func TestSignInWithDirectionMarksInName(t *testing.T) {
	e := newEnv(t)
	for i, name := range []string{"\u200fדנה", "Ann\u202e", "Bob\tSmith"} {
		tok := token(t, "sub-rtl-"+string(rune('a'+i)), "", name)
		var me Me
		e.do(http.MethodGet, "/me", tok, nil).ok(&me)
		if len(me.Memberships) != 1 || strings.ContainsAny(me.Memberships[0].TenantName, "\u200f\u202e\t") {
			t.Fatalf("%q: memberships %+v", name, me.Memberships)
		}
	}
}

// A body declared in a charset other than UTF-8 is refused with 415 naming the body: it
// was read as UTF-8 regardless (a UTF-16 body then failed as "invalid character").
func TestNonUTF8CharsetRefused(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	for _, ct := range []string{"application/json; charset=utf-16", "application/json; charset=ISO-8859-1"} {
		p := e.doHeaders(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": "P"},
			map[string]string{"Content-Type": ct}).problem(http.StatusUnsupportedMediaType)
		wantFields(t, p, "body")
	}
	for _, ct := range []string{"application/json; charset=UTF-8", "application/json; charset=utf8", "application/json"} {
		e.doHeaders(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": "P " + ct},
			map[string]string{"Content-Type": ct}).status(http.StatusCreated)
	}
}

// An import that fails part way (a flow the store cannot hold) leaves nothing behind: the
// flows it had created are deleted again, and the 413 names the document. The earlier
// flows stayed, so a retry met its own half-import as name collisions.
func TestImportFailingPartWayLeavesNothing(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	rnd := make([]byte, 1_200_000)
	if _, err := rand.Read(rnd); err != nil {
		t.Fatal(err)
	}
	small := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}
	huge := map[string]any{"schema": "polysynergy/flow@1", "connections": []any{}, "nodes": []any{map[string]any{
		"id": "n1", "handle": "n1", "type": "debug.log", "position": map[string]any{"x": 0, "y": 0},
		"values": map[string]any{"message": base64.StdEncoding.EncodeToString(rnd)}}}}
	bundle := map[string]any{"format": "polysynergy/bundle@1", "flows": []any{
		map[string]any{"name": "first", "kind": "blueprint", "document": small},
		map[string]any{"name": "second", "kind": "blueprint", "document": small},
		map[string]any{"name": "huge", "kind": "blueprint", "document": huge},
	}}
	p := e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle}).problem(http.StatusRequestEntityTooLarge)
	wantFields(t, p, "body.bundle.flows[2].document")
	var flows List[FlowView]
	e.do(http.MethodGet, proj+"/flows", u.token, nil).ok(&flows)
	if len(flows.Items) != 0 {
		t.Fatalf("flows after a failed import: %+v, want none", flows.Items)
	}
	// the names are free again
	bundle["flows"] = bundle["flows"].([]any)[:2]
	e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle}).status(http.StatusOK)
}

// A new user's first requests arriving together (two tabs, a script) make one personal
// workspace, not one each: six concurrent GET /me made six.
func TestConcurrentFirstSignInMakesOneWorkspace(t *testing.T) {
	e := newEnv(t)
	tok := token(t, "sub-fresh", "fresh@example.com", "Fresh")
	const n = 6
	var wg sync.WaitGroup
	res := make([]*response, n)
	for i := range n {
		wg.Go(func() { res[i] = e.do(http.MethodGet, "/me", tok, nil) })
	}
	wg.Wait()
	tenants := map[string]bool{}
	for _, r := range res {
		var me Me
		r.ok(&me)
		for _, m := range me.Memberships {
			tenants[m.Tenant] = true
		}
	}
	var me Me
	e.do(http.MethodGet, "/me", tok, nil).ok(&me)
	if len(me.Memberships) != 1 || len(tenants) != 1 {
		t.Fatalf("memberships %+v (answers named %d tenants), want one personal workspace", me.Memberships, len(tenants))
	}
}

// A project PATCH refused for one field changes none: a taken slug left the private
// network switch and the name changed. And an editor may send the switch unchanged (a
// client PATCHing back what it read); only changing it needs an admin.
func TestProjectPatchAllOrNothing(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	e.project(u, "Other") // slug "other"
	p := e.do(http.MethodPatch, proj, u.token, map[string]any{"name": "Renamed", "allow_private_network": true, "slug": "other"}).
		problem(http.StatusConflict)
	wantFields(t, p, "body.slug")
	var v ProjectView
	e.do(http.MethodGet, proj, u.token, nil).ok(&v)
	if v.Name != "Shop" || v.AllowPrivateNetwork || v.Slug != "shop" {
		t.Fatalf("after a refused PATCH: %+v, want it unchanged", v)
	}

	e.do(http.MethodPost, "/tenants/"+u.tenant+"/invitations", u.token, map[string]string{"email": "ed@example.com", "role": "editor"}).
		status(http.StatusCreated)
	ed := e.signInAccepting("ed", u.tenant)
	e.do(http.MethodPatch, proj, ed.token, map[string]any{"name": "Shop 2", "allow_private_network": false}).ok(&v)
	if v.Name != "Shop 2" {
		t.Fatalf("editor's PATCH: %+v", v)
	}
	wantFields(t, e.do(http.MethodPatch, proj, ed.token, map[string]any{"allow_private_network": true}).problem(http.StatusForbidden),
		"body.allow_private_network")
}

// Deleting a secret's or variable's value on a stage where it has none names the stage,
// not the key: "secret not found" at path.key was said of a secret that exists.
func TestDeleteValueOnStageWithoutOneNamesTheStage(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]string{"name": "live"}).status(http.StatusCreated)
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/live", u.token, map[string]string{"value": "v"}).status(http.StatusNoContent)
	e.do(http.MethodPut, proj+"/env/REGION/stages/live", u.token, map[string]string{"value": "eu"}).status(http.StatusOK)
	for _, path := range []string{proj + "/secrets/TOKEN/stages/mock", proj + "/env/REGION/stages/mock"} {
		p := e.do(http.MethodDelete, path, u.token, nil).problem(http.StatusNotFound)
		wantFields(t, p, "path.stage")
		if !strings.Contains(p.Detail, `no value on stage "mock"`) {
			t.Errorf("%s: detail %q", path, p.Detail)
		}
	}
	wantFields(t, e.do(http.MethodDelete, proj+"/secrets/NOPE/stages/live", u.token, nil).problem(http.StatusNotFound), "path.key")
	wantFields(t, e.do(http.MethodDelete, proj+"/env/NOPE/stages/live", u.token, nil).problem(http.StatusNotFound), "path.key")
}

// Exporting every flow of a project with more flows than a bundle holds is refused at
// query.flow saying to choose the flows; it gave a bundle the import refused
// (body.bundle.flows: expected array length <= 200), so the export could not go back in.
func TestExportOfMoreFlowsThanABundleHolds(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Many")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	var first string
	for i := range MaxBundleFlows + 1 {
		f, err := e.db.Store.CreateFlow(t.Context(), k, store.CreateFlowInput{Kind: store.KindBlueprint,
			Name: "f" + strconv.Itoa(i), Document: json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = f.ID
		}
	}
	p := e.do(http.MethodGet, proj+"/export", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.flow")
	if !strings.Contains(p.Detail, "201 flows") {
		t.Errorf("detail %q, want it to say how many", p.Detail)
	}
	var b Bundle
	e.do(http.MethodGet, proj+"/export?flow="+first, u.token, nil).ok(&b)
	if len(b.Flows) != 1 {
		t.Fatalf("chosen export: %d flows", len(b.Flows))
	}
}

// A run whose node results add up to more than one response can hold (Lambda answers at
// most 6 MB) is still shown: the largest values are replaced by a note of their size,
// newest nodes first kept whole. GET …/runs/{run} failed with 500 for such a run.
func TestRunDetailFitsOneResponse(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	big, _ := json.Marshal(map[string]string{"text": strings.Repeat("y", 64<<10)})
	path, r := e.runWithResults(u, 120, big, json.RawMessage(`{"width":65000}`))
	resp := e.do(http.MethodGet, path+"/runs/"+r.ID, u.token, nil)
	var d RunDetail
	resp.ok(&d)
	if len(resp.Body) > MaxResponseBody {
		t.Fatalf("run detail is %d bytes, over %d", len(resp.Body), MaxResponseBody)
	}
	if len(d.Nodes) != 120 {
		t.Fatalf("nodes = %d, want all 120", len(d.Nodes))
	}
	cut := 0
	for _, n := range d.Nodes {
		var m map[string]any
		_ = json.Unmarshal(n.Outputs, &m)
		if m["$truncated"] == true {
			cut++
		}
		if string(n.Inputs) != `{"width":65000}` {
			t.Errorf("node %s inputs %s, want the small value whole", n.Node, n.Inputs)
		}
	}
	if cut == 0 || cut == 120 {
		t.Fatalf("%d of 120 outputs cut, want some (only as many as needed)", cut)
	}
}

// An export whose documents add up to more than one answer can hold is refused at
// query.flow saying to export fewer; it failed with 500 (Lambda's 6 MB answer limit).
func TestExportTooLargeForOneAnswer(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Big")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	var ids []string
	for i := range 3 {
		doc, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "connections": []any{}, "nodes": []any{map[string]any{
			"id": "n1", "handle": "n1", "type": "debug.log", "position": map[string]any{"x": 0, "y": 0},
			"values": map[string]any{"message": strings.Repeat("a log line of some length ", 80_000)}}}})
		f, err := e.db.Store.CreateFlow(t.Context(), k, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "big" + strconv.Itoa(i), Document: doc})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	wantFields(t, e.do(http.MethodGet, proj+"/export", u.token, nil).problem(http.StatusUnprocessableEntity), "query.flow")
	resp := e.do(http.MethodGet, proj+"/export?flow="+ids[0]+"&flow="+ids[1], u.token, nil).status(http.StatusOK)
	if len(resp.Body) > MaxResponseBody {
		t.Fatalf("export of two flows is %d bytes", len(resp.Body))
	}
}

// A page of runs whose summaries add up to more than one answer can hold (a big flow's
// edge states, 200 runs) is still answered: the summaries lose their edges, which the run
// itself (GET …/runs/{run}) still has.
func TestRunListFitsOneResponse(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	edges := map[string]string{}
	for i := range 3000 {
		edges["c"+strconv.Itoa(i)] = "live"
	}
	sum, _ := json.Marshal(map[string]any{"save": "all", "saved": true, "edges": edges})
	var last store.Run
	for range 200 {
		r, err := e.db.Store.CreateRun(t.Context(), store.Run{Tenant: u.tenant, Project: pv.ID, Flow: f.ID, Stage: "mock",
			Version: 1, Trigger: "editor", Status: "success", Summary: sum})
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	resp := e.do(http.MethodGet, path+"/runs?limit=200", u.token, nil)
	var list List[RunView]
	resp.ok(&list)
	if len(resp.Body) > MaxResponseBody || len(list.Items) != 200 {
		t.Fatalf("run list: %d bytes, %d runs", len(resp.Body), len(list.Items))
	}
	var s map[string]any
	if err := json.Unmarshal(list.Items[0].Summary, &s); err != nil || s["save"] != "all" || s["edges"] != nil {
		t.Fatalf("summary %s, want it without its edges", list.Items[0].Summary)
	}
	var d RunDetail
	e.do(http.MethodGet, path+"/runs/"+last.ID, u.token, nil).ok(&d)
	if !strings.Contains(string(d.Summary), `"edges"`) {
		t.Fatalf("the run's own summary lost its edges")
	}
}
