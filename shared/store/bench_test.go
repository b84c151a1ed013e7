package store_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"polysynergy/shared/store"
)

// Benchmarks run against the embedded server over HTTP with the real SDK
// client, so they measure the store plus a loopback round trip.

func BenchmarkGetDraft200Nodes(b *testing.B) {
	f := setup(b)
	tn := f.tenant(b, "Acme")
	pk := f.project(b, tn.ID, "Shop", "shop").Key()
	doc := flowDoc(200)
	fl := must[store.Flow](b)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "Big", Document: doc}))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := f.s.GetDraft(f.ctx, fl.Key())
		if err != nil || len(d.Document) != len(doc) {
			b.Fatalf("get draft: %v (%d bytes)", err, len(d.Document))
		}
	}
}

func BenchmarkSaveDraft200Nodes(b *testing.B) {
	f := setup(b)
	tn := f.tenant(b, "Acme")
	pk := f.project(b, tn.ID, "Shop", "shop").Key()
	doc := flowDoc(200)
	fl := must[store.Flow](b)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: "Big", Document: doc}))
	rev := 1
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		next, err := f.s.SaveDraft(f.ctx, fl.Key(), doc, rev)
		if err != nil {
			b.Fatalf("save draft: %v", err)
		}
		rev = next
	}
}

func BenchmarkListProjects(b *testing.B) {
	f := setup(b)
	tn := f.tenant(b, "Acme")
	for i := 0; i < 50; i++ {
		f.project(b, tn.ID, fmt.Sprintf("Project %02d", i), fmt.Sprintf("project-%02d", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{})
		if err != nil || len(p.Items) != 50 {
			b.Fatalf("list projects: %v (%d)", err, len(p.Items))
		}
	}
}

func BenchmarkGetRouteTable50Routes(b *testing.B) {
	f := setup(b)
	tn := f.tenant(b, "Acme")
	pk := f.project(b, tn.ID, "Shop", "shop").Key()
	for i := 0; i < 50; i++ {
		fl := f.routeFlow(b, pk, fmt.Sprintf("F%d", i), "api", fmt.Sprintf("r%d", i), ":id")
		must[store.PublishResult](b)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "mock"}))
	}
	b.ReportAllocs()
	for b.Loop() {
		t, err := f.s.GetRouteTable(f.ctx, pk, "mock")
		if err != nil || len(t.Routes) != 50 {
			b.Fatalf("route table: %v (%d)", err, len(t.Routes))
		}
	}
}

// BenchmarkRetentionPass reads a flow's runs for a retention pass (nothing to delete) with
// 200 runs kept, as a busy route flow's passes do.
func BenchmarkRetentionPass200Runs(b *testing.B) {
	f := setup(b)
	tn := f.tenant(b, "Acme")
	pk := f.project(b, tn.ID, "Shop", "shop").Key()
	fl := f.routeFlow(b, pk, "Orders", "orders")
	results := []store.NodeResult{
		{NodeID: "route", Order: 0, Status: "success", Outputs: json.RawMessage(`{"path":"/orders","params":{"id":42}}`)},
		{NodeID: "item", Order: 1, Status: "success", Outputs: json.RawMessage(`{"object":{"id":42,"name":"item 42"}}`)},
		{NodeID: "reply", Order: 2, Status: "success", Outputs: json.RawMessage(`{"status":200}`)},
	}
	for i := 0; i < 200; i++ {
		must[store.Run](b)(f.s.RecordRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "dev",
			Trigger: "router", Status: "success", Summary: json.RawMessage(`{"nodes":3}`)}, results))
	}
	b.ReportAllocs()
	for b.Loop() {
		pass, err := f.s.ApplyRetention(f.ctx, fl.Key(), 200)
		if err != nil || pass.Deleted != 0 {
			b.Fatalf("retention pass: %v (%d deleted)", err, pass.Deleted)
		}
	}
}
