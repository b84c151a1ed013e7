package jssyntax

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/token"
)

// The early errors goja finds only when it compiles — not when it parses — that people
// write most: a name declared twice (`let a … let a`, `let input` against the function's
// parameter), a const with no value, `let` as a name, a parameter named twice where that is
// not allowed. Checking them on the parser's tree keeps the API (which validates flows)
// from linking goja's compiler and runtime, about 5.6 MB; the node compiles with goja after
// Parse, so whatever else the compiler refuses still fails the node with goja's message.
// The messages are goja's.

// declKind is how a name came into a scope.
type declKind int

const (
	declLexical  declKind = iota + 1 // let, const, class
	declFunction                     // a function declared in a block (several are allowed)
)

type scope struct {
	parent *scope
	// function marks a function's top level, where var declarations stop.
	function bool
	lexical  map[string]declKind
	// vars holds var-declared names from this scope and every block inside it, up to the
	// function: a let in a block conflicts with a var anywhere in that block.
	vars map[string]bool
	// params are a function's parameters or a catch clause's: let-declaring one conflicts.
	params map[string]bool
	// catch marks a catch clause, whose parameter conflicts with a var as well (goja does
	// not take the exception web browsers make for it).
	catch bool
}

func newScope(parent *scope, function bool) *scope {
	return &scope{parent: parent, function: function, lexical: map[string]declKind{}, vars: map[string]bool{}, params: map[string]bool{}}
}

type declChecker struct {
	src       string // the wrapped script, for positions
	err       *Error
	errOffset int
}

// checkDeclarations returns the first declaration error in prog, in source order, or nil.
func checkDeclarations(prog *ast.Program, wrapped string) *Error {
	c := &declChecker{src: wrapped}
	top := newScope(nil, true)
	c.statements(prog.Body, top)
	return c.err
}

func (c *declChecker) fail(at file.Idx, format string, args ...any) {
	off := int(at) - 1
	if c.err != nil && c.errOffset <= off {
		return
	}
	off = max(0, min(off, len(c.src)))
	line := strings.Count(c.src[:off], "\n") + 1
	col := off - (strings.LastIndexByte(c.src[:off], '\n') + 1) + 1
	l, cc := Position(c.src, line, col)
	c.err = &Error{Line: l, Column: cc, Message: fmt.Sprintf(format, args...)}
	c.errOffset = off
}

func (c *declChecker) statements(list []ast.Statement, s *scope) {
	for _, st := range list {
		c.walk(st, s)
	}
}

// declareLexical adds a let, const or class name (or a function declared in a block).
func (c *declChecker) declareLexical(id *ast.Identifier, s *scope, kind declKind) {
	name := id.Name.String()
	if kind == declLexical && name == "let" {
		c.fail(id.Idx, "let is disallowed as a lexically bound name")
		return
	}
	prev, seen := s.lexical[name]
	if (seen && !(prev == declFunction && kind == declFunction)) || s.vars[name] || s.params[name] {
		c.fail(id.Idx, "Identifier '%s' has already been declared%s", name, inputHint(name, s))
		return
	}
	s.lexical[name] = kind
}

// inputHint explains the one clash people hit without declaring the name themselves: the
// code's own function (the only one whose parent is the script's top level) takes input.
func inputHint(name string, s *scope) string {
	if name == "input" && s.params[name] && s.parent != nil && s.parent.parent == nil {
		return " (input is the node's input, a parameter of the code's function; use another name)"
	}
	return ""
}

// declareVar adds a var name to every scope from s up to its function.
func (c *declChecker) declareVar(id *ast.Identifier, s *scope) {
	name := id.Name.String()
	for t := s; t != nil; t = t.parent {
		if _, ok := t.lexical[name]; ok || (t.catch && t.params[name]) {
			c.fail(id.Idx, "Identifier '%s' has already been declared", name)
			return
		}
		t.vars[name] = true
		if t.function {
			return
		}
	}
}

// boundNames calls add for every name a binding target declares.
func boundNames(e ast.Expression, add func(*ast.Identifier)) {
	switch t := e.(type) {
	case *ast.Identifier:
		add(t)
	case *ast.ArrayPattern:
		for _, el := range t.Elements {
			boundNames(el, add)
		}
		boundNames(t.Rest, add)
	case *ast.ObjectPattern:
		for _, p := range t.Properties {
			switch p := p.(type) {
			case *ast.PropertyShort:
				add(&p.Name)
			case *ast.PropertyKeyed:
				boundNames(p.Value, add)
			case *ast.SpreadElement:
				boundNames(p.Expression, add)
			}
		}
		boundNames(t.Rest, add)
	case *ast.AssignExpression: // a target with a default value
		boundNames(t.Left, add)
	}
}

func (c *declChecker) function(params *ast.ParameterList, body ast.ConciseBody, parent *scope, arrow bool) {
	fs := newScope(parent, true)
	if params != nil {
		simple := params.Rest == nil
		var names []*ast.Identifier
		for _, b := range params.List {
			if _, ok := b.Target.(*ast.Identifier); !ok || b.Initializer != nil {
				simple = false
			}
			boundNames(b.Target, func(id *ast.Identifier) { names = append(names, id) })
		}
		boundNames(params.Rest, func(id *ast.Identifier) { names = append(names, id) })
		for _, id := range names {
			if fs.params[id.Name.String()] && (arrow || !simple) {
				c.fail(id.Idx, "Duplicate parameter name not allowed in this context")
			}
			fs.params[id.Name.String()] = true
		}
		for _, b := range params.List {
			c.walkChildren(b, fs) // default values and computed keys
		}
		c.walkChildren(params.Rest, fs)
	}
	switch b := body.(type) {
	case *ast.BlockStatement:
		if b != nil {
			c.statements(b.List, fs)
		}
	case *ast.ExpressionBody:
		c.walk(b.Expression, fs)
	}
}

func (c *declChecker) lexicalDeclaration(d *ast.LexicalDeclaration, s *scope) {
	for _, b := range d.List {
		if d.Token == token.CONST && b.Initializer == nil {
			c.fail(b.Idx0(), "Missing initializer in const declaration")
		}
		boundNames(b.Target, func(id *ast.Identifier) { c.declareLexical(id, s, declLexical) })
		c.walkChildren(b, s)
	}
}

func (c *declChecker) varBindings(list []*ast.Binding, s *scope) {
	for _, b := range list {
		boundNames(b.Target, func(id *ast.Identifier) { c.declareVar(id, s) })
		c.walkChildren(b, s)
	}
}

// walk checks one node of the tree in scope s.
func (c *declChecker) walk(n any, s *scope) {
	switch n := n.(type) {
	case nil:
	case *ast.FunctionLiteral:
		if n != nil {
			c.function(n.ParameterList, n.Body, s, false)
		}
	case *ast.ArrowFunctionLiteral:
		c.function(n.ParameterList, n.Body, s, true)
	case *ast.ClassStaticBlock:
		c.function(nil, n.Block, s, false)
	case *ast.FieldDefinition:
		c.walk(n.Key, s)
		if n.Initializer != nil {
			c.function(nil, &ast.ExpressionBody{Expression: n.Initializer}, s, false)
		}
	case *ast.FunctionDeclaration:
		if n.Function.Name != nil {
			if s.function {
				name := n.Function.Name.Name.String()
				if _, ok := s.lexical[name]; ok {
					c.fail(n.Function.Name.Idx, "Identifier '%s' has already been declared", name)
				}
				s.vars[name] = true
			} else {
				c.declareLexical(n.Function.Name, s, declFunction)
			}
		}
		c.walk(n.Function, s)
	case *ast.ClassDeclaration:
		if n.Class.Name != nil {
			c.declareLexical(n.Class.Name, s, declLexical)
		}
		c.walk(n.Class, s)
	case *ast.BlockStatement:
		if n != nil {
			c.statements(n.List, newScope(s, false))
		}
	case *ast.SwitchStatement:
		c.walk(n.Discriminant, s)
		cs := newScope(s, false)
		for _, k := range n.Body {
			c.walk(k.Test, cs)
			c.statements(k.Consequent, cs)
		}
	case *ast.ForStatement:
		fs := newScope(s, false)
		switch in := n.Initializer.(type) {
		case *ast.ForLoopInitializerLexicalDecl:
			c.lexicalDeclaration(&in.LexicalDeclaration, fs)
		case *ast.ForLoopInitializerVarDeclList:
			c.varBindings(in.List, fs)
		case *ast.ForLoopInitializerExpression:
			c.walk(in.Expression, fs)
		}
		c.walk(n.Test, fs)
		c.walk(n.Update, fs)
		c.walk(n.Body, fs)
	case *ast.ForInStatement:
		c.forInto(n.Into, n.Source, n.Body, s)
	case *ast.ForOfStatement:
		c.forInto(n.Into, n.Source, n.Body, s)
	case *ast.TryStatement:
		c.walk(n.Body, s)
		if n.Catch != nil {
			cs := newScope(s, false)
			cs.catch = true
			boundNames(n.Catch.Parameter, func(id *ast.Identifier) { cs.params[id.Name.String()] = true })
			c.walkChildren(n.Catch.Parameter, cs)
			if n.Catch.Body != nil {
				c.statements(n.Catch.Body.List, cs)
			}
		}
		c.walk(n.Finally, s)
	case *ast.VariableStatement:
		c.varBindings(n.List, s)
	case *ast.LexicalDeclaration:
		c.lexicalDeclaration(n, s)
	default:
		c.walkChildren(n, s)
	}
}

func (c *declChecker) forInto(into ast.ForInto, source ast.Expression, body ast.Statement, s *scope) {
	c.walk(source, s)
	fs := newScope(s, false)
	switch in := into.(type) {
	case *ast.ForDeclaration:
		boundNames(in.Target, func(id *ast.Identifier) { c.declareLexical(id, fs, declLexical) })
		c.walkChildren(in.Target, fs)
	case *ast.ForIntoVar:
		c.varBindings([]*ast.Binding{in.Binding}, fs)
	case *ast.ForIntoExpression:
		c.walk(in.Expression, fs)
	}
	c.walk(body, fs)
}

var astPackage = reflect.TypeFor[ast.Program]().PkgPath()

// walkChildren walks every AST node held in n's fields (expressions hold functions and
// classes, whose bodies declare names). DeclarationList fields repeat bindings found in the
// statements, so they are skipped.
func (c *declChecker) walkChildren(n any, s *scope) {
	if n == nil {
		return
	}
	c.walkValue(reflect.ValueOf(n), s, false)
}

func (c *declChecker) walkValue(v reflect.Value, s *scope, dispatch bool) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			c.walkValue(v.Elem(), s, true)
		}
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != astPackage {
			return
		}
		if dispatch {
			c.walk(v.Interface(), s)
			return
		}
		c.walkValue(v.Elem(), s, false)
	case reflect.Slice:
		for i := range v.Len() {
			c.walkValue(v.Index(i), s, true)
		}
	case reflect.Struct:
		if v.Type().PkgPath() != astPackage {
			return
		}
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).Name == "DeclarationList" {
				continue
			}
			f := v.Field(i)
			if f.Kind() == reflect.Struct && f.CanAddr() {
				c.walkValue(f.Addr(), s, true)
				continue
			}
			c.walkValue(f, s, true)
		}
	}
}
