package code

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func jsType(t *testing.T) *nodes.Type {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	typ, ok := r.Lookup("code.javascript")
	if !ok {
		t.Fatal("code.javascript is not registered")
	}
	return typ
}

func TestJavaScript(t *testing.T) {
	typ := jsType(t)
	cases := []struct {
		name    string
		in      map[string]any
		want    any
		errPort string
		errHas  []string
	}{
		{name: "arithmetic", in: map[string]any{"code": "return input.a + 1", "input": map[string]any{"a": 41.0}}, want: 42.0},
		{name: "object round trip", in: map[string]any{"code": "return {b: input.a * 2, list: input.l.map(x => x + '!'), n: null, t: true}",
			"input": map[string]any{"a": 2.0, "l": []any{"x", "y"}}},
			want: map[string]any{"b": 4.0, "list": []any{"x!", "y!"}, "n": nil, "t": true}},
		{name: "input untouched copy", in: map[string]any{"code": "input.x = 5; return input", "input": map[string]any{"x": 1.0}},
			want: map[string]any{"x": 5.0}},
		{name: "array is array", in: map[string]any{"code": "return Array.isArray(input)", "input": []any{1.0}}, want: true},
		{name: "null input", in: map[string]any{"code": "return input === null"}, want: true},
		{name: "no return", in: map[string]any{"code": "let x = 1"}, want: nil},
		{name: "functions and undefined become null", in: map[string]any{"code": "return {f: () => 1, u: undefined, a: [undefined, NaN]}"},
			want: map[string]any{"f": nil, "u": nil, "a": []any{nil, nil}}},
		{name: "a returned promise is awaited", in: map[string]any{"code": "return Promise.resolve(input).then(x => x * 2)", "input": 21.0}, want: 42.0},
		{name: "an async body is awaited", in: map[string]any{"code": "const f = async () => { const v = await Promise.resolve(3); return {v} }\nreturn f()"},
			want: map[string]any{"v": 3.0}},
		{name: "a rejected promise fails the node", in: map[string]any{"code": "return Promise.reject(new Error('nope'))"}, errPort: "code",
			errHas: []string{"promise was rejected: Error: nope"}},
		{name: "a promise rejected with a value", in: map[string]any{"code": "return Promise.reject({code: 7})"}, errPort: "code",
			errHas: []string{`rejected: {"code":7}`}},
		{name: "a promise that never settles fails the node", in: map[string]any{"code": "return new Promise(() => {})"}, errPort: "code",
			errHas: []string{"never settled"}},
		{name: "date as RFC 3339", in: map[string]any{"code": "return new Date(Date.UTC(2024, 0, 2, 3, 4, 5))"}, want: "2024-01-02T03:04:05Z"},
		{name: "syntax error with line", in: map[string]any{"code": "let a = 1;\nlet b = ;\nreturn a"}, errPort: "code",
			errHas: []string{"SyntaxError", "line 2"}},
		// code left open fails at the wrapper's closing line, which the user never wrote
		{name: "code left open", in: map[string]any{"code": "return ("}, errPort: "code",
			errHas: []string{"SyntaxError at the end of the code (is a bracket, parenthesis, brace or string left open?): Unexpected token"}},
		{name: "a name declared twice fails as the flow check says", in: map[string]any{"code": "const input = 2;\nreturn input"}, errPort: "code",
			errHas: []string{"SyntaxError at line 1, column 7: Identifier 'input' has already been declared (input is the node's input"}},
		{name: "syntax error column on line 1", in: map[string]any{"code": "return 1 +* 2"}, errPort: "code",
			errHas: []string{"line 1, column 11"}},
		{name: "runtime error with line", in: map[string]any{"code": "let a = 1;\n\nnull.foo;"}, errPort: "code",
			errHas: []string{"TypeError", "line 3"}},
		{name: "thrown error with line", in: map[string]any{"code": "\nthrow new Error('boom')"}, errPort: "code",
			errHas: []string{"Error: boom", "line 2"}},
		{name: "no require", in: map[string]any{"code": "return require('fs')"}, errPort: "code",
			errHas: []string{"ReferenceError", "require is not defined"}},
		{name: "no process", in: map[string]any{"code": "return process.env"}, errPort: "code",
			errHas: []string{"ReferenceError", "process is not defined"}},
		{name: "no setTimeout", in: map[string]any{"code": "setTimeout(() => 1, 10)"}, errPort: "code",
			errHas: []string{"ReferenceError", "setTimeout is not defined"}},
		{name: "no fetch", in: map[string]any{"code": "return fetch('http://x')"}, errPort: "code",
			errHas: []string{"ReferenceError", "fetch is not defined"}},
		{name: "runaway recursion", in: map[string]any{"code": "function f(n) { return f(n + 1) }\nreturn f(0)"}, errPort: "code"},
		{name: "empty code", in: map[string]any{"code": "  "}, errPort: "code", errHas: []string{"empty"}},
		{name: "timeout out of range", in: map[string]any{"code": "return 1", "timeout_ms": 60000.0}, errPort: "timeout_ms"},
		{name: "memory out of range", in: map[string]any{"code": "return 1", "memory_mb": 0.0}, errPort: "memory_mb"},
		{name: "infinite loop stopped by timeout", in: map[string]any{"code": "while (true) {}", "timeout_ms": 50.0},
			errPort: "timeout_ms", errHas: []string{"50 ms"}},
		{name: "memory hog stopped", in: map[string]any{"code": "let a = []; while (true) a.push('x'.repeat(1e6))",
			"timeout_ms": 30000.0}, errPort: "memory_mb", errHas: []string{"64 MB"}},
		{name: "memory hog stopped at a lower limit", in: map[string]any{"code": "let a = []; while (true) a.push('x'.repeat(1e6) + a.length)",
			"memory_mb": 16.0, "timeout_ms": 30000.0}, errPort: "memory_mb", errHas: []string{"16 MB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) {
					t.Fatalf("want an error naming %q, got %v (out %v)", tc.errPort, err, out)
				}
				if ie.Port != tc.errPort {
					t.Fatalf("error names %q, want %q: %v", ie.Port, tc.errPort, err)
				}
				for _, s := range tc.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if !reflect.DeepEqual(out["result"], tc.want) {
				t.Fatalf("result = %#v, want %#v", out["result"], tc.want)
			}
		})
	}
}

func TestJavaScriptNonJSONNumbersWarn(t *testing.T) {
	out, err, host := nodetest.Run(context.Background(), jsType(t), map[string]any{
		"code": "return {inf: 1/0, ok: 2, list: [NaN, -1/0, 3, NaN, NaN]}"}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"inf": nil, "ok": 2.0, "list": []any{nil, nil, 3.0, nil, nil}}
	if !reflect.DeepEqual(out["result"], want) {
		t.Fatalf("result = %#v, want %#v", out["result"], want)
	}
	logs := strings.Join(host.Logs, "\n")
	for _, s := range []string{"warn: result.inf (Infinity) became null", "warn: result.list[0] (NaN) became null", "2 more numbers"} {
		if !strings.Contains(logs, s) {
			t.Errorf("logs %q do not say %q", logs, s)
		}
	}
}

func TestJavaScriptInputNotMutated(t *testing.T) {
	typ := jsType(t)
	in := map[string]any{"x": 1.0}
	if _, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"code": "input.x = 2; return input.x", "input": in}, nodetest.Options{}); err != nil {
		t.Fatal(err)
	}
	if in["x"] != 1.0 {
		t.Fatalf("input was mutated: %v", in)
	}
}

func TestJavaScriptConsole(t *testing.T) {
	typ := jsType(t)
	out, err, host := nodetest.Run(context.Background(), typ, map[string]any{
		"code": "console.log('hello', 1, {a: [1]}); console.warn('careful'); console.error('bad'); console.info('fyi'); return 'ok'",
	}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantLogs := []any{`hello 1 {"a":[1]}`, "careful", "bad", "fyi"}
	if !reflect.DeepEqual(out["logs"], wantLogs) {
		t.Fatalf("logs = %#v, want %#v", out["logs"], wantLogs)
	}
	wantHost := []string{`info: hello 1 {"a":[1]}`, "warn: careful", "warn: bad", "info: fyi"}
	if !reflect.DeepEqual(host.Logs, wantHost) {
		t.Fatalf("host logs = %#v, want %#v", host.Logs, wantHost)
	}
	if out["result"] != "ok" {
		t.Fatalf("result = %v", out["result"])
	}
	out, err, _ = nodetest.Run(context.Background(), typ, map[string]any{"code": "return 'quiet'"}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := out["logs"].([]any); !ok || len(l) != 0 {
		t.Fatalf("logs without console use = %#v, want an empty list", out["logs"])
	}
	if out["result"] != "quiet" {
		t.Fatalf("result = %v", out["result"])
	}
}

func TestJavaScriptContextCancel(t *testing.T) {
	typ := jsType(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err, _ := nodetest.Run(ctx, typ, map[string]any{"code": "while (true) {}", "timeout_ms": 30000.0}, nodetest.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestFamilyDocumented(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{"code.javascript": true}
	for _, typ := range r.Types() {
		if typ.Doc == "" || typ.Category != category || typ.Icon == "" {
			t.Errorf("%s: missing doc, category or icon", typ.ID)
		}
		for _, p := range typ.Inputs {
			if p.Doc == "" {
				t.Errorf("%s: input %s has no doc", typ.ID, p.Name)
			}
		}
		if !covered[typ.ID] {
			t.Errorf("%s has no test case", typ.ID)
		}
	}
	if r.Len() != len(covered) {
		t.Errorf("registered %d types, covered %d", r.Len(), len(covered))
	}
}

func BenchmarkJavaScript(b *testing.B) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		b.Fatal(err)
	}
	typ, _ := r.Lookup("code.javascript")
	in := map[string]any{"code": "return input.items.map(x => x * 2).reduce((a, b) => a + b, 0)",
		"input": map[string]any{"items": []any{1.0, 2.0, 3.0, 4.0}}}
	for b.Loop() {
		out, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
		if err != nil || out["result"] != 20.0 {
			b.Fatalf("run: %v %v", out, err)
		}
	}
}
