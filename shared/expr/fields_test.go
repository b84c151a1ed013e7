package expr_test

import (
	"slices"
	"testing"

	"polysynergy/shared/expr"
)

// Fields lists constant member reads off root names, whichever way the expression is
// compiled (a plain path or a program), without indexes, locals or computed keys.
func TestTemplateFields(t *testing.T) {
	for src, want := range map[string][]expr.Field{
		"{{ fetch.body.items[0] }}":                         {{"fetch", "body"}},
		"{{ a.b }} and {{ a.b }} {{ c[0] }}":                {{"a", "b"}},
		"{{ a?.b ?? x.y }}":                                 {{"a", "b"}, {"x", "y"}},
		`{{ a["k"] + len(list.items) }}`:                    {{"a", "k"}, {"list", "items"}},
		"{{ map(l.rows, #.name) }}":                         {{"l", "rows"}},
		"{{ let v = a; v.w + a[key] }}":                     nil,
		"plain text <env:X>":                                nil,
		"{{ upper(t.text) }}{{ len(filter(xs.all, .ok)) }}": {{"t", "text"}, {"xs", "all"}},
	} {
		tpl, err := expr.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := tpl.Fields(); !slices.Equal(got, want) {
			t.Errorf("%s: fields %v, want %v", src, got, want)
		}
	}
}
