package logic

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func res(v float64) nodes.Out { return nodes.Out{"result": v} }

func mathCases() []nodeCase {
	ab := func(a, b any) map[string]any { return map[string]any{"a": a, "b": b} }
	val := func(v any) map[string]any { return map[string]any{"value": v} }
	vals := func(v ...any) map[string]any { return map[string]any{"values": v} }
	return []nodeCase{
		{name: "add", id: "math.add", in: ab(2.0, 3.5), want: res(5.5)},
		{name: "add numeric text", id: "math.add", in: ab("2", " 3 "), want: res(5)},
		{name: "add text", id: "math.add", in: ab("two", 3.0), errPort: "a", errHas: "expected a number"},
		{name: "add nothing", id: "math.add", in: ab(1.0, nil), errPort: "b"},
		{name: "add overflow", id: "math.add", in: ab(math.MaxFloat64, math.MaxFloat64), errPort: "b", errHas: "finite"},
		{name: "subtract", id: "math.subtract", in: ab(10.0, "4"), want: res(6)},
		{name: "subtract object", id: "math.subtract", in: ab(10.0, map[string]any{}), errPort: "b"},
		{name: "multiply", id: "math.multiply", in: ab(4.0, 2.5), want: res(10)},
		{name: "multiply list", id: "math.multiply", in: ab([]any{1.0}, 2.0), errPort: "a"},
		{name: "divide", id: "math.divide", in: ab(7.0, 2.0), want: res(3.5)},
		{name: "divide by zero", id: "math.divide", in: ab(7.0, "0"), errPort: "b", errHas: "division by zero"},
		{name: "modulo", id: "math.modulo", in: ab(17.0, 5.0), want: res(2)},
		{name: "modulo negative dividend", id: "math.modulo", in: ab(-7.0, 3.0), want: res(2)},
		{name: "modulo negative divisor", id: "math.modulo", in: ab(7.0, -3.0), want: res(-2)},
		{name: "modulo fractions", id: "math.modulo", in: ab(5.5, 2.0), want: res(1.5)},
		{name: "modulo by zero", id: "math.modulo", in: ab(1.0, 0.0), errPort: "b"},
		{name: "power", id: "math.power", in: ab(2.0, 10.0), want: res(1024)},
		{name: "root", id: "math.power", in: ab(9.0, 0.5), want: res(3)},
		{name: "power not real", id: "math.power", in: ab(-8.0, 1.0/3), errPort: "b"},
		{name: "power too large", id: "math.power", in: ab(10.0, 400.0), errPort: "b"},
		{name: "abs", id: "math.abs", in: val(-4.2), want: res(4.2)},
		{name: "abs text", id: "math.abs", in: val("minus one"), errPort: "value"},
		{name: "round half up", id: "math.round", in: val(2.5), want: res(3)},
		{name: "round half away from zero", id: "math.round", in: val(-2.5), want: res(-3)},
		{name: "round digits", id: "math.round", in: map[string]any{"value": 3.14159, "digits": 2.0}, want: res(3.14)},
		{name: "round decimal as written", id: "math.round", in: map[string]any{"value": 2.675, "digits": 2.0}, want: res(2.68)},
		{name: "round to hundreds", id: "math.round", in: map[string]any{"value": 1250.0, "digits": -2.0}, want: res(1300)},
		{name: "round digits out of range", id: "math.round", in: map[string]any{"value": 1.0, "digits": 40.0}, errPort: "digits"},
		{name: "round fractional digits", id: "math.round", in: map[string]any{"value": 1.0, "digits": 1.5}, errPort: "digits"},
		{name: "round text", id: "math.round", in: val("x"), errPort: "value"},
		{name: "floor", id: "math.floor", in: val(-2.5), want: res(-3)},
		{name: "floor text", id: "math.floor", in: val(true), want: res(1)},
		{name: "floor list", id: "math.floor", in: val([]any{}), errPort: "value"},
		{name: "ceil", id: "math.ceil", in: val("2.1"), want: res(3)},
		{name: "ceil nothing", id: "math.ceil", in: val(nil), errPort: "value"},
		{name: "min", id: "math.min", in: vals(4.0, "2", 9.0), want: res(2)},
		{name: "min flattens one connection's list", id: "math.min", in: vals([]any{4.0, -1.0}, 3.0), want: res(-1)},
		{name: "min empty", id: "math.min", in: vals(), errPort: "values"},
		{name: "max", id: "math.max", in: vals(4.0, "2", 9.0, nil), want: res(9)},
		{name: "max bad element", id: "math.max", in: vals(4.0, "n/a"), errPort: "values", errHas: "element 2"},
		{name: "max of nothing", id: "math.max", in: map[string]any{}, errPort: "values"},
		{name: "sum", id: "math.sum", in: vals(1.0, 2.5, "3"), want: res(6.5)},
		{name: "sum of decimals", id: "math.sum", in: vals(0.1, 0.2, 0.3, -0.6), want: res(0)},
		{name: "sum empty", id: "math.sum", in: vals(), want: res(0)},
		{name: "sum boolean", id: "math.sum", in: vals(1.0, true), errPort: "values"},
		{name: "average", id: "math.average", in: vals(2.0, 4.0, 9.0), want: res(5)},
		{name: "average skips nulls", id: "math.average", in: vals(2.0, nil, 4.0), want: res(3)},
		{name: "average empty", id: "math.average", in: vals(nil), errPort: "values"},
		{name: "clamp above", id: "math.clamp", in: map[string]any{"value": 120.0, "min": 0.0, "max": 100.0}, want: res(100)},
		{name: "clamp below", id: "math.clamp", in: map[string]any{"value": "-5", "min": 0.0, "max": 100.0}, want: res(0)},
		{name: "clamp inside", id: "math.clamp", in: map[string]any{"value": 42.0, "min": 0.0, "max": 100.0}, want: res(42)},
		{name: "clamp inverted", id: "math.clamp", in: map[string]any{"value": 1.0, "min": 10.0, "max": 0.0}, errPort: "min"},
		{name: "expression", id: "math.expression",
			in:   map[string]any{"expression": "round(price * qty * (1 + vat))", "variables": map[string]any{"price": 9.99, "qty": "3", "vat": 0.21}},
			want: res(36)},
		{name: "expression functions", id: "math.expression", in: map[string]any{"expression": "sqrt(x) + pow(2, 3) + max(1, 4)", "variables": map[string]any{"x": 16.0}}, want: res(16)},
		{name: "expression integer result", id: "math.expression", in: map[string]any{"expression": "7 % 4"}, want: res(3)},
		{name: "expression syntax", id: "math.expression", in: map[string]any{"expression": "1 +* 2"}, errPort: "expression", errHas: "column"},
		{name: "expression not a number", id: "math.expression", in: map[string]any{"expression": "x > 1", "variables": map[string]any{"x": 2.0}}, errPort: "expression", errHas: "not a number"},
		{name: "expression runtime error", id: "math.expression", in: map[string]any{"expression": "x / y", "variables": map[string]any{"x": "a", "y": 2.0}}, errPort: "expression"},
		{name: "expression empty", id: "math.expression", in: map[string]any{"expression": " "}, errPort: "expression"},
		{name: "expression bad variables", id: "math.expression", in: map[string]any{"expression": "1", "variables": "x=1"}, errPort: "variables"},
	}
}

func TestMath(t *testing.T) { runCases(t, mathCases()) }

func randomCases() []nodeCase {
	return []nodeCase{
		{name: "inverted", id: "math.random", in: map[string]any{"min": 5.0, "max": 1.0}, errPort: "max"},
		{name: "no whole number", id: "math.random", in: map[string]any{"min": 1.2, "max": 1.8, "integer": true}, errPort: "max"},
		{name: "fixed", id: "math.random", in: map[string]any{"min": 3.0, "max": 3.0, "integer": true}, want: res(3)},
		{name: "text bound", id: "math.random", in: map[string]any{"min": "low"}, errPort: "min"},
	}
}

func TestRandom(t *testing.T) {
	runCases(t, randomCases())
	typ, _ := registry(t).Lookup("math.random")
	seen := map[float64]bool{}
	for range 500 {
		out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"min": 1.0, "max": 6.0, "integer": true}, nodetest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := out["result"].(float64)
		if x < 1 || x > 6 || x != math.Trunc(x) {
			t.Fatalf("die roll %v outside 1..6", x)
		}
		seen[x] = true
	}
	if len(seen) != 6 {
		t.Errorf("500 die rolls gave only %v", seen)
	}
	for range 200 {
		out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"min": -2.0, "max": "0.5"}, nodetest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if x := out["result"].(float64); x < -2 || x >= 0.5 {
			t.Fatalf("%v outside [-2, 0.5)", x)
		}
	}
}

func TestRound(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		digits int
		want   float64
	}{
		{0.5, 0, 1}, {1.5, 0, 2}, {-0.5, 0, -1}, {0.05, 1, 0.1}, {0.004, 2, 0}, {-0.004, 2, 0},
		{1.005, 2, 1.01}, {999.5, 0, 1000}, {1234.5678, -2, 1200}, {0.0004, 2, 0}, {123, 2, 123},
		{1e20, 0, 1e20}, {5e-324, 2, 0}, {9.995, 2, 10}, {-1.45, 1, -1.5}, {1234, -4, 0}, {5678, -4, 10000},
	} {
		if got := Round(tc.x, tc.digits); got != tc.want || math.Signbit(got) != math.Signbit(tc.want) {
			t.Errorf("Round(%v, %d) = %v, want %v", tc.x, tc.digits, got, tc.want)
		}
	}
}

func TestModuloZeroIsNotNegativeZero(t *testing.T) {
	typ, _ := registry(t).Lookup("math.modulo")
	out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"a": -6.0, "b": 3.0}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := out["result"].(float64); r != 0 || math.Signbit(r) {
		t.Fatalf("-6 mod 3 = %v, want 0", out["result"])
	}
}

// A zero result is 0, never −0 (which JSON writes as -0, and the run showed): 0 / −5,
// 0 × −5, ceil(−0.5), floor("-0"), the sum of −0s.
func TestMathZeroIsNotNegativeZero(t *testing.T) {
	reg := registry(t)
	for _, tc := range []struct {
		id string
		in map[string]any
	}{
		{"math.divide", map[string]any{"a": 0.0, "b": -5.0}},
		{"math.multiply", map[string]any{"a": 0.0, "b": -5.0}},
		{"math.subtract", map[string]any{"a": math.Copysign(0, -1), "b": 0.0}},
		{"math.ceil", map[string]any{"value": -0.5}},
		{"math.floor", map[string]any{"value": "-0"}},
		{"math.abs", map[string]any{"value": math.Copysign(0, -1)}},
		{"math.sum", map[string]any{"values": []any{math.Copysign(0, -1)}}},
		{"math.min", map[string]any{"values": []any{0.0, math.Copysign(0, -1)}}},
		{"math.clamp", map[string]any{"value": math.Copysign(0, -1), "min": -1.0, "max": 1.0}},
		{"math.expression", map[string]any{"expression": "0 * -1"}},
	} {
		typ, ok := reg.Lookup(tc.id)
		if !ok {
			t.Fatalf("no %s", tc.id)
		}
		out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
		if err != nil {
			t.Fatalf("%s %v: %v", tc.id, tc.in, err)
		}
		if r, ok := out["result"].(float64); !ok || r != 0 || math.Signbit(r) {
			t.Errorf("%s %v = %#v, want 0", tc.id, tc.in, out["result"])
		}
	}
}

// A name the expression reads that no variables row sets is an error naming it and the
// variables there are: a typo (`prce`) read as null and the node answered null or a
// message that did not say which name was wrong.
func TestMathExpressionNamesAnUnknownVariable(t *testing.T) {
	typ, _ := registry(t).Lookup("math.expression")
	rows := map[string]any{"price": 9.99, "qty": "3"}
	for _, tc := range []struct {
		expression string
		vars       map[string]any
		want       string // in the error; "" for success
	}{
		{"round(prce * qty)", rows, `unknown variable "prce": the variables are price, qty`},
		{"prce", rows, `unknown variable "prce"`},
		{"prce ?? 0", rows, `unknown variable "prce"`},
		{"price * qtty + vat", rows, `unknown variables "qtty", "vat": the variables are price, qty`},
		{"x + 1", nil, `unknown variable "x": there are no variables`},
		{"round(price * qty)", rows, ""},
		{"let x = 2; x * qty + max(1, 2)", rows, ""},
		{"sum(map([1, 2], # * qty))", rows, ""},
	} {
		in := map[string]any{"expression": tc.expression}
		if tc.vars != nil {
			in["variables"] = tc.vars
		}
		out, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.expression, err)
			}
			continue
		}
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != "expression" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, %v; want an error at expression with %q", tc.expression, out, err, tc.want)
		}
	}
}
