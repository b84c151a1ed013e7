package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

func TestExportImport(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	src, _ := e.project(u, "Source")
	_, rf := e.flow(u, src, map[string]any{"kind": "route", "name": "Hello", "document": chainDoc(t, 4, "h"),
		"route": map[string]any{"method": "POST", "segments": []any{seg("static", "hello", "")}}, "run_saving": "errors"})
	e.flow(u, src, map[string]any{"kind": "schedule", "name": "Tick", "document": chainDoc(t, 2, "t"),
		"schedule": map[string]any{"cron": "0 3 * * *", "timezone": "Europe/Paris", "enabled": true}})
	e.flow(u, src, map[string]any{"kind": "blueprint", "name": "BP", "document": chainDoc(t, 2, "b")})

	var all, one Bundle
	e.do(http.MethodGet, src+"/export", u.token, nil).ok(&all)
	if all.Format != BundleFormat || len(all.Flows) != 3 || all.Project != "Source" {
		t.Fatalf("export %+v", all)
	}
	e.do(http.MethodGet, src+"/export?flow="+rf.ID, u.token, nil).ok(&one)
	if len(one.Flows) != 1 || one.Flows[0].Route == nil || one.Flows[0].Route.Method != "POST" || one.Flows[0].RunSaving != "errors" {
		t.Fatalf("export one %+v", one)
	}
	p := e.do(http.MethodGet, src+"/export?flow=nope", u.token, nil).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "query.flow[0]")

	// Into an empty project: everything is created.
	dst, _ := e.project(u, "Dest")
	var prev ImportPreview
	e.do(http.MethodPost, dst+"/import/preview", u.token, map[string]any{"bundle": all}).ok(&prev)
	if len(prev.Items) != 3 || prev.Items[0].Conflict != nil {
		t.Fatalf("preview %+v", prev)
	}
	var res ImportResult
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": all}).ok(&res)
	if len(res.Items) != 3 || res.Items[0].Action != "create" || res.Items[0].Flow == "" {
		t.Fatalf("import %+v", res)
	}
	var r RouteView
	e.do(http.MethodGet, dst+"/flows/"+res.Items[0].Flow+"/route", u.token, nil).ok(&r)
	if r.Method != "POST" || r.Pattern != "/hello" {
		t.Errorf("imported route %+v", r)
	}
	var s ScheduleView
	e.do(http.MethodGet, dst+"/flows/"+res.Items[1].Flow+"/schedule", u.token, nil).ok(&s)
	if s.Cron != "0 3 * * *" || s.Timezone != "Europe/Paris" || !s.Enabled {
		t.Errorf("imported schedule %+v", s)
	}

	// Again: every flow collides by name.
	e.do(http.MethodPost, dst+"/import/preview", u.token, map[string]any{"bundle": all}).ok(&prev)
	for _, it := range prev.Items {
		if it.Conflict == nil || it.Conflict.Name != it.Name || it.SuggestedName != it.Name+" (2)" {
			t.Errorf("preview item %+v", it)
		}
	}
	p = e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": all}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[0].name", "body.bundle.flows[1].name", "body.bundle.flows[2].name")
	// Renaming a route flow keeps its route: 409, nothing written.
	p = e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": all, "items": []map[string]any{
		{"index": 0, "action": "rename"}, {"index": 1, "action": "skip"}, {"index": 2, "action": "skip"}}}).
		problem(http.StatusConflict)
	wantFields(t, p, "body.bundle.flows[0].route")
	// Overwrite the route flow, rename the schedule, skip the blueprint.
	all.Flows[0].Document = chainDoc(t, 6, "new")
	res = ImportResult{}
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": all, "items": []map[string]any{
		{"index": 0, "action": "overwrite"}, {"index": 1, "action": "rename", "name": "Tock"},
		{"index": 2, "action": "skip"}}}).ok(&res)
	if res.Items[0].Action != "overwrite" || res.Items[1].Name != "Tock" || res.Items[2].Flow != "" {
		t.Errorf("import with choices %+v", res)
	}
	var f FlowDetail
	e.do(http.MethodGet, dst+"/flows/"+res.Items[0].Flow, u.token, nil).ok(&f)
	if f.Draft.Revision != 2 || mustJSON(t, f.Draft.Document) != mustJSON(t, all.Flows[0].Document) {
		t.Errorf("overwritten draft rev %d", f.Draft.Revision)
	}
	var list List[FlowView]
	e.do(http.MethodGet, dst+"/flows", u.token, nil).ok(&list)
	if len(list.Items) != 4 {
		t.Errorf("flows after imports %d, want 4", len(list.Items))
	}
	// Bad bundles name each field; a kind mismatch cannot overwrite.
	p = e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": map[string]any{"format": "polysynergy/bundle@1",
		"flows": []map[string]any{{"name": " ", "kind": "route", "document": "x"}}}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[0].name", "body.bundle.flows[0].document")
	all.Flows[2].Kind = "service"
	p = e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": map[string]any{"format": BundleFormat,
		"flows": []BundleFlow{all.Flows[2]}}, "items": []map[string]any{{"index": 0, "action": "overwrite"}, {"index": 3, "action": "skip"}}}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[0].kind", "body.items[1].index")
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": map[string]any{"format": "zip", "flows": []any{}}}).
		problem(http.StatusUnprocessableEntity)
}

// Flows of a bundle that call each other keep calling each other after an import: the
// references follow the flows to their new ids (created), their targets (overwritten) or the
// project's flow of the same name (skipped); references outside the bundle stay as they are.
func TestImportRemapsCalledFlows(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	src, _ := e.project(u, "Source")
	_, callee := e.flow(u, src, map[string]any{"kind": "service", "name": "Lookup", "document": chainDoc(t, 2, "svc")})
	_, caller := e.flow(u, src, map[string]any{"kind": "service", "name": "Caller", "document": callerDoc(t, callee.ID, false)})
	_, outside := e.flow(u, src, map[string]any{"kind": "service", "name": "Outside", "document": callerDoc(t, "01ARZ3NDEKTSV4RRFFQ69G5FAV", false)})
	e.do(http.MethodPatch, src+"/flows/"+caller.ID, u.token, map[string]any{"error_flow": callee.ID}).ok(nil)
	var b Bundle
	e.do(http.MethodGet, src+"/export", u.token, nil).ok(&b)
	if len(b.Flows) != 3 {
		t.Fatalf("export has %d flows", len(b.Flows))
	}
	ids := map[string]string{}
	for _, f := range b.Flows {
		ids[f.Name] = f.ID
	}
	if ids["Lookup"] != callee.ID || ids["Caller"] != caller.ID || ids["Outside"] != outside.ID {
		t.Fatalf("exported ids %v", ids)
	}
	calls := func(project, flowID string) string {
		t.Helper()
		var d FlowDetail
		e.do(http.MethodGet, project+"/flows/"+flowID, u.token, nil).ok(&d)
		doc, err := flow.Decode(d.Draft.Document)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := doc.Nodes[1].Values["flow_id"].(string)
		return id
	}

	dst, _ := e.project(u, "Dest")
	var res ImportResult
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b}).ok(&res)
	got := map[string]string{}
	for _, it := range res.Items {
		got[it.Name] = it.Flow
	}
	if c := calls(dst, got["Caller"]); c != got["Lookup"] || c == callee.ID {
		t.Fatalf("the imported caller calls %q, want the imported Lookup %q", c, got["Lookup"])
	}
	if c := calls(dst, got["Outside"]); c != "01ARZ3NDEKTSV4RRFFQ69G5FAV" {
		t.Fatalf("a reference outside the bundle changed to %q", c)
	}
	var cf FlowDetail
	e.do(http.MethodGet, dst+"/flows/"+got["Caller"], u.token, nil).ok(&cf)
	if cf.ErrorFlow != got["Lookup"] {
		t.Fatalf("the imported caller's error flow is %q, want the imported Lookup %q", cf.ErrorFlow, got["Lookup"])
	}
	// exported alone, the error flow is dropped on import (it is no flow of the project)
	var alone Bundle
	e.do(http.MethodGet, src+"/export?flow="+caller.ID, u.token, nil).ok(&alone)
	if alone.Flows[0].ErrorFlow != callee.ID {
		t.Fatalf("export lost the error flow: %+v", alone.Flows[0])
	}
	lone, _ := e.project(u, "Lone")
	var lr ImportResult
	e.do(http.MethodPost, lone+"/import", u.token, map[string]any{"bundle": alone}).ok(&lr)
	e.do(http.MethodGet, lone+"/flows/"+lr.Items[0].Flow, u.token, nil).ok(&cf)
	if cf.ErrorFlow != "" {
		t.Fatalf("an error flow outside the bundle was kept: %q", cf.ErrorFlow)
	}

	// a flow that is its own error flow, or two flows with one id, are refused before
	// anything is written
	empty := json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[]}`)
	bad, _ := e.project(u, "Bad")
	for name, tc := range map[string]struct {
		flows []BundleFlow
		field string
	}{
		"own error flow": {[]BundleFlow{{ID: callee.ID, Name: "Self", Kind: "service", Document: empty, ErrorFlow: callee.ID}},
			"body.bundle.flows[0].error_flow"},
		"same id twice": {[]BundleFlow{{ID: callee.ID, Name: "One", Kind: "service", Document: empty},
			{ID: callee.ID, Name: "Two", Kind: "service", Document: empty}}, "body.bundle.flows[1].id"},
	} {
		bundle := Bundle{Format: b.Format, Flows: tc.flows}
		for _, path := range []string{"/import", "/import/preview"} {
			p := e.do(http.MethodPost, bad+path, u.token, map[string]any{"bundle": bundle}).problem(http.StatusUnprocessableEntity)
			wantFields(t, p, tc.field)
		}
		var list struct{ Items []store.Flow }
		e.do(http.MethodGet, bad+"/flows", u.token, nil).ok(&list)
		if len(list.Items) != 0 {
			t.Fatalf("%s: a refused import wrote %d flows", name, len(list.Items))
		}
	}

	// again, overwriting Caller and skipping Lookup: Caller calls the project's Lookup
	var again ImportResult
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 0, "action": "skip"}, map[string]any{"index": 1, "action": "overwrite"},
		map[string]any{"index": 2, "action": "skip"}}}).ok(&again)
	if c := calls(dst, got["Caller"]); c != got["Lookup"] {
		t.Fatalf("the overwritten caller calls %q, want %q", c, got["Lookup"])
	}
	// renaming both makes a second pair calling each other
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 0, "action": "rename"}, map[string]any{"index": 1, "action": "rename"},
		map[string]any{"index": 2, "action": "skip"}}}).ok(&again)
	if again.Items[0].Name != "Lookup (2)" || calls(dst, again.Items[1].Flow) != again.Items[0].Flow {
		t.Fatalf("renamed pair %+v: caller calls %q", again.Items, calls(dst, again.Items[1].Flow))
	}
}
