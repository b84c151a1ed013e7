package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// project creates a project and returns its API path.
func (e *env) project(u user, name string) (string, ProjectView) {
	e.t.Helper()
	var p ProjectView
	e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": name}).
		status(http.StatusCreated).ok(&p)
	return "/tenants/" + u.tenant + "/projects/" + p.ID, p
}

// flow creates a flow from body and returns its API path.
func (e *env) flow(u user, project string, body map[string]any) (string, FlowDetail) {
	e.t.Helper()
	var f FlowDetail
	e.do(http.MethodPost, project+"/flows", u.token, body).status(http.StatusCreated).ok(&f)
	return project + "/flows/" + f.ID, f
}

func TestFlowCreateGetSaveDelete(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Flows")
	doc := chainDoc(t, 5, "a")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "Helper", "document": doc})
	if f.Kind != "service" || f.Draft.Revision != 1 || !validULID(f.ID) {
		t.Fatalf("created %+v", f.FlowView)
	}
	var got FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&got)
	if got.Name != "Helper" || got.Draft.Revision != 1 {
		t.Errorf("got %+v", got.FlowView)
	}
	var d1, d2 any
	_ = json.Unmarshal(doc, &d1)
	_ = json.Unmarshal(got.Draft.Document, &d2)
	if b1, _ := json.Marshal(d1); string(b1) != mustJSON(t, d2) {
		t.Errorf("document changed on the way:\n%s\n%s", b1, got.Draft.Document)
	}

	// Save with the right revision, then a stale one: 409 with current_revision.
	var saved SavedDraft
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 6, "b"), "revision": 1}).ok(&saved)
	if saved.Revision != 2 {
		t.Errorf("revision %d, want 2", saved.Revision)
	}
	p := e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 7, "c"), "revision": 1}).
		problem(http.StatusConflict)
	if p.Type != TypeDraftStale || p.CurrentRevision == nil || *p.CurrentRevision != 2 {
		t.Errorf("stale save problem %+v", p)
	}
	if !strings.Contains(string(e.do(http.MethodPut, path+"/draft", u.token,
		map[string]any{"document": chainDoc(t, 7, "c"), "revision": 1}).Body), `"current_revision":2`) {
		t.Error("current_revision not in the problem body")
	}

	// An empty document does not replace a non-empty one unless forced.
	empty := json.RawMessage(emptyDocument)
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": empty, "revision": 2}).
		problem(http.StatusConflict)
	wantFields(t, p, "body.document")
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": empty, "revision": 2, "force": true}).ok(&saved)
	if saved.Revision != 3 {
		t.Errorf("forced save revision %d", saved.Revision)
	}
	// Empty over empty needs no force.
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": empty, "revision": 3}).ok(&saved)

	// Rename and settings.
	var fv FlowView
	e.do(http.MethodPatch, path, u.token, map[string]any{"name": "Renamed", "run_saving": "errors", "retention": 5}).ok(&fv)
	if fv.Name != "Renamed" || fv.RunSaving != "errors" || fv.Retention != 5 {
		t.Errorf("updated %+v", fv)
	}
	p = e.do(http.MethodPatch, path, u.token, map[string]any{"run_saving": "some", "retention": 0}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.run_saving", "body.retention")

	e.do(http.MethodDelete, path, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path, u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc, "revision": 4}).problem(http.StatusNotFound)
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFlowBadInput(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Bad")
	p := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "magic", "name": ""}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.kind", "body.name")
	p = e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "x",
		"document": map[string]any{"schema": "other@1"}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.document")
	p = e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "x",
		"document": map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}, "extra": 1}}).
		problem(http.StatusUnprocessableEntity)
	if !strings.Contains(p.Errors[0].Message, "extra") {
		t.Errorf("unknown document field not named: %+v", p.Errors)
	}
	p = e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "x",
		"route": map[string]any{"method": "GET", "segments": []map[string]string{
			{"kind": "static", "value": "a"}, {"kind": "variable", "name": "1bad", "type": "string"}}},
		"schedule": map[string]any{"cron": "* * * * *"}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.route.segments[1]", "body.schedule")
	p = e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "schedule", "name": "s",
		"schedule": map[string]any{"cron": "61 * * * *", "timezone": "Mars/Olympus"}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.schedule.cron", "body.schedule.timezone")
	if !strings.Contains(p.Errors[0].Message+p.Errors[1].Message, "minute") {
		t.Errorf("cron message not readable: %+v", p.Errors)
	}
	// A saved draft must still be a flow document.
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "ok"})
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": "nope", "revision": 1}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.document")
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 2, "x"), "revision": 0}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.revision")
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"revision": 1}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.document")
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 2, "x"), "revision": 1, "extra": true}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.extra")
	p = e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": chainDoc(t, 2, "x"), "revision": "one"}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.revision")
	p = e.do(http.MethodPut, path+"/draft", u.token, `{"revision":1,"document":{}} {}`).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body")
}

func TestFlowFromBlueprintAndKinds(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Kinds")
	doc := chainDoc(t, 3, "bp")
	_, bp := e.flow(u, proj, map[string]any{"kind": "blueprint", "name": "BP", "document": doc})
	_, svc := e.flow(u, proj, map[string]any{"kind": "service", "name": "Svc"})
	_, f := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "From BP", "blueprint": bp.ID})
	var got FlowDetail
	e.do(http.MethodGet, proj+"/flows/"+f.ID, u.token, nil).ok(&got)
	if mustJSON(t, json.RawMessage(got.Draft.Document)) != mustJSON(t, bp.Draft.Document) {
		t.Errorf("blueprint document not copied:\n%s\n%s", got.Draft.Document, bp.Draft.Document)
	}
	p := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "x", "blueprint": svc.ID}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.blueprint")
	var list List[FlowView]
	e.do(http.MethodGet, proj+"/flows?kind=blueprint", u.token, nil).ok(&list)
	if len(list.Items) != 1 || list.Items[0].ID != bp.ID {
		t.Errorf("blueprints %+v", list.Items)
	}
	e.do(http.MethodGet, proj+"/flows", u.token, nil).ok(&list)
	if len(list.Items) != 3 {
		t.Errorf("all flows %d, want 3", len(list.Items))
	}
	e.do(http.MethodGet, proj+"/flows?kind=other", u.token, nil).problem(http.StatusUnprocessableEntity)
}

// A route flow created from a document with an HTTP route node takes the node's method and
// path as its route (the node's path used to be ignored in favour of GET /<name>).
func TestRouteFlowTakesItsRouteNodesPath(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "R")
	doc := func(method, path string) json.RawMessage {
		return json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[{"id":"r","handle":"route","type":"trigger.route",` +
			`"position":{"x":0,"y":0},"values":{"method":"` + method + `","path":"` + path + `"}}],"connections":[]}`)
	}
	route := func(name string, d json.RawMessage) RouteView {
		path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": name, "document": d})
		var r RouteView
		e.do(http.MethodGet, path+"/route", u.token, nil).ok(&r)
		return r
	}
	if r := route("greet", doc("post", "/hello/{name:string}")); r.Method != "POST" || r.Pattern != "/hello/{name}" {
		t.Fatalf("route %+v, want POST /hello/{name}", r)
	}
	// a path that is not a pattern (or an expression) leaves the default GET /<name>
	if r := route("other", doc("GET", "{{ x }}")); r.Method != "GET" || r.Pattern != "/other" {
		t.Fatalf("route %+v, want GET /other", r)
	}
}

func TestValidateFlow(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "V")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "bad", "document": invalidDoc()})
	var rep ValidationReport
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || len(rep.Problems) < 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, p := range rep.Problems {
		if !strings.HasPrefix(p.Path, "/") {
			t.Errorf("problem path %q is not a JSON pointer", p.Path)
		}
	}
	path, _ = e.flow(u, proj, map[string]any{"kind": "service", "name": "good", "document": chainDoc(t, 3, "g")})
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if !rep.Valid || len(rep.Problems) != 0 {
		t.Errorf("valid flow report %+v", rep)
	}

	// the endpoint knows the flow's id: a Call flow naming the flow itself is a problem
	caller := func(id string) json.RawMessage {
		return json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[` +
			`{"id":"s","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},` +
			`{"id":"c","handle":"again","type":"flow.call","position":{"x":200,"y":0},"values":{"flow_id":"` + id + `"}}],` +
			`"connections":[{"from":{"node":"s","port":"true_path"},"to":{"node":"c","port":"node"}}]}`)
	}
	path, self := e.flow(u, proj, map[string]any{"kind": "service", "name": "recursive"})
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": caller(self.ID), "revision": 1}).ok(nil)
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || len(rep.Problems) != 1 || rep.Problems[0].Path != "/nodes/1/values/flow_id" ||
		!strings.Contains(rep.Problems[0].Message, "a flow cannot call itself") || rep.Problems[0].Node != "again" {
		t.Errorf("self call report %+v", rep)
	}
	if rep.Revision != 2 {
		t.Errorf("the report names the revision it checked: %d, want 2", rep.Revision)
	}
	// the flows it calls are checked as an editor run calls them, in their drafts: one that is
	// not in the project, and one whose draft can pause (a called flow cannot), are problems
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": caller("01HZZZZZZZZZZZZZZZZZZZZZZZ"), "revision": 2}).ok(nil)
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || rep.Revision != 3 || len(rep.Problems) != 1 || rep.Problems[0].Path != "/nodes/1/values/flow_id" ||
		!strings.Contains(rep.Problems[0].Message, `"01HZZZZZZZZZZZZZZZZZZZZZZZ" names no flow`) {
		t.Errorf("a call of a flow not in the project: %+v", rep)
	}
	pos := map[string]any{"x": 0, "y": 0}
	asks := map[string]any{"schema": "polysynergy/flow@1",
		"nodes": []any{map[string]any{"id": "a0", "handle": "entry", "type": "flow.input", "position": pos},
			map[string]any{"id": "a1", "handle": "approve", "type": "control.approval", "position": pos}},
		"connections": []any{map[string]any{"from": map[string]any{"node": "a0", "port": "true_path"}, "to": map[string]any{"node": "a1", "port": "node"}}}}
	askPath, ask := e.flow(u, proj, map[string]any{"kind": "service", "name": "Ask", "document": asks})
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": caller(ask.ID), "revision": 3}).ok(nil)
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || len(rep.Problems) != 1 || rep.Problems[0].Path != "/nodes/1/values/flow_id" ||
		!strings.Contains(rep.Problems[0].Message, "can pause (at") || !strings.Contains(rep.Problems[0].Message, "approve") {
		t.Errorf("a call of a flow whose draft can pause: %+v", rep)
	}
	// once its draft cannot pause, the call is fine (whether it is published on a stage is
	// publishing's question)
	asks["nodes"] = []any{asks["nodes"].([]any)[0], map[string]any{"id": "a1", "handle": "note", "type": "text.template", "position": pos,
		"values": map[string]any{"template": "ok"}}}
	var ad FlowDetail
	e.do(http.MethodGet, askPath, u.token, nil).ok(&ad)
	e.do(http.MethodPut, askPath+"/draft", u.token, map[string]any{"document": asks, "revision": ad.Draft.Revision}).ok(nil)
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if !rep.Valid || len(rep.Problems) != 0 {
		t.Errorf("a call of a flow that cannot pause: %+v", rep)
	}
}

func TestErrorFlowSetting(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Errs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "Main", "document": chainDoc(t, 2, "m")})
	_, handler := e.flow(u, proj, map[string]any{"kind": "service", "name": "On failure", "document": chainDoc(t, 2, "h")})
	if f.ErrorFlow != "" {
		t.Fatalf("a new flow has error flow %q", f.ErrorFlow)
	}
	var v FlowView
	e.do(http.MethodPatch, path, u.token, map[string]any{"error_flow": handler.ID}).ok(&v)
	if v.ErrorFlow != handler.ID {
		t.Fatalf("after setting: %+v", v)
	}
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	if d.ErrorFlow != handler.ID {
		t.Fatalf("read back: %+v", d.FlowView)
	}
	for _, tc := range []struct{ id, want string }{
		{f.ID, "a flow cannot be its own error flow"},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", `no flow "01ARZ3NDEKTSV4RRFFQ69G5FAV" in this project`},
		{"bad#id", `no flow "bad#id" in this project`},
	} {
		p := e.do(http.MethodPatch, path, u.token, map[string]any{"error_flow": tc.id}).problem(http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.error_flow" || p.Errors[0].Message != tc.want {
			t.Errorf("error_flow %q: %+v, want %q", tc.id, p.Errors, tc.want)
		}
	}
	// another tenant's flow id is no flow of this project
	other := e.signIn("bob")
	oproj, _ := e.project(other, "Theirs")
	_, theirs := e.flow(other, oproj, map[string]any{"kind": "service", "name": "X", "document": chainDoc(t, 2, "x")})
	e.do(http.MethodPatch, path, u.token, map[string]any{"error_flow": theirs.ID}).problem(http.StatusUnprocessableEntity)
	// the name alone leaves it; "" removes it
	e.do(http.MethodPatch, path, u.token, map[string]any{"name": "Main 2"}).ok(&v)
	if v.ErrorFlow != handler.ID || v.Name != "Main 2" {
		t.Fatalf("after renaming: %+v", v)
	}
	// while Main is published on mock with it as its error flow, the error flow stays there
	hpath := proj + "/flows/" + handler.ID
	e.do(http.MethodPost, hpath+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	p := e.do(http.MethodDelete, hpath+"/publications/mock", u.token, nil).problem(http.StatusConflict)
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "runs it when it fails") {
		t.Fatalf("unpublishing an error flow in use: %+v", p)
	}
	e.do(http.MethodPatch, path, u.token, map[string]any{"error_flow": ""}).ok(&v)
	if v.ErrorFlow != "" {
		t.Fatalf("after clearing: %+v", v)
	}
	e.do(http.MethodDelete, hpath+"/publications/mock", u.token, nil).status(http.StatusNoContent)

	// a flow that names it as its error flow keeps it from being deleted, published or not
	_, draftOnly := e.flow(u, proj, map[string]any{"kind": "service", "name": "Draft only", "document": chainDoc(t, 2, "d")})
	dpath := proj + "/flows/" + draftOnly.ID
	e.do(http.MethodPatch, dpath, u.token, map[string]any{"error_flow": handler.ID}).ok(nil)
	p = e.do(http.MethodDelete, hpath, u.token, nil).problem(http.StatusConflict)
	if len(p.Errors) != 1 || p.Errors[0].Value != draftOnly.ID || p.Errors[0].Message != `flow "Draft only" names it as its error flow` ||
		!strings.Contains(p.Detail, `"Draft only"`) {
		t.Fatalf("deleting an error flow in use: %+v", p)
	}
	e.do(http.MethodGet, hpath, u.token, nil).ok(nil) // still there
	e.do(http.MethodPatch, dpath, u.token, map[string]any{"error_flow": ""}).ok(nil)
	e.do(http.MethodDelete, hpath, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, hpath, u.token, nil).problem(http.StatusNotFound)
}
