package httpreq

import "net/http"

// GuardedTransport returns a new HTTP transport with http.request's SSRF guard: its dialer
// refuses loopback, private, link-local, multicast and cloud-metadata addresses (checked
// after DNS resolution, on every connection), and it ignores proxy settings so the guard
// sees the real destination. For node families that call URLs built from flow data.
func GuardedTransport() *http.Transport { return newTransport(guardedDial) }

// OpenTransport returns a new HTTP transport without the guard (allow_private_network).
func OpenTransport() *http.Transport { return newFamily().open }
