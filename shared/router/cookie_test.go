package router_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// Cookies are read as RFC 6265 and Go's net/http read them: of two cookies of one name the
// first wins (browsers send the one with the longer path first), and a value in double
// quotes is the value inside them. The router kept the last one and the quotes.
func TestCookiesFirstWinsAndQuotesAreRemoved(t *testing.T) {
	var got map[string]string
	echo(t, "{{ route.cookies }}", "", func(ev *events.APIGatewayV2HTTPRequest) {
		ev.Cookies = []string{"session=specific", "theme=\"dark\"", "session=general", " spaced = v ", "empty="}
	}, &got)
	want := map[string]string{"session": "specific", "theme": "dark", "spaced": "v", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cookies = %q, want %q", got, want)
	}
}

// echo publishes a route flow answering what body evaluates to, sends it a GET with the
// raw query string (edit may change the request further) and decodes the answer into out.
func echo(t *testing.T, body, rawQuery string, edit func(*events.APIGatewayV2HTTPRequest), out any) {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": body}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	ev := request("GET", "my-shop-dev.example.com", "/hello/ada/42", rawQuery, nil, "")
	if edit != nil {
		edit(&ev)
	}
	resp, err := fx.r.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
}
