package api

import (
	"net/http"
	"strings"
	"testing"
)

// A body that is not valid UTF-8, or names a member twice, is refused with 400 at the
// member, on every endpoint (the draft's strict decoder already did): encoding/json turned
// the bytes into U+FFFD and kept the last duplicate, so a Latin-1 'café' was stored as
// 'caf\ufffd' with 201, and {"name":"a","name":"b"} made a project named b.
func TestBodyInvalidUTF8AndDuplicateNames(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Text")
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello"})
	projects := "/tenants/" + u.tenant + "/projects"

	cases := []struct {
		method, path, body, at string
	}{
		{http.MethodPost, projects, "{\"name\":\"caf\xe9\"}", "body.name"},
		{http.MethodPost, projects, `{"name":"a","name":"b"}`, "body.name"},
		{http.MethodPost, proj + "/flows", "{\"kind\":\"route\",\"name\":\"caf\xe9\"}", "body.name"},
		{http.MethodPatch, path, `{"name":"x","retention":5,"name":"y"}`, "body.name"},
		{http.MethodPut, proj + "/env/K/stages/mock", "{\"value\":\"caf\xe9\"}", "body.value"},
		{http.MethodPut, proj + "/secrets/K/stages/mock", "{\"value\":\"s3cr3t\xe9\"}", "body.value"},
	}
	for _, c := range cases {
		p := e.do(c.method, c.path, u.token, c.body).problem(http.StatusBadRequest)
		wantFields(t, p, c.at)
		for _, fe := range p.Errors {
			if fe.Value != nil {
				t.Errorf("%s %s: the problem shows the value back: %+v", c.method, c.path, fe)
			}
		}
		if strings.Contains(p.Detail, "s3cr3t") {
			t.Errorf("secret in the problem: %+v", p)
		}
	}
	var list struct {
		Items []ProjectView `json:"items"`
	}
	e.do(http.MethodGet, projects, u.token, nil).ok(&list)
	for _, pv := range list.Items {
		if pv.Name != "Text" {
			t.Errorf("a refused body made project %q", pv.Name)
		}
	}
	// valid UTF-8, escapes included, still passes
	e.do(http.MethodPost, projects, u.token, `{"name":"café \u00e9 ✓"}`).status(http.StatusCreated)
}

// A body starting with a UTF-8 byte order mark is read without it (RFC 8259 lets a reader
// ignore one); it was refused with "invalid character 'ï' looking for beginning of value".
func TestBodyByteOrderMarkIgnored(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	var p ProjectView
	e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, "\xef\xbb\xbf{\"name\":\"BOM\"}").
		status(http.StatusCreated).ok(&p)
	if p.Name != "BOM" {
		t.Errorf("name %q", p.Name)
	}
}
