package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/local/apigw"
)

// recorder is a function that keeps the raw payload it was invoked with and answers 200.
type recorder struct{ payloads [][]byte }

func (r *recorder) fn(_ context.Context, payload []byte) ([]byte, error) {
	r.payloads = append(r.payloads, append([]byte(nil), payload...))
	return []byte(`{"statusCode":200,"body":"ok"}`), nil
}

func (r *recorder) last(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	if len(r.payloads) == 0 {
		t.Fatal("the function was not invoked")
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(r.payloads[len(r.payloads)-1], &ev); err != nil {
		t.Fatalf("the event is not JSON: %v", err)
	}
	return ev
}

func send(h http.Handler, method, target, ctype string, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	h.ServeHTTP(rec, req)
	return rec
}

// Lambda's 6 MB limit counts the event's JSON as sent, where `<`, `>` and `&` are one byte
// each: json.Marshal's HTML escaping (`\u003c`, six bytes) made a 1.2 MB body of `<` a
// 7.2 MB event, refused with 413 locally though AWS takes it (1.2 MB of `a` went through).
// The function still gets the body exactly as sent.
func TestPayloadLimitCountsHTMLCharactersAsOneByte(t *testing.T) {
	var r recorder
	h := apigw.HTTPAPI(r.fn, apigw.HTTPOptions{Name: "router"})
	for _, c := range []string{"a", "<", ">", "&"} {
		body := []byte(strings.Repeat(c, 1200*1000))
		if rec := send(h, "POST", "/echo", "text/plain", body); rec.Code != 200 {
			t.Fatalf("1.2 MB of %q: %d %s", c, rec.Code, rec.Body)
		}
		raw := r.payloads[len(r.payloads)-1]
		if bytes.Contains(raw, []byte(`\u00`)) || len(raw) > len(body)+4096 {
			t.Fatalf("1.2 MB of %q became a %d-byte event", c, len(raw))
		}
		if ev := r.last(t); ev.Body != string(body) || ev.IsBase64Encoded {
			t.Fatalf("1.2 MB of %q arrived as %d bytes (base64 %v)", c, len(ev.Body), ev.IsBase64Encoded)
		}
	}
	// the limit itself still holds, counted on what the function would get
	calls := len(r.payloads)
	if rec := send(h, "POST", "/echo", "text/plain", []byte(strings.Repeat("<", apigw.MaxLambdaRequest))); rec.Code != 413 || len(r.payloads) != calls {
		t.Fatalf("6 MB of '<': %d (%d calls); want 413 without a call", rec.Code, len(r.payloads)-calls)
	}
	if rec := send(h, "POST", "/echo", "text/plain", []byte(strings.Repeat("<", apigw.MaxLambdaRequest-4096))); rec.Code != 200 {
		t.Fatalf("just under 6 MB of '<': %d", rec.Code)
	}
	if n := len(r.payloads[len(r.payloads)-1]); n > apigw.MaxLambdaRequest {
		t.Fatalf("the function was invoked with %d bytes", n)
	}
}
