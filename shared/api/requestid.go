package api

import (
	"context"
	"encoding/json"

	"github.com/oklog/ulid/v2"
)

// RequestIDHeader carries the request id on every response (echoed from
// the request when it is valid).
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the request id of ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts 1–128 characters of letters, digits and ._-:
// anything else is replaced, so ids are safe to log and echo.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// newRequestID returns a new ULID.
func newRequestID() string { return ulid.Make().String() }

// requestURN is a problem's instance for a request.
func requestURN(id string) string {
	if id == "" {
		return ""
	}
	return "urn:polysynergy:request:" + id
}

// jsonMarshal encodes without HTML escaping.
func jsonMarshal(v any) ([]byte, error) {
	return json.Marshal(v)
}
