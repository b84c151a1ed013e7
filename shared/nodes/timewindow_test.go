package nodes_test

import (
	"testing"
	"time"

	"polysynergy/shared/nodes"
)

func TestTimeWindowContains(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("Mon 2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		window, at string
		want       bool
	}{
		{"09:00-17:00", "Mon 2024-05-06 09:00", true},
		{"09:00-17:00", "Mon 2024-05-06 17:00", false}, // the end is not in the window
		{"18:00-24:00", "Mon 2024-05-06 23:59", true},
		{"18:00-24:00", "Tue 2024-05-07 00:00", false},
		{"00:00-24:00", "Tue 2024-05-07 00:00", true},
		{"fri 22:00-06:00", "Sat 2024-05-11 05:59", true}, // after midnight: Friday's window
		{"fri 22:00-06:00", "Sat 2024-05-11 22:30", false},
		{"fri-mon 22:00-06:00", "Tue 2024-05-07 01:00", true}, // Monday night
		{"sat, sun 10:00-14:00", "Sun 2024-05-12 13:59", true},
	} {
		w, err := nodes.ParseTimeWindow(tc.window)
		if err != nil {
			t.Fatalf("%q: %v", tc.window, err)
		}
		if got := w.Contains(at(tc.at)); got != tc.want {
			t.Errorf("%q contains %s = %v, want %v", tc.window, tc.at, got, tc.want)
		}
	}
	for _, bad := range []string{"24:00-06:00", "09:60-10:00", "09:00", "mon-fri", "09:00-17:00 mon", "1:2-3:4", "mon-funday 09:00-17:00"} {
		if _, err := nodes.ParseTimeWindow(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
