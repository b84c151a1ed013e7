package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/oklog/ulid/v2"
)

func TestHealthIsPublic(t *testing.T) {
	e := newEnv(t)
	var h Health
	r := e.do(http.MethodGet, "/health", "", nil).ok(&h)
	if h.Status != "ok" {
		t.Errorf("status %q, want ok", h.Status)
	}
	if _, err := ulid.ParseStrict(r.Header.Get(RequestIDHeader)); err != nil {
		t.Errorf("X-Request-Id %q is not a ULID: %v", r.Header.Get(RequestIDHeader), err)
	}
}

func TestRequestIDEchoedOrReplaced(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		in   string
		echo bool
	}{
		{"abc-123_x.y:z", true},
		{"", false},
		{"has space", false},
		{strings.Repeat("a", 129), false},
		{"<script>", false},
	} {
		r := e.doHeaders(http.MethodGet, "/health", "", nil, map[string]string{RequestIDHeader: tc.in})
		got := r.Header.Get(RequestIDHeader)
		if tc.echo && got != tc.in {
			t.Errorf("request id %q: got %q, want it echoed", tc.in, got)
		}
		if !tc.echo {
			if got == tc.in || !validULID(got) {
				t.Errorf("request id %q: got %q, want a new ULID", tc.in, got)
			}
		}
	}
	// Errors carry it too, as header and problem instance.
	r := e.doHeaders(http.MethodGet, "/me", "", nil, map[string]string{RequestIDHeader: "req-42"})
	p := r.problem(http.StatusUnauthorized)
	if r.Header.Get(RequestIDHeader) != "req-42" || p.Instance != "urn:polysynergy:request:req-42" {
		t.Errorf("401: header %q instance %q, want req-42", r.Header.Get(RequestIDHeader), p.Instance)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, "/openapi.json", "", nil).status(http.StatusOK)
	if r.Header.Get(RequestIDHeader) == "" {
		t.Error("openapi.json has no X-Request-Id")
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	ops := 0
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, Prefix+"/") {
			t.Errorf("path %s is not under %s", path, Prefix)
		}
		for method, op := range item {
			ops++
			scope, _ := op[ExtScope].(string)
			if scope == "" {
				t.Errorf("%s %s has no %s", method, path, ExtScope)
			}
			if scope == string(ScopeTenant) && op[ExtAction] == nil {
				t.Errorf("%s %s is tenant-scoped without %s", method, path, ExtAction)
			}
			resp, _ := op["responses"].(map[string]any)
			if scope != string(ScopePublic) && resp["401"] == nil {
				t.Errorf("%s %s does not document 401", method, path)
			}
		}
	}
	put := doc.Paths[Prefix+"/tenants/{tenant}/projects/{project}/flows/{flow}/draft"]["put"]
	if b, _ := json.Marshal(put["requestBody"]); !strings.Contains(string(b), "SaveDraftBody") {
		t.Errorf("saveDraft's request body is not documented as SaveDraftBody: %s", b)
	}
	routes := Routes()
	if len(routes) != ops+1 { // + openapi.json itself
		t.Errorf("Routes() has %d entries, the document %d operations (+1)", len(routes), ops)
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			t.Errorf("route %s listed twice", key)
		}
		seen[key] = true
		if rt.OperationID == "" {
			t.Errorf("route %s has no operation id", key)
		}
		if rt.Path != OpenAPIPath && doc.Paths[rt.Path][strings.ToLower(rt.Method)] == nil {
			t.Errorf("route %s is not in the document", key)
		}
		if rt.Public != (rt.Scope == ScopePublic) {
			t.Errorf("route %s: Public %v but scope %s", key, rt.Public, rt.Scope)
		}
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	e := newEnv(t)
	p := e.do(http.MethodGet, "/nope", "", nil).problem(http.StatusNotFound)
	if !strings.Contains(p.Detail, "/api/v1/nope") {
		t.Errorf("404 detail %q does not name the path", p.Detail)
	}
	r := e.do(http.MethodDelete, "/health", "", nil)
	r.problem(http.StatusMethodNotAllowed)
	// HEAD is served wherever GET is, so the Allow header says so; it listed only GET
	if r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q, want GET, HEAD", r.Header.Get("Allow"))
	}
	e.do(http.MethodHead, "/health", "", nil).status(http.StatusOK)
	// a path of several methods lists them all in one header
	u := e.signIn("alice")
	proj, _ := e.project(u, "Allow")
	r = e.do(http.MethodPut, proj+"/flows", u.token, nil)
	r.problem(http.StatusMethodNotAllowed)
	if got := r.Header.Values("Allow"); len(got) != 1 || got[0] != "GET, HEAD, POST" {
		t.Errorf("Allow %q, want one header GET, HEAD, POST", got)
	}
	if r.Header.Get(RequestIDHeader) == "" {
		t.Error("405 has no X-Request-Id")
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, header string
	}{
		{"none", ""},
		{"not bearer", "Basic abc"},
		{"garbage", "Bearer not.a.jwt"},
		{"wrong issuer", "Bearer " + strings.Replace(token(t, "x", "", ""), "a", "b", 1)},
	} {
		hdr := map[string]string{}
		if tc.header != "" {
			hdr["Authorization"] = tc.header
		}
		r := e.doHeaders(http.MethodGet, "/me", "", nil, hdr)
		p := r.problem(http.StatusUnauthorized)
		if p.Type != TypeUnauthorized {
			t.Errorf("%s: type %q", tc.name, p.Type)
		}
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, r.Header.Get("WWW-Authenticate"))
		}
	}
}

func TestMeCreatesPersonalTenantOnce(t *testing.T) {
	e := newEnv(t)
	tok := token(t, "sub-ann", "Ann@Example.com", "Ann")
	var first, second Me
	e.do(http.MethodGet, "/me", tok, nil).ok(&first)
	if first.CreatedTenant == "" || len(first.Memberships) != 1 {
		t.Fatalf("first sign-in: %+v, want one created tenant", first)
	}
	m := first.Memberships[0]
	if m.Role != "admin" || m.TenantName != "Ann's workspace" || m.Tenant != first.CreatedTenant {
		t.Errorf("membership %+v", m)
	}
	if first.Email != "ann@example.com" || first.Name != "Ann" || first.Sub != "sub-ann" {
		t.Errorf("me %+v", first)
	}
	e.do(http.MethodGet, "/me", tok, nil).ok(&second)
	if second.CreatedTenant != "" || len(second.Memberships) != 1 || second.Memberships[0].Tenant != m.Tenant {
		t.Errorf("second sign-in: %+v, want the same single tenant", second)
	}
}

func TestMeWithoutEmail(t *testing.T) {
	e := newEnv(t)
	var me Me
	e.do(http.MethodGet, "/me", token(t, "sub-noemail", "", ""), nil).ok(&me)
	if len(me.Memberships) != 1 || me.Memberships[0].TenantName != "Personal workspace" {
		t.Errorf("me %+v", me)
	}
}

func TestBodyLimitsAndUnknownFields(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	big := `{"name":"` + strings.Repeat("x", DefaultMaxBody) + `"}`
	p := e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, big).problem(http.StatusRequestEntityTooLarge)
	if p.Type != TypeTooLarge {
		t.Errorf("413 type %q", p.Type)
	}
	p = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token,
		`{"name":"A","colour":"red"}`).problem(http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Location, "colour") {
		t.Errorf("unknown field not named: %+v", p.Errors)
	}
	p = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, `{"name":`).problem(http.StatusBadRequest)
	if p.Type != TypeValidation {
		t.Errorf("malformed JSON type %q", p.Type)
	}
	p = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, `{"name":5}`).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name")
}

func TestMalformedIDsAre404(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	for _, path := range []string{
		"/tenants/not-a-ulid/projects",
		"/tenants/" + u.tenant + "/projects/123",
		"/tenants/" + strings.ToLower(u.tenant) + "x/projects",
	} {
		e.do(http.MethodGet, path, u.token, nil).problem(http.StatusNotFound)
	}
}

// TestReadsRevealNothingBeforeMembership: reads run while the membership is
// checked, but what a non-member or an under-privileged member gets never
// depends on the operation's own answer.
func TestReadsRevealNothingBeforeMembership(t *testing.T) {
	e := newEnv(t)
	owner := e.signIn("owner")
	outsider := e.signIn("outsider")
	e.do(http.MethodPost, "/tenants/"+owner.tenant+"/invitations", owner.token,
		map[string]string{"email": "viewer@example.com", "role": "viewer"}).status(http.StatusCreated)
	viewer := e.signInAccepting("viewer", owner.tenant)
	base := "/tenants/" + owner.tenant
	var p ProjectView
	e.do(http.MethodPost, base+"/projects", owner.token, map[string]string{"name": "P"}).ok(&p)
	missing := base + "/projects/" + newRequestID()
	for _, path := range []string{base + "/projects?limit=0", base + "/projects?cursor=%%%", missing,
		missing + "/flows", base + "/projects/" + p.ID} {
		pr := e.do(http.MethodGet, path, outsider.token, nil).problem(http.StatusNotFound)
		if pr.Detail != "tenant not found" || len(pr.Errors) != 1 || pr.Errors[0].Location != "path.tenant" {
			t.Errorf("outsider %s: %+v", path, pr)
		}
	}
	for _, path := range []string{base + "/projects/" + p.ID + "/api-keys?limit=0", missing + "/api-keys"} {
		pr := e.do(http.MethodGet, path, viewer.token, nil).problem(http.StatusForbidden)
		if len(pr.Errors) != 0 {
			t.Errorf("viewer %s: %+v", path, pr)
		}
	}
	// Members get the operation's own answer.
	e.do(http.MethodGet, base+"/projects?limit=0", viewer.token, nil).problem(http.StatusUnprocessableEntity)
	if pr := e.do(http.MethodGet, missing, viewer.token, nil).problem(http.StatusNotFound); pr.Detail != "project not found" {
		t.Errorf("member: %+v", pr)
	}
}

// TestIdentityFromAuthorizerContext: in Lambda the caller comes from the
// JWT authorizer claims of the event; the proxy's context header is never
// trusted.
func TestIdentityFromAuthorizerContext(t *testing.T) {
	e := newEnv(t)
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: Prefix + "/me",
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "api.example.com",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: Prefix + "/me"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "sub-lambda", "email": "lambda@example.com", "cognito:username": "lam"}}}}}
	var acc core.RequestAccessorV2
	req, err := acc.EventToRequestWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var me Me
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &me) != nil || me.Sub != "sub-lambda" || me.Name != "lam" {
		t.Fatalf("authorizer identity: %d %s", rec.Code, rec.Body)
	}
	// Claims without a subject are refused.
	ev.RequestContext.Authorizer.JWT.Claims = map[string]string{"email": "x@example.com"}
	req, _ = acc.EventToRequestWithContext(context.Background(), ev)
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("claims without sub: %d %s", rec.Code, rec.Body)
	}
	// A forged proxy context header is not an identity.
	ctxJSON, _ := json.Marshal(events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "sub-lambda"}}}})
	r := e.doHeaders(http.MethodGet, "/me", "", nil, map[string]string{core.APIGwContextHeader: string(ctxJSON)})
	r.problem(http.StatusUnauthorized)
}

// A HEAD request gets the GET answer's status and headers and no body: the Lambda adapter
// passed the whole body on (183 KB for the OpenAPI document), which net/http only drops
// when it serves the handler itself.
func TestHeadAnswersCarryNoBody(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Heads")
	for _, c := range []struct {
		path, tok string
		status    int
		ctype     string
	}{
		{"/openapi.json", "", http.StatusOK, "application/openapi+json"},
		{proj, u.token, http.StatusOK, "application/json"},
		{proj + "/flows/01HZZZZZZZZZZZZZZZZZZZZZZZ", u.token, http.StatusNotFound, "application/problem+json"},
	} {
		r := e.do(http.MethodHead, c.path, c.tok, nil).status(c.status)
		if len(r.Body) != 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("HEAD %s: %d bytes of body, Content-Type %q; want none and %s", c.path, len(r.Body), r.Header.Get("Content-Type"), c.ctype)
		}
		if get := e.do(http.MethodGet, c.path, c.tok, nil).status(c.status); len(get.Body) == 0 {
			t.Errorf("GET %s has no body", c.path)
		}
	}
}
