package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/store"
)

func TestProjectsCRUD(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	zeta := f.project(t, tn.ID, "Zeta", "zeta")
	alpha := f.project(t, tn.ID, "alpha", "alpha-api")
	f.project(t, tn.ID, "Mid", "mid")

	got := must[store.Project](t)(f.s.GetProject(f.ctx, alpha.Key()))
	if got.Name != "alpha" || got.Slug != "alpha-api" || got.TrashedAt != nil || got.CreatedAt.IsZero() {
		t.Fatalf("GetProject = %+v", got)
	}
	stages := must[[]store.Stage](t)(f.s.ListStages(f.ctx, alpha.Key()))
	if len(stages) != 1 || stages[0].Name != store.MockStage {
		t.Fatalf("new project stages = %+v, want just mock", stages)
	}
	lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "alpha-api"))
	if lk.Tenant != tn.ID || lk.Project != alpha.ID || lk.Trashed {
		t.Fatalf("slug lookup = %+v", lk)
	}

	names := func(p store.Page[store.Project]) []string {
		var out []string
		for _, x := range p.Items {
			out = append(out, x.Name)
		}
		return out
	}
	list := must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{}))
	if want := []string{"alpha", "Mid", "Zeta"}; !equal(names(list), want) {
		t.Fatalf("projects = %v, want %v (by name, case-insensitive)", names(list), want)
	}

	noErr(t, f.s.RenameProject(f.ctx, zeta.Key(), "Beta"))
	list = must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{}))
	if want := []string{"alpha", "Beta", "Mid"}; !equal(names(list), want) {
		t.Fatalf("projects after rename = %v, want %v", names(list), want)
	}

	noErr(t, f.s.TrashProject(f.ctx, zeta.Key()))
	noErr(t, f.s.TrashProject(f.ctx, zeta.Key())) // idempotent
	list = must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{}))
	if want := []string{"alpha", "Mid"}; !equal(names(list), want) {
		t.Fatalf("active after trash = %v", names(list))
	}
	trash := must[store.Page[store.Project]](t)(f.s.ListTrashedProjects(f.ctx, tn.ID, store.ListOptions{}))
	if len(trash.Items) != 1 || trash.Items[0].ID != zeta.ID || trash.Items[0].TrashedAt == nil {
		t.Fatalf("trash = %+v", trash.Items)
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "zeta")); !lk.Trashed {
		t.Fatal("slug lookup of trashed project not marked trashed")
	}
	// A trashed project takes no new flows.
	_, err := f.s.CreateFlow(f.ctx, zeta.Key(), store.CreateFlowInput{Kind: store.KindBlueprint, Name: "x", Document: flowDoc(1)})
	wantErr(t, err, store.ErrNotFound)

	noErr(t, f.s.RestoreProject(f.ctx, zeta.Key()))
	got = must[store.Project](t)(f.s.GetProject(f.ctx, zeta.Key()))
	if got.TrashedAt != nil {
		t.Fatalf("restored project still has trashed_at %v", got.TrashedAt)
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "zeta")); lk.Trashed {
		t.Fatal("slug lookup still trashed after restore")
	}
	if trash := must[store.Page[store.Project]](t)(f.s.ListTrashedProjects(f.ctx, tn.ID, store.ListOptions{})); len(trash.Items) != 0 {
		t.Fatalf("trash after restore = %+v", trash.Items)
	}

	_, err = f.s.CreateProject(f.ctx, "ghost", store.CreateProjectInput{Name: "x", Slug: "ghost-project"})
	wantErr(t, err, store.ErrNotFound)
	if _, err := f.s.ResolveSlug(f.ctx, "ghost-project"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed create left its slug behind: %v", err)
	}
}

func TestProjectValidation(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	cases := []struct {
		name, slug, field string
	}{
		{"ok", "", "slug"},
		{"ok", "Upper", "slug"},
		{"ok", "-lead", "slug"},
		{"ok", "trail-", "slug"},
		{"ok", "double--hyphen", "slug"},
		{"ok", strings.Repeat("a", 41), "slug"},
		{"ok", "dot.ted", "slug"},
		{"", "fine", "name"},
		{"bad\x00name", "fine", "name"},
	}
	for _, c := range cases {
		_, err := f.s.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: c.name, Slug: c.slug})
		var ve *store.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("CreateProject(%q, %q) = %v, want validation error on %s", c.name, c.slug, err, c.field)
		}
	}
	if _, err := f.s.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: "ok", Slug: strings.Repeat("a", 40)}); err != nil {
		t.Errorf("40-character slug rejected: %v", err)
	}
}

func TestSlugUniqueAcrossTenants(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")
	pa := f.project(t, a.ID, "Shop", "shop")

	_, err := f.s.CreateProject(f.ctx, b.ID, store.CreateProjectInput{Name: "Shop", Slug: "shop"})
	wantErr(t, err, store.ErrSlugTaken)
	// Nothing of the failed creation is left: no project, no mock stage.
	if list := must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, b.ID, store.ListOptions{})); len(list.Items) != 0 {
		t.Fatalf("tenant B has projects after failed create: %+v", list.Items)
	}
	for _, it := range f.scan(t) {
		if pk, _ := it["PK"].(string); strings.HasPrefix(pk, "T#"+b.ID+"#") {
			t.Fatalf("half-written item of tenant B: %v", it)
		}
	}

	pb := f.project(t, b.ID, "Shop", "shop-b")
	wantErr(t, f.s.ChangeSlug(f.ctx, pb.Key(), "shop"), store.ErrSlugTaken)
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop")); lk.Tenant != a.ID {
		t.Fatalf("shop now belongs to %+v", lk)
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop-b")); lk.Project != pb.ID {
		t.Fatalf("failed change lost the old slug: %+v", lk)
	}

	noErr(t, f.s.ChangeSlug(f.ctx, pa.Key(), "shop-a"))
	_, err = f.s.ResolveSlug(f.ctx, "shop")
	wantErr(t, err, store.ErrNotFound)
	if got := must[store.Project](t)(f.s.GetProject(f.ctx, pa.Key())); got.Slug != "shop-a" {
		t.Fatalf("project slug = %q", got.Slug)
	}
	// The freed slug is reserved for tenant A for a while, then the other tenant can take it.
	wantErr(t, f.s.ChangeSlug(f.ctx, pb.Key(), "shop"), store.ErrSlugTaken)
	f.clock.Advance(store.SlugReservation)
	noErr(t, f.s.ChangeSlug(f.ctx, pb.Key(), "shop"))
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "shop")); lk.Tenant != b.ID || lk.Project != pb.ID {
		t.Fatalf("shop lookup = %+v", lk)
	}
	_, err = f.s.ResolveSlug(f.ctx, "shop-b")
	wantErr(t, err, store.ErrNotFound)
}

func TestSlugRaceOneWinner(t *testing.T) {
	f := setup(t)
	var tenants []string
	for _, n := range []string{"A", "B", "C", "D", "E", "F"} {
		tenants = append(tenants, f.tenant(t, n).ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(tenants))
	for i, tn := range tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.s.CreateProject(f.ctx, tn, store.CreateProjectInput{Name: "Race", Slug: "race"})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrSlugTaken):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d projects got slug race, want exactly 1", wins)
	}
}

func TestStages(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")
	pk := p.Key()
	f.stage(t, pk, "prod", 20)
	f.stage(t, pk, "test", 10)
	f.stage(t, pk, "dev", 10)

	_, err := f.s.CreateStage(f.ctx, pk, "test", 1)
	wantErr(t, err, store.ErrExists)
	for _, bad := range []string{"mock", "Prod", "my-stage", "", "1st"} {
		if _, err := f.s.CreateStage(f.ctx, pk, bad, 1); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateStage(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	_, err = f.s.CreateStage(f.ctx, store.ProjectKey{Tenant: tn.ID, Project: "nope"}, "qa", 1)
	wantErr(t, err, store.ErrNotFound)

	order := func() []string {
		var out []string
		for _, st := range must[[]store.Stage](t)(f.s.ListStages(f.ctx, pk)) {
			out = append(out, st.Name)
		}
		return out
	}
	if got, want := order(), []string{"mock", "dev", "test", "prod"}; !equal(got, want) {
		t.Fatalf("stages = %v, want %v", got, want)
	}
	noErr(t, f.s.SetStagePosition(f.ctx, pk, "prod", 5))
	if got, want := order(), []string{"mock", "prod", "dev", "test"}; !equal(got, want) {
		t.Fatalf("stages after move = %v, want %v", got, want)
	}
	wantErr(t, f.s.SetStagePosition(f.ctx, pk, "qa", 5), store.ErrNotFound)

	production := func() []string {
		var out []string
		for _, st := range must[[]store.Stage](t)(f.s.ListStages(f.ctx, pk)) {
			if st.Production {
				out = append(out, st.Name)
			}
		}
		return out
	}
	noErr(t, f.s.SetProductionStage(f.ctx, pk, "prod"))
	noErr(t, f.s.SetProductionStage(f.ctx, pk, "test"))
	if got := production(); !equal(got, []string{"test"}) {
		t.Fatalf("production stages = %v, want [test]", got)
	}
	if p := must[store.Project](t)(f.s.GetProject(f.ctx, pk)); p.ProductionStage != "test" {
		t.Fatalf("project production stage = %q", p.ProductionStage)
	}
	wantErr(t, f.s.SetProductionStage(f.ctx, pk, "mock"), store.ErrInvalid)
	wantErr(t, f.s.SetProductionStage(f.ctx, pk, "qa"), store.ErrNotFound)
	if got := production(); !equal(got, []string{"test"}) {
		t.Fatalf("failed switch changed production to %v", got)
	}

	// Concurrent switches: at most one stage is ever flagged.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"prod", "dev", "test"}[i%3]
			if err := f.s.SetProductionStage(f.ctx, pk, name); err != nil {
				var ce *store.ConflictError
				if !errors.As(err, &ce) {
					t.Errorf("SetProductionStage(%s): %v", name, err)
				}
			}
		}()
	}
	wg.Wait()
	got := production()
	if len(got) != 1 {
		t.Fatalf("after concurrent switches production stages = %v, want exactly one", got)
	}
	if p := must[store.Project](t)(f.s.GetProject(f.ctx, pk)); p.ProductionStage != got[0] {
		t.Fatalf("project says %q, stage flag says %q", p.ProductionStage, got[0])
	}

	noErr(t, f.s.SetProductionStage(f.ctx, pk, "dev"))
	noErr(t, f.s.DeleteStage(f.ctx, pk, "dev"))
	if p := must[store.Project](t)(f.s.GetProject(f.ctx, pk)); p.ProductionStage != "" {
		t.Fatalf("deleting the production stage left production_stage %q", p.ProductionStage)
	}
	wantErr(t, f.s.DeleteStage(f.ctx, pk, "dev"), store.ErrNotFound)
	wantErr(t, f.s.DeleteStage(f.ctx, pk, "mock"), store.ErrInvalid)
	if got, want := order(), []string{"mock", "prod", "test"}; !equal(got, want) {
		t.Fatalf("stages after delete = %v, want %v", got, want)
	}
}

func TestPrivateNetworkSettingFollowsTheSlug(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	p := f.project(t, a.ID, "Lab", "lab")
	if p.AllowPrivateNetwork || must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "lab")).AllowPrivateNetwork {
		t.Fatal("a new project allows private networks")
	}
	if err := f.s.SetPrivateNetwork(f.ctx, p.Key(), true); err != nil {
		t.Fatal(err)
	}
	if got := must[store.Project](t)(f.s.GetProject(f.ctx, p.Key())); !got.AllowPrivateNetwork {
		t.Fatal("project does not allow private networks after the change")
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "lab")); !lk.AllowPrivateNetwork || lk.Project != p.ID {
		t.Fatalf("slug lookup %+v", lk)
	}
	// A new slug carries the setting; turning it off reaches the new lookup.
	if err := f.s.ChangeSlug(f.ctx, p.Key(), "lab-2"); err != nil {
		t.Fatal(err)
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "lab-2")); !lk.AllowPrivateNetwork {
		t.Fatalf("new slug lost the setting: %+v", lk)
	}
	if err := f.s.SetPrivateNetwork(f.ctx, p.Key(), false); err != nil {
		t.Fatal(err)
	}
	if lk := must[store.SlugLookup](t)(f.s.ResolveSlug(f.ctx, "lab-2")); lk.AllowPrivateNetwork {
		t.Fatalf("setting not turned off on the lookup: %+v", lk)
	}
	b := f.tenant(t, "Beta")
	wantErr(t, f.s.SetPrivateNetwork(f.ctx, store.ProjectKey{Tenant: b.ID, Project: p.ID}, true), store.ErrNotFound)
}
