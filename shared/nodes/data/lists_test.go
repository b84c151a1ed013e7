package data

import (
	"context"
	"errors"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func people() []any {
	return []any{
		map[string]any{"name": "Ann", "age": 40.0, "team": "red"},
		map[string]any{"name": "bo", "age": "9", "team": "blue"},
		map[string]any{"name": "Cy", "team": "red"},
		map[string]any{"name": "Di", "age": 25.0, "team": "blue"},
	}
}

func names(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a list, got %#v", v)
	}
	var out []string
	for _, e := range l {
		out = append(out, nodes.ToString(e.(map[string]any)["name"]))
	}
	return out
}

func wantNames(want ...string) func(t *testing.T, out nodes.Out) {
	return func(t *testing.T, out nodes.Out) {
		got := names(t, out["items"])
		if nodes.ToString(got) != nodes.ToString(want) {
			t.Errorf("items = %v, want %v", got, want)
		}
	}
}

func listCases() []nodeCase {
	nums := []any{3.0, 1.0, 2.0}
	return []nodeCase{
		// list.filter
		{name: "by field", id: "list.filter", in: map[string]any{"list": people(), "expression": `item.team == "red"`},
			check: func(t *testing.T, out nodes.Out) {
				wantNames("Ann", "Cy")(t, out)
				if got := names(t, out["rejected"]); nodes.ToString(got) != `["bo","Di"]` {
					t.Errorf("rejected = %v", got)
				}
				if out["count"] != 2.0 {
					t.Errorf("count = %v", out["count"])
				}
			}},
		{name: "index and items", id: "list.filter", in: map[string]any{"list": []any{"a", "b", "c"}, "expression": "{{ index < len(items) - 1 }}"},
			want: nodes.Out{"items": []any{"a", "b"}}},
		{name: "remainder via int", id: "list.filter", in: map[string]any{"list": []any{1.0, 2.0, 3.0, 4.0}, "expression": "int(item) % 2 == 0"},
			want: nodes.Out{"items": []any{2.0, 4.0}}},
		{name: "node outputs unavailable", id: "list.filter", in: map[string]any{"list": []any{1.0}, "expression": "trigger == nil"},
			want: nodes.Out{"items": []any{1.0}}},
		{name: "syntax error", id: "list.filter", in: map[string]any{"list": []any{1.0}, "expression": "item >"}, errPort: "expression"},
		{name: "runtime error", id: "list.filter", in: map[string]any{"list": []any{1.0, "x"}, "expression": "item * 2 > 1"},
			errPort: "expression", errText: "item 1"},
		{name: "empty expression", id: "list.filter", in: map[string]any{"list": []any{}, "expression": " "}, errPort: "expression", errText: "is empty"},
		{name: "not a list", id: "list.filter", in: map[string]any{"list": "abc"}, errPort: "list", errText: "expected a list"},

		// list.map
		{name: "objects", id: "list.map", in: map[string]any{"list": []any{map[string]any{"p": 2.0, "q": 3.0}},
			"expression": `{sku: "A", total: item.p * item.q, i: index}`},
			want: nodes.Out{"items": []any{map[string]any{"sku": "A", "total": 6.0, "i": 0.0}}}},
		{name: "ints normalised", id: "list.map", in: map[string]any{"list": []any{"a", "b"}, "expression": "index * 10"},
			check: func(t *testing.T, out nodes.Out) {
				l := out["items"].([]any)
				if len(l) != 2 || l[1] != 10.0 {
					t.Errorf("items = %#v, want float64 numbers [0 10]", l)
				}
			}},
		{name: "error", id: "list.map", in: map[string]any{"list": []any{1.0}, "expression": "item.x.y"}, errPort: "expression", errText: "item 0"},

		// list.find
		{name: "found", id: "list.find", in: map[string]any{"list": people(), "expression": `item.team == "blue"`},
			want: nodes.Out{"item": people()[1], "index": 1.0, "found": true}},
		{name: "not found", id: "list.find", in: map[string]any{"list": people(), "expression": `item.team == "green"`},
			want: nodes.Out{"item": nil, "index": -1.0, "found": false}},
		{name: "bad", id: "list.find", in: map[string]any{"list": people(), "expression": "(("}, errPort: "expression"},

		// list.sort
		{name: "numeric aware by path, missing last", id: "list.sort", in: map[string]any{"list": people(), "path": "age"},
			check: wantNames("bo", "Di", "Ann", "Cy")},
		{name: "descending keeps missing last", id: "list.sort", in: map[string]any{"list": people(), "path": "age", "direction": "desc"},
			check: wantNames("Ann", "Di", "bo", "Cy")},
		{name: "natural case-insensitive", id: "list.sort", in: map[string]any{"list": []any{"item10", "Item2", "item1", "apple"}},
			want: nodes.Out{"items": []any{"apple", "item1", "Item2", "item10"}}},
		{name: "text mode is byte order", id: "list.sort", in: map[string]any{"list": []any{"item10", "Item2", "item1"}, "compare": "text"},
			want: nodes.Out{"items": []any{"Item2", "item1", "item10"}}},
		{name: "stable", id: "list.sort", in: map[string]any{"list": people(), "path": "team"},
			check: wantNames("bo", "Di", "Ann", "Cy")},
		{name: "stable desc", id: "list.sort", in: map[string]any{"list": people(), "path": "team", "direction": "desc"},
			check: wantNames("Ann", "Cy", "bo", "Di")},
		{name: "mixed kinds", id: "list.sort", in: map[string]any{"list": []any{"b", 2.0, true, nil, []any{1.0}, "10", false}},
			want: nodes.Out{"items": []any{false, true, 2.0, "10", "b", []any{1.0}, nil}}},
		{name: "number mode", id: "list.sort", in: map[string]any{"list": []any{"10", 9.0, "-1.5"}, "compare": "number"},
			want: nodes.Out{"items": []any{"-1.5", 9.0, "10"}}},
		{name: "number mode rejects text", id: "list.sort", in: map[string]any{"list": []any{1.0, "x"}, "compare": "number"},
			errPort: "list", errText: "item 1"},
		{name: "bad direction", id: "list.sort", in: map[string]any{"list": nums, "direction": "up"}, errPort: "direction"},
		{name: "bad path", id: "list.sort", in: map[string]any{"list": nums, "path": "[x"}, errPort: "path"},

		// list.unique
		{name: "values", id: "list.unique", in: map[string]any{"list": []any{1.0, "1", 1.0, true, map[string]any{"a": 1.0}, map[string]any{"a": "1.0"}}},
			want: nodes.Out{"items": []any{1.0, true, map[string]any{"a": 1.0}}, "duplicates": 3.0}},
		{name: "by path", id: "list.unique", in: map[string]any{"list": people(), "path": "team"},
			check: wantNames("Ann", "bo")},
		{name: "not list", id: "list.unique", in: map[string]any{"list": 3.0}, errPort: "list"},

		// list.chunk
		{name: "chunks", id: "list.chunk", in: map[string]any{"list": []any{1.0, 2.0, 3.0, 4.0, 5.0}, "size": 2.0},
			want: nodes.Out{"chunks": []any{[]any{1.0, 2.0}, []any{3.0, 4.0}, []any{5.0}}, "count": 3.0}},
		{name: "empty", id: "list.chunk", in: map[string]any{"list": []any{}, "size": 2.0}, want: nodes.Out{"chunks": []any{}, "count": 0.0}},
		{name: "zero size", id: "list.chunk", in: map[string]any{"list": []any{}, "size": 0.0}, errPort: "size", errText: "at least 1"},
		{name: "fractional size", id: "list.chunk", in: map[string]any{"list": []any{}, "size": 1.5}, errPort: "size", errText: "whole number"},

		// list.flatten
		{name: "depth 1", id: "list.flatten", in: map[string]any{"list": []any{1.0, []any{2.0, []any{3.0}}}},
			want: nodes.Out{"items": []any{1.0, 2.0, []any{3.0}}}},
		{name: "all", id: "list.flatten", in: map[string]any{"list": []any{1.0, []any{2.0, []any{3.0, []any{}}}}, "depth": -1.0},
			want: nodes.Out{"items": []any{1.0, 2.0, 3.0}}},
		{name: "zero", id: "list.flatten", in: map[string]any{"list": []any{[]any{1.0}}, "depth": 0.0},
			want: nodes.Out{"items": []any{[]any{1.0}}}},
		{name: "bad depth", id: "list.flatten", in: map[string]any{"list": []any{}, "depth": -2.0}, errPort: "depth"},

		// first / last / nth
		{name: "first", id: "list.first", in: map[string]any{"list": nums, "count": 2.0},
			want: nodes.Out{"item": 3.0, "items": []any{3.0, 1.0}, "found": true}},
		{name: "first of empty", id: "list.first", in: map[string]any{"list": []any{}},
			want: nodes.Out{"item": nil, "items": []any{}, "found": false}},
		{name: "first negative count", id: "list.first", in: map[string]any{"list": nums, "count": -1.0}, errPort: "count"},
		{name: "last", id: "list.last", in: map[string]any{"list": nums, "count": 5.0},
			want: nodes.Out{"item": 2.0, "items": nums, "found": true}},
		{name: "last of null", id: "list.last", in: map[string]any{}, want: nodes.Out{"item": nil, "found": false}},
		{name: "last not a list", id: "list.last", in: map[string]any{"list": true}, errPort: "list"},
		{name: "nth", id: "list.nth", in: map[string]any{"list": []any{"a", "b", "c"}, "index": -2.0},
			want: nodes.Out{"item": "b", "found": true}},
		{name: "nth out of range", id: "list.nth", in: map[string]any{"list": []any{"a"}, "index": 1.0},
			want: nodes.Out{"item": nil, "found": false}},
		{name: "nth bad index", id: "list.nth", in: map[string]any{"list": []any{"a"}, "index": "x"}, errPort: "index"},

		// list.contains
		{name: "loose number", id: "list.contains", in: map[string]any{"list": []any{1.0, 2.0, 3.0}, "value": "3"},
			want: nodes.Out{"result": true, "index": 2.0, "true_path": "3"}, absent: []string{"false_path"}},
		{name: "by path", id: "list.contains", in: map[string]any{"list": people(), "value": "Di", "path": "name"},
			want: nodes.Out{"result": true, "index": 3.0}},
		{name: "missing", id: "list.contains", in: map[string]any{"list": []any{"a"}, "value": "b"},
			want: nodes.Out{"result": false, "index": -1.0, "false_path": "b"}, absent: []string{"true_path"}},
		{name: "objects by content", id: "list.contains", in: map[string]any{"list": []any{map[string]any{"a": 1.0}}, "value": map[string]any{"a": 1.0}},
			want: nodes.Out{"result": true}},
		{name: "substring", id: "list.contains", in: map[string]any{"list": "hello world", "value": "o w"},
			want: nodes.Out{"result": true, "index": 4.0}},
		{name: "null list", id: "list.contains", in: map[string]any{"value": 1.0}, want: nodes.Out{"result": false}},
		{name: "number list", id: "list.contains", in: map[string]any{"list": 5.0, "value": 1.0}, errPort: "list", errText: "list or text"},

		// append / prepend / concat
		{name: "append", id: "list.append", in: map[string]any{"list": []any{1.0, 2.0}, "item": 3.0}, want: nodes.Out{"items": []any{1.0, 2.0, 3.0}}},
		{name: "append to nothing", id: "list.append", in: map[string]any{"item": "x"}, want: nodes.Out{"items": []any{"x"}}},
		{name: "append list as one element", id: "list.append", in: map[string]any{"list": []any{1.0}, "item": []any{2.0}},
			want: nodes.Out{"items": []any{1.0, []any{2.0}}}},
		{name: "append to text", id: "list.append", in: map[string]any{"list": "x"}, errPort: "list"},
		{name: "prepend", id: "list.prepend", in: map[string]any{"list": []any{1.0, 2.0}, "item": 3.0}, want: nodes.Out{"items": []any{3.0, 1.0, 2.0}}},
		{name: "prepend bad", id: "list.prepend", in: map[string]any{"list": map[string]any{}}, errPort: "list"},
		{name: "concat", id: "list.concat", in: map[string]any{"lists": []any{[]any{1.0, 2.0}, nil, []any{3.0}, []any{}}},
			want: nodes.Out{"items": []any{1.0, 2.0, 3.0}, "count": 3.0}},
		{name: "concat string lists", id: "list.concat", in: map[string]any{"lists": []any{[]string{"a"}, []any{"b"}}},
			want: nodes.Out{"items": []any{"a", "b"}}},
		{name: "concat non-list", id: "list.concat", in: map[string]any{"lists": []any{[]any{1.0}, "x"}}, errPort: "lists", errText: "item 1"},

		// list.length
		{name: "list", id: "list.length", in: map[string]any{"value": nums}, want: nodes.Out{"length": 3.0}},
		{name: "runes", id: "list.length", in: map[string]any{"value": "héllo"}, want: nodes.Out{"length": 5.0}},
		{name: "characters as Text length counts", id: "list.length", in: map[string]any{"value": "👍🏽ae\u0301🇳🇱"}, want: nodes.Out{"length": 4.0}},
		{name: "object", id: "list.length", in: map[string]any{"value": map[string]any{"a": 1.0}}, want: nodes.Out{"length": 1.0}},
		{name: "null", id: "list.length", in: map[string]any{}, want: nodes.Out{"length": 0.0}},
		{name: "number", id: "list.length", in: map[string]any{"value": 4.0}, errPort: "value", errText: "expected a list, object or text"},

		// list.slice
		{name: "negative end", id: "list.slice", in: map[string]any{"list": []any{1.0, 2.0, 3.0, 4.0}, "start": 1.0, "end": -1.0},
			want: nodes.Out{"items": []any{2.0, 3.0}}},
		{name: "open end", id: "list.slice", in: map[string]any{"list": []any{1.0, 2.0, 3.0}, "start": -2.0},
			want: nodes.Out{"items": []any{2.0, 3.0}}},
		{name: "clamped", id: "list.slice", in: map[string]any{"list": []any{1.0, 2.0}, "start": -10.0, "end": 10.0},
			want: nodes.Out{"items": []any{1.0, 2.0}}},
		{name: "crossed", id: "list.slice", in: map[string]any{"list": []any{1.0, 2.0}, "start": 2.0, "end": 1.0},
			want: nodes.Out{"items": []any{}}},
		{name: "bad start", id: "list.slice", in: map[string]any{"list": []any{}, "start": "a"}, errPort: "start"},

		// list.reverse
		{name: "reverse", id: "list.reverse", in: map[string]any{"list": nums}, want: nodes.Out{"items": []any{2.0, 1.0, 3.0}}},
		{name: "reverse bad", id: "list.reverse", in: map[string]any{}, errPort: "list"},

		// list.range
		{name: "step", id: "list.range", in: map[string]any{"start": 0.0, "stop": 10.0, "step": 3.0},
			want: nodes.Out{"items": []any{0.0, 3.0, 6.0, 9.0}, "count": 4.0}},
		{name: "down", id: "list.range", in: map[string]any{"start": 3.0, "stop": 0.0, "step": -1.0},
			want: nodes.Out{"items": []any{3.0, 2.0, 1.0}}},
		{name: "empty", id: "list.range", in: map[string]any{"start": 3.0, "stop": 0.0}, want: nodes.Out{"items": []any{}, "count": 0.0}},
		{name: "step below precision", id: "list.range", in: map[string]any{"start": 9007199254740992.0, "stop": 9007199254740999.0},
			errPort: "step", errText: "they would repeat"},
		{name: "fractional", id: "list.range", in: map[string]any{"start": 0.0, "stop": 1.0, "step": 0.25},
			want: nodes.Out{"items": []any{0.0, 0.25, 0.5, 0.75}}},
		// decimal steps count in the decimals they are written with: no 0.30000000000000004, and
		// a stop reached exactly is left out (1.3 is not before 1.3, though 1 + 3 × 0.1 is)
		{name: "decimal step", id: "list.range", in: map[string]any{"start": 0.0, "stop": 0.5, "step": 0.1},
			want: nodes.Out{"items": []any{0.0, 0.1, 0.2, 0.3, 0.4}, "count": 5.0}},
		{name: "decimal stop", id: "list.range", in: map[string]any{"start": 1.0, "stop": 1.3, "step": 0.1},
			want: nodes.Out{"items": []any{1.0, 1.1, 1.2}, "count": 3.0}},
		{name: "decimal down", id: "list.range", in: map[string]any{"start": 0.3, "stop": 0.0, "step": -0.1},
			want: nodes.Out{"items": []any{0.3, 0.2, 0.1}, "count": 3.0}},
		{name: "zero step", id: "list.range", in: map[string]any{"stop": 3.0, "step": 0.0}, errPort: "step", errText: "must be a number other than 0"},
		{name: "too many", id: "list.range", in: map[string]any{"stop": 1e9}, errPort: "stop", errText: "at most 100000"},
		{name: "no stop", id: "list.range", in: map[string]any{}, errPort: "stop"},

		// list.group_by
		{name: "groups", id: "list.group_by", in: map[string]any{"list": people(), "path": "team"},
			check: func(t *testing.T, out nodes.Out) {
				if got := nodes.ToString(out["keys"]); got != `["red","blue"]` {
					t.Errorf("keys = %s", got)
				}
				g := out["groups"].(map[string]any)
				if got := names(t, g["red"]); nodes.ToString(got) != `["Ann","Cy"]` {
					t.Errorf("red = %v", got)
				}
				if got := nodes.ToString(out["counts"]); got != `{"blue":2,"red":2}` {
					t.Errorf("counts = %s", got)
				}
			}},
		{name: "missing path group", id: "list.group_by", in: map[string]any{"list": people(), "path": "age"},
			check: func(t *testing.T, out nodes.Out) {
				if got := nodes.ToString(out["keys"]); got != `["40","9","","25"]` {
					t.Errorf("keys = %s", got)
				}
			}},
		{name: "bad list", id: "list.group_by", in: map[string]any{"list": "x", "path": "a"}, errPort: "list"},

		// list.sum_by
		{name: "stats", id: "list.sum_by", in: map[string]any{"list": people(), "path": "age"},
			want: nodes.Out{"sum": 74.0, "count": 3.0, "min": 9.0, "max": 40.0, "average": 74.0 / 3}},
		{name: "sum past the largest number", id: "list.sum_by", in: map[string]any{"list": []any{1e308, "1e308"}},
			errPort: "list", errText: "item 1: the sum passes the largest number"},
		{name: "plain numbers", id: "list.sum_by", in: map[string]any{"list": []any{2.0, "3.5", nil}},
			want: nodes.Out{"sum": 5.5, "count": 2.0, "average": 2.75}},
		{name: "empty", id: "list.sum_by", in: map[string]any{"list": []any{}},
			want: nodes.Out{"sum": 0.0, "count": 0.0, "average": nil, "min": nil, "max": nil}},
		{name: "invalid", id: "list.sum_by", in: map[string]any{"list": []any{1.0, "x"}}, errPort: "list", errText: `item 1: string "x" is not a number`},
		{name: "skip invalid", id: "list.sum_by", in: map[string]any{"list": []any{1.0, "x", true}, "skip_invalid": true},
			want: nodes.Out{"sum": 1.0, "count": 1.0}},

		// list.zip
		{name: "shortest", id: "list.zip", in: map[string]any{"lists": []any{[]any{1.0, 2.0, 3.0}, []any{"a", "b"}}},
			want: nodes.Out{"items": []any{[]any{1.0, "a"}, []any{2.0, "b"}}}},
		{name: "longest", id: "list.zip", in: map[string]any{"lists": []any{[]any{1.0}, []any{"a", "b"}}, "mode": "longest"},
			want: nodes.Out{"items": []any{[]any{1.0, "a"}, []any{nil, "b"}}}},
		{name: "none", id: "list.zip", in: map[string]any{"lists": []any{}}, want: nodes.Out{"items": []any{}}},
		{name: "non-list", id: "list.zip", in: map[string]any{"lists": []any{[]any{}, 3.0}}, errPort: "lists", errText: "item 1"},

		// list.pluck
		{name: "pluck", id: "list.pluck", in: map[string]any{"list": people(), "path": "age"},
			want: nodes.Out{"values": []any{40.0, "9", nil, 25.0}}},
		{name: "skip missing", id: "list.pluck", in: map[string]any{"list": people(), "path": "age", "skip_missing": true},
			want: nodes.Out{"values": []any{40.0, "9", 25.0}}},
		{name: "bad path", id: "list.pluck", in: map[string]any{"list": people(), "path": "a]"}, errPort: "path"},

		// list.compact
		{name: "nulls", id: "list.compact", in: map[string]any{"list": []any{1.0, nil, "", 0.0, false}},
			want: nodes.Out{"items": []any{1.0, "", 0.0, false}, "removed": 1.0}},
		{name: "empties", id: "list.compact", in: map[string]any{"list": []any{1.0, nil, " ", []any{}, map[string]any{}, 0.0}, "remove_empty": true},
			want: nodes.Out{"items": []any{1.0, 0.0}, "removed": 4.0}},
		{name: "bad", id: "list.compact", in: map[string]any{"list": 1.0}, errPort: "list"},

		// list.index_of
		{name: "found", id: "list.index_of", in: map[string]any{"list": []any{"a", "b"}, "value": "b"}, want: nodes.Out{"index": 1.0, "found": true}},
		{name: "by path", id: "list.index_of", in: map[string]any{"list": people(), "value": "blue", "path": "team"},
			want: nodes.Out{"index": 1.0, "found": true}},
		{name: "missing", id: "list.index_of", in: map[string]any{"list": []any{}, "value": "b"}, want: nodes.Out{"index": -1.0, "found": false}},
		{name: "bad", id: "list.index_of", in: map[string]any{"list": "ab"}, errPort: "list"},
	}
}

func TestFilterStopsWhenCancelled(t *testing.T) {
	r := newRegistry(t)
	typ, _ := r.Lookup("list.filter")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err, _ := nodetest.Run(ctx, typ, map[string]any{"list": []any{1.0}, "expression": "true"}, nodetest.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"a2", "a10", -1},
		{"a10", "a2", 1},
		{"a02", "a2", -1}, // equal by value; byte order breaks the tie
		{"abc", "ABD", -1},
		{"x", "x", 0},
		{"x1y", "x1", 1},
		{"", "a", -1},
		{"9", "10", -1},
		{"é2", "é10", -1},
	}
	for _, tt := range tests {
		if got := naturalCompare(tt.a, tt.b, false); got != tt.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
