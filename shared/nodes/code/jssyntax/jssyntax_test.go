package jssyntax

import (
	"errors"
	"fmt"
	"strings"
	"testing"
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
// kills the process, or take time or memory out of all proportion) is refused before it
// parses, saying where: brackets, and the nesting that needs none — prefix and
// right-associative operators, statements inside statements, else-if chains, and all of
// them together along one path. Deep but reasonable code, long code in either semicolon
// style, and brackets inside strings, comments and template text, are not refused.
func TestNestingLimits(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"return " + strings.Repeat("(", 100_000), "SyntaxError at line 1, column 264: brackets are nested more than 256 levels deep"},
		{"return " + strings.Repeat("[", 300), "brackets are nested more than 256 levels deep"},
		{"return " + strings.Repeat("`${", 300), "template literals are nested more than 256 levels deep"},
		{"return " + strings.Repeat("(x)=>", 50_000), "arrow functions are nested more than 256 levels deep"},
		{"return " + strings.Repeat("a", MaxCodeBytes), "more than the 262144 allowed"},
		// 200,000 of these overflowed the stack
		{"return " + strings.Repeat("!", 200_000) + "a", "SyntaxError at line 1, column 264: operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("!\n", 100_000) + "a", "line 257, column 1: operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("- ", 100_000) + "a", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("++", 100_000) + "a", "operators are nested more than 256 levels deep"},
		{strings.Repeat("a = ", 60_000) + "1", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("a ? b : ", 30_000) + "c", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("a\n? b\n: ", 20_000) + "c", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("a ** ", 50_000) + "2", "operators are nested more than 256 levels deep"},
		{strings.Repeat("l: ", 80_000) + "x", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("new ", 50_000) + "X", "operators are nested more than 256 levels deep"},
		{"return " + strings.Repeat("typeof ", 30_000) + "x", "operators are nested more than 256 levels deep"},
		// fifty thousand took half a gigabyte of stack
		{strings.Repeat("if (a) ", 30_000) + "x", "statements are nested more than 1024 levels deep"},
		{strings.Repeat("if (a)\n", 30_000) + "x", "line 1025, column 1: statements are nested more than 1024 levels deep"},
		{strings.Repeat("for (;;) while (a) ", 10_000) + "x", "statements are nested more than 1024 levels deep"},
		{strings.Repeat("if (a) x; else ", 15_000) + "y", "else if chains are nested more than 1024 levels deep"},
		{strings.Repeat("if (a) {\n  x\n} else ", 12_000) + "{}", "else if chains are nested more than 1024 levels deep"},
		{"return " + strings.Repeat(strings.Repeat("!", 250)+"(", 256) + "a", "brackets, operators and statements together are nested more than 2048 levels deep"},
	} {
		_, err := Parse(tc.code)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.20q…: %v, want %q", tc.code, err, tc.want)
		}
	}
	var asi, semis strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&asi, "const v%d = input.items?.[%d] ?? null\nif (v%d) out.push(v%d.name + (v%d.age > 18 ? ' adult' : ' minor'))\nlet w%d = !v%d ? -1 : +v%d.n\nfor (const k of [1]) n += k\nwhile (false) n++\n",
			i, i, i, i, i, i, i, i)
		fmt.Fprintf(&semis, "if (input.a === %d) { n = n + %d; } else if (input.b !== %d) { n -= 1; } else { n = -n; }\n", i, i, i)
	}
	for _, code := range []string{
		"return " + strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200),
		"const s = '" + strings.Repeat("(", 1000) + "'; // " + strings.Repeat("[", 1000) + "\n/* " + strings.Repeat("{", 1000) + " */ return s",
		"return `" + strings.Repeat("(", 1000) + "${ input.a + `${ 1 }` }`",
		strings.Repeat("f(x => x + 1);\n", 2000) + "return 1",
		"const add = a => b => c => a + b + c; return add(1)(2)(3)",
		"function f(x) { return x }" + strings.Repeat("f(", 100) + "1" + strings.Repeat(")", 100),
		"const out = []\n" + asi.String() + "return out",
		"let n = 0;\n" + semis.String() + "return n",
		"return " + strings.Repeat("!", 200) + "input",
		"return " + strings.Repeat("a ? b : ", 100) + "c",
		"switch (input) {\n" + strings.Repeat("case 1:\n  n++\n  break\n", 3000) + "}",
		"return " + strings.Repeat("1 + ", 20_000) + "1",
	} {
		if _, err := Parse(code); err != nil {
			t.Errorf("%.40q…: %v", code, err)
		}
	}
}
