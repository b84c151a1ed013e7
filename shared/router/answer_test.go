package router_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A flow answer larger than Lambda's 6 MB response limit is a problem naming the run, not
// an invocation Lambda fails: the caller got API Gateway's bare {"message": "Internal
// Server Error"} and no run id, while the run was recorded as answering 200.
func TestAnswerOverLambdaLimitIsAProblem(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "{{ route.body }}{{ route.body }}", "body_type": "text"}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	ev := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "text/plain"},
		strings.Repeat("x", 3_300_000))
	resp, err := fx.r.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || resp.Headers["x-run-id"] == "" || !strings.Contains(resp.Body, "6 MB") {
		t.Fatalf("%d %v %.300s", resp.StatusCode, resp.Headers, resp.Body)
	}
	// an answer under the limit still goes out as it is
	ev.Body = strings.Repeat("x", 2_000_000)
	resp, _ = fx.r.Handle(context.Background(), ev)
	if resp.StatusCode != 200 || len(resp.Body) != 4_000_000 {
		t.Fatalf("%d %d bytes", resp.StatusCode, len(resp.Body))
	}
}

// A host that names no project and stage (a mistyped my-shop--dev) falls back to the path
// form; when that names nothing either, the 404 says what was wrong with the host: it
// said only that a project named after the path's first part ("hello") had nothing
// published on a stage named after its second.
func TestMistypedHostSaysWhy(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop--dev.example.com", "/hello/a/1", "", nil, ""))
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	if !strings.Contains(resp.Body, "my-shop--dev.example.com") || !strings.Contains(resp.Body, `"header.host"`) {
		t.Errorf("the 404 does not say what was wrong with the host: %s", resp.Body)
	}
	// the path form itself still works
	resp, _ = fx.r.Handle(context.Background(), request("GET", "abc.execute-api.us-east-1.amazonaws.com", "/my-shop/dev/hello/a/1", "", nil, ""))
	if resp.StatusCode != 200 {
		t.Errorf("path form: %d %s", resp.StatusCode, resp.Body)
	}
}
