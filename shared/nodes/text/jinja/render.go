// Package jinja renders Jinja templates (with github.com/nikolalohinski/gonja/v2) inside a
// sandbox, for templates and data that are user input.
//
// gonja is a faithful Jinja implementation but it was not written for
// untrusted templates: `"x" * 10**12`, `range(10**12)`, runaway recursion of macros or
// includes, or deeply nested brackets can exhaust memory or the Go stack, which kills the
// process rather than failing the node. Templates and their data are user input here, so
// every render runs under a budget:
//
//   - sources are limited in size, bracket/tag nesting and tokens per tag before parsing;
//   - the parsed tree is instrumented: every block body (loop bodies, if branches, macro
//     bodies, blocks, captured `set` bodies…) runs under a guard that counts steps and
//     nesting depth, checks the context and counts the bytes it writes; macro defaults
//     count as a nesting level; the operators that build values (`+ ~ * %`) or walk whole
//     containers (`== != < <= > >= in`), every `{{ output }}` and every `{% set %}` go
//     through size checks, so no value can double its way past the limits;
//   - filters, tests, string methods and the range/lipsum globals are wrapped with size
//     checks on what they read and build; range returns a bounded list;
//   - include/import/from are re-implemented over the run's named templates so that every
//     template that is loaded is limited and instrumented the same way;
//   - the output is capped, and a panic inside the engine becomes an error.
//
// Instrumenting needs to reach nodes held in unexported fields of gonja's control
// structures, so the walker reads them by reflection and edits the nodes it finds through
// their (typed) pointers.
package jinja

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
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
	filterIndex = "\x00index"
	fnEnter     = "\x00enter"
	fnMethod    = "\x00method"
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
	reads     []*readSite       // the guarded `.x` and `[k]` reads of the parsed templates
	undefined []*UndefinedError // reads of an undefined or null value, first few
	methods   exec.Methods      // the environment's methods, for methodFunction
	// anyName: a named template that is not in templates reads as empty (Check, which
	// does not know the run's templates)
	anyName bool
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

// newBudget sets up one render (or parse) of src: the configuration, loader and environment
// every parse of a template goes through, so Check and Render parse alike.
func newBudget(ctx context.Context, src string, templates map[string]string, opt RenderOptions, lim limits) *budget {
	b := &budget{ctx: ctx, lim: lim, templates: templates, parsed: map[string]*exec.Template{}}
	b.cfg = config.New()
	b.cfg.StrictUndefined = opt.Strict
	b.cfg.AutoEscape = opt.AutoEscape
	b.loader = &mapLoader{b: b, root: src}
	b.env = b.environment()
	return b
}

// Check parses src as Render would, without rendering it, and returns its syntax error: a
// *SourceError with the line and column (or a *LimitError for a source past the parse
// limits), nil when it parses. Named templates are not known here: an {% extends %} of one
// parses as if it were empty, and {% include %} and {% import %} load theirs only when
// rendering, so only src's own syntax is checked. It never panics.
func Check(src string) error { return check(src, defaultLimits) }

func check(src string, lim limits) (err error) {
	b := newBudget(context.Background(), src, nil, RenderOptions{}, lim)
	b.anyName = true
	defer func() {
		if r := recover(); r != nil {
			err = b.result(fmt.Errorf("template engine failed: %v", r))
		}
	}()
	if _, err := b.load(rootName); err != nil {
		return b.result(err)
	}
	return nil
}

func render(ctx context.Context, src string, data map[string]any, templates map[string]string, opt RenderOptions, lim limits) (out string, err error) {
	b := newBudget(ctx, src, templates, opt, lim)
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
		vars[k] = share(templateValue(v, 0), 0) // lists by reference (lists.go)
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
	if ue := b.undefinedCause(err); ue != nil {
		return ue
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
		err = parseError(name, err)
		if se, ok := err.(*SourceError); ok && se.Line == 0 {
			src, _ := b.loader.source(name)
			if at, found := lexError(name, src, b.cfg); found {
				err = at
			}
		}
		return nil, err
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

// lexError is where gonja's lexer stops on src, when it does: its errors (an unclosed
// comment or string, a stray delimiter) reach the parser with a byte offset but no line, so
// the parse error says neither where nor, often, what.
func lexError(name, src string, cfg *config.Config) (*SourceError, bool) {
	s := tokens.LexAll(src, cfg)
	for !s.End() {
		s.Next()
	}
	t := s.Current()
	if t == nil || t.Type != tokens.Error || t.Pos < 0 || t.Pos > len(src) {
		return nil, false
	}
	pos, msg := t.Pos, t.Val
	switch {
	case msg == "unclosed comment":
		// the lexer stops at the end: point at the comment that is not closed
		if i := strings.LastIndex(src[:pos], cfg.CommentStartString); i >= 0 {
			pos, msg = i, "comment "+cfg.CommentStartString+" is not closed with "+cfg.CommentEndString
		}
	case msg != "":
		// an unclosed string: the lexer's message is the rest of the string's line
		for _, q := range []string{"'", `"`} {
			if i := strings.LastIndex(src[:pos], q+msg); i >= 0 {
				pos, msg = i, "string starting "+q+" is not closed"
				break
			}
		}
	}
	before := src[:pos]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return &SourceError{Template: name, Line: line, Column: col, Message: cleanMessage(msg)}, true
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
	if !ok && l.b.anyName {
		return "", true
	}
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
