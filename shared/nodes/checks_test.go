package nodes_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

func TestPortBounds(t *testing.T) {
	both := &nodes.Port{Name: "ms", Type: nodes.Integer, Min: nodes.Bound(0), Max: nodes.Bound(900000)}
	least := &nodes.Port{Name: "size", Type: nodes.Integer, Min: nodes.Bound(1)}
	most := &nodes.Port{Name: "p", Type: nodes.Number, Max: nodes.Bound(0.5)}
	for _, tc := range []struct {
		p    *nodes.Port
		v    any
		want string // "" when accepted
	}{
		{both, 0.0, ""},
		{both, 900000.0, ""},
		{both, -1.0, `input "ms": must be between 0 and 900000, got -1`},
		{both, "3600000", `input "ms": must be between 0 and 900000, got 3600000`},
		{both, math.NaN(), `must be between 0 and 900000, got NaN`},
		{both, "", ""},     // unset
		{both, "soon", ""}, // not a number: the type check's business
		{least, 1e12, ""},  // no max
		{least, 0.0, `input "size": must be at least 1, got 0`},
		{most, 0.75, `input "p": must be at most 0.5, got 0.75`},
		{&nodes.Port{Name: "x", Type: nodes.Number}, -1e300, ""},
	} {
		err := tc.p.CheckValue(tc.v)
		var ie *nodes.InputError
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !errors.As(err, &ie) || ie.Port != tc.p.Name || err.Error() != tc.want && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s %v: %v, want %q", tc.p.Name, tc.v, err, tc.want)
		}
	}
}

func TestPortChecks(t *testing.T) {
	for _, tc := range []struct {
		check string
		v     any
		want  string
	}{
		{nodes.CheckRegexp, `^(?P<id>\d+)$`, ""},
		{nodes.CheckRegexp, "(a", "missing closing ): `(a`"},
		{nodes.CheckRegexp, `a(?=b)`, "invalid or unsupported Perl syntax"},
		{nodes.CheckRange, "1..5", ""},
		{nodes.CheckRange, "..5", ""},
		{nodes.CheckRange, " 1.5 .. ", ""},
		{nodes.CheckRange, "5", `range "5" must look like min..max`},
		{nodes.CheckRange, "a..5", `range "a..5": "a" is not a number`},
		// a range no number falls in was accepted and never matched
		{nodes.CheckRange, "10..1", `range "10..1": its min 10 is more than its max 1, so no number falls in it (write 1..10)`},
		{nodes.CheckRange, "-5..-10", `range "-5..-10": its min -5 is more than its max -10, so no number falls in it (write -10..-5)`},
		{nodes.CheckRange, "5..5", ""},
		{nodes.CheckValueType, "List", ""},
		{nodes.CheckValueType, "integer", `unknown type "integer" (string, number, boolean, object, list, null, datetime, bytes)`},
		{nodes.CheckText, "anything", ""},
	} {
		p := &nodes.Port{Name: "cases", Check: tc.check}
		err := p.CheckValue(tc.v)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s %q: %v, want %q", tc.check, tc.v, err, tc.want)
		}
	}
	same := func(check string, a, b any) bool {
		c, ok := nodes.LookupCheck(check)
		if !ok || c.Same == nil {
			t.Fatalf("check %q has no Same", check)
		}
		return c.Same(a, b)
	}
	if !same(nodes.CheckTimeWindow, "mon-fri 9:00-17:00", "Mon - Fri 09:00 - 17:00") || same(nodes.CheckTimeWindow, "09:00-17:00", "mon-sun 09:00-17:00x") ||
		same(nodes.CheckTimeWindow, "mon 09:00-17:00", "tue 09:00-17:00") || same(nodes.CheckTimeWindow, "09:00-17:00", "mon 09:00-17:00") {
		t.Error("time windows compare by their days and times")
	}
	if !same(nodes.CheckRange, "1..5", " 1 .. 5.0") || same(nodes.CheckRange, "1..5", "1..") || same(nodes.CheckRange, "..5", "5..") {
		t.Error("ranges compare by their bounds")
	}
	if !same(nodes.CheckValueType, "string", "STRING") || same(nodes.CheckValueType, "string", "list") {
		t.Error("type names compare in any case")
	}
	if !same(nodes.CheckText, 200.0, "200") || same(nodes.CheckText, 200.0, "200.0") {
		t.Error("text compares by ToString")
	}
}

// Call.Float, Int and IntOr apply the port's bounds: a node declaring them needs no check.
func TestCallAppliesBounds(t *testing.T) {
	typ := &nodes.Type{ID: "t.bounded", Inputs: []nodes.Port{{Name: "n", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(10)}}}
	call := func(v any) *nodes.Call { return &nodes.Call{Type: typ, In: map[string]any{"n": v}} }
	if n, err := call(10.0).Int("n"); err != nil || n != 10 {
		t.Fatalf("10: %d %v", n, err)
	}
	if _, err := call(11.0).Int("n"); err == nil || err.Error() != `input "n": must be between 1 and 10, got 11` {
		t.Fatalf("11: %v", err)
	}
	if _, err := call(0.5).Float("n"); err == nil || !strings.Contains(err.Error(), "got 0.5") {
		t.Fatalf("0.5: %v", err)
	}
	if n, err := call(nil).IntOr("n", 99); err != nil || n != 99 {
		t.Fatalf("the default given by the code is not checked: %d %v", n, err)
	}
	if _, err := call("0").IntOr("n", 5); err == nil {
		t.Fatal("IntOr checks a given value")
	}
	// without a type (or the port) nothing is bounded
	if n, err := (&nodes.Call{In: map[string]any{"n": 1e6}}).Int("n"); err != nil || n != 1e6 {
		t.Fatalf("no type: %d %v", n, err)
	}
}

func TestDeclaredConstraintsAreChecked(t *testing.T) {
	run := func(context.Context, *nodes.Call) (nodes.Out, error) { return nil, nil }
	for _, tc := range []struct {
		port nodes.Port
		want string
	}{
		{nodes.Port{Name: "s", Type: nodes.String, Min: nodes.Bound(1)}, "only number inputs take min and max"},
		{nodes.Port{Name: "n", Type: nodes.Number, Min: nodes.Bound(2), Max: nodes.Bound(1)}, "min is above max"},
		{nodes.Port{Name: "n", Type: nodes.Number, Default: 0.0, Min: nodes.Bound(1)}, "the default"},
		{nodes.Port{Name: "s", Type: nodes.String, Check: "nope"}, `unknown check "nope"`},
		{nodes.Port{Name: "rows", Type: nodes.List, Distinct: true}, "only dynamic inputs"},
		{nodes.Port{Name: "s", Type: nodes.String, Pauses: true}, "only boolean inputs can pause"},
	} {
		err := nodes.NewRegistry().Register(&nodes.Type{ID: "t.bad", Name: "Bad", Category: "T", Doc: "d", Run: run,
			Inputs: []nodes.Port{tc.port}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.port, err, tc.want)
		}
	}
}

// JMESPath queries are bounded before the recursive parser sees them (a 200 KB query of
// parentheses took 600 MB); brackets and "!" inside quotes, raw strings and literals do not
// count, and real queries pass.
func TestJMESPathLimits(t *testing.T) {
	for q, want := range map[string]string{
		strings.Repeat("a.", 3000) + "b":                          "jmespath query is 6001 bytes, more than the 4096 allowed",
		strings.Repeat("(", 65) + "a" + strings.Repeat(")", 65):   "brackets nest more than 64 levels deep",
		"a" + strings.Repeat("[0]", 10) + strings.Repeat("[", 70): "brackets nest more than 64 levels deep",
		strings.Repeat("! ", 65) + "a":                            "more than 64 '!' in a row",
		"people[?age > ":                                          "jmespath query \"people[?age > \":",
	} {
		_, err := nodes.CompileJMESPath(q)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.30q…: %v, want …%s…", q, err, want)
		}
	}
	for _, q := range []string{
		"people[?age > `20` && !(name == 'x')].name | sort(@) | [0]",
		"a.\"" + strings.Repeat("(", 100) + "\" || `" + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "` || '" + strings.Repeat("!", 100) + "'",
		strings.Repeat("(", 64) + "a" + strings.Repeat(")", 64),
		"a != b && c != d",
		strings.Repeat("a.", 2000) + "b",
	} {
		if _, err := nodes.CompileJMESPath(q); err != nil {
			t.Errorf("%.40q…: %v", q, err)
		}
	}
}
