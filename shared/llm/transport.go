package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ContentType is a provider answer's Content-Type ("" without an answer).
func ContentType(r *http.Response) string {
	if r == nil {
		return ""
	}
	return r.Header.Get("Content-Type")
}

// OwnTimeout turns the expiry of one request's own time limit into an error that says so:
// left as context.DeadlineExceeded it would read as the run's deadline. ctx is the call's
// context (still alive when only the request's limit passed).
func OwnTimeout(ctx context.Context, limit time.Duration, err error) error {
	if limit > 0 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within the model's timeout of %s (it covers the whole answer, also a streamed one; raise timeout for long answers)", limit)
	}
	return err
}

// RateLimitNote explains a refusal for rate limiting (429) with what the answer asked for:
// how long to wait (retry-after-ms or Retry-After, in seconds or as a date), and what to
// change. "" for other answers.
func RateLimitNote(r *http.Response, now time.Time) string {
	if r == nil || r.StatusCode != http.StatusTooManyRequests {
		return ""
	}
	wait := time.Duration(0)
	if ms, err := strconv.ParseFloat(r.Header.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		wait = time.Duration(ms * float64(time.Millisecond))
	} else if v := strings.TrimSpace(r.Header.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			wait = time.Duration(s * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil && t.After(now) {
			wait = t.Sub(now)
		}
	}
	if wait > 0 {
		return fmt.Sprintf(" (rate limited: the API asks to wait %s before retrying; raise the model's max_retries or send fewer requests)",
			wait.Round(time.Millisecond))
	}
	return " (rate limited: raise the model's max_retries or send fewer requests)"
}

// Cut shortens s to at most n bytes at a character boundary, saying how long it was: an
// API's or a proxy's error text may be kilobytes long.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + fmt.Sprintf("… [%d bytes in all]", len(s))
}
