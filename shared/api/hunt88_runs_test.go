package api

import (
	"net/http"
	"net/url"
	"testing"
)

// A cursor whose run was deleted since its page was read (deleted by a user, or expired)
// still goes on from its place: the embedded DynamoDB found no start for it and answered an
// empty last page, so the runs after it could not be listed at all.
func TestHunt88RunCursorAfterItsRunIsDeleted(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	var ids []string // oldest first
	for i := range 6 {
		status := "success"
		if i%2 == 0 {
			status = "error"
		}
		ids = append(ids, e.addRun(u.tenant, pv.ID, f.ID, "mock", status, 1).ID)
	}
	var p1, p2 List[RunView]
	e.do(http.MethodGet, path+"/runs?limit=2", u.token, nil).ok(&p1)
	if len(p1.Items) != 2 || p1.Items[1].ID != ids[4] || p1.NextCursor == "" {
		t.Fatalf("first page %+v", p1)
	}
	e.do(http.MethodDelete, path+"/runs/"+ids[4], u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path+"/runs?limit=2&cursor="+p1.NextCursor, u.token, nil).ok(&p2)
	if len(p2.Items) != 2 || p2.Items[0].ID != ids[3] || p2.Items[1].ID != ids[2] || p2.NextCursor == "" {
		t.Fatalf("page after a deleted run's cursor: %+v, want runs %s and %s and a cursor", p2, ids[3], ids[2])
	}
	// with a filter: the cursor's (error) run goes, the next error run follows
	var e1, e2 List[RunView]
	e.do(http.MethodGet, path+"/runs?limit=1&status=error", u.token, nil).ok(&e1)
	if len(e1.Items) != 1 || e1.Items[0].ID != ids[2] {
		t.Fatalf("error runs %+v", e1)
	}
	e.do(http.MethodDelete, path+"/runs/"+ids[2], u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path+"/runs?limit=1&status=error&cursor="+e1.NextCursor, u.token, nil).ok(&e2)
	if len(e2.Items) != 1 || e2.Items[0].ID != ids[0] || e2.NextCursor != "" {
		t.Fatalf("error runs after a deleted cursor run: %+v, want %s alone", e2, ids[0])
	}
}

// Coverage: a run list's cursor is refused at query.cursor when it is another flow's or
// another tenant's, cut short, or not base64url; a run is found only under its own flow and
// tenant, for reading and for deleting.
func TestHunt88RunCursorsAndIsolation(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	opath, of := e.flow(u, proj, map[string]any{"kind": "service", "name": "g"})
	var ids []string
	for range 3 {
		ids = append(ids, e.addRun(u.tenant, pv.ID, f.ID, "mock", "success", 0).ID)
		e.addRun(u.tenant, pv.ID, of.ID, "mock", "success", 0)
	}
	var p1 List[RunView]
	e.do(http.MethodGet, path+"/runs?limit=1", u.token, nil).ok(&p1)
	b := e.signIn("bob")
	bp, bpv := e.project(b, "B")
	bpath, bf := e.flow(b, bp, map[string]any{"kind": "service", "name": "f"})
	e.addRun(b.tenant, bpv.ID, bf.ID, "mock", "success", 0)
	for _, r := range []*response{
		e.do(http.MethodGet, opath+"/runs?cursor="+p1.NextCursor, u.token, nil),
		e.do(http.MethodGet, bpath+"/runs?cursor="+p1.NextCursor, b.token, nil),
		e.do(http.MethodGet, path+"/runs?cursor="+p1.NextCursor[:len(p1.NextCursor)-3], u.token, nil),
		e.do(http.MethodGet, path+"/runs?cursor="+url.QueryEscape("!!!"), u.token, nil),
	} {
		wantFields(t, r.problem(http.StatusUnprocessableEntity), "query.cursor")
	}
	wantFields(t, e.do(http.MethodGet, path+"/runs/"+ids[0], b.token, nil).problem(http.StatusNotFound), "path.tenant")
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		wantFields(t, e.do(method, bpath+"/runs/"+ids[0], b.token, nil).problem(http.StatusNotFound), "path.run")
		wantFields(t, e.do(method, opath+"/runs/"+ids[0], u.token, nil).problem(http.StatusNotFound), "path.run")
	}
	e.do(http.MethodGet, path+"/runs/"+ids[0], u.token, nil).ok(nil)
}

// A paused run is resumed only through its own flow and tenant: another flow's path or
// another tenant's is 404 at path.run (another flow's was a 404 naming no field), and
// nothing reaches the runner; a deleted run cannot be resumed.
func TestHunt88ResumeIsolation(t *testing.T) {
	e := newEnv(t)
	runner := &startedRuns{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	opath, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "g"})
	b := e.signIn("bob")
	bp, _ := e.project(b, "B")
	bpath, _ := e.flow(b, bp, map[string]any{"kind": "service", "name": "f"})
	run := e.addRun(u.tenant, pv.ID, f.ID, "mock", "paused", 0)
	gone := e.addRun(u.tenant, pv.ID, f.ID, "mock", "error", 0)
	body := map[string]any{"node": "ask", "input": true}
	wantFields(t, e.do(http.MethodPost, opath+"/runs/"+run.ID+"/resume", u.token, body).problem(http.StatusNotFound), "path.run")
	wantFields(t, e.do(http.MethodPost, bpath+"/runs/"+run.ID+"/resume", b.token, body).problem(http.StatusNotFound), "path.run")
	e.do(http.MethodDelete, path+"/runs/"+gone.ID, u.token, nil).status(http.StatusNoContent) // ended: resumed, it failed
	wantFields(t, e.do(http.MethodPost, path+"/runs/"+gone.ID+"/resume", u.token, body).problem(http.StatusNotFound), "path.run")
	if len(runner.payloads) != 0 {
		t.Fatalf("refused resumes reached the runner: %v", runner.payloads)
	}
	e.do(http.MethodPost, path+"/runs/"+run.ID+"/resume", u.token, body).status(http.StatusAccepted)
	if len(runner.payloads) != 1 {
		t.Fatalf("runner got %d resumes, want 1", len(runner.payloads))
	}
}
