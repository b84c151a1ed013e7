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
		{name: "text in the gap with a layout", id: "date.parse",
			in:   map[string]any{"text": "08/09/2024 00:30", "layout": "02/01/2006 15:04", "zone": z},
			want: nodes.Out{"iso": "2024-09-08T01:30:00-03:00"}},
	}
}
