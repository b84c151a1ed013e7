package urlencoded_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/urlencoded"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want map[string][]string
	}{
		{"", map[string][]string{}},
		{"a=1&b=two+words&a=3&c=", map[string][]string{"a": {"1", "3"}, "b": {"two words"}, "c": {""}}},
		{"tags=a;b&discount=100%&x=%zz&y=%4", map[string][]string{"tags": {"a;b"}, "discount": {"100%"}, "x": {"%zz"}, "y": {"%4"}}},
		{"name=caf%C3%A9&%61=%2B&flag", map[string][]string{"name": {"café"}, "a": {"+"}, "flag": {""}}},
		{"&&k=v&&", map[string][]string{"k": {"v"}}},
		{"k=a=b", map[string][]string{"k": {"a=b"}}},
	} {
		if got := urlencoded.Parse(tc.raw); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// What url.ParseQuery reads without an error, Parse reads the same; what it refuses, Parse
// still reads, keeping every pair.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=1&a=2&b=%20", "tags=a;b", "d=100%", "x=%zz&y=+", "=&=", "%C3%A9=%FF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := urlencoded.Parse(raw)
		pairs := 0
		for p := range strings.SplitSeq(raw, "&") {
			if p != "" {
				pairs++
			}
		}
		n := 0
		for _, vs := range got {
			n += len(vs)
		}
		if n != pairs {
			t.Fatalf("Parse(%q) kept %d values of %d pairs", raw, n, pairs)
		}
		if want, err := url.ParseQuery(raw); err == nil && !strings.Contains(raw, ";") && !reflect.DeepEqual(got, map[string][]string(want)) {
			t.Fatalf("Parse(%q) = %q, url.ParseQuery %q", raw, got, want)
		}
	})
}
