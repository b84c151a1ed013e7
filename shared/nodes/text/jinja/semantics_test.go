package jinja

import (
	"context"
	"strings"
	"testing"
	"time"
)

// renderCase is a template with data and the text it must render to, as Jinja in Python would.
type renderCase struct {
	name, src string
	data      map[string]any
	want      string
}

func runRenderCases(t *testing.T, cases []renderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Render(context.Background(), tc.src, tc.data, nil, RenderOptions{Strict: true})
			if err != nil {
				t.Fatalf("render %q: %v", tc.src, err)
			}
			if out != tc.want {
				t.Fatalf("render %q = %q, want %q", tc.src, out, tc.want)
			}
		})
	}
}

// TestFullCaseMapping: upper, lower and capitalize map case as Python does ("ß".upper() is "SS").
func TestFullCaseMapping(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"upper filter", "{{ s|upper }}", map[string]any{"s": "straße"}, "STRASSE"},
		{"upper method", "{{ s.upper() }}", map[string]any{"s": "straße"}, "STRASSE"},
		{"lower filter final sigma", "{{ 'ΟΔΟΣ'|lower }}", nil, "οδος"},
		{"lower method", "{{ 'ΟΔΟΣ'.lower() }}", nil, "οδος"},
		{"capitalize filter", "{{ 'ßAB'|capitalize }}", nil, "Ssab"},
		{"upper of a number", "{{ 4|upper }}", nil, "4"},
	})
}

// TestListAppendInLoops: a list in a variable is one list in every scope, as in Python, so
// append inside a loop (or a macro) adds to it; gonja 2.9.1 dropped those appends silently.
func TestListAppendInLoops(t *testing.T) {
	xs := map[string]any{"xs": []any{"a", "b"}, "items": []any{1.0}}
	runRenderCases(t, []renderCase{
		{"append in a loop", "{% set l = [] %}{% for x in xs %}{% set _ = l.append(x) %}{% endfor %}{{ l }}", xs, "['a', 'b']"},
		{"do append in a loop, twice per round", "{% set l = [0] %}{% for x in xs %}{% do l.append(x) %}{% do l.append(x ~ x) %}{% endfor %}{{ l|join(',') }}", xs, "0,a,aa,b,bb"},
		{"nested loops", "{% set l = [] %}{% for x in xs %}{% for y in xs %}{% do l.append(x ~ y) %}{% endfor %}{% endfor %}{{ l|join(' ') }}", xs, "aa ab ba bb"},
		{"append in an if in a loop", "{% set l = [] %}{% for x in xs %}{% if x == 'b' %}{% do l.append(x) %}{% endif %}{% endfor %}{{ l }}", xs, "['b']"},
		{"append in a macro", "{% macro add(v) %}{% do l.append(v) %}{% endmacro %}{% set l = [] %}{{ add(1) }}{{ add(2) }}{{ l }}", nil, "[1, 2]"},
		{"a list passed to a macro", "{% macro add(to) %}{% do to.append(1) %}{% endmacro %}{% set l = [] %}{{ add(l) }}{{ l }}", nil, "[1]"},
		{"two names, one list", "{% set l = [] %}{% set m = l %}{% for x in xs %}{% do m.append(x) %}{% endfor %}{{ l }}", xs, "['a', 'b']"},
		{"data list in a loop", "{% for x in xs %}{% do items.append(x) %}{% endfor %}{{ items }}", xs, "[1, 'a', 'b']"},
		{"appended values are data", "{% set l = [] %}{% for x in xs %}{% do l.append({'k': x}) %}{% endfor %}{% do l.append(None) %}{{ l|tojson }}|{{ l|length }}", xs, `[{"k":"a"},{"k":"b"},null]|3`},
		{"filters read the list", "{% set l = [3, 1] %}{% do l.append(2) %}{{ l|sort|join }}|{{ l|first }}|{{ l[2] }}|{{ 2 in l }}|{{ l + [9] }}|{% for x in l %}{{ x }}{% endfor %}", nil, "123|3|2|True|[3, 1, 2, 9]|312"},
		{"reverse in place", "{% set l = [1, 2, 3] %}{% for x in xs %}{% endfor %}{% do l.reverse() %}{{ l }}", xs, "[3, 2, 1]"},
		{"set in a loop still does not leak", "{% set l = [] %}{% for x in xs %}{% set l = l + [x] %}{% endfor %}{{ l }}", xs, "[]"},
		{"namespace, the portable way", "{% set ns = namespace(l=[]) %}{% for x in xs %}{% set ns.l = ns.l + [x] %}{% endfor %}{{ ns.l }}", xs, "['a', 'b']"},
	})
}

// TestListAppendInContainers: lists a namespace, a dict or another list holds, and lists in
// the data, are changed in place too (gonja lost those appends everywhere, not only in loops).
func TestListAppendInContainers(t *testing.T) {
	data := map[string]any{"xs": []any{"a", "b"}, "o": map[string]any{"tags": []any{"t"}, "rows": []any{[]any{1.0}, []any{2.0}}}}
	runRenderCases(t, []renderCase{
		{"namespace", "{% set ns = namespace(items=[]) %}{% for x in xs %}{% do ns.items.append(x) %}{% endfor %}{{ ns.items }}", data, "['a', 'b']"},
		{"namespace after set", "{% set ns = namespace(items=[]) %}{% for x in xs %}{% set ns.items = ns.items + [x] %}{% do ns.items.append(0) %}{% endfor %}{{ ns.items }}", data, "['a', 0, 'b', 0]"},
		{"dict literal", "{% set d = {'l': []} %}{% for x in xs %}{% do d.l.append(x) %}{% endfor %}{{ d }}", data, "{'l': ['a', 'b']}"},
		{"dict()", "{% set d = dict(l=[]) %}{% for x in xs %}{% do d.l.append(x) %}{% endfor %}{{ d.l }}", data, "['a', 'b']"},
		{"list put in by update", "{% set d = {} %}{% do d.update({'l': []}) %}{% do d.l.append(1) %}{{ d }}", nil, "{'l': [1]}"},
		{"list of lists", "{% set ll = [[1], [2]] %}{% for x in ll %}{% do x.append(0) %}{% endfor %}{{ ll }}", nil, "[[1, 0], [2, 0]]"},
		{"appended list", "{% set l = [] %}{% do l.append([]) %}{% do l[-1].append(1) %}{{ l }}", nil, "[[1]]"},
		{"one list under two names", "{% set l = [1] %}{% set d = {'x': l} %}{% do l.append(2) %}{{ d }}", nil, "{'x': [1, 2]}"},
		{"data object's list", "{% do o.tags.append('u') %}{{ o.tags }}|{{ o|tojson }}", data, `['t', 'u']|{"rows":[[1],[2]],"tags":["t","u"]}`},
		{"data rows in a loop", "{% for r in o.rows %}{% do r.append(0) %}{% endfor %}{{ o.rows }}", data, "[[1, 0], [2, 0]]"},
	})
}

// TestListAppendRefused: a list nothing holds (a literal, a filter's result, a {% with %}
// value) cannot keep a change: append says so and points at namespace() instead of doing
// nothing; a list is never put inside itself (printing it would recurse forever).
func TestListAppendRefused(t *testing.T) {
	for src, want := range map[string]string{
		"{{ [1].append(2) }}": "append() cannot change this list",
		"{% macro m(a=[]) %}{% do a.append(1) %}{% endmacro %}{{ m() }}": "namespace(",
		"{% with w = [] %}{% do w.append(1) %}{% endwith %}":             "append() cannot change this list",
		"{% set l = [] %}{% do l.append(l) %}":                           "inside itself",
		"{% set l = [] %}{% set m = [l] %}{% do l.append(m) %}":          "inside itself",
		"{% set d = {} %}{% do d.update({'me': d}) %}":                   "contain itself",
		"{% set d = {'l': []} %}{% do d.l.append(d) %}":                  "inside itself",
	} {
		_, err := Render(context.Background(), src, map[string]any{"xs": []any{"a"}}, nil, RenderOptions{Strict: true})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error containing %q, got %v", src, want, err)
		}
	}
}

// TestListAppendKeepsDataUnchanged: the render works on copies of its data.
func TestListAppendKeepsDataUnchanged(t *testing.T) {
	items := []any{1.0, 2.0}
	items = items[:1] // spare capacity an append could write into
	data := map[string]any{"items": items, "xs": []any{"a"}}
	out, err := Render(context.Background(), "{% for x in xs %}{% do items.append(x) %}{% endfor %}{% set l = items %}{% do l.append(3) %}{{ items|length }}", data, nil, RenderOptions{})
	if err != nil || out != "3" {
		t.Fatalf("render: %q, %v", out, err)
	}
	if len(items) != 1 || items[:2][1] != 2.0 {
		t.Fatalf("the data's list changed: %v (backing %v)", items, items[:2])
	}
}

// TestStringsByCodePoint: indexing and the filters that walk a string count code points, as
// Python does; gonja read bytes there and printed invalid UTF-8 ("ß"[0] was "Ã").
func TestStringsByCodePoint(t *testing.T) {
	s := map[string]any{"s": "ß👍🏽é", "l": []any{1.0, 2.0, 3.0}}
	runRenderCases(t, []renderCase{
		{"index", "{{ s[0] }}|{{ s[1] }}|{{ s[-1] }}|{{ s[-4] }}", s, "ß|👍|é|ß"},
		{"index past the end", "{{ s[4] is defined }}|{{ s[-5] is defined }}", s, "False|False"},
		{"index with a variable", "{% for i in range(4) %}{{ s[i] }}.{% endfor %}", s, "ß.👍.🏽.é."},
		{"reverse", "{{ s|reverse }}", s, "é🏽👍ß"},
		{"batch", "{{ s|batch(2)|list }}", s, "[['ß', '👍'], ['🏽', 'é']]"},
		{"unique, sort, join", "{{ ('aß' ~ s)|unique|join }}|{{ 'cab'|sort|join }}|{{ s|join('-') }}", s, "aß👍🏽é|abc|ß-👍-🏽-é"},
		{"first and last", "{{ s|first }}{{ s|last }}", s, "ßé"},
		{"slice is unchanged", "{{ s[1:3] }}", s, "👍🏽"},
		{"reverse a list keeps its order reversed", "{{ [3, 1, 2]|reverse|list }}|{{ l|reverse|join }}", s, "[2, 1, 3]|321"},
		{"list from the end", "{{ l[-3] }}|{{ l[-1] }}|{{ l[-4] is defined }}", s, "1|3|False"},
	})
}

// TestArithmeticAsPython: / and // by zero fail as in Python (gonja printed +Inf and
// -9223372036854775808), // rounds down and % takes the sign of the divisor.
func TestArithmeticAsPython(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"floor division", "{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7.5 // 2 }}|{{ 7.0 // 2 }}", nil, "3|-4|-4.0|3.0"},
		{"modulo", "{{ -7 % 3 }}|{{ 7 % -3 }}|{{ -7.5 % 2 }}|{{ 7 % 3 }}", nil, "2|-2|0.5|1"},
		{"true division", "{{ 7 / 2 }}|{{ 4 / 2 }}", nil, "3.5|2.0"},
		{"string formatting still", "{{ 'a%sb' % 1 }}", nil, "a1b"},
	})
	for _, src := range []string{"{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1.5 // 0.0 }}", "{{ 1 % 0 }}", "{{ 1 % 0.0 }}", "{% set z = 0 %}{{ 3 / z }}"} {
		_, err := Render(context.Background(), src, nil, nil, RenderOptions{})
		if err == nil || !strings.Contains(err.Error(), "by zero") {
			t.Errorf("%s: want a division by zero error, got %v", src, err)
		}
	}
}

// TestPrintedContainers: a printed list or dict reads as in Jinja: None for null (gonja
// printed nothing: [1, , 'x']), quotes that hold the text, keys in order.
func TestPrintedContainers(t *testing.T) {
	data := map[string]any{"d": map[string]any{"b": 1.0, "a": nil, "c": []any{nil, true, "it's"}}, "l": []any{1.0, nil, "x"}}
	runRenderCases(t, []renderCase{
		{"list with null", "{{ l }}", data, "[1, None, 'x']"},
		{"object, keys sorted", "{{ d }}", data, `{'a': None, 'b': 1, 'c': [None, True, "it's"]}`},
		{"dict literal in written order", "{{ {'z': 1, 'a': none} }}", nil, "{'z': 1, 'a': None}"},
		{"nested and empty", "{{ [[], {}, [None]] }}", nil, "[[], {}, [None]]"},
		{"null alone still prints nothing", "{{ l[1] }}|{{ d.a }}", data, "|"},
		{"pprint", "{% set l2 = [1, 'a', none] %}{{ l2|pprint }}|{{ 'x'|pprint }}|{{ d|pprint }}", data, `[1, 'a', None]|'x'|{'a': None, 'b': 1, 'c': [None, True, "it's"]}`},
		{"none and None", "{{ none is none }}|{{ None is none }}|{{ [none] }}", nil, "True|True|[None]"},
	})
	out, err := Render(context.Background(), "{{ l }}", map[string]any{"l": []any{"<b>", nil}}, nil, RenderOptions{AutoEscape: true})
	if err != nil || out != "[&#39;&lt;b&gt;&#39;, None]" {
		t.Fatalf("autoescaped list: %q, %v", out, err)
	}
}

// TestDictMethodsChangeTheDict: update, pop, setdefault and clear change the dict itself, in
// any scope, as in Python; gonja ran them on a copy and the dict stayed as it was.
func TestDictMethodsChangeTheDict(t *testing.T) {
	data := map[string]any{"m": map[string]any{"k": "v"}, "xs": []any{"a", "b"}}
	runRenderCases(t, []renderCase{
		{"update", "{% set d = {} %}{% do d.update({'a': 1}) %}{{ d }}", nil, "{'a': 1}"},
		{"update in a loop", "{% set d = {} %}{% for x in xs %}{% do d.update({x: loop.index}) %}{% endfor %}{{ d }}", data, "{'a': 1, 'b': 2}"},
		{"update with keywords, data dict", "{% do m.update(n=2) %}{{ m }}", data, "{'k': 'v', 'n': 2}"},
		{"namespace dict in a loop", "{% set ns = namespace(d={}) %}{% for x in xs %}{% do ns.d.update({x: 1}) %}{% endfor %}{{ ns.d }}", data, "{'a': 1, 'b': 1}"},
		{"nested dict", "{% set d = {'a': {}} %}{% do d.a.update({'c': 2}) %}{{ d }}", nil, "{'a': {'c': 2}}"},
		{"pop", "{% set d = {'a': 1, 'b': 2} %}{{ d.pop('a') }}|{{ d.pop('z', 0) }}|{{ d }}", nil, "1|0|{'b': 2}"},
		{"setdefault", "{% set d = {'a': 1} %}{{ d.setdefault('a', 5) }}{{ d.setdefault('b', 2) }}|{{ d }}", nil, "12|{'a': 1, 'b': 2}"},
		{"clear", "{% set d = {'a': 1} %}{% do d.clear() %}{{ d }}", nil, "{}"},
	})
	m := map[string]any{"k": "v"}
	if _, err := Render(context.Background(), "{% do m.update({'x': 1}) %}{% do m.pop('k') %}", map[string]any{"m": m}, nil, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m["k"] != "v" {
		t.Fatalf("the data's object changed: %v", m)
	}
	_, err := Render(context.Background(), "{% set d = {} %}{{ d.pop('zz') }}", nil, nil, RenderOptions{})
	if err == nil || !strings.Contains(err.Error(), `no key "zz"`) {
		t.Fatalf("pop of a missing key: %v", err)
	}
}

// TestAppendInLongLoops: appending costs the same however long the list is (gonja converted
// and printed the whole list on every method call: 4000 appends took 11 s).
func TestAppendInLongLoops(t *testing.T) {
	rows := make([]any, 20000)
	for i := range rows {
		rows[i] = map[string]any{"id": float64(i)}
	}
	start := time.Now()
	out, err := Render(context.Background(), "{% set l = [] %}{% set d = {} %}{% for r in rows %}{% do l.append(r.id) %}"+
		"{% do d.update({'last': r.id}) %}{% endfor %}{{ l|length }} {{ l[-1] }} {{ d.last }}", map[string]any{"rows": rows}, nil, RenderOptions{})
	if err != nil || out != "20000 19999 19999" {
		t.Fatalf("render: %q, %v", out, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("20000 appends took %v", d)
	}
}

// TestChangingMethodsOnOtherValues: the changing methods name what they were called on.
func TestChangingMethodsOnOtherValues(t *testing.T) {
	for src, want := range map[string]string{
		"{% set s = 'x' %}{% do s.append(1) %}": "cannot call append() on a string",
		"{% do nothing.append(1) %}":            "undefined or null",
		"{% set l = [1] %}{% do l.update(1) %}": "a list has no method update()",
		"{% set d = {} %}{% do d.append(1) %}":  "a dict has no method append()",
	} {
		_, err := Render(context.Background(), src, nil, nil, RenderOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want an error containing %q, got %v", src, want, err)
		}
	}
}
