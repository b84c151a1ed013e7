package schedule

import (
	"fmt"
	"strconv"
)

var weekdayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// Describe returns a plain-English description of the schedule for the
// editor, e.g. "At 09:30 on Monday through Friday" or "Every 5 minutes".
func (c *Cron) Describe() string {
	s := c.describeTime()
	if d := c.describeDays(); d != "" {
		s += " " + d
	}
	return s
}

func hhmm(h, m int) string { return fmt.Sprintf("%02d:%02d", h, m) }

func (c *Cron) describeTime() string {
	minute, hour := &c.fields[iMinute], &c.fields[iHour]
	mc, hc := minute.count(), hour.count()
	if (mc == 1 || hc == 1) && mc*hc <= 6 {
		var times []string
		for _, h := range hour.values() {
			for _, m := range minute.values() {
				times = append(times, hhmm(h, m))
			}
		}
		return "At " + joinWords(times, "and")
	}

	var s string
	switch {
	case !minute.restricted():
		s = "Every minute"
	case isStarStep(minute):
		s = fmt.Sprintf("Every %d minutes", minute.items[0].step)
	case isStepped(minute):
		it := minute.items[0]
		s = fmt.Sprintf("Every %d minutes from minute %d through %d", it.step, it.lo, it.hi)
	case mc == 1:
		s = fmt.Sprintf("At minute %d", minute.values()[0])
	default:
		s = "At minutes " + numberRuns(minute.values())
	}

	switch vs := hour.values(); {
	case !hour.restricted():
		if minute.restricted() && !isStarStep(minute) && !isStepped(minute) {
			s += " past every hour"
		}
	case isStarStep(hour):
		s += " past every " + ordinal(hour.items[0].step) + " hour"
	case isStepped(hour):
		it := hour.items[0]
		s += fmt.Sprintf(" past every %s hour from %d through %d", ordinal(it.step), it.lo, it.hi)
	case len(hour.items) == 1 && hour.items[0].step == 0:
		// a single hour or a single range
		s += fmt.Sprintf(" between %s and %s", hhmm(vs[0], 0), hhmm(vs[len(vs)-1], 59))
	default:
		s += " during hours " + numberRuns(vs)
	}
	return s
}

// isStepped reports whether the field is exactly one `a/n` or `a-b/n` item.
func isStepped(f *field) bool {
	return len(f.items) == 1 && f.items[0].kind != kindStar && f.items[0].step > 1
}

// isStarStep reports whether the field is exactly `*/n`.
func isStarStep(f *field) bool {
	return len(f.items) == 1 && f.items[0].kind == kindStar && f.items[0].step > 1
}

func (c *Cron) describeDays() string {
	dom, month, dow := &c.fields[iDom], &c.fields[iMonth], &c.fields[iDow]
	inMonths := ""
	if month.restricted() {
		inMonths = "in " + joinWords(nameRuns(month.values(), func(v int) string { return monthNames[v] }), "and")
	}
	days := "on " + joinWords(weekdayRuns(dow), "and")
	switch dr, wr := dom.restricted(), dow.restricted(); {
	case dr && month.count() == 1 && dom.count() == 1:
		s := fmt.Sprintf("on %s %d", monthNames[month.values()[0]], dom.values()[0])
		if wr {
			s += " or " + days + " in " + monthNames[month.values()[0]]
		}
		return s
	case dr && wr:
		if inMonths == "" {
			return describeDom(dom) + " of the month or " + days
		}
		return describeDom(dom) + " or " + days + ", " + inMonths
	case dr:
		if inMonths == "" {
			return describeDom(dom) + " of the month"
		}
		return describeDom(dom) + " " + inMonths
	case wr:
		if inMonths == "" {
			return days
		}
		return days + " " + inMonths
	}
	return inMonths
}

func describeDom(dom *field) string {
	if len(dom.items) == 1 && dom.items[0].step > 1 {
		it := dom.items[0]
		s := "on every " + ordinal(it.step) + " day"
		switch {
		case it.kind == kindStar:
		case it.kind == kindSingle:
			s += fmt.Sprintf(" starting on day %d", it.lo)
		default:
			s += fmt.Sprintf(" from day %d through %d", it.lo, it.hi)
		}
		return s
	}
	vs := dom.values()
	if len(vs) == 1 {
		return fmt.Sprintf("on day %d", vs[0])
	}
	return "on days " + numberRuns(vs)
}

// weekdayRuns names the days of a day-of-week set, Monday first, with runs of
// three or more days (also across the weekend) as "X through Y".
func weekdayRuns(dow *field) []string {
	// Start right after a day that is not selected, preferring Monday.
	start := 1
	for i := 0; i < 7; i++ {
		d := (1 + i) % 7
		if dow.has(d) && !dow.has((d+6)%7) {
			start = d
			break
		}
	}
	order := make([]int, 0, 7)
	for i := 0; i < 7; i++ {
		if d := (start + i) % 7; dow.has(d) {
			order = append(order, d)
		}
	}
	var out []string
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && order[j+1] == (order[j]+1)%7 {
			j++
		}
		if j-i >= 2 {
			out = append(out, weekdayNames[order[i]]+" through "+weekdayNames[order[j]])
		} else {
			for k := i; k <= j; k++ {
				out = append(out, weekdayNames[order[k]])
			}
		}
		i = j + 1
	}
	return out
}

// numberRuns writes ascending values as English with runs of three or more
// as "a through b": "1, 5 through 9 and 15".
func numberRuns(vs []int) string {
	return joinWords(nameRuns(vs, strconv.Itoa), "and")
}

func nameRuns(vs []int, name func(int) string) []string {
	var out []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		if j-i >= 2 {
			out = append(out, name(vs[i])+" through "+name(vs[j]))
		} else {
			for k := i; k <= j; k++ {
				out = append(out, name(vs[k]))
			}
		}
		i = j + 1
	}
	return out
}

// ordinal writes 2 as "2nd", 11 as "11th", 23 as "23rd".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
