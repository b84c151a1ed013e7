package nodes

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeWindow is a window of the time of day, on some days of the week or on all: a time
// router's case, written "[days ]HH:MM-HH:MM" (see ParseTimeWindow).
type TimeWindow struct {
	// Days are the weekdays the window starts on; nil is every day.
	Days map[time.Weekday]bool
	// From and To are minutes since midnight; To is 1440 for a window ending at 24:00. A
	// window whose To is before its From passes midnight.
	From, To int
}

var windowRE = regexp.MustCompile(`^(?:(.*?)\s+)?(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$`)

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseTimeWindow reads "HH:MM-HH:MM", optionally after days such as "mon-fri" or
// "sat,sun" (in any case; spaces around the dashes are allowed). The hours are 00 to 23;
// 24:00 may end a window (midnight). A window may pass midnight (22:00-06:00); one that
// ends when it starts is refused as empty.
func ParseTimeWindow(s string) (TimeWindow, error) {
	spec := strings.TrimSpace(s)
	m := windowRE.FindStringSubmatch(spec)
	if m == nil {
		return TimeWindow{}, fmt.Errorf("window %q must look like HH:MM-HH:MM, after days if any (mon-fri 09:00-17:00)", s)
	}
	var w TimeWindow
	if strings.TrimSpace(m[1]) != "" {
		days, err := parseWeekdays(m[1])
		if err != nil {
			return TimeWindow{}, err
		}
		w.Days = days
	}
	var err error
	if w.From, err = parseClock(m[2], false); err != nil {
		return TimeWindow{}, err
	}
	if w.To, err = parseClock(m[3], true); err != nil {
		return TimeWindow{}, err
	}
	if w.From == w.To {
		return TimeWindow{}, fmt.Errorf("window %q is empty (it ends when it starts); write 00:00-24:00 for the whole day", s)
	}
	return w, nil
}

// Contains reports whether t (in the zone it is to be read in) falls in the window. The part
// of a window passing midnight that lies after midnight belongs to the previous day's window.
func (w TimeWindow) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	day := t.Weekday()
	on := func(d time.Weekday) bool { return w.Days == nil || w.Days[d] }
	if w.From < w.To {
		return on(day) && m >= w.From && m < w.To
	}
	if m >= w.From {
		return on(day)
	}
	return m < w.To && on((day+6)%7)
}

func parseWeekdays(s string) (map[time.Weekday]bool, error) {
	days := map[time.Weekday]bool{}
	for _, part := range strings.Split(strings.ToLower(s), ",") {
		a, b, isRange := strings.Cut(part, "-")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		da, ok := weekdays[a]
		if !ok {
			return nil, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", a)
		}
		if !isRange {
			days[da] = true
			continue
		}
		db, ok := weekdays[b]
		if !ok {
			return nil, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", b)
		}
		for d := da; ; d = (d + 1) % 7 {
			days[d] = true
			if d == db {
				break
			}
		}
	}
	return days, nil
}

// parseClock reads H:MM or HH:MM (digits) as minutes since midnight; end allows 24:00.
func parseClock(s string, end bool) (int, error) {
	hh, mm, _ := strings.Cut(s, ":") // digits, as windowRE matched them
	h, herr := strconv.Atoi(hh)
	m, merr := strconv.Atoi(mm)
	if herr != nil || merr != nil {
		return 0, fmt.Errorf("time %q must look like HH:MM", s)
	}
	switch {
	case h == 24 && m == 0 && end:
		return 24 * 60, nil
	case h > 23:
		return 0, fmt.Errorf("time %q: the hour must be 00 to 23 (24:00 may end a window)", s)
	case m > 59:
		return 0, fmt.Errorf("time %q: the minutes must be 00 to 59", s)
	}
	return h*60 + m, nil
}
