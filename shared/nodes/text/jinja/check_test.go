package jinja

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Check reports what a render reports about the template's own syntax, with its line and
// column, and nothing for templates that parse, also when they extend, include or import
// named templates it does not know.
func TestCheck(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"Hello {{ name }}", ""},
		{`{% extends "base" %}{% block a %}{{ super() }}{% endblock %}`, ""},
		{`{% include "footer" %}{% from "macros" import button %}{{ button() }}{% import "m" as m %}`, ""},
		{"line one\n{% for x in xs %}{{ x }}", "line 2, column 25: Unexpected EOF, expected tag else or endfor."},
		{"{{ user.name }", `line 1, column 15: Unexpected delimiter "}"`},
		{"ab\nçé {# x", "line 2, column 4: comment {# is not closed with #}"},
		{"{{ x }}\n{{ 'abc }}\nmore", "line 2, column 4: string starting ' is not closed"},
		{"{% if %}x{% endif %}", ""},
		{"{{ a + }}", ""},
		{"{% frobnicate %}", ""},
		{"{% extends %}", ""},
	} {
		err := Check(tc.src)
		_, rerr := Render(context.Background(), tc.src, nil, nil, RenderOptions{})
		var se *SourceError
		isSyntax := errors.As(rerr, &se)
		if tc.want == "" && err == nil {
			if isSyntax {
				t.Errorf("%q: Check found nothing, Render: %v", tc.src, rerr)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: Check found nothing; want %q", tc.src, tc.want)
			continue
		}
		if !errors.As(err, &se) || se.Line == 0 {
			t.Errorf("%q: %T %v, want a *SourceError with a line", tc.src, err, err)
		}
		if tc.want != "" && err.Error() != tc.want {
			t.Errorf("%q: %q, want %q", tc.src, err, tc.want)
		}
		if rerr == nil || rerr.Error() != err.Error() {
			t.Errorf("%q: Check says %q, Render %v", tc.src, err, rerr)
		}
	}
}

// FuzzCheck: Check never panics, and a template it passes never fails to render for its own
// syntax, while one it refuses fails to render, with the same message when the render gets
// as far.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		"Hello {{ name }}!", "{% for x in xs %}{{ x }}", "{{ a + }}", "{% if a %}{% elif %}{% endif %}",
		`{% extends "base" %}{% block a %}A{% endblock %}`, `{% include "nope" ignore missing %}`,
		`{% from "macros" import m %}{% call m(1) %}c{% endcall %}`, "{% macro f(n) %}{{ f(n) }}{% endmacro %}",
		"{% set x %}a{% endset %}{{ x }", "{{ '%5d' | format(3) }}{# comment", "{% raw %}{{ x }}{% endraw %}",
		"{{ ((((((((((((1)))))))))))) }}", "{% with a = 1 %}{{ a }}", "{% endfor %}", "\n\n  {{ x |  }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		err := check(src, fuzzLimits)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, rerr := render(ctx, src, nil, nil, RenderOptions{}, fuzzLimits)
		var cse, rse *SourceError
		if err == nil {
			if errors.As(rerr, &rse) && rse.Template == "" {
				t.Fatalf("Check passed %q; Render: %v", src, rerr)
			}
			return
		}
		if !errors.As(err, &cse) {
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("Check(%q): %T %v", src, err, err)
			}
		}
		// a render may stop earlier, at a named template it does not have (extends loads it
		// while parsing); a syntax error it reports in the template is Check's
		if rerr == nil || (errors.As(rerr, &rse) && rse.Template == "" && rerr.Error() != err.Error()) {
			t.Fatalf("Check(%q) = %v; Render: %v", src, err, rerr)
		}
	})
}
