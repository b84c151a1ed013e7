package data

import (
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/logic"
)

// Index of, List contains and Unique agree with each other and with Compare's eq on whether
// two values are equal. Before, Index of found "1" at 1 while Unique kept both 1 and "1"
// (it compared JSON texts), and none of them took "1.0" for "1".
func TestListNodesAgreeWithCompareEq(t *testing.T) {
	r := newRegistry(t)
	vals := []any{1.0, "1", "1.0", " 1 ", true, "true", nil, "", "abc", "ABC", "2024-05-01",
		"2024-05-01T00:00:00Z", []any{1.0}, []any{"1"}, map[string]any{"a": 1.0}, map[string]any{"a": "1.0"}}
	for _, a := range vals {
		for _, b := range vals {
			want, err := logic.Compare("eq", a, b, false)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := runNode(t, r, "list.index_of", map[string]any{"list": []any{a}, "value": b}, nil)
			if err != nil {
				t.Fatal(err)
			}
			has, err := runNode(t, r, "list.contains", map[string]any{"list": []any{a}, "value": b}, nil)
			if err != nil {
				t.Fatal(err)
			}
			uniq, err := runNode(t, r, "list.unique", map[string]any{"list": []any{a, b}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{
				"index of found": idx["found"] == true,
				"contains":       has["result"] == true,
				"unique removed": nodes.Normalize(uniq["duplicates"]) == 1.0,
			}
			for what, g := range got {
				if g != want {
					t.Errorf("%#v vs %#v: %s = %v, but Compare eq = %v", a, b, what, g, want)
				}
			}
		}
	}
}
