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
		if s, ok := fromRate(strings.TrimSpace(lower[len("rate(") : len(lower)-1])); ok {
			return base + ": write " + s, true
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
