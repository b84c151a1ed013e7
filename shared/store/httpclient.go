package store

import (
	"bytes"
	"context"
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
//
// Timeout, when set, bounds each request from sending it to reading the last byte of
// its answer, as http.Client.Timeout does. It is applied here as the request's
// context deadline because a client timeout over a transport net/http does not know
// costs a goroutine and a timer channel per request.
type OwnedBodyTransport struct {
	Base    http.RoundTripper
	Timeout time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t OwnedBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	ctx, cancel := req.Context(), context.CancelFunc(nil)
	if t.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
	}
	r := req
	if req.Body != nil && req.Body != http.NoBody {
		b, err := readBody(req.Body, req.ContentLength)
		_ = req.Body.Close()
		if err != nil {
			if cancel != nil {
				cancel()
			}
			return nil, err
		}
		r = req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		r.ContentLength = int64(len(b))
	} else if cancel != nil {
		r = req.WithContext(ctx)
	}
	resp, err := base.RoundTrip(r)
	if cancel == nil {
		return resp, err
	}
	if err != nil {
		cancel()
		return nil, err
	}
	// the deadline covers reading the answer; closing it (or reading it to the end) ends it
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// readBody reads a body whose length is usually announced (the SDK sets it) into a
// buffer of that size at once, instead of one grown by doubling.
func readBody(r io.Reader, n int64) ([]byte, error) {
	if n < 0 || n > 64<<20 {
		n = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// cancelOnClose releases a request's deadline once its answer has been read or closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// NewHTTPClient is the HTTP client every DynamoDB client of the platform
// uses: OwnedBodyTransport over a transport that keeps enough connections
// warm for a busy function (net/http keeps 2 idle connections per host by
// default, so parallel reads would dial on every request). timeout bounds
// each request with its answer (0: no bound).
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: OwnedBodyTransport{Base: tr, Timeout: timeout}}
}
