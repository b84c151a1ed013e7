package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// etag requires a strong ETag on the answer and returns it.
func (r *response) etag() string {
	r.t.Helper()
	et := r.Header.Get("ETag")
	if len(et) < 3 || !strings.HasPrefix(et, `"`) || !strings.HasSuffix(et, `"`) {
		r.t.Fatalf("no strong ETag (%q): %s", et, r)
	}
	return et
}

func ifMatchHdr(tag string) map[string]string { return map[string]string{"If-Match": tag} }

// wantChanged requires the 412 of an If-Match naming an old representation, with the
// current ETag.
func wantChanged(t *testing.T, r *response, current string) {
	t.Helper()
	p := r.problem(http.StatusPreconditionFailed)
	wantFields(t, p, "header.if-match")
	if p.Type != TypeChanged || p.CurrentETag != current || !strings.Contains(p.Detail, "changed since you read it") {
		t.Fatalf("412 problem %+v, want type %s and current_etag %s", p, TypeChanged, current)
	}
}

// wantDeleteIfMatch requires a DELETE of path with the old ETag to be refused and keep the
// resource, and one with the current ETag to delete it.
func wantDeleteIfMatch(t *testing.T, e *env, path, token, old, current string) {
	t.Helper()
	wantChanged(t, e.doHeaders(http.MethodDelete, path, token, nil, ifMatchHdr(old)), current)
	e.do(http.MethodGet, path, token, nil).ok(nil)
	e.doHeaders(http.MethodDelete, path, token, nil, ifMatchHdr(current)).status(http.StatusNoContent)
	e.do(http.MethodGet, path, token, nil).status(http.StatusNotFound)
}

func TestFlowETagAndIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Tags")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Helper", "document": chainDoc(t, 2, "a")})

	var f FlowDetail
	r := e.do(http.MethodGet, path, u.token, nil).ok(&f)
	tag0 := r.etag()
	if again := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); again != tag0 {
		t.Fatalf("ETag of an unchanged flow changed: %s → %s", tag0, again)
	}

	// a PATCH based on the current ETag wins; its answer's ETag is what GET shows next
	r = e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Renamed"}, ifMatchHdr(tag0)).ok(nil)
	tag1 := r.etag()
	if tag1 == tag0 {
		t.Fatal("the ETag did not change with the name")
	}
	if got := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag(); got != tag1 {
		t.Fatalf("PATCH answered ETag %s, GET shows %s", tag1, got)
	}

	// one based on the old ETag is refused and changes nothing
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Lost"}, ifMatchHdr(tag0)), tag1)
	// so is a weak tag, even of the current representation (If-Match compares strongly),
	// and a list none of whose tags is current
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Lost"}, ifMatchHdr("W/"+tag1)), tag1)
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Lost"}, ifMatchHdr(`"x", `+tag0)), tag1)
	e.do(http.MethodGet, path, u.token, nil).ok(&f)
	if f.Name != "Renamed" {
		t.Fatalf("a refused PATCH renamed the flow to %q", f.Name)
	}
	// a list holding the current tag matches
	tag2 := e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"retention": 7}, ifMatchHdr(tag0+", "+tag1)).ok(nil).etag()
	// a header that is no entity tag is a 400 naming it (not silently unconditional)
	p := e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"retention": 8}, ifMatchHdr(strings.Trim(tag2, `"`))).problem(http.StatusBadRequest)
	wantFields(t, p, "header.if-match")

	// saving the draft changes the flow's ETag: a PATCH read before the save is refused
	r = e.do(http.MethodGet, path, u.token, nil).ok(&f)
	if r.etag() != tag2 {
		t.Fatalf("GET ETag %s, the PATCH answered %s", r.etag(), tag2)
	}
	save := map[string]any{"document": chainDoc(t, 3, "b"), "revision": f.Draft.Revision}
	r = e.doHeaders(http.MethodPut, path+"/draft", u.token, save, ifMatchHdr(tag2)).ok(nil)
	tag3 := r.etag()
	if got := e.do(http.MethodGet, path, u.token, nil).ok(&f).etag(); got != tag3 {
		t.Fatalf("PUT draft answered ETag %s, GET shows %s", tag3, got)
	}
	wantChanged(t, e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Stale"}, ifMatchHdr(tag2)), tag3)
	// a draft save on an old ETag is refused even with the current revision, and saves nothing
	save = map[string]any{"document": chainDoc(t, 4, "c"), "revision": f.Draft.Revision}
	wantChanged(t, e.doHeaders(http.MethodPut, path+"/draft", u.token, save, ifMatchHdr(tag2)), tag3)
	// the current ETag with a stale revision is still the draft's 409
	stale := map[string]any{"document": chainDoc(t, 4, "c"), "revision": f.Draft.Revision - 1}
	e.doHeaders(http.MethodPut, path+"/draft", u.token, stale, ifMatchHdr(tag3)).problem(http.StatusConflict)
	var now FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&now)
	if now.Draft.Revision != f.Draft.Revision {
		t.Fatalf("a refused save changed the draft to revision %d", now.Draft.Revision)
	}

	// If-Match: * and no If-Match write whatever the flow is now
	e.doHeaders(http.MethodPatch, path, u.token, map[string]any{"name": "Star"}, ifMatchHdr("*")).ok(nil)
	tag4 := e.do(http.MethodPatch, path, u.token, map[string]any{"name": "Plain"}).ok(nil).etag()

	// DELETE: an old ETag keeps the flow, the current one deletes it
	wantDeleteIfMatch(t, e, path, u.token, tag3, tag4)
}

// Parallel writes based on the same ETag: exactly one wins, the others get 412 (the check
// is the write's DynamoDB condition, not a read before it).
func TestIfMatchParallelOneWins(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Race")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Racer"})
	ftag := e.do(http.MethodGet, path, u.token, nil).ok(nil).etag()
	ptag := e.do(http.MethodGet, proj, u.token, nil).ok(nil).etag()

	race := func(target, tag string, body func(i int) map[string]any) (won int, refused int) {
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = e.doHeaders(http.MethodPatch, target, u.token, body(i), ifMatchHdr(tag)).Status
			}()
		}
		close(start)
		wg.Wait()
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				won++
			case http.StatusPreconditionFailed:
				refused++
			default:
				t.Errorf("PATCH %s answered %d", target, s)
			}
		}
		return won, refused
	}
	if won, refused := race(path, ftag, func(i int) map[string]any { return map[string]any{"retention": 10 + i} }); won != 1 || refused != 7 {
		t.Fatalf("flow: %d won, %d refused; want 1 and 7", won, refused)
	}
	if won, refused := race(proj, ptag, func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Name %d", i)} }); won != 1 || refused != 7 {
		t.Fatalf("project: %d won, %d refused; want 1 and 7", won, refused)
	}
}

func TestProjectETagAndIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	tag0 := e.do(http.MethodGet, proj, u.token, nil).ok(nil).etag()

	// name and slug in one change, conditional
	var v ProjectView
	r := e.doHeaders(http.MethodPatch, proj, u.token, map[string]any{"name": "Shop 2", "slug": "shop-two"}, ifMatchHdr(tag0)).ok(&v)
	tag1 := r.etag()
	if v.Name != "Shop 2" || v.Slug != "shop-two" {
		t.Fatalf("patched %+v", v)
	}
	if got := e.do(http.MethodGet, proj, u.token, nil).ok(nil).etag(); got != tag1 {
		t.Fatalf("PATCH answered ETag %s, GET shows %s", tag1, got)
	}
	// an edit based on the old ETag changes nothing, not even the part that could apply
	wantChanged(t, e.doHeaders(http.MethodPatch, proj, u.token, map[string]any{"name": "Lost", "slug": "lost-slug"}, ifMatchHdr(tag0)), tag1)
	e.do(http.MethodGet, proj, u.token, nil).ok(&v)
	if v.Name != "Shop 2" || v.Slug != "shop-two" {
		t.Fatalf("a refused PATCH changed the project: %+v", v)
	}
	var chk SlugSuggestion
	e.do(http.MethodGet, "/tenants/"+u.tenant+"/project-slug?slug=lost-slug", u.token, nil).ok(&chk)
	if !chk.Available {
		t.Fatal("a refused PATCH claimed its slug")
	}

	// trash answers the new ETag; DELETE needs the current one
	tag2 := e.do(http.MethodPost, proj+"/trash", u.token, nil).ok(nil).etag()
	if tag2 == tag1 {
		t.Fatal("trashing did not change the ETag")
	}
	wantDeleteIfMatch(t, e, proj, u.token, tag1, tag2)
}

// A slug freed by a slug change or a deletion stays the freeing tenant's for 30 days:
// another tenant is refused with a 409 naming body.slug and when it frees; the tenant takes
// it back at once.
func TestFreedSlugReservedAPI(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice")
	bob := e.signIn("bob")
	var p ProjectView
	e.do(http.MethodPost, "/tenants/"+alice.tenant+"/projects", alice.token, map[string]string{"name": "Shop", "slug": "shop"}).
		status(http.StatusCreated).ok(&p)
	proj := "/tenants/" + alice.tenant + "/projects/" + p.ID
	e.do(http.MethodPatch, proj, alice.token, map[string]any{"slug": "shop-new"}).ok(nil)

	bobs := "/tenants/" + bob.tenant + "/projects"
	r := e.do(http.MethodPost, bobs, bob.token, map[string]string{"name": "Mine", "slug": "shop"})
	prob := r.problem(http.StatusConflict)
	wantFields(t, prob, "body.slug")
	if prob.Type != TypeSlugReserved || prob.AvailableAt == nil || prob.AvailableAt.Sub(time.Now()) < 29*24*time.Hour ||
		!strings.Contains(prob.Errors[0].Message, "reserved until") {
		t.Fatalf("reserved slug problem %s", r.Body)
	}
	var chk SlugSuggestion
	e.do(http.MethodGet, "/tenants/"+bob.tenant+"/project-slug?slug=shop", bob.token, nil).ok(&chk)
	if chk.Available || chk.ReservedUntil == nil {
		t.Fatalf("for bob: %+v", chk)
	}
	// bob's own project cannot move there either
	var bp ProjectView
	e.do(http.MethodPost, bobs, bob.token, map[string]string{"name": "Other", "slug": "bob-shop"}).status(http.StatusCreated).ok(&bp)
	wantFields(t, e.do(http.MethodPatch, bobs+"/"+bp.ID, bob.token, map[string]any{"slug": "shop"}).problem(http.StatusConflict), "body.slug")
	// a name whose suggestion is reserved gets another slug
	var sp ProjectView
	e.do(http.MethodPost, bobs, bob.token, map[string]string{"name": "Shop"}).status(http.StatusCreated).ok(&sp)
	if sp.Slug == "shop" {
		t.Fatal("a suggested slug took the reserved one")
	}

	// alice takes it back at once
	e.do(http.MethodGet, "/tenants/"+alice.tenant+"/project-slug?slug=shop", alice.token, nil).ok(&chk)
	if !chk.Available {
		t.Fatalf("for alice: %+v", chk)
	}
	e.do(http.MethodPatch, proj, alice.token, map[string]any{"slug": "shop"}).ok(&p)
	if p.Slug != "shop" {
		t.Fatalf("slug %q", p.Slug)
	}
}

func TestRouteAndScheduleIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Triggers")
	rpath, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Hello"})
	spath, _ := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Tick", "document": chainDoc(t, 2, "n")})
	// published, so that it fires and lists next runs
	e.do(http.MethodPost, spath+"/publish", u.token, map[string]any{"stage": "mock"}).status(http.StatusOK)

	route := func(v string) map[string]any {
		return map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": v}}}
	}
	r0 := e.do(http.MethodGet, rpath+"/route", u.token, nil).ok(nil).etag()
	r1 := e.doHeaders(http.MethodPut, rpath+"/route", u.token, route("one"), ifMatchHdr(r0)).ok(nil).etag()
	if got := e.do(http.MethodGet, rpath+"/route", u.token, nil).ok(nil).etag(); got != r1 || r1 == r0 {
		t.Fatalf("route ETags %s → PUT %s, GET %s", r0, r1, got)
	}
	wantChanged(t, e.doHeaders(http.MethodPut, rpath+"/route", u.token, route("two"), ifMatchHdr(r0)), r1)
	var rv RouteView
	e.do(http.MethodGet, rpath+"/route", u.token, nil).ok(&rv)
	if rv.Pattern != "/one" {
		t.Fatalf("a refused PUT changed the route to %s", rv.Pattern)
	}
	e.do(http.MethodPut, rpath+"/route", u.token, route("three")).ok(nil) // no If-Match: as before

	sched := func(cron string) map[string]any { return map[string]any{"cron": cron, "enabled": true} }
	s0 := e.do(http.MethodGet, spath+"/schedule", u.token, nil).ok(nil).etag()
	s1 := e.doHeaders(http.MethodPut, spath+"/schedule", u.token, sched("*/5 * * * *"), ifMatchHdr(s0)).ok(nil).etag()
	if got := e.do(http.MethodGet, spath+"/schedule", u.token, nil).ok(nil).etag(); got != s1 || s1 == s0 {
		t.Fatalf("schedule ETags %s → PUT %s, GET %s", s0, s1, got)
	}
	wantChanged(t, e.doHeaders(http.MethodPut, spath+"/schedule", u.token, sched("0 0 * * *"), ifMatchHdr(s0)), s1)
	var sv ScheduleView
	e.do(http.MethodGet, spath+"/schedule", u.token, nil).ok(&sv)
	if sv.Cron != "*/5 * * * *" {
		t.Fatalf("a refused PUT changed the schedule to %q", sv.Cron)
	}
	// a fire time passing changes next_runs, not the schedule: its tag stays, and a save over
	// it goes through (it changed every five minutes, refusing an open form's save)
	e.clock = e.clock.Add(10 * time.Minute)
	var later ScheduleView
	if got := e.do(http.MethodGet, spath+"/schedule", u.token, nil).ok(&later).etag(); got != s1 ||
		len(later.NextRuns) == 0 || later.NextRuns[0].Equal(sv.NextRuns[0]) {
		t.Fatalf("after fire times passed: ETag %s (was %s), next runs %v (were %v)", got, s1, later.NextRuns, sv.NextRuns)
	}
	e.doHeaders(http.MethodPut, spath+"/schedule", u.token, sched("*/10 * * * *"), ifMatchHdr(s1)).ok(nil)

	// parallel PUTs on one ETag: exactly one wins
	tag := e.do(http.MethodGet, rpath+"/route", u.token, nil).ok(nil).etag()
	const n = 6
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = e.doHeaders(http.MethodPut, rpath+"/route", u.token, route(fmt.Sprintf("p%d", i)), ifMatchHdr(tag)).Status
		}()
	}
	close(start)
	wg.Wait()
	won, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
			refused++
		}
	}
	if won != 1 || refused != n-1 {
		t.Fatalf("parallel route PUTs answered %v; want one 200 and the rest 412", statuses)
	}
}

func TestTenantRenameIfMatch(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant
	t0 := e.do(http.MethodGet, base, u.token, nil).ok(nil).etag()
	t1 := e.doHeaders(http.MethodPatch, base, u.token, map[string]any{"name": "Acme"}, ifMatchHdr(t0)).ok(nil).etag()
	if got := e.do(http.MethodGet, base, u.token, nil).ok(nil).etag(); got != t1 || t1 == t0 {
		t.Fatalf("tenant ETags %s → PATCH %s, GET %s", t0, t1, got)
	}
	wantChanged(t, e.doHeaders(http.MethodPatch, base, u.token, map[string]any{"name": "Lost"}, ifMatchHdr(t0)), t1)
	var v TenantView
	e.do(http.MethodGet, base, u.token, nil).ok(&v)
	if v.Name != "Acme" {
		t.Fatalf("a refused PATCH renamed the tenant to %q", v.Name)
	}
}
