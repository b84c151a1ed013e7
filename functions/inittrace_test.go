package functions_test

import (
	"math"
	"strings"
	"testing"
)

func TestSumInitTrace(t *testing.T) {
	out := strings.Join([]string{
		"init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs",
		"init runtime @0.031 ms, 0.051 ms clock, 0 bytes, 0 allocs",
		`{"level":"INFO","msg":"init done"}`, // the function's own log lines are skipped
		"init github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas @9.0 ms, 1.0 ms clock, 627656 bytes, 3152 allocs",
		"init example.com/slow @1.5 s, 1.25 s clock, 10 bytes, 1 allocs",
		"  init indented @1 ms, 9 ms clock, 0 bytes, 0 allocs", // not at a line's start
	}, "\n")
	total, n := sumInitTrace(out)
	if n != 4 {
		t.Fatalf("packages = %d, want 4", n)
	}
	if want := 0 + 0.051 + 1.0 + 1250; math.Abs(total-want) > 1e-9 {
		t.Fatalf("total = %v ms, want %v", total, want)
	}
	if total, n := sumInitTrace(""); total != 0 || n != 0 {
		t.Fatalf("empty output: %v ms over %d packages", total, n)
	}
}

func FuzzSumInitTrace(f *testing.F) {
	f.Add("init runtime @0.031 ms, 0.051 ms clock, 0 bytes, 0 allocs\ninit a @1 s, 2 s clock, 1 bytes, 1 allocs")
	f.Add("init x @. ms, . ms clock")
	f.Add("")
	f.Fuzz(func(t *testing.T, out string) {
		total, n := sumInitTrace(out)
		if n < 0 || n > strings.Count(out, "init ") || total < 0 || math.IsNaN(total) {
			t.Fatalf("sumInitTrace(%q) = %v over %d packages", out, total, n)
		}
		if n == 0 && total != 0 {
			t.Fatalf("no packages but %v ms", total)
		}
	})
}
