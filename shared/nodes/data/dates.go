package data

import (
	"context"
	"math"
	"strings"
	"time"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

func dateTypes() []*nodes.Type {
	return []*nodes.Type{
		nowType(), dateParseType(), dateFormatType(), dateAddType(), dateDiffType(), startOfType(),
		convertZoneType(), componentsType(), fromComponentsType(),
	}
}

// layoutDoc explains the format / layout inputs.
const layoutDoc = "A name — `RFC3339` (default), `RFC3339Nano`, `RFC1123`, `RFC822`, `date` (2006-01-02), " +
	"`time` (15:04:05), `datetime` (2006-01-02 15:04:05), `unix`, `unixms` — or a Go layout written with the " +
	"reference time `Mon Jan 2 15:04:05 MST 2006`, e.g. `02/01/2006 15:04`."

// zone is a validated time zone input.
type zone struct {
	name string
	loc  *time.Location
}

// zoneInput reads an IANA zone input; empty means UTC.
func zoneInput(c *nodes.Call, port string) (zone, error) {
	name := strings.TrimSpace(c.Str(port))
	loc, err := expr.LoadZone(name)
	if err != nil {
		return zone{}, nodes.Errorf(port, "%v", err)
	}
	return zone{name: name, loc: loc}, nil
}

func zonePort(doc string) nodes.Port {
	return nodes.Port{Name: "zone", Type: nodes.String, Default: "UTC", Check: nodes.CheckTimeZone, Doc: doc + " An IANA time zone such as `Europe/Amsterdam`."}
}

func datePort(name, doc string) nodes.Port {
	return nodes.Port{Name: name, Type: nodes.DateTime, Doc: doc + " A date, RFC 3339 text (text without an offset " +
		"is read in `zone`), `2006-01-02` or Unix seconds; empty means now."}
}

// timeInput reads a date input, reading text without an offset in z. Empty means now.
func timeInput(c *nodes.Call, port string, loc *time.Location) (time.Time, error) {
	v := c.Get(port)
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Now().In(loc), nil
		}
		if f, ok := nodes.ToFloat(s); ok {
			if err := expr.CheckUnix(f); err != nil {
				return time.Time{}, nodes.Errorf(port, "%v", err)
			}
			return unixSeconds(f), nil
		}
		t, err := expr.ParseTime(s, "", loc.String())
		if err != nil {
			return time.Time{}, nodes.Errorf(port, "%q is not a date (use RFC 3339 such as 2024-05-01T12:00:00Z, "+
				"2024-05-01 12:00:00, 2024-05-01 12:00, 2024-05-01 or Unix seconds)", s)
		}
		return t, nil
	}
	if v == nil {
		return time.Now().In(loc), nil
	}
	t, err := expr.ToTime(v)
	if err != nil {
		return time.Time{}, nodes.Errorf(port, "%v", err)
	}
	return t, nil
}

// unixSeconds converts Unix seconds to a time, to the microsecond (a float64 holds no more
// precision at today's magnitudes).
func unixSeconds(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
}

// unixMillis converts Unix milliseconds to a time, to the microsecond.
func unixMillis(f float64) time.Time {
	ms, frac := math.Modf(f)
	return time.UnixMilli(int64(ms)).Add(time.Duration(math.Round(frac*1e3)) * time.Microsecond).UTC()
}

// unixOf is t in Unix seconds with millisecond precision.
func unixOf(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func isoOf(t time.Time) string { return t.Format(time.RFC3339Nano) }

// timeOut are a date's outputs in zone z: the datetime, RFC 3339 text and Unix seconds.
func timeOut(t time.Time, loc *time.Location) nodes.Out {
	t = t.In(loc)
	return nodes.Out{"datetime": t, "iso": isoOf(t), "unix": unixOf(t)}
}

func timeOutPorts(what string) []nodes.Port {
	return []nodes.Port{
		{Name: "datetime", Type: nodes.DateTime, Doc: what},
		{Name: "iso", Type: nodes.String, Doc: "The same as RFC 3339 text with the zone's offset."},
		{Name: "unix", Type: nodes.Number, Doc: "The same as Unix seconds (with milliseconds as decimals)."},
	}
}

// formatIn formats t with a named or Go layout in loc; the error names the format input.
func formatIn(t time.Time, layout string, z zone) (string, error) {
	if _, err := nodes.DateLayout(layout); err != nil {
		return "", nodes.Errorf("format", "%v", err)
	}
	v, err := expr.FormatTime(t, layout, z.name)
	if err != nil { // the zone was validated already
		return "", nodes.Errorf("zone", "%v", err)
	}
	return nodes.ToString(v), nil
}

func nowType() *nodes.Type {
	return &nodes.Type{
		ID: "date.now", Category: catDate, Name: "Now", Icon: "clock",
		Doc: "The current time in `zone`, as a datetime, as text in `format`, and as Unix seconds.\n\n" +
			"Formats: " + layoutDoc + "\n\nExample: zone `Europe/Amsterdam`, format `date` → `2024-05-01`.",
		Inputs: []nodes.Port{
			zonePort("The zone to show the time in."),
			{Name: "format", Type: nodes.String, Default: "RFC3339", Check: nodes.CheckDateLayout, Doc: "How to write `text`. " + layoutDoc},
		},
		Outputs: append([]nodes.Port{{Name: "text", Type: nodes.String, Doc: "The time written in `format`."}},
			timeOutPorts("The current time.")...),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			now := time.Now().In(z.loc)
			out := timeOut(now, z.loc)
			if out["text"], err = formatIn(now, c.Str("format"), z); err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

func dateParseType() *nodes.Type {
	return &nodes.Type{
		ID: "date.parse", Category: catDate, Name: "Parse date", Icon: "calendar-search",
		Doc: "Reads a date from `text`. Without `layout` it accepts RFC 3339 (`2024-05-01T12:00:00Z`, with or " +
			"without fractions and offset), `2024-05-01 12:00:00`, `2024-05-01T12:00:00`, the same to the minute " +
			"(`2024-05-01 12:00`) and `2024-05-01`; the offset may also be written `+0200` (ISO 8601's basic form) or `+02`. Text " +
			"without an offset is read as wall-clock time in `zone`. A layout must read a year: one without " +
			"(`time`, `15:04`, `02/01`) would give the year 0000 and is refused — add a date part " +
			"(`2006-01-02 15:04`).\n\nLayouts: " + layoutDoc + "\n\n" +
			"Example: text `01/05/2024 09:30`, layout `02/01/2006 15:04`, zone `Europe/Amsterdam` → " +
			"`2024-05-01T09:30:00+02:00`.",
		Inputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Required: true, Doc: "The date text (or Unix seconds with layout unix)."},
			{Name: "layout", Type: nodes.String, Check: nodes.CheckDateLayout, Doc: "The layout; empty tries the common formats. " + layoutDoc},
			zonePort("The zone for text without an offset, and of the outputs."),
		},
		Outputs: timeOutPorts("The parsed time."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			s := strings.TrimSpace(c.Str("text"))
			if s == "" {
				return nil, nodes.Errorf("text", "is empty")
			}
			layout := strings.TrimSpace(c.Str("layout"))
			var t time.Time
			switch strings.ToLower(layout) {
			case "unix", "unixms":
				f, ok := nodes.ToFloat(s)
				if !ok {
					return nil, nodes.Errorf("text", "%q is not a number of %s", s, map[bool]string{true: "milliseconds", false: "seconds"}[strings.EqualFold(layout, "unixms")])
				}
				ms := strings.EqualFold(layout, "unixms")
				sec := f
				if ms {
					sec = f / 1000
				}
				if err := expr.CheckUnix(sec); err != nil {
					return nil, nodes.Errorf("text", "%v", err)
				}
				if ms {
					t = unixMillis(f)
				} else {
					t = unixSeconds(f)
				}
			default:
				if _, err := nodes.DateLayout(layout); err != nil {
					return nil, nodes.Errorf("layout", "%v", err)
				}
				if !expr.LayoutHasYear(layout) {
					return nil, nodes.Errorf("layout", "%q has no year, so the date would be the year 0000 (outside "+
						"the years 1 to 9999): add a date part, e.g. `2006-01-02 15:04`, or put today's date before "+
						"the time with a Now node", layout)
				}
				t, err = expr.ParseTime(s, layout, z.name)
				if err != nil {
					return nil, nodes.Errorf("text", "%v", err)
				}
				if y := t.Year(); y < 1 || y > 9999 {
					return nil, nodes.Errorf("text", "%q is in the year %04d, outside the years 1 to 9999", s, y)
				}
			}
			return timeOut(t, z.loc), nil
		},
	}
}

func dateFormatType() *nodes.Type {
	return &nodes.Type{
		ID: "date.format", Category: catDate, Name: "Format date", Icon: "calendar-range",
		Doc: "Writes `datetime` as text in `format`, shown in `zone`.\n\nFormats: " + layoutDoc + "\n\n" +
			"Example: `2024-05-01T10:00:00Z`, format `Mon 2 Jan 2006 15:04`, zone `Europe/Amsterdam` → `Wed 1 May 2024 12:00`.",
		Inputs: []nodes.Port{
			datePort("datetime", "The time to write."),
			{Name: "format", Type: nodes.String, Default: "RFC3339", Check: nodes.CheckDateLayout, Doc: layoutDoc},
			zonePort("The zone to show the time in."),
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The formatted time."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			t, err := timeInput(c, "datetime", z.loc)
			if err != nil {
				return nil, err
			}
			text, err := formatIn(t, c.Str("format"), z)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"text": text}, nil
		},
	}
}

func addUnits() []string {
	return []string{"years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"}
}

func dateAddType() *nodes.Type {
	return &nodes.Type{
		ID: "date.add", Category: catDate, Name: "Add to date", Icon: "calendar-plus",
		Doc: "Adds `amount` `unit`s to `datetime` (a negative amount subtracts). Days, weeks, months and years " +
			"follow the calendar in `zone`, so adding 1 day across a daylight-saving change keeps the wall-clock " +
			"time; they need a whole amount. Months and years keep the day of month, clamped to the target month's " +
			"last day: Jan 31 + 1 month = Feb 29 in 2024 (Feb 28 otherwise), Mar 31 − 1 month = Feb 29 or 28, " +
			"Feb 29 + 1 year = Feb 28.\n\n" +
			"Example: `2024-03-30T12:00:00+01:00`, 1 day, zone `Europe/Amsterdam` → `2024-03-31T12:00:00+02:00`.",
		Inputs: []nodes.Port{
			datePort("datetime", "The starting time."),
			{Name: "amount", Type: nodes.Number, Default: 1.0, Required: true, Doc: "How many units to add."},
			{Name: "unit", Type: nodes.String, Default: "days", Options: addUnits(), Doc: "The unit."},
			zonePort("The zone whose calendar days are counted, and of the outputs."),
		},
		Outputs: timeOutPorts("The new time."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			unit, err := oneOf(c, "unit", addUnits()...)
			if err != nil {
				return nil, err
			}
			t, err := timeInput(c, "datetime", z.loc)
			if err != nil {
				return nil, err
			}
			amount, err := c.Float("amount")
			if err != nil {
				return nil, err
			}
			switch unit {
			case "years", "months", "weeks", "days":
				if amount != math.Trunc(amount) {
					return nil, nodes.Errorf("amount", "must be a whole number of %s, got %v", unit, amount)
				}
			}
			if math.Abs(amount) > 1e7 {
				return nil, nodes.Errorf("amount", "%v is too large", amount)
			}
			out, err := expr.AddTime(t.In(z.loc), amount, unit)
			if err != nil {
				return nil, nodes.Errorf("unit", "%v", err)
			}
			return timeOut(out, z.loc), nil
		},
	}
}

// addMonthsClamped adds n calendar months, keeping the day of month within the target month
// (as date.add does).
func addMonthsClamped(t time.Time, n int) time.Time { return expr.AddMonths(t, n) }

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthsBetween is b − a in calendar months counted from a (forwards or backwards, the
// day of month clamped to short months), with the part-month as a fraction.
func monthsBetween(a, b time.Time) float64 {
	est := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	return calendarBetween(a, b, est, addMonthsClamped)
}

// daysBetween is b − a in calendar days of a's location (a day across a daylight-saving
// change is 23 or 25 hours long), with the part-day as a fraction.
func daysBetween(a, b time.Time) float64 {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	est := int((time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Unix() - time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC).Unix()) / 86400)
	return calendarBetween(a, b, est, func(t time.Time, n int) time.Time {
		return expr.WallDate(t.Year(), t.Month(), t.Day()+n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	})
}

// calendarBetween counts the whole steps of add from a towards b (est is the step count of
// their calendar fields, at least the answer), with the part-step as a fraction of its span.
func calendarBetween(a, b time.Time, est int, add func(time.Time, int) time.Time) float64 {
	dir := 1
	if b.Before(a) {
		dir = -1
	}
	m := max(est*dir, 0)
	passes := func(k int) bool {
		t := add(a, dir*k)
		if dir > 0 {
			return t.After(b)
		}
		return t.Before(b)
	}
	for m > 0 && passes(m) {
		m--
	}
	lo, hi := add(a, dir*m), add(a, dir*(m+1))
	frac := 0.0
	if span := expr.MillisBetween(lo, hi); span != 0 {
		frac = expr.MillisBetween(lo, b) / span
	}
	return float64(dir) * (float64(m) + frac)
}

func dateDiffType() *nodes.Type {
	return &nodes.Type{
		ID: "date.diff", Category: catDate, Name: "Date difference", Icon: "calendar-clock",
		Doc: "How much time lies between `from` and `to`, in `unit` (`to` − `from`: negative when `to` is " +
			"earlier). Days, weeks, months and years count calendar days and months in `zone`, as Add to date " +
			"adds them: 30 March to 1 April is 2 days in `Europe/Amsterdam` although it lasts 47 hours (a part-day " +
			"or part-month is a fraction of its length). Turn on " +
			"`whole` to drop the fraction (towards zero).\n\n" +
			"Example: from `2024-01-15`, to `2024-03-01`, unit days → 46; unit months, whole → 1.",
		Inputs: []nodes.Port{
			datePort("from", "The earlier time."),
			datePort("to", "The later time."),
			{Name: "unit", Type: nodes.String, Default: "days", Options: addUnits(), Doc: "The unit of the result."},
			{Name: "whole", Type: nodes.Boolean, Default: false, Doc: "Drop the fractional part."},
			zonePort("The zone for calendar days and months and for text without an offset."),
		},
		Outputs: []nodes.Port{
			{Name: "diff", Type: nodes.Number, Doc: "The difference in `unit`."},
			{Name: "milliseconds", Type: nodes.Number, Doc: "The exact difference in milliseconds."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			unit, err := oneOf(c, "unit", addUnits()...)
			if err != nil {
				return nil, err
			}
			from, err := timeInput(c, "from", z.loc)
			if err != nil {
				return nil, err
			}
			to, err := timeInput(c, "to", z.loc)
			if err != nil {
				return nil, err
			}
			var d float64
			switch unit {
			case "months":
				d = monthsBetween(from.In(z.loc), to.In(z.loc))
			case "years":
				d = monthsBetween(from.In(z.loc), to.In(z.loc)) / 12
			case "days":
				d = daysBetween(from.In(z.loc), to.In(z.loc))
			case "weeks":
				d = daysBetween(from.In(z.loc), to.In(z.loc)) / 7
			case "hours":
				d = expr.MillisBetween(from, to) / float64(time.Hour/time.Millisecond)
			case "minutes":
				d = expr.MillisBetween(from, to) / float64(time.Minute/time.Millisecond)
			case "seconds":
				d = expr.MillisBetween(from, to) / 1000
			case "milliseconds":
				d = expr.MillisBetween(from, to)
			default:
				return nil, nodes.Errorf("unit", "unknown unit %q", unit)
			}
			if c.Bool("whole") {
				d = math.Trunc(d)
			}
			if d == 0 {
				d = 0 // no negative zero
			}
			ms := expr.MillisBetween(from, to)
			if ms == 0 {
				ms = 0 // no negative zero
			}
			return nodes.Out{"diff": d, "milliseconds": ms}, nil
		},
	}
}

func periodUnits() []string {
	return []string{"minute", "hour", "day", "week", "month", "quarter", "year"}
}

// startOf returns the start of the period containing t in loc, and of the next one.
func startOf(t time.Time, unit string, loc *time.Location, weekStart time.Weekday) (time.Time, time.Time) {
	t = t.In(loc)
	y, m, d := t.Date()
	switch unit {
	case "minute":
		s := t.Truncate(time.Minute)
		if _, off := t.Zone(); off%60 != 0 {
			s = expr.WallDate(y, m, d, t.Hour(), t.Minute(), 0, 0, loc)
		}
		return s, s.Add(time.Minute)
	case "hour":
		s := t.Truncate(time.Hour)
		if _, off := t.Zone(); off%3600 != 0 {
			s = expr.WallDate(y, m, d, t.Hour(), 0, 0, 0, loc)
		}
		return s, s.Add(time.Hour)
	case "week":
		back := (int(t.Weekday()) - int(weekStart) + 7) % 7
		return expr.WallDate(y, m, d-back, 0, 0, 0, 0, loc), expr.WallDate(y, m, d-back+7, 0, 0, 0, 0, loc)
	case "month":
		return expr.WallDate(y, m, 1, 0, 0, 0, 0, loc), expr.WallDate(y, m+1, 1, 0, 0, 0, 0, loc)
	case "quarter":
		q := time.Month((int(m)-1)/3*3 + 1)
		return expr.WallDate(y, q, 1, 0, 0, 0, 0, loc), expr.WallDate(y, q+3, 1, 0, 0, 0, 0, loc)
	case "year":
		return expr.WallDate(y, 1, 1, 0, 0, 0, 0, loc), expr.WallDate(y+1, 1, 1, 0, 0, 0, 0, loc)
	}
	return expr.WallDate(y, m, d, 0, 0, 0, 0, loc), expr.WallDate(y, m, d+1, 0, 0, 0, 0, loc)
}

func startOfType() *nodes.Type {
	return &nodes.Type{
		ID: "date.start_of", Category: catDate, Name: "Start of period", Icon: "calendar-arrow-down",
		Doc: "The start of the minute, hour, day, week, month, quarter or year that contains `datetime`, on the " +
			"calendar of `zone`; `next` is the start of the following one (the end, exclusive). Weeks start on " +
			"`week_start` (Monday by default).\n\n" +
			"Example: `2024-05-15T22:30:00Z`, unit month, zone `Europe/Amsterdam` → `2024-05-01T00:00:00+02:00`, " +
			"next `2024-06-01T00:00:00+02:00`.",
		Inputs: []nodes.Port{
			datePort("datetime", "A time inside the period."),
			{Name: "unit", Type: nodes.String, Default: "day", Options: periodUnits(), Doc: "The period."},
			zonePort("The zone whose calendar is used."),
			{Name: "week_start", Type: nodes.String, Default: "monday", Options: []string{"monday", "sunday"}, Doc: "The first day of a week."},
		},
		Outputs: append(timeOutPorts("The start of the period."),
			nodes.Port{Name: "next", Type: nodes.DateTime, Doc: "The start of the next period."},
			nodes.Port{Name: "next_iso", Type: nodes.String, Doc: "The same as RFC 3339 text."}),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			unit, err := oneOf(c, "unit", periodUnits()...)
			if err != nil {
				return nil, err
			}
			ws, err := oneOf(c, "week_start", "monday", "sunday")
			if err != nil {
				return nil, err
			}
			t, err := timeInput(c, "datetime", z.loc)
			if err != nil {
				return nil, err
			}
			weekStart := time.Monday
			if ws == "sunday" {
				weekStart = time.Sunday
			}
			s, next := startOf(t, unit, z.loc, weekStart)
			out := timeOut(s, z.loc)
			out["next"], out["next_iso"] = next, isoOf(next)
			return out, nil
		},
	}
}

func convertZoneType() *nodes.Type {
	return &nodes.Type{
		ID: "date.convert_zone", Category: catDate, Name: "Convert time zone", Icon: "globe",
		Doc: "Shows `datetime` in another time zone: the same instant with the zone's wall-clock time and offset. " +
			"Text without an offset (`2024-03-10 02:30`) is wall-clock time in `from_zone` (empty: UTC); a time " +
			"skipped by a daylight-saving change there moves forward by the gap, and one that happens twice is " +
			"its first occurrence, as in the other date nodes. Text with an offset, a date value or Unix seconds " +
			"is already an instant and ignores `from_zone`.\n\n" +
			"Example: `2024-07-01T12:00:00Z` to `America/New_York` → `2024-07-01T08:00:00-04:00`, local " +
			"`2024-07-01 08:00:00`, abbreviation `EDT`; `2024-03-10 02:30` from `America/New_York` to `UTC` → " +
			"`2024-03-10T07:30:00Z` (02:30 does not exist that night: it reads as 03:30 EDT).",
		Inputs: []nodes.Port{
			{Name: "datetime", Type: nodes.DateTime, Doc: "The time to convert. A date, RFC 3339 text (text without " +
				"an offset is read in `from_zone`), `2006-01-02` or Unix seconds; empty means now."},
			{Name: "zone", Type: nodes.String, Required: true, Check: nodes.CheckTimeZone, Doc: "The target IANA time zone, e.g. `Asia/Tokyo`."},
			{Name: "from_zone", Type: nodes.String, Default: "", Check: nodes.CheckTimeZone,
				Doc: "The IANA time zone `datetime` text without an offset is wall-clock time in, e.g. `America/New_York` (empty: UTC)."},
		},
		Outputs: append(timeOutPorts("The time in the zone."),
			nodes.Port{Name: "local", Type: nodes.String, Doc: "The wall-clock time, `2006-01-02 15:04:05`."},
			nodes.Port{Name: "offset", Type: nodes.String, Doc: "The zone's UTC offset then, e.g. `+02:00`."},
			nodes.Port{Name: "offset_seconds", Type: nodes.Integer, Doc: "The offset in seconds."},
			nodes.Port{Name: "abbreviation", Type: nodes.String, Doc: "The zone's abbreviation then, e.g. `CEST`."}),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			if strings.TrimSpace(c.Str("zone")) == "" {
				return nil, nodes.Errorf("zone", "is empty")
			}
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			from, err := zoneInput(c, "from_zone")
			if err != nil {
				return nil, err
			}
			t, err := timeInput(c, "datetime", from.loc)
			if err != nil {
				return nil, err
			}
			lt := t.In(z.loc)
			abbr, off := lt.Zone()
			out := timeOut(lt, z.loc)
			out["local"] = lt.Format("2006-01-02 15:04:05")
			out["offset"] = lt.Format("-07:00")
			out["offset_seconds"] = num(off)
			out["abbreviation"] = abbr
			return out, nil
		},
	}
}

func componentsType() *nodes.Type {
	ints := func(names ...string) []nodes.Port {
		var ps []nodes.Port
		for i := 0; i+1 < len(names); i += 2 {
			ps = append(ps, nodes.Port{Name: names[i], Type: nodes.Integer, Doc: names[i+1]})
		}
		return ps
	}
	outs := ints("year", "The year.", "month", "The month, 1–12.", "day", "The day of the month.",
		"hour", "The hour, 0–23.", "minute", "The minute.", "second", "The second.", "millisecond", "The millisecond.",
		"weekday", "The ISO weekday: 1 = Monday … 7 = Sunday.", "day_of_year", "The day of the year, from 1.",
		"iso_week", "The ISO 8601 week number.", "iso_year", "The year the ISO week belongs to.",
		"quarter", "The quarter, 1–4.", "days_in_month", "How many days the month has.",
		"offset_seconds", "The zone's UTC offset in seconds.")
	outs = append(outs,
		nodes.Port{Name: "weekday_name", Type: nodes.String, Doc: "The English weekday name, e.g. `Monday`."},
		nodes.Port{Name: "month_name", Type: nodes.String, Doc: "The English month name, e.g. `May`."},
		nodes.Port{Name: "is_weekend", Type: nodes.Boolean, Doc: "Whether it is a Saturday or Sunday."},
		nodes.Port{Name: "unix", Type: nodes.Number, Doc: "Unix seconds."},
		nodes.Port{Name: "components", Type: nodes.Object, Doc: "All of the above in one object."})
	return &nodes.Type{
		ID: "date.components", Category: catDate, Name: "Date components", Icon: "calendar-days",
		Doc: "Splits `datetime` into its parts on the calendar of `zone`: year, month, day, hour, minute, second, " +
			"millisecond, ISO weekday (1 = Monday), names, day of year, ISO week, quarter and more — each on its own " +
			"output and together in `components`.\n\nExample: `2024-12-30T23:30:00Z` in `Europe/Amsterdam` → year 2024, " +
			"month 12, day 31, hour 0, weekday 2 (Tuesday), iso_week 1, iso_year 2025.",
		Inputs:  []nodes.Port{datePort("datetime", "The time to split."), zonePort("The zone whose calendar is used.")},
		Outputs: outs,
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			t, err := timeInput(c, "datetime", z.loc)
			if err != nil {
				return nil, err
			}
			t = t.In(z.loc)
			y, w := t.ISOWeek()
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			_, off := t.Zone()
			comp := map[string]any{
				"year": num(t.Year()), "month": num(int(t.Month())), "day": num(t.Day()),
				"hour": num(t.Hour()), "minute": num(t.Minute()), "second": num(t.Second()),
				"millisecond": num(t.Nanosecond() / int(time.Millisecond)), "weekday": num(wd),
				"day_of_year": num(t.YearDay()), "iso_week": num(w), "iso_year": num(y),
				"quarter": num((int(t.Month())-1)/3 + 1), "days_in_month": num(daysIn(t.Year(), t.Month())),
				"offset_seconds": num(off), "weekday_name": t.Weekday().String(), "month_name": t.Month().String(),
				"is_weekend": wd >= 6, "unix": unixOf(t),
			}
			out := nodes.Out{"components": comp}
			for k, v := range comp {
				out[k] = v
			}
			return out, nil
		},
	}
}

func fromComponentsType() *nodes.Type {
	part := func(name string, def float64, doc string) nodes.Port {
		return nodes.Port{Name: name, Type: nodes.Integer, Default: def, Doc: doc}
	}
	return &nodes.Type{
		ID: "date.from_components", Category: catDate, Name: "Date from components", Icon: "calendar-cog",
		Doc: "Builds a time from its parts, as wall-clock time in `zone`. Each part is checked (month 1–12, a day " +
			"that exists in that month, hour 0–23 …). A wall-clock time skipped by a daylight-saving change moves " +
			"forward by the gap.\n\nExample: 2024-05-01 09:30 in `Europe/Amsterdam` → `2024-05-01T09:30:00+02:00`.",
		Inputs: []nodes.Port{
			{Name: "year", Type: nodes.Integer, Required: true, Doc: "The year (1–9999)."},
			part("month", 1, "The month, 1–12."), part("day", 1, "The day of the month."),
			part("hour", 0, "The hour, 0–23."), part("minute", 0, "The minute, 0–59."),
			part("second", 0, "The second, 0–59."), part("millisecond", 0, "The millisecond, 0–999."),
			zonePort("The zone of the wall-clock time."),
		},
		Outputs: timeOutPorts("The built time."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			z, err := zoneInput(c, "zone")
			if err != nil {
				return nil, err
			}
			get := func(name string, def, lo, hi int) (int, error) {
				v, err := c.IntOr(name, def)
				if err != nil {
					return 0, err
				}
				if v < lo || v > hi {
					return 0, nodes.Errorf(name, "must be between %d and %d, got %d", lo, hi, v)
				}
				return v, nil
			}
			if !c.Has("year") || c.Str("year") == "" {
				return nil, nodes.Errorf("year", "is required")
			}
			var vals [7]int
			specs := []struct {
				name        string
				def, lo, hi int
			}{{"year", 0, 1, 9999}, {"month", 1, 1, 12}, {"day", 1, 1, 31}, {"hour", 0, 0, 23},
				{"minute", 0, 0, 59}, {"second", 0, 0, 59}, {"millisecond", 0, 0, 999}}
			for i, s := range specs {
				if vals[i], err = get(s.name, s.def, s.lo, s.hi); err != nil {
					return nil, err
				}
			}
			if dim := daysIn(vals[0], time.Month(vals[1])); vals[2] > dim {
				return nil, nodes.Errorf("day", "%04d-%02d has %d days, got %d", vals[0], vals[1], dim, vals[2])
			}
			t := expr.WallDate(vals[0], time.Month(vals[1]), vals[2], vals[3], vals[4], vals[5], vals[6]*int(time.Millisecond), z.loc)
			return timeOut(t, z.loc), nil
		},
	}
}
