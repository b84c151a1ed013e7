package expr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/expr"
)

// ISO 8601 offsets without a colon (+0200) or with hours only (+02) need no layout.
func TestParseTimeBasicOffsets(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-05-01T12:00:00+0200", "2024-05-01T12:00:00+02", "2024-05-01 12:00:00+02:00", "2024-05-01T10:00:00Z"} {
		got, err := expr.ParseTime(s, "", "Europe/Amsterdam")
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got, err := expr.ToTime(s); err != nil || !got.Equal(want) {
			t.Errorf("ToTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if got := eval(t, "{{ formatDate(parseDate('2024-05-01T12:00:00-0130'), 'RFC3339', 'UTC') }}"); got != "2024-05-01T13:30:00Z" {
		t.Errorf("parseDate with -0130 = %v", got)
	}
}

// parseDate refuses a layout that reads no year, naming it, as the Parse date node does: a
// time-only layout parsed to the year 0000, outside the years 1 to 9999 the date functions keep.
func TestParseDateRefusesALayoutWithoutAYear(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"{{ parseDate('09:30', '15:04') }}", `layout "15:04" has no year, so the date would be the year 0000`},
		{"{{ parseDate('09:30:00', 'time') }}", `layout "time" has no year`},
		{"{{ parseDate('01/05', '02/01', 'Europe/Amsterdam') }}", `layout "02/01" has no year`},
		{"{{ parseDate('0000-05-01') }}", `"0000-05-01" is in the year 0000, outside the years 1 to 9999`},
		{"{{ parseDate('0000-05-01', 'date') }}", `outside the years 1 to 9999`},
	} {
		tm, err := expr.Compile(tc.src)
		if err != nil {
			t.Fatalf("compile %q: %v", tc.src, err)
		}
		v, err := tm.Eval(context.Background(), nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %v, %v; want an error with %q", tc.src, v, err, tc.want)
		}
	}
	// a year in the layout, two digits too, still parses
	for src, want := range map[string]string{
		"{{ formatDate(parseDate('01/05/24 09:30', '02/01/06 15:04'), 'RFC3339', 'UTC') }}": "2024-05-01T09:30:00Z",
		"{{ formatDate(parseDate('2024-05-01', 'date'), 'RFC3339', 'UTC') }}":               "2024-05-01T00:00:00Z",
	} {
		if got := eval(t, src); got != want {
			t.Errorf("%s = %v, want %s", src, got, want)
		}
	}
}
