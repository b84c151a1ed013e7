package expr

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Jinja-style filters without parentheses work in expressions: `| upper` is `| upper()`.
// Strings, ||, calls and member reads are left alone, and error positions still point
// into the code as written.
func TestBareFilterCalls(t *testing.T) {
	env := map[string]any{"user": map[string]any{"name": "ada", "tags": []any{"b", "a"}}, "missing": nil}
	for src, want := range map[string]any{
		"{{ user.name | upper }}":                         "ADA",
		"{{ user.name|upper }}":                           "ADA",
		"{{ user.name | upper | lower | upper }}":         "ADA",
		"{{ missing | default('none') | upper }}":         "NONE",
		"{{ 'a | b' + user.name | upper }}":               "A | BADA",
		"{{ user.name == 'x' || true }}":                  true,
		"{{ user.tags | sort | join(',') }}":              "a,b",
		"{{ user.name | upper() }}":                       "ADA",
		"x {{ user.name | capitalize }} {{ 1 | string }}": "x Ada 1",
	} {
		tpl, err := Compile(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := tpl.Eval(context.Background(), env, nil, nil)
		if err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %#v", src, got, err, want)
		}
	}
	for src, want := range map[string]string{
		"{{ user.name | upper + }}": "column 23",
		"{{ a | upper | upper ) }}": "column 22",
	} {
		_, err := Compile(src)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want …%s…", src, err, want)
		}
	}
}

func FuzzBareFilterCalls(f *testing.F) {
	for _, s := range []string{"a | upper", "'|' | x", "a || b", "a |\n b", "x | f(1) | g", "`|` | é", "a | 1", "|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		src, at := bareFilterCalls(code)
		if len(src) != len(code)+2*len(at) {
			t.Fatalf("%q → %q with %d insertions", code, src, len(at))
		}
		// every position of the rewritten code maps into the code as written
		for line, l := range strings.Split(src, "\n") {
			for col := 0; col <= len([]rune(l)); col++ {
				ol, oc := originalPosition(code, src, at, line+1, col)
				if ol < 1 || oc < 0 {
					t.Fatalf("%q: %d:%d maps to %d:%d", code, line+1, col, ol, oc)
				}
			}
		}
	})
}
