package text

import (
	"context"
	"testing"
)

// Join and Concatenate treat null parts alike: both skip them, and both write each as an
// empty part with keep_nulls. Before, Join wrote `a, , b` where Concatenate wrote `a, b`.
func TestJoinAndConcatenateTreatNullsAlike(t *testing.T) {
	r := registry(t)
	join, _ := r.Lookup("text.join")
	concat, _ := r.Lookup("text.concatenate")
	for _, tc := range []struct {
		list      []any
		keepNulls bool
		want      string
	}{
		{[]any{"a", nil, "b"}, false, "a, b"},
		{[]any{nil, "a", nil}, false, "a"},
		{[]any{nil}, false, ""},
		{[]any{"a", nil, "b"}, true, "a, , b"},
		{[]any{nil, 1.0, nil}, true, ", 1, "},
	} {
		in := map[string]any{"separator": ", ", "keep_nulls": tc.keepNulls}
		in["list"] = tc.list
		j, err := run(context.Background(), join, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		delete(in, "list")
		in["values"] = tc.list
		c, err := run(context.Background(), concat, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j["text"] != tc.want || c["text"] != tc.want {
			t.Errorf("%#v keep_nulls %v: Join %q, Concatenate %q, want both %q", tc.list, tc.keepNulls, j["text"], c["text"], tc.want)
		}
	}
}
