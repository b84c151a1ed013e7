package jinja

import (
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"unsafe"

	controls "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// guard runs a block body under the budget.
type guard struct {
	b    *budget
	body *gnodes.Wrapper
	at   *tokens.Token
}

func (g *guard) Position() *tokens.Token { return g.at }
func (g *guard) String() string          { return "block" }

// Execute implements exec.ControlStructure.
func (g *guard) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	if err := g.b.enter(); err != nil {
		return err
	}
	defer g.b.leave()
	rr := r
	if _, ok := r.Output.(*countingWriter); !ok {
		cp := *r
		cp.Output = &countingWriter{b: g.b, w: r.Output}
		rr = &cp
	}
	return gnodes.Walk(rr, g.body)
}

var (
	tWrapper = reflect.TypeFor[*gnodes.Wrapper]()
	tBinary  = reflect.TypeFor[*gnodes.BinaryExpression]()
	tTmpl    = reflect.TypeFor[*gnodes.Template]()
	tMacro   = reflect.TypeFor[*gnodes.Macro]()
	tBlock   = reflect.TypeFor[*gnodes.ControlStructureBlock]()
	tGuard   = reflect.TypeFor[*guard]()
	tGetAttr = reflect.TypeFor[*gnodes.GetAttribute]()
	tGetItem = reflect.TypeFor[*gnodes.GetItem]()
	tCall    = reflect.TypeFor[*gnodes.Call]()
)

const gonjaPkg = "github.com/nikolalohinski/gonja/v2/"

// instrument walks a parsed template (with its parents, blocks and macros) and installs
// the guards.
func instrument(b *budget, root *gnodes.Template) {
	in := &instrumenter{b: b, seen: map[unsafe.Pointer]bool{}}
	in.walk(reflect.ValueOf(root), 0)
}

// opTokens maps the operators opFilter evaluates to their token types.
var opTokens = map[string]tokens.Type{"*": tokens.Multiply, "+": tokens.Addition, "%": tokens.Modulo,
	"/": tokens.Division, "//": tokens.FloorDivision,
	"~": tokens.Tilde, "==": tokens.Equals, "!=": tokens.Ne, "<": tokens.LowerThan, "<=": tokens.LowerThanOrEqual,
	">": tokens.GreaterThan, ">=": tokens.GreaterThanOrEqual, "in": tokens.In}

// instrumenter rewrites one parsed template tree in place.
type instrumenter struct {
	b    *budget
	seen map[unsafe.Pointer]bool
	src  string // source of the template being walked, for quoting expressions
	name string // name of the template being walked (rootName for the node's own)
}

// walk visits every value reachable from v that belongs to gonja's node and control
// structure types (exported or not), instrumenting the nodes it recognises; seen stops it
// from visiting a node twice (macros and blocks are reachable along several paths).
func (in *instrumenter) walk(v reflect.Value, depth int) {
	if depth > 100_000 {
		panic("template tree too deep")
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			in.walk(v.Elem(), depth+1)
		}
	case reflect.Pointer:
		if v.IsNil() || v.Type() == tGuard {
			return
		}
		et := v.Type().Elem()
		if et.Kind() != reflect.Struct || !strings.HasPrefix(et.PkgPath(), gonjaPkg) ||
			strings.HasSuffix(et.PkgPath(), "/tokens") || strings.HasSuffix(et.PkgPath(), "/exec") ||
			strings.HasSuffix(et.PkgPath(), "/parser") || strings.HasSuffix(et.PkgPath(), "/config") {
			return
		}
		p := v.UnsafePointer()
		if in.seen[p] {
			return
		}
		in.seen[p] = true
		switch v.Type() {
		case tWrapper:
			in.wrap((*gnodes.Wrapper)(p), depth)
			return
		case tBinary:
			in.binary((*gnodes.BinaryExpression)(p))
		case tTmpl:
			t := (*gnodes.Template)(p)
			prev, prevName := in.src, in.name
			in.src, _ = in.b.loader.source(t.Identifier)
			in.name = t.Identifier
			t.Nodes = in.outputs(t.Nodes)
			in.walk(v.Elem(), depth+1)
			in.src, in.name = prev, prevName
			return
		case tGetAttr:
			g := (*gnodes.GetAttribute)(p)
			read := "." + g.Attribute
			if g.Attribute == "" {
				read = fmt.Sprintf(".%d", g.Index)
			}
			in.read(&g.Node, read, g.Location)
		case tGetItem:
			g := (*gnodes.GetItem)(p)
			arg := "?"
			if g.Arg != nil {
				arg = g.Arg.String()
			}
			in.read(&g.Node, "["+arg+"]", g.Location)
			if g.Arg != nil {
				in.index(g)
			}
		case tBlock:
			cb := (*gnodes.ControlStructureBlock)(p)
			if set, ok := cb.ControlStructure.(*controls.SetControlStructure); ok {
				in.walk(reflect.ValueOf(set), depth+1)
				cb.ControlStructure = &setGuard{b: in.b, set: set, target: setTarget(set)}
				return
			}
		case tCall:
			in.method((*gnodes.Call)(p))
		case tMacro:
			for _, kw := range (*gnodes.Macro)(p).Kwargs {
				if kw != nil && kw.Value != nil {
					kw.Value = in.bracket(kw.Value)
				}
			}
		}
		in.walk(v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			in.walk(v.Field(i), depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			in.walk(v.Index(i), depth+1)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			in.walk(it.Value(), depth+1)
		}
	}
}

// wrap moves a body's nodes under a guard.
func (in *instrumenter) wrap(w *gnodes.Wrapper, depth int) {
	body := &gnodes.Wrapper{Location: w.Location, Nodes: in.outputs(w.Nodes), EndTag: w.EndTag, Trim: w.Trim, LStrip: w.LStrip}
	at := w.Location
	if at == nil {
		at = &tokens.Token{Type: tokens.Name, Val: "block"}
	}
	for _, n := range body.Nodes {
		in.walk(reflect.ValueOf(n), depth+1)
	}
	w.Nodes = []gnodes.Node{&gnodes.ControlStructureBlock{Location: at, Name: "block",
		ControlStructure: &guard{b: in.b, body: body, at: at}}}
}

// binary reroutes the operators that build values (`+ ~ * %`) or may compare or print
// whole containers (`== != < <= > >= in`) through the size-checking filter:
// `true and (a | op(b, "+"))`, which evaluates each operand once and yields the result.
func (in *instrumenter) binary(e *gnodes.BinaryExpression) {
	if e.Operator == nil || e.Operator.Token == nil {
		return
	}
	op := e.Operator.Token
	switch op.Type {
	case tokens.Addition, tokens.Tilde, tokens.Multiply, tokens.Modulo, tokens.Division, tokens.FloorDivision, tokens.Equals, tokens.Ne,
		tokens.LowerThan, tokens.LowerThanOrEqual, tokens.GreaterThan, tokens.GreaterThanOrEqual, tokens.In:
	default:
		return
	}
	at := &tokens.Token{Type: tokens.Name, Val: op.Val, Line: op.Line, Col: op.Col, Pos: op.Pos}
	call := &gnodes.FilteredExpression{Expression: e.Left, Filters: []*gnodes.FilterCall{{
		Token: at, Name: filterOp,
		Args:   []gnodes.Expression{e.Right, &gnodes.String{Location: at, Val: op.Val}},
		Kwargs: map[string]gnodes.Expression{},
	}}}
	e.Left = &gnodes.Bool{Location: at, Val: true}
	e.Right = call
	e.Operator = &gnodes.BinOperator{Token: &tokens.Token{Type: tokens.And, Val: "and", Line: op.Line, Col: op.Col, Pos: op.Pos}}
}

// setGuard measures what a {% set %} stored: values kept in variables (and namespaces)
// stay bounded, so they cannot double round after round of a loop.
type setGuard struct {
	b      *budget
	set    *controls.SetControlStructure
	target gnodes.Expression
}

func (g *setGuard) Position() *tokens.Token { return g.set.Position() }
func (g *setGuard) String() string          { return g.set.String() }

// Execute implements exec.ControlStructure.
func (g *setGuard) Execute(r *exec.Renderer, tag *gnodes.ControlStructureBlock) error {
	if err := g.set.Execute(r, tag); err != nil {
		return err
	}
	if g.target == nil {
		return nil
	}
	// a list a variable, a namespace or a dict holds is shared, so append works in any
	// scope (lists.go)
	switch n := g.target.(type) {
	case *gnodes.Name:
		if v, ok := r.Environment.Context.Get(n.Name.Val); ok {
			if ref, changed := listRef(v); changed {
				r.Environment.Context.Set(n.Name.Val, ref)
			}
		}
	case *gnodes.GetAttribute, *gnodes.GetItem:
		v := r.Eval(g.target)
		if v.IsError() {
			break
		}
		ref, changed := listRef(v.Interface())
		if !changed {
			break
		}
		var parent, key *exec.Value
		if a, ok := n.(*gnodes.GetAttribute); ok {
			parent, key = r.Eval(a.Node), exec.AsValue(a.Attribute)
		} else {
			i := n.(*gnodes.GetItem)
			parent, key = r.Eval(i.Node), r.Eval(i.Arg)
		}
		if !parent.IsError() && !key.IsError() {
			_ = parent.Set(key, ref) // as set did; a failure leaves the plain list, which append refuses
		}
	}
	v := r.Eval(g.target)
	if v.IsError() || !(v.IsList() || v.IsDict()) {
		return nil
	}
	if measure(v, maxWorkBytes) > maxWorkBytes {
		return g.b.fail(&LimitError{fmt.Sprintf("set: %s would hold a value larger than %d bytes",
			unwrap(g.target.String(), "filtered_expression(", false), maxWorkBytes)})
	}
	return nil
}

// setTarget reads the unexported target of a set tag.
func setTarget(set *controls.SetControlStructure) gnodes.Expression {
	f := reflect.ValueOf(set).Elem().FieldByName("target")
	if !f.IsValid() || f.Type() != reflect.TypeFor[gnodes.Expression]() {
		return nil
	}
	return *(*gnodes.Expression)(unsafe.Pointer(f.UnsafeAddr()))
}

// bracket makes an expression count as one nesting level while it is evaluated:
// `(enter() and e) | leave`. Macro defaults are evaluated on every call before the body
// runs, so a default that calls its own macro would otherwise recurse unguarded.
func (in *instrumenter) bracket(e gnodes.Expression) gnodes.Expression {
	at := e.Position()
	if at == nil {
		at = &tokens.Token{Type: tokens.Name}
	}
	name := func(v string) *tokens.Token {
		return &tokens.Token{Type: tokens.Name, Val: v, Line: at.Line, Col: at.Col}
	}
	enter := &gnodes.Call{Location: at, Func: &gnodes.Name{Name: name(fnEnter)}, Kwargs: map[string]gnodes.Expression{}}
	and := &gnodes.BinaryExpression{Left: enter, Right: e,
		Operator: &gnodes.BinOperator{Token: &tokens.Token{Type: tokens.And, Val: "and", Line: at.Line, Col: at.Col}}}
	return &gnodes.FilteredExpression{Expression: and, Filters: []*gnodes.FilterCall{{
		Token: name(filterLeave), Name: filterLeave, Kwargs: map[string]gnodes.Expression{}}}}
}

// enterFunction and leaveFilter are the two halves of a bracket; leave runs even when the
// bracketed expression failed, and enter counts a level even when it refuses.
func (b *budget) enterFunction(_ *exec.Evaluator, _ *exec.VarArgs) *exec.Value {
	if err := b.enter(); err != nil {
		b.depth++
		return errValue(err)
	}
	return exec.AsValue(true)
}

func (b *budget) leaveFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	b.leave()
	return in
}

// outputs replaces the {{ }} nodes of a node list by ones that check the value's size
// before printing it.
func (in *instrumenter) outputs(list []gnodes.Node) []gnodes.Node {
	out := make([]gnodes.Node, len(list))
	for i, n := range list {
		o, ok := n.(*gnodes.Output)
		if !ok {
			out[i] = n
			continue
		}
		at := o.Start
		if at == nil {
			at = &tokens.Token{Type: tokens.VariableBegin, Val: "{{"}
		}
		// the text is taken before the walk rewrites operators, so messages quote the source
		s := &outputStructure{b: in.b, o: o, at: at, text: in.quote(o)}
		in.walk(reflect.ValueOf(o), 0)
		out[i] = &gnodes.ControlStructureBlock{Location: at, Name: "output", ControlStructure: s}
	}
	return out
}

// quote returns the source of a {{ }} (without delimiters), shortened for messages.
func (in *instrumenter) quote(o *gnodes.Output) string {
	text := o.Expression.String()
	cfg := in.b.cfg
	if o.Start != nil && o.End != nil {
		from, to := o.Start.Pos, o.End.Pos+len(o.End.Val)
		if from >= 0 && from < to && to <= len(in.src) {
			raw := in.src[from:to]
			if strings.HasPrefix(raw, cfg.VariableStartString) && strings.HasSuffix(raw, cfg.VariableEndString) {
				raw = strings.TrimSuffix(strings.TrimPrefix(raw, cfg.VariableStartString), cfg.VariableEndString)
				text = strings.TrimSpace(strings.Trim(raw, "-+"))
			}
		}
	}
	if r := []rune(text); len(r) > 100 {
		text = string(r[:99]) + "…"
	}
	return text
}

// outputStructure prints a {{ }} like gonja's renderer does, after a size check.
type outputStructure struct {
	b    *budget
	o    *gnodes.Output
	at   *tokens.Token
	text string // the expression as written, for messages
}

func (s *outputStructure) Position() *tokens.Token { return s.at }
func (s *outputStructure) String() string          { return "{{ " + s.text + " }}" }

// Execute implements exec.ControlStructure.
func (s *outputStructure) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	if err := s.b.alive(); err != nil {
		return err
	}
	o := s.o
	var value *exec.Value
	if o.Condition != nil {
		cond := r.Eval(o.Condition)
		if cond.IsError() {
			return cond
		}
		switch {
		case cond.IsTrue():
			value = r.Eval(o.Expression)
		case o.Alternative != nil:
			value = r.Eval(o.Alternative)
		default:
			return nil
		}
	} else {
		value = r.Eval(o.Expression)
	}
	if value.IsError() {
		return value
	}
	if err := s.b.checkSize(value, "printed value"); err != nil {
		return err
	}
	text := value.String()
	switch {
	case r.Config.AutoEscape && value.IsString() && !value.Safe:
		text = value.Escaped()
	case value.IsList() || value.IsDict():
		text = repr(value)
		if r.Config.AutoEscape && !value.Safe {
			text = exec.AsValue(text).Escaped()
		}
	}
	_, err := io.WriteString(r.Output, text)
	return err
}

// cleanMessage removes the traces of the instrumentation (and gonja's printing of filter
// call structs) from an engine error message.
func cleanMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	// "unable to evaluate filter &{<Token…> upper [args] map[kwargs]}: " → "filter upper: "
	for from := 0; ; {
		i := strings.Index(msg[from:], "unable to evaluate filter &{")
		if i < 0 {
			break
		}
		i += from
		tok := strings.Index(msg[i:], "> ")
		end := strings.Index(msg[i:], "]}: ")
		if tok < 0 || end < 0 || tok > end {
			break
		}
		name, _, _ := strings.Cut(msg[i+tok+2:], " ")
		repl := "filter " + name + ": "
		if strings.HasPrefix(name, "\x00") {
			repl = ""
		}
		msg = msg[:i] + repl + msg[i+end+4:]
		from = i + len(repl)
	}
	msg = reservedFilterCall.ReplaceAllString(msg, "")
	// the operand wrappers: "Unable to evaluate right parameter filtered_expression(…): " is
	// the rerouted operator itself; other "filtered_expression(x)" print as x
	msg = unwrap(msg, "Unable to evaluate right parameter filtered_expression(", true)
	msg = strings.ReplaceAll(msg, "true and filtered_expression(", "filtered_expression(")
	msg = unwrap(msg, "filtered_expression(", false)
	msg = strings.ReplaceAll(msg, "\x00", "")
	msg = strings.ReplaceAll(msg, "Unable to execute controlStructure at line ", "line ")
	return strings.TrimSuffix(msg, ": ")
}

var reservedFilterCall = regexp.MustCompile(`invalid call to filter '\x00\w*': `)

// unwrap removes each prefix and its matching closing parenthesis, keeping what is
// between (or, with drop, removing it too along with a following ": ").
func unwrap(msg, prefix string, drop bool) string {
	for from := 0; ; {
		i := strings.Index(msg[from:], prefix)
		if i < 0 {
			return msg
		}
		i += from
		depth, j := 1, i+len(prefix)
		for ; j < len(msg) && depth > 0; j++ {
			switch msg[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth != 0 {
			return msg
		}
		inner := msg[i+len(prefix) : j-1]
		rest := msg[j:]
		if drop {
			msg = msg[:i] + strings.TrimPrefix(rest, ": ")
			from = i
		} else {
			msg = msg[:i] + inner + rest
			from = i
		}
	}
}
