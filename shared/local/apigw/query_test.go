package apigw_test

import (
	"reflect"
	"testing"

	"polysynergy/shared/local/apigw"
)

// queryStringParameters keeps every pair of the query, as API Gateway does: a ';' is part
// of a value and a '%' not followed by two hex digits stays as sent, where url.ParseQuery
// dropped such pairs from the event; '+' is a space, repeats are joined with commas, a key
// without a value has "". rawQueryString is the query as sent.
func TestQueryStringParametersKeepEveryPair(t *testing.T) {
	var r recorder
	h := apigw.HTTPAPI(r.fn, apigw.HTTPOptions{Name: "router"})
	const raw = "tags=a;b&discount=100%&a=1&a=2&q=x+y&s=x%20y%2Bz&e&empty=&%C3%A9=%C3%A9t%C3%A9"
	if rec := send(h, "GET", "/x?"+raw, "", nil); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	ev := r.last(t)
	want := map[string]string{"tags": "a;b", "discount": "100%", "a": "1,2", "q": "x y", "s": "x y+z", "e": "", "empty": "", "é": "été"}
	if !reflect.DeepEqual(ev.QueryStringParameters, want) || ev.RawQueryString != raw {
		t.Errorf("queryStringParameters %q, rawQueryString %q; want %q and %q", ev.QueryStringParameters, ev.RawQueryString, want, raw)
	}
	if send(h, "GET", "/x", "", nil); r.last(t).QueryStringParameters != nil {
		t.Errorf("no query: queryStringParameters %q, want none", r.last(t).QueryStringParameters)
	}
}
