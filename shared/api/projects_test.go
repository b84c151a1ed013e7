package api

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"

	"polysynergy/shared/store"
)

func TestSuggestSlug(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"My Project", "my-project"},
		{"Ünïcödé Straße", "unicode-strasse"},
		{"  --hello__world--  ", "hello-world"},
		{"!!!", "project"},
		{"", "project"},
		{strings.Repeat("abcdefghi ", 10), "abcdefghi-abcdefghi-abcdefghi-abcdefghi"},
		{strings.Repeat("x", 60), strings.Repeat("x", 40)},
	} {
		got := SuggestSlug(tc.name)
		if got != tc.want {
			t.Errorf("SuggestSlug(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if err := checkSlug("slug", got); err != nil {
			t.Errorf("SuggestSlug(%q) = %q is invalid: %v", tc.name, got, err)
		}
	}
}

func TestProjectLifecycle(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant
	var p ProjectView
	e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": "Web Shop"}).
		status(http.StatusCreated).ok(&p)
	if p.Slug != "web-shop" || p.Name != "Web Shop" || p.Tenant != u.tenant || !validULID(p.ID) {
		t.Errorf("project %+v", p)
	}
	// The mock stage comes with it.
	st, err := e.db.Store.ListStages(t.Context(), store.ProjectKey{Tenant: u.tenant, Project: p.ID})
	if err != nil || len(st) != 1 || st[0].Name != "mock" {
		t.Fatalf("stages %+v %v, want mock", st, err)
	}
	// Same name again: the slug gets a number.
	var p2 ProjectView
	e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": "Web Shop"}).ok(&p2)
	if p2.Slug != "web-shop-2" {
		t.Errorf("second slug %q, want web-shop-2", p2.Slug)
	}
	// An explicit taken slug is 409 naming the field.
	pr := e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": "X", "slug": "web-shop"}).
		problem(http.StatusConflict)
	if pr.Type != TypeSlugTaken {
		t.Errorf("type %q", pr.Type)
	}
	wantFields(t, pr, "body.slug")
	// Slugs are one namespace for all tenants.
	other := e.signIn("bob")
	e.do(http.MethodPost, "/tenants/"+other.tenant+"/projects", other.token,
		map[string]string{"name": "Mine", "slug": "web-shop"}).problem(http.StatusConflict)
	var sug SlugSuggestion
	e.do(http.MethodGet, base+"/project-slug?slug=web-shop", u.token, nil).ok(&sug)
	if sug.Available {
		t.Error("web-shop reported available")
	}
	e.do(http.MethodGet, base+"/project-slug?name=Brand%20New", u.token, nil).ok(&sug)
	if !sug.Available || sug.Slug != "brand-new" {
		t.Errorf("suggestion %+v", sug)
	}
	e.do(http.MethodGet, base+"/project-slug?slug=Bad_Slug", u.token, nil).problem(http.StatusUnprocessableEntity)

	// Rename and change slug.
	e.do(http.MethodPatch, base+"/projects/"+p.ID, u.token, map[string]string{"name": "Shop", "slug": "shop"}).ok(&p)
	if p.Name != "Shop" || p.Slug != "shop" {
		t.Errorf("after update %+v", p)
	}
	e.do(http.MethodPatch, base+"/projects/"+p.ID, u.token, map[string]string{"slug": "web-shop-2"}).
		problem(http.StatusConflict)
	pr = e.do(http.MethodPatch, base+"/projects/"+p.ID, u.token, map[string]string{"slug": "-Bad-", "name": ""}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, pr, "body.slug", "body.name")

	// Trash, list, restore.
	fpath, _ := e.flow(u, base+"/projects/"+p.ID, map[string]any{"kind": "service", "name": "Kept", "document": chainDoc(t, 2, "k")})
	e.h.cfg.Runner = &startedRuns{}
	e.do(http.MethodPost, base+"/projects/"+p.ID+"/stages", u.token, map[string]any{"name": "live"}).status(http.StatusCreated)
	e.do(http.MethodPost, base+"/projects/"+p.ID+"/trash", u.token, nil).ok(&p)
	if p.TrashedAt == nil {
		t.Error("trashed project has no trashed_at")
	}
	// nothing of a trashed project is published or run
	if pr := e.do(http.MethodPost, fpath+"/publish", u.token, map[string]any{"stage": "live"}).problem(http.StatusConflict); !strings.Contains(pr.Detail, "is in the trash") {
		t.Errorf("publish in a trashed project: %+v", pr)
	}
	// the store refuses it as well (a project trashed while a publish is under way)
	if _, err := e.db.Store.Publish(t.Context(), store.PublishInput{Flow: store.FlowKey{Tenant: u.tenant, Project: p.ID, Flow: path.Base(fpath)},
		Stage: "live", By: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("store publish in a trashed project: %v", err)
	}
	if pr := e.do(http.MethodPost, fpath+"/runs", u.token, map[string]any{}).problem(http.StatusConflict); !strings.Contains(pr.Detail, "is in the trash") {
		t.Errorf("run in a trashed project: %+v", pr)
	}
	// its slug stays taken, and the answer says by what
	if pr := e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": "Again", "slug": "shop"}).problem(http.StatusConflict); !pr.hasField("body.slug") ||
		!strings.Contains(pr.Errors[0].Message, `is taken by project "Shop" in the trash`) {
		t.Errorf("slug of a trashed project: %+v", pr)
	}
	mallory := e.signIn("mallory")
	if pr := e.do(http.MethodPost, "/tenants/"+mallory.tenant+"/projects", mallory.token, map[string]string{"name": "Again", "slug": "shop"}).problem(http.StatusConflict); strings.Contains(pr.Detail, "Shop") || strings.Contains(pr.Detail, "trash") {
		t.Errorf("another tenant learns of the trashed project: %+v", pr)
	}
	var list, trash List[ProjectView]
	e.do(http.MethodGet, base+"/projects", u.token, nil).ok(&list)
	e.do(http.MethodGet, base+"/trash", u.token, nil).ok(&trash)
	if len(list.Items) != 1 || len(trash.Items) != 1 || trash.Items[0].ID != p.ID {
		t.Errorf("list %+v trash %+v", list, trash)
	}
	var restored ProjectView
	e.do(http.MethodPost, base+"/projects/"+p.ID+"/restore", u.token, nil).ok(&restored)
	if restored.TrashedAt != nil {
		t.Error("restored project still trashed")
	}
	// An active project is not deleted at once: it goes to the trash first (where it can
	// still be restored), so one request cannot lose it with everything under it.
	pr = e.do(http.MethodDelete, base+"/projects/"+p.ID, u.token, nil).problem(http.StatusConflict)
	if pr.Type != TypeConflict || !strings.Contains(pr.Detail, "move the project to the trash first") {
		t.Errorf("delete an active project: %+v", pr)
	}
	e.do(http.MethodGet, base+"/projects/"+p.ID, u.token, nil).ok(nil)
	e.do(http.MethodPost, base+"/projects/"+p.ID+"/trash", u.token, nil).ok(nil)
	// Delete permanently frees the slug.
	e.do(http.MethodDelete, base+"/projects/"+p.ID, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, base+"/projects/"+p.ID, u.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, base+"/project-slug?slug=shop", u.token, nil).ok(&sug)
	if !sug.Available {
		t.Error("slug of a deleted project is not free")
	}
}

func TestProjectPagination(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant
	for i := range 5 {
		e.do(http.MethodPost, base+"/projects", u.token, map[string]string{"name": fmt.Sprintf("P%d", i)}).
			status(http.StatusCreated)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		var page List[ProjectView]
		e.do(http.MethodGet, base+"/projects?limit=2&cursor="+cursor, u.token, nil).ok(&page)
		for _, p := range page.Items {
			seen = append(seen, p.Name)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if strings.Join(seen, ",") != "P0,P1,P2,P3,P4" {
		t.Errorf("pages gave %v", seen)
	}
	p := e.do(http.MethodGet, base+"/projects?limit=0", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.limit")
	p = e.do(http.MethodGet, base+"/projects?limit=500", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.limit")
	p = e.do(http.MethodGet, base+"/projects?cursor=garbage!", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.cursor")
}

func TestCreateProjectValidation(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	p := e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token,
		map[string]string{"name": "", "slug": "UPPER"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name", "body.slug")
	p = e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token,
		map[string]string{"slug": "ok"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name")
}
