package jssyntax

import (
	"testing"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// declarationCases are code the parser accepts; want is the error Parse gives ("" for none).
var declarationCases = []parseCase{
	{"let a = 1;\nlet a = 2;", "SyntaxError at line 2, column 5: Identifier 'a' has already been declared"},
	{"let x; var x;", "Identifier 'x' has already been declared"},
	{"var x; let x;", "Identifier 'x' has already been declared"},
	{"{ let x; { var x; } }", "Identifier 'x' has already been declared"},
	{"{ var x; } let x;", "Identifier 'x' has already been declared"},
	{"let input = 1", "SyntaxError at line 1, column 5: Identifier 'input' has already been declared (input is the node's input"},
	{"const input = {...input}", "Identifier 'input' has already been declared (input is"},
	{"function f(){}; let f", "Identifier 'f' has already been declared"},
	{"let f; function f(){}", "Identifier 'f' has already been declared"},
	{"try {} catch (e) { let e }", "Identifier 'e' has already been declared"},
	{"class A {}; class A {}", "Identifier 'A' has already been declared"},
	{"switch (1) { case 1: let a; case 2: let a }", "Identifier 'a' has already been declared"},
	{"for (let a of b) { var a }", "Identifier 'a' has already been declared"},
	{"for (const k in o) { var k }", "Identifier 'k' has already been declared"},
	{"function g(a) { let a }", "Identifier 'a' has already been declared"},
	{"const f = (a) => { const a = 1 }", "Identifier 'a' has already been declared"},
	{"const { a, b: [c, a] } = input", "Identifier 'a' has already been declared"},
	{"const x;", "Missing initializer in const declaration"},
	{"for (const i = 0, j; ;) {}", "Missing initializer in const declaration"},
	{"let let = 1", "let is disallowed as a lexically bound name"},
	{"const f = (a, a) => 1", "Duplicate parameter name not allowed in this context"},
	{"function g(a, a = 1) {}", "Duplicate parameter name not allowed in this context"},
	{"class C { m() { let q; let q } }", "Identifier 'q' has already been declared"},
	{"class C { static { let q; var q } }", "Identifier 'q' has already been declared"},
	{"const o = { m() { let q; const q = 1 } }", "Identifier 'q' has already been declared"},
	{"return [1].map(x => { let y; let y; return x })", "Identifier 'y' has already been declared"},
	{"return `${(() => { let z; let z })()}`", "Identifier 'z' has already been declared"},
	{"let é = 1; let é = 2", "SyntaxError at line 1, column 16: Identifier 'é' has already been declared"},

	{"let x = 1; { let x = 2; } return x", ""},
	{"for (let i = 0; i < 2; i++) { let i = 5 }", ""},
	{"var a; var a; return a", ""},
	{"function g(a) { var a; return a }", ""},
	{"function g(a, a) { return a }", ""},
	{"try {} catch (e) { var e }", "Identifier 'e' has already been declared"},
	{"try {} catch (e) { { var e } }", "Identifier 'e' has already been declared"},
	{"try {} catch ({ message }) { let message }", "Identifier 'message' has already been declared"},
	{"try {} catch (e) { { let e } } var e", ""},
	{"switch (1) { case 1: { let a } case 2: { let a } }", ""},
	{"{ let x } { var x } return x", ""},
	{"var x; { let x }", ""},
	{"{ let x } var x", ""},
	{"{ function f() {} function f() {} }", ""},
	{"function f() {} function f() {} return f()", ""},
	{"var f; function f() {}", ""},
	{"const f = function f() { let f; }", ""},
	{"const input2 = input; return input2", ""},
	{"input = input || {}; return input", ""},
	{"function h(input) { let y = input; return y } return h(input)", ""},
	{"const h = (input) => { const x = input; return x }", ""},
	{"class C { x = 1; static y = 2; #p = 3; m(a) { const b = a } }", ""},
	{"for (const k in input) { const k2 = k } for (const k of []) {}", ""},
	{"for (var i = 0; i < 1; i++) {} var i", ""},
	{"label: for (;;) { break label }", ""},
	{"let { a, b: { c }, ...rest } = input; return [a, c, rest]", ""},
	{"const [p = 1, [q], ...r] = [1, [2], 3]; return p + q + r", ""},
	{"async function a() { const b = await 1; return b }", ""},
	{"function* gen() { const v = yield 1 }", ""},
	{"let o = { let: 1, const: 2 }; return o.let", ""},
}

func TestDeclarations(t *testing.T) {
	checkParse(t, declarationCases)
}

// TestDeclarationsAgreeWithGoja: the node compiles with goja after Parse, so Parse must not
// refuse what goja accepts; and for the cases above goja refuses what Parse refuses.
func TestDeclarationsAgreeWithGoja(t *testing.T) {
	for _, tc := range declarationCases {
		prog, err := parser.ParseFile(nil, ScriptName, Wrap(tc.code), 0)
		if err != nil {
			t.Fatalf("%q does not parse: %v", tc.code, err)
		}
		_, gerr := goja.CompileAST(prog, false)
		if (gerr != nil) != (tc.want != "") {
			t.Errorf("%q: goja says %v, the case expects %q", tc.code, gerr, tc.want)
		}
	}
}

// FuzzDeclarations: whatever the declaration check refuses, goja's compiler refuses too, so
// no code that runs is refused when a flow is saved.
func FuzzDeclarations(f *testing.F) {
	for _, tc := range declarationCases {
		f.Add(tc.code)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if len(code) > 4096 || checkNesting(code) != nil {
			return
		}
		wrapped := Wrap(code)
		prog, err := parser.ParseFile(nil, ScriptName, wrapped, 0)
		if err != nil {
			return
		}
		e := checkDeclarations(prog, wrapped)
		if e == nil {
			return
		}
		if e.Line < 1 || e.Column < 1 {
			t.Fatalf("%q: position %d:%d", code, e.Line, e.Column)
		}
		if _, gerr := goja.CompileAST(prog, false); gerr == nil {
			t.Fatalf("%q: refused (%v) but goja compiles it", code, e)
		}
	})
}
