package httpreq

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// BlockedError is returned when the SSRF guard refuses to connect to an address.
type BlockedError struct {
	Host   string // the host name being dialled
	Addr   string // the resolved IP address
	Reason string // why the address is refused
}

func (e *BlockedError) Error() string {
	if e.Host == e.Addr {
		return fmt.Sprintf("refusing to connect to %s: it is a %s address (set allow_private_network to allow it)", e.Host, e.Reason)
	}
	return fmt.Sprintf("refusing to connect to %s: it resolves to %s, a %s address (set allow_private_network to allow it)",
		e.Host, e.Addr, e.Reason)
}

var (
	metadataAddrs = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
		netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
)

// blockedReason says why ip may not be reached without allow_private_network, or "".
func blockedReason(ip netip.Addr) string {
	ip = ip.Unmap()
	for _, m := range metadataAddrs {
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
	case ip.IsPrivate(), sharedSpace.Contains(ip):
		return "private"
	case ip.IsUnspecified(), thisNetwork.Contains(ip):
		return "unspecified"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	return ""
}

// guardedDial dials like net.Dialer but checks every address actually connected to
// (after DNS resolution, for each redirect and each retry), so DNS rebinding cannot
// slip a private address past the guard.
func guardedDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	d := net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &BlockedError{Host: host, Addr: address, Reason: "unparseable"}
			}
			if why := blockedReason(ap.Addr()); why != "" {
				return &BlockedError{Host: host, Addr: ap.Addr().Unmap().String(), Reason: why}
			}
			return nil
		},
	}
	return d.DialContext(ctx, network, addr)
}
