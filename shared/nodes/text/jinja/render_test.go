package jinja

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestErrors checks the error types and that messages carry no trace of the instrumentation.
func TestErrors(t *testing.T) {
	tpls := map[string]string{"bad": "ok\n{% for %}", "base": "{% block b %}{% endblock %}"}
	for _, tc := range []struct {
		name, src string
		check     func(error) string // "" when the error is right
	}{
		{"syntax", "a\n{{ 1 + }}", func(err error) string {
			var se *SourceError
			if !errors.As(err, &se) || se.Line != 2 || se.Column == 0 || se.Template != "" {
				return "want a SourceError at line 2 with a column"
			}
			return ""
		}},
		{"syntax in named template", `{% include "bad" %}`, func(err error) string {
			var se *SourceError
			if !errors.As(err, &se) || se.Template != "bad" || se.Line != 2 {
				return `want a SourceError in "bad" at line 2`
			}
			return ""
		}},
		{"missing", `{% extends "nope" %}`, func(err error) string {
			var me *MissingTemplateError
			if !errors.As(err, &me) || me.Name != "nope" {
				return `want a MissingTemplateError for "nope"`
			}
			return ""
		}},
		{"limit", "{{ 'x' * 10000000000 }}", func(err error) string {
			var le *LimitError
			if !errors.As(err, &le) {
				return "want a LimitError"
			}
			return ""
		}},
		{"clean runtime message", "{{ 'a' ~ x.y ~ 'b' }}", func(err error) string {
			msg := err.Error()
			if strings.ContainsAny(msg, "\x00") || strings.Contains(msg, "filtered_expression") || !strings.Contains(msg, "x.y") {
				return "message shows the instrumentation or misses the expression"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(context.Background(), tc.src, nil, tpls, RenderOptions{Strict: true})
			if err == nil {
				t.Fatal("want an error")
			}
			if problem := tc.check(err); problem != "" {
				t.Fatalf("%s; got %T: %v", problem, err, err)
			}
		})
	}
}

// TestLimits checks the step, depth, work and load budgets with small limits.
func TestLimits(t *testing.T) {
	small := limits{output: 1000, work: 5000, steps: 100, depth: 8, loads: 3}
	for _, tc := range []struct {
		name, src string
		want      string // error text; "" for success
	}{
		{"within budget", "{% for i in range(50) %}.{% endfor %}", ""},
		{"steps", "{% for i in range(20) %}{% for j in range(20) %}{% endfor %}{% endfor %}", "loop iterations"},
		{"depth", "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(20) }}", "levels deep"},
		{"shallow recursion", "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(2) }}", ""},
		{"output", "{% for i in range(60) %}{{ 'x' * 20 }}{% endfor %}", "output is larger than 1000"},
		{"captured work", "{% for i in range(40) %}{% set s %}{{ 'y' * 200 }}{% endset %}{% endfor %}", "in total"},
		{"loads", `{% include "a" %}{% include "b" %}{% include "c" %}`, "more than 3 templates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpls := map[string]string{"a": "a", "b": "b", "c": "c"}
			out, err := render(context.Background(), tc.src, nil, tpls, RenderOptions{}, small)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a limit error about %q, got %v (output %d bytes)", tc.want, err, len(out))
			}
		})
	}
}

func TestRenderDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := Render(ctx, "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", nil, nil, RenderOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the deadline to stop the render, got %v", err)
	}
}

// TestIsolation checks that renders do not share state: a template cannot change
// the shared environment, and inputs are not mutated.
func TestIsolation(t *testing.T) {
	data := map[string]any{"items": []any{1.0, 2.0}, "m": map[string]any{"k": "v"}}
	for i := range 3 {
		out, err := Render(context.Background(), "{% set range = 5 %}{% do m.update({'x': 1}) %}{% do items.append(3) %}{{ m.k }}", data, nil, RenderOptions{})
		if err != nil || out != "v" {
			t.Fatalf("render %d: %q, %v", i, out, err)
		}
		out, err = Render(context.Background(), "{{ range(3)|list|length }}", nil, nil, RenderOptions{})
		if err != nil || out != "3" {
			t.Fatalf("range after a template shadowed it: %q, %v", out, err)
		}
	}
	if len(data["m"].(map[string]any)) != 1 || len(data["items"].([]any)) != 2 {
		t.Fatalf("inputs changed: %v", data)
	}
}

func BenchmarkRender(b *testing.B) {
	rows := make([]any, 200)
	for i := range rows {
		rows[i] = map[string]any{"id": float64(i), "name": fmt.Sprintf("item %d", i), "price": float64(i) * 1.25}
	}
	src := `<table>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.name | title }}</td><td>{{ "%.2f" | format(r.price) }}</td></tr>{% endfor %}</table>`
	data := map[string]any{"rows": rows}
	for b.Loop() {
		if _, err := Render(context.Background(), src, data, nil, RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Reading through an undefined or null value fails with a message naming the path that was
// undefined and its line, like the flow expressions' messages, not gonja's "Can't use
// Getitem on None"; a read that succeeds is unchanged.
func TestUndefinedReadMessages(t *testing.T) {
	data := map[string]any{
		"user":  map[string]any{"name": "Ada", "address": nil, "tags": []any{"x"}},
		"items": []any{map[string]any{"id": 1.0}},
		"empty": nil,
	}
	tpls := map[string]string{"card": "Name: {{ user.name }}\n{{ user.profile.bio }}"}
	for _, tc := range []struct {
		src    string
		strict bool
		want   string
	}{
		{src: "{{ nobody.name }}", want: "line 1: cannot read .name: nobody is undefined"},
		{src: "a\n\n{{ nobody.name.first }}", want: "line 3: cannot read .name: nobody is undefined"},
		{src: "{{ empty.x }}", want: "line 1: cannot read .x: empty is null"},
		{src: "{{ user.nope.x }}", want: `line 1: cannot read .x: user.nope is undefined (user has no field "nope"; it has address, name, tags)`},
		{src: "{{ user.address.city }}", want: "line 1: cannot read .city: user.address is null"},
		{src: "{{ user.address.city }}", strict: true, want: "line 1: cannot read .city: user.address is null"},
		{src: "{{ user['nope']['x'] }}", want: `line 1: cannot read ['x']: user['nope'] is undefined (user has no field "nope"; it has address, name, tags)`},
		{src: "one\ntwo {{ items[5].id }}", want: "line 2: cannot read .id: items[5] is undefined (items has 1 item)"},
		{src: "{{ user.tags[3].x }}", want: "line 1: cannot read .x: user.tags[3] is undefined (user.tags has 1 item)"},
		{src: "{% for i in items %}\n{{ i.x.y }}{% endfor %}", want: `line 2: cannot read .y: i.x is undefined (i has no field "x"; it has id)`},
		{src: "{% if user.nope.x %}y{% endif %}", want: `line 1: cannot read .x: user.nope is undefined (user has no field "nope"; it has address, name, tags)`},
		{src: "{{ nobody[0] }}", want: "line 1: cannot read [0]: nobody is undefined"},
		{src: "{{ 'a' ~ user.nope.x | upper }}", want: `line 1: cannot read .x: user.nope is undefined`},
		{src: "x\n{% include 'card' %}", want: `template "card", line 2: cannot read .bio: user.profile is undefined`},
	} {
		_, err := Render(context.Background(), tc.src, data, tpls, RenderOptions{Strict: tc.strict})
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.src, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q (strict %v):\n got %q\nwant %q", tc.src, tc.strict, err, tc.want)
		}
		var ue *UndefinedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: error is %T, want an *UndefinedError", tc.src, err)
		}
	}
	// reads that succeed, and the default filter on a missing field, are unchanged
	for src, want := range map[string]string{
		"{{ user.name }}|{{ user.nope }}|{{ user.address }}|{{ items[0].id }}": "Ada|||1",
		"{{ user.nope | default('-') }}{{ (user.nope or {}).x }}":              "-",
		"{% set ns = namespace(n=1) %}{% set ns.n = ns.n + 1 %}{{ ns.n }}":     "2",
		"{{ user.name.upper() }}": "ADA",
	} {
		got, err := Render(context.Background(), src, data, tpls, RenderOptions{})
		if err != nil || got != want {
			t.Errorf("%q = %q, %v; want %q", src, got, err, want)
		}
	}
}
