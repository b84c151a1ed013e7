package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"polysynergy/shared/store"
)

func TestPublishRouteFlow(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	orders := f.routeFlow(t, pk, "Orders", "orders", ":id")

	res := must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "prod", By: "u1", Message: "first"}))
	if !res.Created || res.Version.Number != 1 || res.Version.Author != "u1" || res.Version.Message != "first" || res.Version.Hash == "" {
		t.Fatalf("first publish = %+v", res)
	}
	if res.Binding.Version != 1 || res.Binding.Stage != "prod" || res.Binding.By != "u1" {
		t.Fatalf("binding = %+v", res.Binding)
	}
	tbl := must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod"))
	if tbl.Version != 1 || len(tbl.Routes) != 1 {
		t.Fatalf("route table = %+v", tbl)
	}
	rt := tbl.Routes[0]
	route := must[store.Route](t)(f.s.GetRoute(f.ctx, orders.Key()))
	if rt.FlowID != orders.ID || rt.RouteID != route.ID || rt.Version != 1 || rt.Method != "POST" ||
		len(rt.Segments) != 2 || rt.Segments[1].Name != "id" || rt.ResponseMode != "wait" || rt.RunSaving != store.SaveAll {
		t.Fatalf("route entry = %+v", rt)
	}
	if f := must[store.Flow](t)(f.s.GetFlow(f.ctx, orders.Key())); f.LatestVersion != 1 {
		t.Fatalf("latest version = %d", f.LatestVersion)
	}

	// Publishing an unchanged draft reuses the version; the table's counter
	// still moves (it is rewritten).
	res = must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "prod"}))
	if res.Created || res.Version.Number != 1 {
		t.Fatalf("republish unchanged = %+v", res)
	}
	if tbl := must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod")); tbl.Version != 2 || len(tbl.Routes) != 1 {
		t.Fatalf("table after republish = %+v", tbl)
	}

	// A changed draft makes version 2; a stale expected revision is refused
	// before anything is written.
	must[int](t)(f.s.SaveDraft(f.ctx, orders.Key(), flowDoc(9), 1))
	_, err := f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "prod", ExpectedRevision: 1})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Current != 2 {
		t.Fatalf("publish with stale revision = %v", err)
	}
	res = must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "prod", ExpectedRevision: 2}))
	if !res.Created || res.Version.Number != 2 {
		t.Fatalf("publish changed draft = %+v", res)
	}
	tbl = must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod"))
	if tbl.Version != 3 || tbl.Routes[0].Version != 2 {
		t.Fatalf("table after v2 = %+v", tbl)
	}

	// Bind the older version to another stage.
	res = must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "mock", Version: 1}))
	if res.Created || res.Version.Number != 1 {
		t.Fatalf("bind v1 to mock = %+v", res)
	}
	if b := must[store.Binding](t)(f.s.GetBinding(f.ctx, orders.Key(), "mock")); b.Version != 1 {
		t.Fatalf("mock binding = %+v", b)
	}
	_, err = f.s.Publish(f.ctx, store.PublishInput{Flow: orders.Key(), Stage: "mock", Version: 7})
	wantErr(t, err, store.ErrNotFound)

	versions := must[store.Page[store.Version]](t)(f.s.ListVersions(f.ctx, orders.Key(), store.ListOptions{}))
	if len(versions.Items) != 2 || versions.Items[0].Number != 2 || versions.Items[1].Number != 1 || versions.Items[0].Document != nil {
		t.Fatalf("versions = %+v", versions.Items)
	}
	v1 := must[store.Version](t)(f.s.GetVersion(f.ctx, orders.Key(), 1))
	if string(v1.Document) != string(flowDoc(3)) {
		t.Fatal("version 1 document is not the draft it was published from")
	}

	bindings := must[[]store.Binding](t)(f.s.ListFlowBindings(f.ctx, orders.Key()))
	if len(bindings) != 2 {
		t.Fatalf("flow bindings = %+v", bindings)
	}
	onProd := must[[]store.Binding](t)(f.s.ListStageBindings(f.ctx, pk, "prod"))
	if len(onProd) != 1 || onProd[0].Flow != orders.ID || onProd[0].Version != 2 {
		t.Fatalf("prod bindings = %+v", onProd)
	}

	// A second route flow joins the same table.
	users := f.routeFlow(t, pk, "Users", "users")
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: users.Key(), Stage: "prod"}))
	tbl = must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod"))
	if tbl.Version != 4 || len(tbl.Routes) != 2 {
		t.Fatalf("table with two flows = %+v", tbl)
	}

	// The stage cannot go while flows are published to it.
	wantErr(t, f.s.DeleteStage(f.ctx, pk, "prod"), store.ErrStageInUse)

	noErr(t, f.s.Unpublish(f.ctx, orders.Key(), "prod"))
	wantErr(t, f.s.Unpublish(f.ctx, orders.Key(), "prod"), store.ErrNotFound)
	tbl = must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod"))
	if tbl.Version != 5 || len(tbl.Routes) != 1 || tbl.Routes[0].FlowID != users.ID {
		t.Fatalf("table after unpublish = %+v", tbl)
	}
	_, err = f.s.GetBinding(f.ctx, orders.Key(), "prod")
	wantErr(t, err, store.ErrNotFound)
	noErr(t, f.s.Unpublish(f.ctx, users.Key(), "prod"))
	noErr(t, f.s.DeleteStage(f.ctx, pk, "prod"))
	_, err = f.s.GetRouteTable(f.ctx, pk, "prod")
	wantErr(t, err, store.ErrNotFound)
}

func TestPublishToMissingStageWritesNothing(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(t, pk, "Orders", "orders")
	before := len(f.scan(t))

	// The transaction puts the version, moves latest_version, puts the
	// binding and the route table; the stage update fails midway.
	_, err := f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"})
	wantErr(t, err, store.ErrNotFound)
	if after := len(f.scan(t)); after != before {
		t.Fatalf("items %d → %d after a failed publish", before, after)
	}
	if got := must[store.Flow](t)(f.s.GetFlow(f.ctx, fl.Key())); got.LatestVersion != 0 {
		t.Fatalf("latest version moved to %d", got.LatestVersion)
	}
	if v := must[store.Page[store.Version]](t)(f.s.ListVersions(f.ctx, fl.Key(), store.ListOptions{})); len(v.Items) != 0 {
		t.Fatalf("versions after failed publish: %+v", v.Items)
	}
}

func TestPublishScheduleFlow(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "Nightly",
		Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 3 * * *", Enabled: true}}))
	other := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "Idle",
		Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 4 * * *"}}))

	if l := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})); len(l.Items) != 0 {
		t.Fatalf("published schedules before publishing: %+v", l.Items)
	}
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"}))
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "mock"}))
	sc := must[store.Schedule](t)(f.s.GetSchedule(f.ctx, fl.Key()))
	if len(sc.Bindings) != 2 || sc.Bindings["prod"] != 1 || sc.Bindings["mock"] != 1 {
		t.Fatalf("schedule bindings = %v", sc.Bindings)
	}
	// Editing the schedule keeps its bindings.
	sc = must[store.Schedule](t)(f.s.UpdateSchedule(f.ctx, fl.Key(), store.ScheduleConfig{Cron: "0 5 * * *", Enabled: true}))
	if len(sc.Bindings) != 2 {
		t.Fatalf("bindings lost by UpdateSchedule: %v", sc.Bindings)
	}
	l := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{}))
	if len(l.Items) != 1 || l.Items[0].Flow != fl.ID || l.Items[0].Cron != "0 5 * * *" || l.Items[0].Key() != fl.Key() {
		t.Fatalf("published schedules = %+v", l.Items)
	}
	_, err := f.s.GetRouteTable(f.ctx, pk, "prod")
	wantErr(t, err, store.ErrNotFound)

	noErr(t, f.s.Unpublish(f.ctx, fl.Key(), "prod"))
	if sc := must[store.Schedule](t)(f.s.GetSchedule(f.ctx, fl.Key())); len(sc.Bindings) != 1 || sc.Bindings["mock"] != 1 {
		t.Fatalf("bindings after unpublish = %v", sc.Bindings)
	}
	noErr(t, f.s.Unpublish(f.ctx, fl.Key(), "mock"))
	if l := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})); len(l.Items) != 0 {
		t.Fatalf("published schedules after unpublishing everything: %+v", l.Items)
	}
	_ = other
}

func TestConcurrentPublishesAllLand(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	var flows []store.Flow
	for i := 0; i < 4; i++ {
		flows = append(flows, f.routeFlow(t, pk, fmt.Sprintf("F%d", i), fmt.Sprintf("r%d", i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(flows))
	for i, fl := range flows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"})
		}()
	}
	wg.Wait()
	landed := 0
	for _, err := range errs {
		if err == nil {
			landed++
			continue
		}
		var ce *store.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("publish: %v", err)
		}
	}
	tbl := must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, "prod"))
	if len(tbl.Routes) != landed || tbl.Version != int64(landed) {
		t.Fatalf("%d publishes succeeded but table has %d routes at version %d", landed, len(tbl.Routes), tbl.Version)
	}
	if landed == 0 {
		t.Fatal("no publish succeeded")
	}
	if b := must[[]store.Binding](t)(f.s.ListStageBindings(f.ctx, pk, "prod")); len(b) != landed {
		t.Fatalf("%d bindings for %d publishes", len(b), landed)
	}
}

func TestDeleteFlowUnbindsEverything(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	keep := f.routeFlow(t, pk, "Keep", "keep")
	gone := f.routeFlow(t, pk, "Gone", "gone")
	for _, st := range []string{"prod", "mock"} {
		must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: keep.Key(), Stage: st}))
		must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: gone.Key(), Stage: st}))
	}
	must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: gone.ID, Stage: "prod", Trigger: "route", Status: "success"}))

	noErr(t, f.s.DeleteFlow(f.ctx, gone.Key()))
	_, err := f.s.GetFlow(f.ctx, gone.Key())
	wantErr(t, err, store.ErrNotFound)
	for _, st := range []string{"prod", "mock"} {
		tbl := must[store.RouteTable](t)(f.s.GetRouteTable(f.ctx, pk, st))
		if len(tbl.Routes) != 1 || tbl.Routes[0].FlowID != keep.ID {
			t.Fatalf("%s table after delete = %+v", st, tbl.Routes)
		}
		if b := must[[]store.Binding](t)(f.s.ListStageBindings(f.ctx, pk, st)); len(b) != 1 || b[0].Flow != keep.ID {
			t.Fatalf("%s bindings = %+v", st, b)
		}
	}
	for _, it := range f.scan(t) {
		pkv, _ := it["PK"].(string)
		if fl, _ := it["flow"].(string); fl == gone.ID || pkv == "T#"+tn.ID+"#P#"+pk.Project+"#F#"+gone.ID {
			t.Fatalf("item of deleted flow left: %v", it)
		}
	}
	wantErr(t, f.s.DeleteFlow(f.ctx, gone.Key()), store.ErrNotFound)
	// One binding left on prod: still in use.
	wantErr(t, f.s.DeleteStage(f.ctx, pk, "prod"), store.ErrStageInUse)
}

// The schedules of a project in the trash are not listed for the scheduler (they fired in
// the local cloud as if the project were active), and are again once it is restored.
func TestTrashedProjectSchedulesAreNotListed(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	other := f.project(t, tn.ID, "Other", "other").Key()
	for _, k := range []store.ProjectKey{pk, other} {
		f.stage(t, k, "prod", 1)
		fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, k, store.CreateFlowInput{Kind: store.KindSchedule, Name: "Nightly",
			Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 3 * * *", Enabled: true}}))
		must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"}))
	}
	projects := func() []string {
		var out []string
		for _, sc := range must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})).Items {
			out = append(out, sc.Project)
		}
		return out
	}
	if got := projects(); len(got) != 2 {
		t.Fatalf("published schedules of %v, want both projects", got)
	}
	noErr(t, f.s.TrashProject(f.ctx, pk))
	if got := projects(); len(got) != 1 || got[0] != other.Project {
		t.Fatalf("published schedules of %v with Shop in the trash, want only %s", got, other.Project)
	}
	noErr(t, f.s.RestoreProject(f.ctx, pk))
	if got := projects(); len(got) != 2 {
		t.Fatalf("published schedules of %v after restoring, want both projects", got)
	}
}
