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

// Cookies are read as RFC 6265 and Go's net/http read them: of two cookies of one name the
// first wins (browsers send the one with the longer path first), and a value in double
// quotes is the value inside them. The router kept the last one and the quotes.
func TestCookiesFirstWinsAndQuotesAreRemoved(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "{{ route.cookies }}"}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	ev := request("GET", "my-shop-dev.example.com", "/hello/ada/42", "", nil, "")
	ev.Cookies = []string{"session=specific", "theme=\"dark\"", "session=general", " spaced = v ", "empty="}
	resp, err := fx.r.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	want := map[string]string{"session": "specific", "theme": "dark", "spaced": "v", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cookies = %q, want %q", got, want)
	}
}
