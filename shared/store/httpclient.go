package store

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// OwnedBodyTransport is an http.RoundTripper for DynamoDB clients that
// hands net/http a copy of each request body. smithy-go (v1.28) closes the
// request body as soon as response headers arrive; against a fast endpoint
// (the embedded server on loopback) net/http's write loop can still be
// reading that body, sees the close as a read error, drops the connection,
// and the response read fails with "use of closed network connection"
// (reported by the store as ErrUnavailable). DynamoDB request bodies are
// small JSON documents, so the copy is cheap. Base defaults to
// http.DefaultTransport.
type OwnedBodyTransport struct {
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t OwnedBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Body == nil || req.Body == http.NoBody {
		return base.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	return base.RoundTrip(r)
}

// NewHTTPClient is the HTTP client every DynamoDB client of the platform
// uses: OwnedBodyTransport over a transport that keeps enough connections
// warm for a busy function (net/http keeps 2 idle connections per host by
// default, so parallel reads would dial on every request).
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: OwnedBodyTransport{Base: tr}, Timeout: timeout}
}
