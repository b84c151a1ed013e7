package router_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A query string is read as browsers and API Gateway read it: a ';' is part of a value
// and a '%' not followed by two hex digits stays as sent. Go's url.ParseQuery refuses
// both, and the router left such pairs out: ?tags=a;b and ?discount=100% reached the flow
// without tags or discount.
func TestQueryKeepsSemicolonsAndStrayPercents(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "{{ route.query_all }}"}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	raw := "tags=a;b&discount=100%&sum=1%2B1+%3D+2&pct=%zz&x=1&x=2&flag&=v&&caf%C3%A9=%E2%9C%93"
	ev := request("GET", "my-shop-dev.example.com", "/hello/ada/42", raw, nil, "")
	resp, err := fx.r.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	var got map[string][]string
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	want := map[string][]string{"tags": {"a;b"}, "discount": {"100%"}, "sum": {"1+1 = 2"}, "pct": {"%zz"},
		"x": {"1", "2"}, "flag": {""}, "": {"v"}, "café": {"✓"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query_all = %v, want %v", got, want)
	}
}
