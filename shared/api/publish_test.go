package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

func TestVersionsRestoreAndDiff(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "V")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "f", "document": chainDoc(t, 3, "one")})
	var cv CreatedVersion
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{"message": "first"}).status(http.StatusCreated).ok(&cv)
	if !cv.Created || cv.Version.Number != 1 || cv.Version.Author != u.sub || cv.Version.Message != "first" {
		t.Errorf("version %+v", cv)
	}
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{}).ok(&cv)
	if cv.Created || cv.Version.Number != 1 {
		t.Errorf("unchanged draft made a version: %+v", cv)
	}
	// Change: a node removed, one changed, one added.
	doc2, err := flow.Decode(chainDoc(t, 3, "one"))
	if err != nil {
		t.Fatal(err)
	}
	doc2.Nodes[1].Values["message"] = "changed"
	doc2.Nodes[1].Position.X = 999
	doc2.Nodes = append(doc2.Nodes[:2], flow.Node{ID: "extra", Handle: "extra", Type: "debug.log",
		Values: map[string]any{"message": "new"}})
	doc2.Connections = []flow.Connection{doc2.Connections[0],
		{ID: "c9", From: flow.Endpoint{Node: "n1", Port: "true_path"}, To: flow.Endpoint{Node: "extra", Port: "node"}}}
	raw2, _ := json.Marshal(doc2)
	var saved SavedDraft
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": json.RawMessage(raw2), "revision": 1}).ok(&saved)
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{"message": "second"}).ok(&cv)
	if !cv.Created || cv.Version.Number != 2 {
		t.Fatalf("second version %+v", cv)
	}
	var list List[VersionView]
	e.do(http.MethodGet, path+"/versions", u.token, nil).ok(&list)
	if len(list.Items) != 2 || list.Items[0].Number != 2 || list.Items[1].Number != 1 {
		t.Errorf("versions %+v, want newest first", list.Items)
	}
	var d Diff
	e.do(http.MethodGet, path+"/diff?from=1&to=2", u.token, nil).ok(&d)
	if d.Same || len(d.Nodes.Added) != 1 || d.Nodes.Added[0].ID != "extra" ||
		len(d.Nodes.Removed) != 1 || d.Nodes.Removed[0].ID != "n2" ||
		len(d.Nodes.Changed) != 1 || d.Nodes.Changed[0].ID != "n1" {
		t.Fatalf("diff nodes %+v", d.Nodes)
	}
	if got := strings.Join(d.Nodes.Changed[0].Fields, ","); got != "values.message,position" {
		t.Errorf("changed fields %q", got)
	}
	if len(d.Connections.Added) != 1 || d.Connections.Added[0].To != "extra.node" ||
		len(d.Connections.Removed) != 1 || d.Connections.Removed[0].From != "n1.true_path" {
		t.Errorf("diff connections %+v", d.Connections)
	}
	e.do(http.MethodGet, path+"/diff?from=2&to=draft", u.token, nil).ok(&d)
	if !d.Same {
		t.Errorf("version 2 and draft differ: %+v", d)
	}
	p := e.do(http.MethodGet, path+"/diff?from=9&to=draft", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.from")
	p = e.do(http.MethodGet, path+"/diff?from=x&to=1", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.from")

	// Restore version 1 into the draft.
	var vd VersionDetail
	e.do(http.MethodGet, path+"/versions/1", u.token, nil).ok(&vd)
	e.do(http.MethodPost, path+"/versions/1/restore", u.token, map[string]any{"revision": 1}).problem(http.StatusConflict)
	e.do(http.MethodPost, path+"/versions/1/restore", u.token, nil).ok(&saved)
	var f FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&f)
	if string(f.Draft.Document) != string(vd.Document) || f.Draft.Revision != saved.Revision {
		t.Errorf("draft after restore:\n%s\nwant\n%s", f.Draft.Document, vd.Document)
	}
	e.do(http.MethodGet, path+"/versions/7", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, path+"/versions/0", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, path+"/versions/abc", u.token, nil).problem(http.StatusNotFound)
}

func TestPublishUnpublishAndMatrix(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Pub")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	var res PublishResult
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "message": "go"}).ok(&res)
	if !res.Created || res.Version.Number != 1 || res.Publication.Stage != "prod" || res.Publication.By != u.sub {
		t.Fatalf("publish %+v", res)
	}
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	tbl, err := e.db.Store.GetRouteTable(t.Context(), k, "prod")
	if err != nil || len(tbl.Routes) != 1 || tbl.Routes[0].FlowID != f.ID || tbl.Routes[0].Version != 1 {
		t.Fatalf("route table %+v %v", tbl, err)
	}
	// Publishing the unchanged draft again binds the same version.
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(&res)
	if res.Created || res.Version.Number != 1 {
		t.Errorf("republish %+v", res)
	}
	var m PublishMatrix
	e.do(http.MethodGet, proj+"/publish-matrix", u.token, nil).ok(&m)
	if len(m.Flows) != 1 || m.Flows[0].DraftChanged || m.Flows[0].Stages["prod"].Version != 1 ||
		m.Flows[0].Stages["prod"].DraftDiffers || strings.Join(m.Stages, ",") != "mock,prod" {
		t.Errorf("matrix %+v", m)
	}
	// Edit the draft: the matrix shows it differs.
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 4, "q"), "revision": 1}).ok(nil)
	e.do(http.MethodGet, proj+"/publish-matrix", u.token, nil).ok(&m)
	if !m.Flows[0].DraftChanged || !m.Flows[0].Stages["prod"].DraftDiffers {
		t.Errorf("matrix after edit %+v", m.Flows[0])
	}
	// Change the route: the stages keep serving the published one, and say the flow's differs.
	var pubs []PublicationView
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	if len(pubs) != 2 || pubs[0].Route == nil || pubs[0].RouteDiffers || pubs[1].Route == nil {
		t.Fatalf("publications %+v", pubs)
	}
	served := pubs[0].Route.Path
	e.do(http.MethodPut, path+"/route", u.token, map[string]any{"method": "POST",
		"segments": []any{seg("static", "orders", ""), seg("variable", "id", "number")}}).ok(nil)
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	for _, pb := range pubs {
		if pb.Route == nil || pb.Route.Path != served || pb.Route.Method != "GET" || !pb.RouteDiffers {
			t.Errorf("after a route change, %s serves %+v (differs %v), want the old GET %s", pb.Stage, pb.Route, pb.RouteDiffers, served)
		}
	}
	e.do(http.MethodGet, proj+"/publish-matrix", u.token, nil).ok(&m)
	if !m.Flows[0].Stages["prod"].RouteDiffers || !m.Flows[0].Stages["mock"].RouteDiffers {
		t.Errorf("matrix after a route change %+v", m.Flows[0])
	}
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "version": 1}).ok(&res)
	pubs = nil // omitted fields would keep their old values
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	for _, pb := range pubs {
		if want := pb.Stage == "mock"; pb.RouteDiffers != want || (pb.Stage == "prod" && (pb.Route.Path != "/orders/{id:number}" || pb.Route.Method != "POST")) {
			t.Errorf("after publishing prod again: %s serves %+v (differs %v)", pb.Stage, pb.Route, pb.RouteDiffers)
		}
	}
	m = PublishMatrix{}
	e.do(http.MethodGet, proj+"/publish-matrix", u.token, nil).ok(&m)
	if m.Flows[0].Stages["prod"].RouteDiffers || !m.Flows[0].Stages["mock"].RouteDiffers {
		t.Errorf("matrix after publishing prod again %+v", m.Flows[0])
	}

	// A stale revision is refused.
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "revision": 1}).
		problem(http.StatusConflict)
	if p.CurrentRevision == nil || *p.CurrentRevision != 2 {
		t.Errorf("stale publish %+v", p)
	}
	// An invalid draft lists every problem with its JSON pointer and binds nothing.
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": invalidDoc(), "revision": 2}).ok(nil)
	p = e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).problem(http.StatusUnprocessableEntity)
	if p.Type != TypeFlowInvalid || len(p.Errors) < 2 {
		t.Fatalf("invalid publish %+v", p)
	}
	for _, fe := range p.Errors {
		if !strings.HasPrefix(fe.Location, "/") {
			t.Errorf("problem location %q is not a JSON pointer", fe.Location)
		}
	}
	var vs List[VersionView]
	e.do(http.MethodGet, path+"/versions", u.token, nil).ok(&vs)
	if len(vs.Items) != 1 {
		t.Errorf("invalid publish created a version: %+v", vs.Items)
	}
	// Publishing an existing version works whatever the draft.
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "version": 1}).ok(&res)
	p = e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "version": 5}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.version")
	p = e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "nope"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.stage")

	// Another route flow with the same route can't go onto that stage.
	p2, f2 := e.flow(u, proj, map[string]any{"kind": "route", "name": "other", "document": chainDoc(t, 2, "o"),
		"route": map[string]any{"method": "GET", "segments": []any{seg("static", "other", "")}}})
	if err := updateRouteDirect(e, u.tenant, pv.ID, f2.ID, f.ID); err != nil {
		t.Fatal(err)
	}
	p = e.do(http.MethodPost, p2+"/publish", u.token, map[string]any{"stage": "prod"}).problem(http.StatusConflict)
	if p.Type != TypeRouteTaken {
		t.Errorf("route conflict type %q", p.Type)
	}

	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	if len(pubs) != 2 {
		t.Errorf("publications %+v", pubs)
	}
	e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	// unpublishing from a stage the flow is not on says so, not "binding not found"
	if p := e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).problem(http.StatusNotFound); p.Detail != `flow "hello" is not published on stage "prod"` {
		t.Errorf("unpublish twice: %+v", p)
	}
	tbl, err = e.db.Store.GetRouteTable(t.Context(), k, "prod")
	if err != nil || len(tbl.Routes) != 0 {
		t.Errorf("route table after unpublish %+v %v", tbl, err)
	}
	// Deleting a stage unpublishes what is bound to it.
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod", "version": 1}).ok(nil)
	e.do(http.MethodDelete, proj+"/stages/prod", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	if len(pubs) != 1 || pubs[0].Stage != "mock" {
		t.Errorf("publications after stage delete %+v", pubs)
	}
}

// updateRouteDirect gives flow a the route of flow b in the store, as if
// the duplicate check had been raced.
func updateRouteDirect(e *env, tenant, project, a, b string) error {
	k := store.ProjectKey{Tenant: tenant, Project: project}
	r, err := e.db.Store.GetRoute(e.t.Context(), k.Flow(b))
	if err != nil {
		return err
	}
	_, err = e.db.Store.UpdateRoute(e.t.Context(), k.Flow(a), r.RouteConfig)
	return err
}

func TestPublishSchedule(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "S")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	path, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "tick", "document": chainDoc(t, 2, "s"),
		"schedule": map[string]any{"cron": "0 6 * * *", "enabled": true}})
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	var s ScheduleView
	e.do(http.MethodGet, path+"/schedule", u.token, nil).ok(&s)
	if s.Published["prod"] != 1 {
		t.Errorf("schedule bindings %+v", s.Published)
	}
	bp, _ := e.flow(u, proj, map[string]any{"kind": "blueprint", "name": "bp", "document": chainDoc(t, 2, "b")})
	p := e.do(http.MethodPost, bp+"/publish", u.token, map[string]any{"stage": "prod"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "path.flow")
}

// callerDoc plays manually and calls flow target with a Call flow node (disabled when asked).
func callerDoc(t *testing.T, target string, disabled bool) json.RawMessage {
	t.Helper()
	doc := flow.Document{Schema: flow.Schema, Nodes: []flow.Node{
		{ID: "n0", Handle: "start", Type: "trigger.manual"},
		{ID: "n1", Handle: "call", Type: "flow.call", Position: flow.Position{X: 200}, Values: map[string]any{"flow_id": target}},
	}, Connections: []flow.Connection{{ID: "c1", From: flow.Endpoint{Node: "n0", Port: "true_path"}, To: flow.Endpoint{Node: "n1", Port: "node"}}}}
	if disabled {
		doc.Nodes[1].FlowState = flow.StateDisabled
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Publishing a flow that calls another checks the called flow: it must exist in the project,
// not be the flow itself, and be published on the stage (published runs call that version).
func TestPublishChecksCalledFlows(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Calls")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	svcPath, svc := e.flow(u, proj, map[string]any{"kind": "service", "name": "Lookup", "document": chainDoc(t, 2, "svc")})
	path, caller := e.flow(u, proj, map[string]any{"kind": "service", "name": "Caller", "document": callerDoc(t, svc.ID, false)})

	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).problem(http.StatusUnprocessableEntity)
	if p.Type != TypeFlowInvalid || len(p.Errors) != 1 || p.Errors[0].Location != "/nodes/1/values/flow_id" ||
		!strings.Contains(p.Errors[0].Message, `calls flow "Lookup"`) || !strings.Contains(p.Errors[0].Message, `not published on stage "prod"`) {
		t.Fatalf("publish before the called flow: %+v", p)
	}
	var vs List[VersionView]
	e.do(http.MethodGet, path+"/versions", u.token, nil).ok(&vs)
	if len(vs.Items) != 0 {
		t.Fatalf("a refused publish made %d versions", len(vs.Items))
	}
	e.do(http.MethodPost, svcPath+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)

	// while the caller is published on prod, the called flow stays there
	p = e.do(http.MethodDelete, svcPath+"/publications/prod", u.token, nil).problem(http.StatusConflict)
	if len(p.Errors) != 1 || p.Errors[0].Value != caller.ID || !strings.Contains(p.Errors[0].Message, `flow "Caller" (version 1 on stage "prod") calls it at node n1`) ||
		!strings.Contains(p.Detail, `call this flow ("Caller")`) {
		t.Fatalf("unpublishing a called flow: %+v", p)
	}
	p = e.do(http.MethodDelete, svcPath, u.token, nil).problem(http.StatusConflict)
	if len(p.Errors) != 1 || p.Errors[0].Value != caller.ID {
		t.Fatalf("deleting a called flow: %+v", p)
	}
	var pubs []PublicationView
	e.do(http.MethodGet, svcPath+"/publications", u.token, nil).ok(&pubs)
	if len(pubs) != 1 || pubs[0].Stage != "prod" {
		t.Fatalf("the refused unpublish removed the publication: %+v", pubs)
	}
	// on a stage where no caller is published it goes
	e.do(http.MethodPost, svcPath+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	e.do(http.MethodDelete, svcPath+"/publications/mock", u.token, nil).status(http.StatusNoContent)

	for _, tc := range []struct {
		target, want string
	}{
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", `no flow "01ARZ3NDEKTSV4RRFFQ69G5FAV" in this project`},
		{"not-an-id", `no flow "not-an-id" in this project`},
		{caller.ID, "a flow cannot call itself"},
	} {
		var d FlowDetail
		e.do(http.MethodGet, path, u.token, nil).ok(&d)
		e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": callerDoc(t, tc.target, false), "revision": d.Draft.Revision}).ok(nil)
		p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).problem(http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Message != tc.want || p.Errors[0].Value != "n1" {
			t.Errorf("calling %s: %+v, want %q", tc.target, p.Errors, tc.want)
		}
	}
	// a disabled node and an id given as an expression are not checked
	for _, doc := range []json.RawMessage{callerDoc(t, "01ARZ3NDEKTSV4RRFFQ69G5FAV", true), callerDoc(t, "{{ start.input.flow }}", false)} {
		var d FlowDetail
		e.do(http.MethodGet, path, u.token, nil).ok(&d)
		e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc, "revision": d.Draft.Revision}).ok(nil)
		e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	}
	// the caller's published version no longer calls it: the called flow may go
	e.do(http.MethodDelete, svcPath+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodPost, svcPath+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	e.do(http.MethodDelete, svcPath, u.token, nil).status(http.StatusNoContent)
}

// A flow with no nodes has nothing a run could start from: publishing it (the draft, or a
// version snapshotted from it) is refused with 422 saying so, and nothing is bound.
func TestPublishRefusesEmptyFlow(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Empty")
	empty := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}
	for kind, hint := range map[string]string{"route": "HTTP route", "schedule": "Schedule", "service": "Flow input"} {
		body := map[string]any{"kind": kind, "name": "empty " + kind, "document": empty}
		if kind == "schedule" {
			body["schedule"] = map[string]any{"cron": "0 6 * * *", "enabled": true}
		}
		path, f := e.flow(u, proj, body)
		p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "/nodes")
		if p.Type != TypeFlowInvalid || !strings.Contains(p.Detail, "has no nodes") || !strings.Contains(p.Detail, hint) {
			t.Errorf("%s: %+v", kind, p)
		}
		// a version of the empty draft is refused too
		e.do(http.MethodPost, path+"/versions", u.token, map[string]any{"message": "empty"}).status(http.StatusCreated)
		p = e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "version": 1}).problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "body.version")
		if _, err := e.db.Store.GetBinding(t.Context(), store.FlowKey{Tenant: u.tenant, Project: pv.ID, Flow: f.ID}, "mock"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: an empty flow was bound: %v", kind, err)
		}
	}
}

// A request enters a route flow at its one HTTP route node (a call, a service at its Flow
// input): publishing a flow with two of one kind is refused at the second, naming the first,
// as every run of it would fail. A Manual play trigger beside the route is fine.
func TestPublishRefusesTwoTriggersOfOneKind(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Triggers")
	doc := func(second string) map[string]any {
		return map[string]any{"schema": "polysynergy/flow@1",
			"nodes":       []any{docNode("n0", "route", "trigger.route", nil), docNode("n1", "second", second, nil), docNode("n2", "reply", "http.response", nil)},
			"connections": []any{pathConn("n0", "n2"), pathConn("n1", "n2")}}
	}
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Orders", "document": doc("trigger.route")})
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
	if p.Type != TypeFlowInvalid || len(p.Errors) != 1 || p.Errors[0].Location != "/nodes/1" || p.Errors[0].Value != "second" ||
		!strings.Contains(p.Errors[0].Message, `"second" is a second HTTP route (trigger.route) in the flow, besides "route"`) {
		t.Fatalf("two HTTP routes: %+v", p)
	}
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc("trigger.manual"), "revision": d.Draft.Revision}).ok(nil)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
}

// Publishing (and the validate endpoint) refuses a literal Jinja template or JavaScript body
// that does not parse, at the input with the parser's line and column: every run would fail
// on it.
func TestPublishRefusesTemplatesAndCodeThatDoNotParse(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Syntax")
	doc := func(values map[string]any) map[string]any {
		return map[string]any{"schema": "polysynergy/flow@1",
			"nodes": []any{
				map[string]any{"id": "n0", "handle": "start", "type": "flow.input", "position": map[string]any{"x": 0, "y": 0}},
				map[string]any{"id": "n1", "handle": "page", "type": "text.template", "position": map[string]any{"x": 0, "y": 0}, "values": map[string]any{"template": values["template"]}},
				map[string]any{"id": "n2", "handle": "js", "type": "code.javascript", "position": map[string]any{"x": 0, "y": 0}, "values": map[string]any{"code": values["code"]}},
			},
			"connections": []any{
				map[string]any{"from": map[string]any{"node": "n0", "port": "true_path"}, "to": map[string]any{"node": "n1", "port": "node"}},
				map[string]any{"from": map[string]any{"node": "n1", "port": "true_path"}, "to": map[string]any{"node": "n2", "port": "node"}},
			}}
	}
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Render", "document": doc(map[string]any{
		"template": "Dear {{ name }},\n{% for o in orders %}{{ o.id }}", "code": "const total = input.sum\nreturn total +"})})
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
	if p.Type != TypeFlowInvalid || len(p.Errors) != 2 ||
		p.Errors[0].Location != "/nodes/1/values/template" || p.Errors[0].Message != `input "template": line 2, column 32: Unexpected EOF, expected tag else or endfor.` ||
		p.Errors[1].Location != "/nodes/2/values/code" || !strings.HasPrefix(p.Errors[1].Message, `input "code": SyntaxError at the end of the code`) {
		t.Fatalf("publish: %+v", p)
	}
	var rep ValidationReport
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || len(rep.Problems) != 2 || rep.Problems[0].Port != "template" || rep.Problems[1].Port != "code" {
		t.Fatalf("validate: %+v", rep)
	}
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc(map[string]any{
		"template": "Dear {{ name }},\n{% for o in orders %}{{ o.id }}{% endfor %}", "code": "return input.sum + 1"}), "revision": d.Draft.Revision}).ok(nil)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
}

// A called flow cannot pause (the engine fails the call): publishing a flow that calls one
// whose version on the stage can pause (a Human approval) is refused at the calling node.
func TestPublishRefusesCallingAFlowThatPauses(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Pauses")
	askDoc := func(disabled bool) map[string]any {
		approve := map[string]any{"id": "a1", "handle": "approve", "type": "control.approval", "position": map[string]any{"x": 0, "y": 0}}
		if disabled {
			approve["flow_state"] = "disabled"
		}
		return map[string]any{"schema": "polysynergy/flow@1",
			"nodes":       []any{map[string]any{"id": "a0", "handle": "entry", "type": "flow.input", "position": map[string]any{"x": 0, "y": 0}}, approve},
			"connections": []any{map[string]any{"from": map[string]any{"node": "a0", "port": "true_path"}, "to": map[string]any{"node": "a1", "port": "node"}}}}
	}
	askPath, ask := e.flow(u, proj, map[string]any{"kind": "service", "name": "Ask", "document": askDoc(false)})
	e.do(http.MethodPost, askPath+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Caller", "document": callerDoc(t, ask.ID, false)})
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
	if p.Type != TypeFlowInvalid || len(p.Errors) != 1 || p.Errors[0].Location != "/nodes/1/values/flow_id" || p.Errors[0].Value != "n1" ||
		!strings.Contains(p.Errors[0].Message, `calls flow "Ask" (`+ask.ID+`), whose version 1 on stage "mock" can pause (at "approve" (Human approval)), but a called flow cannot pause`) {
		t.Fatalf("calling a flow that pauses: %+v", p)
	}
	// once the version on the stage cannot pause, the caller publishes
	var d FlowDetail
	e.do(http.MethodGet, askPath, u.token, nil).ok(&d)
	e.do(http.MethodPut, askPath+"/draft", u.token, map[string]any{"document": askDoc(true), "revision": d.Draft.Revision}).ok(nil)
	e.do(http.MethodPost, askPath+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
}

// Warnings do not stop a publish: the answer lists them (an expression reading a node its
// node does not wait for), as the validate endpoint does, each at its JSON pointer. A
// document without any has no warnings in the answer.
func TestPublishSucceedsWithWarnings(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Warnings")
	doc := func(read string) map[string]any {
		return map[string]any{"schema": "polysynergy/flow@1",
			"nodes": []any{docNode("n0", "entry", "flow.input", nil), docNode("n1", "slow", "debug.log", map[string]any{"message": "x"}),
				docNode("n2", "reader", "debug.log", map[string]any{"message": read})},
			"connections": []any{pathConn("n0", "n1"), pathConn("n0", "n2")}}
	}
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Racy", "document": doc("got {{ slow.value }}")})
	var rep ValidationReport
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if !rep.Valid || len(rep.Problems) != 0 || len(rep.Warnings) != 1 || rep.Warnings[0].Path != "/nodes/2/values/message" ||
		rep.Warnings[0].Node != "reader" || !strings.Contains(rep.Warnings[0].Message, `reads "slow", which "reader" does not wait for`) {
		t.Fatalf("validate: %+v", rep)
	}
	var res PublishResult
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(&res)
	if res.Version.Number != 1 || len(res.Warnings) != 1 || res.Warnings[0].Path != "/nodes/2/values/message" || res.Warnings[0].Port != "message" ||
		!strings.Contains(res.Warnings[0].Message, `connect "slow" (or a node after it) to "reader"`) {
		t.Fatalf("publish: %+v", res)
	}
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc("got {{ entry.input }}"), "revision": d.Draft.Revision}).ok(nil)
	r := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	if strings.Contains(string(r.Body), `"warnings"`) {
		t.Fatalf("publish without warnings: %s", r.Body)
	}
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if !rep.Valid || rep.Warnings == nil || len(rep.Warnings) != 0 || !strings.Contains(string(e.do(http.MethodPost, path+"/validate", u.token, nil).Body), `"warnings":[]`) {
		t.Fatalf("validate without warnings: %+v", rep)
	}
}
