package text

import (
	"context"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"polysynergy/shared/nodes"
)

// maxHTMLBytes bounds the HTML one node reads.
const maxHTMLBytes = 8 << 20

// extraction is one key's CSS selector, optionally reading an attribute ("a.next @href").
type extraction struct {
	key, selector, attr string
	sel                 goquery.Matcher
}

// parseExtractions reads {key: "selector [@attribute]"} into compiled selectors, by key.
func parseExtractions(v any) ([]extraction, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, nodes.Errorf("selectors", "expected an object of key → CSS selector, e.g. {\"title\": \"h1\", \"links\": \"a @href\"}, got %s", nodes.Describe(v))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]extraction, 0, len(keys))
	for _, k := range keys {
		s, ok := m[k].(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, nodes.Errorf("selectors", "key %q: expected a CSS selector, got %s", k, nodes.Describe(m[k]))
		}
		e := extraction{key: k, selector: strings.TrimSpace(s)}
		if i := strings.LastIndex(e.selector, "@"); i >= 0 && !strings.ContainsAny(e.selector[i:], "]\"'") {
			e.attr = strings.TrimSpace(e.selector[i+1:])
			e.selector = strings.TrimSpace(e.selector[:i])
			if e.attr == "" || e.selector == "" {
				return nil, nodes.Errorf("selectors", "key %q: write \"selector @attribute\", got %q", k, s)
			}
		}
		sel, err := cascadia.Compile(e.selector)
		if err != nil {
			return nil, nodes.Errorf("selectors", "key %q: invalid CSS selector %q: %v", k, e.selector, err)
		}
		e.sel = sel
		out = append(out, e)
	}
	return out, nil
}

func htmlExtractType() *nodes.Type {
	return &nodes.Type{
		ID: "text.html_extract", Category: category, Name: "Extract from HTML", Icon: "scan-search",
		Doc: "Reads values out of an HTML page with CSS selectors — for scraping a page fetched by an HTTP request.\n\n" +
			"**Inputs**\n\n- `html` — the page.\n- `selectors` — an object of key → CSS selector; end a selector with " +
			"` @name` to read that attribute instead of the text (`a.next @href`).\n- `all` — every match as a list " +
			"(default: the first match, or null when nothing matches).\n- `value` — `text` (the elements' text, " +
			"whitespace collapsed) or `html` (their inner HTML).\n\n**Outputs**\n\n- `data` — an object with a value " +
			"per key.\n\n**Example**: selectors `{\"title\": \"h1\", \"links\": \"nav a @href\"}` with `all` on → " +
			"`{\"title\": [\"Shop\"], \"links\": [\"/a\", \"/b\"]}`.",
		Inputs: []nodes.Port{
			{Name: "html", Type: nodes.String, Required: true, Editor: nodes.EditCode, Doc: "The HTML."},
			{Name: "selectors", Type: nodes.Object, Required: true, Editor: nodes.EditJSON,
				Doc: "Key → CSS selector (append ` @attribute` to read an attribute)."},
			{Name: "all", Type: nodes.Boolean, Default: false, Doc: "Return every match as a list instead of the first."},
			{Name: "value", Type: nodes.String, Default: "text", Options: []string{"text", "html"}, Editor: nodes.EditSelect,
				Doc: "Read the elements' text or their inner HTML (ignored for attributes)."},
		},
		Outputs: []nodes.Port{{Name: "data", Type: nodes.Object, Doc: "A value (or list) per key."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			src := c.Str("html")
			if len(src) > maxHTMLBytes {
				return nil, nodes.Errorf("html", "is %d bytes, more than the %d allowed", len(src), maxHTMLBytes)
			}
			mode := c.Str("value")
			switch mode {
			case "":
				mode = "text"
			case "text", "html":
			default:
				return nil, nodes.Errorf("value", "expected text or html, got %q", mode)
			}
			exts, err := parseExtractions(c.Get("selectors"))
			if err != nil {
				return nil, err
			}
			data, err := ExtractHTML(ctx, src, exts, c.Bool("all"), mode == "html")
			if err != nil {
				return nil, err
			}
			return nodes.Out{"data": data}, nil
		},
	}
}

// ExtractHTML reads each extraction's matches from the document: a list with all, else the
// first match (null when none).
func ExtractHTML(ctx context.Context, src string, exts []extraction, all, inner bool) (map[string]any, error) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(src))
	if err != nil {
		return nil, nodes.Errorf("html", "cannot read the HTML: %v", err)
	}
	data := make(map[string]any, len(exts))
	for _, e := range exts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var values []any
		doc.FindMatcher(e.sel).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			switch {
			case e.attr != "":
				if v, ok := s.Attr(e.attr); ok {
					values = append(values, v)
				} else if all {
					values = append(values, nil)
				}
			case inner:
				h, _ := s.Html()
				values = append(values, strings.TrimSpace(h))
			default:
				values = append(values, strings.Join(strings.Fields(s.Text()), " "))
			}
			return all || len(values) == 0
		})
		switch {
		case all:
			if values == nil {
				values = []any{}
			}
			data[e.key] = values
		case len(values) > 0:
			data[e.key] = values[0]
		default:
			data[e.key] = nil
		}
	}
	return data, nil
}
