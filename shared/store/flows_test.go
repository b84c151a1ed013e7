package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"polysynergy/shared/store"
)

func TestFlowsCRUD(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()

	doc := flowDoc(5)
	rf, err := f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindRoute, Name: "Orders", Document: doc,
		Route: &store.RouteConfig{Method: "post", Segments: []store.Segment{
			{Kind: "static", Value: "orders"}, {Kind: "variable", Name: "id", Type: "uuid"}}, RequireAPIKey: true}})
	noErr(t, err)
	if rf.RunSaving != store.SaveAll || rf.Retention != store.DefaultRetention || rf.LatestVersion != 0 {
		t.Fatalf("defaults = %+v", rf)
	}
	sf, err := f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "Nightly", Document: flowDoc(1),
		Schedule: &store.ScheduleConfig{Cron: "0  3 * * *", Timezone: "Europe/Amsterdam", Enabled: true}, RunSaving: store.SaveErrors, Retention: 10})
	noErr(t, err)
	bf := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "Lib", Document: flowDoc(1)}))

	got := must[store.Flow](t)(f.s.GetFlow(f.ctx, rf.Key()))
	if got.Name != "Orders" || got.Kind != store.KindRoute {
		t.Fatalf("GetFlow = %+v", got)
	}
	d := must[store.Draft](t)(f.s.GetDraft(f.ctx, rf.Key()))
	if d.Revision != 1 || !bytes.Equal(d.Document, doc) {
		t.Fatalf("draft revision %d, document equal %v", d.Revision, bytes.Equal(d.Document, doc))
	}
	r := must[store.Route](t)(f.s.GetRoute(f.ctx, rf.Key()))
	if r.Method != "POST" || r.ResponseMode != "wait" || !r.RequireAPIKey || len(r.Segments) != 2 || r.Segments[1].Type != "uuid" || r.ID == "" {
		t.Fatalf("route = %+v", r)
	}
	sc := must[store.Schedule](t)(f.s.GetSchedule(f.ctx, sf.Key()))
	if sc.Cron != "0 3 * * *" || sc.Timezone != "Europe/Amsterdam" || !sc.Enabled || len(sc.Bindings) != 0 {
		t.Fatalf("schedule = %+v", sc)
	}
	_, err = f.s.GetRoute(f.ctx, bf.Key())
	wantErr(t, err, store.ErrNotFound)

	all := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{}))
	if len(all.Items) != 3 || all.Items[0].ID != rf.ID || all.Items[2].ID != bf.ID {
		t.Fatalf("flows = %+v", all.Items)
	}
	sched := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{Kind: store.KindSchedule}))
	if len(sched.Items) != 1 || sched.Items[0].ID != sf.ID {
		t.Fatalf("schedule flows = %+v", sched.Items)
	}
	p1 := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{ListOptions: store.ListOptions{Limit: 2}}))
	p2 := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{ListOptions: store.ListOptions{Limit: 2, Cursor: p1.Next}}))
	if len(p1.Items) != 2 || len(p2.Items) != 1 || p2.Next != "" || p2.Items[0].ID != bf.ID {
		t.Fatalf("paged flows: %d + %d, next %q", len(p1.Items), len(p2.Items), p2.Next)
	}

	name, saving, keep := "Orders v2", store.SaveNone, 5
	up := must[store.Flow](t)(f.s.UpdateFlow(f.ctx, rf.Key(), store.FlowUpdate{Name: &name, RunSaving: &saving, Retention: &keep}))
	if up.Name != name || up.RunSaving != store.SaveNone || up.Retention != 5 || !up.UpdatedAt.After(rf.UpdatedAt) {
		t.Fatalf("updated = %+v", up)
	}
	bad := 0
	_, err = f.s.UpdateFlow(f.ctx, rf.Key(), store.FlowUpdate{Retention: &bad})
	wantErr(t, err, store.ErrInvalid)

	// an error flow is set, read back and removed; itself or a malformed id is refused
	ef := sf.ID
	up = must[store.Flow](t)(f.s.UpdateFlow(f.ctx, rf.Key(), store.FlowUpdate{ErrorFlow: &ef}))
	if up.ErrorFlow != sf.ID || must[store.Flow](t)(f.s.GetFlow(f.ctx, rf.Key())).ErrorFlow != sf.ID || up.Name != name {
		t.Fatalf("error flow set = %+v", up)
	}
	for _, bad := range []string{rf.ID, "a#b"} {
		_, err = f.s.UpdateFlow(f.ctx, rf.Key(), store.FlowUpdate{ErrorFlow: &bad})
		wantErr(t, err, store.ErrInvalid)
	}
	none := ""
	if up = must[store.Flow](t)(f.s.UpdateFlow(f.ctx, rf.Key(), store.FlowUpdate{ErrorFlow: &none})); up.ErrorFlow != "" {
		t.Fatalf("error flow not removed: %+v; stored %+v", up, must[store.Flow](t)(f.s.GetFlow(f.ctx, rf.Key())))
	}

	nr := must[store.Route](t)(f.s.UpdateRoute(f.ctx, rf.Key(), store.RouteConfig{Method: "GET", ResponseMode: "async",
		Segments: []store.Segment{{Kind: "static", Value: "v2"}}}))
	if nr.Method != "GET" || nr.ResponseMode != "async" || nr.ID != r.ID || len(nr.Segments) != 1 || nr.RequireAPIKey {
		t.Fatalf("updated route = %+v", nr)
	}
	ns := must[store.Schedule](t)(f.s.UpdateSchedule(f.ctx, sf.Key(), store.ScheduleConfig{Cron: "*/5 * * * *", Enabled: false}))
	if ns.Cron != "*/5 * * * *" || ns.Timezone != "UTC" || ns.Enabled {
		t.Fatalf("updated schedule = %+v", ns)
	}

	badInputs := []struct {
		in    store.CreateFlowInput
		field string
	}{
		{store.CreateFlowInput{Kind: "cron", Name: "x", Document: doc}, "kind"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "", Document: doc}, "name"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "x", Document: json.RawMessage(`{"nodes":`)}, "document"},
		{store.CreateFlowInput{Kind: store.KindSchedule, Name: "x", Document: doc}, "schedule"},
		{store.CreateFlowInput{Kind: store.KindSchedule, Name: "x", Document: doc, Schedule: &store.ScheduleConfig{Cron: "* * *"}}, "schedule.cron"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "x", Document: doc, Route: &store.RouteConfig{Method: "FETCH"}}, "route.method"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "x", Document: doc, Route: &store.RouteConfig{Segments: []store.Segment{{Kind: "variable", Name: "id", Type: "date"}}}}, "route.segments[0].type"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "x", Document: doc, Route: &store.RouteConfig{Segments: []store.Segment{{Kind: "static", Value: "a/b"}}}}, "route.segments[0].value"},
		{store.CreateFlowInput{Kind: store.KindRoute, Name: "x", Document: doc, RunSaving: "some"}, "run_saving"},
	}
	for _, c := range badInputs {
		_, err := f.s.CreateFlow(f.ctx, pk, c.in)
		var ve *store.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("CreateFlow(%s) = %v, want validation error on %s", c.field, err, c.field)
		}
	}
}

func TestDraftOptimisticConcurrency(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(t, pk, "Orders", "orders")
	before := must[store.Flow](t)(f.s.GetFlow(f.ctx, fl.Key()))

	d2 := flowDoc(7)
	rev := must[int](t)(f.s.SaveDraft(f.ctx, fl.Key(), d2, 1))
	if rev != 2 {
		t.Fatalf("revision after save = %d, want 2", rev)
	}
	// A second editor still at revision 1 is refused and told the current one.
	_, err := f.s.SaveDraft(f.ctx, fl.Key(), flowDoc(8), 1)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Current != 2 {
		t.Fatalf("stale save = %v, want *ConflictError{Current: 2}", err)
	}
	d := must[store.Draft](t)(f.s.GetDraft(f.ctx, fl.Key()))
	if d.Revision != 2 || !bytes.Equal(d.Document, d2) {
		t.Fatalf("draft after conflict: revision %d, document is the winner's: %v", d.Revision, bytes.Equal(d.Document, d2))
	}
	if after := must[store.Flow](t)(f.s.GetFlow(f.ctx, fl.Key())); !after.UpdatedAt.After(before.UpdatedAt) {
		t.Fatalf("flow updated_at not refreshed: %v → %v", before.UpdatedAt, after.UpdatedAt)
	}
	_, err = f.s.SaveDraft(f.ctx, pk.Flow("missing"), d2, 1)
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.SaveDraft(f.ctx, fl.Key(), json.RawMessage("not json"), 2)
	wantErr(t, err, store.ErrInvalid)
	_, err = f.s.SaveDraft(f.ctx, fl.Key(), d2, 0)
	wantErr(t, err, store.ErrInvalid)

	// Concurrent saves from the same revision: exactly one wins.
	results := make(chan error, 10)
	for i := 0; i < 10; i++ {
		go func() {
			_, err := f.s.SaveDraft(f.ctx, fl.Key(), flowDoc(2+i), 2)
			results <- err
		}()
	}
	wins := 0
	for i := 0; i < 10; i++ {
		err := <-results
		if err == nil {
			wins++
		} else if !errors.As(err, &ce) || ce.Current != 3 {
			t.Fatalf("concurrent save error = %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent saves won, want 1", wins)
	}
}

func TestDraftLargeDocumentCompressed(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(t, pk, "Big")
	big := flowDoc(1200) // ~600 KB, over the compression threshold
	if len(big) <= store.CompressAbove {
		t.Fatalf("test document is only %d bytes", len(big))
	}
	must[int](t)(f.s.SaveDraft(f.ctx, fl.Key(), big, 1))
	d := must[store.Draft](t)(f.s.GetDraft(f.ctx, fl.Key()))
	if !bytes.Equal(d.Document, big) {
		t.Fatal("large draft did not round-trip")
	}
	res := must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "mock"}))
	v := must[store.Version](t)(f.s.GetVersion(f.ctx, fl.Key(), res.Version.Number))
	if !bytes.Equal(v.Document, big) {
		t.Fatal("large version did not round-trip")
	}
}

var _ = time.Second
