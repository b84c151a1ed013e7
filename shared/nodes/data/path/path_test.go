package path

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Path
	}{
		{"", Path{}},
		{"a", Path{{Key: "a"}}},
		{"a.b.c", Path{{Key: "a"}, {Key: "b"}, {Key: "c"}}},
		{"items[0].sku", Path{{Key: "items"}, {Index: 0, IsIndex: true}, {Key: "sku"}}},
		{"rows[-1]", Path{{Key: "rows"}, {Index: -1, IsIndex: true}}},
		{"[2][3]", Path{{Index: 2, IsIndex: true}, {Index: 3, IsIndex: true}}},
		{`headers["content-type"]`, Path{{Key: "headers"}, {Key: "content-type"}}},
		{`["a.b"].c`, Path{{Key: "a.b"}, {Key: "c"}}},
		{`['it''s']`, nil},
		{`['it\'s']`, Path{{Key: "it's"}}},
		{`["back\\slash"]`, Path{{Key: `back\slash`}}},
		{"items.0", Path{{Key: "items"}, {Key: "0"}}},
		{"first name.x", Path{{Key: "first name"}, {Key: "x"}}},
		{`[""]`, Path{{Key: ""}}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{".a", 0, "cannot start with '.'"},
		{"a..b", 2, "expected a key after '.'"},
		{"a.", 2, "expected a key after '.'"},
		{"a[", 1, "unclosed '['"},
		{"a[x]", 2, "must be a whole number"},
		{"a[+1]", 2, "must be a whole number"},
		{"a[1234567890]", 2, "index 1234567890 is too large (at most 9 digits)"},
		{"a[-99999999999]", 2, "too large"},
		{"a[1.5]", 2, "must be a whole number"},
		{"a[0]b", 4, "expected '.' or '['"},
		{"a]", 1, "unexpected ']'"},
		{`a["x`, 1, "unterminated quoted key"},
		{`a["x"`, 5, "expected ']'"},
		{`a["x\`, 1, "unterminated quoted key"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) = offset %d %q, want offset %d containing %q", tt.in, se.Offset, se.Msg, tt.offset, tt.msg)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)) {
			t.Errorf("Parse(%q) error %q does not quote the path", tt.in, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := map[string]string{
		"a.b[0].c":       "a.b[0].c",
		`["a.b"].c`:      `["a.b"].c`,
		`['q"x']`:        `["q\"x"]`,
		"[1].a":          "[1].a",
		"x[-2]":          "x[-2]",
		"a[007]":         "a[7]",
		`a["plain"]`:     "a.plain",
		`a["back\\"]`:    `a["back\\"]`,
		"items.0.name":   "items.0.name",
		`[""]`:           `[""]`,
		`a["it's"]`:      `a["it's"]`,
		"with space.key": "with space.key",
	}
	for in, want := range tests {
		if got := MustParse(in).String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func doc() map[string]any {
	return map[string]any{
		"order": map[string]any{
			"id":    "A1",
			"items": []any{map[string]any{"sku": "x"}, map[string]any{"sku": "y"}},
		},
		"a.b":  1.0,
		"nums": []string{"p", "q"},
		"out":  nodes.Out{"k": "v"},
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		path  string
		want  any
		found bool
	}{
		{"", doc(), true},
		{"order.id", "A1", true},
		{"order.items[1].sku", "y", true},
		{"order.items.0.sku", "x", true},
		{"order.items[-1].sku", "y", true},
		{"order.items[-3]", nil, false},
		{"order.items[2]", nil, false},
		{"order.items.x", nil, false},
		{"order.missing", nil, false},
		{"order.id.deeper", nil, false},
		{`["a.b"]`, 1.0, true},
		{"a.b", nil, false},
		{"nums[1]", "q", true},
		{"out.k", "v", true},
		{"order[0]", nil, false},
	}
	for _, tt := range tests {
		got, ok := Get(doc(), MustParse(tt.path))
		if ok != tt.found || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.found)
		}
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name string
		root any
		path string
		val  any
		want any
		err  string
	}{
		{"root", map[string]any{"a": 1.0}, "", "x", "x", ""},
		{"new key", map[string]any{"a": 1.0}, "b", 2.0, map[string]any{"a": 1.0, "b": 2.0}, ""},
		{"creates objects", nil, "a.b.c", true, map[string]any{"a": map[string]any{"b": map[string]any{"c": true}}}, ""},
		{"creates list", map[string]any{}, "a[0].b", 1.0, map[string]any{"a": []any{map[string]any{"b": 1.0}}}, ""},
		{"replace element", []any{1.0, 2.0}, "[1]", 9.0, []any{1.0, 9.0}, ""},
		{"negative index", []any{1.0, 2.0}, "[-1]", 9.0, []any{1.0, 9.0}, ""},
		{"append", []any{1.0}, "[1]", 2.0, []any{1.0, 2.0}, ""},
		{"pad", []any{}, "[2]", 2.0, []any{nil, nil, 2.0}, ""},
		{"numeric key on list", map[string]any{"l": []any{"a"}}, "l.0", "b", map[string]any{"l": []any{"b"}}, ""},
		{"numeric key creates object", nil, "l.0", "b", map[string]any{"l": map[string]any{"0": "b"}}, ""},
		{"string list", map[string]any{"l": []string{"a", "b"}}, "l[0]", "z", map[string]any{"l": []any{"z", "b"}}, ""},
		{"out", nodes.Out{"x": 1.0}, "y", 2.0, map[string]any{"x": 1.0, "y": 2.0}, ""},
		{"through scalar", map[string]any{"a": "text"}, "a.b", 1.0, nil, `"a" is a string, not an object or list`},
		{"index on object", map[string]any{"a": map[string]any{}}, "a[0]", 1.0, nil, `"a" is an object: use a key, not [0]`},
		{"key on list", map[string]any{"a": []any{}}, "a.x", 1.0, nil, `"a" is a list: use an index, not the key "x"`},
		{"before start", []any{1.0}, "[-2]", 1.0, nil, `"[-2]" is before the start of the list (length 1)`},
		{"too far", []any{}, "[20000]", 1.0, nil, "past the end"},
		{"root scalar", 5.0, "a", 1.0, nil, "the value is a number"},
	}
	for _, tt := range tests {
		got, err := Set(tt.root, MustParse(tt.path), tt.val)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Set = %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name    string
		root    any
		path    string
		want    any
		removed bool
	}{
		{"key", map[string]any{"a": 1.0, "b": 2.0}, "a", map[string]any{"b": 2.0}, true},
		{"nested", map[string]any{"a": map[string]any{"b": 1.0, "c": 2.0}}, "a.b", map[string]any{"a": map[string]any{"c": 2.0}}, true},
		{"element", map[string]any{"l": []any{1.0, 2.0, 3.0}}, "l[1]", map[string]any{"l": []any{1.0, 3.0}}, true},
		{"last element", []any{1.0, 2.0}, "[-1]", []any{1.0}, true},
		{"in element", []any{map[string]any{"x": 1.0, "y": 2.0}}, "[0].x", []any{map[string]any{"y": 2.0}}, true},
		{"missing", map[string]any{"a": 1.0}, "b.c", map[string]any{"a": 1.0}, false},
		{"out of range", []any{1.0}, "[3]", []any{1.0}, false},
		{"through scalar", map[string]any{"a": 1.0}, "a.b", map[string]any{"a": 1.0}, false},
		{"empty path", map[string]any{"a": 1.0}, "", map[string]any{"a": 1.0}, false},
		{"nil", nil, "a", nil, false},
	}
	for _, tt := range tests {
		got, removed := Delete(tt.root, MustParse(tt.path))
		if removed != tt.removed || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Delete = %#v, %v; want %#v, %v", tt.name, got, removed, tt.want, tt.removed)
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse of a bad path did not panic")
		}
	}()
	MustParse("a..b")
}

// FuzzParse checks that Parse never panics, that String is canonical (parses back to the
// same path), and that Set then Get finds the value written.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "a.b[0].c", `["a.b"]`, "x[-1]", `['q\'']`, "a..b", "[", "a[0]b", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q): bad error %v", s, err)
			}
			return
		}
		again, err := Parse(p.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, p.String(), err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip of %q: %#v != %#v", s, again, p)
		}
		for _, seg := range p {
			if seg.IsIndex && seg.Index < 0 || seg.IsIndex && seg.Index > 50 {
				return // negative or large indexes may legitimately fail on a fresh value
			}
		}
		root, err := Set(nil, p, "v")
		if err != nil {
			t.Fatalf("Set(nil, %q): %v", s, err)
		}
		if got, ok := Get(root, p); !ok || got != "v" {
			t.Fatalf("Get after Set(%q) = %v, %v", s, got, ok)
		}
	})
}
