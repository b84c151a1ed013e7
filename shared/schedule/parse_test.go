package schedule

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func seq(lo, hi, step int) []int {
	var out []int
	for v := lo; v <= hi; v += step {
		out = append(out, v)
	}
	return out
}

func TestParseFieldForms(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		field int
		want  []int
	}{
		{"minute star", "* * * * *", iMinute, seq(0, 59, 1)},
		{"minute single", "7 * * * *", iMinute, []int{7}},
		{"minute leading zero", "07 * * * *", iMinute, []int{7}},
		{"minute list", "0,15,45 * * * *", iMinute, []int{0, 15, 45}},
		{"minute range", "10-14 * * * *", iMinute, []int{10, 11, 12, 13, 14}},
		{"minute star step", "*/15 * * * *", iMinute, []int{0, 15, 30, 45}},
		{"minute range step", "1-30/7 * * * *", iMinute, []int{1, 8, 15, 22, 29}},
		{"minute start step", "5/15 * * * *", iMinute, []int{5, 20, 35, 50}},
		{"minute list of mixed forms", "1,10-12,*/30 * * * *", iMinute, []int{0, 1, 10, 11, 12, 30}},
		{"hour star", "0 * * * *", iHour, seq(0, 23, 1)},
		{"hour range", "0 9-17 * * *", iHour, seq(9, 17, 1)},
		{"hour star step", "0 */6 * * *", iHour, []int{0, 6, 12, 18}},
		{"dom single", "0 0 31 * *", iDom, []int{31}},
		{"dom star step", "0 0 */10 * *", iDom, []int{1, 11, 21, 31}},
		{"dom question mark", "0 0 ? * 1", iDom, seq(1, 31, 1)},
		{"month names", "0 0 1 JAN,jun,Dec *", iMonth, []int{1, 6, 12}},
		{"month name range", "0 0 1 mar-MAY *", iMonth, []int{3, 4, 5}},
		{"month step", "0 0 1 */3 *", iMonth, []int{1, 4, 7, 10}},
		{"month name start step", "0 0 1 FEB/4 *", iMonth, []int{2, 6, 10}},
		{"dow star", "0 0 * * *", iDow, seq(0, 6, 1)},
		{"dow zero is sunday", "0 0 * * 0", iDow, []int{0}},
		{"dow seven is sunday", "0 0 * * 7", iDow, []int{0}},
		{"dow names", "0 0 * * mon,WED,Fri", iDow, []int{1, 3, 5}},
		{"dow name range", "0 0 * * MON-FRI", iDow, []int{1, 2, 3, 4, 5}},
		{"dow range to seven", "0 0 * * 5-7", iDow, []int{0, 5, 6}},
		{"dow range to zero wraps", "0 0 * * 5-0", iDow, []int{0, 5, 6}},
		{"dow wrapping range", "0 0 * * FRI-TUE", iDow, []int{0, 1, 2, 5, 6}},
		{"dow range from seven", "0 0 * * 7-2", iDow, []int{0, 1, 2}},
		{"dow star step", "0 0 * * */2", iDow, []int{0, 2, 4, 6}},
		{"dow range step", "0 0 * * 1-5/2", iDow, []int{1, 3, 5}},
		{"dow wrapping range step", "0 0 * * 5-2/2", iDow, []int{0, 2, 5}},
		{"dow question mark", "0 0 1 * ?", iDow, seq(0, 6, 1)},
		{"extra whitespace", "  0\t9   * *  1  ", iHour, []int{9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if got := c.fields[tt.field].values(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) %s = %v, want %v", tt.expr, specs[tt.field].name, got, tt.want)
			}
		})
	}
}

func TestParseMacros(t *testing.T) {
	tests := []struct{ macro, same string }{
		{"@yearly", "0 0 1 1 *"},
		{"@annually", "0 0 1 1 *"},
		{"@monthly", "0 0 1 * *"},
		{"@weekly", "0 0 * * 0"},
		{"@daily", "0 0 * * *"},
		{"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"},
		{"@DAILY", "0 0 * * *"},
		{" @Hourly ", "0 * * * *"},
	}
	for _, tt := range tests {
		t.Run(tt.macro, func(t *testing.T) {
			m, err := Parse(tt.macro)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.macro, err)
			}
			want, err := Parse(tt.same)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.same, err)
			}
			for i := range m.fields {
				if m.fields[i].set != want.fields[i].set {
					t.Errorf("%s %s = %v, want %v", tt.macro, specs[i].name, m.fields[i].values(), want.fields[i].values())
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr, field, value, msg string
	}{
		{"0 25 * * *", FieldHour, "25", `hour field "25": value 25 is out of range 0-23`},
		{"60 * * * *", FieldMinute, "60", `minute field "60": value 60 is out of range 0-59`},
		{"0 0 0 * *", FieldDayOfMonth, "0", `day-of-month field "0": value 0 is out of range 1-31`},
		{"0 0 32 * *", FieldDayOfMonth, "32", `day-of-month field "32": value 32 is out of range 1-31`},
		{"0 0 * 13 *", FieldMonth, "13", `month field "13": value 13 is out of range 1-12`},
		{"0 0 * 0 *", FieldMonth, "0", `month field "0": value 0 is out of range 1-12`},
		{"0 0 * * 8", FieldDayOfWeek, "8", `day-of-week field "8": value 8 is out of range 0-7`},
		{"0 1,99 * * *", FieldHour, "1,99", `hour field "1,99": value 99 is out of range 0-23`},
		{"99999999999999999999 * * * *", FieldMinute, "99999999999999999999", `minute field "99999999999999999999": value 99999999999999999999 is out of range 0-59`},
		{"0 0 * FOO *", FieldMonth, "FOO", `month field "FOO": "FOO" is not a number or one of JAN-DEC`},
		{"0 0 * * MONDAY", FieldDayOfWeek, "MONDAY", `day-of-week field "MONDAY": "MONDAY" is not a number or one of SUN-SAT`},
		{"x * * * *", FieldMinute, "x", `minute field "x": "x" is not a number`},
		{"-1 * * * *", FieldMinute, "-1", `minute field "-1": range "-1" is missing its start (negative values are not allowed)`},
		{"1- * * * *", FieldMinute, "1-", `minute field "1-": range "1-" is missing its end`},
		{"1-2-3 * * * *", FieldMinute, "1-2-3", `minute field "1-2-3": range "1-2-3" has more than one '-'`},
		{"30-10 * * * *", FieldMinute, "30-10", `minute field "30-10": range "30-10" starts at 30, after its end 10`},
		{"0 0 * DEC-JAN *", FieldMonth, "DEC-JAN", `month field "DEC-JAN": range "DEC-JAN" starts at 12, after its end 1`},
		{"*/0 * * * *", FieldMinute, "*/0", `minute field "*/0": step 0 is out of range 1-59`},
		{"*/60 * * * *", FieldMinute, "*/60", `minute field "*/60": step 60 is out of range 1-59`},
		{"0 0 * * */7", FieldDayOfWeek, "*/7", `day-of-week field "*/7": step 7 is out of range 1-6`},
		{"*/ * * * *", FieldMinute, "*/", `minute field "*/": "*/" is missing the step after '/'`},
		{"*/x * * * *", FieldMinute, "*/x", `minute field "*/x": step "x" is not a number`},
		{"*/2/3 * * * *", FieldMinute, "*/2/3", `minute field "*/2/3": "*/2/3" has more than one '/'`},
		{"/5 * * * *", FieldMinute, "/5", `minute field "/5": "/5" is missing a value before '/'`},
		{"1,,2 * * * *", FieldMinute, "1,,2", `minute field "1,,2": has an empty list item (check for doubled or trailing commas)`},
		{"1, * * * *", FieldMinute, "1,", `minute field "1,": has an empty list item (check for doubled or trailing commas)`},
		{"? * * * *", FieldMinute, "?", `minute field "?": "?" is only allowed in day-of-month and day-of-week (where it means any day)`},
		{"0 0 30 2 *", FieldDayOfMonth, "30", `day-of-month field "30": the schedule would never run: no selected day exists in February`},
		{"0 0 31 4,6 *", FieldDayOfMonth, "31", `day-of-month field "31": the schedule would never run: no selected day exists in April or June`},
		{"", FieldExpression, "", `cron expression "": is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily`},
		{"   ", FieldExpression, "   ", `cron expression "   ": is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily`},
		{"* * * *", FieldExpression, "* * * *", `cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4`},
		{"0 0 12 * * ?", FieldExpression, "0 0 12 * * ?", `cron expression "0 0 12 * * ?": expected 5 fields (minute hour day-of-month month day-of-week), got 6; seconds and year fields are not supported; without the seconds: 0 12 * * *`},
		{"30 0 12 * * *", FieldExpression, "30 0 12 * * *", `cron expression "30 0 12 * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 6; seconds and year fields are not supported`},
		// other dialects: what to write instead
		{"cron(0 9 ? * MON-FRI *)", FieldExpression, "cron(0 9 ? * MON-FRI *)", `cron expression "cron(0 9 ? * MON-FRI *)": is EventBridge's cron(…) form; PolySynergy takes standard five-field cron (minute hour day-of-month month day-of-week) and turns it into EventBridge's form itself: write 0 9 * * MON-FRI`},
		{"cron(15 10 ? * 2-6 *)", FieldExpression, "cron(15 10 ? * 2-6 *)", `: write 15 10 * * 1-5`},
		{"cron(0 8 1 * ? *)", FieldExpression, "cron(0 8 1 * ? *)", `: write 0 8 1 * *`},
		{"cron(0/10 * ? * 1,7 *)", FieldExpression, "cron(0/10 * ? * 1,7 *)", `: write 0/10 * * * 0,6`},
		{"cron(0 18 L * ? *)", FieldExpression, "cron(0 18 L * ? *)", `turns it into EventBridge's form itself`},
		{"cron(0 9 * * ? 2027)", FieldExpression, "cron(0 9 * * ? 2027)", `turns it into EventBridge's form itself`},
		{"rate(5 minutes)", FieldExpression, "rate(5 minutes)", `cron expression "rate(5 minutes)": rate(…) is not supported; schedules are cron expressions: write */5 * * * *`},
		{"rate(1 hour)", FieldExpression, "rate(1 hour)", `: write 0 * * * *`},
		{"rate(6 hours)", FieldExpression, "rate(6 hours)", `: write 0 */6 * * *`},
		{"rate(1 day)", FieldExpression, "rate(1 day)", `: write 0 0 * * *`},
		{"rate(7 minutes)", FieldExpression, "rate(7 minutes)", `rate(…) is not supported; schedules are cron expressions: write the times as cron, e.g. */15 * * * * for every 15 minutes`},
		{"rate(30 seconds)", FieldExpression, "rate(30 seconds)", `rate(…) is not supported; schedules are cron expressions; schedules fire at most once a minute (EventBridge Scheduler's smallest rate is 1 minute): write * * * * * for every minute`},
		{"rate(0 minutes)", FieldExpression, "rate(0 minutes)", `the rate's value "0" is not a positive whole number`},
		{"rate(2 weeks)", FieldExpression, "rate(2 weeks)", `"week" is not a unit of rate(…) (minutes, hours or days)`},
		{"@every 5m", FieldExpression, "@every 5m", `cron expression "@every 5m": unknown macro; supported macros are @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly`},
		{"@reboot", FieldExpression, "@reboot", `cron expression "@reboot": unknown macro; supported macros are @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.expr, c)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T, want *Error", tt.expr, err)
			}
			if pe.Field != tt.field || pe.Value != tt.value {
				t.Errorf("Parse(%q) error Field=%q Value=%q, want %q %q", tt.expr, pe.Field, pe.Value, tt.field, tt.value)
			}
			// whole messages must match; fragments (the other dialects' suggestions) be in it
			whole := strings.HasPrefix(tt.msg, "cron expression") || strings.Contains(tt.msg, " field \"")
			if (whole && err.Error() != tt.msg) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", tt.expr, err, tt.msg)
			}
		})
	}
}

func TestParseAcceptsReachableDays(t *testing.T) {
	// 29 February exists in leap years, and a restricted day-of-week makes
	// any day-of-month reachable (either may match).
	for _, expr := range []string{"0 0 29 2 *", "0 0 30,31 2,3 *", "0 0 30 2 MON", "0 0 31 * *"} {
		if _, err := Parse(expr); err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
}

func TestCronString(t *testing.T) {
	c, err := Parse("  */5 * * * MON  ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.String(), "*/5 * * * MON"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
