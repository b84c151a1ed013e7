package httpreq

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/nodes/nodetest"
)

// A response that says it is JSON but is not still comes out as text with response_type auto,
// and the node says why in a warning: the flow's next {{ fetch.body.x }} otherwise fails with
// "body is a string" and no hint that the server sent broken JSON.
func TestAutoWarnsWhenDeclaredJSONIsNot(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":`))
	}))
	defer srv.Close()
	typ, _ := h.reg.Lookup("http.request")
	out, err, host := nodetest.Run(context.Background(), typ, req(srv.URL), nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out["body"] != `{"ok":` {
		t.Fatalf("body = %#v, want the text", out["body"])
	}
	if len(host.Logs) != 1 || !strings.Contains(host.Logs[0], "warn: the response says application/json but is not JSON") ||
		!strings.Contains(host.Logs[0], "unexpected end of JSON input") {
		t.Fatalf("logs = %q, want a warning that the JSON is broken", host.Logs)
	}
}
