package expr_test

import (
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
