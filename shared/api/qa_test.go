package api

import (
	"net/http"
	"strings"
	"testing"
)

// A refused secret write never shows the value back: not inside the body echoed for an
// unknown property, nor as a wrongly typed value.
func TestSecretValueNotEchoedInProblems(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Vault")
	for _, body := range []string{
		`{"value":"hunter2-secret","extra":true}`,
		`{"value":424242}`,
		`{"value":["hunter2-secret"]}`,
	} {
		r := e.do(http.MethodPut, proj+"/secrets/API_TOKEN/stages/mock", u.token, body)
		r.problem(http.StatusUnprocessableEntity)
		if s := string(r.Body); strings.Contains(s, "hunter2") || strings.Contains(s, "424242") {
			t.Errorf("the problem shows the secret: %s", s)
		}
	}
	// nor when the body is sent as a form (curl's -d without a content type): 415
	r := e.doHeaders(http.MethodPut, proj+"/secrets/API_TOKEN/stages/mock", u.token, `{"value":"hunter2-secret"}`,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	r.problem(http.StatusUnsupportedMediaType)
	if strings.Contains(string(r.Body), "hunter2") {
		t.Errorf("the problem shows the secret: %s", r.Body)
	}
	// elsewhere an unknown property is named without echoing the whole body
	r = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, `{"name":"A","bogus":1}`)
	p := r.problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bogus")
	if strings.Contains(string(r.Body), `"name":"A"`) {
		t.Errorf("the problem echoes the body: %s", r.Body)
	}
}

// A draft body of the wrong JSON type is described in JSON's words, not Go's.
func TestDraftTypeErrorsInJSONTerms(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Types")
	path, _ := e.flow(u, proj, map[string]any{"kind": "blueprint", "name": "F"})
	for body, want := range map[string]string{
		`[]`: "body: expected object, got array",
		`{"document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[]},"revision":"2"}`:             "body.revision: expected integer, got string",
		`{"document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[]},"revision":2.5}`:             "body.revision: expected integer, got number",
		`{"document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[]},"revision":1,"force":"yes"}`: "body.force: expected boolean, got string",
	} {
		p := e.do(http.MethodPut, path+"/draft", u.token, body).problem(http.StatusUnprocessableEntity)
		if p.Detail != want {
			t.Errorf("%s: detail %q, want %q", body, p.Detail, want)
		}
	}
}

// A stage name that is taken, on create or rename, is a 409 naming body.name.
func TestStageNameTakenNamesTheField(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Stages")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "live"}).status(http.StatusCreated)
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "qa"}).status(http.StatusCreated)
	for _, r := range []*response{
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "live"}),
		e.do(http.MethodPatch, proj+"/stages/qa", u.token, map[string]any{"name": "live"}),
	} {
		p := r.problem(http.StatusConflict)
		wantFields(t, p, "body.name")
		if !strings.Contains(p.Detail, `"live"`) {
			t.Errorf("the detail does not name the stage: %s", r)
		}
	}
}

// Adding flows, stages or API keys to a project in the trash says so (409), instead of
// "resource not found" for a project the caller can still open.
func TestAddingToTrashedProjectSaysTrash(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Trashy")
	e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil)
	empty := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}
	for _, r := range []*response{
		e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "x"}),
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "live"}),
		e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]any{"label": "k"}),
		e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": map[string]any{"format": BundleFormat,
			"flows": []any{map[string]any{"name": "x", "kind": "service", "document": empty}}}}),
	} {
		p := r.problem(http.StatusConflict)
		if !strings.Contains(p.Detail, "in the trash") {
			t.Errorf("detail %q: %s", p.Detail, r)
		}
	}
	// a project that is gone is "project not found"
	e.do(http.MethodDelete, proj, u.token, nil).status(http.StatusNoContent)
	p := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "x"}).problem(http.StatusNotFound)
	if p.Detail != "project not found" {
		t.Errorf("detail %q", p.Detail)
	}
}

// Several invalid fields are summed up as this API's own validation problems are ("2
// invalid field(s)"), not with huma's "validation failed".
func TestSeveralInvalidFieldsDetail(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Detail")
	p := e.do(http.MethodPatch, proj+"/stages/mock", u.token, `{"position":1}`).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name", "body.position")
	if p.Detail != "2 invalid field(s)" {
		t.Errorf("detail %q", p.Detail)
	}
}

// Media types are case-insensitive (RFC 9110): APPLICATION/JSON is JSON.
func TestContentTypeCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	for _, ct := range []string{"APPLICATION/JSON", "Application/Json; Charset=UTF-8"} {
		e.doHeaders(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": "P " + ct},
			map[string]string{"Content-Type": ct}).status(http.StatusCreated)
	}
	proj, _ := e.project(u, "Drafts")
	path, _ := e.flow(u, proj, map[string]any{"kind": "blueprint", "name": "F"})
	e.doHeaders(http.MethodPut, path+"/draft", u.token, `{"document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[]},"revision":1}`,
		map[string]string{"Content-Type": "Application/JSON"}).ok(nil)
}

// A slug suggested for a name is one a project created with that name (and no slug) would
// get: the next numbered one when the plain one is taken, not the taken one.
func TestSlugSuggestionIsFree(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant
	e.project(u, "Shop")
	var sug SlugSuggestion
	e.do(http.MethodGet, base+"/project-slug?name=Shop", u.token, nil).ok(&sug)
	if sug.Slug != "shop-2" || !sug.Available {
		t.Fatalf("suggestion %+v, want shop-2 available", sug)
	}
	var p ProjectView
	e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": "Shop"}).status(http.StatusCreated).ok(&p)
	if p.Slug != sug.Slug {
		t.Fatalf("created with slug %q, suggested %q", p.Slug, sug.Slug)
	}
	// a slug asked about is answered as it is
	e.do(http.MethodGet, base+"/project-slug?slug=shop", u.token, nil).ok(&sug)
	if sug.Slug != "shop" || sug.Available {
		t.Fatalf("check %+v", sug)
	}
}
