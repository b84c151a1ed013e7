package schedule

import (
	"errors"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"
)

func mustParse(t testing.TB, expr string) *Cron {
	t.Helper()
	c, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return c
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatalf("LoadZone(%q): %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse time %q: %v", s, err)
	}
	return tm
}

func formatAll(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.RFC3339)
	}
	return out
}

func TestNext(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		zone  string
		after string
		want  []string
	}{
		{"every 5 minutes", "*/5 * * * *", "UTC", "2025-01-01T10:02:30Z",
			[]string{"2025-01-01T10:05:00Z", "2025-01-01T10:10:00Z", "2025-01-01T10:15:00Z"}},
		{"strictly after an exact fire time", "*/5 * * * *", "UTC", "2025-01-01T10:05:00Z",
			[]string{"2025-01-01T10:10:00Z", "2025-01-01T10:15:00Z"}},
		{"weekdays at 09:30 in Amsterdam", "30 9 * * 1-5", "Europe/Amsterdam", "2025-01-03T12:00:00Z", // a Friday
			[]string{"2025-01-06T09:30:00+01:00", "2025-01-07T09:30:00+01:00"}},
		{"sunday as 7", "0 12 * * 7", "UTC", "2025-01-01T00:00:00Z",
			[]string{"2025-01-05T12:00:00Z", "2025-01-12T12:00:00Z"}},
		{"dow wrapping range", "0 8 * * FRI-MON", "UTC", "2025-01-01T00:00:00Z", // Wednesday
			[]string{"2025-01-03T08:00:00Z", "2025-01-04T08:00:00Z", "2025-01-05T08:00:00Z", "2025-01-06T08:00:00Z", "2025-01-10T08:00:00Z"}},
		{"day-of-month OR day-of-week", "0 0 13 * 5", "UTC", "2025-06-01T00:00:00Z",
			// Fridays 6, 13 (also the 13th, once), 20, 27 and Sunday 13 July
			[]string{"2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z", "2025-06-20T00:00:00Z", "2025-06-27T00:00:00Z", "2025-07-04T00:00:00Z", "2025-07-11T00:00:00Z", "2025-07-13T00:00:00Z"}},
		{"full day-of-week does not restrict", "0 0 13 * 0-6", "UTC", "2025-06-01T00:00:00Z",
			[]string{"2025-06-13T00:00:00Z", "2025-07-13T00:00:00Z"}},
		{"last days skip short months", "0 0 31 * *", "UTC", "2025-01-31T00:00:00Z",
			[]string{"2025-03-31T00:00:00Z", "2025-05-31T00:00:00Z", "2025-07-31T00:00:00Z"}},
		{"leap day", "0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"leap day across 2100", "0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z",
			[]string{"2104-02-29T00:00:00Z"}},
		{"yearly macro", "@yearly", "Asia/Tokyo", "2025-05-05T00:00:00Z",
			[]string{"2026-01-01T00:00:00+09:00", "2027-01-01T00:00:00+09:00"}},
		{"month and year rollover", "59 23 31 12 *", "UTC", "2025-12-31T23:59:00Z",
			[]string{"2026-12-31T23:59:00Z"}},
		{"after given in another zone", "0 9 * * *", "America/New_York", "2025-01-10T13:59:00Z",
			[]string{"2025-01-10T09:00:00-05:00", "2025-01-11T09:00:00-05:00"}},
		// America/New_York: 2025-03-09 02:00 EST → 03:00 EDT; 2025-11-02 02:00 EDT → 01:00 EST.
		{"nonexistent local time is skipped", "30 2 * * *", "America/New_York", "2025-03-07T12:00:00Z",
			[]string{"2025-03-08T02:30:00-05:00", "2025-03-10T02:30:00-04:00", "2025-03-11T02:30:00-04:00"}},
		{"every 30 minutes over spring forward", "*/30 * * * *", "America/New_York", "2025-03-09T06:15:00Z",
			[]string{"2025-03-09T01:30:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-09T03:30:00-04:00"}},
		{"ambiguous local time fires once", "30 1 * * *", "America/New_York", "2025-11-01T12:00:00Z",
			[]string{"2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"}},
		{"every 30 minutes over fall back", "*/30 * * * *", "America/New_York", "2025-11-02T04:45:00Z",
			[]string{"2025-11-02T01:00:00-04:00", "2025-11-02T01:30:00-04:00", "2025-11-02T02:00:00-05:00"}},
		{"after inside the repeated hour", "*/30 * * * *", "America/New_York", "2025-11-02T06:10:00Z", // 01:10 EST, second pass
			[]string{"2025-11-02T02:00:00-05:00", "2025-11-02T02:30:00-05:00"}},
		// Australia/Lord_Howe shifts by 30 minutes: 2025-10-05 02:00 → 02:30.
		{"half-hour DST shift", "15 2 * * *", "Australia/Lord_Howe", "2025-10-03T12:00:00Z",
			[]string{"2025-10-04T02:15:00+10:30", "2025-10-06T02:15:00+11:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.expr)
			loc := mustZone(t, tt.zone)
			got := c.Next(mustTime(t, tt.after), loc, len(tt.want))
			gs := formatAll(got)
			if len(gs) != len(tt.want) {
				t.Fatalf("Next(%s) = %v, want %v", tt.after, gs, tt.want)
			}
			for i := range gs {
				if gs[i] != tt.want[i] {
					t.Errorf("Next(%s)[%d] = %s, want %s (all: %v)", tt.after, i, gs[i], tt.want[i], gs)
				}
				if got[i].Location() != loc {
					t.Errorf("Next[%d] location = %v, want %v", i, got[i].Location(), loc)
				}
			}
		})
	}
}

func TestNextEdgeCases(t *testing.T) {
	c := mustParse(t, "0 * * * *")
	after := mustTime(t, "2025-01-01T00:30:00Z")
	if got := c.Next(after, time.UTC, 0); got != nil {
		t.Errorf("Next(n=0) = %v, want nil", got)
	}
	if got := c.Next(after, time.UTC, -3); got != nil {
		t.Errorf("Next(n=-3) = %v, want nil", got)
	}
	got := c.Next(after, nil, 1)
	if len(got) != 1 || !got[0].Equal(mustTime(t, "2025-01-01T01:00:00Z")) || got[0].Location() != time.UTC {
		t.Errorf("Next(nil loc) = %v, want [2025-01-01T01:00:00Z in UTC]", got)
	}
	many := c.Next(after, time.UTC, 1000)
	if len(many) != 1000 {
		t.Fatalf("Next(n=1000) returned %d times", len(many))
	}
	for i := 1; i < len(many); i++ {
		if d := many[i].Sub(many[i-1]); d != time.Hour {
			t.Fatalf("Next(n=1000)[%d]-[%d] = %v, want 1h", i, i-1, d)
		}
	}
}

// TestNextMatchesRobfig cross-checks fire times in UTC against
// github.com/robfig/cron/v3 for expressions where both libraries agree on
// semantics (robfig treats only a leading `*` as an unrestricted day field).
func TestNextMatchesRobfig(t *testing.T) {
	exprs := []string{
		"* * * * *", "*/7 * * * *", "5/15 3-20/4 * * *", "0 0 1 * *", "0 12 * * MON-FRI",
		"15,45 */3 10-20 * *", "0 0 * JAN,JUL *", "0 6 1-7 * *", "30 23 * * 0", "0 0 13 * 5",
		"0 9 1,15 */2 *", "1-10/3 0 * * 6", "@weekly", "@monthly", "0 0 28-31 2 *", "59 23 31 12 *",
	}
	parser := robfig.NewParser(robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)
	starts := []string{"2024-02-27T13:17:00Z", "2025-12-31T23:59:59Z", "2027-06-15T00:00:00Z"}
	for _, expr := range exprs {
		ours := mustParse(t, expr)
		theirs, err := parser.Parse(expr)
		if err != nil {
			t.Fatalf("robfig Parse(%q): %v", expr, err)
		}
		for _, s := range starts {
			after := mustTime(t, s)
			got := ours.Next(after, time.UTC, 40)
			if len(got) != 40 {
				t.Fatalf("%q after %s: got %d times, want 40", expr, s, len(got))
			}
			want := after
			for i := range got {
				want = theirs.Next(want)
				if !got[i].Equal(want) {
					t.Fatalf("%q after %s: time %d = %s, robfig says %s", expr, s, i, got[i].Format(time.RFC3339), want.Format(time.RFC3339))
				}
			}
		}
	}
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"} {
		loc, err := LoadZone(name)
		if err != nil {
			t.Errorf("LoadZone(%q): %v", name, err)
			continue
		}
		if loc.String() != name {
			t.Errorf("LoadZone(%q) = %v", name, loc)
		}
	}
	bad := []struct{ name, msg string }{
		{"", `time zone "": is empty; expected an IANA time zone name such as "Europe/Amsterdam" or "UTC"`},
		{"Local", `time zone "Local": is not an IANA time zone name such as "Europe/Amsterdam" or "UTC"`},
		{" UTC", `time zone " UTC": is not an IANA time zone name such as "Europe/Amsterdam" or "UTC"`},
		{"Mars/Olympus_Mons", `time zone "Mars/Olympus_Mons": is not a known IANA time zone name such as "Europe/Amsterdam" or "UTC"`},
		{"../../etc/passwd", `time zone "../../etc/passwd": is not a known IANA time zone name such as "Europe/Amsterdam" or "UTC"`},
	}
	for _, tt := range bad {
		_, err := LoadZone(tt.name)
		var pe *Error
		if !errors.As(err, &pe) || pe.Field != FieldTimeZone {
			t.Errorf("LoadZone(%q) error = %v, want *Error for the time zone", tt.name, err)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("LoadZone(%q) error\n got %s\nwant %s", tt.name, err, tt.msg)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	c := mustParse(b, "*/15 9-17 * * MON-FRI")
	loc := mustZone(b, "Europe/Amsterdam")
	after := mustTime(b, "2025-03-28T12:00:00Z")
	for b.Loop() {
		if got := c.Next(after, loc, 10); len(got) != 10 {
			b.Fatalf("got %d times", len(got))
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("*/15 9-17 1,15 JAN-JUN MON-FRI"); err != nil {
			b.Fatal(err)
		}
	}
}
