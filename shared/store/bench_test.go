package store_test

import (
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
