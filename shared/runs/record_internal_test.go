package runs

import (
	"encoding/json"
	"testing"

	"polysynergy/shared/nodes/response"
)

// The summary of a run's response reads the response node's map form as it is, and any
// other value through its JSON form, with the same result.
func TestResponseSummary(t *testing.T) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = 'x'
	}
	set := response.Response{Status: 201, Headers: map[string]string{"Content-Type": "text/plain"}, Body: string(big)}.Map()
	for _, tc := range []struct {
		name string
		v    any
		want *responseSummary
	}{
		{"a response node's map", set, &responseSummary{Status: 201, ContentType: "text/plain"}},
		{"the same through JSON", struct {
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
		}{201, map[string]string{"content-type": "text/plain"}}, &responseSummary{Status: 201, ContentType: "text/plain"}},
		{"string headers", map[string]any{"status": 204, "headers": map[string]string{"CONTENT-TYPE": "a/b"}}, &responseSummary{Status: 204, ContentType: "a/b"}},
		{"a JSON number", map[string]any{"status": json.Number("302")}, &responseSummary{Status: 302}},
		{"no status or headers", map[string]any{"body": "x"}, &responseSummary{}},
		{"a header that is not text", map[string]any{"status": 200.0, "headers": map[string]any{"content-type": 5}}, &responseSummary{Status: 200}},
		{"nothing set", nil, nil},
		{"a fractional status", map[string]any{"status": 200.5}, nil},
		{"a status as text", map[string]any{"status": "200"}, nil},
		{"headers that are not an object", map[string]any{"status": 200.0, "headers": []any{"x"}}, nil},
		{"not an object", []any{1, 2}, nil},
		{"cannot be encoded", func() {}, nil},
	} {
		got := responseOf(tc.v)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: summary %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
