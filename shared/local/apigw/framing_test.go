package apigw_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/local/apigw"
)

// A function's answer may name headers that frame the HTTP message (a flow's HTTP response
// node can set any header): API Gateway frames the reply itself, so the body arrives whole
// with its own length. Copied as they were, a Content-Length shorter than the body cut it
// (and broke the connection), a longer one left the client waiting for bytes never sent.
func TestFramingHeadersOfTheFunctionAreNotCopied(t *testing.T) {
	for name, hdrs := range map[string]map[string]string{
		"short content-length": {"Content-Length": "2"},
		"long content-length":  {"content-length": "50"},
		"transfer-encoding":    {"Transfer-Encoding": "gzip"},
		"connection":           {"Connection": "upgrade", "Upgrade": "h2c", "Keep-Alive": "timeout=1"},
	} {
		h := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			hs := map[string]string{"content-type": "text/plain", "x-kept": "yes"}
			for k, v := range hdrs {
				hs[k] = v
			}
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello", Headers: hs}, nil
		}), apigw.HTTPOptions{Name: "router"})
		srv := httptest.NewServer(h)
		resp, err := http.Get(srv.URL + "/x")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if err != nil || string(body) != "hello" {
			t.Errorf("%s: body %q, %v", name, body, err)
		}
		if resp.ContentLength != 5 || resp.Header.Get("X-Kept") != "yes" || resp.Header.Get("Upgrade") != "" ||
			resp.Header.Get("Keep-Alive") != "" || len(resp.TransferEncoding) != 0 || resp.Close {
			t.Errorf("%s: length %d, headers %v, transfer-encoding %v, close %v", name, resp.ContentLength, resp.Header,
				resp.TransferEncoding, resp.Close)
		}
	}
}

// A status that is no HTTP status (Go's server panics on a code outside 100–999) is the
// function answering badly: 502, as API Gateway answers a malformed integration response.
func TestAnswerWithAStatusThatIsNoHTTPStatusIs502(t *testing.T) {
	for _, code := range []int{-1, 42, 1000} {
		h := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: code, Body: "x"}, nil
		}), apigw.HTTPOptions{Name: "router"})
		srv := httptest.NewServer(h)
		resp, err := http.Get(srv.URL + "/x")
		srv.Close()
		if err != nil {
			t.Fatalf("%d: %v", code, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("status %d answered %d", code, resp.StatusCode)
		}
	}
}

// Payload format 2.0 answers have no multiValueHeaders: API Gateway ignores them, so the
// local gateway does too (a flow that set headers that way would work here and lose them in
// AWS), and says so in the log.
func TestMultiValueHeadersOfA2Point0AnswerAreIgnored(t *testing.T) {
	var logs bytes.Buffer
	h := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok",
			Headers:           map[string]string{"content-type": "text/plain", "x-list": "a,b"},
			MultiValueHeaders: map[string][]string{"X-Multi": {"1", "2"}, "Set-Cookie": {"a=1"}},
			Cookies:           []string{"b=2"}}, nil
	}), apigw.HTTPOptions{Name: "router", Log: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-List") != "a,b" || resp.Header.Values("X-Multi") != nil ||
		strings.Join(resp.Header.Values("Set-Cookie"), ";") != "b=2" {
		t.Errorf("status %d, headers %v; want X-List a,b, no X-Multi, only the cookies field's b=2", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(logs.String(), "multiValueHeaders") || !strings.Contains(logs.String(), "X-Multi") {
		t.Errorf("log %q does not say the multiValueHeaders were ignored", logs.String())
	}
}
