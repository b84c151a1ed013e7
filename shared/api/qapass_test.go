package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Publishing an existing version (a rollback) with a message is refused at body.message:
// the version keeps the message it was made with, so the message was dropped with a 200.
func TestPublishVersionRefusesMessage(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Pub")
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	var res PublishResult
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "message": "first"}).ok(&res)
	if res.Version.Number != 1 {
		t.Fatalf("publish %+v", res)
	}
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "version": 1, "message": "rollback"}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.message")
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "version": 1}).ok(&res)
	if res.Version.Number != 1 || res.Created {
		t.Errorf("publish version 1 %+v", res)
	}
}

// A tenant the caller is not a member of (or that does not exist) is a 404 at path.tenant,
// as every other 404 names its path parameter; it named no field, on reads and writes alike.
func TestTenantNotFoundNamesPathTenant(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signIn("alice"), e.signIn("bob")
	proj, _ := e.project(alice, "Mine")
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/tenants/" + alice.tenant},
		{http.MethodGet, proj + "/flows"},
		{http.MethodPost, proj + "/flows"},
		{http.MethodDelete, proj},
	} {
		var body any
		if c.method == http.MethodPost {
			body = map[string]any{"kind": "route", "name": "x"}
		}
		p := e.do(c.method, c.path, bob.token, body).problem(http.StatusNotFound)
		wantFields(t, p, "path.tenant")
	}
}

// A body over the operation's limit is a 413 naming the body, as the README promises of
// every error; it named no field.
func TestTooLargeBodyNamesBody(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	big := `{"name":"` + strings.Repeat("a", DefaultMaxBody) + `"}`
	p := e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, big).problem(http.StatusRequestEntityTooLarge)
	wantFields(t, p, "body")
}

// A compressed body (Content-Encoding: gzip) is refused with 415 at
// header.content-encoding: it was read as JSON and refused as "invalid character '\x1f'".
func TestContentEncodingRefused(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	projects := "/tenants/" + u.tenant + "/projects"
	for _, enc := range []string{"gzip", "br", "GZIP, identity"} {
		r := e.doHeaders(http.MethodPost, projects, u.token, "\x1f\x8b\x08\x00", map[string]string{"Content-Encoding": enc})
		p := r.problem(http.StatusUnsupportedMediaType)
		wantFields(t, p, "header.content-encoding")
		if r.Header.Get("Accept-Encoding") != "identity" {
			t.Errorf("%s: Accept-Encoding %q, want identity (RFC 9110 §12.5.3)", enc, r.Header.Get("Accept-Encoding"))
		}
	}
	for _, enc := range []string{"identity", ""} {
		e.doHeaders(http.MethodPost, projects, u.token, `{"name":"plain `+enc+`"}`, map[string]string{"Content-Encoding": enc}).
			status(http.StatusCreated)
	}
}

// Two route flows cannot take the same route by writing at the same time: each checked
// the project's routes, saw it free, and wrote it (3 of 6 flows created at once with GET
// /racy were created, and two PUT …/route to GET /racy2 both answered 200).
func TestRouteFreeUnderConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Race")
	route := map[string]any{"method": "GET", "segments": []any{seg("static", "racy", "")}}
	const n = 6
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route",
				"name": fmt.Sprintf("race%d", i), "route": route})
			codes[i] = r.Status
		})
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("create answered %d", c)
		}
	}
	if created != 1 {
		t.Errorf("%d flows created with GET /racy at once (%v), want 1", created, codes)
	}

	var paths []string
	for i := range n {
		p, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": fmt.Sprintf("other%d", i)})
		paths = append(paths, p)
	}
	route2 := map[string]any{"method": "GET", "segments": []any{seg("static", "racy2", "")}}
	for i := range n {
		wg.Go(func() { codes[i] = e.do(http.MethodPut, paths[i]+"/route", u.token, route2).Status })
	}
	wg.Wait()
	changed := 0
	for _, c := range codes {
		if c == http.StatusOK {
			changed++
		} else if c != http.StatusConflict {
			t.Errorf("route change answered %d", c)
		}
	}
	if changed != 1 {
		t.Errorf("%d flows took GET /racy2 at once (%v), want 1", changed, codes)
	}
}

// Deleting a project that is not in the trash (409) and unpublishing a flow from a stage
// it is not published on (404) name the path parameter at fault; both named no field.
func TestRefusalsNameThePathParameter(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Keep")
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	wantFields(t, e.do(http.MethodDelete, proj, u.token, nil).problem(http.StatusConflict), "path.project")
	wantFields(t, e.do(http.MethodDelete, path+"/publications/mock", u.token, nil).problem(http.StatusNotFound), "path.stage")
}

// A query parameter that takes one value, given twice, is refused naming it: huma used the
// first (?limit=2&limit=3 answered 2 items) and ignored the rest. A list parameter (the
// export's flow) may repeat.
func TestRepeatedQueryParameterRefused(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Q")
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	wantFields(t, e.do(http.MethodGet, "/tenants/"+u.tenant+"/projects?limit=2&limit=3", u.token, nil).
		problem(http.StatusUnprocessableEntity), "query.limit")
	wantFields(t, e.do(http.MethodGet, path+"/runs?status=error&status=success", u.token, nil).
		problem(http.StatusUnprocessableEntity), "query.status")
	e.do(http.MethodGet, proj+"/export?flow="+f.ID+"&flow="+f.ID, u.token, nil).ok(nil)
	e.do(http.MethodGet, path+"/runs?status=error&limit=2", u.token, nil).ok(nil)
}

// An import cannot give a flow a route another flow takes at the same time: the import
// checked the project's routes, then created its flows, so a PUT …/route to the same
// route between the two left two flows with it.
func TestImportRouteFreeUnderConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Imp")
	bothTook := 0
	for round := range 8 {
		route := map[string]any{"method": "GET", "segments": []any{seg("static", fmt.Sprintf("r%d", round), "")}}
		other, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": fmt.Sprintf("other%d", round)})
		bundle := map[string]any{"format": "polysynergy/bundle@1", "flows": []any{map[string]any{
			"id": "b1", "name": fmt.Sprintf("imported%d", round), "kind": "route", "route": route,
			"document": map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}}}}
		var imp, put int
		var wg sync.WaitGroup
		wg.Go(func() { imp = e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle}).Status })
		wg.Go(func() { put = e.do(http.MethodPut, other+"/route", u.token, route).Status })
		wg.Wait()
		if imp != http.StatusOK && imp != http.StatusConflict || put != http.StatusOK && put != http.StatusConflict {
			t.Fatalf("round %d: import %d, route change %d", round, imp, put)
		}
		if imp == http.StatusOK && put == http.StatusOK {
			bothTook++
		}
	}
	if bothTook > 0 {
		t.Errorf("in %d of 8 rounds an import and a route change both took the same route", bothTook)
	}
}
