package api

import (
	"net/http"
	"strings"
	"testing"
)

// Publishing warns about each secret and environment variable the flow names that has no
// value on the stage (the node reading it would fail), at the value naming it; once the
// values are set, or on a stage that has them, there are none.
func TestPublishWarnsAboutSecretsAndVariablesTheStageLacks(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Refs")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]string{"name": "live"}).status(http.StatusCreated)
	doc := map[string]any{"schema": "polysynergy/flow@1",
		"nodes": []any{docNode("n0", "entry", "flow.input", nil),
			docNode("n1", "log", "debug.log", map[string]any{"message": "token <secret:API_TOKEN> in {{ env.REGION }}"}),
			docNode("n2", "key", "variable.secret", map[string]any{"key": "STRIPE_KEY"})},
		"connections": []any{pathConn("n0", "n1"), pathConn("n1", "n2")}}
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Uses keys", "document": doc})

	var res PublishResult
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "live"}).ok(&res)
	want := []struct{ path, node, msg string }{
		{"/nodes/1/values/message", "log", `secret "API_TOKEN" has no value on stage "live": "log" fails when it reads it; set the secret for "live" in the project's secrets`},
		{"/nodes/1/values/message", "log", `environment variable "REGION" has no value on stage "live": "log" fails when it reads it`},
		{"/nodes/2/values/key", "key", `secret "STRIPE_KEY" has no value on stage "live"`},
	}
	if len(res.Warnings) != len(want) {
		t.Fatalf("warnings %+v", res.Warnings)
	}
	for i, w := range want {
		g := res.Warnings[i]
		if g.Path != w.path || g.Node != w.node || !strings.Contains(g.Message, w.msg) {
			t.Errorf("warning %d: %+v, want %+v", i, g, w)
		}
	}
	// a value on another stage does not count
	e.do(http.MethodPut, proj+"/secrets/API_TOKEN/stages/mock", u.token, map[string]string{"value": "m"}).status(http.StatusNoContent)
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "live"}).ok(&res)
	if len(res.Warnings) != 3 {
		t.Fatalf("after a mock value: %+v", res.Warnings)
	}
	for _, p := range []string{"/secrets/API_TOKEN/stages/live", "/secrets/STRIPE_KEY/stages/live"} {
		e.do(http.MethodPut, proj+p, u.token, map[string]string{"value": "v"}).status(http.StatusNoContent)
	}
	e.do(http.MethodPut, proj+"/env/REGION/stages/live", u.token, map[string]string{"value": "eu"}).status(http.StatusOK)
	r := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "live"}).ok(nil)
	if strings.Contains(string(r.Body), `"warnings"`) || strings.Contains(string(r.Body), `"v"`) {
		t.Fatalf("publish with every value set: %s", r.Body)
	}
}

// docNode is a node of a flow document, at the origin.
func docNode(id, handle, typ string, values map[string]any) map[string]any {
	n := map[string]any{"id": id, "handle": handle, "type": typ, "position": map[string]any{"x": 0, "y": 0}}
	if values != nil {
		n["values"] = values
	}
	return n
}

// pathConn connects from's true path to to's node input.
func pathConn(from, to string) map[string]any {
	return map[string]any{"from": map[string]any{"node": from, "port": "true_path"}, "to": map[string]any{"node": to, "port": "node"}}
}
