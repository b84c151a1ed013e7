package text

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// FuzzRegex runs the regex nodes on random patterns and text: they never panic, bad
// patterns are errors naming `pattern`, and results agree with the regexp package.
func FuzzRegex(f *testing.F) {
	for _, seed := range [][2]string{
		{`order-(?P<id>\d+)`, "see order-1234 and order-5"},
		{`(a|b)*c`, "ababc"},
		{``, "xyz"},
		{`(`, "x"},
		{`(?i)É`, "école"},
		{`^$`, ""},
		{`\b\w+\b`, "héllo wörld"},
		{`(x)?(y)?`, "yyy"},
		{"\u0301", "e\u0301x👍🏽a"},
		{`[a-z]+`, "👍🏽ab e\u0301x 🇳🇱cd"},
	} {
		f.Add(seed[0], seed[1])
	}
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		f.Fatal(err)
	}
	match, _ := r.Lookup("text.regex_match")
	extract, _ := r.Lookup("text.regex_extract")
	replace, _ := r.Lookup("text.regex_replace")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		ctx := context.Background()
		re, compileErr := regexp.Compile(pattern)
		in := map[string]any{"pattern": pattern, "text": text}
		out, err, _ := nodetest.Run(ctx, match, in, nodetest.Options{})
		if compileErr != nil {
			if ie, ok := err.(*nodes.InputError); !ok || ie.Port != "pattern" {
				t.Fatalf("bad pattern %q: want an error naming pattern, got %v", pattern, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("regex_match: %v", err)
		}
		if out["matched"] != re.MatchString(text) {
			t.Fatalf("regex_match says %v for %q on %q", out["matched"], pattern, text)
		}
		out, err, _ = nodetest.Run(ctx, extract, in, nodetest.Options{})
		if err != nil {
			t.Fatalf("regex_extract: %v", err)
		}
		if n := len(re.FindAllStringIndex(text, -1)); out["count"] != float64(n) {
			t.Fatalf("regex_extract counted %v matches, want %d", out["count"], n)
		}
		// index and end count characters as Substring does: the cut between them holds the match
		chars := graphemes(text, -1)
		for _, m := range out["matches"].([]any) {
			m := m.(map[string]any)
			i, j := int(m["index"].(float64)), int(m["end"].(float64))
			if i < 0 || i > j || j > len(chars) {
				t.Fatalf("match %q of %q in %q at [%d, %d) of %d characters", m["match"], pattern, text, i, j, len(chars))
			}
			if cut := strings.Join(chars[i:j], ""); !strings.Contains(cut, m["match"].(string)) {
				t.Fatalf("characters [%d, %d) of %q are %q, which do not hold the match %q", i, j, text, cut, m["match"])
			}
		}
		out, err, _ = nodetest.Run(ctx, replace, map[string]any{"pattern": pattern, "text": text, "replacement": "<$0>"}, nodetest.Options{})
		if err != nil {
			if ie, ok := err.(*nodes.InputError); ok && ie.Port == "replacement" {
				return // result too large
			}
			t.Fatalf("regex_replace: %v", err)
		}
		if want := re.ReplaceAllString(text, "<$0>"); out["text"] != want {
			t.Fatalf("regex_replace gave %q, want %q", out["text"], want)
		}
	})
}
