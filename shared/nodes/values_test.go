package nodes

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDescribeNeverCutsThroughACharacter(t *testing.T) {
	got := Describe(strings.Repeat("ü", 30))
	if !utf8.ValidString(got) || !strings.HasSuffix(got, `..."`) || !strings.HasPrefix(got, `string "üü`) {
		t.Fatalf("Describe = %q", got)
	}
}

// A boolean equals only a boolean, as in Compare: Switch must not send 1 to a case `true`, nor
// List contains find 1 in [true] (ToFloat reads true as 1 for arithmetic, not for equality).
func TestEqualKeepsBooleansApartFromNumbers(t *testing.T) {
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{1.0, true, false}, {true, 1.0, false}, {0, false, false}, {"1", true, false},
		{true, true, true}, {false, false, true}, {1, "1.0", true}, {3.0, 3, true},
		{[]any{1.0}, []any{true}, false},
	} {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// Numeric text is a decimal number as people and JSON write it: Go literal syntax that
// strconv.ParseFloat also takes (digit separators, hexadecimal floats) stays text.
func TestToFloatReadsDecimalTextOnly(t *testing.T) {
	for _, s := range []string{"1_000", "0x1p4", "0X1P-2", "1_0.5"} {
		if f, ok := ToFloat(s); ok {
			t.Errorf("ToFloat(%q) = %v, want not a number", s, f)
		}
	}
	for s, want := range map[string]float64{"12.5": 12.5, " 3 ": 3, "-1e3": -1000, ".5": 0.5, "1E2": 100} {
		if f, ok := ToFloat(s); !ok || f != want {
			t.Errorf("ToFloat(%q) = %v, %v, want %v", s, f, ok, want)
		}
	}
}

func TestToStringWritesObjectsAsJSONStringifyDoes(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{map[string]any{"b": "<b>&", "a": []any{1.0, nil}}, `{"a":[1,null],"b":"<b>&"}`},
		{[]any{"x > y"}, `["x > y"]`},
		{"<as is>", "<as is>"},
		{3.0, "3"},
		{nil, ""},
		// numbers as String(n) writes them: the exponent form from 1e21 and below 1e-6
		{1e21, "1e+21"}, {-1.5e300, "-1.5e+300"}, {999999999999999900000.0, "999999999999999900000"},
		{1e-7, "1e-7"}, {1.25e-10, "1.25e-10"}, {0.000001, "0.000001"}, {tenth() + 0.2, "0.30000000000000004"},
		{float32(1e22), "1e+22"}, {0.0, "0"},
	} {
		if got := ToString(tc.v); got != tc.want {
			t.Errorf("ToString(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// tenth is 0.1 at run time (a constant 0.1 + 0.2 is folded to exactly 0.3).
func tenth() float64 {
	x := 1.0
	return x / 10
}

// EqualKey agrees with Equal on every pair: Unique removes exactly what Index of finds equal.
func TestEqualKeyAgreesWithEqual(t *testing.T) {
	vals := []any{nil, true, false, 0, 0.0, -0.0, "0", "-0", 1, "1", "1.0", " 1 ", 1.5, "1.50", "abc", "ABC", "",
		int64(9007199254740993), "9007199254740993", 9007199254740992.0, "2024-05-01", "2024-05-01T00:00:00Z",
		"2024-05-01T02:00:00+02:00", []any{1.0, "a"}, []any{"1", "a"}, []any{"a", 1.0}, []string{"a"}, []any{"a"},
		map[string]any{"k": 1.0}, map[string]any{"k": "1.0"}, map[string]any{"k": 2.0}, Out{"k": 1}, []byte("abc"),
		map[string]any{}, []any{}, "null", "true", 1e300, "1e300"}
	for _, a := range vals {
		for _, b := range vals {
			if eq, same := Equal(a, b), EqualKey(a) == EqualKey(b); eq != same {
				t.Errorf("Equal(%#v, %#v) = %v but keys %q and %q", a, b, eq, EqualKey(a), EqualKey(b))
			}
			if Equal(a, b) != Equal(b, a) {
				t.Errorf("Equal(%#v, %#v) is not symmetric", a, b)
			}
		}
	}
	for _, tc := range [][2]any{{"3.0", "3"}, {"1e3", 1000}, {"2024-05-01", "2024-05-01T00:00:00Z"},
		{[]any{1.0, "a"}, []any{"1", "a"}}, {map[string]any{"k": 1.0}, Out{"k": "1.0"}}} {
		if !Equal(tc[0], tc[1]) {
			t.Errorf("Equal(%#v, %#v) = false, want true", tc[0], tc[1])
		}
	}
	for _, tc := range [][2]any{{int64(9007199254740993), 9007199254740992.0}, {"abc", "ABC"}, {"true", true}, {nil, ""}, {"null", nil}} {
		if Equal(tc[0], tc[1]) {
			t.Errorf("Equal(%#v, %#v) = true, want false", tc[0], tc[1])
		}
	}
}
