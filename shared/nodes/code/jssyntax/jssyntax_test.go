package jssyntax

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	checkParse(t, []parseCase{
		{"return input.a + 1", ""},
		{"const x = 1;\nreturn x", ""},
		{"return 1 +", "SyntaxError at the end of the code (is a bracket, parenthesis, brace or string left open?): Unexpected token"},
		{"let a = 1;\nlet b = ;", "SyntaxError at line 2, column 9: Unexpected token ;"},
		{"return (", "SyntaxError at the end of the code"},
		{"x = 'é'; return @", "SyntaxError at line 1, column 17: Unexpected token ILLEGAL"},
		{"// é\nvar ü = 'ö'; return @", "SyntaxError at line 2, column 21: Unexpected token ILLEGAL"},
	})
}

// parseCase is code and (part of) the error Parse gives ("" for none).
type parseCase struct{ code, want string }

func checkParse(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		_, err := Parse(tc.code)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.code, err)
			}
			continue
		}
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want …%s…", tc.code, err, tc.want)
		}
	}
}

// FuzzParse: Parse never panics, and every error it reports is an *Error whose position lies
// within the code.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"return input", "return 1 +", "let a = ;", "})(); (function(){", "/* unclosed", "'str", "`tpl ${",
		"return {a: 1", "é = 1; @", "async function f() { await 1 }\nreturn f()", "\n\n\treturn ) ;",
		"class A { #p = 1; get p() { return this.#p } }; return new A().p", "return /re[/", "\u2028return 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		_, err := Parse(code)
		if err == nil {
			return
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q): %T %v", code, err, err)
		}
		if se.Line < 0 || se.Column < 0 || (se.Line > 0 && se.Column < 1) {
			t.Fatalf("Parse(%q): position %d:%d", code, se.Line, se.Column)
		}
	})
}

// Code nested deeper than the parser can take safely (it would overflow the stack, which
// kills the process, or take quadratic time) is refused before it parses, saying where;
// deep but reasonable code, and brackets inside strings, comments and template text, are not.
func TestNestingLimits(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"return " + strings.Repeat("(", 100_000), "SyntaxError at line 1, column 264: brackets are nested more than 256 levels deep"},
		{"return " + strings.Repeat("[", 300), "brackets are nested more than 256 levels deep"},
		{"return " + strings.Repeat("`${", 300), "template literals are nested more than 256 levels deep"},
		{"return " + strings.Repeat("(x)=>", 50_000), "arrow functions are nested more than 256 levels deep"},
		{"return " + strings.Repeat("a", MaxCodeBytes), "more than the 262144 allowed"},
	} {
		start := time.Now()
		_, err := Parse(tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.20q…: %v, want %q", tc.code, err, tc.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.20q…: took %v", tc.code, d)
		}
	}
	for _, code := range []string{
		"return " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200),
		"const s = '" + strings.Repeat("(", 1000) + "'; // " + strings.Repeat("[", 1000) + "\n/* " + strings.Repeat("{", 1000) + " */ return s",
		"return `" + strings.Repeat("(", 1000) + "${ input.a + `${ 1 }` }`",
		strings.Repeat("f(x => x + 1);\n", 2000) + "return 1",
		"const add = a => b => c => a + b + c; return add(1)(2)(3)",
		"function f(x) { return x }" + strings.Repeat("f(", 100) + "1" + strings.Repeat(")", 100),
	} {
		if _, err := Parse(code); err != nil {
			t.Errorf("%.40q…: %v", code, err)
		}
	}
}
