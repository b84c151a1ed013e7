package text

import (
	"context"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

const shopPage = `<!doctype html><html><head><title>Shop</title></head><body>
<nav><a href="/a">A</a> <a href="/b" class="next">Next  page</a> <a>no link</a></nav>
<h1>Spring <em>sale</em></h1>
<ul><li class="item" data-sku="1">Apple</li><li class="item" data-sku="2">Pear</li></ul>
</body></html>`

func htmlCases() []nodeCase {
	return []nodeCase{
		{name: "first matches", id: "text.html_extract", in: map[string]any{"html": shopPage,
			"selectors": map[string]any{"title": "h1", "next": "a.next @href", "missing": "table td", "label": "a.next"}},
			want: nodes.Out{"data": map[string]any{"title": "Spring sale", "next": "/b", "missing": nil, "label": "Next page"}}},
		{name: "all matches", id: "text.html_extract", in: map[string]any{"html": shopPage, "all": true,
			"selectors": map[string]any{"links": "nav a @href", "items": "li.item", "skus": "li[data-sku] @data-sku", "none": "table"}},
			want: nodes.Out{"data": map[string]any{"links": []any{"/a", "/b", nil}, "items": []any{"Apple", "Pear"},
				"skus": []any{"1", "2"}, "none": []any{}}}},
		{name: "inner html", id: "text.html_extract", in: map[string]any{"html": shopPage, "value": "html",
			"selectors": map[string]any{"title": "h1"}}, want: nodes.Out{"data": map[string]any{"title": "Spring <em>sale</em>"}}},
		{name: "attribute selector with @ inside brackets", id: "text.html_extract", in: map[string]any{"html": `<a href="mailto:x@y.z">mail</a>`,
			"selectors": map[string]any{"mail": `a[href="mailto:x@y.z"]`}}, want: nodes.Out{"data": map[string]any{"mail": "mail"}}},
		{name: "broken html still reads", id: "text.html_extract", in: map[string]any{"html": "<p>one<p>two</div>",
			"selectors": map[string]any{"p": "p"}, "all": true}, want: nodes.Out{"data": map[string]any{"p": []any{"one", "two"}}}},
		{name: "bad selector", id: "text.html_extract", in: map[string]any{"html": "<p/>", "selectors": map[string]any{"x": "p[["}},
			errPort: "selectors", errHas: `key "x": invalid CSS selector`},
		{name: "no selectors", id: "text.html_extract", in: map[string]any{"html": "<p/>", "selectors": map[string]any{}}, errPort: "selectors"},
		{name: "selector not text", id: "text.html_extract", in: map[string]any{"html": "<p/>", "selectors": map[string]any{"x": 1.0}},
			errPort: "selectors", errHas: `key "x": expected a CSS selector`},
		{name: "attribute without selector", id: "text.html_extract", in: map[string]any{"html": "<p/>", "selectors": map[string]any{"x": "@href"}},
			errPort: "selectors", errHas: "selector @attribute"},
		{name: "bad value", id: "text.html_extract", in: map[string]any{"html": "<p/>", "selectors": map[string]any{"x": "p"}, "value": "xml"}, errPort: "value"},
		{name: "too large", id: "text.html_extract", in: map[string]any{"html": strings.Repeat("a", maxHTMLBytes+1), "selectors": map[string]any{"x": "p"}}, errPort: "html"},
	}
}

func TestHTMLExtract(t *testing.T) { runCases(t, htmlCases()) }

// FuzzExtractHTML feeds arbitrary documents and selectors: bad selectors are input errors,
// and any document is read without panicking.
func FuzzExtractHTML(f *testing.F) {
	for _, s := range [][2]string{{shopPage, "a @href"}, {"<p>x", "p"}, {"<<>>", "div > p:nth-child(2)"}, {"", "["}, {"<a b=c>", "a @b"}} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, doc, selector string, all bool) {
		exts, err := parseExtractions(map[string]any{"k": selector})
		if err != nil {
			if _, ok := err.(*nodes.InputError); !ok {
				t.Fatalf("selector %q: error %v is not an input error", selector, err)
			}
			return
		}
		data, err := ExtractHTML(context.Background(), doc, exts, all, false)
		if err != nil {
			t.Fatalf("ExtractHTML(%q, %q): %v", doc, selector, err)
		}
		if _, ok := data["k"]; !ok {
			t.Fatalf("no value for the key: %#v", data)
		}
	})
}
