package apigw_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/local/apigw"
)

// API Gateway holds the function's whole answer and sends it with its Content-Length, and a
// HEAD request gets the length of the body it leaves out. Answers over Go's 2 KB chunking
// buffer went out chunked with no length, and a HEAD got none at all.
func TestAnswerHasItsContentLengthAlsoForHEAD(t *testing.T) {
	body := strings.Repeat("x", 10_000)
	h := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: body, Headers: map[string]string{"content-type": "text/plain"}}, nil
	}), apigw.HTTPOptions{Name: "router"})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, srv.URL+"/big", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := body
		if method == http.MethodHead {
			want = ""
		}
		if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 || string(got) != want {
			t.Errorf("%s: content length %d (transfer encoding %v), body of %d bytes; want length %d and a body of %d bytes",
				method, resp.ContentLength, resp.TransferEncoding, len(got), len(body), len(want))
		}
	}
}
