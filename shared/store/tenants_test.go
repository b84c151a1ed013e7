package store_test

import (
	"errors"
	"testing"
	"time"

	"polysynergy/shared/store"
)

func TestTenantsAndMembers(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")

	got := must[store.Tenant](t)(f.s.GetTenant(f.ctx, a.ID))
	if got.Name != "Acme" || got.ID != a.ID || got.CreatedAt.IsZero() {
		t.Fatalf("GetTenant = %+v", got)
	}
	noErr(t, f.s.RenameTenant(f.ctx, a.ID, "Acme Inc"))
	if got := must[store.Tenant](t)(f.s.GetTenant(f.ctx, a.ID)); got.Name != "Acme Inc" {
		t.Fatalf("renamed name = %q", got.Name)
	}
	_, err := f.s.GetTenant(f.ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, f.s.RenameTenant(f.ctx, "nope", "x"), store.ErrNotFound)

	owner := must[store.Membership](t)(f.s.GetMembership(f.ctx, a.ID, "owner-acme"))
	if owner.Role != store.RoleAdmin || owner.Email != "acme@example.com" {
		t.Fatalf("owner membership = %+v", owner)
	}

	for _, sub := range []string{"u1", "u2", "u3"} {
		if _, err := f.s.AddMember(f.ctx, store.Membership{Tenant: a.ID, Sub: sub, Role: store.RoleViewer}); err != nil {
			t.Fatalf("add %s: %v", sub, err)
		}
	}
	_, err = f.s.AddMember(f.ctx, store.Membership{Tenant: a.ID, Sub: "u1", Role: store.RoleEditor})
	wantErr(t, err, store.ErrExists)
	_, err = f.s.AddMember(f.ctx, store.Membership{Tenant: "ghost", Sub: "u1", Role: store.RoleEditor})
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.AddMember(f.ctx, store.Membership{Tenant: a.ID, Sub: "u9", Role: "owner"})
	wantErr(t, err, store.ErrInvalid)
	var ve *store.ValidationError
	if !errors.As(err, &ve) || ve.Field != "role" {
		t.Fatalf("validation error = %v, want field role", err)
	}
	must[store.Membership](t)(f.s.AddMember(f.ctx, store.Membership{Tenant: b.ID, Sub: "u1", Role: store.RoleEditor}))

	noErr(t, f.s.SetMemberRole(f.ctx, a.ID, "u2", store.RoleEditor))
	if m := must[store.Membership](t)(f.s.GetMembership(f.ctx, a.ID, "u2")); m.Role != store.RoleEditor {
		t.Fatalf("role after SetMemberRole = %q", m.Role)
	}
	wantErr(t, f.s.SetMemberRole(f.ctx, a.ID, "nobody", store.RoleEditor), store.ErrNotFound)

	page := must[store.Page[store.Membership]](t)(f.s.ListMembers(f.ctx, a.ID, store.ListOptions{Limit: 2}))
	if len(page.Items) != 2 || page.Next == "" {
		t.Fatalf("first page = %d items, next %q", len(page.Items), page.Next)
	}
	page2 := must[store.Page[store.Membership]](t)(f.s.ListMembers(f.ctx, a.ID, store.ListOptions{Limit: 2, Cursor: page.Next}))
	if len(page2.Items) != 2 || page2.Next != "" {
		t.Fatalf("second page = %d items, next %q", len(page2.Items), page2.Next)
	}
	var subs []string
	for _, m := range append(page.Items, page2.Items...) {
		subs = append(subs, m.Sub)
	}
	if want := []string{"owner-acme", "u1", "u2", "u3"}; !equal(subs, want) {
		t.Fatalf("members = %v, want %v", subs, want)
	}

	tenants := must[store.Page[store.Membership]](t)(f.s.ListUserTenants(f.ctx, "u1", store.ListOptions{}))
	if len(tenants.Items) != 2 {
		t.Fatalf("u1 tenants = %+v", tenants.Items)
	}
	roles := map[string]store.Role{}
	for _, m := range tenants.Items {
		roles[m.Tenant] = m.Role
	}
	if roles[a.ID] != store.RoleViewer || roles[b.ID] != store.RoleEditor {
		t.Fatalf("u1 roles = %v", roles)
	}

	noErr(t, f.s.RemoveMember(f.ctx, a.ID, "u1"))
	_, err = f.s.GetMembership(f.ctx, a.ID, "u1")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, f.s.RemoveMember(f.ctx, a.ID, "u1"), store.ErrNotFound)
	if tenants := must[store.Page[store.Membership]](t)(f.s.ListUserTenants(f.ctx, "u1", store.ListOptions{})); len(tenants.Items) != 1 {
		t.Fatalf("u1 tenants after removal = %+v", tenants.Items)
	}
}

func TestUsers(t *testing.T) {
	f := setup(t)
	u := must[store.User](t)(f.s.PutUser(f.ctx, store.User{Sub: "s1", Email: " Ada@Example.com ", Name: "Ada"}))
	if u.Email != "ada@example.com" {
		t.Fatalf("normalised email = %q", u.Email)
	}
	if sub := must[string](t)(f.s.LookupEmail(f.ctx, "ADA@example.com")); sub != "s1" {
		t.Fatalf("lookup = %q", sub)
	}
	must[store.User](t)(f.s.PutUser(f.ctx, store.User{Sub: "s1", Email: "ada@new.example", Name: "Ada L"}))
	got := must[store.User](t)(f.s.GetUser(f.ctx, "s1"))
	if got.Email != "ada@new.example" || got.Name != "Ada L" {
		t.Fatalf("user = %+v", got)
	}
	_, err := f.s.LookupEmail(f.ctx, "ada@example.com")
	wantErr(t, err, store.ErrNotFound)
	if sub := must[string](t)(f.s.LookupEmail(f.ctx, "ada@new.example")); sub != "s1" {
		t.Fatalf("lookup new = %q", sub)
	}
	_, err = f.s.PutUser(f.ctx, store.User{Sub: "s2", Email: "not-an-email"})
	wantErr(t, err, store.ErrInvalid)
	_, err = f.s.GetUser(f.ctx, "missing")
	wantErr(t, err, store.ErrNotFound)
}

func TestInvitations(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")
	c := f.tenant(t, "Gamma")
	must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: a.ID, Email: "New@Example.com", Role: store.RoleEditor, InvitedBy: "owner-acme"}))
	must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: b.ID, Email: "new@example.com", Role: store.RoleViewer}))
	must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: c.ID, Email: "new@example.com", Role: store.RoleAdmin}))
	_, err := f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: "ghost", Email: "x@example.com", Role: store.RoleViewer})
	wantErr(t, err, store.ErrNotFound)

	inv := must[store.Page[store.Invitation]](t)(f.s.ListInvitations(f.ctx, a.ID, store.ListOptions{}))
	if len(inv.Items) != 1 || inv.Items[0].Email != "new@example.com" || inv.Items[0].Role != store.RoleEditor {
		t.Fatalf("invitations = %+v", inv.Items)
	}
	if !inv.Items[0].ExpiresAt.After(inv.Items[0].CreatedAt) {
		t.Fatalf("invitation expiry %v not after creation %v", inv.Items[0].ExpiresAt, inv.Items[0].CreatedAt)
	}
	noErr(t, f.s.DeleteInvitation(f.ctx, c.ID, "new@example.com"))
	wantErr(t, f.s.DeleteInvitation(f.ctx, c.ID, "new@example.com"), store.ErrNotFound)

	// Listed for the invitee, across tenants; nothing is taken up until accepted.
	mine := must[[]store.Invitation](t)(f.s.ListInvitationsFor(f.ctx, " NEW@example.com "))
	if len(mine) != 2 || mine[0].Tenant == mine[1].Tenant {
		t.Fatalf("invitations for new@ = %+v, want a's and b's", mine)
	}
	if got := must[[]store.Invitation](t)(f.s.ListInvitationsFor(f.ctx, "other@example.com")); len(got) != 0 {
		t.Fatalf("invitations for other@ = %+v", got)
	}
	if _, err := f.s.GetMembership(f.ctx, a.ID, "newbie"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("membership before accepting: %v", err)
	}

	// Accepted: the membership with the invited role, the invitation consumed; again: the same membership.
	m := must[store.Membership](t)(f.s.AcceptInvitation(f.ctx, a.ID, "newbie", "new@example.com"))
	if m.Tenant != a.ID || m.Role != store.RoleEditor || m.Email != "new@example.com" {
		t.Fatalf("accepted = %+v", m)
	}
	if again := must[store.Membership](t)(f.s.AcceptInvitation(f.ctx, a.ID, "newbie", "new@example.com")); again.Role != store.RoleEditor {
		t.Fatalf("accepted again = %+v", again)
	}
	_, err = f.s.AcceptInvitation(f.ctx, a.ID, "someone-else", "new@example.com")
	wantErr(t, err, store.ErrNotFound)

	// Already a member of b: keeps the role, invitation consumed.
	must[store.Membership](t)(f.s.AddMember(f.ctx, store.Membership{Tenant: b.ID, Sub: "newbie", Role: store.RoleAdmin}))
	if m := must[store.Membership](t)(f.s.AcceptInvitation(f.ctx, b.ID, "newbie", "new@example.com")); m.Role != store.RoleAdmin {
		t.Fatalf("existing role changed to %q", m.Role)
	}
	for _, tn := range []string{a.ID, b.ID} {
		if inv := must[store.Page[store.Invitation]](t)(f.s.ListInvitations(f.ctx, tn, store.ListOptions{})); len(inv.Items) != 0 {
			t.Fatalf("tenant %s still has invitations %+v", tn, inv.Items)
		}
	}

	// Declined: deleted; declining or accepting again is ErrNotFound.
	must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: c.ID, Email: "no@example.com", Role: store.RoleViewer}))
	noErr(t, f.s.DeclineInvitation(f.ctx, c.ID, "no@example.com"))
	wantErr(t, f.s.DeclineInvitation(f.ctx, c.ID, "no@example.com"), store.ErrNotFound)
	_, err = f.s.AcceptInvitation(f.ctx, c.ID, "nobody", "no@example.com")
	wantErr(t, err, store.ErrNotFound)

	// Expired invitations are neither listed nor accepted nor declined.
	must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: c.ID, Email: "late@example.com", Role: store.RoleViewer}))
	f.clock.Advance(store.InvitationTTL + time.Hour)
	if inv := must[store.Page[store.Invitation]](t)(f.s.ListInvitations(f.ctx, c.ID, store.ListOptions{})); len(inv.Items) != 0 {
		t.Fatalf("expired invitation listed: %+v", inv.Items)
	}
	if got := must[[]store.Invitation](t)(f.s.ListInvitationsFor(f.ctx, "late@example.com")); len(got) != 0 {
		t.Fatalf("expired invitation listed for the invitee: %+v", got)
	}
	_, err = f.s.AcceptInvitation(f.ctx, c.ID, "late", "late@example.com")
	wantErr(t, err, store.ErrExpired)
	wantErr(t, f.s.DeclineInvitation(f.ctx, c.ID, "late@example.com"), store.ErrExpired)
	if _, err := f.s.GetMembership(f.ctx, c.ID, "late"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired invitation made a membership: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
