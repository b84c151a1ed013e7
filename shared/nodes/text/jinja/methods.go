package jinja

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// gonja (2.9.1) prepares every method call by converting the whole object to plain Go
// values and printing it (for an error message it shows only on failure): a call costs the
// size of the list, so appending in a loop took quadratic time (4000 appends, 11 s). The
// methods that change a list or dict are rewritten to a call of methodFunction, which goes
// straight to lists.go and dicts.go.

// changing are the methods rewritten: those of lists.go and dicts.go that change their object.
var changing = map[string]bool{"append": true, "reverse": true, "update": true, "pop": true, "setdefault": true, "clear": true}

// method rewrites `x.m(args)` for a changing method m into `fnMethod(x, "m", args)`.
func (in *instrumenter) method(c *gnodes.Call) {
	g, ok := c.Func.(*gnodes.GetAttribute)
	if !ok || !changing[g.Attribute] || c.Parent == nil {
		return
	}
	target, ok := c.Parent.(gnodes.Expression)
	if !ok {
		return
	}
	at := c.Location
	if at == nil {
		at = &tokens.Token{Type: tokens.Name}
	}
	name := &tokens.Token{Type: tokens.Name, Val: fnMethod, Line: at.Line, Col: at.Col, Pos: at.Pos}
	c.Func = &gnodes.Name{Name: name}
	c.Args = append([]gnodes.Expression{target, &gnodes.String{Location: at, Val: g.Attribute}}, c.Args...)
	c.Parent = nil
}

// methodFunction calls a changing method of a list or dict: fnMethod(x, "m", args…).
func (b *budget) methodFunction(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	if len(p.Args) < 2 {
		return errValue(fmt.Errorf("method: internal error"))
	}
	self, name := p.Args[0], p.Args[1].String()
	if self.IsError() {
		return self
	}
	args := &exec.VarArgs{Args: p.Args[2:], KwArgs: p.KwArgs}
	var out any
	var err error
	switch {
	case self.IsList():
		m, ok := b.methods.List.Get(name)
		if !ok {
			return errValue(fmt.Errorf("a list has no method %s()", name))
		}
		out, err = m(nil, self, args)
	case self.IsDict():
		m, ok := b.methods.Dict.Get(name)
		if !ok {
			return errValue(fmt.Errorf("a dict has no method %s()", name))
		}
		out, err = m(nil, self, args)
	case self.IsNil():
		return errValue(fmt.Errorf("cannot call %s(): the value is undefined or null", name))
	default:
		return errValue(fmt.Errorf("cannot call %s() on %s", name, describe(self)))
	}
	if err != nil {
		return errValue(fmt.Errorf("%s(): %w", name, err))
	}
	return exec.AsValue(out)
}

// describe names a value's kind for messages.
func describe(v *exec.Value) string {
	switch {
	case v.IsString():
		return "a string"
	case v.IsNumber():
		return "a number"
	case v.IsBool():
		return "a boolean"
	}
	return "this value"
}
