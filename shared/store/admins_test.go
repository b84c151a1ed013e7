package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// A tenant always keeps an admin, also when its admins step down or remove each other at
// the same moment: each change checks, in its transaction, that another admin remains.
// Two admins demoting themselves at once both succeeded (each saw the other still admin),
// leaving a tenant nobody could manage.
func TestTenantKeepsAnAdminUnderConcurrentChanges(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme") // owner-acme is its admin
	const owner, other = "owner-acme", "u2"
	for round, change := range []func(sub string) error{
		func(sub string) error { return f.s.SetMemberRole(f.ctx, tn.ID, sub, store.RoleViewer) },
		func(sub string) error { return f.s.RemoveMember(f.ctx, tn.ID, sub) },
	} {
		if _, err := f.s.AddMember(f.ctx, store.Membership{Tenant: tn.ID, Sub: other, Role: store.RoleAdmin}); err != nil {
			noErr(t, f.s.SetMemberRole(f.ctx, tn.ID, other, store.RoleAdmin))
		}
		noErr(t, f.s.SetMemberRole(f.ctx, tn.ID, owner, store.RoleAdmin))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, sub := range []string{owner, other} {
			wg.Go(func() { errs[i] = change(sub) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrLastAdmin):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of the two changes succeeded, want 1 (%v)", round, ok, errs)
		}
		admins := 0
		for _, m := range must[store.Page[store.Membership]](t)(f.s.ListMembers(f.ctx, tn.ID, store.ListOptions{})).Items {
			if m.Role == store.RoleAdmin {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("round %d: %d admins left, want 1", round, admins)
		}
	}
	// the last admin cannot step down or leave
	var last string
	for _, m := range must[store.Page[store.Membership]](t)(f.s.ListMembers(f.ctx, tn.ID, store.ListOptions{})).Items {
		if m.Role == store.RoleAdmin {
			last = m.Sub
		}
	}
	wantErr(t, f.s.SetMemberRole(f.ctx, tn.ID, last, store.RoleEditor), store.ErrLastAdmin)
	wantErr(t, f.s.RemoveMember(f.ctx, tn.ID, last), store.ErrLastAdmin)
	noErr(t, f.s.SetMemberRole(f.ctx, tn.ID, last, store.RoleAdmin)) // staying admin is fine
}

// Names refuse the invisible characters that make two names look alike or a name look
// empty (zero-width space, word joiner, byte order mark) and the text-direction controls
// that make a name read as another ("\u202Eevil"); a joiner inside an emoji is fine.
func TestNamesRefuseInvisibleAndDirectionCharacters(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	must[store.Flow](t)(f.blueprint(t, pk, "hello"))
	for _, name := range []string{"hello\u200b", "\u200b", "\u202eevil", "a\u2066b\u2069", "\ufeffhello", "x\u2060y", "\u200fhello"} {
		_, err := f.blueprint(t, pk, name)
		wantErr(t, err, store.ErrInvalid)
		if _, err := f.s.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: name, Slug: "p-" + fmt.Sprint(len(name))}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("project named %q: %v, want invalid", name, err)
		}
	}
	must[store.Flow](t)(f.blueprint(t, pk, "family \U0001F468\u200d\U0001F469\u200d\U0001F467"))
}

// One personal tenant per user at a time: a second creation within PersonalTenantWindow
// is ErrPersonalTenant; after it (a user who since belongs to no tenant) it succeeds.
func TestPersonalTenantOnce(t *testing.T) {
	f := setup(t)
	in := store.CreateTenantInput{Name: "Ada's workspace", OwnerSub: "ada", Personal: true}
	must[store.Tenant](t)(f.s.CreateTenant(f.ctx, in))
	_, err := f.s.CreateTenant(f.ctx, in)
	wantErr(t, err, store.ErrPersonalTenant)
	must[store.Tenant](t)(f.s.CreateTenant(f.ctx, store.CreateTenantInput{Name: "Team", OwnerSub: "ada"})) // not personal
	f.clock.Advance(store.PersonalTenantWindow + time.Second)
	must[store.Tenant](t)(f.s.CreateTenant(f.ctx, in))
}
