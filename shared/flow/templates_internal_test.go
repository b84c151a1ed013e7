package flow

import (
	"slices"
	"testing"
)

// jinjaNames finds the names a template reads at its roots, and the names it binds, from
// the tags alone: attributes, filters, tests, strings, numbers and Jinja's own words are not
// reads.
func TestJinjaNames(t *testing.T) {
	for _, tc := range []struct {
		src          string
		reads, bound []string
	}{
		{"Hi {{ start.input.name | upper }}!", []string{"start"}, nil},
		{"{{ user['name'] ~ 'start' }} {{ 1.5 + n }}", []string{"user", "n"}, nil},
		{"{% if order.total is defined and not flag %}{{ order.total|round(2) }}{% endif %}", []string{"order", "flag"}, nil},
		{"{% for a, b in pairs %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}", []string{"a", "b", "pairs"}, []string{"a", "b"}},
		{"{% set total = price * qty %}{{ total }}", []string{"total", "price", "qty"}, []string{"total"}},
		{"{% macro row(label, value=1) %}{{ label }}{% endmacro %}{{ row(x) }}", []string{"row", "label", "value", "x"}, []string{"row", "label", "value"}},
		{`{% from "m" import button, card as c %}{% import "n" as forms %}{{ c() }}`, []string{"button", "card", "c", "forms"}, []string{"button", "c", "forms"}},
		{"{%- with greeting = 'hi' -%}{{ greeting }}{%- endwith -%}", []string{"greeting"}, []string{"greeting"}},
		{"no tags at all {# {{ comment.x }} #}", nil, nil},
	} {
		reads, bound := jinjaNames(tc.src)
		if !slices.Equal(reads, tc.reads) {
			t.Errorf("%s: reads %v, want %v", tc.src, reads, tc.reads)
		}
		for _, b := range tc.bound {
			if !bound[b] {
				t.Errorf("%s: %q not bound (bound %v)", tc.src, b, bound)
			}
		}
		if len(bound) != len(tc.bound) {
			t.Errorf("%s: bound %v, want %v", tc.src, bound, tc.bound)
		}
	}
}
