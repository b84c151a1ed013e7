// Package httpreq holds the HTTP node family: an HTTP request node with body encodings,
// authentication (including cached OAuth2 client-credentials tokens), retries honouring
// Retry-After, redirects, response decoding, a size limit and an SSRF guard; and a
// webhook helper that verifies HMAC signatures.
package httpreq

import (
	"context"
	"net"
	"net/http"
	"time"

	"polysynergy/shared/nodes"
)

const category = "HTTP"

// Limits and defaults of the request node.
const (
	defaultTimeoutMS   = 30000
	defaultMaxBytes    = 10 << 20
	maxRetries         = 10
	maxRedirects       = 10
	baseBackoff        = 500 * time.Millisecond
	maxBackoff         = 30 * time.Second
	maxRetryAfter      = 60 * time.Second
	defaultAPIKeyName  = "X-API-Key"
	tokenExpiryMargin  = 30 * time.Second
	defaultTokenExpiry = 5 * time.Minute
)

// family holds what the HTTP nodes share across calls: the transports (one with the
// SSRF guard, one without) and the OAuth2 token cache.
type family struct {
	guarded *http.Transport
	open    *http.Transport
	tokens  *tokenCache
	now     func() time.Time
	// sleep waits between retries; tests replace it to record the delays.
	sleep func(ctx context.Context, d time.Duration) error
}

func newFamily() *family {
	return &family{
		guarded: newTransport(guardedDial),
		open:    newTransport((&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext),
		tokens:  newTokenCache(),
		now:     time.Now,
		sleep:   sleepCtx,
	}
}

func newTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		// no proxy from the environment: the guard must see the real destination
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return newFamily().register(r)
}

func (f *family) register(r *nodes.Registry) error {
	return r.Register(f.requestType(), verifyHMACType())
}
