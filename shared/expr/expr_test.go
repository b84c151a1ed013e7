package expr_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

type res map[string]string

func (r res) Secret(_ context.Context, k string) (string, error) {
	if v, ok := r["secret:"+k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}

func (r res) Env(_ context.Context, k string) (string, error) {
	if v, ok := r["env:"+k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}

var env = map[string]any{
	"fetch": map[string]any{"body": map[string]any{"items": []any{
		map[string]any{"name": "first"}, map[string]any{"name": "second"}}}, "status": 200.0},
	"trigger": map[string]any{"query": map[string]any{"q": "Hello World"}},
	"run":     map[string]any{"stage": "prod"},
	"n":       7.0,
	"when":    time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC),
	"word":    "ß👍é",
}

func eval(t *testing.T, src string) any {
	t.Helper()
	tm, err := expr.Compile(src)
	if err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	v, err := tm.Eval(context.Background(), env, res{"secret:KEY": "s3cr3t", "env:HOST": "h.example"}, nil)
	if err != nil {
		t.Fatalf("eval %q: %v", src, err)
	}
	return v
}

func TestTemplates(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"{{ fetch.body.items[0].name }}", "first"},
		{"{{ fetch.status }}", 200.0},
		{"status={{ fetch.status }}!", "status=200!"},
		{"{{ fetch.body.items }}", []any{map[string]any{"name": "first"}, map[string]any{"name": "second"}}},
		{"{{ upper(trigger.query.q) }}", "HELLO WORLD"},
		{"{{ lower(trim('  A  ')) }}", "a"},
		// full case mapping, as JavaScript's toUpperCase and toLowerCase
		{"{{ upper('straße') }}", "STRASSE"},
		{"{{ lower('ΟΔΟΣ') }}", "οδος"},
		{"{{ capitalize('ßa') + ' ' + title('ßa ßb-ßc') }}", "Ssa Ssa Ssb-Ssc"},
		{"{{ upper(42) }}", "42"},
		// strings index and slice by code point, as len() counts (expr-lang read bytes:
		// "ß"[0] was 195 and slices were not UTF-8)
		{"{{ word[0] }}|{{ word[1] }}|{{ word[-1] }}", "ß|👍|é"},
		{"{{ word[1:3] }}|{{ word[:1] }}|{{ word[2:] }}|{{ word[-2:] }}|{{ word[5:9] }}", "👍é|ß|é|👍é|"},
		{"{{ len(word) }}", 3},
		{"{{ word[len(word) - 1] }}", "é"},
		{"{{ fetch.body.items[1:] }}", []any{map[string]any{"name": "second"}}},
		{"{{ fetch.body.items[-1].name }}", "second"},
		{"{{ fetch.body.items[0]['name'] }}", "first"},
		{"{{ map(fetch.body.items, .name[0]) }}", []any{"f", "s"}},
		{"{{ nothing?.[0] }}", nil},
		{"{{ split('a,b', ',') }}", []any{"a", "b"}},
		{"{{ join(['a','b'], '-') }}", "a-b"},
		{"{{ replace('aXa', 'X', 'y') }}", "aya"},
		{"{{ trigger.query.q contains 'World' }}", true},
		{"{{ trigger.query.q startsWith 'Hello' }}", true},
		{"{{ includes(['a','b'], 'b') }}", true},
		{"{{ len(fetch.body.items) }}", 2},
		{"{{ keys({'b': 1}) }}", []any{"b"}},
		{"{{ default(fetch.missing, 'fallback') }}", "fallback"},
		{"{{ coalesce(nil, '', 'x') }}", "x"},
		{"{{ n % 4 }}", 3.0},
		// toJSON is compact like JSON.stringify, keys sorted, <>& as written; indent pretty-prints
		{"{{ toJSON({'b': [1, 2.5, nil], 'a': 'x<y>&z'}) }}", `{"a":"x<y>&z","b":[1,2.5,null]}`},
		{"{{ toJSON({'a': 1}, 2) }}", "{\n  \"a\": 1\n}"},
		{"{{ toJSON([1], '\t') }}", "[\n\t1\n]"},
		{"{{ toJSON([1], 0) }}", "[1]"},
		{"{{ toJSON([1], 99) }}", "[\n          1\n]"},
		{"{{ toJSON('é\u2028') }}", `"é\u2028"`},
		{"{{ toJSON(nil) }}", "null"},
		{"{{ toJSON(fetch.body) }}", `{"items":[{"name":"first"},{"name":"second"}]}`},
		{"{{ fromJSON('[1,2]') }}", []any{1.0, 2.0}},
		// a whole number beyond 2^53 stays exact, as every JSON a flow reads (float64: …992)
		{`{{ fromJSON('{"id": 9007199254740993}').id }}`, int64(9007199254740993)},
		{`{{ fromJSON('{"id": 9007199254740993}').id + 1 }}`, 9007199254740994},
		{`{{ fromJSON('1.5') }}`, 1.5},
		{"{{ jmespath(fetch.body, 'items[1].name') }}", "second"},
		{"{{ formatDate(when, 'datetime', 'Europe/Amsterdam') }}", "2026-03-29 01:30:00"},
		{"{{ formatDate(addDate(when, 1, 'days'), 'date') }}", "2026-03-30"},
		{"{{ formatDate(addDate('2024-01-31', 1, 'months'), 'date') }}", "2024-02-29"},
		{"{{ formatDate(addDate('2023-03-31', -1, 'months'), 'date') }}", "2023-02-28"},
		{"{{ formatDate(addDate('2024-02-29', 1, 'years'), 'date') }}", "2025-02-28"},
		{"{{ diffDate('2026-01-02', '2026-01-01', 'hours') }}", 24.0},
		// more than 292 years apart (time.Time.Sub stops there: 106751.99 days)
		{"{{ diffDate('9999-01-01', '0001-01-01', 'days') }}", 3651694.0},
		{"{{ diffDate('1700-01-01', '2024-01-01', 'hours') }}", -2840112.0},
		{"{{ diffDate('9999-12-31T23:59:59.5Z', '0001-01-01T00:00:00Z', 'milliseconds') }}", 315537897599500.0},
		{"{{ diffDate('2026-01-01T00:00:00.0009Z', '2026-01-01', 'milliseconds') }}", 0.0},
		{"{{ formatDate(parseDate('2024-03-10 02:30', '', 'America/New_York'), 'RFC3339', 'UTC') }}", "2024-03-10T07:30:00Z"},
		{"{{ formatDate('2024-05-01T12:30', 'datetime') }}", "2024-05-01 12:30:00"},
		{"{{ slugify('Hello, World!') }}", "hello-world"},
		{"{{ pow(2, 10) }}", 1024.0},
		{"key=<secret:KEY> host=<env:HOST>", "key=s3cr3t host=h.example"},
		{"plain text", "plain text"},
		{"{{ run.stage == 'prod' ? 'live' : 'test' }}", "live"},
	} {
		if got := eval(t, tc.src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	_, err := expr.Compile("a {{ fetch.( }} b")
	var se *expr.SyntaxError
	if !errors.As(err, &se) || se.Column < 10 || se.Line != 1 {
		t.Fatalf("syntax error with position: %#v", err)
	}
	// columns count characters, not bytes
	_, err = expr.Compile("Grüße {{ a.b a.c }}")
	if !errors.As(err, &se) || se.Column != 14 || se.Line != 1 {
		t.Fatalf("syntax error after non-ASCII text: %#v", err)
	}
	_, err = expr.Compile("{{ 'ü' + }}") // the end of the expression: column 9, as for {{ 'u' + }}
	_, ascii := expr.Compile("{{ 'u' + }}")
	var sa *expr.SyntaxError
	if !errors.As(err, &se) || !errors.As(ascii, &sa) || se.Column != sa.Column {
		t.Fatalf("syntax error inside an expression with non-ASCII: %#v vs %#v", err, ascii)
	}
	if _, err := expr.Compile("{{ open"); err == nil || !strings.Contains(err.Error(), "no closing }}") {
		t.Fatalf("unclosed: %v", err)
	}
	tm, _ := expr.Compile("{{ nothing.here }}")
	if _, err := tm.Eval(context.Background(), env, nil, nil); err == nil || !strings.Contains(err.Error(), "nothing.here") {
		t.Fatalf("eval error names the expression: %v", err)
	}
	tm, _ = expr.Compile("<secret:MISSING>")
	_, err = tm.Eval(context.Background(), env, res{}, nil)
	var me *expr.MissingError
	if !errors.As(err, &me) || me.Placeholder.Key != "MISSING" || !strings.Contains(err.Error(), `secret "MISSING"`) {
		t.Fatalf("missing secret: %v", err)
	}
	// cost is bounded: a huge range exhausts the memory budget instead of running away
	tm, err = expr.Compile("{{ len(map(1..100000000, # * 2)) }}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Eval(context.Background(), env, nil, nil); err == nil {
		t.Fatal("a runaway expression must fail")
	}
}

// A value no JSON can hold (NaN, infinity) fails the expression that made it, naming it: it
// would otherwise travel on as a node's input or output and make the run's record, a
// response or a paused state impossible to write (and in text it prints as +Inf or NaN).
// An infinity used on the way to a finite answer is fine.
func TestNonFiniteResults(t *testing.T) {
	for src, want := range map[string]string{
		"{{ 1 / 0 }}":              "expression {{ 1 / 0 }}: the result is +Inf, which JSON cannot hold (a division by zero?)",
		"{{ -1 / 0 }}":             "the result is -Inf",
		"{{ sqrt(-1) }}":           "expression {{ sqrt(-1) }}: the result is NaN (not a number), which JSON cannot hold",
		"{{ [1, 0/0] }}":           "the result holds NaN (not a number) at [1]",
		"{{ {'a': {'b': 1/0} } }}": "the result holds +Inf at .a.b",
		"{{ map([1, 0], 1 / #) }}": "the result holds +Inf at [1]",
		"x{{ 1 / 0 }}":             "expression {{ 1 / 0 }}: the result is +Inf",
	} {
		tm, err := expr.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tm.Eval(context.Background(), env, nil, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", src, err, want)
		}
	}
	for src, want := range map[string]any{
		"{{ min(5, 1 / 0) }}": 5.0,
		"{{ 1 / 0 > 5 }}":     true,
	} {
		if got := eval(t, src); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
	p, _ := expr.Bare("item / 0")
	if _, err := p.Run(map[string]any{"item": 1.0}); err == nil || !strings.Contains(err.Error(), "+Inf") {
		t.Errorf("bare expression with an infinite result: %v", err)
	}
}

// A member path that reads into the wrong kind of value says which part and what it is,
// not expr-lang's internals ("invalid operation: int(string)").
func TestPathErrorsNameThePart(t *testing.T) {
	env := map[string]any{"start": map[string]any{"input": map[string]any{"s": "abc", "l": []any{1.0, 2.0}, "n": nil, "b": true,
		"m": map[string]any{"k": 1.0}, "j": ` {"name": "ada"}`}}}
	for code, want := range map[string]string{
		"start.input.s.x":    "cannot read .x: start.input.s is a string, not an object",
		"start.input.l.x":    "cannot read .x: start.input.l is a list, not an object",
		"start.input.b.x":    "cannot read .x: start.input.b is a boolean, not an object",
		"start.input.n.x":    "cannot read .x: start.input.n is null",
		"start.input.m.k.z":  "cannot read .z: start.input.m.k is a number, not an object",
		"start.input.l[1].y": "cannot read .y: start.input.l[1] is a number, not an object",
		"start.input.s[0].y": "cannot read .y: start.input.s[0] is a string, not an object",
		"start.input.b[0]":   "cannot read [0]: start.input.b is a boolean, not a list",
		// JSON text gets a hint
		"start.input.j.name": "cannot read .name: start.input.j is a string, not an object (JSON text? fromJSON(start.input.j) parses it)",
		// paths inside larger expressions are explained too
		"start.input.j.name | upper":           "cannot read .name: start.input.j is a string, not an object (JSON text?",
		"len(start.input.s.x) + 1":             "cannot read .x: start.input.s is a string, not an object",
		"start.input.m.k + start.input.l[1].y": "cannot read .y: start.input.l[1] is a number, not an object",
		// failures that are not a path's keep expr-lang's message, in JSON's kinds
		"start.input.s + start.input.m.k": "invalid operation: string + number (text is not turned into a number by itself: number(x) converts it)",
		"start.input.m + 1":               "invalid operation: object + number",
		"start.input.l - start.input.n":   "invalid operation: list - null",
		"not start.input.s":               "expected a boolean, got a string",
		"len(start.input.b)":              "invalid argument for len (type boolean)",
		"'x' in start.input.m.k":          `operator "in" not defined on number`,
	} {
		tm, err := expr.Compile("{{ " + code + " }}")
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		_, err = tm.Eval(context.Background(), env, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", code, err, want)
		}
	}
}

func TestRefsAndPlaceholders(t *testing.T) {
	tm, err := expr.Compile("{{ fetch.body }} {{ default(other.x, 1) }} <sec:A> <environment:B> {{ map([1], # + 1) }}")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tm.Refs(), []string{"fetch", "other"}) {
		t.Fatalf("refs %v", tm.Refs())
	}
	want := []expr.Placeholder{{Kind: expr.SecretPlaceholder, Key: "A"}, {Kind: expr.EnvPlaceholder, Key: "B"}}
	if !reflect.DeepEqual(tm.Placeholders(), want) {
		t.Fatalf("placeholders %v", tm.Placeholders())
	}
	var seen []string
	tm, _ = expr.Compile("x<secret:KEY>")
	_, _ = tm.Eval(context.Background(), nil, res{"secret:KEY": "v"}, func(k, v string) { seen = append(seen, k+"="+v) })
	if !reflect.DeepEqual(seen, []string{"KEY=v"}) {
		t.Fatalf("onSecret %v", seen)
	}
}

func BenchmarkMemberAccess(b *testing.B) {
	tm, err := expr.Compile("{{ a.b.items[3].name }}")
	if err != nil {
		b.Fatal(err)
	}
	items := []any{}
	for i := 0; i < 5; i++ {
		items = append(items, map[string]any{"name": "n"})
	}
	e := map[string]any{"a": map[string]any{"b": map[string]any{"items": items}}}
	ctx := context.Background()
	for b.Loop() {
		if _, err := tm.Eval(ctx, e, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"{{ a.b }}", "x {{ 1 + }} y", "<secret:K> {{ upper(a) }}", "{{ map(1..3, # * 2) }}", "{{", "}}{{", "{{ a % 0 }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := expr.Compile(s)
		if err != nil {
			var se *expr.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("compile error without position: %v", err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("offset %d out of range", se.Offset)
			}
			return
		}
		_, _ = tm.Eval(context.Background(), map[string]any{"a": map[string]any{"b": 1.0}}, res{}, nil)
	})
}

func TestToJSONErrors(t *testing.T) {
	// too many arguments is found when compiling, so validation reports it
	if _, err := expr.Compile("{{ toJSON(1, 2, 3) }}"); err == nil || !strings.Contains(err.Error(), "too many arguments") {
		t.Errorf("toJSON(1, 2, 3) compiles: %v", err)
	}
	for src, want := range map[string]string{
		"{{ toJSON(1, true) }}":          "indent must be a whole number of spaces or a string",
		"{{ toJSON(1, 2.5) }}":           "indent must be a whole number",
		"{{ toJSON(sqrt(-1)) }}":         "NaN",
		"{{ formatDate(1e20, 'date') }}": "outside the years 1 to 9999",
	} {
		tm, err := expr.Compile(src)
		if err != nil {
			t.Fatalf("compile %q: %v", src, err)
		}
		_, err = tm.Eval(context.Background(), env, res{}, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", src, err, want)
		}
	}
}

// TestIndexKeepsTheFastPath: a plain path with indexes is still walked without the VM.
func TestIndexKeepsTheFastPath(t *testing.T) {
	for _, src := range []string{"{{ fetch.body.items[1].name }}", "{{ fetch.body.items[1]['name'] + '!' }}"} {
		tm, err := expr.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		v, err := tm.Eval(context.Background(), env, res{}, nil)
		if err != nil || !strings.HasPrefix(nodes.ToString(v), "second") {
			t.Fatalf("%s = %v, %v", src, v, err)
		}
	}
	tm, _ := expr.Compile("{{ word[7] }}")
	if _, err := tm.Eval(context.Background(), env, res{}, nil); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("an index past the end of a string: %v", err)
	}
}
