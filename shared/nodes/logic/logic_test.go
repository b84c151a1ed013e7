package logic

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// nodeCase is one run of a node type: its inputs and what must come out.
type nodeCase struct {
	name    string
	id      string
	in      map[string]any
	want    nodes.Out // outputs that must be present with these values
	path    string    // the branch port that must be live (true_path/false_path), if any
	errPort string    // the port a failure must name; "" means the run must succeed
	errHas  string    // text the error message must contain
}

func registry(t testing.TB) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

func runCases(t *testing.T, cases []nodeCase) {
	t.Helper()
	r := registry(t)
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			typ, ok := r.Lookup(tc.id)
			if !ok {
				t.Fatalf("node type %s is not registered", tc.id)
			}
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			check(t, tc, out, err)
		})
	}
}

func check(t *testing.T, tc nodeCase, out nodes.Out, err error) {
	t.Helper()
	if tc.errPort != "" {
		var ie *nodes.InputError
		if !errors.As(err, &ie) {
			t.Fatalf("want an error naming %q, got %v (outputs %v)", tc.errPort, err, out)
		}
		if ie.Port != tc.errPort {
			t.Fatalf("error names port %q, want %q: %v", ie.Port, tc.errPort, err)
		}
		if tc.errHas != "" && !strings.Contains(err.Error(), tc.errHas) {
			t.Fatalf("error %q does not mention %q", err, tc.errHas)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	for k, want := range tc.want {
		got, ok := out[k]
		if !ok {
			t.Fatalf("output %q missing from %v", k, out)
		}
		if !reflect.DeepEqual(nodes.Normalize(got), nodes.Normalize(want)) {
			t.Errorf("output %q = %#v, want %#v", k, got, want)
		}
	}
	if tc.path != "" {
		other := nodes.PortFalsePath
		if tc.path == nodes.PortFalsePath {
			other = nodes.PortTruePath
		}
		if _, ok := out[tc.path]; !ok {
			t.Errorf("branch %s is not live: %v", tc.path, out)
		}
		if _, ok := out[other]; ok {
			t.Errorf("branch %s is live too: %v", other, out)
		}
	}
}

func cmp(name string, a any, op string, b any, want bool, extra ...any) nodeCase {
	in := map[string]any{"a": a, "operator": op, "b": b}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i].(string)] = extra[i+1]
	}
	path := nodes.PortFalsePath
	if want {
		path = nodes.PortTruePath
	}
	return nodeCase{name: name, id: "logic.compare", in: in, want: nodes.Out{"result": want, path: a}, path: path}
}

func compareCases() []nodeCase {
	return []nodeCase{
		cmp("numbers equal", 3.0, "eq", 3.0, true),
		cmp("numeric text equals number", "3", "eq", 3.0, true),
		cmp("numeric texts compare by value", "3.0", "eq", "3", true),
		cmp("text differs", "abc", "eq", "ABC", false),
		cmp("text equal ignoring case", "abc", "eq", "ABC", true, "case_insensitive", true),
		cmp("lists equal", []any{1.0, "x"}, "eq", []any{1.0, "x"}, true),
		cmp("boolean is not one", true, "eq", 1.0, false),
		cmp("ne", 1.0, "ne", 2.0, true),
		cmp("numeric text ordered as numbers", "10", "gt", "9", true),
		cmp("text ordered alphabetically", "apple", "lt", "banana", true),
		cmp("le equal", 5.0, "le", "5", true),
		cmp("ge smaller", 4.0, "ge", 5.0, false),
		cmp("dates compare as times", "2024-05-17T10:00:00+02:00", "lt", "2024-05-17T09:30:00Z", true),
		cmp("date only", "2024-01-31", "lt", "2024-02-01", true),
		// eq and ne compare dates as times too, as le and ge do (both held while eq was false)
		cmp("dates equal as times", "2024-05-17T10:00:00+02:00", "eq", "2024-05-17T08:00:00Z", true),
		cmp("date only equals its midnight", "2024-01-01", "eq", "2024-01-01T00:00:00Z", true),
		cmp("dates ne as times", "2024-01-01", "ne", "2024-01-01T00:00:00.000Z", false),
		cmp("time value equals its text", time.Date(2024, 5, 17, 8, 0, 0, 0, time.UTC), "eq", "2024-05-17T10:00:00+02:00", true),
		cmp("different instants", "2024-05-17T10:00:00+02:00", "eq", "2024-05-17T10:00:00Z", false),
		cmp("booleans ordered", false, "lt", true, true),
		cmp("case-insensitive order", "B", "gt", "a", true, "case_insensitive", true),
		cmp("substring", "hello world", "contains", "o w", true),
		cmp("substring ignoring case", "Hello", "contains", "hell", false),
		cmp("substring ignoring case (on)", "Hello", "contains", "hELL", true, "case_insensitive", true),
		cmp("case folding: STRASSE contains straße", "Große STRASSE 1", "contains", "straße", true, "case_insensitive", true),
		cmp("case folding: equal", "STRASSE", "eq", "Straße", true, "case_insensitive", true),
		cmp("case folding: final sigma", "ΟΔΟΣ", "eq", "οδος", true, "case_insensitive", true),
		cmp("case folding: object key", map[string]any{"Straße": 1.0}, "contains", "STRASSE", true, "case_insensitive", true),
		cmp("list element by value", []any{1.0, 2.0, 3.0}, "contains", "2", true),
		cmp("list element missing", []any{"a", "b"}, "contains", "c", false),
		cmp("object key", map[string]any{"id": 1.0}, "contains", "id", true),
		cmp("number digits", 12345.0, "contains", 234.0, true),
		cmp("nothing contains nothing", nil, "contains", "x", false),
		cmp("not_contains", "abc", "not_contains", "z", true),
		cmp("regex", "order-1234", "matches", `^order-\d+$`, true),
		cmp("regex case-insensitive", "ORDER-1", "matches", `^order-\d$`, true, "case_insensitive", true),
		cmp("starts_with", "invoice.pdf", "starts_with", "inv", true),
		cmp("ends_with", "invoice.pdf", "ends_with", ".PDF", true, "case_insensitive", true),
		cmp("list starts_with", []any{"a", "b"}, "starts_with", "a", true),
		cmp("list ends_with", []any{"a", "b"}, "ends_with", "a", false),
		cmp("is_empty null", nil, "is_empty", nil, true),
		cmp("is_empty text", "", "is_empty", nil, true),
		cmp("is_empty list", []any{}, "is_empty", nil, true),
		cmp("is_empty object", map[string]any{"a": 1.0}, "is_empty", nil, false),
		cmp("is_empty zero", 0.0, "is_empty", nil, false),
		{name: "bad regex", id: "logic.compare", in: map[string]any{"a": "x", "operator": "matches", "b": "(["}, errPort: "b", errHas: "regular expression"},
		{name: "unorderable", id: "logic.compare", in: map[string]any{"a": []any{1.0}, "operator": "lt", "b": 2.0}, errPort: "b", errHas: "cannot order"},
		{name: "order with nothing", id: "logic.compare", in: map[string]any{"a": nil, "operator": "gt", "b": 2.0}, errPort: "a"},
		{name: "unknown operator", id: "logic.compare", in: map[string]any{"a": 1.0, "operator": "approx", "b": 2.0}, errPort: "operator"},
		{name: "contains in boolean", id: "logic.compare", in: map[string]any{"a": true, "operator": "contains", "b": "t"}, errPort: "a"},
	}
}

func TestCompare(t *testing.T) { runCases(t, compareCases()) }

func boolCases() []nodeCase {
	tp, fp := nodes.PortTruePath, nodes.PortFalsePath
	return []nodeCase{
		{name: "a and b", id: "logic.and", in: map[string]any{"a": true, "b": "yes"}, want: nodes.Out{"result": true, tp: true}, path: tp},
		{name: "falsy text", id: "logic.and", in: map[string]any{"a": true, "b": "false"}, want: nodes.Out{"result": false, fp: false}, path: fp},
		{name: "values list", id: "logic.and", in: map[string]any{"values": []any{1.0, "x", []any{true}}}, want: nodes.Out{"result": true}, path: tp},
		{name: "values flattened one level", id: "logic.and", in: map[string]any{"values": []any{[]any{true, 0.0}}}, want: nodes.Out{"result": false}, path: fp},
		{name: "carries value", id: "logic.and", in: map[string]any{"a": 1.0, "b": 1.0, "value": "order-7"}, want: nodes.Out{tp: "order-7"}, path: tp},
		{name: "no operands", id: "logic.and", in: map[string]any{}, errPort: "values"},
		{name: "one truthy", id: "logic.or", in: map[string]any{"values": []any{0.0, "", "x"}}, want: nodes.Out{"result": true}, path: tp},
		{name: "none truthy", id: "logic.or", in: map[string]any{"a": nil, "b": 0.0, "values": []any{map[string]any{}}}, want: nodes.Out{"result": false}, path: fp},
		{name: "or without operands", id: "logic.or", in: map[string]any{"values": []any{}}, errPort: "values"},
		{name: "exactly one of two", id: "logic.xor", in: map[string]any{"a": true, "b": false}, want: nodes.Out{"result": true}, path: tp},
		{name: "both", id: "logic.xor", in: map[string]any{"a": true, "b": true}, want: nodes.Out{"result": false}, path: fp},
		{name: "odd of three", id: "logic.xor", in: map[string]any{"values": []any{true, true, true}}, want: nodes.Out{"result": true}, path: tp},
		{name: "xor without operands", id: "logic.xor", in: map[string]any{}, errPort: "values"},
		{name: "not empty list", id: "logic.not", in: map[string]any{"value": []any{}}, want: nodes.Out{"result": true, tp: []any{}}, path: tp},
		{name: "not text", id: "logic.not", in: map[string]any{"value": "on"}, want: nodes.Out{"result": false, fp: "on"}, path: fp},
		{name: "not nothing", id: "logic.not", in: map[string]any{}, want: nodes.Out{"result": true}, path: tp},
	}
}

func TestBooleanOperators(t *testing.T) { runCases(t, boolCases()) }

// TestFamilyDeclarations checks that every type is documented, categorised and tested.
func TestFamilyDeclarations(t *testing.T) {
	r := registry(t)
	covered := map[string]bool{}
	for _, cases := range [][]nodeCase{compareCases(), boolCases(), mathCases(), randomCases()} {
		for _, c := range cases {
			covered[c.id] = true
		}
	}
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != logicCategory && typ.Category != mathCategory {
			t.Errorf("%s: category %q", typ.ID, typ.Category)
		}
		if len(typ.Doc) < 80 || !strings.Contains(typ.Doc, "Example") {
			t.Errorf("%s: documentation too thin (needs an example): %q", typ.ID, typ.Doc)
		}
		if typ.Icon == "" || typ.Name == "" {
			t.Errorf("%s: name or icon missing", typ.ID)
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
		if !covered[typ.ID] {
			t.Errorf("%s: no test case", typ.ID)
		}
		delete(covered, typ.ID)
	}
	for id := range covered {
		t.Errorf("test cases for unregistered type %s", id)
	}
	sort.Strings(ids)
	if len(ids) < 22 {
		t.Errorf("only %d types registered: %v", len(ids), ids)
	}
}
