package cloud_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/local/cloud"
)

// calledFlowsEnv is a running local cloud with a signed-in user's project (slug) and its dev
// stage, for the flow-calling tests.
type calledFlowsEnv struct {
	cloud *cloud.Cloud
	api   *client
	pbase string
}

func newCalledFlowsEnv(t *testing.T, email, slug string) *calledFlowsEnv {
	t.Helper()
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	api, _, pbase := stagedProject(t, c, seen, email, slug, slug, "dev")
	return &calledFlowsEnv{cloud: c, api: api, pbase: pbase}
}

// flowNode and chainLink build flow document parts.
func flowNode(id, typ string, x float64, values map[string]any) map[string]any {
	return map[string]any{"id": id, "handle": id, "type": typ, "position": map[string]any{"x": x, "y": 0}, "values": values}
}

func chainLink(from, to string) map[string]any {
	return map[string]any{"from": map[string]any{"node": from, "port": "true_path"}, "to": map[string]any{"node": to, "port": "node"}}
}

// A published route calls a service flow with a Call flow node: the route answers with what
// the called flow exited with, from the version published on the route's stage.
func TestLocalCloudCallFlow(t *testing.T) {
	e := newCalledFlowsEnv(t, "grace@example.com", "calls")
	c, api, pbase := e.cloud, e.api, e.pbase
	node, link := flowNode, chainLink
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

// A published route that fails starts its error flow: the failed request's answer comes
// after the error flow ran, and the error flow's run (trigger "error") names the failure.
func TestLocalCloudErrorFlow(t *testing.T) {
	e := newCalledFlowsEnv(t, "linus@example.com", "errs")
	c, api, pbase := e.cloud, e.api, e.pbase
	node, link := flowNode, chainLink
	var handler struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "service", "name": "alert", "document": map[string]any{
		"schema": "polysynergy/flow@1",
		"nodes": []any{node("input", "flow.input", 0, nil),
			node("log", "debug.log", 200, map[string]any{"message": "{{ input.input.flow.name }}: {{ input.input.error.error }}"})},
		"connections": []any{link("input", "log")}}}, 201, &handler)
	api.do("POST", pbase+"/flows/"+handler.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)
	var route struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "route", "name": "checkout", "document": map[string]any{
		"schema":      "polysynergy/flow@1",
		"nodes":       []any{node("route", "trigger.route", 0, nil), node("boom", "debug.fail", 200, map[string]any{"message": "payment declined"})},
		"connections": []any{link("route", "boom")}},
		"route": map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "pay"}}}}, 201, &route)
	api.do("PATCH", pbase+"/flows/"+route.ID, map[string]any{"error_flow": handler.ID}, 200, nil)
	api.do("POST", pbase+"/flows/"+route.ID+"/publish", map[string]any{"stage": "dev"}, 200, nil)

	if status, _ := trigger(t, c.Port(), "errs-dev.localhost", "/pay"); status != 500 {
		t.Fatalf("failing route: status %d, want 500", status)
	}
	var runs struct {
		Items []struct {
			ID, Status, Trigger, Stage string
		}
	}
	api.do("GET", pbase+"/flows/"+handler.ID+"/runs", nil, 200, &runs)
	if len(runs.Items) != 1 || runs.Items[0].Trigger != "error" || runs.Items[0].Status != "success" || runs.Items[0].Stage != "dev" {
		t.Fatalf("error flow runs = %+v, want one successful error run", runs.Items)
	}
	var detail struct {
		Nodes []struct {
			Node string
			Logs json.RawMessage
		}
	}
	api.do("GET", pbase+"/flows/"+handler.ID+"/runs/"+runs.Items[0].ID, nil, 200, &detail)
	logged := ""
	for _, n := range detail.Nodes {
		logged += string(n.Logs)
	}
	if !strings.Contains(logged, "checkout: ") || !strings.Contains(logged, "payment declined") {
		t.Fatalf("the error flow's log = %s, want the failed flow and its error", logged)
	}
}
