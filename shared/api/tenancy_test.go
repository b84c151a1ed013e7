package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"polysynergy/shared/auth"
)

// tenancyCase is an operation's entry in the tenancy test. Every operation
// of the OpenAPI document must have one, so a new endpoint cannot be added
// without being walked here.
type tenancyCase struct {
	// query is appended to GET requests of the positive check.
	query string
	// skipRead leaves a GET out of the positive check (it needs input the
	// fixture cannot give), with the reason.
	skipRead string
	// use maps a path parameter to another fixture value, e.g. "flow" to
	// "schedule_flow" for schedule endpoints.
	use map[string]string
}

var scheduleFlow = map[string]string{"flow": "schedule_flow"}

var tenancyCases = map[string]tenancyCase{
	"getHealth":           {},
	"getMe":               {},
	"listMyInvitations":   {},
	"acceptMyInvitation":  {},
	"declineMyInvitation": {},
	"getTenant":           {},
	"renameTenant":        {},
	"listMembers":         {},
	"getMember":           {},
	"setMemberRole":       {},
	"removeMember":        {},
	"leaveTenant":         {},
	"listInvitations":     {},
	"invite":              {},
	"deleteInvitation":    {},
	"getInvitation":       {},
	"listProjects":        {},
	"createProject":       {},
	"checkProjectSlug":    {query: "?name=Hello"},
	"getProject":          {},
	"updateProject":       {},
	"trashProject":        {},
	"listTrash":           {},
	"restoreProject":      {},
	"deleteProject":       {},

	"listStages":         {},
	"getStage":           {},
	"createStage":        {},
	"renameStage":        {},
	"setProductionStage": {},
	"reorderStages":      {},
	"deleteStage":        {},

	"listFlows":    {},
	"createFlow":   {},
	"getFlow":      {},
	"updateFlow":   {},
	"saveDraft":    {},
	"validateFlow": {},
	"deleteFlow":   {},

	"getRoute":        {},
	"updateRoute":     {},
	"getSchedule":     {use: scheduleFlow},
	"updateSchedule":  {use: scheduleFlow},
	"previewSchedule": {},

	"listVersions":   {},
	"createVersion":  {},
	"getVersion":     {},
	"restoreVersion": {},
	"diffVersions":   {query: "?from=1&to=draft"},

	"publishFlow":      {},
	"listPublications": {},
	"unpublishFlow":    {},
	"getPublishMatrix": {},

	"listSecrets":       {},
	"getSecret":         {},
	"setSecret":         {},
	"deleteSecretStage": {},
	"deleteSecret":      {},

	"listEnv":        {},
	"getEnv":         {use: map[string]string{"key": "env_key"}},
	"setEnv":         {},
	"setEnvStage":    {},
	"deleteEnvStage": {},
	"deleteEnv":      {},

	"listAPIKeys":  {},
	"getAPIKey":    {},
	"createAPIKey": {},
	"renameAPIKey": {},
	"deleteAPIKey": {},

	"listRuns":   {},
	"getRun":     {},
	"deleteRun":  {},
	"deleteRuns": {},
	"startRun":   {},
	"resumeRun":  {},

	"getNodeCatalog": {},

	"exportFlows":   {},
	"previewImport": {},
	"importFlows":   {},
}

// tenancyFixture is tenant A with one of everything, its members by role,
// and an outsider with a tenant of their own.
type tenancyFixture struct {
	e                     *env
	admin, editor, viewer user
	outsider              user
	params                map[string]string
}

func newTenancyFixture(t *testing.T) *tenancyFixture {
	e := newEnv(t)
	f := &tenancyFixture{e: e}
	f.admin = e.signIn("admin")
	tenant := f.admin.tenant
	for _, who := range []struct {
		name string
		role string
		u    *user
	}{{"editor", "editor", &f.editor}, {"viewer", "viewer", &f.viewer}} {
		e.do(http.MethodPost, "/tenants/"+tenant+"/invitations", f.admin.token,
			map[string]string{"email": who.name + "@example.com", "role": who.role}).status(http.StatusCreated)
		*who.u = e.signInAccepting(who.name, tenant)
		if who.u.tenant != tenant {
			t.Fatalf("%s joined %s, want %s", who.name, who.u.tenant, tenant)
		}
	}
	f.outsider = e.signIn("outsider")
	var p ProjectView
	e.do(http.MethodPost, "/tenants/"+tenant+"/projects", f.admin.token, map[string]string{"name": "Fixture"}).ok(&p)
	e.do(http.MethodPost, "/tenants/"+tenant+"/invitations", f.admin.token,
		map[string]string{"email": "pending@example.com", "role": "viewer"}).status(http.StatusCreated)
	f.params = map[string]string{
		"tenant":  tenant,
		"project": p.ID,
		"sub":     f.viewer.sub,
		"email":   "pending@example.com",
	}
	f.extend(t)
	return f
}

// extend adds the fixtures of the later endpoint groups.
func (f *tenancyFixture) extend(t *testing.T) {
	e, a := f.e, f.admin
	proj := "/tenants/" + f.params["tenant"] + "/projects/" + f.params["project"]
	e.do(http.MethodPost, proj+"/stages", a.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	f.params["stage"] = "prod"
	_, rf := e.flow(a, proj, map[string]any{"kind": "route", "name": "Hello", "document": chainDoc(t, 3, "t")})
	f.params["flow"] = rf.ID
	_, sf := e.flow(a, proj, map[string]any{"kind": "schedule", "name": "Tick"})
	f.params["schedule_flow"] = sf.ID
	var res PublishResult
	e.do(http.MethodPost, proj+"/flows/"+rf.ID+"/publish", a.token, map[string]any{"stage": "prod"}).ok(&res)
	f.params["version"] = "1"
	e.do(http.MethodPut, proj+"/secrets/TOKEN/stages/prod", a.token, map[string]any{"value": "v"}).status(http.StatusNoContent)
	e.do(http.MethodPut, proj+"/env/URL/stages/prod", a.token, map[string]any{"value": "v"}).ok(nil)
	f.params["key"] = "TOKEN"
	f.params["env_key"] = "URL"
	var nk NewAPIKey
	e.do(http.MethodPost, proj+"/api-keys", a.token, map[string]any{"label": "k"}).ok(&nk)
	f.params["key_id"] = nk.ID
	f.params["run"] = e.addRun(f.params["tenant"], f.params["project"], rf.ID, "prod", "success", 1).ID
}

type specOp struct {
	id, method, path string
	scope            Scope
	action           auth.Action
	params           []string
}

// specOps reads every operation from the served OpenAPI document.
func specOps(t *testing.T, e *env) []specOp {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Scope       string `json:"x-polysynergy-scope"`
			Action      string `json:"x-polysynergy-action"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	r := e.do(http.MethodGet, "/openapi.json", "", nil).status(http.StatusOK)
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []specOp
	for path, item := range doc.Paths {
		for method, op := range item {
			so := specOp{id: op.OperationID, method: strings.ToUpper(method), path: path,
				scope: Scope(op.Scope), action: auth.Action(op.Action)}
			for _, p := range op.Parameters {
				if p.In == "path" {
					so.params = append(so.params, p.Name)
				}
			}
			ops = append(ops, so)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return ops
}

func (f *tenancyFixture) url(t *testing.T, op specOp, tc tenancyCase) string {
	t.Helper()
	u := op.path
	for _, p := range op.params {
		key := p
		if k, ok := tc.use[p]; ok {
			key = k
		}
		v, ok := f.params[key]
		if !ok {
			t.Fatalf("%s: no fixture value for path parameter %q", op.id, p)
		}
		u = strings.ReplaceAll(u, "{"+p+"}", v)
	}
	return u
}

// TestTenancyEveryOperation walks every operation of the OpenAPI document:
// anonymous callers get 401, members of another tenant 404, roles below
// the operation's permission 403, and readers with the permission 200.
func TestTenancyEveryOperation(t *testing.T) {
	f := newTenancyFixture(t)
	e := f.e
	ops := specOps(t, e)
	inSpec := map[string]bool{}
	roles := map[auth.Role]user{auth.RoleViewer: f.viewer, auth.RoleEditor: f.editor, auth.RoleAdmin: f.admin}
	for _, op := range ops {
		inSpec[op.id] = true
		tc, ok := tenancyCases[op.id]
		if !ok {
			t.Errorf("operation %s (%s %s) has no entry in tenancyCases: add it", op.id, op.method, op.path)
			continue
		}
		url := f.url(t, op, tc)
		switch op.scope {
		case ScopePublic:
			continue
		case ScopeUser:
			e.do(op.method, url, "", `{}`).problem(http.StatusUnauthorized)
			continue
		case ScopeTenant:
		default:
			t.Errorf("%s: unknown scope %q", op.id, op.scope)
			continue
		}
		min, known := auth.MinimumRole(op.action)
		if !known {
			t.Errorf("%s: unknown action %q", op.id, op.action)
			continue
		}
		t.Run(op.id, func(t *testing.T) {
			if p := e.do(op.method, url, "", `{}`).problem(http.StatusUnauthorized); p.Type != TypeUnauthorized {
				t.Errorf("anonymous: type %q", p.Type)
			}
			if p := e.do(op.method, url, f.outsider.token, `{}`).problem(http.StatusNotFound); strings.Contains(p.Detail, "role") {
				t.Errorf("outsider: detail %q leaks membership", p.Detail)
			}
			// The outsider's own tenant in the path with tenant A's ids: still nothing.
			if len(op.params) > 1 && op.method == http.MethodGet {
				own := strings.Replace(url, f.params["tenant"], f.outsider.tenant, 1)
				if r := e.do(op.method, own+tc.query, f.outsider.token, nil); r.Status != http.StatusNotFound && r.Status != http.StatusOK {
					t.Errorf("outsider via own tenant: %s", r)
				} else if r.Status == http.StatusOK && strings.Contains(string(r.Body), f.params["project"]) {
					t.Errorf("outsider via own tenant sees tenant A's project: %s", r)
				}
			}
			for _, role := range auth.Roles() {
				if role.AtLeast(min) {
					continue
				}
				p := e.do(op.method, url, roles[role].token, `{}`).problem(http.StatusForbidden)
				if !strings.Contains(p.Detail, string(min)) {
					t.Errorf("%s: 403 detail %q does not name the needed role %s", role, p.Detail, min)
				}
			}
			if op.method == http.MethodGet && tc.skipRead == "" {
				e.do(op.method, url+tc.query, roles[min].token, nil).status(http.StatusOK)
			}
		})
	}
	for id := range tenancyCases {
		if !inSpec[id] {
			t.Errorf("tenancyCases has %s, which the document does not", id)
		}
	}
}

// TestOverlappedSaveWaitsForTheCheck: a draft save decodes its body while the
// membership check is in flight; an outsider still gets 404 (even for a body
// that would be 422), a viewer 403, and neither changes the draft.
func TestOverlappedSaveWaitsForTheCheck(t *testing.T) {
	f := newTenancyFixture(t)
	e := f.e
	path := "/tenants/" + f.params["tenant"] + "/projects/" + f.params["project"] + "/flows/" + f.params["flow"]
	var before FlowDetail
	e.do(http.MethodGet, path, f.admin.token, nil).ok(&before)
	good := map[string]any{"document": chainDoc(t, 5, "intruder"), "revision": before.Draft.Revision}
	bad := map[string]any{"document": map[string]any{"schema": "polysynergy/flow@1", "bogus": true}, "revision": 1}
	for _, tc := range []struct {
		who  user
		body any
		want int
	}{
		{f.outsider, good, http.StatusNotFound},
		{f.outsider, bad, http.StatusNotFound},
		{f.viewer, good, http.StatusForbidden},
		{f.viewer, bad, http.StatusForbidden},
	} {
		p := e.do(http.MethodPut, path+"/draft", tc.who.token, tc.body).problem(tc.want)
		if p.Status != tc.want {
			t.Errorf("%s: problem status %d, want %d", tc.who.sub, p.Status, tc.want)
		}
	}
	var after FlowDetail
	e.do(http.MethodGet, path, f.admin.token, nil).ok(&after)
	if after.Draft.Revision != before.Draft.Revision || string(after.Draft.Document) != string(before.Draft.Document) {
		t.Fatalf("draft changed by refused saves: revision %d → %d", before.Draft.Revision, after.Draft.Revision)
	}
	// The editor's save of the same body goes through.
	var saved SavedDraft
	e.do(http.MethodPut, path+"/draft", f.editor.token, good).ok(&saved)
	if saved.Revision != before.Draft.Revision+1 {
		t.Fatalf("editor save → revision %d, want %d", saved.Revision, before.Draft.Revision+1)
	}
}

// Private network access is an admin's decision: editors may rename a
// project but not open its flows to private addresses.
func TestPrivateNetworkSettingIsForAdmins(t *testing.T) {
	f := newTenancyFixture(t)
	e := f.e
	path := "/tenants/" + f.params["tenant"] + "/projects/" + f.params["project"]
	var p ProjectView
	e.do(http.MethodGet, path, f.viewer.token, nil).ok(&p)
	if p.AllowPrivateNetwork {
		t.Fatal("a new project allows private networks")
	}
	prob := e.do(http.MethodPatch, path, f.editor.token, map[string]any{"allow_private_network": true}).problem(http.StatusForbidden)
	if len(prob.Errors) == 0 || prob.Errors[0].Location != "body.allow_private_network" {
		t.Fatalf("editor's change: %+v", prob)
	}
	e.do(http.MethodPatch, path, f.outsider.token, map[string]any{"allow_private_network": true}).problem(http.StatusNotFound)
	e.do(http.MethodPatch, path, f.admin.token, map[string]any{"allow_private_network": true}).ok(&p)
	if !p.AllowPrivateNetwork {
		t.Fatalf("admin's change not applied: %+v", p)
	}
	lk, err := e.h.st.ResolveSlug(context.Background(), p.Slug)
	if err != nil || !lk.AllowPrivateNetwork {
		t.Fatalf("router's lookup %+v, %v", lk, err)
	}
	e.do(http.MethodPatch, path, f.editor.token, map[string]any{"name": "Renamed"}).ok(&p)
	if p.Name != "Renamed" || !p.AllowPrivateNetwork {
		t.Fatalf("editor rename: %+v", p)
	}
}
