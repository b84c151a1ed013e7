package router_test

import (
	"reflect"
	"testing"
)

// A query string is read as browsers and API Gateway read it: a ';' is part of a value
// and a '%' not followed by two hex digits stays as sent. Go's url.ParseQuery refuses
// both, and the router left such pairs out: ?tags=a;b and ?discount=100% reached the flow
// without tags or discount.
func TestQueryKeepsSemicolonsAndStrayPercents(t *testing.T) {
	var got map[string][]string
	echo(t, "{{ route.query_all }}", "tags=a;b&discount=100%&sum=1%2B1+%3D+2&pct=%zz&x=1&x=2&flag&=v&&caf%C3%A9=%E2%9C%93", nil, &got)
	want := map[string][]string{"tags": {"a;b"}, "discount": {"100%"}, "sum": {"1+1 = 2"}, "pct": {"%zz"},
		"x": {"1", "2"}, "flag": {""}, "": {"v"}, "café": {"✓"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query_all = %v, want %v", got, want)
	}
}
