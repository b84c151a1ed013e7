package text

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"polysynergy/shared/nodes"
)

// maxMarkdownBytes bounds the Markdown a node converts.
const maxMarkdownBytes = 8 << 20

func markdownType() *nodes.Type {
	return &nodes.Type{
		ID: "text.markdown_to_html", Category: category, Name: "Markdown to HTML", Icon: "file-text",
		Doc: "Converts Markdown (CommonMark with GitHub extensions: tables, strikethrough, task lists, autolinks) " +
			"to HTML. Safe by default: HTML written inside the Markdown is shown as text (escaped) and links to " +
			"`javascript:` and similar URLs are dropped. Set `allow_html` only for trusted Markdown: raw HTML (scripts " +
			"included) and every link URL are then passed through unchanged. " +
			"`hard_wraps` turns single line breaks into `<br>`. Markdown over 8 MB, or with block quotes and lists nested more " +
			"than 100 levels deep, fails the node.\n\n**Outputs**: `html`.\n\n" +
			"**Example**: `# Hi\\n\\n**bold** <b>x</b>` → `<h1>Hi</h1>\\n<p><strong>bold</strong> &lt;b&gt;x&lt;/b&gt;</p>`.",
		Inputs: []nodes.Port{
			{Name: "markdown", Type: nodes.String, Editor: nodes.EditCode, Doc: "The Markdown source."},
			{Name: "allow_html", Type: nodes.Boolean, Default: false, Doc: "Pass raw HTML through instead of escaping it."},
			{Name: "hard_wraps", Type: nodes.Boolean, Default: false, Doc: "Render single line breaks as <br>."},
		},
		Outputs: []nodes.Port{{Name: "html", Type: nodes.String, Doc: "The HTML."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			src := c.Str("markdown")
			if len(src) > maxMarkdownBytes {
				return nil, nodes.Errorf("markdown", "is %d bytes, more than the %d allowed", len(src), maxMarkdownBytes)
			}
			if err := markdownNesting(src); err != nil {
				return nil, nodes.Errorf("markdown", "%v", err)
			}
			out, err := markdownToHTML(src, c.Bool("allow_html"), c.Bool("hard_wraps"))
			if err != nil {
				return nil, nodes.Errorf("markdown", "%v", err)
			}
			return nodes.Out{"html": out}, nil
		},
	}
}

// maxMarkdownNesting bounds how deep block quotes and lists nest: goldmark's work grows with
// the square of the depth, so 200,000 '>' on one line took 13 s and as many '- ' did not
// finish in two minutes, a node no timeout can stop.
const maxMarkdownNesting = 100

// markdownNesting refuses Markdown whose lines sit in more than maxMarkdownNesting block
// quotes and list items: the markers opening a line ('>', '-', '*', '+', '1.', '1)'), plus
// one level for every two columns of indentation among them (nested lists indent by two).
func markdownNesting(src string) error {
	for n, line := range strings.Split(src, "\n") {
		depth, cols := 0, 0
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == ' ':
				cols++
				i++
				continue
			case c == '\t':
				cols += 4
				i++
				continue
			case c == '>':
				i++
			case c == '-' || c == '*' || c == '+':
				if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
					i = len(line)
					continue
				}
				i++
			case c >= '0' && c <= '9':
				j := i
				for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
					j++
				}
				if j >= len(line) || (line[j] != '.' && line[j] != ')') || (j+1 < len(line) && line[j+1] != ' ' && line[j+1] != '\t') {
					i = len(line)
					continue
				}
				i = j + 1
			default:
				i = len(line)
				continue
			}
			if i < len(line) && line[i] == ' ' {
				i++ // the space after a marker belongs to it
			}
			depth++
			if depth+cols/2 > maxMarkdownNesting {
				return fmt.Errorf("line %d nests block quotes and lists more than %d levels deep", n+1, maxMarkdownNesting)
			}
		}
	}
	return nil
}

func markdownToHTML(src string, allowHTML, hardWraps bool) (string, error) {
	var ropts []renderer.Option
	if allowHTML {
		ropts = append(ropts, ghtml.WithUnsafe())
	} else {
		ropts = append(ropts, renderer.WithNodeRenderers(util.Prioritized(escapeRaw{}, 10)))
	}
	if hardWraps {
		ropts = append(ropts, ghtml.WithHardWraps())
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(ropts...))
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// escapeRaw (registered with a lower priority number than goldmark's HTML renderer, so it
// wins for its node kinds) renders raw HTML (inline and blocks) as escaped text instead of dropping it.
type escapeRaw struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (escapeRaw) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		b := n.(*ast.HTMLBlock)
		if entering {
			var raw bytes.Buffer
			lines := b.Lines()
			for i := 0; i < lines.Len(); i++ {
				line := lines.At(i)
				raw.Write(line.Value(source))
			}
			if b.HasClosure() {
				raw.Write(b.ClosureLine.Value(source))
			}
			_, _ = w.WriteString("<p>" + html.EscapeString(strings.TrimRight(raw.String(), "\r\n")) + "</p>\n")
		}
		return ast.WalkContinue, nil
	})
}
