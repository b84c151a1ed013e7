package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Overwriting a route or schedule flow with a bundle flow that has no route or schedule (a
// bundle written by hand, or by a tool that leaves them out) keeps the flow's route and
// schedule: it took the default a created flow gets, moving a POST /in webhook to GET /hook
// and turning a daily Paris schedule into a disabled hourly one in UTC.

func TestHunt88OverwriteKeepsRouteAndSchedule(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	dst, _ := e.project(u, "Dest")
	rp, _ := e.flow(u, dst, map[string]any{"kind": "route", "name": "Hook", "route": map[string]any{"method": "POST", "segments": []any{seg("static", "in", "")}}})
	sp, _ := e.flow(u, dst, map[string]any{"kind": "schedule", "name": "Tick", "schedule": map[string]any{"cron": "0 3 * * *", "timezone": "Europe/Paris", "enabled": true}})
	b := map[string]any{"format": BundleFormat, "flows": []any{
		map[string]any{"name": "Hook", "kind": "route", "document": chainDoc(t, 2, "x")},
		map[string]any{"name": "Tick", "kind": "schedule", "document": chainDoc(t, 2, "y")}}}
	overwrite := []any{map[string]any{"index": 0, "action": "overwrite"}, map[string]any{"index": 1, "action": "overwrite"}}
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": overwrite}).ok(nil)
	var r RouteView
	e.do(http.MethodGet, rp+"/route", u.token, nil).ok(&r)
	if r.Method != "POST" || r.Pattern != "/in" {
		t.Errorf("route after an overwrite without one: %s %s, want POST /in", r.Method, r.Pattern)
	}
	var s ScheduleView
	e.do(http.MethodGet, sp+"/schedule", u.token, nil).ok(&s)
	if s.Cron != "0 3 * * *" || s.Timezone != "Europe/Paris" || !s.Enabled {
		t.Errorf("schedule after an overwrite without one: %+v", s)
	}
	var f FlowDetail
	e.do(http.MethodGet, rp, u.token, nil).ok(&f)
	if mustJSON(t, f.Draft.Document) != mustJSON(t, chainDoc(t, 2, "x")) {
		t.Errorf("the draft was not overwritten")
	}
	// the route it keeps is still taken: a created bundle flow asking for it is refused
	b["flows"] = append(b["flows"].([]any), map[string]any{"name": "Other", "kind": "route", "document": chainDoc(t, 2, "z"),
		"route": map[string]any{"method": "POST", "segments": []any{seg("static", "in", "")}}})
	p := e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": overwrite}).problem(http.StatusConflict)
	wantFields(t, p, "body.bundle.flows[2].route")
	// a route given still replaces it
	b["flows"] = []any{map[string]any{"name": "Hook", "kind": "route", "document": chainDoc(t, 2, "x"),
		"route": map[string]any{"method": "PUT", "segments": []any{seg("static", "put", "")}}}}
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": overwrite[:1]}).ok(nil)
	e.do(http.MethodGet, rp+"/route", u.token, nil).ok(&r)
	if r.Method != "PUT" || r.Pattern != "/put" {
		t.Errorf("route after an overwrite with one: %s %s, want PUT /put", r.Method, r.Pattern)
	}
}

func TestHunt88ImportedRouteFromDocument(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	dst, _ := e.project(u, "Dest")
	doc, err := os.ReadFile("../../examples/hello-route.json")
	if err != nil {
		t.Fatal(err)
	}
	b := map[string]any{"format": BundleFormat, "flows": []any{
		map[string]any{"name": "Greeter", "kind": "route", "document": json.RawMessage(doc)}}}
	var res ImportResult
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b}).ok(&res)
	var r RouteView
	e.do(http.MethodGet, dst+"/flows/"+res.Items[0].Flow+"/route", u.token, nil).ok(&r)
	if r.Method != "GET" || r.Pattern != "/hello/{name}" {
		t.Errorf("imported route %s %s, want the document's GET /hello/{name}", r.Method, r.Pattern)
	}
	// the flow created from the same document through POST …/flows asks for the same route
	e.do(http.MethodPost, dst+"/flows", u.token, map[string]any{"kind": "route", "name": "Direct", "document": json.RawMessage(doc)}).
		problem(http.StatusConflict)
}

// Coverage of hostile bundles: an export naming one flow twice holds it once (and imports);
// a wrong or missing format, missing flows or document, more than 200 flows, and nesting deeper than JSON
// decoding takes are refused at the field (or the body) by preview and import alike;
// preview and import of a trashed project are 409 at path.project, its export works.
func TestHunt88HostileBundles(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	src, _ := e.project(u, "Source")
	_, f := e.flow(u, src, map[string]any{"kind": "service", "name": "Svc", "document": chainDoc(t, 2, "s")})
	var b Bundle
	e.do(http.MethodGet, src+"/export?flow="+f.ID+"&flow="+f.ID, u.token, nil).ok(&b)
	if len(b.Flows) != 1 {
		t.Fatalf("export of one flow named twice holds %d flows", len(b.Flows))
	}
	dst, _ := e.project(u, "Dest")
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b}).ok(nil)

	empty, _ := e.project(u, "Empty")
	for _, path := range []string{"/import", "/import/preview"} {
		for _, tc := range []struct {
			bundle any
			field  string
		}{
			{map[string]any{"format": "polysynergy/bundle@2", "flows": []any{}}, "body.bundle.format"},
			{map[string]any{"flows": []any{}}, "body.bundle.format"},
			{map[string]any{"format": BundleFormat}, "body.bundle.flows"},
			{map[string]any{"format": BundleFormat, "flows": []any{map[string]any{"name": "x", "kind": "service"}}}, "body.bundle.flows[0].document"},
		} {
			p := e.do(http.MethodPost, empty+path, u.token, map[string]any{"bundle": tc.bundle}).problem(http.StatusUnprocessableEntity)
			wantFields(t, p, tc.field)
		}
		many := make([]any, MaxBundleFlows+1)
		for i := range many {
			many[i] = map[string]any{"name": fmt.Sprintf("f%d", i), "kind": "service", "document": map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}}
		}
		wantFields(t, e.do(http.MethodPost, empty+path, u.token, map[string]any{"bundle": map[string]any{"format": BundleFormat, "flows": many}}).
			problem(http.StatusUnprocessableEntity), "body.bundle.flows")
		deep := `{"bundle":{"format":"polysynergy/bundle@1","flows":[{"name":"x","kind":"service","document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[],"x":` +
			strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}]}}`
		wantFields(t, e.do(http.MethodPost, empty+path, u.token, deep).problem(http.StatusBadRequest), "body")
	}
	var list List[FlowView]
	e.do(http.MethodGet, empty+"/flows", u.token, nil).ok(&list)
	if len(list.Items) != 0 {
		t.Fatalf("refused imports wrote %d flows", len(list.Items))
	}

	e.do(http.MethodPost, dst+"/trash", u.token, nil).ok(nil)
	for _, path := range []string{"/import", "/import/preview"} {
		p := e.do(http.MethodPost, dst+path, u.token, map[string]any{"bundle": b}).problem(http.StatusConflict)
		wantFields(t, p, "path.project")
	}
	e.do(http.MethodGet, dst+"/export", u.token, nil).ok(nil)
}

// Overwriting a published schedule flow by an import changes the schedule EventBridge
// Scheduler fires, as PUT …/schedule does: it kept firing the old cron (and a schedule the
// import disabled went on firing).
func TestHunt88ImportOverwriteSyncsPublishedSchedule(t *testing.T) {
	e := newEnv(t)
	fake, u, proj, _, name := e.publishedNightly(t)
	b := map[string]any{"format": BundleFormat, "flows": []any{map[string]any{"name": "Nightly", "kind": "schedule",
		"document": chainDoc(t, 3, "m"), "schedule": map[string]any{"cron": "@daily", "timezone": "UTC", "enabled": false}}}}
	e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 0, "action": "overwrite"}}}).ok(nil)
	last := fake.bodies[len(fake.bodies)-1]
	if fake.calls[len(fake.calls)-1] != "PUT "+name || last["ScheduleExpression"] != "cron(0 0 * * ? *)" || last["State"] != "DISABLED" {
		t.Fatalf("after the import the scheduler holds %v %v", fake.calls, last)
	}
	// an overwrite without a schedule keeps it, and changes nothing in the scheduler
	calls := len(fake.calls)
	delete(b["flows"].([]any)[0].(map[string]any), "schedule")
	e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 0, "action": "overwrite"}}}).ok(nil)
	if len(fake.calls) != calls {
		t.Fatalf("an overwrite keeping the schedule called the scheduler: %v", fake.calls[calls:])
	}
}

// The preview shows what the import refuses for routes, as it shows name collisions: a
// bundle route flow whose method and path a project flow of another name has
// (route_taken_by), and two bundle flows with one route (same_route_as). It showed nothing,
// and the import it called clean was refused with 409 route-taken.
func TestHunt88PreviewShowsRouteConflicts(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	dst, _ := e.project(u, "Dest")
	_, existing := e.flow(u, dst, map[string]any{"kind": "route", "name": "Existing",
		"route": map[string]any{"method": "GET", "segments": []any{seg("static", "hello", "")}}})
	e.flow(u, dst, map[string]any{"kind": "route", "name": "Same", "route": map[string]any{"method": "GET", "segments": []any{seg("static", "same", "")}}})
	route := func(path string) map[string]any {
		return map[string]any{"method": "GET", "segments": []any{seg("static", path, "")}}
	}
	b := map[string]any{"format": BundleFormat, "flows": []any{
		map[string]any{"name": "Other", "kind": "route", "document": chainDoc(t, 2, "x"), "route": route("hello")},
		map[string]any{"name": "Same", "kind": "route", "document": chainDoc(t, 2, "y"), "route": route("same")}, // its own: an overwrite keeps it
		map[string]any{"name": "Free", "kind": "route", "document": chainDoc(t, 2, "z"), "route": route("free")},
		map[string]any{"name": "Twin", "kind": "route", "document": chainDoc(t, 2, "w"), "route": route("free")},
		map[string]any{"name": "Svc", "kind": "service", "document": chainDoc(t, 2, "s")}}}
	var prev ImportPreview
	e.do(http.MethodPost, dst+"/import/preview", u.token, map[string]any{"bundle": b}).ok(&prev)
	it := prev.Items
	if it[0].RouteTakenBy == nil || it[0].RouteTakenBy.ID != existing.ID || it[0].SameRouteAs != nil {
		t.Errorf("item 0: %+v, want route_taken_by %s", it[0], existing.ID)
	}
	if it[1].RouteTakenBy != nil || it[1].Conflict == nil {
		t.Errorf("item 1 (the flow of its name has its route): %+v", it[1])
	}
	if it[2].RouteTakenBy != nil || it[2].SameRouteAs != nil || it[4].RouteTakenBy != nil || it[4].SameRouteAs != nil {
		t.Errorf("items 2, 4: %+v %+v", it[2], it[4])
	}
	if it[3].SameRouteAs == nil || *it[3].SameRouteAs != 2 {
		t.Errorf("item 3: %+v, want same_route_as 2", it[3])
	}
	// the import refuses what the preview shows, and takes the bundle once those are skipped
	items := []any{map[string]any{"index": 1, "action": "overwrite"}}
	p := e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": items}).problem(http.StatusConflict)
	wantFields(t, p, "body.bundle.flows[3].route")
	items = append(items, map[string]any{"index": 3, "action": "skip"})
	p = e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": items}).problem(http.StatusConflict)
	wantFields(t, p, "body.bundle.flows[0].route")
	items = append(items, map[string]any{"index": 0, "action": "skip"})
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": items}).ok(nil)
}
