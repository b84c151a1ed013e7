package text

import (
	"context"
	"errors"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/text/jinja"
)

var named = map[string]string{
	"base.html": "<title>{% block title %}Site{% endblock %}</title><main>{% block body %}{% endblock %}</main>",
	"footer":    "-- {{ company }}",
	"macros":    `{% macro button(label, kind="primary") %}<button class="{{ kind }}">{{ label }}</button>{% endmacro %}`,
	"self":      `{% include "self" %}`,
	"ping":      `{% extends "pong" %}`,
	"pong":      `{% extends "ping" %}`,
	"broken":    "line one\n{{ oops( }}",
	"grand":     `{% extends "base.html" %}{% block body %}[{{ super() }}grand]{% endblock %}`,
}

// bigLiteral is a list literal that prints as 70 MB while holding one 1 MB string.
var bigList, bigLiteral = "{% set s = 'x' * 1000000 %}", "[" + strings.TrimSuffix(strings.Repeat("s,", 70), ",") + "]"

func tpl(name, src string, context map[string]any, want string) nodeCase {
	in := map[string]any{"template": src}
	if context != nil {
		in["context"] = context
	}
	return nodeCase{name: name, id: "text.template", in: in, templates: named, want: txt(want)}
}

func tplErr(name, src, port, has string) nodeCase {
	return nodeCase{name: name, id: "text.template", in: map[string]any{"template": src}, templates: named, errPort: port, errHas: has}
}

func templateCases() []nodeCase {
	order := map[string]any{"user": map[string]any{"name": "ada"}, "orders": []any{map[string]any{"id": 1.0, "total": 9.5}, map[string]any{"id": 2.0, "total": 20.0}}}
	return []nodeCase{
		tpl("variables and loop", "Hello {{ user.name | capitalize }}! {% for o in orders %}#{{ o.id }}={{ o.total }} {% endfor %}", order, "Hello Ada! #1=9.5 #2=20 "),
		tpl("division is Jinja's", "{{ n / 2 }} {{ n // 2 }} {{ 7 / 2 }} {{ (n / 2) | int }}", map[string]any{"n": 4.0}, "2.0 2 3.5 2"),
		tpl("whole numbers print as integers", "{{ n }} {{ n + 1 }} {{ f * 2 }} {{ big }}", map[string]any{"n": 3.0, "f": 1.25, "big": 1e20}, "3 4 2.5 1e+20"),
		tpl("filters", "{{ items | join(', ') }}|{{ name | upper }}|{{ missing | default('n/a') }}|{{ items | length }}", map[string]any{"items": []any{"a", "b"}, "name": "x"}, "a, b|X|n/a|2"),
		tpl("conditions and loop variables", "{% for i in range(3) %}{% if loop.first %}[{% endif %}{{ i }}{% if not loop.last %},{% else %}]{% endif %}{% endfor %}", nil, "[0,1,2]"),
		tpl("set, namespace, macros", "{% set ns = namespace(total=0) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% endfor %}{% macro sq(v) %}{{ v * v }}{% endmacro %}{{ ns.total }} {{ sq(ns.total) }}", nil, "6 36"),
		tpl("string operators", "{{ 'ab' * 3 }} {{ 'x' ~ 1 ~ 'y' }} {{ [1] + [2] }} {{ 7 % 3 }} {{ 'a' * -2 }}.", nil, "ababab x1y [1, 2] 1 ."),
		tpl("whitespace control", "{% for x in [1, 2] -%}\n  {{ x }}\n{%- endfor %}", nil, "12"),
		tpl("raw", "{% raw %}{{ kept }}{% endraw %}", nil, "{{ kept }}"),
		tpl("extends", `{% extends "base.html" %}{% block title %}Home · {{ super() }}{% endblock %}{% block body %}Hi{% endblock %}`, nil, "<title>Home · Site</title><main>Hi</main>"),
		tpl("two levels of extends", `{% extends "grand" %}{% block title %}T{% endblock %}`, nil, "<title>T</title><main>[grand]</main>"),
		tpl("include sees variables", `{% include "footer" %}`, map[string]any{"company": "Acme"}, "-- Acme"),
		tpl("include ignore missing", `a{% include "nope" ignore missing %}b`, nil, "ab"),
		tpl("from import", `{% from "macros" import button %}{{ button("Save") }}`, nil, `<button class="primary">Save</button>`),
		tpl("import as", `{% import "macros" as ui %}{{ ui.button("Del", kind="danger") }}`, nil, `<button class="danger">Del</button>`),
		{name: "variables override context", id: "text.template", templates: named,
			in:   map[string]any{"template": "{{ a }}-{{ b }}", "context": map[string]any{"a": "ctx", "b": "ctx"}, "variables": map[string]any{"b": "row"}},
			want: txt("ctx-row")},
		{name: "autoescape", id: "text.template", templates: named,
			in:   map[string]any{"template": "{{ s }} {{ s | safe }}", "context": map[string]any{"s": "<b>"}, "autoescape": true},
			want: txt("&lt;b&gt; <b>")},
		{name: "no named templates", id: "text.template", in: map[string]any{"template": "{{ 1 + 1 }}"}, want: txt("2")},

		tplErr("syntax error has a line", "ok\n{{ foo( }}", "template", "line 2, column 9"),
		tplErr("bad tag has a line", "a\nb\n{% if %}x{% endif %}", "template", "line 3"),
		tplErr("unknown tag", "{% frobnicate %}", "template", "frobnicate"),
		tplErr("unclosed block", "{% for x in y %}", "template", "endfor"),
		tplErr("extends unknown", `{% extends "nope.html" %}`, "template", `"nope.html"`),
		tplErr("include unknown", `{% include "missing" %}`, "template", `"missing"`),
		tplErr("import unknown macro", `{% from "macros" import nothing %}`, "template", `no macro "nothing"`),
		tplErr("syntax error in a named template", `{% include "broken" %}`, "template", `template "broken", line 2`),
		tplErr("strict undefined", "{{ nobody.name }}", "template", "nobody"),
		tplErr("read of undefined names the path and line", "Dear\n{{ order.customer.name }}", "template", "line 2: cannot read .customer: order is undefined"),
		tplErr("recursive include", `{% include "self" %}`, "template", "levels deep"),
		tplErr("recursive extends", `{% extends "ping" %}`, "template", "templates"),
		tplErr("recursive macro", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "template", "levels deep"),
		tplErr("recursive macro default", "{% macro f(x=f()) %}{% endmacro %}{{ f() }}", "template", "levels deep"),
		tplErr("string bomb", "{{ 'a' * 100000000000 }}", "template", "repeating"),
		tplErr("doubling", "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ d('x', 60) }}", "template", "larger than"),
		tplErr("range", "{% for i in range(10**9) %}{% endfor %}", "template", "range"),
		tplErr("modulo by zero", "{{ 1 % 0 }}", "template", "modulo by zero"),
		tplErr("center filter", "{{ 'x' | center(1000000000) }}", "template", "center"),
		tplErr("indent filter", "{{ 'a\nb' | indent(100000000) }}", "template", "indent"),
		tplErr("join bomb", "{{ range(100000) | join('x' * 1000) }}", "template", "join"),
		tplErr("ljust method", "{{ 'x'.ljust(1000000000) }}", "template", "ljust"),
		tplErr("format width", "{{ '{:>99999999999}'.format(1) }}", "template", "format"),
		tplErr("replace bomb", "{{ ('a' * 100000) | replace('a', 'b' * 1000) }}", "template", "replace"),
		tplErr("printed list of big strings", "{% set s = 'x' * 1000000 %}{{ [s, s, s, s, s, s, s, s, s, s] }}", "template", "printed value"),
		tplErr("output cap", "{% for i in range(9000) %}{{ 'x' * 1000 }}{% endfor %}", "template", "output is larger"),
		tplErr("deep brackets", "{{ "+strings.Repeat("(", 100)+"1"+strings.Repeat(")", 100)+" }}", "template", "nested more than"),
		tplErr("deep tags", strings.Repeat("{% if 1 %}", 100)+strings.Repeat("{% endif %}", 100), "template", "nested more than"),
		tplErr("long expression", "{{ 1"+strings.Repeat(" + 1", 5000)+" }}", "template", "tokens"),
		tplErr("huge template", strings.Repeat("x", jinja.MaxTemplateBytes+1), "template", "bytes"),
		tplErr("lipsum", "{{ lipsum(100000) }}", "template", "lipsum"),
		tplErr("set doubling", "{% set ns = namespace(a=[1]) %}{% for i in range(60) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}", "template", "set: ns.a"),
		tplErr("compare big values", bigList+"{{ "+bigLiteral+" == [1] }}", "template", "compared value"),
		tplErr("test on big values", bigList+"{{ "+bigLiteral+" is eq(1) }}", "template", "test eq"),
		tplErr("filter on big values", bigList+"{{ ["+bigLiteral+"] | sort }}", "template", "filter sort"),
		tplErr("filter argument", bigList+"{{ [1, 2] | join("+bigLiteral+") }}", "template", "argument"),
		tpl("divisible by zero is false", "{{ 4 is divisibleby(0) }}", nil, "False"),
		{name: "bad context", id: "text.template", in: map[string]any{"template": "x", "context": "a=1"}, errPort: "context"},
		{name: "bad variables", id: "text.template", in: map[string]any{"template": "x", "variables": []any{"a"}}, errPort: "variables"},
	}
}

func TestTemplate(t *testing.T) {
	cases := templateCases()
	for i := range cases {
		if cases[i].name == "strict undefined" {
			cases[i].in["strict"] = true
		}
	}
	runCases(t, cases)
}

func TestTemplateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	typ, _ := registry(t).Lookup("text.template")
	_, err := run(ctx, typ, map[string]any{"template": "{% for i in range(10) %}{{ i }}{% endfor %}"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want a cancellation error, got %v", err)
	}
	var ie *nodes.InputError
	if errors.As(err, &ie) {
		t.Fatalf("a cancellation must not be reported as bad input: %v", err)
	}
}
