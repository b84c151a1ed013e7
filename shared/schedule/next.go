package schedule

import (
	"strings"
	"time"
	_ "time/tzdata" // IANA zones must resolve on any runtime, including Lambda images without /usr/share/zoneinfo
)

// searchYears bounds the search for the next fire time. Every expression Parse
// accepts fires at least once in any 8 consecutive years (29 February skips
// at most 8 years, e.g. 2096 to 2104).
const searchYears = 10

// LoadZone loads an IANA time zone such as "Europe/Amsterdam" or "UTC".
// Empty names, "Local" and unknown names are rejected with an [*Error].
func LoadZone(name string) (*time.Location, error) {
	switch {
	case name == "":
		return nil, &Error{Field: FieldTimeZone, Value: name, Reason: `is empty; expected an IANA time zone name such as "Europe/Amsterdam" or "UTC"`}
	case name == "Local" || strings.TrimSpace(name) != name:
		return nil, &Error{Field: FieldTimeZone, Value: name, Reason: `is not an IANA time zone name such as "Europe/Amsterdam" or "UTC"`}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &Error{Field: FieldTimeZone, Value: name, Reason: `is not a known IANA time zone name such as "Europe/Amsterdam" or "UTC"`}
	}
	return loc, nil
}

// Next returns the next n fire times strictly after `after`, evaluated on
// the wall clock of loc (nil means UTC). The times are in loc.
//
// Daylight saving time: a wall-clock time that does not exist on a day (the
// hour skipped when clocks go forward) does not fire that day; a wall-clock
// time that occurs twice (clocks going back) fires once, at its first
// occurrence.
func (c *Cron) Next(after time.Time, loc *time.Location, n int) []time.Time {
	if n <= 0 {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	a := after.In(loc)
	// The wall clock is walked as a UTC time, which has no gaps or repeats.
	wall := time.Date(a.Year(), a.Month(), a.Day(), a.Hour(), a.Minute(), 0, 0, time.UTC).Add(time.Minute)
	limit := wall.AddDate(searchYears, 0, 0)
	out := make([]time.Time, 0, min(n, 64))
	for len(out) < n {
		w, ok := c.nextWall(wall, limit)
		if !ok {
			break
		}
		wall = w.Add(time.Minute)
		t, exists := resolve(w, loc)
		if !exists || !t.After(after) || (len(out) > 0 && !t.After(out[len(out)-1])) {
			continue
		}
		out = append(out, t)
		limit = w.AddDate(searchYears, 0, 0)
	}
	return out
}

// nextWall returns the first wall-clock time at or after t (minute aligned,
// expressed in UTC) that matches the expression, searching up to limit.
func (c *Cron) nextWall(t, limit time.Time) (time.Time, bool) {
	minute, hour, month := &c.fields[iMinute], &c.fields[iHour], &c.fields[iMonth]
	for !t.After(limit) {
		y, m, d := t.Date()
		if !month.has(int(m)) {
			t = time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		h := hour.next(t.Hour())
		if h < 0 {
			t = time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		from := t.Minute()
		if h != t.Hour() {
			from = 0
		}
		mi := minute.next(from)
		if mi < 0 {
			t = time.Date(y, m, d, h+1, 0, 0, 0, time.UTC)
			continue
		}
		return time.Date(y, m, d, h, mi, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// dayMatches applies classic cron's day rule: when both day fields are
// restricted, either may match.
func (c *Cron) dayMatches(t time.Time) bool {
	dom, dow := &c.fields[iDom], &c.fields[iDow]
	domOK, dowOK := dom.has(t.Day()), dow.has(int(t.Weekday()))
	switch dr, wr := dom.restricted(), dow.restricted(); {
	case dr && wr:
		return domOK || dowOK
	case dr:
		return domOK
	case wr:
		return dowOK
	}
	return true
}

// resolve maps a wall-clock time (given as UTC) to the earliest instant that
// shows that wall-clock time in loc; exists is false when DST skips it.
func resolve(wall time.Time, loc *time.Location) (t time.Time, exists bool) {
	u := wall.Unix()
	var offsets [4]int
	// Offsets in force around the wall time: a transition near it lies
	// between the probes, so both of its offsets are seen.
	for i, probe := range [...]int64{u - 36*3600, u, u + 36*3600} {
		_, offsets[i] = time.Unix(probe, 0).In(loc).Zone()
	}
	_, offsets[3] = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, loc).Zone()
	for _, off := range offsets {
		cand := time.Unix(u-int64(off), 0).In(loc)
		if _, got := cand.Zone(); got != off {
			continue
		}
		if !exists || cand.Before(t) {
			t, exists = cand, true
		}
	}
	return t, exists
}
