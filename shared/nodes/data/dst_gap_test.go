package data

import "polysynergy/shared/nodes"

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
