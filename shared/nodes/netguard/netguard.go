// Package netguard keeps nodes that connect to user-given endpoints (vector stores, MCP
// servers, embedding APIs, SMTP servers) off loopback, private, link-local and cloud
// metadata addresses unless the node's `allow_private_network` input is set — the same
// rule the HTTP request node applies. Addresses are checked when connecting, after DNS
// resolution, so DNS rebinding cannot slip a private address past the guard.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"polysynergy/shared/nodes"
)

// PortName is the input port that lifts the guard.
const PortName = nodes.PortAllowPrivateNetwork

// Port is the `allow_private_network` input every guarded node declares.
func Port() nodes.Port {
	return nodes.Port{Name: PortName, Type: nodes.Boolean, Default: false, Label: "Allow private network (advanced)",
		Doc: "Allow connecting to loopback, private, link-local and cloud-metadata addresses (self-hosted servers " +
			"inside your network). Off: such addresses are refused, as for the HTTP request node."}
}

// Doc is the sentence the nodes' documentation uses to describe the guard.
const Doc = "Endpoints on loopback, private, link-local or cloud-metadata addresses are refused unless " +
	"`allow_private_network` is on and the project allows private networks (as for the HTTP request node); turn it " +
	"on for a server inside your own network " +
	"(e.g. Ollama or Qdrant on localhost)."

// BlockedError is returned when the guard refuses an address.
type BlockedError struct {
	Host   string // the host being dialled
	Addr   string // the address it resolved to
	Reason string // why it is refused
	// Always: refused whatever allow_private_network says (see Sandboxed).
	Always bool
}

func (e *BlockedError) Error() string {
	if e.Always {
		return fmt.Sprintf("refusing to connect to %s (%s): a %s address is never reachable from the platform's functions", e.Host, e.Addr, e.Reason)
	}
	if e.Host == e.Addr {
		return fmt.Sprintf("refusing to connect to %s: it is a %s address (set allow_private_network to allow it)", e.Host, e.Reason)
	}
	return fmt.Sprintf("refusing to connect to %s: it resolves to %s, a %s address (set allow_private_network to allow it)", e.Host, e.Addr, e.Reason)
}

var (
	metadata = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"),
		netip.MustParseAddr("fd00:ec2::254"),
		netip.MustParseAddr("100.100.100.200"),
	}
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// Reason says why ip may not be reached without allow_private_network, or "" when it may.
func Reason(ip netip.Addr) string {
	ip = ip.Unmap()
	for _, m := range metadata {
		if ip == m {
			return "cloud metadata"
		}
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsPrivate(), cgnat.Contains(ip):
		return "private"
	case ip.IsUnspecified(), thisNetwork.Contains(ip):
		return "unspecified"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	return ""
}

// sandboxReason says why ip is refused even with allow_private_network where Sandboxed:
// in a Lambda function loopback is the runtime API (the function's own invocations) and
// link-local and metadata addresses are the platform's, never a user's server. Private
// ranges stay reachable for functions placed in the user's VPC.
func sandboxReason(ip netip.Addr) string {
	switch why := Reason(ip); why {
	case "cloud metadata", "invalid", "loopback", "link-local", "unspecified":
		return why
	}
	return ""
}

// DialFunc dials network connections.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer returns a dial function that refuses guarded addresses unless allowPrivate.
func Dialer(allowPrivate bool, timeout time.Duration) DialFunc {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
		if allowPrivate && Sandboxed {
			d.Control = func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return &BlockedError{Host: host, Addr: address, Reason: "unparseable", Always: true}
				}
				if why := sandboxReason(ap.Addr()); why != "" {
					return &BlockedError{Host: host, Addr: ap.Addr().Unmap().String(), Reason: why, Always: true}
				}
				return nil
			}
		}
		if !allowPrivate {
			d.Control = func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return &BlockedError{Host: host, Addr: address, Reason: "unparseable"}
				}
				if why := Reason(ap.Addr()); why != "" {
					return &BlockedError{Host: host, Addr: ap.Addr().Unmap().String(), Reason: why}
				}
				return nil
			}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// HTTPClient returns an HTTP client whose connections go through Dialer(allowPrivate),
// with the given overall timeout (0: none beyond the context's).
func HTTPClient(allowPrivate bool, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = Dialer(allowPrivate, 0)
	return &http.Client{Transport: tr, Timeout: timeout}
}
