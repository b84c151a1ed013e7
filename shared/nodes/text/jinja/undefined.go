package jinja

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// UndefinedError is a read (`.x` or `[k]`) of a value that is undefined or null, which gonja
// reports as "Can't use Getitem on None". It names the path that had no value, why when the
// value it was read from tells (a missing field, an index past the end), and the line.
type UndefinedError struct {
	Template string // the named template, or "" for the node's own template
	Line     int
	Read     string // the read that failed: ".city", "[0]", "['key']"
	Path     string // the expression that was undefined or null: "user.address"
	Reason   string // "is undefined", "is null", "is undefined (user has no field …)"
}

func (e *UndefinedError) Error() string {
	return (&SourceError{Template: e.Template, Line: e.Line,
		Message: fmt.Sprintf("cannot read %s: %s %s", e.Read, e.Path, e.Reason)}).Error()
}

// filterRead is the reserved filter that guards the target of every attribute and item read.
const filterRead = "\x00read"

// maxUndefined bounds the undefined reads a render remembers (a template may test and
// swallow many before one fails it).
const maxUndefined = 16

// readSite is one `.x` or `[k]` read of a parsed template.
type readSite struct {
	template string
	line     int
	read     string
	path     string
	target   gnodes.Expression // the expression read from, as parsed
}

// read installs the guard on the target of an attribute or item read: the target's value
// passes through `\x00read(site)`, which explains a nil value before gonja fails on it.
// The target's text is taken before the walk rewrites it, so messages quote the source.
func (in *instrumenter) read(target *gnodes.Node, read string, at *tokens.Token) {
	if *target == nil {
		return
	}
	line := 0
	if at != nil {
		line = at.Line
	}
	in.b.reads = append(in.b.reads, &readSite{template: in.name, line: line, read: read, path: (*target).String(), target: *target})
	tok := &tokens.Token{Type: tokens.Name, Val: filterRead}
	if at != nil {
		tok.Line, tok.Col, tok.Pos = at.Line, at.Col, at.Pos
	}
	*target = &gnodes.FilteredExpression{Expression: *target, Filters: []*gnodes.FilterCall{{
		Token: tok, Name: filterRead,
		Args:   []gnodes.Expression{&gnodes.Integer{Location: tok, Val: len(in.b.reads) - 1}},
		Kwargs: map[string]gnodes.Expression{},
	}}}
}

// readFilter passes a read's target through; a nil one is the read's error, explained.
func (b *budget) readFilter(e *exec.Evaluator, v *exec.Value, p *exec.VarArgs) *exec.Value {
	if v.IsError() || !v.IsNil() {
		return v
	}
	if len(p.Args) != 1 || !p.Args[0].IsInteger() || p.Args[0].Integer() < 0 || p.Args[0].Integer() >= len(b.reads) {
		return errValue(errors.New("read: internal error"))
	}
	s := b.reads[p.Args[0].Integer()]
	ue := &UndefinedError{Template: s.template, Line: s.line, Read: s.read, Path: s.path, Reason: b.why(e, s.target)}
	if len(b.undefined) < maxUndefined {
		b.undefined = append(b.undefined, ue)
	}
	return errValue(ue)
}

// why says why target has no value: a variable that is not set, a field the object lacks,
// an index past the end, or a value that is there and null. It evaluates the object the
// target reads from again, which only happens on the way to an error.
func (b *budget) why(e *exec.Evaluator, target gnodes.Expression) string {
	var from, key gnodes.Expression
	var keyVal any
	switch t := target.(type) {
	case *gnodes.Name:
		if e.Environment != nil && e.Environment.Context != nil && e.Environment.Context.Has(t.Name.Val) {
			return "is null"
		}
		return "is undefined"
	case *gnodes.GetAttribute:
		from = t.Node
		if t.Attribute != "" {
			keyVal = t.Attribute
		} else {
			keyVal = t.Index
		}
	case *gnodes.GetItem:
		from, key = t.Node, t.Arg
	default:
		return "is undefined or null"
	}
	if key != nil {
		kv := e.Eval(key)
		switch {
		case kv.IsError():
			return "is undefined or null"
		case kv.IsString():
			keyVal = kv.String()
		case kv.IsInteger():
			keyVal = kv.Integer()
		}
	}
	fv := e.Eval(from)
	if fv.IsError() || fv.IsNil() {
		return "is undefined or null"
	}
	name := unwrap(from.String(), "filtered_expression(", false)
	switch obj := plainList(unindexed(fv)).Interface().(type) {
	case map[string]any:
		k, ok := keyVal.(string)
		if !ok {
			break
		}
		if _, has := obj[k]; has {
			return "is null"
		}
		if len(obj) == 0 {
			return fmt.Sprintf("is undefined (%s is an empty object)", name)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > 10 {
			keys = append(keys[:10], "…")
		}
		return fmt.Sprintf("is undefined (%s has no field %q; it has %s)", name, k, strings.Join(keys, ", "))
	case []any:
		i, ok := keyVal.(int)
		if !ok {
			break
		}
		if i >= -len(obj) && i < len(obj) {
			return "is null"
		}
		items := "items"
		if len(obj) == 1 {
			items = "item"
		}
		return fmt.Sprintf("is undefined (%s has %d %s)", name, len(obj), items)
	}
	return "is undefined or null"
}

// undefinedCause returns the undefined read err reports, if it is one the render recorded.
func (b *budget) undefinedCause(err error) *UndefinedError {
	msg := err.Error()
	for _, ue := range b.undefined {
		if strings.Contains(msg, ue.Error()) {
			return ue
		}
	}
	return nil
}
