package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/auth"
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

func TestEnvVarIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Env tags")
	for _, s := range []string{"test", "prod"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": s}).status(http.StatusCreated)
	}
	path := proj + "/env/BASE"
	var ev EnvVarView
	t0 := e.do(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": "a"}).ok(&ev).etag()
	var l []EnvVarView
	e.do(http.MethodGet, proj+"/env", u.token, nil).ok(&l)
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != t0 || ev.ETag != t0 || len(l) != 1 || l[0].ETag != t0 {
		t.Fatalf("PUT answered %s (body %s), GET %s, list %+v", t0, ev.ETag, got, l)
	}
	e.do(http.MethodGet, proj+"/env/NOPE", u.token, nil).problem(http.StatusNotFound)
	e.doHeaders(http.MethodPut, proj+"/env/NOPE/stages/test", u.token, map[string]any{"value": "x"}, ifMatchHdr(t0)).
		problem(http.StatusNotFound)

	// the current tag sets values on several stages; the answer's ETag is GET's
	t1 := e.doHeaders(http.MethodPut, path, u.token, map[string]any{"values": map[string]string{"prod": "p", "test": "a2"}},
		ifMatchHdr(t0)).ok(&ev).etag()
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != t1 || t1 == t0 || ev.Values["prod"] != "p" {
		t.Fatalf("PUT answered %s %+v, GET %s", t1, ev, got)
	}
	// an old tag writes nothing, on any of the variable's writes
	wantChanged(t, e.doHeaders(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": "lost"}, ifMatchHdr(t0)), t1)
	wantChanged(t, e.doHeaders(http.MethodPut, path, u.token, map[string]any{"values": map[string]string{"test": "lost"}}, ifMatchHdr(t0)), t1)
	wantChanged(t, e.doHeaders(http.MethodDelete, path+"/stages/prod", u.token, nil, ifMatchHdr(t0)), t1)
	wantChanged(t, e.doHeaders(http.MethodDelete, path, u.token, nil, ifMatchHdr(t0)), t1)
	ev = EnvVarView{}
	e.do(http.MethodGet, path, u.token, nil).ok(&ev)
	if ev.Values["test"] != "a2" || ev.Values["prod"] != "p" {
		t.Fatalf("refused writes changed the variable: %+v", ev.Values)
	}
	wantFields(t, e.doHeaders(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": "x"},
		ifMatchHdr("W/")).problem(http.StatusBadRequest), "header.if-match")

	// a write without If-Match, even of the same value, changes the tag
	t2 := e.do(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": "a2"}).ok(nil).etag()
	if t2 == t1 {
		t.Fatal("rewriting a value kept the variable's ETag")
	}
	wantChanged(t, e.doHeaders(http.MethodPut, path+"/stages/prod", u.token, map[string]any{"value": "lost"}, ifMatchHdr(t1)), t2)
	t3 := e.doHeaders(http.MethodPut, path+"/stages/prod", u.token, map[string]any{"value": "p2"}, ifMatchHdr("*")).ok(nil).etag()

	// deleting one stage's value answers the tag of what is left
	e.doHeaders(http.MethodDelete, path+"/stages/nope", u.token, nil, ifMatchHdr(t3)).problem(http.StatusNotFound)
	r := e.doHeaders(http.MethodDelete, path+"/stages/prod", u.token, nil, ifMatchHdr(t3)).status(http.StatusNoContent)
	t4 := r.etag()
	var left EnvVarView
	if got := e.do(http.MethodGet, path, u.token, nil).ok(&left).etag(); got != t4 || len(left.Values) != 1 {
		t.Fatalf("DELETE answered %s, GET %s %+v", t4, got, left.Values)
	}
	e.doHeaders(http.MethodDelete, path+"/stages/prod", u.token, nil, ifMatchHdr(t4)).problem(http.StatusNotFound)

	// parallel writes on one tag: one wins
	statuses := raceStatuses(6, func(i int) int {
		return e.doHeaders(http.MethodPut, path+"/stages/"+[]string{"test", "prod"}[i%2], u.token,
			map[string]any{"value": fmt.Sprint(i)}, ifMatchHdr(t4)).Status
	})
	if countStatus(statuses, http.StatusOK) != 1 || countStatus(statuses, http.StatusPreconditionFailed) != 5 {
		t.Fatalf("parallel PUTs answered %v; want one 200 and 412s", statuses)
	}
	t5 := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag()
	wantDeleteIfMatch(t, e, path, u.token, t4, t5)
}

func TestSecretIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Secret tags")
	for _, s := range []string{"test", "prod"} {
		e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": s}).status(http.StatusCreated)
	}
	const value = "hunter2-very-secret"
	var seen []*response
	keep := func(r *response) *response { seen = append(seen, r); return r }
	path := proj + "/secrets/TOKEN"

	t0 := keep(e.do(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": value})).status(http.StatusNoContent).etag()
	var sv SecretView
	if got := keep(e.do(http.MethodGet, path, u.token, nil)).ok(&sv).etag(); got != t0 || sv.ETag != t0 ||
		len(sv.Stages) != 1 || sv.Stages[0] != "test" {
		t.Fatalf("PUT answered %s, GET %s %+v", t0, got, sv)
	}
	var l []SecretView
	keep(e.do(http.MethodGet, proj+"/secrets", u.token, nil)).ok(&l)
	if len(l) != 1 || l[0].ETag != t0 {
		t.Fatalf("listed %+v, want etag %s", l, t0)
	}
	e.do(http.MethodGet, proj+"/secrets/NOPE", u.token, nil).problem(http.StatusNotFound)

	// the current tag replaces the value and answers the new tag
	t1 := keep(e.doHeaders(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": value + "2"}, ifMatchHdr(t0))).
		status(http.StatusNoContent).etag()
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != t1 || t1 == t0 {
		t.Fatalf("PUT answered %s (was %s), GET %s", t1, t0, got)
	}
	// the old tag writes nothing
	keep(e.doHeaders(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": value}, ifMatchHdr(t0)))
	wantChanged(t, seen[len(seen)-1], t1)
	wantChanged(t, keep(e.doHeaders(http.MethodPut, path+"/stages/prod", u.token, map[string]any{"value": value}, ifMatchHdr(t0))), t1)
	wantChanged(t, keep(e.doHeaders(http.MethodDelete, path+"/stages/test", u.token, nil, ifMatchHdr(t0))), t1)
	wantChanged(t, keep(e.doHeaders(http.MethodDelete, path, u.token, nil, ifMatchHdr(t0))), t1)
	k := store.ProjectKey{Tenant: u.tenant, Project: strings.TrimPrefix(proj, "/tenants/"+u.tenant+"/projects/")}
	if si, _, err := e.db.Store.SecretState(t.Context(), k, "TOKEN"); err != nil || len(si.Stages) != 1 {
		t.Fatalf("refused writes changed the secret: %+v %v", si, err)
	}
	if ct, err := e.db.Store.GetSecretValue(t.Context(), k, "TOKEN", "test"); err != nil || len(ct) == 0 {
		t.Fatalf("secret value: %v", err)
	}
	wantFields(t, e.doHeaders(http.MethodDelete, path, u.token, nil, ifMatchHdr("abc")).problem(http.StatusBadRequest), "header.if-match")

	// * writes whatever it is now; the answer of a stage's deletion is the tag of what is left
	t2 := keep(e.doHeaders(http.MethodPut, path+"/stages/prod", u.token, map[string]any{"value": value}, ifMatchHdr("*"))).
		status(http.StatusNoContent).etag()
	t3 := keep(e.doHeaders(http.MethodDelete, path+"/stages/prod", u.token, nil, ifMatchHdr(t2))).status(http.StatusNoContent).etag()
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != t3 || t3 == t2 {
		t.Fatalf("DELETE answered %s, GET %s", t3, got)
	}

	// parallel replacements on one tag: one wins
	statuses := raceStatuses(6, func(i int) int {
		return e.doHeaders(http.MethodPut, path+"/stages/test", u.token, map[string]any{"value": fmt.Sprint(value, i)}, ifMatchHdr(t3)).Status
	})
	if countStatus(statuses, http.StatusNoContent) != 1 || countStatus(statuses, http.StatusPreconditionFailed) != 5 {
		t.Fatalf("parallel PUTs answered %v; want one 204 and 412s", statuses)
	}
	t4 := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag()
	wantDeleteIfMatch(t, e, path, u.token, t3, t4)

	// no answer carries the value, in its body or its headers (the tag included)
	for _, r := range seen {
		if strings.Contains(string(r.Body), "hunter2") || strings.Contains(fmt.Sprint(r.Header), "hunter2") {
			t.Errorf("an answer shows the secret's value: %s %v", r, r.Header)
		}
	}
}

func TestAPIKeyIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Key tags")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	var nk NewAPIKey
	e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]any{"label": "ci"}).status(http.StatusCreated).ok(&nk)
	path := proj + "/api-keys/" + nk.ID

	var kv APIKeyView
	tag0 := e.do(http.MethodGet, path, u.token, nil).ok(&kv).etag()
	var l List[APIKeyView]
	e.do(http.MethodGet, proj+"/api-keys", u.token, nil).ok(&l)
	if kv.ETag != tag0 || nk.ETag != tag0 || len(l.Items) != 1 || l.Items[0].ETag != tag0 {
		t.Fatalf("GET ETag %s; body %s, created %s, listed %+v", tag0, kv.ETag, nk.ETag, l.Items)
	}
	if strings.Contains(tag0, nk.Key) || strings.Contains(string(e.do(http.MethodGet, path, u.token, nil).Body), nk.Key) {
		t.Fatal("a GET shows the key")
	}
	e.do(http.MethodGet, proj+"/api-keys/"+newRequestID(), u.token, nil).problem(http.StatusNotFound)

	// the current tag relabels and answers the new tag
	tag1 := e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "deploy"}, ifMatchHdr(tag0)).ok(&kv).etag()
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != tag1 || tag1 == tag0 || kv.Label != "deploy" {
		t.Fatalf("PATCH answered %s %+v, GET %s", tag1, kv, got)
	}
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "lost"}, ifMatchHdr(tag0)), tag1)
	// using the key changes what GET shows (last_used_at), so its tag
	if err := e.db.Store.TouchLastUsed(t.Context(), k, nk.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	tag2 := e.do(http.MethodGet, path, u.token, nil).ok(&kv).etag()
	if tag2 == tag1 || kv.LastUsedAt == nil || kv.Label != "deploy" {
		t.Fatalf("after use: %s %+v", tag2, kv)
	}
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "lost"}, ifMatchHdr(tag1)), tag2)
	wantFields(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "lost"},
		ifMatchHdr(`"unterminated`)).problem(http.StatusBadRequest), "header.if-match")
	e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "star"}, ifMatchHdr("*")).ok(nil)
	tag3 := e.do(http.MethodPatch, path, u.token, map[string]any{"label": "plain"}).ok(nil).etag()

	// parallel relabels on one tag: one wins
	statuses := raceStatuses(6, func(i int) int {
		return e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": fmt.Sprint("l", i)}, ifMatchHdr(tag3)).Status
	})
	if countStatus(statuses, http.StatusOK) != 1 || countStatus(statuses, http.StatusPreconditionFailed) != 5 {
		t.Fatalf("parallel PATCHes answered %v; want one 200 and 412s", statuses)
	}
	tag4 := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag()

	// revoke: a stale tag keeps the key working, the current one revokes it
	hash := auth.HashAPIKey(nk.Key)
	wantChanged(t, e.doHeaders(http.MethodDelete, path, u.token, nil, ifMatchHdr(tag3)), tag4)
	if _, err := e.db.Store.LookupAPIKey(t.Context(), hash); err != nil {
		t.Fatalf("a refused revoke removed the key's lookup: %v", err)
	}
	wantDeleteIfMatch(t, e, path, u.token, tag3, tag4)
	if _, err := e.db.Store.LookupAPIKey(t.Context(), hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a revoked key is still looked up: %v", err)
	}
	e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"label": "gone"}, ifMatchHdr(tag4)).problem(http.StatusNotFound)
}

// Deletes and renames of one stage sent at once with one ETag: exactly one goes on; a
// refused delete has unpublished nothing.
func TestStageDeleteOrRenameParallelOneWins(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Stage race 2")
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "test"}).status(http.StatusCreated)
	_, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "Pub", "document": chainDoc(t, 2, "p")})
	e.do(http.MethodPost, proj+"/flows/"+f.ID+"/publish", u.token, map[string]any{"stage": "test"}).ok(nil)
	tag := e.do(http.MethodGet, proj+"/stages/test", u.token, nil).ok(nil).etag()

	const n = 6
	statuses := raceStatuses(n, func(i int) int {
		if i%2 == 0 {
			return e.doHeaders(http.MethodDelete, proj+"/stages/test", u.token, nil, ifMatchHdr(tag)).Status
		}
		return e.doHeaders(http.MethodPatch, proj+"/stages/test", u.token, map[string]any{"name": fmt.Sprintf("r%d", i)}, ifMatchHdr(tag)).Status
	})
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusOK, http.StatusNoContent:
			if won >= 0 {
				t.Fatalf("answered %v: more than one won", statuses)
			}
			won = i
		case http.StatusPreconditionFailed, http.StatusNotFound:
		default:
			t.Fatalf("answered %v", statuses)
		}
	}
	if won < 0 {
		t.Fatalf("answered %v: none won", statuses)
	}
	var st []StageView
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(&st)
	want := []string{"mock"}
	if won%2 == 1 {
		want = append(want, fmt.Sprintf("r%d", won))
	}
	if got := stageNames(st); !slices.Equal(got, want) {
		t.Fatalf("stages after the race %v; want %v (request %d won: %v)", got, want, won, statuses)
	}
	if won%2 == 1 {
		bs, err := e.db.Store.ListStageBindings(t.Context(), k, want[1])
		if err != nil || len(bs) != 1 {
			t.Fatalf("the renamed stage's publications %+v %v", bs, err)
		}
	}
}
