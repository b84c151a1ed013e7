package data

import (
	"math"
	"regexp"
	"testing"
	"time"

	"polysynergy/shared/nodes"
)

func dateCases() []nodeCase {
	return []nodeCase{
		// date.now
		{name: "zone and format", id: "date.now", in: map[string]any{"zone": "Europe/Amsterdam", "format": "date"},
			check: func(t *testing.T, out nodes.Out) {
				if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(out["text"].(string)) {
					t.Errorf("text = %q, want a date", out["text"])
				}
				dt := out["datetime"].(time.Time)
				if dt.Location().String() != "Europe/Amsterdam" || time.Since(dt) > time.Minute || time.Since(dt) < -time.Minute {
					t.Errorf("datetime = %v, want now in Europe/Amsterdam", dt)
				}
				if u := out["unix"].(float64); math.Abs(u-float64(time.Now().Unix())) > 60 {
					t.Errorf("unix = %v, want now", u)
				}
			}},
		{name: "unix format", id: "date.now", in: map[string]any{"format": "unix"}, check: matches("text", `^\d{10}$`)},
		{name: "default RFC 3339 UTC", id: "date.now", in: map[string]any{}, check: matches("iso", `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)},
		{name: "unknown zone", id: "date.now", in: map[string]any{"zone": "Mars/Base"}, errPort: "zone", errText: `unknown time zone "Mars/Base"`},

		// a layout with no part of Go's reference time would write itself, whatever the date
		{name: "moment-style format", id: "date.format", in: map[string]any{"datetime": "2024-01-05T10:00:00Z", "format": "YYYY-MM-DD"},
			errPort: "format", errText: `"YYYY-MM-DD" has no part of the reference time Mon Jan 2 15:04:05 MST 2006`},
		{name: "moment-style now", id: "date.now", in: map[string]any{"format": "DD/MM/YYYY"}, errPort: "format", errText: "has no part of the reference time"},
		{name: "moment-style parse", id: "date.parse", in: map[string]any{"text": "2024-01-05", "layout": "YYYY-MM-DD"}, errPort: "layout", errText: "has no part of the reference time"},
		{name: "Go layout with text around", id: "date.format", in: map[string]any{"datetime": "2024-01-05T10:00:00Z", "format": "on 2006-01-02 at 15h"},
			want: nodes.Out{"text": "on 2024-01-05 at 10h"}},

		// date.parse
		{name: "layout in zone", id: "date.parse", in: map[string]any{"text": "01/05/2024 09:30", "layout": "02/01/2006 15:04", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-05-01T09:30:00+02:00", "unix": 1714548600.0}},
		{name: "RFC 3339 default", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00Z"}, want: nodes.Out{"iso": "2024-05-01T12:00:00Z"}},
		{name: "offset kept as instant", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00+02:00"}, want: nodes.Out{"iso": "2024-05-01T10:00:00Z"}},
		{name: "basic offset +0200", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00+0200", "zone": "America/New_York"}, want: nodes.Out{"iso": "2024-05-01T06:00:00-04:00"}},
		{name: "basic offset with fraction", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00.5-0130"}, want: nodes.Out{"iso": "2024-05-01T13:30:00.5Z"}},
		{name: "hour offset, space for T", id: "date.parse", in: map[string]any{"text": "2024-05-01 12:00:00+02"}, want: nodes.Out{"iso": "2024-05-01T10:00:00Z"}},
		{name: "minutes and colon offset", id: "date.parse", in: map[string]any{"text": "2024-05-01 12:00+05:30"}, want: nodes.Out{"iso": "2024-05-01T06:30:00Z"}},
		{name: "bad offset", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00+020"}, errPort: "text", errText: "not a date in a known format"},
		{name: "date input with basic offset", id: "date.format", in: map[string]any{"datetime": "2024-05-01T12:00:00+0200", "format": "RFC3339", "zone": "UTC"}, want: nodes.Out{"text": "2024-05-01T10:00:00Z"}},
		{name: "naive in zone", id: "date.parse", in: map[string]any{"text": "2024-01-15 08:00:00", "zone": "America/New_York"},
			want: nodes.Out{"iso": "2024-01-15T08:00:00-05:00"}},
		{name: "named layout", id: "date.parse", in: map[string]any{"text": "2024-02-29", "layout": "date"}, want: nodes.Out{"iso": "2024-02-29T00:00:00Z"}},
		{name: "unix ms", id: "date.parse", in: map[string]any{"text": "1714564800123", "layout": "unixms"}, want: nodes.Out{"iso": "2024-05-01T12:00:00.123Z"}},
		{name: "unix seconds with fraction", id: "date.parse", in: map[string]any{"text": "1714564800.123", "layout": "unix"}, want: nodes.Out{"iso": "2024-05-01T12:00:00.123Z"}},
		{name: "unix not a number", id: "date.parse", in: map[string]any{"text": "soon", "layout": "unix"}, errPort: "text", errText: "not a number of seconds"},
		{name: "unknown format", id: "date.parse", in: map[string]any{"text": "1 May"}, errPort: "text", errText: "not a date in a known format"},
		{name: "layout mismatch", id: "date.parse", in: map[string]any{"text": "2024-05-01", "layout": "02/01/2006"}, errPort: "text", errText: "with layout"},
		{name: "empty", id: "date.parse", in: map[string]any{"text": " "}, errPort: "text", errText: "is empty"},
		{name: "time-only layout has no year", id: "date.parse", in: map[string]any{"text": "09:30", "layout": "15:04"}, errPort: "layout", errText: `"15:04" has no year`},
		{name: "named time layout has no year", id: "date.parse", in: map[string]any{"text": "09:30:00", "layout": "time"}, errPort: "layout", errText: "add a date part"},
		{name: "day without a year", id: "date.parse", in: map[string]any{"text": "01/05", "layout": "02/01"}, errPort: "layout", errText: "has no year"},
		{name: "two-digit year is a year", id: "date.parse", in: map[string]any{"text": "01/05/24", "layout": "02/01/06"}, want: nodes.Out{"iso": "2024-05-01T00:00:00Z"}},
		{name: "year 0000 in the text", id: "date.parse", in: map[string]any{"text": "0000-05-01", "layout": "date"}, errPort: "text", errText: "outside the years 1 to 9999"},
		{name: "bad zone", id: "date.parse", in: map[string]any{"text": "2024-05-01", "zone": "Nowhere"}, errPort: "zone"},
		{name: "datetime output", id: "date.parse", in: map[string]any{"text": "2024-05-01T12:00:00Z", "zone": "Asia/Tokyo"},
			check: func(t *testing.T, out nodes.Out) {
				dt := out["datetime"].(time.Time)
				if !dt.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) || dt.Location().String() != "Asia/Tokyo" {
					t.Errorf("datetime = %v", dt)
				}
				if out["iso"] != "2024-05-01T21:00:00+09:00" {
					t.Errorf("iso = %v", out["iso"])
				}
			}},

		// date.format
		{name: "go layout in zone", id: "date.format", in: map[string]any{"datetime": "2024-05-01T10:00:00Z", "format": "Mon 2 Jan 2006 15:04", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"text": "Wed 1 May 2024 12:00"}},
		{name: "unix", id: "date.format", in: map[string]any{"datetime": "2024-05-01T10:00:00Z", "format": "unix"}, want: nodes.Out{"text": "1714557600"}},
		{name: "time value", id: "date.format", in: map[string]any{"datetime": time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC), "format": "date", "zone": "Asia/Tokyo"},
			want: nodes.Out{"text": "2024-03-01"}},
		{name: "unix seconds input", id: "date.format", in: map[string]any{"datetime": 0.0}, want: nodes.Out{"text": "1970-01-01T00:00:00Z"}},
		{name: "naive text read in zone", id: "date.format", in: map[string]any{"datetime": "2024-05-01 09:00:00", "zone": "Europe/Amsterdam", "format": "RFC3339"},
			want: nodes.Out{"text": "2024-05-01T09:00:00+02:00"}},
		{name: "bad date", id: "date.format", in: map[string]any{"datetime": "tomorrow"}, errPort: "datetime", errText: "is not a date"},
		{name: "bad zone", id: "date.format", in: map[string]any{"zone": "Europe/Atlantis"}, errPort: "zone"},

		// date.add
		{name: "day across DST keeps wall clock", id: "date.add", in: map[string]any{"datetime": "2024-03-30T12:00:00+01:00", "amount": 1.0, "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-03-31T12:00:00+02:00"}},
		{name: "24 hours across DST", id: "date.add", in: map[string]any{"datetime": "2024-03-30T12:00:00+01:00", "amount": 24.0, "unit": "hours", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-03-31T13:00:00+02:00"}},
		// months and years clamp the day to the target month's last day (as Luxon, n8n)
		{name: "month end clamps in a leap year", id: "date.add", in: map[string]any{"datetime": "2024-01-31T00:00:00Z", "amount": 1.0, "unit": "months"},
			want: nodes.Out{"iso": "2024-02-29T00:00:00Z"}},
		{name: "month end clamps", id: "date.add", in: map[string]any{"datetime": "2023-01-31T09:15:00Z", "amount": 1.0, "unit": "months"},
			want: nodes.Out{"iso": "2023-02-28T09:15:00Z"}},
		{name: "subtract a month clamps in a leap year", id: "date.add", in: map[string]any{"datetime": "2024-03-31T00:00:00Z", "amount": -1.0, "unit": "months"},
			want: nodes.Out{"iso": "2024-02-29T00:00:00Z"}},
		{name: "subtract a month clamps", id: "date.add", in: map[string]any{"datetime": "2023-03-31T00:00:00Z", "amount": -1.0, "unit": "months"},
			want: nodes.Out{"iso": "2023-02-28T00:00:00Z"}},
		{name: "to a 30-day month", id: "date.add", in: map[string]any{"datetime": "2024-03-31T00:00:00Z", "amount": 1.0, "unit": "months"},
			want: nodes.Out{"iso": "2024-04-30T00:00:00Z"}},
		{name: "months across years", id: "date.add", in: map[string]any{"datetime": "2023-12-31T00:00:00Z", "amount": 14.0, "unit": "months"},
			want: nodes.Out{"iso": "2025-02-28T00:00:00Z"}},
		{name: "months backwards across years", id: "date.add", in: map[string]any{"datetime": "2024-05-31T00:00:00Z", "amount": -15.0, "unit": "months"},
			want: nodes.Out{"iso": "2023-02-28T00:00:00Z"}},
		{name: "mid-month unchanged", id: "date.add", in: map[string]any{"datetime": "2024-01-15T00:00:00Z", "amount": 1.0, "unit": "months"},
			want: nodes.Out{"iso": "2024-02-15T00:00:00Z"}},
		{name: "leap day plus a year", id: "date.add", in: map[string]any{"datetime": "2024-02-29T00:00:00Z", "amount": 1.0, "unit": "years"},
			want: nodes.Out{"iso": "2025-02-28T00:00:00Z"}},
		{name: "leap day minus a year", id: "date.add", in: map[string]any{"datetime": "2024-02-29T00:00:00Z", "amount": -1.0, "unit": "years"},
			want: nodes.Out{"iso": "2023-02-28T00:00:00Z"}},
		{name: "leap day plus four years", id: "date.add", in: map[string]any{"datetime": "2024-02-29T00:00:00Z", "amount": 4.0, "unit": "years"},
			want: nodes.Out{"iso": "2028-02-29T00:00:00Z"}},
		{name: "month end in zone", id: "date.add", in: map[string]any{"datetime": "2024-01-31T23:30:00+01:00", "amount": 1.0, "unit": "months", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-02-29T23:30:00+01:00"}},
		{name: "days still roll over", id: "date.add", in: map[string]any{"datetime": "2024-01-31T00:00:00Z", "amount": 30.0, "unit": "days"},
			want: nodes.Out{"iso": "2024-03-01T00:00:00Z"}},
		{name: "subtract minutes", id: "date.add", in: map[string]any{"datetime": "2024-01-01T00:30:00Z", "amount": -90.0, "unit": "minutes"},
			want: nodes.Out{"iso": "2023-12-31T23:00:00Z"}},
		{name: "fractional seconds", id: "date.add", in: map[string]any{"datetime": "2024-01-01T00:00:00Z", "amount": 1.5, "unit": "seconds"},
			want: nodes.Out{"iso": "2024-01-01T00:00:01.5Z", "unix": 1704067201.5}},
		{name: "fractional days", id: "date.add", in: map[string]any{"datetime": "2024-01-01", "amount": 1.5, "unit": "days"}, errPort: "amount", errText: "whole number of days"},
		{name: "bad unit", id: "date.add", in: map[string]any{"datetime": "2024-01-01", "unit": "fortnights"}, errPort: "unit"},
		{name: "bad amount", id: "date.add", in: map[string]any{"datetime": "2024-01-01", "amount": "x"}, errPort: "amount"},

		// date.diff
		{name: "days", id: "date.diff", in: map[string]any{"from": "2024-01-15", "to": "2024-03-01"}, want: nodes.Out{"diff": 46.0, "milliseconds": 46 * 86400e3}},
		{name: "whole months", id: "date.diff", in: map[string]any{"from": "2024-01-15", "to": "2024-03-01", "unit": "months", "whole": true}, want: nodes.Out{"diff": 1.0}},
		{name: "fractional months", id: "date.diff", in: map[string]any{"from": "2024-01-15", "to": "2024-03-01", "unit": "months"}, want: nodes.Out{"diff": 1 + 15.0/29}},
		{name: "leap years", id: "date.diff", in: map[string]any{"from": "2020-02-29", "to": "2024-02-28", "unit": "years", "whole": true}, want: nodes.Out{"diff": 3.0}},
		{name: "negative months", id: "date.diff", in: map[string]any{"from": "2024-03-31", "to": "2024-01-31", "unit": "months"}, want: nodes.Out{"diff": -2.0}},
		{name: "negative hours", id: "date.diff", in: map[string]any{"from": "2024-01-01T12:00:00Z", "to": "2024-01-01T10:00:00Z", "unit": "hours"}, want: nodes.Out{"diff": -2.0}},
		{name: "weeks whole", id: "date.diff", in: map[string]any{"from": "2024-01-01", "to": "2024-01-20", "unit": "weeks", "whole": true}, want: nodes.Out{"diff": 2.0}},
		{name: "milliseconds", id: "date.diff", in: map[string]any{"from": "2024-01-01T00:00:00Z", "to": "2024-01-01T00:00:01.25Z", "unit": "milliseconds"}, want: nodes.Out{"diff": 1250.0}},
		// more than 292 years apart: time.Time.Sub stops at its largest duration, which made
		// hours, minutes, seconds and milliseconds wrong (milliseconds 9.2e12 for any span longer)
		{name: "days over 292 years", id: "date.diff", in: map[string]any{"from": "1700-01-01", "to": "2024-01-01"},
			want: nodes.Out{"diff": 118338.0, "milliseconds": 118338 * 86400e3}},
		{name: "hours over 292 years", id: "date.diff", in: map[string]any{"from": "2024-01-01", "to": "1700-01-01", "unit": "hours"},
			want: nodes.Out{"diff": -118338 * 24.0}},
		{name: "milliseconds over 292 years", id: "date.diff", in: map[string]any{"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59.5Z", "unit": "milliseconds"},
			want: nodes.Out{"diff": 315537897599500.0, "milliseconds": 315537897599500.0}},
		{name: "weeks over 292 years", id: "date.diff", in: map[string]any{"from": "1700-01-01", "to": "2024-01-01", "unit": "weeks", "whole": true},
			want: nodes.Out{"diff": 16905.0}},
		{name: "bad unit", id: "date.diff", in: map[string]any{"unit": "ages"}, errPort: "unit"},
		{name: "bad from", id: "date.diff", in: map[string]any{"from": "x"}, errPort: "from"},

		// date.start_of
		{name: "month in zone", id: "date.start_of", in: map[string]any{"datetime": "2024-05-31T22:30:00Z", "unit": "month", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-06-01T00:00:00+02:00", "next_iso": "2024-07-01T00:00:00+02:00"}},
		{name: "day across DST", id: "date.start_of", in: map[string]any{"datetime": "2024-03-31T12:00:00Z", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-03-31T00:00:00+01:00", "next_iso": "2024-04-01T00:00:00+02:00"}},
		{name: "week monday", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15T10:00:00Z", "unit": "week"},
			want: nodes.Out{"iso": "2024-05-13T00:00:00Z", "next_iso": "2024-05-20T00:00:00Z"}},
		{name: "week sunday", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15T10:00:00Z", "unit": "week", "week_start": "sunday"},
			want: nodes.Out{"iso": "2024-05-12T00:00:00Z"}},
		{name: "on a sunday, monday weeks", id: "date.start_of", in: map[string]any{"datetime": "2024-05-19T10:00:00Z", "unit": "week"},
			want: nodes.Out{"iso": "2024-05-13T00:00:00Z"}},
		{name: "quarter", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15", "unit": "quarter"},
			want: nodes.Out{"iso": "2024-04-01T00:00:00Z", "next_iso": "2024-07-01T00:00:00Z"}},
		{name: "year", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15", "unit": "year"},
			want: nodes.Out{"iso": "2024-01-01T00:00:00Z", "next_iso": "2025-01-01T00:00:00Z"}},
		{name: "hour half-hour zone", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15T10:45:00Z", "unit": "hour", "zone": "Asia/Kolkata"},
			want: nodes.Out{"iso": "2024-05-15T16:00:00+05:30"}},
		{name: "minute", id: "date.start_of", in: map[string]any{"datetime": "2024-05-15T10:45:59.9Z", "unit": "minute"},
			want: nodes.Out{"iso": "2024-05-15T10:45:00Z", "next_iso": "2024-05-15T10:46:00Z"}},
		{name: "bad unit", id: "date.start_of", in: map[string]any{"unit": "decade"}, errPort: "unit"},
		{name: "bad week start", id: "date.start_of", in: map[string]any{"week_start": "friday"}, errPort: "week_start"},

		// Unix seconds outside the years 1 to 9999 overflowed into year 292277026596
		{name: "unix seconds too large", id: "date.format", in: map[string]any{"datetime": 1e20, "format": "date"}, errPort: "datetime", errText: "outside the years 1 to 9999"},
		{name: "unix text too small", id: "date.format", in: map[string]any{"datetime": "-1e20", "format": "date"}, errPort: "datetime", errText: "outside the years 1 to 9999"},
		{name: "last second of 9999", id: "date.format", in: map[string]any{"datetime": 253402300799.0}, want: nodes.Out{"text": "9999-12-31T23:59:59Z"}},
		{name: "unixms too large", id: "date.parse", in: map[string]any{"text": "1e30", "layout": "unixms"}, errPort: "text", errText: "outside the years 1 to 9999"},

		// date.convert_zone
		{name: "new york", id: "date.convert_zone", in: map[string]any{"datetime": "2024-07-01T12:00:00Z", "zone": "America/New_York"},
			want: nodes.Out{"iso": "2024-07-01T08:00:00-04:00", "local": "2024-07-01 08:00:00", "offset": "-04:00",
				"offset_seconds": -14400.0, "abbreviation": "EDT", "unix": 1719835200.0}},
		{name: "naive is UTC", id: "date.convert_zone", in: map[string]any{"datetime": "2024-01-01 00:00:00", "zone": "Asia/Tokyo"},
			want: nodes.Out{"iso": "2024-01-01T09:00:00+09:00"}},
		{name: "naive text from a zone", id: "date.convert_zone", in: map[string]any{"datetime": "2024-07-01 08:00:00", "from_zone": "America/New_York", "zone": "Asia/Tokyo"},
			want: nodes.Out{"iso": "2024-07-01T21:00:00+09:00", "local": "2024-07-01 21:00:00"}},
		{name: "from zone ignored for an offset", id: "date.convert_zone", in: map[string]any{"datetime": "2024-07-01T08:00:00Z", "from_zone": "America/New_York", "zone": "UTC"},
			want: nodes.Out{"iso": "2024-07-01T08:00:00Z"}},
		{name: "from zone ignored for unix seconds", id: "date.convert_zone", in: map[string]any{"datetime": 1719835200.0, "from_zone": "Asia/Tokyo", "zone": "UTC"},
			want: nodes.Out{"iso": "2024-07-01T12:00:00Z"}},
		{name: "empty from zone is UTC", id: "date.convert_zone", in: map[string]any{"datetime": "2024-01-01 00:00", "from_zone": " ", "zone": "Asia/Tokyo"},
			want: nodes.Out{"iso": "2024-01-01T09:00:00+09:00"}},
		{name: "unknown from zone", id: "date.convert_zone", in: map[string]any{"datetime": "2024-01-01", "from_zone": "America/Nowhere", "zone": "UTC"},
			errPort: "from_zone", errText: "unknown time zone"},
		{name: "empty zone", id: "date.convert_zone", in: map[string]any{"datetime": "2024-01-01"}, errPort: "zone", errText: "is empty"},
		{name: "unknown zone", id: "date.convert_zone", in: map[string]any{"zone": "Moon/Crater"}, errPort: "zone", errText: "unknown time zone"},
		{name: "bad datetime", id: "date.convert_zone", in: map[string]any{"zone": "UTC", "datetime": []any{}}, errPort: "datetime"},

		// date.components
		{name: "new year's eve in Amsterdam", id: "date.components", in: map[string]any{"datetime": "2024-12-30T23:30:00Z", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"year": 2024.0, "month": 12.0, "day": 31.0, "hour": 0.0, "minute": 30.0, "second": 0.0, "millisecond": 0.0,
				"weekday": 2.0, "weekday_name": "Tuesday", "month_name": "December", "iso_week": 1.0, "iso_year": 2025.0,
				"quarter": 4.0, "day_of_year": 366.0, "days_in_month": 31.0, "offset_seconds": 3600.0, "is_weekend": false}},
		{name: "sunday and milliseconds", id: "date.components", in: map[string]any{"datetime": "2024-06-02T10:00:00.250Z"},
			check: func(t *testing.T, out nodes.Out) {
				c := out["components"].(map[string]any)
				if c["weekday"] != 7.0 || c["is_weekend"] != true || c["millisecond"] != 250.0 || out["weekday"] != 7.0 {
					t.Errorf("components = %v", c)
				}
			}},
		{name: "bad zone", id: "date.components", in: map[string]any{"zone": "UTC+2"}, errPort: "zone"},
		{name: "bad datetime", id: "date.components", in: map[string]any{"datetime": "2024-13-01"}, errPort: "datetime"},

		// date.from_components
		{name: "in zone", id: "date.from_components", in: map[string]any{"year": 2024.0, "month": 5.0, "day": 1.0, "hour": 9.0, "minute": 30.0, "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-05-01T09:30:00+02:00"}},
		{name: "defaults", id: "date.from_components", in: map[string]any{"year": 2024.0, "millisecond": 5.0}, want: nodes.Out{"iso": "2024-01-01T00:00:00.005Z"}},
		{name: "skipped by DST moves forward", id: "date.from_components", in: map[string]any{"year": 2024.0, "month": 3.0, "day": 31.0, "hour": 2.0, "minute": 30.0, "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-03-31T03:30:00+02:00"}},
		{name: "no such day", id: "date.from_components", in: map[string]any{"year": 2023.0, "month": 2.0, "day": 29.0}, errPort: "day", errText: "2023-02 has 28 days"},
		{name: "bad month", id: "date.from_components", in: map[string]any{"year": 2024.0, "month": 13.0}, errPort: "month", errText: "between 1 and 12"},
		{name: "bad hour", id: "date.from_components", in: map[string]any{"year": 2024.0, "hour": 24.0}, errPort: "hour"},
		{name: "no year", id: "date.from_components", in: map[string]any{}, errPort: "year", errText: "is required"},
		{name: "fractional", id: "date.from_components", in: map[string]any{"year": 2024.5}, errPort: "year", errText: "whole number"},
	}
}

func TestMonthsBetween(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	tests := []struct {
		a, b string
		want float64
	}{
		{"2024-01-31", "2024-02-29", 1},
		{"2024-01-31", "2024-03-31", 2},
		{"2024-01-01", "2024-01-01", 0},
		{"2024-01-01", "2024-01-16", 15.0 / 31},
		{"2024-03-31", "2024-02-29", -1},
		{"2024-02-29", "2024-03-31", 1 + 2.0/31},
		{"2024-03-01", "2024-01-31", -(1 + 1.0/31)},
	}
	for _, tt := range tests {
		if got := monthsBetween(d(tt.a), d(tt.b)); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("monthsBetween(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// In America/Santiago the clocks jump from 2024-09-08 00:00 -04:00 to 01:00 -03:00, so that day
// has no midnight. A wall-clock time in such a gap reads as the time after it (by the gap's
// length), as Luxon and java.time do: the day starts at 01:00 -03:00, and never on the day before.
func dstGapCases() []nodeCase {
	const z = "America/Santiago"
	return []nodeCase{
		{name: "start of the day before the gap", id: "date.start_of",
			in:   map[string]any{"datetime": "2024-09-07T12:00:00-04:00", "unit": "day", "zone": z},
			want: nodes.Out{"iso": "2024-09-07T00:00:00-04:00", "next_iso": "2024-09-08T01:00:00-03:00"}},
		{name: "start of the day with no midnight", id: "date.start_of",
			in:   map[string]any{"datetime": "2024-09-08T12:00:00-03:00", "unit": "day", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:00:00-03:00", "next_iso": "2024-09-09T00:00:00-03:00"}},
		{name: "add a day into the gap", id: "date.add",
			in:   map[string]any{"datetime": "2024-09-07T00:00:00-04:00", "amount": 1, "unit": "days", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:00:00-03:00"}},
		{name: "add a month into the gap", id: "date.add",
			in:   map[string]any{"datetime": "2024-08-08T00:00:00-04:00", "amount": 1, "unit": "months", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:00:00-03:00"}},
		{name: "components in the gap", id: "date.from_components",
			in:   map[string]any{"year": 2024, "month": 9, "day": 8, "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:00:00-03:00"}},
		{name: "text in the gap", id: "date.parse",
			in:   map[string]any{"text": "2024-09-08", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:00:00-03:00"}},
		// an overlap (clocks go back, 02:00-03:00 happens twice in Amsterdam on 27 Oct 2024) reads
		// as its first occurrence, as in Luxon and java.time, east and west of Greenwich alike
		{name: "components in an overlap", id: "date.from_components",
			in:   map[string]any{"year": 2024, "month": 10, "day": 27, "hour": 2, "minute": 30, "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-10-27T02:30:00+02:00"}},
		{name: "text in an overlap", id: "date.parse",
			in:   map[string]any{"text": "2024-10-27 02:30:00", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-10-27T02:30:00+02:00"}},
		{name: "add a day into an overlap", id: "date.add",
			in:   map[string]any{"datetime": "2024-10-26T02:30:00+02:00", "amount": 1, "unit": "days", "zone": "Europe/Amsterdam"},
			want: nodes.Out{"iso": "2024-10-27T02:30:00+02:00"}},
		{name: "overlap west of Greenwich", id: "date.from_components",
			in:   map[string]any{"year": 2024, "month": 11, "day": 3, "hour": 1, "minute": 30, "zone": "America/New_York"},
			want: nodes.Out{"iso": "2024-11-03T01:30:00-04:00"}},
		// 02:30 does not exist in New York on 10 March 2024 (02:00 EST jumps to 03:00 EDT)
		{name: "convert naive text in the gap", id: "date.convert_zone",
			in:   map[string]any{"datetime": "2024-03-10 02:30", "from_zone": "America/New_York", "zone": "UTC"},
			want: nodes.Out{"iso": "2024-03-10T07:30:00Z", "local": "2024-03-10 07:30:00"}},
		{name: "convert naive text in an overlap", id: "date.convert_zone",
			in:   map[string]any{"datetime": "2024-11-03T01:30", "from_zone": "America/New_York", "zone": "UTC"},
			want: nodes.Out{"iso": "2024-11-03T05:30:00Z"}},
		{name: "text in the gap with a layout", id: "date.parse",
			in:   map[string]any{"text": "08/09/2024 00:30", "layout": "02/01/2006 15:04", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:30:00-03:00"}},
	}
}

// date.diff counts days and weeks on the calendar of `zone` like months (as date.add adds them,
// and as Luxon and Moment count): 30 March to 1 April in Amsterdam is 2 days although that
// stretch is 47 hours long.
func dstDiffCases() []nodeCase {
	const z = "Europe/Amsterdam"
	return []nodeCase{
		{name: "days across spring forward", id: "date.diff",
			in:   map[string]any{"from": "2024-03-30", "to": "2024-04-01", "unit": "days", "zone": z},
			want: nodes.Out{"diff": 2.0, "milliseconds": 47 * 3600e3}},
		{name: "days across fall back", id: "date.diff",
			in:   map[string]any{"from": "2024-10-26T12:00:00", "to": "2024-10-27T12:00:00", "unit": "days", "zone": z},
			want: nodes.Out{"diff": 1.0, "milliseconds": 25 * 3600e3}},
		{name: "whole days just short", id: "date.diff",
			in:   map[string]any{"from": "2024-03-30T12:00:00", "to": "2024-03-31T11:59:00", "unit": "days", "whole": true, "zone": z},
			want: nodes.Out{"diff": 0.0}},
		{name: "weeks across spring forward", id: "date.diff",
			in:   map[string]any{"from": "2024-03-25", "to": "2024-04-08", "unit": "weeks", "zone": z},
			want: nodes.Out{"diff": 2.0}},
		{name: "negative days across spring forward", id: "date.diff",
			in:   map[string]any{"from": "2024-04-01", "to": "2024-03-30", "unit": "days", "zone": z},
			want: nodes.Out{"diff": -2.0}},
		{name: "half a day in UTC", id: "date.diff",
			in:   map[string]any{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T12:00:00Z", "unit": "days"},
			want: nodes.Out{"diff": 1.5}},
	}
}
