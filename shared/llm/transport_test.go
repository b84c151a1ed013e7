package llm_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/llm"
)

func TestRateLimitNote(t *testing.T) {
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	resp := func(status int, h ...string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	for _, tc := range []struct {
		r    *http.Response
		want string
	}{
		{nil, ""},
		{resp(500, "Retry-After", "5"), ""},
		{resp(429, "Retry-After", "5"), "wait 5s before"},
		{resp(429, "Retry-After-Ms", "1500", "Retry-After", "2"), "wait 1.5s before"},
		{resp(429, "Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), "wait 1m30s before"},
		{resp(429, "Retry-After", "soon"), "(rate limited: raise the model's max_retries or send fewer requests)"},
		{resp(429), "(rate limited: raise"},
	} {
		got := llm.RateLimitNote(tc.r, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.r, got, tc.want)
		}
	}
}

// Cut keeps text within the bound at a character boundary and says how long it was.
func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc… [6 bytes in all]"},
		{"aé€x", 3, "aé… [7 bytes in all]"},
		{"€€", 2, "… [6 bytes in all]"},
	} {
		if got := llm.Cut(tc.s, tc.n); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
