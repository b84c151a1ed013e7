// Package expr evaluates the {{ expression }} templates of node inputs and resolves the
// <secret:KEY> and <env:KEY> placeholders. Expressions use github.com/expr-lang/expr over
// the outputs of finished nodes by handle, plus `trigger`, `run` and `env`; they are
// compiled once per plan and evaluated without I/O at a bounded cost.
package expr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"polysynergy/shared/nodes"
)

// MaxNodes bounds the size of one expression's syntax tree.
const MaxNodes = 2000

// Resolver supplies secret and environment values for the run's stage.
type Resolver interface {
	Secret(ctx context.Context, key string) (string, error)
	Env(ctx context.Context, key string) (string, error)
}

// SyntaxError is an expression that does not parse, with its byte offset in the input.
type SyntaxError struct {
	Offset  int    // byte offset of the problem in the whole input string
	Column  int    // 1-based column within the input string's line
	Line    int    // 1-based line within the input string
	Message string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// PlaceholderKind is the kind of a <kind:KEY> placeholder.
type PlaceholderKind string

// The placeholder kinds.
const (
	SecretPlaceholder PlaceholderKind = "secret"
	EnvPlaceholder    PlaceholderKind = "env"
)

// Placeholder is a <secret:KEY> or <env:KEY> reference found in a template.
type Placeholder struct {
	Kind PlaceholderKind
	Key  string
}

// String renders the placeholder in its canonical form.
func (p Placeholder) String() string { return "<" + string(p.Kind) + ":" + p.Key + ">" }

// MissingError is a placeholder whose key has no value on the run's stage.
type MissingError struct {
	Placeholder Placeholder
	Err         error
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s %q is not set on this stage: %v", e.Placeholder.Kind, e.Placeholder.Key, e.Err)
}

func (e *MissingError) Unwrap() error { return e.Err }

type part struct {
	lit  string
	prog *vm.Program
	lazy *lazyProgram // plain paths: compiled only if the fast walk cannot answer
	path []step
	code string
	ph   *Placeholder
}

func (p part) isExpr() bool { return p.prog != nil || p.lazy != nil }

// Template is a compiled string value. The zero Template is the empty literal.
type Template struct {
	src    string
	parts  []part
	single bool // the whole string is one expression: its value keeps its type
	refs   []string
	phs    []Placeholder
}

var placeholderRE = regexp.MustCompile(`<(secret|sec|env|environment):([A-Za-z0-9_.\-/]+)>`)

// HasSyntax reports whether s contains anything to evaluate.
func HasSyntax(s string) bool {
	return strings.Contains(s, "{{") || (strings.Contains(s, "<") && placeholderRE.MatchString(s))
}

// Compile parses a templated string. Text outside {{ }} is kept; placeholders are found in it.
func Compile(s string) (*Template, error) {
	t := &Template{src: s}
	rest, offset := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.addLiteral(rest)
			break
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, syntaxAt(s, offset+i, "opening {{ has no closing }}")
		}
		t.addLiteral(rest[:i])
		code := rest[i+2 : i+2+j]
		if strings.TrimSpace(code) == "" {
			return nil, syntaxAt(s, offset+i, "empty expression {{ }}")
		}
		if steps, ok := parsePlainPath(code); ok {
			t.parts = append(t.parts, part{lazy: &lazyProgram{code: code}, path: steps, code: strings.TrimSpace(code)})
			if !slices.Contains(t.refs, steps[0].key) {
				t.refs = append(t.refs, steps[0].key)
			}
			offset += i + 2 + j + 2
			rest = rest[i+2+j+2:]
			continue
		}
		prog, err := compileExpr(code)
		if err != nil {
			var fe *file.Error
			pos := offset + i + 2
			msg := err.Error()
			if errors.As(err, &fe) {
				pos += columnOffset(code, fe.Line, fe.Column)
				msg = fe.Message
			}
			return nil, syntaxAt(s, pos, msg)
		}
		t.parts = append(t.parts, part{prog: prog, path: fastPath(prog), code: strings.TrimSpace(code)})
		t.refs = appendRefs(t.refs, prog)
		offset += i + 2 + j + 2
		rest = rest[i+2+j+2:]
	}
	if len(t.parts) == 1 && t.parts[0].isExpr() {
		t.single = true
	}
	return t, nil
}

func (t *Template) addLiteral(s string) {
	if s == "" {
		return
	}
	for s != "" {
		loc := placeholderRE.FindStringSubmatchIndex(s)
		if loc == nil {
			t.parts = append(t.parts, part{lit: s})
			return
		}
		if loc[0] > 0 {
			t.parts = append(t.parts, part{lit: s[:loc[0]]})
		}
		kind := EnvPlaceholder
		if k := s[loc[2]:loc[3]]; k == "secret" || k == "sec" {
			kind = SecretPlaceholder
		}
		ph := Placeholder{Kind: kind, Key: s[loc[4]:loc[5]]}
		t.phs = append(t.phs, ph)
		t.parts = append(t.parts, part{ph: &ph})
		s = s[loc[1]:]
	}
}

// Source is the template's text.
func (t *Template) Source() string { return t.src }

// Literal reports whether the template has nothing to evaluate.
func (t *Template) Literal() bool {
	for _, p := range t.parts {
		if p.isExpr() || p.ph != nil {
			return false
		}
	}
	return true
}

// Refs lists the root names the template's expressions read (node handles, trigger, run, env).
func (t *Template) Refs() []string { return t.refs }

// Placeholders lists the template's <secret:…> and <env:…> placeholders.
func (t *Template) Placeholders() []Placeholder { return t.phs }

// Eval renders the template. A template that is exactly one expression returns the
// expression's value with its type; otherwise the parts are joined into a string.
// Secrets resolved while rendering are reported to onSecret (for redaction).
func (t *Template) Eval(ctx context.Context, env map[string]any, res Resolver, onSecret func(key, value string)) (any, error) {
	if t.single {
		return run(t.parts[0], env)
	}
	if len(t.parts) == 1 && t.parts[0].ph == nil {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.isExpr():
			v, err := run(p, env)
			if err != nil {
				return nil, err
			}
			b.WriteString(nodes.ToString(v))
		case p.ph != nil:
			v, err := resolve(ctx, *p.ph, res)
			if err != nil {
				return nil, err
			}
			if p.ph.Kind == SecretPlaceholder && onSecret != nil {
				onSecret(p.ph.Key, v)
			}
			b.WriteString(v)
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String(), nil
}

// Missing describes the template's expressions that read a field their object does not
// have (most often a typo: `{{ chat.mesage }}` renders as nothing). Only plain member paths
// are looked at; the template's value is not changed.
func (t *Template) Missing(env map[string]any) []string {
	var out []string
	for _, p := range t.parts {
		if p.path == nil {
			continue
		}
		if m := missingField(p.code, p.path, env); m != "" {
			out = append(out, m)
		}
	}
	return out
}

func resolve(ctx context.Context, ph Placeholder, res Resolver) (string, error) {
	if res == nil {
		return "", &MissingError{Placeholder: ph, Err: errors.New("no secrets or environment are configured")}
	}
	var (
		v   string
		err error
	)
	if ph.Kind == SecretPlaceholder {
		v, err = res.Secret(ctx, ph.Key)
	} else {
		v, err = res.Env(ctx, ph.Key)
	}
	if err != nil {
		return "", &MissingError{Placeholder: ph, Err: err}
	}
	return v, nil
}

// EvalError is an expression that failed while evaluating.
type EvalError struct {
	Code    string
	Message string
}

func (e *EvalError) Error() string { return fmt.Sprintf("expression {{ %s }}: %s", e.Code, e.Message) }

var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

func run(p part, env map[string]any) (any, error) {
	if p.path != nil {
		if v, ok := walk(p.path, env); ok {
			return v, nil
		}
	}
	prog := p.prog
	if prog == nil {
		var err error
		if prog, err = p.lazy.get(); err != nil {
			return nil, &EvalError{Code: p.code, Message: err.Error()}
		}
	}
	m := vmPool.Get().(*vm.VM)
	v, err := m.Run(prog, env)
	vmPool.Put(m)
	if err != nil {
		msg := err.Error()
		var fe *file.Error
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		msg = readableVMError(msg)
		if p.path != nil {
			if m := pathError(p.path, env); m != "" {
				msg = m
			}
		} else if m := chainError(prog, env); m != "" {
			msg = m
		}
		return nil, &EvalError{Code: p.code, Message: msg}
	}
	if msg := nonFinite(v, ""); msg != "" {
		return nil, &EvalError{Code: p.code, Message: msg}
	}
	if ss, ok := v.([]string); ok {
		l := make([]any, len(ss))
		for i, e := range ss {
			l[i] = e
		}
		return l, nil
	}
	return v, nil
}

func compileExpr(code string) (*vm.Program, error) {
	src, at := bareFilterCalls(code)
	prog, err := expr.Compile(src, options()...)
	if err != nil && at != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			fe.Line, fe.Column = originalPosition(code, src, at, fe.Line, fe.Column)
		}
	}
	return prog, err
}

// Expression compiles a bare expression (no {{ }}), as used by filter/map/condition nodes.
func Expression(code string) (*Program, error) {
	prog, err := compileExpr(code)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, &SyntaxError{Offset: columnOffset(code, fe.Line, fe.Column), Line: fe.Line, Column: fe.Column + 1, Message: fe.Message}
		}
		return nil, err
	}
	return &Program{p: part{prog: prog, path: fastPath(prog), code: code}}, nil
}

// ErrEmpty is Bare's error for code with no expression in it.
var ErrEmpty = errors.New("is empty")

// Bare compiles the expression a node takes as code (Filter list, Map list, Math
// expression…): code is trimmed, and may be written inside one {{ }}. Code with nothing in
// it is ErrEmpty; a syntax error is a *SyntaxError.
func Bare(code string) (*Program, error) {
	code = strings.TrimSpace(code)
	if strings.HasPrefix(code, "{{") && strings.HasSuffix(code, "}}") && len(code) >= 4 {
		code = strings.TrimSpace(code[2 : len(code)-2])
	}
	if code == "" {
		return nil, ErrEmpty
	}
	return Expression(code)
}

// Program is a compiled bare expression.
type Program struct{ p part }

// Run evaluates the expression over env.
func (p *Program) Run(env map[string]any) (any, error) { return run(p.p, env) }

// Refs lists the names the expression reads from its environment, in order of first use:
// identifiers that are not functions nor bound by let (`price` in `round(price * 2)`).
func (p *Program) Refs() []string {
	if p.p.prog == nil {
		return nil
	}
	return appendRefs(nil, p.p.prog)
}

// syntaxAt builds a SyntaxError for byte offset pos of s.
func syntaxAt(s string, pos int, msg string) *SyntaxError {
	if pos > len(s) {
		pos = len(s)
	}
	line := 1 + strings.Count(s[:pos], "\n")
	col := 1 + utf8.RuneCountInString(s[strings.LastIndex(s[:pos], "\n")+1:pos]) // characters, not bytes
	return &SyntaxError{Offset: pos, Line: line, Column: col, Message: msg}
}

// columnOffset converts expr-lang's (line, 0-based column in characters) within code to a
// byte offset.
func columnOffset(code string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(code[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	for ; col > 0 && off < len(code) && code[off] != '\n'; col-- {
		_, n := utf8.DecodeRuneInString(code[off:])
		off += n
	}
	off += col // past the line's end: kept as expr-lang gave it, then bounded below
	if off > len(code) {
		off = len(code)
	}
	if off < 0 {
		off = 0
	}
	return off
}

func appendRefs(refs []string, prog *vm.Program) []string {
	node := prog.Node()
	seen := map[string]bool{}
	for _, r := range refs {
		seen[r] = true
	}
	ast.Find(node, func(n ast.Node) bool {
		if id, ok := n.(*ast.IdentifierNode); ok && !seen[id.Value] && !IsFunction(id.Value) && !isLocal(node, id) {
			seen[id.Value] = true
			refs = append(refs, id.Value)
		}
		return false
	})
	return refs
}

// isLocal reports identifiers bound by closures or let (e.g. `#` and `let x = …`).
func isLocal(root ast.Node, id *ast.IdentifierNode) bool {
	local := false
	ast.Find(root, func(n ast.Node) bool {
		if v, ok := n.(*ast.VariableDeclaratorNode); ok && v.Name == id.Value {
			local = true
		}
		return false
	})
	return local
}

// nonFinite describes a NaN or infinity in an expression's result, which no JSON can hold
// (it would make the run's record, a response or a paused state impossible to write), or
// returns "". at is where inside the result it was found.
func nonFinite(v any, at string) string {
	switch x := v.(type) {
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return ""
		}
		what, hint := "+Inf", " (a division by zero?)"
		switch {
		case math.IsNaN(x):
			what, hint = "NaN (not a number)", " (0/0, or the square root of a negative number?)"
		case x < 0:
			what = "-Inf"
		}
		if at == "" {
			return fmt.Sprintf("the result is %s, which JSON cannot hold%s", what, hint)
		}
		return fmt.Sprintf("the result holds %s at %s, which JSON cannot hold%s", what, at, hint)
	case float32:
		return nonFinite(float64(x), at)
	case []any:
		for i, e := range x {
			if m := nonFinite(e, fmt.Sprintf("%s[%d]", at, i)); m != "" {
				return m
			}
		}
	case []float64:
		for i, e := range x {
			if m := nonFinite(e, fmt.Sprintf("%s[%d]", at, i)); m != "" {
				return m
			}
		}
	case map[string]any:
		for k, e := range x {
			if m := nonFinite(e, at+"."+k); m != "" {
				return m
			}
		}
	}
	return ""
}
