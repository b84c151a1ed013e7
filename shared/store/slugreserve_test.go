package store_test

import (
	"errors"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// A slug freed by a slug change or a deletion stays the freeing tenant's for
// SlugReservation: another tenant is refused (with when it frees), the tenant itself takes
// it back at once, and once the time has passed anyone may claim it.
func TestFreedSlugReservedForItsTenant(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")
	pa := f.project(t, a.ID, "Shop", "shop")
	pb := f.project(t, b.ID, "Other", "other")

	noErr(t, f.s.ChangeSlug(f.ctx, pa.Key(), "shop-new"))
	freed := f.clock.t
	// the router serves nothing on a reserved slug
	_, err := f.s.ResolveSlug(f.ctx, "shop")
	wantErr(t, err, store.ErrNotFound)

	for name, err := range map[string]error{
		"create": func() error {
			_, err := f.s.CreateProject(f.ctx, b.ID, store.CreateProjectInput{Name: "Mine", Slug: "shop"})
			return err
		}(),
		"change": f.s.ChangeSlug(f.ctx, pb.Key(), "shop"),
	} {
		wantErr(t, err, store.ErrSlugTaken)
		var re *store.SlugReservedError
		if !errors.As(err, &re) {
			t.Fatalf("%s: %v is no SlugReservedError", name, err)
		}
		if want := freed.Add(store.SlugReservation).Truncate(time.Second); !re.Until.Equal(want) && !re.Until.Equal(want.Add(time.Second)) {
			t.Fatalf("%s: reserved until %v, want about %v", name, re.Until, want)
		}
	}
	if got := must[store.Project](t)(f.s.GetProject(f.ctx, pb.Key())); got.Slug != "other" {
		t.Fatalf("refused change moved the project to %q", got.Slug)
	}
	if av := must[store.SlugAvailability](t)(f.s.CheckSlug(f.ctx, "shop", b.ID)); av.Available || av.ReservedUntil == nil {
		t.Fatalf("for tenant B: %+v", av)
	}
	if av := must[store.SlugAvailability](t)(f.s.CheckSlug(f.ctx, "shop", a.ID)); !av.Available {
		t.Fatalf("for tenant A: %+v", av)
	}

	// tenant A takes it back at once, with another project
	pa2 := f.project(t, a.ID, "Shop again", "shop")
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop")); lk.Project != pa2.ID {
		t.Fatalf("shop → %+v", lk)
	}

	// deleting a project reserves its slug too
	noErr(t, f.s.TrashProject(f.ctx, pa2.Key()))
	noErr(t, f.s.DeleteProject(f.ctx, pa2.Key()))
	_, err = f.s.CreateProject(f.ctx, b.ID, store.CreateProjectInput{Name: "Mine", Slug: "shop"})
	wantErr(t, err, store.ErrSlugTaken)

	// after the reservation, anyone may claim it (no TTL needed: the claim checks the time)
	f.clock.Advance(store.SlugReservation)
	if av := must[store.SlugAvailability](t)(f.s.CheckSlug(f.ctx, "shop", b.ID)); !av.Available {
		t.Fatalf("after the reservation: %+v", av)
	}
	noErr(t, f.s.ChangeSlug(f.ctx, pb.Key(), "shop"))
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop")); lk.Tenant != b.ID || lk.Project != pb.ID {
		t.Fatalf("shop → %+v", lk)
	}
	// B's old slug is now B's reservation, and "shop-new" still A's project
	_, err = f.s.CreateProject(f.ctx, a.ID, store.CreateProjectInput{Name: "X", Slug: "other"})
	wantErr(t, err, store.ErrSlugTaken)
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop-new")); lk.Project != pa.ID {
		t.Fatalf("shop-new → %+v", lk)
	}
}
