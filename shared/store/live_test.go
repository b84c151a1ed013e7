package store_test

import (
	"sort"
	"testing"
	"time"

	"polysynergy/shared/store"
)

func TestConnectionsAndSubscriptions(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fa := f.routeFlow(t, pk, "A", "a")
	fb := f.routeFlow(t, pk, "B", "b")

	c1 := must[store.Connection](t)(f.s.PutConnection(f.ctx, store.Connection{ID: "L0SM9cOFvHcCIhw=", Sub: "u1", Tenants: []string{tn.ID}}))
	if got := c1.ExpiresAt.Sub(c1.ConnectedAt); got < store.ConnectionTTL-time.Second || got > store.ConnectionTTL {
		t.Fatalf("connection lives %v, want %v", got, store.ConnectionTTL)
	}
	must[store.Connection](t)(f.s.PutConnection(f.ctx, store.Connection{ID: "c2", Sub: "u2"}))
	got := must[store.Connection](t)(f.s.GetConnection(f.ctx, c1.ID))
	if got.Sub != "u1" || len(got.Tenants) != 1 || got.Tenants[0] != tn.ID || !got.ExpiresAt.Equal(c1.ExpiresAt) {
		t.Fatalf("connection = %+v", got)
	}

	noErr(t, f.s.Subscribe(f.ctx, c1.ID, fa.Key()))
	noErr(t, f.s.Subscribe(f.ctx, c1.ID, fb.Key()))
	noErr(t, f.s.Subscribe(f.ctx, "c2", fa.Key()))
	wantErr(t, f.s.Subscribe(f.ctx, "ghost", fa.Key()), store.ErrNotFound)
	wantErr(t, f.s.Subscribe(f.ctx, c1.ID, pk.Flow("no-such-flow")), store.ErrNotFound)

	subs := must[[]string](t)(f.s.ListSubscribers(f.ctx, fa.Key()))
	sort.Strings(subs)
	if !equal(subs, []string{c1.ID, "c2"}) {
		t.Fatalf("subscribers of A = %v", subs)
	}
	flows := must[[]store.FlowKey](t)(f.s.ListConnectionSubscriptions(f.ctx, c1.ID))
	if len(flows) != 2 {
		t.Fatalf("subscriptions of c1 = %+v", flows)
	}

	noErr(t, f.s.Unsubscribe(f.ctx, "c2", fa.Key()))
	if subs := must[[]string](t)(f.s.ListSubscribers(f.ctx, fa.Key())); !equal(subs, []string{c1.ID}) {
		t.Fatalf("subscribers after unsubscribe = %v", subs)
	}

	noErr(t, f.s.DeleteConnection(f.ctx, c1.ID))
	_, err := f.s.GetConnection(f.ctx, c1.ID)
	wantErr(t, err, store.ErrNotFound)
	for _, k := range []store.FlowKey{fa.Key(), fb.Key()} {
		if subs := must[[]string](t)(f.s.ListSubscribers(f.ctx, k)); len(subs) != 0 {
			t.Fatalf("subscribers after disconnect = %v", subs)
		}
	}
	noErr(t, f.s.DeleteConnection(f.ctx, c1.ID)) // idempotent

	// Expired connections and their subscriptions are ignored before TTL
	// removes them.
	noErr(t, f.s.Subscribe(f.ctx, "c2", fb.Key()))
	f.clock.Advance(store.ConnectionTTL + time.Minute)
	_, err = f.s.GetConnection(f.ctx, "c2")
	wantErr(t, err, store.ErrNotFound)
	if subs := must[[]string](t)(f.s.ListSubscribers(f.ctx, fb.Key())); len(subs) != 0 {
		t.Fatalf("expired subscribers listed: %v", subs)
	}
	wantErr(t, f.s.Subscribe(f.ctx, "c2", fa.Key()), store.ErrNotFound)
	if n := must[int](t)(f.s.DeleteConnectionSubscriptions(f.ctx, "c2")); n != 1 {
		t.Fatalf("deleted %d subscriptions of c2, want 1", n)
	}
}
