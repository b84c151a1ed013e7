package routing

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// table10k builds 10,000 routes: half "/svc{i}/items/{id:number}" (with some
// uuid and string siblings), half "/static{i}/a/b".
func table10k(b *testing.B) *Table {
	b.Helper()
	routes := make([]Route, 0, 10_000)
	for i := range 5_000 {
		p := fmt.Sprintf("/svc%d/items/{id:number}", i)
		switch i % 4 {
		case 1:
			p = fmt.Sprintf("/svc%d/items/{id:uuid}", i)
		case 2:
			p = fmt.Sprintf("/svc%d/items/{id}/detail", i)
		}
		routes = append(routes,
			Route{ID: fmt.Sprintf("svc%d", i), Method: MethodGet, Segments: mustPattern(b, p)},
			Route{ID: fmt.Sprintf("static%d", i), Method: MethodPost, Segments: mustPattern(b, fmt.Sprintf("/static%d/a/b", i))},
		)
	}
	tab, err := NewTable(routes)
	if err != nil {
		b.Fatal(err)
	}
	return tab
}

func BenchmarkMatch10k(b *testing.B) {
	tab := table10k(b)
	cases := []struct {
		name, method, path, id string
	}{
		{"variable", "GET", "/svc4000/items/42", "svc4000"},
		{"uuid", "GET", "/svc4001/items/123e4567-e89b-12d3-a456-426614174000", "svc4001"},
		{"backtrack", "GET", "/svc4002/items/7/detail", "svc4002"},
		{"static", "POST", "/static4321/a/b", "static4321"},
		{"not-found", "GET", "/svc4000/items/x", ""},
	}
	for _, c := range cases {
		m, err := tab.Match(c.method, c.path)
		if c.id != "" && (err != nil || m.Route.ID != c.id) {
			b.Fatalf("Match(%s, %q) = %q, %v; want %q", c.method, c.path, m.Route.ID, err, c.id)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = tab.Match(c.method, c.path)
			}
			b.ReportMetric(p50(func() { _, _ = tab.Match(c.method, c.path) }), "p50-ns")
		})
	}
}

// p50 returns the median time of f in nanoseconds, timed in batches of 32
// calls so the clock's own cost does not dominate. It runs after b.Loop, so it
// does not count towards ns/op.
func p50(f func()) float64 {
	const batch, rounds = 32, 2000
	samples := make([]time.Duration, rounds)
	for i := range samples {
		start := time.Now()
		for range batch {
			f()
		}
		samples[i] = time.Since(start)
	}
	slices.Sort(samples)
	return float64(samples[rounds/2].Nanoseconds()) / batch
}

func BenchmarkNewTable10k(b *testing.B) {
	routes := table10k(b).Routes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewTable(routes); err != nil {
			b.Fatal(err)
		}
	}
}
