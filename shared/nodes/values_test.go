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
