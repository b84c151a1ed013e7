package engine_test

import (
	"context"
	"fmt"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
)

func chainFlow(n int) *fb {
	b := newFlow().node("start", "test.trigger", nil)
	prev := "start"
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("p%d", i)
		b.node(h, "test.pass", map[string]any{"value": "{{ " + prev + ".value }}"})
		if i == 0 {
			b.with(h, func(nd *flow.Node) { nd.Values["value"] = "{{ start.data }}" })
		}
		b.chain(prev, h)
		prev = h
	}
	return b
}

// BenchmarkChain100 runs a linear chain of 100 pass-through nodes; ns/op ÷ 100 is the
// per-node cost (target ≤ 2 µs and ≤ 10 allocations per node).
func BenchmarkChain100(b *testing.B) {
	tn := newTestNodes(b)
	p := compile(b, tn.reg, chainFlow(100))
	eng := engine.New(engine.Options{Concurrency: 1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := eng.Run(ctx, p, engine.Request{RunID: "r", Trigger: "x"})
		if err != nil || r.Status != engine.StatusSuccess {
			b.Fatalf("%v %v", err, r.Status)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/101, "ns/node")
}

func fanFlow(width int) *fb {
	b := newFlow().node("start", "test.trigger", nil).node("joined", "control.merge", nil)
	for i := 0; i < width; i++ {
		h := fmt.Sprintf("w%d", i)
		b.node(h, "test.pass", map[string]any{"value": fmt.Sprint(i)}).
			conn("start", "true_path", h, "node").
			conn(h, "value", "joined", "inputs")
	}
	return b
}

// BenchmarkFanOut10 runs a 10-way fan-out/fan-in at concurrency 1 and 4.
func BenchmarkFanOut10(b *testing.B) {
	tn := newTestNodes(b)
	p := compile(b, tn.reg, fanFlow(10))
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			eng := engine.New(engine.Options{Concurrency: conc})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				r, err := eng.Run(ctx, p, engine.Request{RunID: "r"})
				if err != nil || r.Status != engine.StatusSuccess {
					b.Fatalf("%v %v", err, r.Status)
				}
			}
		})
	}
}

// BenchmarkValidateCompile500 validates and compiles a 500-node flow (target ≤ 20 ms).
func BenchmarkValidateCompile500(b *testing.B) {
	tn := newTestNodes(b)
	doc := chainFlow(499).doc
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flow.Compile(&doc, tn.reg); err != nil {
			b.Fatal(err)
		}
	}
}
