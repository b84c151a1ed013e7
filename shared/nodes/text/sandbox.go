package text

// The template sandbox. gonja is a faithful Jinja implementation but it was not written for
// untrusted templates: `"x" * 10**12`, `range(10**12)`, runaway recursion of macros or
// includes, or deeply nested brackets can exhaust memory or the Go stack, which kills the
// process rather than failing the node. Templates and their data are user input here, so
// every render runs under a budget:
//
//   - sources are limited in size, bracket/tag nesting and tokens per tag before parsing;
//   - the parsed tree is instrumented: every block body (loop bodies, if branches, macro
//     bodies, blocks, captured `set` bodies…) runs under a guard that counts steps and
//     nesting depth, checks the context and counts the bytes it writes; `+`, `~` and `*`
//     and every `{{ output }}` go through size checks before they materialise a value;
//   - filters, string methods and the range/lipsum globals that can amplify their input
//     are wrapped with size checks, range returns a bounded list;
//   - include/import/from are re-implemented over the run's named templates so that every
//     template that is loaded is limited and instrumented the same way;
//   - the output is capped, and a panic inside the engine becomes an error.
//
// Instrumenting needs to reach nodes held in unexported fields of gonja's control
// structures, so the walker reads them by reflection and edits the nodes it finds through
// their (typed) pointers.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/builtins"
	controls "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"polysynergy/shared/nodes"
)

// Limits of one template render.
const (
	MaxTemplateBytes = 512 << 10 // size of one template source
	MaxOutputBytes   = 8 << 20   // size of the rendered text
	maxValueBytes    = 8 << 20   // a value built while rendering (string, printed list…)
	maxWorkBytes     = 64 << 20  // all text written, including macro and block captures
	maxListLen       = 1 << 20   // elements of a list built while rendering
	maxSteps         = 250_000   // block bodies executed (loop iterations, macro calls…)
	maxDepth         = 256       // nested block bodies being executed (recursion)
	maxLoads         = 64        // template sources parsed for one render
	maxNesting       = 64        // brackets or block tags open at once in a source
	maxTagTokens     = 4096      // tokens in one {{ }} or {% %}
	maxRange         = 100_000   // elements range() may produce
	maxValueDepth    = 200       // nesting of a printed value
)

// LimitError reports a render that ran past one of the sandbox limits.
type LimitError struct{ Reason string }

func (e *LimitError) Error() string { return e.Reason }

// MissingTemplateError is an {% extends %}, {% include %} or {% import %} of a name that
// is not among the run's templates.
type MissingTemplateError struct{ Name string }

func (e *MissingTemplateError) Error() string {
	return fmt.Sprintf("template %q is not defined for this run", e.Name)
}

// SourceError is a template source that does not parse, with its position.
type SourceError struct {
	Template string // the named template, or "" for the node's own template
	Line     int
	Column   int
	Message  string
}

func (e *SourceError) Error() string {
	where := ""
	if e.Template != "" {
		where = fmt.Sprintf("template %q, ", e.Template)
	}
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%sline %d, column %d: %s", where, e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("%sline %d: %s", where, e.Line, e.Message)
	}
	return where + e.Message
}

// rootName is the loader name of the node's own template; named templates are never empty.
const rootName = ""

// Reserved names of the instrumentation's filters and function. Templates cannot spell
// them (they hold a NUL byte), so they cannot replace or call them.
const (
	filterOp    = "\x00op"
	filterLeave = "\x00leave"
	fnEnter     = "\x00enter"
)

// limits are the budget of one render (tests shrink them).
type limits struct {
	output, work        int64
	steps, depth, loads int
}

var defaultLimits = limits{output: MaxOutputBytes, work: maxWorkBytes, steps: maxSteps, depth: maxDepth, loads: maxLoads}

// budget is the state of one render: what it may still spend and what it has loaded.
type budget struct {
	ctx       context.Context
	lim       limits
	steps     int
	depth     int
	work      int64
	loads     int
	err       error // the first limit error; sticky
	templates map[string]string
	parsed    map[string]*exec.Template
	cfg       *config.Config
	env       *exec.Environment
	loader    *mapLoader
}

// RenderOptions adjust a render.
type RenderOptions struct {
	Strict     bool // undefined variables are errors
	AutoEscape bool // HTML-escape every {{ output }} that is not marked safe
}

// Render renders src with data; named templates resolve {% extends %}, {% include %} and
// {% import %}. It never panics and stops at the limits above or when ctx is done.
func Render(ctx context.Context, src string, data map[string]any, templates map[string]string, opt RenderOptions) (string, error) {
	return render(ctx, src, data, templates, opt, defaultLimits)
}

func render(ctx context.Context, src string, data map[string]any, templates map[string]string, opt RenderOptions, lim limits) (out string, err error) {
	b := &budget{ctx: ctx, lim: lim, templates: templates, parsed: map[string]*exec.Template{}}
	b.cfg = config.New()
	b.cfg.StrictUndefined = opt.Strict
	b.cfg.AutoEscape = opt.AutoEscape
	b.loader = &mapLoader{b: b, root: src}
	b.env = b.environment()

	defer func() {
		if r := recover(); r != nil {
			out, err = "", b.result(fmt.Errorf("template engine failed: %v", r))
		}
	}()
	tpl, err := b.load(rootName)
	if err != nil {
		return "", b.result(err)
	}
	vars := make(map[string]any, len(data))
	for k, v := range data {
		vars[k] = templateValue(v, 0)
	}
	w := &countingWriter{b: b, limit: lim.output}
	if err := tpl.Execute(w, exec.NewContext(vars)); err != nil {
		return "", b.result(err)
	}
	if b.err != nil {
		return "", b.err
	}
	return w.buf.String(), nil
}

// result prefers the budget's own error (limits, cancellation, a missing template) over
// the engine's wrapped version of it.
func (b *budget) result(err error) error {
	if b.err != nil {
		return b.err
	}
	var se *SourceError
	if errors.As(err, &se) {
		return se
	}
	var me *MissingTemplateError
	if errors.As(err, &me) {
		return me
	}
	var pe *parser.SyntaxError
	if errors.As(err, &pe) && pe.Line > 0 {
		return &SourceError{Line: pe.Line, Column: pe.Column, Message: pe.Message}
	}
	return errors.New(cleanMessage(err.Error()))
}

// fail records the first limit error and returns it.
func (b *budget) fail(err error) error {
	if b.err == nil {
		b.err = err
	}
	return b.err
}

// alive checks for an earlier limit error and for cancellation.
func (b *budget) alive() error {
	if b.err != nil {
		return b.err
	}
	if err := b.ctx.Err(); err != nil {
		return b.fail(fmt.Errorf("template rendering stopped: %w", err))
	}
	return nil
}

// enter is called when a block body starts; leave when it ends.
func (b *budget) enter() error {
	if err := b.alive(); err != nil {
		return err
	}
	b.steps++
	if b.steps > b.lim.steps {
		return b.fail(&LimitError{fmt.Sprintf("template ran more than %d loop iterations, macro calls or blocks", b.lim.steps)})
	}
	if b.depth >= b.lim.depth {
		return b.fail(&LimitError{fmt.Sprintf("template nests more than %d levels deep (runaway recursion?)", b.lim.depth)})
	}
	b.depth++
	return nil
}

func (b *budget) leave() { b.depth-- }

// load parses a template (the root or a named one) once per render and instruments it.
func (b *budget) load(name string) (*exec.Template, error) {
	if t, ok := b.parsed[name]; ok {
		return t, nil
	}
	if _, ok := b.loader.source(name); !ok {
		return nil, &MissingTemplateError{Name: name}
	}
	t, err := exec.NewTemplate(name, b.cfg, b.loader, b.env)
	if err != nil {
		if b.err != nil {
			return nil, b.err
		}
		return nil, parseError(name, err)
	}
	instrument(b, t.Root())
	b.parsed[name] = t
	return t, nil
}

// parseError turns gonja's parse error (which quotes the whole source) into a SourceError.
func parseError(name string, err error) error {
	var me *MissingTemplateError
	if errors.As(err, &me) {
		return me
	}
	var se *SourceError
	if errors.As(err, &se) {
		return se
	}
	var pe *parser.SyntaxError
	if errors.As(err, &pe) && pe.Line > 0 {
		return &SourceError{Template: name, Line: pe.Line, Column: pe.Column, Message: pe.Message}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return &SourceError{Template: name, Message: cleanMessage(err.Error())}
}

// mapLoader serves the node's template and the run's named templates.
type mapLoader struct {
	b    *budget
	root string
}

func (l *mapLoader) source(name string) (string, bool) {
	if name == rootName {
		return l.root, true
	}
	s, ok := l.b.templates[name]
	return s, ok
}

// Read implements loaders.Loader; every source parsed for the render passes here.
func (l *mapLoader) Read(name string) (io.Reader, error) {
	src, ok := l.source(name)
	if !ok {
		err := &MissingTemplateError{Name: name}
		l.b.fail(err)
		return nil, err
	}
	l.b.loads++
	if l.b.loads > l.b.lim.loads {
		return nil, l.b.fail(&LimitError{fmt.Sprintf("template loads more than %d templates (recursive extends?)", l.b.lim.loads)})
	}
	if err := checkSource(name, src, l.b.cfg); err != nil {
		return nil, l.b.fail(err)
	}
	return strings.NewReader(src), nil
}

// Resolve implements loaders.Loader: names are flat, so a name resolves to itself.
func (l *mapLoader) Resolve(name string) (string, error) {
	if _, ok := l.source(name); !ok {
		return "", &MissingTemplateError{Name: name}
	}
	return name, nil
}

// Inherit implements loaders.Loader; there are no directories.
func (l *mapLoader) Inherit(string) (loaders.Loader, error) { return l, nil }

var blockOpeners = map[string]bool{"for": true, "if": true, "macro": true, "call": true, "filter": true,
	"with": true, "block": true, "autoescape": true, "trans": true}

// checkSource bounds a source before the recursive-descent parser sees it.
func checkSource(name, src string, cfg *config.Config) error {
	if len(src) > MaxTemplateBytes {
		return &SourceError{Template: name, Message: fmt.Sprintf("template is %d bytes, more than the %d allowed", len(src), MaxTemplateBytes)}
	}
	s := tokens.LexAll(src, cfg)
	brackets, blocks, inTag, count := 0, 0, false, 0
	var tagName string
	assigned := false
	for !s.End() {
		t := s.Next()
		deep := func(what string) error {
			return &SourceError{Template: name, Line: t.Line, Column: t.Col,
				Message: fmt.Sprintf("%s nested more than %d levels deep", what, maxNesting)}
		}
		switch t.Type {
		case tokens.VariableBegin, tokens.BlockBegin:
			inTag, count, brackets, tagName, assigned = true, 0, 0, "", false
			if t.Type == tokens.BlockBegin {
				tagName = "?"
			}
			continue
		case tokens.VariableEnd:
			inTag = false
			continue
		case tokens.BlockEnd:
			inTag = false
			if tagName == "set" && !assigned {
				blocks++ // {% set x %}…{% endset %}
			}
			if blocks > maxNesting {
				return deep("block tags are")
			}
			continue
		}
		if !inTag {
			continue
		}
		count++
		if count > maxTagTokens {
			return &SourceError{Template: name, Line: t.Line, Column: t.Col,
				Message: fmt.Sprintf("expression has more than %d tokens", maxTagTokens)}
		}
		switch t.Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			brackets++
			if brackets > maxNesting {
				return deep("brackets are")
			}
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			brackets--
		case tokens.Assign:
			assigned = true
		case tokens.Name:
			if tagName == "?" {
				tagName = t.Val
				if blockOpeners[t.Val] {
					blocks++
				} else if strings.HasPrefix(t.Val, "end") && blocks > 0 {
					blocks--
				}
			}
		}
	}
	return nil
}

// countingWriter counts what a renderer writes against the work budget; the top-level
// writer also keeps the output and enforces the output cap.
type countingWriter struct {
	b     *budget
	w     io.Writer // nil for the top level: written to buf
	buf   strings.Builder
	limit int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if err := c.b.alive(); err != nil {
		return 0, err
	}
	c.b.work += int64(len(p))
	if c.b.work > c.b.lim.work {
		return 0, c.b.fail(&LimitError{fmt.Sprintf("template wrote more than %d bytes in total", c.b.lim.work)})
	}
	if c.w != nil {
		return c.w.Write(p)
	}
	if int64(c.buf.Len()+len(p)) > c.limit {
		return 0, c.b.fail(&LimitError{fmt.Sprintf("template output is larger than %d bytes", c.limit)})
	}
	return c.buf.Write(p)
}

// WriteString lets io.WriteString avoid a copy.
func (c *countingWriter) WriteString(s string) (int, error) { return c.Write([]byte(s)) }

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
	tGuard   = reflect.TypeFor[*guard]()
)

const gonjaPkg = "github.com/nikolalohinski/gonja/v2/"

// instrument walks a parsed template (with its parents, blocks and macros) and installs
// the guards.
func instrument(b *budget, root *gnodes.Template) {
	in := &instrumenter{b: b, seen: map[unsafe.Pointer]bool{}}
	in.walk(reflect.ValueOf(root), 0)
}

type instrumenter struct {
	b    *budget
	seen map[unsafe.Pointer]bool
}

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
			t.Nodes = in.outputs(t.Nodes)
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

// binary reroutes `a + b`, `a ~ b`, `a * b` and `a % b` through the size-checking filter:
// `true and (a | op(b, "+"))`, which evaluates each operand once and yields the result.
func (in *instrumenter) binary(e *gnodes.BinaryExpression) {
	if e.Operator == nil || e.Operator.Token == nil {
		return
	}
	op := e.Operator.Token
	switch op.Type {
	case tokens.Addition, tokens.Tilde, tokens.Multiply, tokens.Modulo:
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
		s := &outputStructure{b: in.b, o: o, at: at, text: o.Expression.String()}
		in.walk(reflect.ValueOf(o), 0)
		out[i] = &gnodes.ControlStructureBlock{Location: at, Name: "output", ControlStructure: s}
	}
	return out
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
	if r.Config.AutoEscape && value.IsString() && !value.Safe {
		text = value.Escaped()
	}
	_, err := io.WriteString(r.Output, text)
	return err
}

// cleanMessage removes the traces of the instrumentation from an engine error message.
func cleanMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "unable to execute template: ")
	for {
		i := strings.Index(msg, "\x00")
		if i < 0 {
			break
		}
		start := strings.LastIndex(msg[:i], "Unable to evaluate right parameter filtered_expression(")
		if alt := strings.LastIndex(msg[:i], "unable to evaluate filter &{"); start < 0 || (alt >= 0 && alt < start) {
			if start < 0 {
				start = alt
			}
		}
		end := strings.Index(msg[i:], "': ")
		if start < 0 || end < 0 {
			msg = strings.ReplaceAll(msg, "\x00", "")
			break
		}
		msg = msg[:start] + msg[i+end+3:]
	}
	msg = strings.ReplaceAll(msg, "Unable to execute controlStructure at line ", "line ")
	msg = strings.ReplaceAll(msg, "true and filtered_expression(", "(")
	return msg
}

// environment builds the render's environment: wrapped filters, methods, globals and
// control structures.
func (b *budget) environment() *exec.Environment {
	filters := map[string]exec.FilterFunction{
		filterOp:    b.opFilter,
		filterLeave: b.leaveFilter,
	}
	for _, name := range filterNames {
		if f, ok := builtins.Filters.Get(name); ok {
			filters[name] = b.wrapFilter(name, f)
		}
	}
	structures := map[string]parser.ControlStructureParser{
		"include": b.includeParser,
		"import":  b.importParser,
		"from":    b.fromParser,
	}
	for _, name := range structureNames {
		if p, ok := controls.All.Get(name); ok {
			structures[name] = p
		}
	}
	for name, p := range structures {
		structures[name] = positioned(name, p)
	}
	globals := map[string]any{
		"range":  b.rangeFunction,
		"lipsum": lipsumFunction,
		fnEnter:  b.enterFunction,
	}
	for _, name := range []string{"cycler", "dict", "joiner", "namespace", "_", "gettext", "ngettext"} {
		if f, ok := builtins.GlobalFunctions.Get(name); ok {
			globals[name] = f
		}
	}
	return &exec.Environment{
		Context:           exec.NewContext(globals),
		Filters:           exec.NewFilterSet(filters),
		Tests:             builtins.Tests,
		ControlStructures: exec.NewControlStructureSet(structures),
		Methods:           sandboxMethods(),
	}
}

// positioned gives a tag's parse error the tag's line when gonja reports none.
func positioned(name string, p parser.ControlStructureParser) parser.ControlStructureParser {
	return func(outer *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
		cs, err := p(outer, args)
		if err == nil {
			return cs, nil
		}
		var se *SourceError
		var pe *parser.SyntaxError
		var me *MissingTemplateError
		var le *LimitError
		if errors.As(err, &se) || (errors.As(err, &pe) && pe.Line > 0) || errors.As(err, &me) || errors.As(err, &le) {
			return nil, err
		}
		line := 0
		if t := outer.Current(); t != nil {
			line = t.Line
		}
		return nil, &SourceError{Line: line, Message: fmt.Sprintf("{%% %s %%}: %v", name, err)}
	}
}

var filterNames = []string{"abs", "attr", "batch", "capitalize", "center", "default", "d", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "items", "last",
	"length", "count", "list", "lower", "map", "max", "min", "pprint", "random", "rejectattr", "reject", "replace",
	"reverse", "round", "safe", "selectattr", "select", "slice", "sort", "string", "striptags", "sum", "title",
	"tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"}

var structureNames = []string{"autoescape", "block", "extends", "filter", "for", "if", "macro", "raw", "set",
	"with", "do", "break", "continue", "trans", "call"}

func errValue(err error) *exec.Value { return exec.AsValue(err) }

func (b *budget) checkSize(v any, what string) error {
	n := measure(v, maxValueBytes)
	if n > maxValueBytes {
		return b.fail(&LimitError{fmt.Sprintf("%s is larger than %d bytes or nested more than %d levels", what, maxValueBytes, maxValueDepth)})
	}
	return nil
}

// opFilter evaluates `left op right` after checking the size of the result.
func (b *budget) opFilter(e *exec.Evaluator, left *exec.Value, p *exec.VarArgs) *exec.Value {
	if left.IsError() {
		return left
	}
	if err := b.alive(); err != nil {
		return errValue(err)
	}
	if len(p.Args) != 2 {
		return errValue(errors.New("operator: internal error"))
	}
	right, op := p.Args[0], p.Args[1].String()
	var tt tokens.Type
	switch op {
	case "*":
		tt = tokens.Multiply
		if left.IsString() && !right.IsFloat() {
			n := right.Integer()
			if n <= 0 {
				return exec.AsValue("")
			}
			if l := len(left.String()); l > 0 && n > maxValueBytes/l {
				return errValue(b.fail(&LimitError{fmt.Sprintf("repeating a string would build more than %d bytes", maxValueBytes)}))
			}
		}
	case "+":
		tt = tokens.Addition
		if left.IsList() && right.IsList() && left.Len()+right.Len() > maxListLen {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined list would have more than %d elements", maxListLen)}))
		}
		if measure(left, maxValueBytes)+measure(right, maxValueBytes) > maxValueBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined value would be larger than %d bytes", maxValueBytes)}))
		}
	case "%":
		tt = tokens.Modulo
		if !left.IsFloat() && !right.IsFloat() && right.Integer() == 0 {
			return errValue(errors.New("modulo by zero"))
		}
	case "~":
		tt = tokens.Tilde
		if measure(left, maxValueBytes)+measure(right, maxValueBytes) > maxValueBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined string would be larger than %d bytes", maxValueBytes)}))
		}
	default:
		return errValue(fmt.Errorf("operator %q: internal error", op))
	}
	sub := &exec.Evaluator{Config: e.Config, Loader: e.Loader, Environment: &exec.Environment{
		Context:           exec.NewContext(map[string]any{"left": left, "right": right}),
		Filters:           e.Environment.Filters,
		Tests:             e.Environment.Tests,
		ControlStructures: e.Environment.ControlStructures,
		Methods:           e.Environment.Methods,
	}}
	tok := func(t tokens.Type, v string) *tokens.Token { return &tokens.Token{Type: t, Val: v} }
	return sub.Eval(&gnodes.BinaryExpression{
		Left:     &gnodes.Name{Name: tok(tokens.Name, "left")},
		Right:    &gnodes.Name{Name: tok(tokens.Name, "right")},
		Operator: &gnodes.BinOperator{Token: tok(tt, op)},
	})
}

// arg returns positional argument i or keyword argument name.
func arg(p *exec.VarArgs, i int, name string) *exec.Value {
	if i >= 0 && i < len(p.Args) {
		return p.Args[i]
	}
	if v, ok := p.KwArgs[name]; ok {
		return v
	}
	return nil
}

func intArg(p *exec.VarArgs, i int, name string) int64 {
	v := arg(p, i, name)
	if v == nil || !v.IsNumber() {
		return 0
	}
	f := v.Float()
	if f > 1e15 {
		return 1e15
	}
	if f < -1e15 {
		return -1e15
	}
	return int64(f)
}

func strLen(v *exec.Value) int64 {
	if v == nil || !v.IsString() {
		return 0
	}
	return int64(len(v.String()))
}

// iterating filters walk a string rune by rune, building one value per character.
var iterating = map[string]bool{"list": true, "unique": true, "sort": true, "batch": true, "slice": true,
	"groupby": true, "map": true, "select": true, "reject": true, "selectattr": true, "rejectattr": true,
	"sum": true, "min": true, "max": true, "join": true, "random": true, "first": true, "last": true}

// stringifying filters turn their input into text (or walk all of it), so its size matters.
var stringifying = map[string]bool{"capitalize": true, "center": true, "e": true, "escape": true, "forceescape": true,
	"format": true, "indent": true, "lower": true, "upper": true, "title": true, "trim": true, "truncate": true,
	"striptags": true, "string": true, "pprint": true, "tojson": true, "urlencode": true, "urlize": true,
	"wordcount": true, "wordwrap": true, "replace": true, "join": true, "xmlattr": true, "list": true}

// wrapFilter bounds what a built-in filter may build.
func (b *budget) wrapFilter(name string, f exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		if err := b.alive(); err != nil {
			return errValue(err)
		}
		if in.IsError() {
			return in
		}
		var size int64
		switch {
		case in.IsString():
			size = int64(len(in.String()))
		case stringifying[name]:
			size = measure(in, maxWorkBytes)
		}
		if size > maxWorkBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: input is larger than %d bytes", name, maxWorkBytes)}))
		}
		if iterating[name] && in.IsString() && len(in.String()) > maxListLen {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: string input is longer than %d characters", name, maxListLen)}))
		}
		est := size
		switch name {
		case "center":
			est = max(size, intArg(p, 0, "width"))
		case "indent":
			w := intArg(p, 0, "width")
			if v := arg(p, 0, "width"); v != nil && v.IsString() {
				w = strLen(v)
			}
			est = size + (int64(strings.Count(in.String(), "\n"))+1)*max(w, 0)
		case "batch", "slice":
			n := intArg(p, 0, map[string]string{"batch": "linecount", "slice": "slices"}[name])
			if n > maxListLen {
				return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: more than %d groups", name, maxListLen)}))
			}
		case "join":
			n := int64(0)
			if in.IsIterable() {
				n = int64(in.Len())
			}
			est = size + n*strLen(arg(p, 0, "d"))
		case "replace":
			if in.IsString() {
				s, old := in.String(), arg(p, 0, "old")
				count := int64(len(s) + 1)
				if old != nil && old.String() != "" {
					count = int64(strings.Count(s, old.String()))
				}
				est = size + count*strLen(arg(p, 1, "new"))
			}
		case "urlize":
			extra := int64(64)
			for _, v := range p.KwArgs {
				extra += strLen(v)
			}
			est = size + (size/4+1)*extra
		case "format":
			for _, v := range p.Args {
				est += measure(v, maxWorkBytes)
			}
		case "tojson":
			if n := intArg(p, 0, "indent"); n > 64 {
				return errValue(b.fail(&LimitError{"filter tojson: indent is larger than 64"}))
			}
		}
		if est > maxValueBytes && est > size {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s would build more than %d bytes", name, maxValueBytes)}))
		}
		out := f(e, in, p)
		if out != nil && !out.IsError() {
			if out.IsList() && out.Len() > maxListLen {
				return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s built more than %d elements", name, maxListLen)}))
			}
		}
		return out
	}
}

// sandboxMethods wraps the string methods that can amplify their input.
func sandboxMethods() exec.Methods {
	all := builtins.Methods
	str := map[string]exec.Method[string]{}
	for _, name := range strMethodNames {
		m, ok := all.Str.Get(name)
		if !ok {
			continue
		}
		str[name] = wrapStrMethod(name, m)
	}
	return exec.Methods{Bool: all.Bool, Int: all.Int, Float: all.Float, Dict: all.Dict, List: all.List,
		Str: exec.NewMethodSet(str)}
}

var strMethodNames = []string{"capitalize", "capwords", "casefold", "center", "count", "encode", "endswith",
	"expandtabs", "find", "format", "format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
	"islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
	"partition", "removeprefix", "removesuffix", "replace", "rfind", "rjust", "rpartition", "rsplit", "rstrip",
	"split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"}

// formatWidth finds numbers in the replacement fields of a str.format pattern.
var formatWidth = regexp.MustCompile(`\{[^{}]*?(\d{7,}|\{)`)

func wrapStrMethod(name string, m exec.Method[string]) exec.Method[string] {
	return func(self string, selfValue *exec.Value, p *exec.VarArgs) (any, error) {
		size := int64(len(self))
		est := size
		switch name {
		case "center", "ljust", "rjust", "zfill":
			est = max(size, intArg(p, 0, "width"))
		case "expandtabs":
			tab := intArg(p, 0, "tabsize")
			if arg(p, 0, "tabsize") == nil {
				tab = 8
			}
			est = size + int64(strings.Count(self, "\t"))*max(tab, 0)
		case "replace":
			old := arg(p, 0, "old")
			count := int64(len(self) + 1)
			if old != nil && old.String() != "" {
				count = int64(strings.Count(self, old.String()))
			}
			est = size + count*strLen(arg(p, 1, "new"))
		case "join":
			if v := arg(p, 0, "iterable"); v != nil {
				n := measure(v, maxWorkBytes)
				if v.IsIterable() {
					est = n + int64(v.Len())*size
				}
			}
		case "format", "format_map":
			if formatWidth.MatchString(self) {
				return nil, errors.New(name + ": field widths above 999999 and nested fields are not allowed")
			}
			for _, v := range p.Args {
				est += measure(v, maxWorkBytes)
			}
			for _, v := range p.KwArgs {
				est += measure(v, maxWorkBytes)
			}
		}
		if est > maxValueBytes && est > size {
			return nil, &LimitError{fmt.Sprintf("%s would build more than %d bytes", name, maxValueBytes)}
		}
		return m(self, selfValue, p)
	}
}

// rangeFunction is range() returning a bounded list instead of gonja's goroutine-fed channel.
func (b *budget) rangeFunction(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	start, stop, step := 0, 0, 1
	ints := make([]int, len(p.Args))
	for i, a := range p.Args {
		if !a.IsInteger() {
			return errValue(errors.New("range: arguments must be integers: [start, ]stop[, step]"))
		}
		ints[i] = a.Integer()
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return errValue(errors.New("range: expected [start, ]stop[, step]"))
	}
	if step == 0 {
		return errValue(errors.New("range: step cannot be 0"))
	}
	var n int
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if n > maxRange || n < 0 {
		return errValue(b.fail(&LimitError{fmt.Sprintf("range would have more than %d elements", maxRange)}))
	}
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return exec.AsValue(out)
}

// lipsumFunction bounds lipsum()'s paragraph and word counts.
func lipsumFunction(e *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	if intArg(p, 0, "n") > 100 || intArg(p, 3, "max") > 1000 || intArg(p, 2, "min") > 1000 {
		return errValue(errors.New("lipsum: at most 100 paragraphs of 1000 words"))
	}
	f, ok := builtins.GlobalFunctions.Get("lipsum")
	if !ok {
		return errValue(errors.New("lipsum is not available"))
	}
	fn, ok := f.(func(*exec.Evaluator, *exec.VarArgs) *exec.Value)
	if !ok {
		return errValue(errors.New("lipsum is not available"))
	}
	return fn(e, p)
}

// include, import and from-import over the budget's loader.

type includeStructure struct {
	b             *budget
	at            *tokens.Token
	name          gnodes.Expression
	ignoreMissing bool
}

func (s *includeStructure) Position() *tokens.Token { return s.at }
func (s *includeStructure) String() string          { return "include" }

func (b *budget) includeParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &includeStructure{b: b, at: p.Current()}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("ignore") != nil {
		if args.MatchName("missing") == nil {
			return nil, args.Error("expected 'missing' after 'ignore'", args.Current())
		}
		s.ignoreMissing = true
	}
	if args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed include tag", args.Current())
	}
	return s, nil
}

// Execute implements exec.ControlStructure: renders the named template into the output.
func (s *includeStructure) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	v := r.Eval(s.name)
	if v.IsError() {
		return fmt.Errorf("include: %w", v)
	}
	names := []string{v.String()}
	if v.IsList() {
		names = names[:0]
		for i := 0; i < v.Len(); i++ {
			names = append(names, v.Index(i).String())
		}
	}
	var tpl *exec.Template
	for _, name := range names {
		if _, ok := s.b.loader.source(name); ok || !s.ignoreMissing || len(names) == 1 {
			t, err := s.b.load(name)
			if err != nil {
				var me *MissingTemplateError
				if s.ignoreMissing && errors.As(err, &me) {
					return nil
				}
				return err
			}
			tpl = t
			break
		}
	}
	if tpl == nil {
		return nil
	}
	if err := s.b.enter(); err != nil {
		return err
	}
	defer s.b.leave()
	env := *r.Environment
	env.Context = r.Environment.Context.Inherit()
	return exec.NewRenderer(&env, r.Output, r.Config.Inherit(), s.b.loader, tpl).Execute()
}

type importStructure struct {
	b     *budget
	at    *tokens.Token
	name  gnodes.Expression
	as    string            // import "x" as as
	names map[string]string // from "x" import name as alias: alias → name
}

func (s *importStructure) Position() *tokens.Token { return s.at }
func (s *importStructure) String() string          { return "import" }

func (b *budget) importParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &importStructure{b: b, at: p.Current()}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("as") == nil {
		return nil, args.Error("expected 'as'", args.Current())
	}
	alias := args.Match(tokens.Name)
	if alias == nil {
		return nil, args.Error("expected a name after 'as'", args.Current())
	}
	s.as = alias.Val
	if args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed import tag", args.Current())
	}
	return s, nil
}

func (b *budget) fromParser(p *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
	s := &importStructure{b: b, at: p.Current(), names: map[string]string{}}
	name, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.name = name
	if args.MatchName("import") == nil {
		return nil, args.Error("expected 'import'", args.Current())
	}
	for !args.End() {
		if args.MatchName("with", "without") != nil {
			if args.MatchName("context") == nil {
				return nil, args.Error("expected 'context'", args.Current())
			}
			break
		}
		n := args.Match(tokens.Name)
		if n == nil {
			return nil, args.Error("expected a macro name", args.Current())
		}
		alias := n.Val
		if args.MatchName("as") != nil {
			a := args.Match(tokens.Name)
			if a == nil {
				return nil, args.Error("expected a name after 'as'", args.Current())
			}
			alias = a.Val
		}
		s.names[alias] = n.Val
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if !args.End() && args.MatchName("with", "without") != nil && args.MatchName("context") == nil {
		return nil, args.Error("expected 'context'", args.Current())
	}
	if !args.End() {
		return nil, args.Error("malformed from-import tag", args.Current())
	}
	if len(s.names) == 0 {
		return nil, args.Error("nothing to import", args.Current())
	}
	return s, nil
}

// Execute implements exec.ControlStructure: binds the named template's macros.
func (s *importStructure) Execute(r *exec.Renderer, _ *gnodes.ControlStructureBlock) error {
	v := r.Eval(s.name)
	if v.IsError() {
		return fmt.Errorf("import: %w", v)
	}
	tpl, err := s.b.load(v.String())
	if err != nil {
		return err
	}
	macros := tpl.Macros()
	bind := func(m *gnodes.Macro) (exec.Macro, error) { return exec.MacroNodeToFunc(m, r) }
	if s.names == nil {
		all := map[string]exec.Macro{}
		for name, m := range macros {
			fn, err := bind(m)
			if err != nil {
				return err
			}
			all[name] = fn
		}
		r.Environment.Context.Set(s.as, all)
		return nil
	}
	for alias, name := range s.names {
		m, ok := macros[name]
		if !ok {
			return fmt.Errorf("template %q has no macro %q", v.String(), name)
		}
		fn, err := bind(m)
		if err != nil {
			return err
		}
		r.Environment.Context.Set(alias, fn)
	}
	return nil
}

// measure estimates the printed size of v, giving up once it passes limit. Values nested
// deeper than maxValueDepth count as too large (printing them would recurse that deep).
func measure(v any, limit int64) int64 {
	m := &meter{limit: limit}
	m.add(reflect.ValueOf(v), 0)
	return m.n
}

type meter struct{ n, limit int64 }

var (
	tValue     = reflect.TypeFor[*exec.Value]()
	tReflValue = reflect.TypeFor[reflect.Value]()
	tDict      = reflect.TypeFor[*exec.Dict]()
)

func (m *meter) add(v reflect.Value, depth int) {
	if m.n > m.limit {
		return
	}
	if depth > maxValueDepth {
		m.n = m.limit + 1
		return
	}
	if !v.IsValid() {
		m.n += 4
		return
	}
	switch v.Type() {
	case tValue:
		if v.IsNil() || !v.CanInterface() {
			m.n += 4
			return
		}
		m.add(v.Interface().(*exec.Value).Val, depth+1)
		return
	case tReflValue:
		if v.CanInterface() {
			m.add(v.Interface().(reflect.Value), depth+1)
		}
		return
	case tDict:
		if v.IsNil() || !v.CanInterface() {
			m.n += 4
			return
		}
		for _, p := range v.Interface().(*exec.Dict).Pairs {
			m.n += 4
			if p != nil {
				m.add(reflect.ValueOf(p.Key), depth+1)
				m.add(reflect.ValueOf(p.Value), depth+1)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		m.n += int64(v.Len()) + 2
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			m.n += 4
			return
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			m.n += 64
			return
		}
		m.add(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		m.n += 2
		for i := 0; i < v.Len() && m.n <= m.limit; i++ {
			m.n += 2
			m.add(v.Index(i), depth+1)
		}
	case reflect.Map:
		m.n += 2
		it := v.MapRange()
		for it.Next() && m.n <= m.limit {
			m.n += 4
			m.add(it.Key(), depth+1)
			m.add(it.Value(), depth+1)
		}
	default:
		m.n += 24
	}
}

// templateValue converts node values for the template: whole numbers become integers (so
// `{{ count }}` prints 3, not 3.0) and maps and lists are copied (templates may change them).
func templateValue(v any, depth int) any {
	if depth > maxValueDepth {
		return v
	}
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) && x <= 1<<53 && x >= -(1<<53) {
			return int(x)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = templateValue(e, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = templateValue(e, depth+1)
		}
		return out
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return templateValue(f, depth)
		}
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case nodes.Out:
		return templateValue(map[string]any(x), depth)
	}
	return v
}
