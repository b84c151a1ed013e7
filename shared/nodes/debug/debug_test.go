package debug

import (
	"context"
	"errors"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	typ, ok := r.Lookup(id)
	if !ok {
		t.Fatalf("type %s not registered", id)
	}
	return typ
}

var covered = []string{"debug.assert", "debug.fail", "debug.inspect", "debug.log"}

func TestFamilyDeclarations(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != category || strings.TrimSpace(typ.Doc) == "" || typ.Icon == "" {
			t.Errorf("%s: category %q, doc %d chars, icon %q", typ.ID, typ.Category, len(typ.Doc), typ.Icon)
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
	}
	sort.Strings(ids)
	if !reflect.DeepEqual(ids, covered) {
		t.Fatalf("registered %v, tests cover %v", ids, covered)
	}
}

func TestLog(t *testing.T) {
	typ := lookup(t, "debug.log")
	cases := []struct {
		name    string
		in      map[string]any
		logs    []string
		errPort string
	}{
		{"message at the default level", map[string]any{"message": "hello", "value": 5.0}, []string{"info: hello"}, ""},
		{"warn", map[string]any{"message": "careful", "level": "warn"}, []string{"warn: careful"}, ""},
		{"error", map[string]any{"message": "bad", "level": "error"}, []string{"error: bad"}, ""},
		{"value when no message", map[string]any{"value": map[string]any{"a": 1.0}}, []string{`info: {"a":1}`}, ""},
		{"empty level means info", map[string]any{"message": "m", "level": ""}, []string{"info: m"}, ""},
		{"unknown level", map[string]any{"message": "m", "level": "debug"}, nil, "level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, host := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				if len(host.Logs) != 0 {
					t.Fatalf("logged %v on failure", host.Logs)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(host.Logs, tc.logs) {
				t.Fatalf("logs %q, want %q", host.Logs, tc.logs)
			}
			if !reflect.DeepEqual(out["value"], tc.in["value"]) {
				t.Fatalf("value %#v, want %#v passed through", out["value"], tc.in["value"])
			}
		})
	}
}

func TestFail(t *testing.T) {
	typ := lookup(t, "debug.fail")
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"message", map[string]any{"message": "upstream down"}, "upstream down"},
		{"default", map[string]any{}, "failed on purpose"},
		{"blank", map[string]any{"message": "  "}, "failed on purpose"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if err == nil || err.Error() != tc.want || out != nil {
				t.Fatalf("got %v, %v; want error %q", out, err, tc.want)
			}
		})
	}
}

func TestAssert(t *testing.T) {
	typ := lookup(t, "debug.assert")
	cases := []struct {
		name    string
		in      map[string]any
		errText string
	}{
		{"true passes", map[string]any{"condition": true, "value": "v"}, ""},
		{"non-empty list passes", map[string]any{"condition": []any{1.0}, "value": 1.0}, ""},
		{"number passes", map[string]any{"condition": 2.0}, ""},
		{"false fails", map[string]any{"condition": false, "message": "must be on"}, "must be on"},
		{"zero fails", map[string]any{"condition": 0.0}, "assertion failed"},
		{"string false fails", map[string]any{"condition": "false"}, "assertion failed"},
		{"empty object fails", map[string]any{"condition": map[string]any{}}, "assertion failed"},
		{"missing fails", map[string]any{}, "condition was nothing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.errText != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != "condition" || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %v: want an input error on condition mentioning %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(out["value"], tc.in["value"]) {
				t.Fatalf("value %#v, want %#v", out["value"], tc.in["value"])
			}
		})
	}
}

func TestInspect(t *testing.T) {
	typ := lookup(t, "debug.inspect")
	cases := []struct {
		name    string
		value   any
		typeOf  string
		size    float64
		truthy  bool
		json    string
		errPort string
	}{
		{"string counts characters", "héllo", "string", 5, true, `"héllo"`, ""},
		{"list", []any{1.0, 2.0, 3.0}, "list", 3, true, "[\n  1,\n  2,\n  3\n]", ""},
		{"object", map[string]any{"a": 1.0}, "object", 1, true, "{\n  \"a\": 1\n}", ""},
		{"number", 0.0, "number", 0, false, "0", ""},
		{"null", nil, "null", 0, false, "null", ""},
		{"bytes", []byte("abc"), "bytes", 3, true, `"YWJj"`, ""},
		{"typed list", []string{"a", "b"}, "list", 2, true, "[\n  \"a\",\n  \"b\"\n]", ""},
		{"NaN cannot be JSON", math.NaN(), "", 0, false, "", "value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"value": tc.value}, nodetest.Options{})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := nodes.Out{"type_of": tc.typeOf, "size": tc.size, "truthy": tc.truthy, "json": tc.json, "value": tc.value}
			if !reflect.DeepEqual(out, want) {
				t.Fatalf("got %#v\nwant %#v", out, want)
			}
		})
	}
}
