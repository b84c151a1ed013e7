// Package text holds the text node family: Jinja templates (text.template, rendered by
// the sandboxed renderer of package jinja), string utilities (split, join, replace, case, trim, pad,
// truncate, slugify…), regular expressions (match, extract, replace), Markdown to HTML and
// extracting values from HTML with CSS selectors.
package text

import (
	"context"
	"errors"
	"strings"

	"polysynergy/shared/nodes"
)

const category = "Text"

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	var all []*nodes.Type
	all = append(all, templateType())
	all = append(all, stringTypes()...)
	all = append(all, regexTypes()...)
	all = append(all, markdownType(), htmlExtractType())
	return r.Register(all...)
}

// textIn is the usual `text` input.
func textIn(doc string) nodes.Port {
	return nodes.Port{Name: "text", Type: nodes.String, Doc: doc}
}

// textOut is the usual `text` output.
func textOut(doc string) nodes.Port {
	return nodes.Port{Name: "text", Type: nodes.String, Doc: doc}
}

// branchPorts are the outputs of nodes that choose a path by a test.
func branchPorts(carry string) []nodes.Port {
	return []nodes.Port{
		{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the test holds; carries " + carry + "."},
		{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true,
			Doc: "Live when the test does not hold; carries " + carry + " (or the error object if the node fails)."},
	}
}

// branch returns outputs with the path chosen by ok carrying v.
func branch(out nodes.Out, ok bool, v any) nodes.Out {
	if ok {
		out[nodes.PortTruePath] = v
	} else {
		out[nodes.PortFalsePath] = v
	}
	return out
}

// flatten returns a Multi list input with nested lists flattened one level: a single
// connection carrying a list arrives as [list], several connections as [a, b, …].
func flatten(c *nodes.Call, name string) []any {
	v := c.Get(name)
	if v == nil {
		return nil
	}
	l, ok := nodes.ToList(v)
	if !ok {
		return []any{v}
	}
	var out []any
	for _, e := range l {
		if inner, ok := e.([]any); ok {
			out = append(out, inner...)
			continue
		}
		out = append(out, e)
	}
	return out
}

// option checks a select input against its options.
func option(c *nodes.Call, name string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(c.Str(name)))
	p, _ := c.Type.Input(name)
	if p == nil {
		return v, nil
	}
	if v == "" {
		if d, ok := p.Default.(string); ok {
			return d, nil
		}
	}
	for _, o := range p.Options {
		if o == v {
			return v, nil
		}
	}
	return "", nodes.Errorf(name, "must be one of %s, not %q", strings.Join(p.Options, ", "), c.Str(name))
}

// isContextErr reports a cancellation or deadline, which the engine reports itself.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
