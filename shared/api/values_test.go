package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

func TestSecretsNeverReturned(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Sec")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	e.do(http.MethodPut, proj+"/secrets/API_TOKEN/stages/prod", u.token, map[string]any{"value": "hunter2"}).
		status(http.StatusNoContent)
	e.do(http.MethodPut, proj+"/secrets/API_TOKEN/stages/mock", u.token, map[string]any{"value": "mock-value"}).
		status(http.StatusNoContent)
	r := e.do(http.MethodGet, proj+"/secrets", u.token, nil)
	var ss []SecretView
	r.ok(&ss)
	if len(ss) != 1 || ss[0].Key != "API_TOKEN" || strings.Join(ss[0].Stages, ",") != "mock,prod" {
		t.Errorf("secrets %+v", ss)
	}
	if strings.Contains(string(r.Body), "hunter2") || strings.Contains(string(r.Body), "mock-value") {
		t.Error("a secret value was returned")
	}
	// Stored sealed, bound to its stage: opening under another context fails.
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	ct, err := e.db.Store.GetSecretValue(t.Context(), k, "API_TOKEN", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ct), "hunter2") {
		t.Error("ciphertext contains the plaintext")
	}
	plain, err := e.box.OpenEncoded(t.Context(), ct, secrets.SecretContext(k.Tenant, k.Project, "prod", "API_TOKEN"))
	if err != nil || string(plain) != "hunter2" {
		t.Errorf("open %q %v", plain, err)
	}
	if _, err := e.box.OpenEncoded(t.Context(), ct, secrets.SecretContext(k.Tenant, k.Project, "mock", "API_TOKEN")); err == nil {
		t.Error("secret opened under another stage's context")
	}
	// Bad input.
	p := e.do(http.MethodPut, proj+"/secrets/1BAD/stages/prod", u.token, map[string]any{"value": "x"}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "path.key")
	p = e.do(http.MethodPut, proj+"/secrets/OK/stages/prod", u.token, map[string]any{"value": ""}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.value")
	e.do(http.MethodPut, proj+"/secrets/OK/stages/nostage", u.token, map[string]any{"value": "x"}).problem(http.StatusNotFound)
	// Viewers and editors cannot set secrets; editors may list keys.
	e.do(http.MethodPost, "/tenants/"+u.tenant+"/invitations", u.token, map[string]string{"email": "ed@example.com", "role": "editor"}).
		status(http.StatusCreated)
	ed := e.signInAccepting("ed", u.tenant)
	e.do(http.MethodGet, proj+"/secrets", ed.token, nil).ok(nil)
	e.do(http.MethodPut, proj+"/secrets/X/stages/prod", ed.token, map[string]any{"value": "x"}).problem(http.StatusForbidden)
	// Delete one stage, then all.
	e.do(http.MethodDelete, proj+"/secrets/API_TOKEN/stages/mock", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/secrets/API_TOKEN/stages/mock", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, proj+"/secrets", u.token, nil).ok(&ss)
	if len(ss) != 1 || strings.Join(ss[0].Stages, ",") != "prod" {
		t.Errorf("after stage delete %+v", ss)
	}
	e.do(http.MethodDelete, proj+"/secrets/API_TOKEN", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/secrets/API_TOKEN", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, proj+"/secrets", u.token, nil).ok(&ss)
	if len(ss) != 0 {
		t.Errorf("after delete %+v", ss)
	}
}

func TestEnvironmentVariables(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Env")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	var v EnvVarView
	e.do(http.MethodPut, proj+"/env/BASE_URL", u.token, map[string]any{"values": map[string]string{
		"mock": "http://localhost", "prod": "https://example.com"}}).ok(&v)
	if v.Key != "BASE_URL" || v.Values["prod"] != "https://example.com" || v.Values["mock"] != "http://localhost" {
		t.Errorf("set %+v", v)
	}
	e.do(http.MethodPut, proj+"/env/BASE_URL/stages/prod", u.token, map[string]any{"value": "https://prod"}).ok(&v)
	if v.Values["prod"] != "https://prod" {
		t.Errorf("upsert %+v", v)
	}
	var list []EnvVarView
	e.do(http.MethodGet, proj+"/env", u.token, nil).ok(&list)
	if len(list) != 1 || len(list[0].Values) != 2 {
		t.Errorf("list %+v", list)
	}
	p := e.do(http.MethodPut, proj+"/env/BASE_URL", u.token, map[string]any{"values": map[string]string{
		"nope": "x", "gone": "y"}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.values.gone", "body.values.nope")
	p = e.do(http.MethodPut, proj+"/env/has-dash", u.token, map[string]any{"values": map[string]string{"prod": "x"}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "path.key")
	p = e.do(http.MethodPut, proj+"/env/K", u.token, map[string]any{"values": map[string]string{}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.values")
	e.do(http.MethodDelete, proj+"/env/BASE_URL/stages/mock", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/env/BASE_URL", u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/env/BASE_URL", u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, proj+"/env", u.token, nil).ok(&list)
	if len(list) != 0 {
		t.Errorf("after delete %+v", list)
	}
}

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Keys")
	var nk NewAPIKey
	r := e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]any{"label": "CI"}).status(http.StatusCreated)
	r.ok(&nk)
	if !auth.LooksLikeAPIKey(nk.Key) || !strings.HasPrefix(nk.Key, nk.Prefix) || nk.Label != "CI" {
		t.Fatalf("new key %+v", nk)
	}
	ref, err := e.db.Store.LookupAPIKey(t.Context(), auth.HashAPIKey(nk.Key))
	if err != nil || ref.KeyID != nk.ID || ref.Project != pv.ID {
		t.Errorf("lookup %+v %v", ref, err)
	}
	lr := e.do(http.MethodGet, proj+"/api-keys", u.token, nil)
	var list List[APIKeyView]
	lr.ok(&list)
	if len(list.Items) != 1 || list.Items[0].Prefix != nk.Prefix || strings.Contains(string(lr.Body), nk.Key) {
		t.Errorf("list %s", lr.Body)
	}
	if err := e.db.Store.TouchLastUsed(t.Context(), store.ProjectKey{Tenant: u.tenant, Project: pv.ID}, nk.ID,
		time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var kv APIKeyView
	e.do(http.MethodPatch, proj+"/api-keys/"+nk.ID, u.token, map[string]any{"label": "Deploy"}).ok(&kv)
	if kv.Label != "Deploy" || kv.LastUsedAt == nil || kv.Prefix != nk.Prefix {
		t.Errorf("renamed %+v", kv)
	}
	p := e.do(http.MethodPatch, proj+"/api-keys/"+nk.ID, u.token, map[string]any{"label": ""}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.label")
	e.do(http.MethodPatch, proj+"/api-keys/"+newRequestID(), u.token, map[string]any{"label": "x"}).problem(http.StatusNotFound)
	e.do(http.MethodDelete, proj+"/api-keys/"+nk.ID, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/api-keys/"+nk.ID, u.token, nil).problem(http.StatusNotFound)
	if _, err := e.db.Store.LookupAPIKey(t.Context(), auth.HashAPIKey(nk.Key)); err == nil {
		t.Error("revoked key still resolves")
	}
}

// addRun stores a run with n node results.
func (e *env) addRun(tenant, project, flowID, stage, status string, n int) store.Run {
	e.t.Helper()
	k := store.ProjectKey{Tenant: tenant, Project: project}
	r, err := e.db.Store.CreateRun(e.t.Context(), store.Run{Tenant: tenant, Project: project, Flow: flowID, Stage: stage,
		Version: 1, Trigger: "route", Status: status, Summary: json.RawMessage(`{"nodes":2}`)})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range n {
		if err := e.db.Store.PutNodeResult(e.t.Context(), k.Run(r.ID), store.NodeResult{NodeID: "n" + string(rune('0'+i)),
			Order: i, Status: "success", StartedAt: r.StartedAt, Duration: time.Millisecond,
			Outputs: json.RawMessage(`{"value":1}`)}); err != nil {
			e.t.Fatal(err)
		}
	}
	return r
}

func TestRuns(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	_, other := e.flow(u, proj, map[string]any{"kind": "service", "name": "g"})
	r1 := e.addRun(u.tenant, pv.ID, f.ID, "mock", "success", 2)
	r2 := e.addRun(u.tenant, pv.ID, f.ID, "prod", "error", 0)
	r3 := e.addRun(u.tenant, pv.ID, f.ID, "mock", "error", 1)
	ro := e.addRun(u.tenant, pv.ID, other.ID, "mock", "success", 1)
	var list List[RunView]
	e.do(http.MethodGet, path+"/runs", u.token, nil).ok(&list)
	if len(list.Items) != 3 || list.Items[0].ID != r3.ID || list.Items[2].ID != r1.ID {
		t.Errorf("runs %+v, want newest first", list.Items)
	}
	e.do(http.MethodGet, path+"/runs?status=error&stage=mock", u.token, nil).ok(&list)
	if len(list.Items) != 1 || list.Items[0].ID != r3.ID {
		t.Errorf("filtered %+v", list.Items)
	}
	e.do(http.MethodGet, path+"/runs?limit=2", u.token, nil).ok(&list)
	if len(list.Items) != 2 || list.NextCursor == "" {
		t.Errorf("page %+v", list)
	}
	for _, status := range []string{"BAD!", "bogus", "cancelled"} {
		p := e.do(http.MethodGet, path+"/runs?status="+status, u.token, nil).problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "query.status")
	}
	var d RunDetail
	e.do(http.MethodGet, path+"/runs/"+r1.ID, u.token, nil).ok(&d)
	if d.ID != r1.ID || len(d.Nodes) != 2 || d.Nodes[1].Order != 1 || string(d.Summary) != `{"nodes":2}` {
		t.Errorf("run %+v", d)
	}
	// A run of another flow is not found through this flow.
	e.do(http.MethodGet, path+"/runs/"+ro.ID, u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodDelete, path+"/runs/"+ro.ID, u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodDelete, path+"/runs/"+r2.ID, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path+"/runs/"+r2.ID, u.token, nil).problem(http.StatusNotFound)
	var del DeletedRuns
	e.do(http.MethodDelete, path+"/runs", u.token, nil).ok(&del)
	if del.Deleted != 2 {
		t.Errorf("deleted %d, want 2", del.Deleted)
	}
	e.do(http.MethodGet, path+"/runs", u.token, nil).ok(&list)
	if len(list.Items) != 0 {
		t.Errorf("runs after delete %+v", list.Items)
	}
	nodes, err := e.db.Store.ListNodeResults(t.Context(), store.RunKey{Tenant: u.tenant, Project: pv.ID, Run: r1.ID})
	if err != nil || len(nodes) != 0 {
		t.Errorf("node results left: %d %v", len(nodes), err)
	}
	// The other flow's run is untouched.
	if _, err := e.db.Store.GetRun(t.Context(), store.RunKey{Tenant: u.tenant, Project: pv.ID, Run: ro.ID}); err != nil {
		t.Errorf("other flow's run: %v", err)
	}
}

func TestNodeCatalog(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	var c struct {
		Count      int `json:"count"`
		Categories []struct {
			Name  string `json:"name"`
			Types []struct {
				ID string `json:"id"`
			} `json:"types"`
		} `json:"categories"`
	}
	e.do(http.MethodGet, "/nodes", u.token, nil).ok(&c)
	n := 0
	ids := map[string]bool{}
	for _, cat := range c.Categories {
		for _, ty := range cat.Types {
			n++
			ids[ty.ID] = true
		}
	}
	if c.Count == 0 || n != c.Count || !ids["debug.log"] || !ids["trigger.route"] {
		t.Errorf("catalogue count %d, types %d", c.Count, n)
	}
	e.do(http.MethodGet, "/nodes", "", nil).problem(http.StatusUnauthorized)
}
