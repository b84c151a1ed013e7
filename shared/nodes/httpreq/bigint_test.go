package httpreq

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"polysynergy/shared/nodes/nodetest"
)

// A JSON answer's whole numbers beyond 2^53 (ids such as 9007199254740993) come out exact as
// int64, as Parse JSON reads them; they came out as the float64 9007199254740992. Smaller
// numbers and decimals stay float64.
func TestJSONResponseKeepsLargeIntegersExact(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Path[1:])
		_, _ = w.Write([]byte(`{"id": 9007199254740993, "ids": [-9007199254740993], "n": 2, "x": 1.5}`))
	}))
	defer srv.Close()
	want := map[string]any{"id": int64(9007199254740993), "ids": []any{int64(-9007199254740993)}, "n": 2.0, "x": 1.5}
	typ, _ := h.reg.Lookup("http.request")
	for _, tc := range []struct{ ct, respType string }{
		{"application/json", "auto"}, {"application/problem+json", "auto"}, {"text/plain", "json"},
	} {
		in := req(srv.URL+"/"+tc.ct, "response_type", tc.respType)
		out, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.ct, tc.respType, err)
		}
		if !reflect.DeepEqual(out["body"], want) {
			t.Errorf("%s %s: body = %#v, want %#v", tc.ct, tc.respType, out["body"], want)
		}
	}
}
