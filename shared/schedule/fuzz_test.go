package schedule

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var ebCronPattern = regexp.MustCompile(`^cron\([0-9*,/-]+ [0-9*,/-]+ (\?|[0-9*,/-]+) [0-9*,/-]+ (\?|[1-7,-]+) \*\)$`)

// FuzzParse checks Parse never panics, failures are *Error with a readable
// message, and for accepted expressions ToEventBridge, Describe and Next
// behave: a well-formed cron(...) or an ErrNotExpressible error, a non-empty
// description, and increasing fire times after the start that match the
// expression on the wall clock.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"* * * * *", "*/5 * * * *", "30 9 * * 1-5", "*/15 9-17 * * MON-FRI", "1-30/2 5/15 1,15 JAN-MAR 5-0",
		"0 0 29 2 *", "0 0 1 * MON", "@daily", "@weekly", "0 0 * * 7", "0 0 ? * FRI-TUE/2", "0 25 * * *",
		"", "@every 5m", "*/0 * * * *", "1,,2 * * * *", "0 0 30 2 *", "\t0  0 *\n* *",
	} {
		f.Add(s)
	}
	zones := []*time.Location{time.UTC, mustZone(f, "America/New_York"), mustZone(f, "Australia/Lord_Howe")}
	starts := []time.Time{
		time.Date(2025, 3, 9, 6, 59, 0, 0, time.UTC),  // just before New York springs forward
		time.Date(2025, 11, 2, 5, 29, 0, 0, time.UTC), // in New York's repeated hour
		time.Date(2096, 2, 28, 23, 0, 0, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Parse(expr)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v, want *Error", expr, err, err)
			}
			if pe.Field == "" || pe.Reason == "" || !strings.Contains(err.Error(), pe.Field) {
				t.Fatalf("Parse(%q) error %q lacks field or reason", expr, err)
			}
			return
		}
		eb, err := ToEventBridge(expr)
		switch {
		case err == nil:
			if !ebCronPattern.MatchString(eb) {
				t.Fatalf("ToEventBridge(%q) = %q, not a well-formed EventBridge cron", expr, eb)
			}
		case !errors.Is(err, ErrNotExpressible) || !strings.Contains(err.Error(), "day-of-week"):
			t.Fatalf("ToEventBridge(%q) error %v, want an ErrNotExpressible explaining the day fields", expr, err)
		}
		if c.Describe() == "" {
			t.Fatalf("Describe(%q) is empty", expr)
		}
		for i, loc := range zones {
			start := starts[i]
			times := c.Next(start, loc, 4)
			if len(times) == 0 {
				t.Fatalf("Next(%q, %s) found no fire time", expr, loc)
			}
			prev := start
			for _, tm := range times {
				if !tm.After(prev) {
					t.Fatalf("Next(%q, %s) = %v, not increasing after %v", expr, loc, times, start)
				}
				prev = tm
				wall := time.Date(tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), 0, 0, time.UTC)
				if tm.Location() != loc || tm.Second() != 0 && loc == time.UTC || !c.matches(wall) {
					t.Fatalf("Next(%q, %s) gave %v, which does not match", expr, loc, tm)
				}
			}
		}
	})
}

// matches reports whether a wall-clock time (given as UTC) fires.
func (c *Cron) matches(wall time.Time) bool {
	return c.fields[iMinute].has(wall.Minute()) && c.fields[iHour].has(wall.Hour()) &&
		c.fields[iMonth].has(int(wall.Month())) && c.dayMatches(wall)
}
