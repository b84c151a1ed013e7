package jinja

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// fuzzLimits keep each fuzz input fast; the guards are the same as with the defaults.
var fuzzLimits = limits{output: 1 << 20, work: 8 << 20, steps: 20_000, depth: maxDepth, loads: 16}

var fuzzTemplates = map[string]string{
	"base":   "<{% block a %}A{% endblock %}|{% block b %}{% endblock %}>",
	"macros": "{% macro m(x, y=1) %}{{ x }}{{ caller() if caller is defined }}{% endmacro %}",
	"loop":   `{% include "loop" %}`,
	"child":  `{% extends "base" %}{% block a %}{{ super() }}{{ self.b() }}{% endblock %}`,
}

// FuzzTemplate renders random templates over random JSON contexts: rendering must never
// crash (errors are fine), and a successful render respects the output limit.
func FuzzTemplate(f *testing.F) {
	for _, seed := range [][2]string{
		{"Hello {{ name }}!", `{"name": "Ada"}`},
		{"{% for x in xs %}{{ loop.index }}:{{ x * 2 }}{% endfor %}", `{"xs": [1, 2.5, "a"]}`},
		{`{% extends "child" %}{% block b %}B{% endblock %}`, `{}`},
		{`{% from "macros" import m %}{% call m(1) %}c{% endcall %}`, `{}`},
		{`{% include "loop" %}`, `{}`},
		{"{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", `{}`},
		{"{{ 'x' * n }}{{ s ~ s }}{{ l + l }}", `{"n": 1000000000, "s": "ab", "l": [1]}`},
		{"{% set ns = namespace(a=[]) %}{% for i in range(3) %}{% set ns.a = ns.a + [ns.a] %}{% endfor %}{{ ns.a }}", `{}`},
		{"{{ d | dictsort | map(attribute='1') | join(',') }} {{ d.items() | list }}", `{"d": {"b": 2, "a": 1}}`},
		{"{{ '{:>10}'.format(x) }}{{ x | center(7) }}{{ '%5d' | format(3) }}", `{"x": "ab"}`},
		{"{{ 1 / 0 }}{{ 1 // 0 }}{{ [][0] }}{{ none.x }}", `{}`},
		{"{% if a is defined and a > 1 %}{{ a|round(1) }}{% elif b %}{{ b|first }}{% else %}-{% endif %}", `{"a": 2.345}`},
		{"{% filter upper %}{% set c %}{{ 'x' }}{% endset %}{{ c * 3 }}{% endfilter %}", `{}`},
		{"{{ range(5)|batch(2)|list }} {{ 'a b c'.split()|reverse|join }} {{ [3,1,2]|sort|first }}", `{}`},
		{"{% for k, v in {'a': 1}.items() recursive %}{{ k }}{{ loop(v) if v is mapping }}{% endfor %}", `{}`},
		{"{{ lipsum(2, false, 5, 10)|wordcount > 0 }}{{ cycler('a','b').next() }}{{ joiner(',')() }}", `{}`},
		{"{% with a = 1 %}{{ a }}{% endwith %}{% do [].append(1) %}{% trans %}t{% endtrans %}", `{}`},
		{"{{ (((((1))))) }}{{ -x }}{{ not x }}{{ x is even }}{{ x in [1] }}", `{"x": 1}`},
		{"{% set l = [] %}{% for x in xs %}{% do l.append(x) %}{% do l.append(l[0:1]) %}{% endfor %}{{ l }}{{ l|pprint }}", `{"xs": [1, [2]]}`},
		{"{% set d = {'l': []} %}{% do d.update(o) %}{% do d.l.append(d.l) %}{{ d.pop('k', 0) }}{{ d }}", `{"o": {"k": [1]}}`},
		{"{{ s[0] }}{{ s[-1] }}{{ s|reverse }}{{ l[-2] }}{{ 7 // -2 }}{{ -7 % 3 }}", `{"s": "ßé👍🏽", "l": [1, 2]}`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, src, contextJSON string) {
		var data map[string]any
		_ = json.Unmarshal([]byte(contextJSON), &data)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := render(ctx, src, data, fuzzTemplates, RenderOptions{Strict: len(src)%2 == 0, AutoEscape: len(src)%3 == 0}, fuzzLimits)
		if err == nil && int64(len(out)) > fuzzLimits.output {
			t.Fatalf("output of %d bytes passed the %d-byte limit", len(out), fuzzLimits.output)
		}
		if err != nil && out != "" {
			t.Fatalf("failed render returned output %q", out)
		}
	})
}
