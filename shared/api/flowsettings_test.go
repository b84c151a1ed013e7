package api

import (
	"net/http"
	"strings"
	"testing"
)

// A flow document's run settings are kept through the API (draft, version, export), and a
// value out of range is a problem at its pointer.
func TestFlowDocumentSettingsAreKept(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Settings")
	doc := func(max int) map[string]any {
		return map[string]any{"schema": "polysynergy/flow@1", "settings": map[string]any{"max_node_runs": max},
			"nodes":       []any{docNode("n0", "entry", "flow.input", nil)},
			"connections": []any{}}
	}
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Long loops", "document": doc(50000)})
	r := e.do(http.MethodGet, path, u.token, nil).ok(nil)
	if !strings.Contains(string(r.Body), `"settings":{"max_node_runs":50000}`) {
		t.Fatalf("GET: %s", r.Body)
	}
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).ok(nil)
	r = e.do(http.MethodGet, path+"/versions/1", u.token, nil).ok(nil)
	if !strings.Contains(string(r.Body), `"max_node_runs":50000`) {
		t.Fatalf("version: %s", r.Body)
	}
	var rep ValidationReport
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": doc(200000), "revision": d.Draft.Revision}).ok(nil)
	e.do(http.MethodPost, path+"/validate", u.token, nil).ok(&rep)
	if rep.Valid || len(rep.Problems) != 1 || rep.Problems[0].Path != "/settings/max_node_runs" ||
		!strings.Contains(rep.Problems[0].Message, "must be from 1 to 100000") {
		t.Fatalf("validate: %+v", rep)
	}
}

// Body members are matched exactly as the API names them: {"Name": …} is not name (it was
// taken for it, so a project was renamed by a body a stricter reader sees as naming nothing).
func TestBodyMemberNamesAreCaseSensitive(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Exact")
	wantFields(t, e.do(http.MethodPatch, proj, u.token, map[string]any{"Name": "Other"}).problem(http.StatusUnprocessableEntity), "body.Name")
	var v struct{ Name string }
	e.do(http.MethodGet, proj, u.token, nil).ok(&v)
	if v.Name != "Exact" {
		t.Fatalf("renamed to %q", v.Name)
	}
	e.do(http.MethodPatch, proj, u.token, map[string]any{"name": "Renamed"}).ok(&v)
	if v.Name != "Renamed" {
		t.Fatalf("name: %q", v.Name)
	}
}
