package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
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

// A request body reaches the function as text only for the content types an HTTP API passes
// as text, and only when it is valid UTF-8; otherwise base64 with isBase64Encoded, so no byte
// is lost: `curl --data-binary @file` (no Content-Type) or a text/plain upload of binary data
// arrived as isBase64Encoded false with each invalid byte turned into U+FFFD.
func TestRequestBodyIsBase64UnlessTextByContentTypeAndUTF8(t *testing.T) {
	h := apigw.HTTPAPI(fn(func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		b, _ := json.Marshal(ev)
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b)}, nil
	}), apigw.HTTPOptions{Name: "router"})
	binary := []byte{0x00, 0x01, 0xff, 0xfe}
	for _, tc := range []struct {
		ctype string
		body  []byte
		text  bool
	}{
		{"", binary, false},
		{"text/plain", binary, false},
		{"text/plain; charset=utf-8", binary, false},
		{"application/json", binary, false},
		{"text/plain; charset=iso-8859-1", []byte("caf\xe9"), false},
		{"application/octet-stream", binary, false},
		{"image/png", []byte("\x89PNG\r\n\x1a\n"), false},
		{"", []byte("hello"), false},
		{"application/x-www-form-urlencoded", []byte("a=1&b=%3C"), false},
		{"multipart/form-data; boundary=x", []byte("--x--\r\n"), false},
		{"application/problem+json", []byte(`{"a":1}`), false},
		{"not a type", []byte("hello"), false},
		{"text/plain", []byte("héllo <b> & \x00 ✓"), true},
		{"TEXT/HTML; charset=UTF-8", []byte("<p>hi</p>"), true},
		{"text/csv", []byte("a,b\n1,2\n"), true},
		{"application/json", []byte(`{"a":"é"}`), true},
		{"application/xml", []byte(`<a/>`), true},
		{"application/javascript", []byte(`alert(1)`), true},
	} {
		rec := send(h, "POST", "/echo", tc.ctype, tc.body)
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(rec.Body.Bytes(), &ev); rec.Code != 200 || err != nil {
			t.Fatalf("%q: %d %v %s", tc.ctype, rec.Code, err, rec.Body)
		}
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			var err error
			if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Fatalf("%q: isBase64Encoded but %v", tc.ctype, err)
			}
		}
		if ev.IsBase64Encoded == tc.text || !bytes.Equal(got, tc.body) {
			t.Errorf("%q %q: arrived as %q (isBase64Encoded %v)", tc.ctype, tc.body, ev.Body, ev.IsBase64Encoded)
		}
	}
	// no body: none in the event
	rec := send(h, "POST", "/echo", "", nil)
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(rec.Body.Bytes(), &ev); err != nil || ev.Body != "" || ev.IsBase64Encoded {
		t.Fatalf("no body: %v %+v", err, ev)
	}
}

// With payload 2.0, valid JSON without a statusCode is the body of a 200 answer with
// content-type application/json; a string is answered as its text ("Hello from Lambda!"
// is the body Hello from Lambda!, as in the table of AWS's "Lambda function response for
// format 2.0"). An object that merely mentions "statusCode" in a value was refused with
// 502, a string was answered with its quotes, and an answer with a statusCode but a field
// of the wrong type was taken for a bare value and answered 200.
func TestResponseWithoutStatusCodeIsInferred(t *testing.T) {
	for out, want := range map[string]string{
		`"Hello from Lambda!"`:                `Hello from Lambda!`,
		`"<b>\u00e9</b>"`:                     `<b>é</b>`,
		`{ "message": "Hello from Lambda!" }`: `{ "message": "Hello from Lambda!" }`,
		`{"message":"no statusCode here"}`:    `{"message":"no statusCode here"}`,
		`[1,"statusCode"]`:                    `[1,"statusCode"]`,
		`42`:                                  `42`,
		`true`:                                `true`,
	} {
		h := apigw.HTTPAPI(func(context.Context, []byte) ([]byte, error) { return []byte(out), nil }, apigw.HTTPOptions{Name: "router"})
		rec := send(h, "GET", "/", "", nil)
		if rec.Code != 200 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %v; want 200 %q as application/json", out, rec.Code, rec.Body, rec.Header(), want)
		}
	}
	for _, out := range []string{`{"statusCode":200,"body":123}`, `{"statusCode":"200"}`, `{"statusCode":null}`, `not json`} {
		h := apigw.HTTPAPI(func(context.Context, []byte) ([]byte, error) { return []byte(out), nil }, apigw.HTTPOptions{Name: "router"})
		if rec := send(h, "GET", "/", "", nil); rec.Code != http.StatusBadGateway {
			t.Errorf("%s: %d %q; want 502", out, rec.Code, rec.Body)
		}
	}
	h := apigw.HTTPAPI(func(context.Context, []byte) ([]byte, error) {
		return []byte(`{"statusCode":201,"body":"made","headers":{"content-type":"text/plain"}}`), nil
	}, apigw.HTTPOptions{Name: "router"})
	if rec := send(h, "GET", "/", "", nil); rec.Code != 201 || rec.Body.String() != "made" || rec.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("a full answer: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

// requestContext.domainName is the API's domain name and domainPrefix its first label, as in
// AWS ("domainName": "id.execute-api.us-east-1.amazonaws.com", "domainPrefix": "id"): the
// port of a local address is no part of them (it made the prefix of "localhost:8090"
// "localhost:8090"); the host header keeps it.
func TestDomainNameHasNoPort(t *testing.T) {
	var r recorder
	h := apigw.HTTPAPI(r.fn, apigw.HTTPOptions{Name: "router"})
	for host, want := range map[string][2]string{
		"shop-live.localhost:8090": {"shop-live.localhost", "shop-live"},
		"localhost:8090":           {"localhost", "localhost"},
		"shop-live.localhost":      {"shop-live.localhost", "shop-live"},
		"[::1]:8090":               {"::1", "::1"},
	} {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Host = host
		h.ServeHTTP(httptest.NewRecorder(), req)
		ev := r.last(t)
		if ev.RequestContext.DomainName != want[0] || ev.RequestContext.DomainPrefix != want[1] || ev.Headers["host"] != host {
			t.Errorf("%s: domainName %q, domainPrefix %q, host %q", host, ev.RequestContext.DomainName, ev.RequestContext.DomainPrefix, ev.Headers["host"])
		}
	}
}
