package schedule

import (
	"errors"
	"strings"
	"testing"
)

func TestToEventBridge(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		// minutes
		{"minute star", "* * * * *", "cron(* * * * ? *)"},
		{"minute single", "5 * * * *", "cron(5 * * * ? *)"},
		{"minute leading zero", "05 * * * *", "cron(5 * * * ? *)"},
		{"minute list", "0,15,45 * * * *", "cron(0,15,45 * * * ? *)"},
		{"minute range", "10-20 * * * *", "cron(10-20 * * * ? *)"},
		{"minute star step", "*/15 * * * *", "cron(*/15 * * * ? *)"},
		{"minute range step", "1-30/2 * * * *", "cron(1-30/2 * * * ? *)"},
		{"minute start step", "5/15 * * * *", "cron(5/15 * * * ? *)"},
		{"minute mixed list", "1,10-12,*/30 * * * *", "cron(1,10-12,*/30 * * * ? *)"},
		{"minute star inside a list", "*,5 * * * *", "cron(* * * * ? *)"},
		// hours
		{"hour single", "0 9 * * *", "cron(0 9 * * ? *)"},
		{"hour list", "0 9,12,17 * * *", "cron(0 9,12,17 * * ? *)"},
		{"hour range", "0 9-17 * * *", "cron(0 9-17 * * ? *)"},
		{"hour star step", "0 */2 * * *", "cron(0 */2 * * ? *)"},
		{"hour range step", "0 8-18/2 * * *", "cron(0 8-18/2 * * ? *)"},
		{"hour start step", "0 3/6 * * *", "cron(0 3/6 * * ? *)"},
		// day of month
		{"dom single", "0 0 1 * *", "cron(0 0 1 * ? *)"},
		{"dom list", "0 0 1,15 * *", "cron(0 0 1,15 * ? *)"},
		{"dom range", "0 0 1-7 * *", "cron(0 0 1-7 * ? *)"},
		{"dom star step", "0 0 */2 * *", "cron(0 0 */2 * ? *)"},
		{"dom range step", "0 0 1-15/7 * *", "cron(0 0 1-15/7 * ? *)"},
		{"dom start step", "0 0 5/10 * *", "cron(0 0 5/10 * ? *)"},
		{"dom question mark with dow", "0 0 ? * MON", "cron(0 0 ? * 2 *)"},
		{"dom full range is unrestricted", "0 0 1-31 * 1", "cron(0 0 ? * 2 *)"},
		// month
		{"month single", "0 0 1 6 *", "cron(0 0 1 6 ? *)"},
		{"month name", "0 0 1 jun *", "cron(0 0 1 6 ? *)"},
		{"month names list", "0 0 1 JAN,Apr,jul,OCT *", "cron(0 0 1 1,4,7,10 ? *)"},
		{"month name range", "0 0 1 MAR-MAY *", "cron(0 0 1 3-5 ? *)"},
		{"month star step", "0 0 1 */3 *", "cron(0 0 1 */3 ? *)"},
		{"month range step", "0 0 1 1-12/6 *", "cron(0 0 1 1-12/6 ? *)"},
		{"month name start step", "0 0 1 FEB/4 *", "cron(0 0 1 2/4 ? *)"},
		{"month with weekday", "0 0 * DEC 1-5", "cron(0 0 ? 12 2-6 *)"},
		// day of week: cron 0-6 (and 7) = SUN-SAT, EventBridge 1-7 = SUN-SAT
		{"dow sunday 0", "0 0 * * 0", "cron(0 0 ? * 1 *)"},
		{"dow sunday 7", "0 0 * * 7", "cron(0 0 ? * 1 *)"},
		{"dow saturday", "0 0 * * 6", "cron(0 0 ? * 7 *)"},
		{"dow each value", "0 0 * * 1", "cron(0 0 ? * 2 *)"},
		{"dow list", "0 0 * * 1,3,5", "cron(0 0 ? * 2,4,6 *)"},
		{"dow list with both sundays", "0 0 * * 0,7,6", "cron(0 0 ? * 1,7 *)"},
		{"dow range", "0 0 * * 1-5", "cron(0 0 ? * 2-6 *)"},
		{"dow names", "0 0 * * MON,wed,Fri", "cron(0 0 ? * 2,4,6 *)"},
		{"dow name range", "0 0 * * mon-fri", "cron(0 0 ? * 2-6 *)"},
		{"dow range ending on 7", "0 0 * * 5-7", "cron(0 0 ? * 1,6,7 *)"},
		{"dow range wrapping to 0", "0 0 * * 5-0", "cron(0 0 ? * 1,6,7 *)"},
		{"dow wrapping range", "0 0 * * FRI-TUE", "cron(0 0 ? * 1-3,6,7 *)"},
		{"dow range from 7", "0 0 * * 7-2", "cron(0 0 ? * 1-3 *)"},
		{"dow star step", "0 0 * * */2", "cron(0 0 ? * 1,3,5,7 *)"},
		{"dow range step", "0 0 * * 1-5/2", "cron(0 0 ? * 2,4,6 *)"},
		{"dow start step", "0 0 * * 1/3", "cron(0 0 ? * 2,5 *)"},
		{"dow full range is unrestricted", "0 0 * * 0-6", "cron(0 0 * * ? *)"},
		{"dow full list is unrestricted", "0 0 15 * 0,1,2,3,4,5,6", "cron(0 0 15 * ? *)"},
		// combinations
		{"office hours", "*/15 9-17 * * 1-5", "cron(*/15 9-17 ? * 2-6 *)"},
		{"weekday mornings", "30 9 * * MON-FRI", "cron(30 9 ? * 2-6 *)"},
		{"quarterly", "0 6 1 JAN,APR,JUL,OCT *", "cron(0 6 1 1,4,7,10 ? *)"},
		// macros
		{"@yearly", "@yearly", "cron(0 0 1 1 ? *)"},
		{"@annually", "@annually", "cron(0 0 1 1 ? *)"},
		{"@monthly", "@monthly", "cron(0 0 1 * ? *)"},
		{"@weekly", "@weekly", "cron(0 0 ? * 1 *)"},
		{"@daily", "@daily", "cron(0 0 * * ? *)"},
		{"@midnight", "@midnight", "cron(0 0 * * ? *)"},
		{"@hourly", "@hourly", "cron(0 * * * ? *)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToEventBridge(tt.expr)
			if err != nil {
				t.Fatalf("ToEventBridge(%q): %v", tt.expr, err)
			}
			if got != tt.want {
				t.Errorf("ToEventBridge(%q) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestToEventBridgeBothDaysRestricted(t *testing.T) {
	for _, expr := range []string{"0 0 1 * MON", "0 0 1,15 * 1-5", "0 0 */2 * 0", "0 0 13 * 5"} {
		got, err := ToEventBridge(expr)
		if err == nil {
			t.Fatalf("ToEventBridge(%q) = %q, want an error", expr, got)
		}
		if !errors.Is(err, ErrNotExpressible) {
			t.Errorf("ToEventBridge(%q) error %v does not wrap ErrNotExpressible", expr, err)
		}
		for _, want := range []string{expr, "both day-of-month", "day-of-week", "either", "'?'"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("ToEventBridge(%q) error %q does not mention %q", expr, err, want)
			}
		}
	}
	want := `cron "0 0 1 * MON" cannot be expressed as an EventBridge Scheduler cron expression: ` +
		`both day-of-month ("1") and day-of-week ("MON") are restricted, so classic cron fires on days matching either, ` +
		`but EventBridge requires one of them to be '?'; restrict only one of the two or use two schedules`
	if _, err := ToEventBridge("0 0 1 * MON"); err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func TestToEventBridgeInvalidCron(t *testing.T) {
	_, err := ToEventBridge("0 24 * * *")
	var pe *Error
	if !errors.As(err, &pe) || pe.Field != FieldHour {
		t.Fatalf("ToEventBridge(invalid) error = %v, want *Error for the hour field", err)
	}
}

// TestEventBridgeDayOfWeekAgreesWithNext checks the renumbered weekday list
// names exactly the days Next fires on, for every single weekday and a few
// ranges, steps and wraps.
func TestEventBridgeDayOfWeekAgreesWithNext(t *testing.T) {
	ebDays := map[string]string{"1": "Sunday", "2": "Monday", "3": "Tuesday", "4": "Wednesday", "5": "Thursday", "6": "Friday", "7": "Saturday"}
	for _, dow := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "1-5", "5-0", "SAT-MON", "*/3", "2-6/2", "0,3,7"} {
		expr := "0 12 * * " + dow
		c := mustParse(t, expr)
		eb, err := c.EventBridge()
		if err != nil {
			t.Fatalf("EventBridge(%q): %v", expr, err)
		}
		field := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(eb, "cron("), ")"))[4]
		want := map[string]bool{}
		for _, part := range strings.Split(field, ",") {
			lo, hi, isRange := strings.Cut(part, "-")
			if !isRange {
				hi = lo
			}
			for d := lo[0]; d <= hi[0]; d++ {
				want[ebDays[string(d)]] = true
			}
		}
		got := map[string]bool{}
		for _, tm := range c.Next(mustTime(t, "2025-01-01T00:00:00Z"), nil, 21) {
			got[tm.Weekday().String()] = true
		}
		if len(got) != len(want) {
			t.Errorf("%q → %s: EventBridge days %v, Next fires on %v", expr, eb, want, got)
		}
		for d := range got {
			if !want[d] {
				t.Errorf("%q → %s: Next fires on %s, EventBridge does not", expr, eb, d)
			}
		}
	}
}
