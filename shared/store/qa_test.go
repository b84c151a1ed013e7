package store_test

import (
	"testing"

	"polysynergy/shared/store"
)

// An invitation's expiry is the same when created and when listed (the list read whole
// seconds back while the create answered nanoseconds).
func TestInvitationExpiryRoundTrips(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	inv := must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: tn.ID, Email: "new@example.com", Role: store.RoleEditor}))
	list := must[store.Page[store.Invitation]](t)(f.s.ListInvitations(f.ctx, tn.ID, store.ListOptions{}))
	if len(list.Items) != 1 || !list.Items[0].ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("created expiring %v, listed %+v", inv.ExpiresAt, list.Items)
	}
}
