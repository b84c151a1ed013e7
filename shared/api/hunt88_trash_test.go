package api

import (
	"net/http"
	"testing"
)

// Paging through the trash while projects leave it (restored, or deleted for good) goes on
// from the cursor's place: with the cursor's project gone from the list, the embedded
// DynamoDB found no start and answered an empty last page. The same for the project list.
func TestHunt88TrashPagesWhileProjectsLeave(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	var paths []string
	for _, name := range []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo"} {
		p, _ := e.project(u, name)
		e.do(http.MethodPost, p+"/trash", u.token, nil).ok(nil)
		paths = append(paths, p)
	}
	trash := "/tenants/" + u.tenant + "/trash"
	var p1, p2, p3 List[ProjectView]
	e.do(http.MethodGet, trash+"?limit=2", u.token, nil).ok(&p1)
	if len(p1.Items) != 2 || p1.Items[1].Name != "Bravo" || p1.NextCursor == "" {
		t.Fatalf("first page %+v", p1)
	}
	e.do(http.MethodPost, paths[1]+"/restore", u.token, nil).ok(nil) // Bravo, the cursor's
	e.do(http.MethodGet, trash+"?limit=2&cursor="+p1.NextCursor, u.token, nil).ok(&p2)
	if len(p2.Items) != 2 || p2.Items[0].Name != "Charlie" || p2.Items[1].Name != "Delta" || p2.NextCursor == "" {
		t.Fatalf("page after the cursor's project was restored: %+v, want Charlie and Delta", p2)
	}
	e.do(http.MethodDelete, paths[3], u.token, nil).status(http.StatusNoContent) // Delta, for good
	e.do(http.MethodGet, trash+"?limit=2&cursor="+p2.NextCursor, u.token, nil).ok(&p3)
	if len(p3.Items) != 1 || p3.Items[0].Name != "Echo" || p3.NextCursor != "" {
		t.Fatalf("page after the cursor's project was deleted: %+v, want Echo alone", p3)
	}
	// the project list: Bravo is back; trashing it again leaves the list under its cursor
	var a1, a2 List[ProjectView]
	e.project(u, "Zulu")
	e.do(http.MethodGet, "/tenants/"+u.tenant+"/projects?limit=1", u.token, nil).ok(&a1)
	if len(a1.Items) != 1 || a1.Items[0].Name != "Bravo" {
		t.Fatalf("projects %+v", a1)
	}
	e.do(http.MethodPost, paths[1]+"/trash", u.token, nil).ok(nil)
	e.do(http.MethodGet, "/tenants/"+u.tenant+"/projects?limit=1&cursor="+a1.NextCursor, u.token, nil).ok(&a2)
	if len(a2.Items) != 1 || a2.Items[0].Name != "Zulu" {
		t.Fatalf("projects after the cursor's project was trashed: %+v, want Zulu", a2)
	}
}

// Coverage: a trashed project keeps its slug — another tenant cannot take it, nor another
// project of the same tenant — so its restore never meets a taken slug; its API keys can be
// listed but not created or revoked while it is in the trash; restoring twice is idempotent.
func TestHunt88TrashKeepsSlugAndKeys(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	b := e.signIn("bob")
	var pv ProjectView
	e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": "Shop", "slug": "shop"}).
		status(http.StatusCreated).ok(&pv)
	proj := "/tenants/" + u.tenant + "/projects/" + pv.ID
	var key struct {
		ID string `json:"id"`
	}
	e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]string{"label": "ci"}).ok(&key)
	e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil)
	for _, tc := range []struct {
		who  user
		path string
		body map[string]string
	}{
		{b, "/tenants/" + b.tenant + "/projects", map[string]string{"name": "Mine", "slug": "shop"}},
		{u, "/tenants/" + u.tenant + "/projects", map[string]string{"name": "Shop 2", "slug": "shop"}},
	} {
		wantFields(t, e.do(http.MethodPost, tc.path, tc.who.token, tc.body).problem(http.StatusConflict), "body.slug")
	}
	e.do(http.MethodGet, proj+"/api-keys", u.token, nil).ok(nil)
	wantFields(t, e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]string{"label": "x"}).problem(http.StatusConflict), "path.project")
	wantFields(t, e.do(http.MethodDelete, proj+"/api-keys/"+key.ID, u.token, nil).problem(http.StatusConflict), "path.project")
	var got ProjectView
	e.do(http.MethodPost, proj+"/restore", u.token, nil).ok(&got)
	e.do(http.MethodPost, proj+"/restore", u.token, nil).ok(&got)
	if got.Slug != "shop" || got.TrashedAt != nil {
		t.Fatalf("restored %+v", got)
	}
}
