package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
)

// itemsOf returns the scanned items that mention the project anywhere: in
// a key, an index key or a project attribute.
func itemsOf(items []map[string]any, projectID string) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		hit := false
		for k, v := range it {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if (k == "project" && s == projectID) || (strings.Contains(k, "PK") || strings.Contains(k, "SK")) && strings.Contains(s, projectID) {
				hit = true
			}
		}
		if hit {
			out = append(out, it)
		}
	}
	return out
}

func keySet(items []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		out[fmt.Sprint(it["PK"], "|", it["SK"])] = true
	}
	return out
}

func TestDeleteProjectRemovesEverything(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")
	p, flows := f.populate(t, a.ID, "Shop", "shop")
	q, _ := f.populate(t, a.ID, "Keep", "keep")
	f.populate(t, b.ID, "Other", "other")

	before := f.scan(t)
	mine := itemsOf(before, p.ID)
	if len(mine) < 40 {
		t.Fatalf("populated project has only %d items", len(mine))
	}
	othersBefore := keySet(before)
	for k := range keySet(mine) {
		delete(othersBefore, k)
	}

	noErr(t, f.s.DeleteProject(f.ctx, p.Key()))

	after := f.scan(t)
	if left := itemsOf(after, p.ID); len(left) != 0 {
		for _, it := range left {
			t.Errorf("left behind: kind=%v PK=%v SK=%v", it["kind"], it["PK"], it["SK"])
		}
		t.FailNow()
	}
	othersAfter := keySet(after)
	// the slug's lookup became the tenant's reservation of it, which names no project
	if !othersAfter["SLUG#shop|SLUG"] {
		t.Fatal("the freed slug is not reserved")
	}
	othersBefore["SLUG#shop|SLUG"] = true
	if len(othersAfter) != len(othersBefore) {
		t.Fatalf("other items %d → %d", len(othersBefore), len(othersAfter))
	}
	for k := range othersBefore {
		if !othersAfter[k] {
			t.Fatalf("deleting project %s removed %s", p.ID, k)
		}
	}

	_, err := f.s.GetProject(f.ctx, p.Key())
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.ResolveSlug(f.ctx, "shop")
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.LookupAPIKey(f.ctx, "shop-hash-1")
	wantErr(t, err, store.ErrNotFound)
	if subs := must[[]store.FlowKey](t)(f.s.ListConnectionSubscriptions(f.ctx, "conn-shop")); len(subs) != 0 {
		t.Fatalf("connection still subscribed to %+v", subs)
	}
	if _, err := f.s.GetConnection(f.ctx, "conn-shop"); err != nil {
		t.Fatalf("the user's connection itself must survive: %v", err)
	}
	if l := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})); len(l.Items) != 2 {
		t.Fatalf("published schedules = %d, want the 2 of the other projects", len(l.Items))
	}
	wantErr(t, f.s.DeleteProject(f.ctx, p.Key()), store.ErrNotFound)
	_ = flows

	// The slug is reserved for the tenant: refused to another until the reservation ends,
	// then free; the kept project is intact.
	_, err = f.s.CreateProject(f.ctx, b.ID, store.CreateProjectInput{Name: "New Shop", Slug: "shop"})
	wantErr(t, err, store.ErrSlugTaken)
	f.clock.Advance(store.SlugReservation)
	f.project(t, b.ID, "New Shop", "shop")
	if _, err := f.s.GetDraft(f.ctx, q.Key().Flow(must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, q.Key(), store.ListFlowsOptions{})).Items[0].ID)); err != nil {
		t.Fatalf("kept project's draft: %v", err)
	}
}

func TestInterruptedDeleteProjectResumes(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	p, _ := f.populate(t, a.ID, "Shop", "shop")

	// Batch deletes stop making progress: the delete fails as unavailable
	// after the first step hid the project and freed its slug.
	f.env.Server.EmulateUnprocessedItems(f.env.Table, func(int, map[string]*server.AttributeValue) bool { return true })
	err := f.s.DeleteProject(f.ctx, p.Key())
	wantErr(t, err, store.ErrUnavailable)
	f.env.Server.ClearUnprocessedItems()

	_, err = f.s.GetProject(f.ctx, p.Key())
	wantErr(t, err, store.ErrNotFound)
	if l := must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, a.ID, store.ListOptions{})); len(l.Items) != 0 {
		t.Fatalf("half-deleted project listed: %+v", l.Items)
	}
	_, err = f.s.ResolveSlug(f.ctx, "shop")
	wantErr(t, err, store.ErrNotFound)
	if left := itemsOf(f.scan(t), p.ID); len(left) == 0 {
		t.Fatal("expected items left after the interrupted delete")
	}

	noErr(t, f.s.DeleteProject(f.ctx, p.Key()))
	if left := itemsOf(f.scan(t), p.ID); len(left) != 0 {
		t.Fatalf("%d items left after resuming the delete", len(left))
	}
}
