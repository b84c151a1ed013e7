package text

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Splitting 8 MB into characters, or replacing 8 million matches, stays within a small
// multiple of the text instead of taking hundreds of megabytes.
func TestSplitAndRegexReplaceMemory(t *testing.T) {
	r := registry(t)
	big := strings.Repeat("a", 8<<20)
	for _, tc := range []struct {
		name   string
		id     string
		in     map[string]any
		budget uint64
		check  func(t *testing.T, out nodes.Out, err error)
	}{
		{"split into characters", "text.split", map[string]any{"text": big, "separator": ""}, 64 << 20,
			func(t *testing.T, out nodes.Out, err error) {
				check(t, nodeCase{errPort: "text", errHas: "more than 1000000 characters"}, out, err)
			}},
		{"split at every comma", "text.split", map[string]any{"text": strings.Repeat(",", 2_000_000)}, 64 << 20,
			func(t *testing.T, out nodes.Out, err error) {
				check(t, nodeCase{errPort: "text", errHas: "more than 1000000 parts"}, out, err)
			}},
		{"split with a limit", "text.split", map[string]any{"text": big, "separator": "", "limit": 3.0}, 64 << 20,
			func(t *testing.T, out nodes.Out, err error) {
				check(t, nodeCase{want: nodes.Out{"count": 3.0}}, out, err)
			}},
		{"split lines", "text.split_lines", map[string]any{"text": strings.Repeat("\n", 2_000_000)}, 64 << 20,
			func(t *testing.T, out nodes.Out, err error) {
				check(t, nodeCase{errPort: "text", errHas: "more than 1000000 lines"}, out, err)
			}},
		{"regex replace 8 million matches", "text.regex_replace", map[string]any{"text": big, "pattern": "a", "replacement": "b"}, 96 << 20,
			func(t *testing.T, out nodes.Out, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if s := out["text"].(string); len(s) != 8<<20 || strings.Trim(s, "b") != "" || out["count"] != float64(8<<20) {
					t.Fatalf("got %d bytes, count %v", len(s), out["count"])
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, _ := r.Lookup(tc.id)
			var out nodes.Out
			var err error
			n := allocated(func() { out, err = run(context.Background(), typ, tc.in, nil) })
			tc.check(t, out, err)
			if n > tc.budget {
				t.Errorf("allocated %d MB, want at most %d MB", n>>20, tc.budget>>20)
			}
		})
	}
}

func TestRegexReplaceManyMatches(t *testing.T) {
	many := strings.Repeat("xa", 200_000)
	runCases(t, []nodeCase{
		{name: "groups past 100000 matches", id: "text.regex_replace", in: map[string]any{"text": many, "pattern": "x(a)", "replacement": "${1}$1-"},
			want: nodes.Out{"text": strings.Repeat("aa-", 200_000), "count": 200000.0}},
		{name: "literal past 100000 matches", id: "text.regex_replace", in: map[string]any{"text": many, "pattern": "x(a)", "replacement": "$1", "literal": true},
			want: nodes.Out{"text": strings.Repeat("$1", 200_000), "count": 200000.0}},
		{name: "empty matches", id: "text.regex_replace", in: map[string]any{"text": strings.Repeat("a", 150_000), "pattern": "x*", "replacement": "-"},
			want: nodes.Out{"text": "-" + strings.Repeat("a-", 150_000), "count": 150001.0}},
		{name: "limit under 100000", id: "text.regex_replace", in: map[string]any{"text": many, "pattern": "x", "replacement": "", "limit": 2.0},
			want: nodes.Out{"text": "aa" + many[4:], "count": 2.0}},
		{name: "limit over 100000 but not all", id: "text.regex_replace", in: map[string]any{"text": many, "pattern": "x", "limit": 150000.0},
			errPort: "limit", errHas: "matches 200000 times"},
		{name: "result too large", id: "text.regex_replace", in: map[string]any{"text": many, "pattern": "x", "replacement": strings.Repeat("y", 100)},
			errPort: "replacement", errHas: "larger than"},
	})
}

// Replace keeps no list of match positions: 8 million matches stay within a few times the text.
func TestReplaceMemory(t *testing.T) {
	typ, _ := registry(t).Lookup("text.replace")
	big := strings.Repeat("a", 8<<20)
	for _, ci := range []bool{false, true} {
		find := "a"
		if ci {
			find = "A"
		}
		var out nodes.Out
		var err error
		n := allocated(func() {
			out, err = run(context.Background(), typ, map[string]any{"text": big, "find": find, "replace": "b", "case_insensitive": ci}, nil)
		})
		if err != nil || out["count"] != float64(8<<20) || strings.Trim(out["text"].(string), "b") != "" {
			t.Fatalf("case_insensitive %v: %v, count %v", ci, err, out["count"])
		}
		if n > 64<<20 {
			t.Errorf("case_insensitive %v: allocated %d MB, want at most 64 MB", ci, n>>20)
		}
	}
	runCases(t, []nodeCase{
		{name: "first only", id: "text.replace", in: map[string]any{"text": "aXaXa", "find": "x", "replace": "-", "mode": "first", "case_insensitive": true},
			want: nodes.Out{"text": "a-aXa", "count": 1.0}},
		{name: "adjacent", id: "text.replace", in: map[string]any{"text": "aaaa", "find": "aa", "replace": "b"}, want: nodes.Out{"text": "bb", "count": 2.0}},
	})
}
