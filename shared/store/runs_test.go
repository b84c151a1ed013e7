package store_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func TestRunsCRUDAndPagination(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	fl := f.routeFlow(t, pk, "Orders", "orders")
	other := f.routeFlow(t, pk, "Other", "other")

	var ids []string
	for i := 0; i < 25; i++ {
		stage, status := "prod", "success"
		if i%2 == 1 {
			stage = "mock"
		}
		if i%5 == 0 {
			status = "error"
		}
		r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: stage,
			Version: 1, Trigger: "route", Status: status, Duration: time.Duration(i) * time.Millisecond}))
		ids = append(ids, r.ID)
	}
	must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: other.ID, Stage: "prod", Trigger: "route", Status: "success"}))

	r0 := must[store.Run](t)(f.s.GetRun(f.ctx, pk.Run(ids[0])))
	if r0.Flow != fl.ID || r0.Status != "error" || r0.Stage != "prod" || r0.Version != 1 || r0.ExpiresAt.Sub(r0.StartedAt) < store.DefaultRunTTL-time.Second {
		t.Fatalf("run = %+v", r0)
	}
	noErr(t, f.s.UpdateRun(f.ctx, pk.Run(ids[1]), store.RunUpdate{Status: "paused", Duration: 1500 * time.Millisecond,
		Error: "waiting", Summary: json.RawMessage(`{"nodes":3}`)}))
	r1 := must[store.Run](t)(f.s.GetRun(f.ctx, pk.Run(ids[1])))
	if r1.Status != "paused" || r1.Duration != 1500*time.Millisecond || r1.Error != "waiting" || string(r1.Summary) != `{"nodes":3}` {
		t.Fatalf("updated run = %+v", r1)
	}
	wantErr(t, f.s.UpdateRun(f.ctx, pk.Run("nope"), store.RunUpdate{Status: "success"}), store.ErrNotFound)
	_, err := f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, ID: ids[0], Flow: fl.ID, Stage: "prod", Trigger: "route", Status: "success"})
	wantErr(t, err, store.ErrExists)

	// Newest first, in pages of 10.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 10, Cursor: cursor}}))
		for _, r := range p.Items {
			seen = append(seen, r.ID)
		}
		if p.Next == "" {
			if pages != 2 || len(p.Items) != 5 {
				t.Fatalf("last page %d has %d items", pages, len(p.Items))
			}
			break
		}
		cursor = p.Next
	}
	if len(seen) != 25 {
		t.Fatalf("listed %d runs, want 25", len(seen))
	}
	for i, id := range seen {
		if id != ids[24-i] {
			t.Fatalf("run %d = %s, want %s (newest first)", i, id, ids[24-i])
		}
	}

	// Filters page exactly too.
	var errs []string
	cursor = ""
	for {
		p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{Status: "error", Stage: "prod",
			ListOptions: store.ListOptions{Limit: 2, Cursor: cursor}}))
		if len(p.Items) > 2 || (p.Next != "" && len(p.Items) != 2) {
			t.Fatalf("filtered page of %d items, next %q", len(p.Items), p.Next)
		}
		for _, r := range p.Items {
			if r.Status != "error" || r.Stage != "prod" {
				t.Fatalf("filter let through %+v", r)
			}
			errs = append(errs, r.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if want := []string{ids[20], ids[10], ids[0]}; !equal(errs, want) {
		t.Fatalf("error runs on prod = %v, want %v", errs, want)
	}

	// Limits and cursors.
	p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 5000}}))
	if len(p.Items) != 25 {
		t.Fatalf("big limit listed %d", len(p.Items))
	}
	_, err = f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Limit: -1}})
	wantField(t, err, "limit")
	first := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 3}}))
	badCursors := []struct {
		name   string
		flow   store.FlowKey
		cursor string
	}{
		{"not base64", fl.Key(), "!!!"},
		{"not json", fl.Key(), base64.RawURLEncoding.EncodeToString([]byte("hello"))},
		{"wrong attributes", fl.Key(), base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"x","SK":"y"}`))},
		{"empty values", fl.Key(), base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"","SK":"","GSI1PK":"","GSI1SK":""}`))},
		{"another flow's cursor", other.Key(), first.Next},
		{"too long", fl.Key(), strings.Repeat("a", 5000)},
	}
	for _, c := range badCursors {
		_, err := f.s.ListRuns(f.ctx, c.flow, store.ListRunsOptions{ListOptions: store.ListOptions{Cursor: c.cursor}})
		if !wantFieldOK(err, "cursor") {
			t.Errorf("cursor %s: error %v, want a validation error on cursor", c.name, err)
		}
	}
}

func wantFieldOK(err error, field string) bool {
	var ve *store.ValidationError
	return errors.As(err, &ve) && ve.Field == field && errors.Is(err, store.ErrInvalid)
}

func wantField(t testing.TB, err error, field string) {
	t.Helper()
	if !wantFieldOK(err, field) {
		t.Fatalf("error %v, want a validation error on %s", err, field)
	}
}

func TestRetention(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	keep := 3
	fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "B", Document: flowDoc(1), Retention: keep}))
	var ids []string
	for i := 0; i < 10; i++ {
		r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "mock", Trigger: "editor", Status: "success"}))
		ids = append(ids, r.ID)
		for n := 0; n < 3; n++ {
			noErr(t, f.s.PutNodeResult(f.ctx, r.Key(), store.NodeResult{NodeID: fmt.Sprintf("n%d", n), Order: n, Status: "success",
				Outputs: json.RawMessage(`{"ok":true}`)}))
		}
		noErr(t, f.s.SaveRunState(f.ctx, r.Key(), json.RawMessage(`{"paused":"n1"}`)))
	}
	pass := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 0))
	deleted := pass.Deleted
	if pass.Keep != keep {
		t.Fatalf("pass kept %d, want the flow's %d", pass.Keep, keep)
	}
	if deleted != 7 {
		t.Fatalf("deleted %d runs, want 7", deleted)
	}
	p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{}))
	if len(p.Items) != 3 || p.Items[0].ID != ids[9] || p.Items[2].ID != ids[7] {
		t.Fatalf("kept runs = %+v", p.Items)
	}
	for _, id := range ids[:7] {
		_, err := f.s.GetRun(f.ctx, pk.Run(id))
		wantErr(t, err, store.ErrNotFound)
		if nr := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, pk.Run(id))); len(nr) != 0 {
			t.Fatalf("node results of deleted run %s left: %d", id, len(nr))
		}
		_, err = f.s.ClaimResume(f.ctx, pk.Run(id))
		wantErr(t, err, store.ErrNotFound)
	}
	if nr := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, pk.Run(ids[9]))); len(nr) != 3 {
		t.Fatalf("kept run has %d node results", len(nr))
	}
	if again := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 0)).Deleted; again != 0 {
		t.Fatalf("second retention deleted %d", again)
	}
	if n := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 1)).Deleted; n != 2 {
		t.Fatalf("retention to 1 deleted %d", n)
	}
	// Older runs still running or paused are spared until they end.
	var live []string
	for i, st := range []string{"running", "paused", "success", "success"} {
		r := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "mock", Trigger: "schedule", Status: st}))
		if i < 2 {
			live = append(live, r.ID)
		}
	}
	pass = must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 1))
	if pass.Deleted != 2 || pass.Spared != 2 {
		t.Fatalf("pass with running and paused runs: %+v, want 2 deleted (older finished runs) and 2 spared", pass)
	}
	for _, id := range live {
		must[store.Run](t)(f.s.GetRun(f.ctx, pk.Run(id)))
	}
	noErr(t, f.s.UpdateRun(f.ctx, pk.Run(live[0]), store.RunUpdate{Status: "success"}))
	pass = must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 1))
	if pass.Deleted != 1 || pass.Spared != 1 {
		t.Fatalf("pass after the running run ended: %+v, want it deleted and the paused one spared", pass)
	}
	_, err := f.s.GetRun(f.ctx, pk.Run(live[0]))
	wantErr(t, err, store.ErrNotFound)
	// Every run item carries expires_at.
	for _, it := range f.scan(t) {
		switch it["kind"] {
		case "run", "node_result", "run_state":
			if exp, ok := it["expires_at"].(float64); !ok || exp <= 0 {
				t.Fatalf("%v item without expires_at: %v", it["kind"], it)
			}
		}
	}
}

// A pass over more runs than one request reads (retentionPage) still keeps exactly the
// newest ones.
func TestRetentionAcrossPages(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(t, pk, "Orders", "orders")
	var ids []string
	for i := 0; i < 320; i++ {
		r := must[store.Run](t)(f.s.RecordRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "dev",
			Trigger: "router", Status: "success"}, []store.NodeResult{{NodeID: "route", Order: 0, Status: "success"}}))
		ids = append(ids, r.ID)
	}
	pass := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 30))
	if pass.Deleted != 290 {
		t.Fatalf("deleted %d runs, want 290", pass.Deleted)
	}
	// pages grow (25, 50, 100, 200): four requests read the 320 runs, not thirteen
	if pass.Read != 320 || pass.Reads != 4 {
		t.Fatalf("the pass read %d runs in %d requests, want 320 in 4", pass.Read, pass.Reads)
	}
	var kept []string
	cursor := ""
	for {
		p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: store.ListOptions{Cursor: cursor}}))
		for _, r := range p.Items {
			kept = append(kept, r.ID)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(kept) != 30 || kept[0] != ids[319] || kept[29] != ids[290] {
		t.Fatalf("kept %d runs (%v … %v), want the newest 30", len(kept), kept[:min(1, len(kept))], kept[max(0, len(kept)-1):])
	}
}

// A router run with small results is one item: its results travel on it, come back in
// order with every field, stay out of run lists, and give way to results written one by
// one afterwards (a retried write).
func TestRecordedRunKeepsSmallResultsOnItsItem(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(t, pk, "Orders", "orders")
	at := f.clock.Now().UTC().Truncate(time.Millisecond)
	results := []store.NodeResult{
		{NodeID: "route", Order: 0, Status: "success", StartedAt: at, Duration: 2 * time.Millisecond, Outputs: json.RawMessage(`{"path":"/x"}`)},
		{NodeID: "boom", Order: 1, Status: "error", StartedAt: at, Inputs: json.RawMessage(`{"a":1}`), Error: json.RawMessage(`{"message":"no"}`),
			Logs: json.RawMessage(`[{"level":"info","msg":"hi"}]`)},
		{NodeID: "reply", Order: 2, Status: "skipped", StartedAt: at},
	}
	r := must[store.Run](t)(f.s.RecordRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "dev",
		Trigger: "router", Status: "error", Error: "boom failed", Summary: json.RawMessage(`{"nodes":3}`)}, results))
	items := 0
	for _, it := range f.scan(t) {
		if p, _ := it["PK"].(string); strings.HasSuffix(p, "#R#"+r.ID) {
			items++
			if it["kind"] != "run" {
				t.Fatalf("run partition holds a %v item", it["kind"])
			}
		}
	}
	if items != 1 {
		t.Fatalf("run partition has %d items, want 1", items)
	}
	back := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, r.Key()))
	if len(back) != 3 {
		t.Fatalf("results = %+v", back)
	}
	for i, w := range results {
		g := back[i]
		if g.NodeID != w.NodeID || g.Order != w.Order || g.Status != w.Status || !g.StartedAt.Equal(w.StartedAt) || g.Duration != w.Duration ||
			string(g.Inputs) != string(w.Inputs) || string(g.Outputs) != string(w.Outputs) || string(g.Error) != string(w.Error) || string(g.Logs) != string(w.Logs) {
			t.Fatalf("result %d = %+v, want %+v", i, g, w)
		}
	}
	p := must[store.Page[store.Run]](t)(f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{Status: "error"}))
	if len(p.Items) != 1 || p.Items[0].ID != r.ID || p.Items[0].Error != "boom failed" || string(p.Items[0].Summary) != `{"nodes":3}` ||
		p.Items[0].Trigger != "router" || p.Items[0].Stage != "dev" {
		t.Fatalf("run list = %+v", p.Items)
	}
	noErr(t, f.s.PutNodeResult(f.ctx, r.Key(), store.NodeResult{NodeID: "boom", Order: 1, Status: "success", Outputs: json.RawMessage(`{"again":true}`)}))
	back = must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, r.Key()))
	if len(back) != 3 || back[1].Status != "success" || string(back[1].Outputs) != `{"again":true}` || back[2].NodeID != "reply" {
		t.Fatalf("after a result written on its own: %+v", back)
	}
	if n := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 1)).Deleted; n != 0 {
		t.Fatalf("retention deleted %d", n)
	}
}

// The deployment's default retention applies to flows created without their own.
func TestDefaultRetentionOption(t *testing.T) {
	for _, tc := range []struct{ opt, want int }{{7, 7}, {0, store.DefaultRetention}, {store.MaxRetention + 1, store.DefaultRetention}} {
		f := setup(t, store.WithDefaultRetention(tc.opt))
		tn := f.tenant(t, "Acme")
		pk := f.project(t, tn.ID, "Shop", "shop").Key()
		fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "B", Document: flowDoc(1)}))
		own := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "C", Document: flowDoc(1), Retention: 3}))
		if fl.Retention != tc.want || own.Retention != 3 {
			t.Errorf("option %d: flow keeps %d (want %d), own setting %d", tc.opt, fl.Retention, tc.want, own.Retention)
		}
	}
}

// noise is n bytes of base64 that does not compress.
func noise(t testing.TB, n int) string {
	b := make([]byte, n*3/4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Runs recorded in one go (the router's) list their node results on the run item, so
// retention deletes them without reading each run's partition; runs written piece by
// piece are still read first. Either way nothing of a deleted run is left.
func TestRetentionOfRecordedRuns(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "B", Document: flowDoc(1), Retention: 2}))
	var ids []string
	for i := 0; i < 6; i++ {
		var results []store.NodeResult
		for n := 0; n < i%3; n++ { // 0, 1 or 2 results, orders with a gap
			out := json.RawMessage(`{"ok":true}`)
			if i >= 4 { // too large to travel on the run's item: items of their own
				out = json.RawMessage(fmt.Sprintf(`{"noise":%q}`, noise(t, 48<<10)))
			}
			results = append(results, store.NodeResult{NodeID: fmt.Sprintf("n%d", n), Order: 2 * n, Status: "success",
				Outputs: out})
		}
		r := must[store.Run](t)(f.s.RecordRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "dev",
			Trigger: "router", Status: "success"}, results))
		ids = append(ids, r.ID)
		f.clock.Advance(time.Millisecond)
		back := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, r.Key()))
		if len(back) != len(results) {
			t.Fatalf("run %d: %d results read back, want %d", i, len(back), len(results))
		}
		for j := range back {
			if back[j].NodeID != results[j].NodeID || back[j].Order != results[j].Order || string(back[j].Outputs) != string(results[j].Outputs) {
				t.Fatalf("run %d result %d read back as %+v", i, j, back[j])
			}
		}
	}
	// one run written piece by piece, newest of all is kept; make it the oldest instead
	old := must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "mock",
		Trigger: "editor", Status: "success", StartedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}))
	noErr(t, f.s.PutNodeResult(f.ctx, old.Key(), store.NodeResult{NodeID: "n0", Order: 0, Status: "success"}))
	var mu sync.Mutex
	ops := map[string]int{}
	f.env.SetFault(func(op string) *storetest.Fault {
		mu.Lock()
		defer mu.Unlock()
		ops[op]++
		return nil
	})
	if n := must[store.RetentionPass](t)(f.s.ApplyRetention(f.ctx, fl.Key(), 0)).Deleted; n != 5 {
		t.Fatalf("deleted %d runs, want 5", n)
	}
	f.env.SetFault(nil)
	// the flow's run list, then the partition of the one run that does not list its results
	if ops["Query"] != 2 {
		t.Fatalf("retention made %d queries (%v), want 2", ops["Query"], ops)
	}
	left := map[string]int{}
	for _, it := range f.scan(t) {
		if k, _ := it["kind"].(string); k == "run" || k == "node_result" {
			left[it["PK"].(string)]++
		}
	}
	want := map[string]int{}
	for _, id := range ids[4:] {
		p := must[store.Run](t)(f.s.GetRun(f.ctx, pk.Run(id)))
		results := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, pk.Run(id)))
		if p.ID != id {
			t.Fatalf("kept run %s read back as %s", id, p.ID)
		}
		want[id] = 1 + len(results)
		if len(results) == 0 {
			t.Fatalf("kept run %s lost its results", id)
		}
	}
	if len(left) != 2 {
		t.Fatalf("run partitions left: %v, want the 2 newest (%v)", left, want)
	}
	for pkey, n := range left {
		matched := false
		for id, w := range want {
			if strings.HasSuffix(pkey, "#R#"+id) && n == w {
				matched = true
			}
		}
		if !matched {
			t.Fatalf("partition %s has %d items; kept runs %v", pkey, n, want)
		}
	}
}

func TestNodeResults(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	rk := pk.Run("01JRUN0000000000000000000A")
	started := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	want := []store.NodeResult{
		{NodeID: "fetch", Order: 0, Status: "success", StartedAt: started, Duration: 120 * time.Millisecond,
			Inputs: json.RawMessage(`{"url":"https://x"}`), Outputs: json.RawMessage(`{"status":200}`), Logs: json.RawMessage(`["GET https://x"]`)},
		{NodeID: "parse", Order: 1, Status: "error", StartedAt: started.Add(time.Second),
			Error: json.RawMessage(`{"error":"bad json","type":"ParseError","node":"parse"}`)},
		{NodeID: "fetch", Order: 2, Status: "skipped"},
	}
	for _, nr := range want {
		noErr(t, f.s.PutNodeResult(f.ctx, rk, nr))
	}
	got := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, rk))
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.NodeID != w.NodeID || g.Order != w.Order || g.Status != w.Status || !g.StartedAt.Equal(w.StartedAt) ||
			g.Duration != w.Duration || !bytes.Equal(g.Inputs, w.Inputs) || !bytes.Equal(g.Outputs, w.Outputs) ||
			!bytes.Equal(g.Error, w.Error) || !bytes.Equal(g.Logs, w.Logs) {
			t.Fatalf("result %d = %+v, want %+v", i, g, w)
		}
	}
	err := f.s.PutNodeResult(f.ctx, rk, store.NodeResult{NodeID: "x", Order: 3, Status: "success", Outputs: json.RawMessage(`{`)})
	wantField(t, err, "outputs")
}

func TestLargeNodeResultCompressed(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	rk := pk.Run("01JRUN0000000000000000000B")

	rows := make([]map[string]any, 0, 8000)
	for i := 0; i < 8000; i++ {
		rows = append(rows, map[string]any{"id": i, "name": fmt.Sprintf("customer %d", i), "email": fmt.Sprintf("c%d@example.com", i), "active": i%3 == 0})
	}
	big, _ := json.Marshal(map[string]any{"rows": rows})
	if len(big) < 500_000 {
		t.Fatalf("test output only %d bytes", len(big))
	}
	noErr(t, f.s.PutNodeResult(f.ctx, rk, store.NodeResult{NodeID: "query", Order: 0, Status: "success", Outputs: big}))
	got := must[[]store.NodeResult](t)(f.s.ListNodeResults(f.ctx, rk))
	if len(got) != 1 || !bytes.Equal(got[0].Outputs, big) {
		t.Fatal("large result did not round-trip")
	}
	raw := f.rawItem(t, "T#"+tn.ID+"#P#"+pk.Project+"#R#"+rk.Run, "NODE#00000000")
	b, ok := raw["data"].(*types.AttributeValueMemberB)
	if !ok || len(b.Value) < 2 || b.Value[0] != 0x1f || b.Value[1] != 0x8b || len(b.Value) > store.MaxBlob {
		t.Fatalf("stored data is %T (want gzip bytes under %d)", raw["data"], store.MaxBlob)
	}

	// Incompressible and too large: an error, not a silent drop.
	noise := make([]byte, 600_000)
	_, _ = rand.Read(noise)
	huge, _ := json.Marshal(base64.StdEncoding.EncodeToString(noise))
	err := f.s.PutNodeResult(f.ctx, rk, store.NodeResult{NodeID: "blob", Order: 1, Status: "success", Outputs: huge})
	wantErr(t, err, store.ErrTooLarge)
}

func TestClaimResumeExactlyOnce(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	rk := pk.Run("01JRUN0000000000000000000C")
	_, err := f.s.ClaimResume(f.ctx, rk)
	wantErr(t, err, store.ErrNotFound)

	state := json.RawMessage(`{"node":"approve","outputs":{"fetch":{"status":200}},"order":4}`)
	noErr(t, f.s.SaveRunState(f.ctx, rk, state))

	const claimers = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, already := 0, 0
	for i := 0; i < claimers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.s.ClaimResume(f.ctx, rk)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
				if !bytes.Equal(got, state) {
					t.Errorf("claimed state = %s", got)
				}
			case errors.Is(err, store.ErrAlreadyClaimed):
				already++
			default:
				t.Errorf("claim: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || already != claimers-1 {
		t.Fatalf("%d claims won, %d refused; want 1 and %d", wins, already, claimers-1)
	}
	// Pausing again arms a new claim.
	noErr(t, f.s.SaveRunState(f.ctx, rk, json.RawMessage(`{"node":"second"}`)))
	got := must[json.RawMessage](t)(f.s.ClaimResume(f.ctx, rk))
	if string(got) != `{"node":"second"}` {
		t.Fatalf("second pause state = %s", got)
	}
	_, err = f.s.ClaimResume(f.ctx, rk)
	wantErr(t, err, store.ErrAlreadyClaimed)
}
