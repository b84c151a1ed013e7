package schedule

import "testing"

func TestDescribe(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"30 9 * * 1-5", "At 09:30 on Monday through Friday"},
		{"30 9 * * MON-FRI", "At 09:30 on Monday through Friday"},
		{"*/5 * * * *", "Every 5 minutes"},
		{"* * * * *", "Every minute"},
		{"*/1 * * * *", "Every minute"},
		{"0 * * * *", "At minute 0 past every hour"},
		{"@hourly", "At minute 0 past every hour"},
		{"0,30 * * * *", "At minutes 0 and 30 past every hour"},
		{"10-20 * * * *", "At minutes 10 through 20 past every hour"},
		{"5/15 * * * *", "Every 15 minutes from minute 5 through 59"},
		{"1-30/2 * * * *", "Every 2 minutes from minute 1 through 30"},
		{"0 */2 * * *", "At minute 0 past every 2nd hour"},
		{"*/5 */2 * * *", "Every 5 minutes past every 2nd hour"},
		{"*/20 8-18/2 * * *", "Every 20 minutes past every 2nd hour from 8 through 18"},
		{"*/15 9-17 * * 1-5", "Every 15 minutes between 09:00 and 17:59 on Monday through Friday"},
		{"*/15 9,12,15-17 * * *", "Every 15 minutes during hours 9, 12 and 15 through 17"},
		{"0 9,17 * * *", "At 09:00 and 17:00"},
		{"0,30 9 * * *", "At 09:00 and 09:30"},
		{"*/10 8 * * *", "At 08:00, 08:10, 08:20, 08:30, 08:40 and 08:50"},
		{"@daily", "At 00:00"},
		{"0 0 1 * *", "At 00:00 on day 1 of the month"},
		{"0 0 1,15 * *", "At 00:00 on days 1 and 15 of the month"},
		{"0 0 1-7 * *", "At 00:00 on days 1 through 7 of the month"},
		{"0 0 */2 * *", "At 00:00 on every 2nd day of the month"},
		{"0 0 5/10 * *", "At 00:00 on every 10th day starting on day 5 of the month"},
		{"0 0 1-15/7 * *", "At 00:00 on every 7th day from day 1 through 15 of the month"},
		{"0 0 1 1 *", "At 00:00 on January 1"},
		{"@yearly", "At 00:00 on January 1"},
		{"@weekly", "At 00:00 on Sunday"},
		{"0 12 * 1,7 *", "At 12:00 in January and July"},
		{"0 8-10 * JAN-MAR *", "At 08:00, 09:00 and 10:00 in January through March"},
		{"0 0 1 */3 *", "At 00:00 on day 1 in January, April, July and October"},
		{"0 0 13 * 5", "At 00:00 on day 13 of the month or on Friday"},
		{"0 0 1 JAN MON", "At 00:00 on January 1 or on Monday in January"},
		{"0 0 1,15 6 MON", "At 00:00 on days 1 and 15 or on Monday, in June"},
		{"0 0 * * 5-0", "At 00:00 on Friday through Sunday"},
		{"0 0 * * 6,0", "At 00:00 on Saturday and Sunday"},
		{"0 0 * * 7", "At 00:00 on Sunday"},
		{"0 0 * * SAT-MON", "At 00:00 on Saturday through Monday"},
		{"0 0 * * 1,3,5", "At 00:00 on Monday, Wednesday and Friday"},
		{"0 0 * * 1-3,5", "At 00:00 on Monday through Wednesday and Friday"},
		{"0 0 * * 1 ", "At 00:00 on Monday"},
		{"0 6 * 12 1-5", "At 06:00 on Monday through Friday in December"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			if got := mustParse(t, tt.expr).Describe(); got != tt.want {
				t.Errorf("Describe(%q) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 30: "30th", 101: "101st", 111: "111th"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}
