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
