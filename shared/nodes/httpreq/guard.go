package httpreq

import (
	"context"
	"net"
	"net/netip"

	"polysynergy/shared/nodes/netguard"
)

// BlockedError is returned when the SSRF guard refuses to connect to an address; the
// guard is the one every node connecting to user-given endpoints uses (netguard).
type BlockedError = netguard.BlockedError

// guardedDial dials like net.Dialer but checks every address actually connected to
// (after DNS resolution, for each redirect and each retry), so DNS rebinding cannot
// slip a private address past the guard.
func guardedDial(ctx context.Context, network, addr string) (net.Conn, error) {
	return netguard.Dialer(false, 0)(ctx, network, addr)
}

// blockedReason says why ip may not be reached without allow_private_network, or "".
func blockedReason(ip netip.Addr) string { return netguard.Reason(ip) }
