package expr_test

import (
	"math"
	"testing"
)

// % and mod() truncate as JavaScript does; whole numbers past int64 stay exact; a zero
// remainder is 0, not −0.
func TestModTruncatesExactly(t *testing.T) {
	for src, want := range map[string]float64{
		"{{ -7 % 3 }}":     -1,
		"{{ 7 % -3 }}":     1,
		"{{ mod(-7, 3) }}": -1,
		"{{ 5.5 % 2 }}":    1.5,
		"{{ 1e20 % 3 }}":   1,
		"{{ -1e19 % 7 }}":  math.Mod(-1e19, 7),
		"{{ -6 % 3 }}":     0,
		"{{ n % 4 }}":      3,
	} {
		got, ok := eval(t, src).(float64)
		if !ok || got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
}
