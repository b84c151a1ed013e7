package cloud_test

import (
	"context"
	"strings"
	"testing"
)

// A published route calls a service flow with a Call flow node: the route answers with what
// the called flow exited with, from the version published on the route's stage.
func TestLocalCloudCallFlow(t *testing.T) {
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	defer func() { _ = c.Close(context.Background()) }()
	api := &client{t: t, base: c.URL(), token: signIn(t, c.URL(), "grace@example.com"), seen: seen}
	var me struct {
		Memberships []struct{ Tenant string } `json:"memberships"`
	}
	api.do("GET", "/me", nil, 200, &me)
	var proj struct{ ID string }
	api.do("POST", "/tenants/"+me.Memberships[0].Tenant+"/projects", map[string]any{"name": "Calls", "slug": "calls"}, 201, &proj)
	pbase := "/tenants/" + me.Memberships[0].Tenant + "/projects/" + proj.ID
	api.do("POST", pbase+"/stages", map[string]any{"name": "dev"}, 201, nil)

	node := func(id, typ string, x float64, values map[string]any) map[string]any {
		return map[string]any{"id": id, "handle": id, "type": typ, "position": map[string]any{"x": x, "y": 0}, "values": values}
	}
	link := func(from, to string) map[string]any {
		return map[string]any{"from": map[string]any{"node": from, "port": "true_path"}, "to": map[string]any{"node": to, "port": "node"}}
	}
	var svc struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "service", "name": "with vat", "document": map[string]any{
		"schema": "polysynergy/flow@1",
		"nodes": []any{node("input", "flow.input", 0, nil),
			node("out", "control.exit", 200, map[string]any{"value": map[string]any{
				"net": "{{ input.input.amount }}", "gross": "{{ input.input.amount * 1.25 }}"}})},
		"connections": []any{link("input", "out")}}}, 201, &svc)

	var route struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "route", "name": "price", "document": map[string]any{
		"schema": "polysynergy/flow@1",
		"nodes": []any{node("route", "trigger.route", 0, nil),
			node("vat", "flow.call", 200, map[string]any{"flow_id": svc.ID, "input": map[string]any{"amount": "{{ route.params.amount }}"}}),
			node("reply", "http.response", 400, map[string]any{"body": "{{ vat.result }}"})},
		"connections": []any{link("route", "vat"), link("vat", "reply")}},
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "price"},
			map[string]any{"kind": "variable", "name": "amount", "type": "number"}}}}, 201, &route)
	// the called flow is not published on dev yet: publishing the route is refused and says why
	status, problem := api.try("POST", pbase+"/flows/"+route.ID+"/publish", map[string]any{"stage": "dev"}, nil)
	if status != 422 || !strings.Contains(string(problem), `not published on stage \"dev\"`) || !strings.Contains(string(problem), "/nodes/1/values/flow_id") {
		t.Fatalf("publishing before the called flow: %d %s", status, problem)
	}
	api.do("POST", pbase+"/flows/"+svc.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)
	api.do("POST", pbase+"/flows/"+route.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)
	status, body := trigger(t, c.Port(), "calls-dev.localhost", "/price/80")
	if status != 200 || !strings.Contains(body, `"gross":100`) || !strings.Contains(body, `"net":80`) {
		t.Fatalf("price: %d %s, want the called flow's result", status, body)
	}
}
