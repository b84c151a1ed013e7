package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/store"
)

// populate builds a project with one of everything and returns its flows.
func (f *fixture) populate(t testing.TB, tenant, name, slug string) (store.Project, []store.Flow) {
	t.Helper()
	p := f.project(t, tenant, name, slug)
	pk := p.Key()
	f.stage(t, pk, "prod", 1)
	route := f.routeFlow(t, pk, "Orders", "orders", ":id")
	sched := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "Nightly",
		Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 3 * * *", Enabled: true}}))
	blue := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "Lib", Document: flowDoc(1)}))
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: route.Key(), Stage: "prod"}))
	must[int](t)(f.s.SaveDraft(f.ctx, route.Key(), flowDoc(4), 1))
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: route.Key(), Stage: "mock"}))
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: sched.Key(), Stage: "prod"}))
	must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: blue.Key(), Stage: "prod"}))
	for _, fl := range []store.Flow{route, sched} {
		for i := 0; i < 3; i++ {
			r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tenant, Project: pk.Project, Flow: fl.ID, Stage: "prod", Trigger: "route", Status: "success"}))
			noErr(t, f.s.PutNodeResult(f.ctx, r.Key(), store.NodeResult{NodeID: "a", Order: 0, Status: "success", Outputs: json.RawMessage(`1`)}))
			noErr(t, f.s.PutNodeResult(f.ctx, r.Key(), store.NodeResult{NodeID: "b", Order: 1, Status: "paused"}))
			noErr(t, f.s.SaveRunState(f.ctx, r.Key(), json.RawMessage(`{"at":"b"}`)))
		}
	}
	noErr(t, f.s.SetSecret(f.ctx, pk, "TOKEN", "prod", []byte("ct")))
	noErr(t, f.s.SetSecret(f.ctx, pk, "TOKEN", "mock", []byte("ct")))
	noErr(t, f.s.SetEnvVar(f.ctx, pk, "URL", "prod", "https://x"))
	must[store.APIKey](t)(f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: "k1", Hash: slug + "-hash-1"}))
	must[store.APIKey](t)(f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: "k2", Hash: slug + "-hash-2"}))
	must[store.Connection](t)(f.s.PutConnection(f.ctx, store.Connection{ID: "conn-" + slug, Sub: "owner", Tenants: []string{tenant}}))
	noErr(t, f.s.Subscribe(f.ctx, "conn-"+slug, route.Key()))
	noErr(t, f.s.Subscribe(f.ctx, "conn-"+slug, sched.Key()))
	return p, []store.Flow{route, sched, blue}
}

func TestTenantIsolation(t *testing.T) {
	f := setup(t)
	a := f.tenant(t, "Acme")
	b := f.tenant(t, "Beta")
	p, flows := f.populate(t, a.ID, "Shop", "shop")
	route := flows[0]
	runs := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, route.Key(), store.ListRunsOptions{}))
	if len(runs.Items) != 3 {
		t.Fatalf("tenant A runs = %d", len(runs.Items))
	}

	// Tenant B using tenant A's project, flow and run ids sees nothing.
	bp := store.ProjectKey{Tenant: b.ID, Project: p.ID}
	bf := bp.Flow(route.ID)
	br := bp.Run(runs.Items[0].ID)
	checks := map[string]error{}
	_, checks["GetProject"] = f.s.GetProject(f.ctx, bp)
	_, checks["GetFlow"] = f.s.GetFlow(f.ctx, bf)
	_, checks["GetDraft"] = f.s.GetDraft(f.ctx, bf)
	_, checks["GetRoute"] = f.s.GetRoute(f.ctx, bf)
	_, checks["GetVersion"] = f.s.GetVersion(f.ctx, bf, 1)
	_, checks["GetRun"] = f.s.GetRun(f.ctx, br)
	_, checks["GetSecretValue"] = f.s.GetSecretValue(f.ctx, bp, "TOKEN", "prod")
	_, checks["GetRouteTable"] = f.s.GetRouteTable(f.ctx, bp, "prod")
	_, checks["GetBinding"] = f.s.GetBinding(f.ctx, bf, "prod")
	_, checks["SaveDraft"] = f.s.SaveDraft(f.ctx, bf, flowDoc(1), 1)
	_, checks["Publish"] = f.s.Publish(f.ctx, store.PublishInput{Flow: bf, Stage: "prod"})
	_, checks["CreateFlow"] = f.s.CreateFlow(f.ctx, bp, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "x", Document: flowDoc(1)})
	_, checks["ClaimResume"] = f.s.ClaimResume(f.ctx, br)
	checks["SetSecret"] = f.s.SetSecret(f.ctx, bp, "TOKEN", "prod", []byte("x"))
	checks["DeleteProject"] = f.s.DeleteProject(f.ctx, bp)
	checks["DeleteFlow"] = f.s.DeleteFlow(f.ctx, bf)
	checks["Unpublish"] = f.s.Unpublish(f.ctx, bf, "prod")
	checks["TrashProject"] = f.s.TrashProject(f.ctx, bp)
	checks["Subscribe"] = f.s.Subscribe(f.ctx, "conn-shop", bf)
	for name, err := range checks {
		if err == nil || !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
			t.Errorf("%s with tenant B's key = %v, want not found", name, err)
		}
	}
	if l := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, bp, store.ListFlowsOptions{})); len(l.Items) != 0 {
		t.Errorf("ListFlows leaked %d flows", len(l.Items))
	}
	if l := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, bf, store.ListRunsOptions{})); len(l.Items) != 0 {
		t.Errorf("ListRuns leaked %d runs", len(l.Items))
	}
	if l := must[[]store.Stage](t)(f.s.ListStages(f.ctx, bp)); len(l) != 0 {
		t.Errorf("ListStages leaked %v", l)
	}
	if l := must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, bp)); len(l) != 0 {
		t.Errorf("ListSecrets leaked %v", l)
	}
	if l := must[[]store.EnvVar](t)(f.s.ListEnvVars(f.ctx, bp)); len(l) != 0 {
		t.Errorf("ListEnvVars leaked %v", l)
	}
	if l := must[store.Page[store.APIKey]](t)(f.s.ListAPIKeys(f.ctx, bp, store.ListOptions{})); len(l.Items) != 0 {
		t.Errorf("ListAPIKeys leaked %v", l.Items)
	}
	if l := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, br)); len(l) != 0 {
		t.Errorf("ListNodeResults leaked %d", len(l))
	}
	if l := must[[]string](t)(f.s.ListSubscribers(f.ctx, bf)); len(l) != 0 {
		t.Errorf("ListSubscribers leaked %v", l)
	}
	if l := must[store.Page[store.Project]](t)(f.s.ListProjects(f.ctx, b.ID, store.ListOptions{})); len(l.Items) != 0 {
		t.Errorf("ListProjects leaked %v", l.Items)
	}
	if l := must[store.Page[store.Membership]](t)(f.s.ListMembers(f.ctx, b.ID, store.ListOptions{})); len(l.Items) != 1 || l.Items[0].Sub != "owner-beta" {
		t.Errorf("ListMembers of B = %+v", l.Items)
	}
	// A cursor from tenant A's list is refused on tenant B's.
	page := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, route.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 1}}))
	_, err := f.s.ListRuns(f.ctx, bf, store.ListRunsOptions{ListOptions: store.ListOptions{Cursor: page.Next}})
	wantField(t, err, "cursor")

	// Tenant A's data is intact after all those attempts.
	if got := must[store.Draft](t)(f.s.GetDraft(f.ctx, route.Key())); got.Revision != 2 {
		t.Fatalf("tenant A draft revision = %d", got.Revision)
	}

	// The key design: every tenant-owned item's partition key starts with
	// its tenant, and so do its index keys, except the reverse lookups by
	// user, e-mail and connection. Global lookups are the only items
	// outside a tenant.
	global := map[string]bool{"slug": true, "api_key_ref": true, "user": true, "email": true, "connection": true}
	reverse := map[string]bool{"member": true, "invitation": true, "subscription": true}
	tenants := map[string]bool{a.ID: true, b.ID: true}
	for _, it := range f.scan(t) {
		kind, _ := it["kind"].(string)
		pk, _ := it["PK"].(string)
		if global[kind] {
			if strings.HasPrefix(pk, "T#") {
				t.Errorf("global %s item under a tenant: %s", kind, pk)
			}
			continue
		}
		parts := strings.SplitN(pk, "#", 3)
		if len(parts) < 2 || parts[0] != "T" || !tenants[parts[1]] {
			t.Errorf("%s item %s/%v is not under a tenant", kind, pk, it["SK"])
			continue
		}
		owner := "T#" + parts[1]
		if tn, ok := it["tenant"].(string); ok && tn != parts[1] {
			t.Errorf("%s item %s says tenant %s", kind, pk, tn)
		}
		if g, ok := it["GSI1PK"].(string); ok && !reverse[kind] && !strings.HasPrefix(g, owner) {
			t.Errorf("%s item %s has GSI1PK %s outside its tenant", kind, pk, g)
		}
		if g, ok := it["GSI2SK"].(string); ok && !strings.HasPrefix(g, owner) {
			t.Errorf("%s item %s has GSI2SK %s outside its tenant", kind, pk, g)
		}
	}
}
