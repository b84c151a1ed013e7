package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/store"
)

// raceStatuses sends n requests at once, request(i) each, and returns their statuses.
func raceStatuses(n int, request func(i int) int) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = request(i)
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// stageByName finds a stage in a list.
func stageByName(t *testing.T, st []StageView, name string) (StageView, bool) {
	t.Helper()
	i := slices.IndexFunc(st, func(s StageView) bool { return s.Name == name })
	if i < 0 {
		return StageView{}, false
	}
	return st[i], true
}

func TestStageIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Stage tags")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "test"}).status(http.StatusCreated)
	e.do(http.MethodPut, proj+"/env/BASE/stages/test", u.token, map[string]any{"value": "v"}).ok(nil)

	// GET stage answers the ETag the list shows
	var sv StageView
	tag0 := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(&sv).etag()
	var st []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	if l, _ := stageByName(t, st, "test"); l.ETag != tag0 || sv.ETag != tag0 {
		t.Fatalf("stage ETag %s; body %s, list %s", tag0, sv.ETag, l.ETag)
	}
	e.do(http.MethodGet, proj+"/stages/nope", u.token, nil).problem(http.StatusNotFound)

	// making it production changes its tag: a rename based on the old one writes nothing
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": "test"}).ok(nil)
	tag1 := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag()
	if tag1 == tag0 {
		t.Fatal("the production flag did not change the stage's ETag")
	}
	wantChanged(t, e.doHeaders(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "qa"}, ifMatchHdr(tag0)), tag1)
	e.do(http.MethodGet, proj+"/stages/qa", u.token, nil).problem(http.StatusNotFound)
	if got := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag(); got != tag1 {
		t.Fatalf("a refused rename changed the stage's ETag %s → %s", tag1, got)
	}
	if env, err := e.db.Store.StageEnv(t.Context(), k, "qa"); err != nil || len(env) != 0 {
		t.Fatalf("a refused rename copied variables to qa: %v %v", env, err)
	}
	// a malformed If-Match is a 400, as for the other resources
	wantFields(t, e.doHeaders(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "qa"},
		ifMatchHdr(strings.Trim(tag1, `"`))).problem(http.StatusBadRequest), "header.if-match")

	// the current tag renames; the answer's ETag is the renamed stage's
	var rv RenamedStageView
	r := e.doHeaders(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": "qa"}, ifMatchHdr(tag1)).ok(&rv)
	tag2 := r.etag()
	if rv.Name != "qa" || !rv.Production || rv.ETag != tag2 {
		t.Fatalf("renamed %+v (ETag %s)", rv, tag2)
	}
	if got := e.do(http.MethodGet, proj+"/stages/qa", u.token, nil).ok(nil).etag(); got != tag2 {
		t.Fatalf("rename answered ETag %s, GET shows %s", tag2, got)
	}
	e.do(http.MethodGet, proj+"/stages/test", u.token, nil).problem(http.StatusNotFound)
	// renamed back and again to the same name, it does not take an old tag of that name
	e.doHeaders(http.MethodPatch, proj+"/stages/qa", u.token, map[string]any{"name": "test"}, ifMatchHdr("*")).ok(nil)
	tag3 := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag()
	if tag3 == tag1 {
		t.Fatal("a stage renamed away and back has its old ETag")
	}
	wantChanged(t, e.doHeaders(http.MethodDelete, proj+"/stages/test", u.token, nil, ifMatchHdr(tag1)), tag3)
	// the old name of a renamed stage is 404, with or without a tag
	e.doHeaders(http.MethodPatch, proj+"/stages/qa", u.token, map[string]any{"name": "x"}, ifMatchHdr(tag2)).problem(http.StatusNotFound)
	e.doHeaders(http.MethodDelete, proj+"/stages/qa", u.token, nil, ifMatchHdr(tag2)).problem(http.StatusNotFound)

	// delete: a stale tag unpublishes nothing and keeps the stage and its values
	_, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "Pub", "document": chainDoc(t, 2, "p")})
	e.do(http.MethodPost, proj+"/flows/"+f.ID+"/publish", u.token, map[string]any{"stage": "test"}).ok(nil)
	e.do(http.MethodPut, proj+"/production-stage", u.token, map[string]any{"stage": ""}).ok(nil)
	tag4 := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag()
	wantChanged(t, e.doHeaders(http.MethodDelete, proj+"/stages/test", u.token, nil, ifMatchHdr(tag3)), tag4)
	if bs, err := e.db.Store.ListStageBindings(t.Context(), k, "test"); err != nil || len(bs) != 1 {
		t.Fatalf("a refused delete unpublished: %+v %v", bs, err)
	}
	if env, err := e.db.Store.StageEnv(t.Context(), k, "test"); err != nil || env["BASE"] != "v" {
		t.Fatalf("a refused delete removed the values: %v %v", env, err)
	}
	wantDeleteIfMatch(t, e, proj+"/stages/test", u.token, tag3, tag4)
	if bs, err := e.db.Store.ListStageBindings(t.Context(), k, "test"); err != nil || len(bs) != 0 {
		t.Fatalf("deleted stage still has bindings: %+v %v", bs, err)
	}

	// If-Match: * and no If-Match delete whatever the stage is now
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "one"}).status(http.StatusCreated)
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "two"}).status(http.StatusCreated)
	e.doHeaders(http.MethodDelete, proj+"/stages/one", u.token, nil, ifMatchHdr("*")).status(http.StatusNoContent)
	e.do(http.MethodDelete, proj+"/stages/two", u.token, nil).status(http.StatusNoContent)
}

// Renames of one stage sent at once with one ETag: the first write (creating the new stage
// with the old one's revision counted up) is conditional, so exactly one goes on; the
// others write nothing (412, or 404 once the winner has removed the old name).
func TestStageRenameParallelOneWins(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Stage race")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "test"}).status(http.StatusCreated)
	e.do(http.MethodPut, proj+"/env/BASE/stages/test", u.token, map[string]any{"value": "v"}).ok(nil)
	tag := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag()

	const n = 6
	statuses := raceStatuses(n, func(i int) int {
		return e.doHeaders(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": fmt.Sprintf("r%d", i)}, ifMatchHdr(tag)).Status
	})
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			if won >= 0 {
				t.Fatalf("renames answered %v: more than one won", statuses)
			}
			won = i
		case http.StatusPreconditionFailed, http.StatusNotFound:
		default:
			t.Fatalf("renames answered %v", statuses)
		}
	}
	if won < 0 {
		t.Fatalf("renames answered %v: none won", statuses)
	}
	var st []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	if got := stageNames(st); len(got) != 2 || got[0] != "mock" || got[1] != fmt.Sprintf("r%d", won) {
		t.Fatalf("stages after the race %v; want mock and r%d", got, won)
	}
	for i := range n {
		env, err := e.db.Store.StageEnv(t.Context(), k, fmt.Sprintf("r%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if want := i == won; (env["BASE"] == "v") != want {
			t.Errorf("r%d has variables %v", i, env)
		}
	}
}

func TestMemberIfMatch(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice")
	base := "/tenants/" + alice.tenant
	e.do(http.MethodPost, base+"/invitations", alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}).
		status(http.StatusCreated)
	bob := e.signInAccepting("bob", alice.tenant)
	path := base + "/members/" + bob.sub

	var mv MemberView
	tag0 := e.do(http.MethodGet, path, alice.token, nil).ok(&mv).etag()
	var l List[MemberView]
	e.do(http.MethodGet, base+"/members", alice.token, nil).ok(&l)
	i := slices.IndexFunc(l.Items, func(m MemberView) bool { return m.Sub == bob.sub })
	if i < 0 || l.Items[i].ETag != tag0 || mv.ETag != tag0 || mv.Role != "viewer" {
		t.Fatalf("member %+v ETag %s; listed %+v", mv, tag0, l.Items)
	}
	e.do(http.MethodGet, base+"/members/sub-nobody", alice.token, nil).problem(http.StatusNotFound)

	// the current tag changes the role; the answer's ETag is what GET shows next
	r := e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": "editor"}, ifMatchHdr(tag0)).ok(&mv)
	tag1 := r.etag()
	if mv.Role != "editor" || mv.ETag != tag1 || tag1 == tag0 {
		t.Fatalf("changed to %+v, ETag %s (was %s)", mv, tag1, tag0)
	}
	if got := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag(); got != tag1 {
		t.Fatalf("PATCH answered ETag %s, GET shows %s", tag1, got)
	}
	// the old tag changes nothing
	wantChanged(t, e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": "admin"}, ifMatchHdr(tag0)), tag1)
	wantChanged(t, e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag0)), tag1)
	e.do(http.MethodGet, path, alice.token, nil).ok(&mv)
	if mv.Role != "editor" {
		t.Fatalf("a refused PATCH made bob %s", mv.Role)
	}
	wantFields(t, e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": "admin"},
		ifMatchHdr("nonsense")).problem(http.StatusBadRequest), "header.if-match")
	// * and no If-Match change whatever the member is now
	e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": "admin"}, ifMatchHdr("*")).ok(nil)
	tag2 := e.do(http.MethodPatch, path, alice.token, map[string]any{"role": "viewer"}).ok(nil).etag()
	// the last admin is kept with a tag too
	atag := e.do(http.MethodGet, base+"/members/"+alice.sub, alice.token, nil).ok(nil).etag()
	e.doHeaders(http.MethodPatch, base+"/members/"+alice.sub, alice.token, map[string]any{"role": "viewer"}, ifMatchHdr(atag)).
		problem(http.StatusConflict)

	// parallel changes on one tag: one wins
	statuses := raceStatuses(6, func(i int) int {
		role := []string{"editor", "admin"}[i%2]
		return e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": role}, ifMatchHdr(tag2)).Status
	})
	if n := countStatus(statuses, http.StatusOK); n != 1 || countStatus(statuses, http.StatusPreconditionFailed) != 5 {
		t.Fatalf("parallel role changes answered %v; want one 200 and 412s", statuses)
	}
	tag3 := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag()

	// removal: the old tag keeps the member, the current one removes them
	wantChanged(t, e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag2)), tag3)
	wantDeleteIfMatch(t, e, path, alice.token, tag2, tag3)
	e.doHeaders(http.MethodPatch, path, alice.token, map[string]any{"role": "admin"}, ifMatchHdr(tag3)).problem(http.StatusNotFound)
}

func countStatus(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}
