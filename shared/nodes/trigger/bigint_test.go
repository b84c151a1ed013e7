package trigger

import (
	"context"
	"reflect"
	"testing"

	"polysynergy/shared/nodes/nodetest"
)

// A route's JSON body keeps whole numbers beyond 2^53 (ids such as 9007199254740993) exact as
// int64, as Parse JSON reads them, whether its content type says JSON or the body only looks
// like it; they came out as the float64 9007199254740992.
func TestRouteJSONBodyKeepsLargeIntegersExact(t *testing.T) {
	typ := lookup(t, "trigger.route")
	body := `{"id": 9007199254740993, "ids": [-9007199254740993], "n": 2}`
	want := map[string]any{"id": int64(9007199254740993), "ids": []any{int64(-9007199254740993)}, "n": 2.0}
	for _, headers := range []map[string]any{{"content-type": "application/json"}, {}} {
		out, err, _ := nodetest.Run(context.Background(), typ, nil, nodetest.Options{
			Trigger: map[string]any{"method": "POST", "path": "/orders", "headers": headers, "body": body}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out["json"], want) {
			t.Errorf("headers %v: json = %#v, want %#v", headers, out["json"], want)
		}
	}
}
