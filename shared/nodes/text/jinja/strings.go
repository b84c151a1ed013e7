package jinja

import (
	"reflect"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Python counts a string in code points; gonja 2.9.1 counts some operations in bytes, so
// `s[0]` of "ß" was "Ã", `s|reverse` reversed the bytes and `s|batch(2)` split characters:
// the output was not even valid UTF-8. Indexing goes through indexFilter and the filters
// that walk a string get its code points as a list (stringFilterInput).

// index routes the target of `x[key]` through indexFilter, which sees the key too.
func (in *instrumenter) index(g *gnodes.GetItem) {
	tok := &tokens.Token{Type: tokens.Name, Val: filterIndex}
	if g.Location != nil {
		tok.Line, tok.Col, tok.Pos = g.Location.Line, g.Location.Col, g.Location.Pos
	}
	g.Node = &gnodes.FilteredExpression{Expression: g.Node, Filters: []*gnodes.FilterCall{{
		Token: tok, Name: filterIndex, Args: []gnodes.Expression{g.Arg}, Kwargs: map[string]gnodes.Expression{},
	}}}
}

// indexed is a string or list read by index as Python reads it: a string by code point,
// negative positions from the end, -len(x) included.
type indexed struct{ v *exec.Value }

// GetItem implements exec.ItemGetter.
func (x indexed) GetItem(key any) (*exec.Value, bool) {
	i, ok := key.(int)
	if !ok {
		return x.v.GetItem(key)
	}
	if x.v.IsString() {
		rs := []rune(x.v.String())
		if i < 0 {
			i += len(rs)
		}
		if i < 0 || i >= len(rs) {
			return exec.AsValue(nil), false
		}
		return exec.AsValue(string(rs[i])), true
	}
	l := plainList(x.v).Val
	for l.Kind() == reflect.Pointer || l.Kind() == reflect.Interface {
		l = l.Elem()
	}
	if i < 0 {
		i += l.Len()
	}
	if i < 0 || i >= l.Len() {
		return exec.AsValue(nil), false
	}
	return exec.ToValue(l.Index(i)), true
}

// indexFilter passes the target of `x[key]` through, wrapped in indexed when gonja would
// read it differently from Python: a string with an integer key, or a list with the key
// -len(list) (gonja found no element there).
func indexFilter(_ *exec.Evaluator, v *exec.Value, p *exec.VarArgs) *exec.Value {
	if v.IsError() || len(p.Args) != 1 || !p.Args[0].IsInteger() {
		return v
	}
	switch {
	case v.IsString():
		return exec.AsValue(indexed{v})
	case v.IsList() && p.Args[0].Integer() == -v.Len() && v.Len() > 0:
		return exec.AsValue(indexed{v})
	}
	return v
}

// unindexed is v without the indexed wrapper.
func unindexed(v *exec.Value) *exec.Value {
	if x, ok := v.Interface().(indexed); ok {
		return x.v
	}
	return v
}

// stringWalkers are the filters that walk their input element by element; given a string
// they walk its code points, as in Python.
var stringWalkers = map[string]bool{"list": true, "unique": true, "sort": true, "batch": true, "slice": true,
	"groupby": true, "map": true, "select": true, "reject": true, "selectattr": true, "rejectattr": true,
	"sum": true, "min": true, "max": true, "join": true, "random": true, "first": true, "last": true, "reverse": true}

// codePoints is s as a list of one-character strings.
func codePoints(s string) []any {
	out := make([]any, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// reversed is the reverse filter for a list (or a string's code points, given as a list,
// when str is set: the result is a string again, as in Jinja). gonja's reverse sorted the
// list in descending order instead: [3, 1, 2]|reverse gave [3, 2, 1].
func reversed(in *exec.Value, p *exec.VarArgs, str bool) *exec.Value {
	if err := p.Take(); err != nil {
		return exec.AsValue(exec.ErrInvalidCall(err))
	}
	n := in.Len()
	if str {
		var b strings.Builder
		for i := n - 1; i >= 0; i-- {
			b.WriteString(in.Index(i).String())
		}
		return exec.AsValue(b.String())
	}
	out := make([]any, 0, n)
	for i := n - 1; i >= 0; i-- {
		out = append(out, in.Index(i).Interface())
	}
	return exec.AsValue(out)
}
