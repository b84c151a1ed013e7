package netguard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestReason(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"127.0.0.1", "loopback"}, {"::1", "loopback"}, {"10.1.2.3", "private"}, {"192.168.0.5", "private"},
		{"172.16.0.1", "private"}, {"100.64.1.1", "private"}, {"169.254.169.254", "cloud metadata"},
		{"169.254.1.1", "link-local"}, {"0.0.0.0", "unspecified"}, {"239.1.1.1", "multicast"},
		{"255.255.255.255", "broadcast"}, {"::ffff:10.0.0.1", "private"}, {"8.8.8.8", ""}, {"2606:4700::1111", ""},
	} {
		if got := Reason(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("Reason(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

func TestHTTPClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	for _, tc := range []struct {
		allow   bool
		wantErr string
	}{{true, ""}, {false, "refusing to connect to 127.0.0.1: it is a loopback address (set allow_private_network to allow it)"}} {
		if Sandboxed && tc.allow {
			// in the functions loopback is the Lambda runtime API: refused even when allowed
			tc.wantErr = "refusing to connect to 127.0.0.1 (127.0.0.1): a loopback address is never reachable from the platform's functions"
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
		resp, err := HTTPClient(tc.allow, 0).Do(req)
		if tc.wantErr == "" {
			if err != nil {
				t.Fatalf("allowed: %v", err)
			}
			resp.Body.Close()
			continue
		}
		var be *BlockedError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), tc.wantErr) {
			t.Fatalf("error = %v, want a BlockedError %q", err, tc.wantErr)
		}
	}
}

func TestSandboxReason(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"127.0.0.1", "loopback"}, {"::1", "loopback"}, {"169.254.169.254", "cloud metadata"}, {"169.254.1.1", "link-local"},
		{"0.0.0.0", "unspecified"}, {"10.1.2.3", ""}, {"192.168.0.5", ""}, {"8.8.8.8", ""},
	} {
		if got := sandboxReason(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("sandboxReason(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}
