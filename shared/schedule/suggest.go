package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// People bring cron expressions from elsewhere: EventBridge's `cron(0 9 ? * MON-FRI *)` and
// `rate(5 minutes)`, Quartz's and Spring's six fields with seconds first. Parse takes
// standard five-field cron; for these it says what to write instead, when there is a
// five-field equivalent.

// foreignCron returns the reason for an expression in another cron dialect, naming the
// five-field equivalent when there is one; ok is false for anything else.
func foreignCron(trimmed string) (reason string, ok bool) {
	lower := strings.ToLower(trimmed)
	switch {
	case strings.HasPrefix(lower, "cron(") && strings.HasSuffix(lower, ")"):
		inner := strings.TrimSpace(trimmed[len("cron(") : len(trimmed)-1])
		base := "is EventBridge's cron(…) form; PolySynergy takes standard five-field cron (minute hour day-of-month month day-of-week) and turns it into EventBridge's form itself"
		if s, ok := fromEventBridge(inner); ok {
			if _, err := Parse(s); err == nil {
				return base + ": write " + s, true
			}
		}
		return base, true
	case strings.HasPrefix(lower, "rate(") && strings.HasSuffix(lower, ")"):
		base := "rate(…) is not supported; schedules are cron expressions"
		spec := strings.TrimSpace(lower[len("rate(") : len(lower)-1])
		if s, ok := fromRate(spec); ok {
			return base + ": write " + s, true
		}
		if why := rateProblem(spec); why != "" {
			return base + "; " + why, true
		}
		return base + ": write the times as cron, e.g. */15 * * * * for every 15 minutes", true
	}
	parts := strings.Fields(trimmed)
	if len(parts) == 6 {
		reason := "expected 5 fields (minute hour day-of-month month day-of-week), got 6; seconds and year fields are not supported"
		if parts[0] == "0" {
			rest := slices.Clone(parts[1:])
			for i, p := range rest {
				if p == "?" {
					rest[i] = "*"
				}
			}
			s := strings.Join(rest, " ")
			if _, err := Parse(s); err == nil {
				reason += "; without the seconds: " + s
			}
		}
		return reason, true
	}
	return "", false
}

// fromEventBridge converts EventBridge's six fields (minute hour day-of-month month
// day-of-week year, day-of-week 1–7 from Sunday) to five, when the year is * and no
// EventBridge-only syntax (L, W, #) is used.
func fromEventBridge(inner string) (string, bool) {
	f := strings.Fields(inner)
	if len(f) != 6 || f[5] != "*" || strings.ContainsAny(inner, "LW#") {
		return "", false
	}
	dow := f[4]
	if dow != "*" && dow != "?" {
		var items []string
		for item := range strings.SplitSeq(dow, ",") {
			base, step, hasStep := strings.Cut(item, "/")
			var ends []string
			for e := range strings.SplitSeq(base, "-") {
				if n, err := strconv.Atoi(e); err == nil {
					if n < 1 || n > 7 {
						return "", false
					}
					e = strconv.Itoa(n - 1)
				}
				ends = append(ends, e)
			}
			item = strings.Join(ends, "-")
			if hasStep {
				item += "/" + step
			}
			items = append(items, item)
		}
		dow = strings.Join(items, ",")
	}
	dom := f[2]
	if dom == "?" {
		dom = "*"
	}
	if dow == "?" {
		dow = "*"
	}
	return strings.Join([]string{f[0], f[1], dom, f[3], dow}, " "), true
}

// rateProblem says what is wrong with a rate that EventBridge itself would refuse too: a
// unit below a minute, one it does not know, or a value that is not a positive whole number
// ("" for a well-formed rate that has no cron form, such as 7 minutes).
func rateProblem(spec string) string {
	num, unit, _ := strings.Cut(spec, " ")
	unit = strings.TrimSuffix(strings.TrimSpace(unit), "s")
	switch unit {
	case "second", "sec", "millisecond", "ms":
		return "schedules fire at most once a minute (EventBridge Scheduler's smallest rate is 1 minute): write * * * * * for every minute"
	case "minute", "hour", "day":
	case "":
		return "write the times as cron, e.g. */15 * * * * for every 15 minutes"
	default:
		return fmt.Sprintf("%q is not a unit of rate(…) (minutes, hours or days); write the times as cron, e.g. 0 9 * * MON for every week", unit)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(num)); err != nil || n < 1 {
		return fmt.Sprintf("the rate's value %q is not a positive whole number; write the times as cron, e.g. */15 * * * * for every 15 minutes", num)
	}
	return ""
}

// fromRate converts rate(N unit) to cron when N units divide the next larger unit evenly.
func fromRate(spec string) (string, bool) {
	num, unit, ok := strings.Cut(spec, " ")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if !ok || err != nil || n < 1 {
		return "", false
	}
	switch strings.TrimSuffix(strings.TrimSpace(unit), "s") {
	case "minute":
		switch {
		case n == 1:
			return "* * * * *", true
		case 60%n == 0:
			return fmt.Sprintf("*/%d * * * *", n), true
		}
	case "hour":
		switch {
		case n == 1:
			return "0 * * * *", true
		case 24%n == 0:
			return fmt.Sprintf("0 */%d * * *", n), true
		}
	case "day":
		if n == 1 {
			return "0 0 * * *", true
		}
	}
	return "", false
}

// otherDialectItem returns the reason for a list item written in Quartz's or EventBridge's
// cron syntax that five-field cron does not have — L (last), W (nearest weekday), # (nth
// weekday of the month), and '?' outside the day fields — naming what the form means, so
// the message does not merely say it "is not a number"; ok is false for anything else.
func otherDialectItem(part string, s *fieldSpec) (reason string, ok bool) {
	const tail = "; it is Quartz and EventBridge syntax, which five-field cron (and so PolySynergy) does not have"
	up := strings.ToUpper(part)
	switch s.name {
	case FieldDayOfMonth:
		switch {
		case up == "L":
			return `"L" (the last day of the month) is not supported` + tail + `; to run on it, schedule days 28-31 and let the flow go on only when tomorrow is the 1st`, true
		case up == "LW":
			return `"LW" (the last weekday of the month) is not supported` + tail, true
		case strings.HasPrefix(up, "L-"):
			return fmt.Sprintf("%q (days before the last day of the month) is not supported", part) + tail, true
		case strings.HasSuffix(up, "W") && len(up) > 1:
			if _, isNum := number(up[:len(up)-1]); isNum {
				return fmt.Sprintf("%q (the weekday nearest day %s) is not supported", part, up[:len(up)-1]) + tail, true
			}
		}
	case FieldDayOfWeek:
		if day, nth, found := strings.Cut(up, "#"); found {
			return fmt.Sprintf("%q (the %s %s of the month) is not supported", part, nthWord(nth), weekdayWord(day)) + tail, true
		}
		if len(up) > 1 && strings.HasSuffix(up, "L") {
			return fmt.Sprintf("%q (the last %s of the month) is not supported", part, weekdayWord(up[:len(up)-1])) + tail, true
		}
	case FieldMinute, FieldHour, FieldMonth:
		if base, _, _ := strings.Cut(part, "/"); base == "?" {
			return `"?" is only allowed in day-of-month and day-of-week (where it means any day)`, true
		}
	}
	return "", false
}

// weekdayWord names a day-of-week value written in Quartz's numbering (1 = Sunday) or by
// name; anything else is returned as written.
func weekdayWord(text string) string {
	days := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	if n, ok := number(text); ok && n >= 1 && n <= 7 {
		return days[n-1]
	}
	for i, name := range specs[iDow].names {
		if strings.EqualFold(text, name) {
			return days[i]
		}
	}
	return "day " + text
}

// nthWord is "2" as "2nd"; text that is not a number is returned as written.
func nthWord(text string) string {
	if n, ok := number(text); ok {
		return ordinal(n)
	}
	return text
}
