package data

import (
	"testing"

	"polysynergy/shared/nodes"
)

func rows(pairs ...any) []any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"key": pairs[i], "type": "any", "value": pairs[i+1]})
	}
	return out
}

func user() map[string]any {
	return map[string]any{
		"id":   1.0,
		"name": "Ann",
		"address": map[string]any{
			"city": "Utrecht",
			"zip":  "3511",
		},
		"tags":     []any{"a", "b"},
		"password": "secret",
	}
}

func objectCases() []nodeCase {
	return []nodeCase{
		// data.build_object
		{name: "rows in order", id: "data.build_object",
			in:     map[string]any{"fields": map[string]any{"b": 2.0, "a": "x"}},
			values: map[string]any{"fields": rows("b", 2.0, "a", "x")},
			want: nodes.Out{"object": map[string]any{"a": "x", "b": 2.0}, "fields.a": "x", "fields.b": 2.0,
				"keys": []any{"b", "a"}}},
		{name: "over base", id: "data.build_object",
			in:   map[string]any{"fields": map[string]any{"status": "new"}, "base": map[string]any{"id": 7.0, "status": "old"}},
			want: nodes.Out{"object": map[string]any{"id": 7.0, "status": "new"}, "fields.status": "new"}},
		{name: "nested keys", id: "data.build_object",
			in:     map[string]any{"fields": map[string]any{"customer.name": "Ann", "customer.tags[0]": "vip", "n": 1.0}, "nested": true},
			values: map[string]any{"fields": rows("n", 1.0, "customer.name", "Ann", "customer.tags[0]", "vip")},
			want: nodes.Out{"object": map[string]any{"n": 1.0, "customer": map[string]any{"name": "Ann", "tags": []any{"vip"}}},
				"fields.customer.name": "Ann", "keys": []any{"n", "customer.name", "customer.tags[0]"}}},
		{name: "no fields", id: "data.build_object", in: map[string]any{},
			want: nodes.Out{"object": map[string]any{}, "keys": []any{}}},
		{name: "fields not rows", id: "data.build_object", in: map[string]any{"fields": "x"}, errPort: "fields", errText: "expected rows"},
		{name: "bad nested key", id: "data.build_object", in: map[string]any{"fields": map[string]any{"a..b": 1.0}, "nested": true},
			errPort: "fields", errText: `key "a..b"`},
		{name: "nested conflict", id: "data.build_object",
			in:      map[string]any{"fields": map[string]any{"a": 1.0, "a.b": 2.0}, "nested": true},
			values:  map[string]any{"fields": rows("a", 1.0, "a.b", 2.0)},
			errPort: "fields", errText: "is a number"},
		{name: "base not object", id: "data.build_object", in: map[string]any{"base": []any{1.0}}, errPort: "base", errText: "expected an object"},

		// data.get
		{name: "nested path", id: "data.get", in: map[string]any{"value": user(), "path": "address.city"},
			want: nodes.Out{"value": "Utrecht", "found": true}},
		{name: "negative index", id: "data.get", in: map[string]any{"value": user(), "path": "tags[-1]"},
			want: nodes.Out{"value": "b", "found": true}},
		{name: "missing gives default", id: "data.get", in: map[string]any{"value": user(), "path": "address.country", "default": "NL"},
			want: nodes.Out{"value": "NL", "found": false}},
		{name: "null gives default", id: "data.get", in: map[string]any{"value": map[string]any{"a": nil}, "path": "a", "default": 0.0},
			want: nodes.Out{"value": 0.0, "found": false}},
		{name: "empty path", id: "data.get", in: map[string]any{"value": []any{1.0}, "path": ""},
			want: nodes.Out{"value": []any{1.0}, "found": true}},
		{name: "list root", id: "data.get", in: map[string]any{"value": []any{map[string]any{"x": 1.0}}, "path": "[0].x"},
			want: nodes.Out{"value": 1.0, "found": true}},
		{name: "bad path", id: "data.get", in: map[string]any{"value": user(), "path": "a[x]"}, errPort: "path", errText: "whole number"},

		// data.set
		{name: "creates intermediates", id: "data.set", in: map[string]any{"object": map[string]any{"a": 1.0}, "path": "b.c", "value": 2.0},
			want: nodes.Out{"object": map[string]any{"a": 1.0, "b": map[string]any{"c": 2.0}}}},
		{name: "replace nested", id: "data.set", in: map[string]any{"object": user(), "path": "address.city", "value": "Delft"},
			check: func(t *testing.T, out nodes.Out) {
				if got := out["object"].(map[string]any)["address"].(map[string]any)["city"]; got != "Delft" {
					t.Errorf("city = %v, want Delft", got)
				}
			}},
		{name: "append to list", id: "data.set", in: map[string]any{"object": user(), "path": "tags[2]", "value": "c"},
			check: func(t *testing.T, out nodes.Out) {
				if got := nodes.ToString(out["object"].(map[string]any)["tags"]); got != `["a","b","c"]` {
					t.Errorf("tags = %s", got)
				}
			}},
		{name: "empty object input", id: "data.set", in: map[string]any{"path": "x[0]", "value": true},
			want: nodes.Out{"object": map[string]any{"x": []any{true}}}},
		{name: "through text", id: "data.set", in: map[string]any{"object": user(), "path": "name.first", "value": "A"},
			errPort: "path", errText: `"name" is a string`},
		{name: "empty path", id: "data.set", in: map[string]any{"object": user(), "path": " "}, errPort: "path", errText: "is empty"},
		{name: "bad path", id: "data.set", in: map[string]any{"object": user(), "path": "a."}, errPort: "path", errText: "expected a key"},

		// data.delete_path
		{name: "delete key", id: "data.delete_path", in: map[string]any{"object": user(), "path": "password"},
			check: func(t *testing.T, out nodes.Out) {
				if _, ok := out["object"].(map[string]any)["password"]; ok || out["deleted"] != true {
					t.Errorf("password not deleted: %#v", out)
				}
			}},
		{name: "delete element", id: "data.delete_path", in: map[string]any{"object": user(), "path": "tags[0]"},
			check: func(t *testing.T, out nodes.Out) {
				if got := nodes.ToString(out["object"].(map[string]any)["tags"]); got != `["b"]` {
					t.Errorf("tags = %s", got)
				}
			}},
		{name: "missing", id: "data.delete_path", in: map[string]any{"object": map[string]any{"a": 1.0}, "path": "b"},
			want: nodes.Out{"object": map[string]any{"a": 1.0}, "deleted": false}},
		{name: "empty path", id: "data.delete_path", in: map[string]any{"object": user(), "path": ""}, errPort: "path", errText: "is empty"},

		// data.merge
		{name: "deep", id: "data.merge",
			in: map[string]any{"objects": []any{map[string]any{"a": map[string]any{"x": 1.0}, "l": []any{1.0}},
				map[string]any{"a": map[string]any{"y": 2.0}, "l": []any{2.0}}}},
			want: nodes.Out{"object": map[string]any{"a": map[string]any{"x": 1.0, "y": 2.0}, "l": []any{2.0}}}},
		{name: "deep concat", id: "data.merge",
			in: map[string]any{"lists": "concat", "objects": []any{map[string]any{"l": []any{1.0}},
				map[string]any{"l": []any{2.0}}}},
			want: nodes.Out{"object": map[string]any{"l": []any{1.0, 2.0}}}},
		{name: "shallow", id: "data.merge", in: map[string]any{"mode": "shallow",
			"objects": []any{map[string]any{"a": map[string]any{"x": 1.0}, "b": 1.0}, map[string]any{"a": map[string]any{"y": 2.0}}}},
			want: nodes.Out{"object": map[string]any{"a": map[string]any{"y": 2.0}, "b": 1.0}}},
		{name: "nested list of objects and nulls", id: "data.merge",
			in:   map[string]any{"objects": []any{[]any{map[string]any{"a": 1.0}, nil, map[string]any{"b": 2.0}}, nil}},
			want: nodes.Out{"object": map[string]any{"a": 1.0, "b": 2.0}}},
		{name: "single object", id: "data.merge", in: map[string]any{"objects": map[string]any{"a": 1.0}},
			want: nodes.Out{"object": map[string]any{"a": 1.0}}},
		{name: "not an object", id: "data.merge", in: map[string]any{"objects": []any{map[string]any{}, "x"}},
			errPort: "objects", errText: "item 1: expected an object"},
		{name: "bad mode", id: "data.merge", in: map[string]any{"objects": []any{}, "mode": "wide"}, errPort: "mode", errText: "deep, shallow"},

		// data.pick / data.omit
		{name: "keys and paths", id: "data.pick", in: map[string]any{"object": user(), "keys": []any{"id", "address.city", "nope"}},
			want: nodes.Out{"object": map[string]any{"id": 1.0, "address": map[string]any{"city": "Utrecht"}}}},
		{name: "comma text", id: "data.pick", in: map[string]any{"object": user(), "keys": "id, name"},
			want: nodes.Out{"object": map[string]any{"id": 1.0, "name": "Ann"}}},
		{name: "not an object", id: "data.pick", in: map[string]any{"object": "x", "keys": "a"}, errPort: "object", errText: "expected an object"},
		{name: "bad key", id: "data.pick", in: map[string]any{"object": user(), "keys": []any{map[string]any{}}}, errPort: "keys", errText: "item 0"},
		{name: "omit", id: "data.omit", in: map[string]any{"object": user(), "keys": []any{"password", "address.zip", "tags", "nope"}},
			want: nodes.Out{"object": map[string]any{"id": 1.0, "name": "Ann", "address": map[string]any{"city": "Utrecht"}}}},
		{name: "bad path", id: "data.omit", in: map[string]any{"object": user(), "keys": "a[b]"}, errPort: "keys", errText: "whole number"},

		// keys / values / entries / from_entries
		{name: "sorted", id: "data.keys", in: map[string]any{"object": map[string]any{"b": 1.0, "a": 2.0}},
			want: nodes.Out{"keys": []any{"a", "b"}, "count": 2.0}},
		{name: "not object", id: "data.keys", in: map[string]any{"object": []any{}}, errPort: "object", errText: "expected an object"},
		{name: "by key", id: "data.values", in: map[string]any{"object": map[string]any{"b": 1.0, "a": 2.0}},
			want: nodes.Out{"values": []any{2.0, 1.0}}},
		{name: "nothing", id: "data.values", in: map[string]any{}, errPort: "object", errText: "got nothing"},
		{name: "entries", id: "data.entries", in: map[string]any{"object": map[string]any{"b": 1.0, "a": []any{2.0}}},
			want: nodes.Out{"entries": []any{map[string]any{"key": "a", "value": []any{2.0}}, map[string]any{"key": "b", "value": 1.0}}}},
		{name: "not object", id: "data.entries", in: map[string]any{"object": 3.0}, errPort: "object"},
		{name: "objects and pairs", id: "data.from_entries",
			in:   map[string]any{"entries": []any{map[string]any{"key": "a", "value": 1.0}, []any{"b", 2.0}, []any{3.0, "n"}}},
			want: nodes.Out{"object": map[string]any{"a": 1.0, "b": 2.0, "3": "n"}}},
		{name: "custom fields", id: "data.from_entries",
			in:   map[string]any{"entries": []any{map[string]any{"name": "a", "v": true}}, "key_field": "name", "value_field": "v"},
			want: nodes.Out{"object": map[string]any{"a": true}}},
		{name: "missing key field", id: "data.from_entries", in: map[string]any{"entries": []any{map[string]any{"value": 1.0}}},
			errPort: "entries", errText: `item 0: has no "key" field`},
		{name: "bad entry", id: "data.from_entries", in: map[string]any{"entries": []any{[]any{"a"}}},
			errPort: "entries", errText: "expected {key, value} or [key, value]"},
		{name: "bad key type", id: "data.from_entries", in: map[string]any{"entries": []any{[]any{[]any{}, 1.0}}},
			errPort: "entries", errText: "the key must be text or a number"},

		// data.rename_keys
		{name: "rename", id: "data.rename_keys",
			in:   map[string]any{"object": map[string]any{"fname": "Ann", "age": 4.0}, "mapping": map[string]any{"fname": "first_name", "nope": "x"}},
			want: nodes.Out{"object": map[string]any{"first_name": "Ann", "age": 4.0}}},
		{name: "swap", id: "data.rename_keys",
			in:   map[string]any{"object": map[string]any{"a": 1.0, "b": 2.0}, "mapping": map[string]any{"a": "b", "b": "a"}},
			want: nodes.Out{"object": map[string]any{"a": 2.0, "b": 1.0}}},
		{name: "two to one", id: "data.rename_keys",
			in:      map[string]any{"object": map[string]any{}, "mapping": map[string]any{"a": "x", "b": "x"}},
			errPort: "mapping", errText: `"a" and "b" are both renamed to "x"`},
		{name: "empty name", id: "data.rename_keys", in: map[string]any{"object": map[string]any{}, "mapping": map[string]any{"a": ""}},
			errPort: "mapping", errText: "non-empty text"},

		// data.has / data.is_empty
		{name: "present", id: "data.has", in: map[string]any{"object": user(), "path": "address.zip"},
			want: nodes.Out{"found": true, "value": "3511", "true_path": "3511"}, absent: []string{"false_path"}},
		{name: "missing", id: "data.has", in: map[string]any{"object": map[string]any{"a": nil}, "path": "a"},
			want: nodes.Out{"found": false, "false_path": map[string]any{"a": nil}}, absent: []string{"true_path"}},
		{name: "empty path", id: "data.has", in: map[string]any{"object": user()}, errPort: "path", errText: "is empty"},
		{name: "empty list", id: "data.is_empty", in: map[string]any{"value": []any{}},
			want: nodes.Out{"empty": true, "true_path": []any{}}, absent: []string{"false_path"}},
		{name: "blank text", id: "data.is_empty", in: map[string]any{"value": "  "}, want: nodes.Out{"empty": true}},
		{name: "null", id: "data.is_empty", in: map[string]any{}, want: nodes.Out{"empty": true}},
		{name: "zero is not empty", id: "data.is_empty", in: map[string]any{"value": 0.0},
			want: nodes.Out{"empty": false, "false_path": 0.0}, absent: []string{"true_path"}},
		{name: "object", id: "data.is_empty", in: map[string]any{"value": map[string]any{"a": nil}}, want: nodes.Out{"empty": false}},

		// flatten / unflatten
		{name: "flatten", id: "data.flatten_object",
			in: map[string]any{"object": map[string]any{"a": map[string]any{"b": 1.0, "e": map[string]any{}}, "tags": []any{"x", []any{"y"}},
				"k.dot": true}},
			want: nodes.Out{"object": map[string]any{"a.b": 1.0, "a.e": map[string]any{}, "tags[0]": "x", "tags[1][0]": "y", `["k.dot"]`: true}}},
		{name: "flatten empty", id: "data.flatten_object", in: map[string]any{"object": map[string]any{}}, want: nodes.Out{"object": map[string]any{}}},
		{name: "flatten not object", id: "data.flatten_object", in: map[string]any{"object": "x"}, errPort: "object"},
		{name: "unflatten", id: "data.unflatten_object",
			in: map[string]any{"object": map[string]any{"a.b": 1.0, "tags[0]": "x", "tags[10]": "z", "tags[2]": "y", `["k.dot"]`: true}},
			check: func(t *testing.T, out nodes.Out) {
				got := nodes.ToString(out["object"])
				want := `{"a":{"b":1},"k.dot":true,"tags":["x",null,"y",null,null,null,null,null,null,null,"z"]}`
				if got != want {
					t.Errorf("object = %s, want %s", got, want)
				}
			}},
		{name: "unflatten conflict", id: "data.unflatten_object", in: map[string]any{"object": map[string]any{"a": 1.0, "a.b": 2.0}},
			errPort: "object", errText: `key "a.b"`},
		{name: "unflatten parent set twice", id: "data.unflatten_object",
			in:      map[string]any{"object": map[string]any{"a.b": map[string]any{"c": 1.0}, "a.b.c": 2.0}},
			errPort: "object", errText: "already set"},
		{name: "unflatten bad key", id: "data.unflatten_object", in: map[string]any{"object": map[string]any{"a[": 1.0}},
			errPort: "object", errText: "unclosed"},
		{name: "unflatten index root", id: "data.unflatten_object", in: map[string]any{"object": map[string]any{"[0]": 1.0}},
			errPort: "object", errText: "use a key"},
	}
}

func TestFlattenRoundTrip(t *testing.T) {
	r := newRegistry(t)
	orig := map[string]any{
		"order": map[string]any{"id": "A1", "lines": []any{map[string]any{"sku": "x", "qty": 2.0}, map[string]any{"sku": "y"}}},
		"meta":  map[string]any{"a.b": []any{}, "q\"uote": nil},
	}
	flat, err := runNode(t, r, "data.flatten_object", map[string]any{"object": orig}, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := runNode(t, r, "data.unflatten_object", map[string]any{"object": flat["object"]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nodes.ToString(back["object"]), nodes.ToString(orig); got != want {
		t.Fatalf("round trip = %s, want %s", got, want)
	}
}

func TestSetDoesNotShareWithInput(t *testing.T) {
	r := newRegistry(t)
	in := map[string]any{"list": []any{map[string]any{"n": 1.0}}}
	out, err := runNode(t, r, "data.set", map[string]any{"object": in, "path": "extra", "value": in["list"]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj := out["object"].(map[string]any)
	obj["list"].([]any)[0].(map[string]any)["n"] = 99.0
	obj["extra"].([]any)[0].(map[string]any)["n"] = 98.0
	if in["list"].([]any)[0].(map[string]any)["n"] != 1.0 {
		t.Fatal("changing the output changed the input: the result shares memory with it")
	}
}
