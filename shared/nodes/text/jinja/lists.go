package jinja

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Lists held by variables are shared by reference, as in Python, so that
//
//	{% set l = [] %}{% for x in xs %}{% do l.append(x) %}{% endfor %}{{ l }}
//
// collects every x. gonja (2.9.1) stores a variable's value as a plain slice and, after a
// method call on a variable, stores the changed slice again in the innermost scope: inside
// a loop that is the iteration's scope, dropped when the iteration ends, so the append was
// lost without a word. Here a list given to {% set %} (and a list in the render's data) is
// kept as a pointer to its slice, which append changes in place, in whichever scope the
// variable lives; gonja's read path follows the pointer for everything else.

// listRef returns a pointer to a copy of v when v is a list not held by reference yet.
func listRef(v any) (*[]any, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice || rv.Type() == reflect.TypeFor[[]byte]() {
		return nil, false
	}
	cp := make([]any, rv.Len())
	for i := range cp {
		cp[i] = rv.Index(i).Interface()
	}
	return &cp, true
}

// sharedSlice is the slice a list value points to, settable, or false when the value is
// a plain list (a namespace attribute, a dict's value, a literal).
func sharedSlice(v *exec.Value) (reflect.Value, bool) {
	if v == nil || !v.Val.IsValid() || v.Val.Kind() != reflect.Pointer || v.Val.IsNil() {
		return reflect.Value{}, false
	}
	e := v.Val.Elem()
	if e.Kind() != reflect.Slice || !e.CanSet() {
		return reflect.Value{}, false
	}
	return e, true
}

// plainList is v, or the list v refers to.
func plainList(v *exec.Value) *exec.Value {
	if s, ok := sharedSlice(v); ok {
		return &exec.Value{Val: s, Safe: v.Safe}
	}
	return v
}

// plainArgs replaces list references among a call's arguments by the lists.
func plainArgs(p *exec.VarArgs) {
	if p == nil {
		return
	}
	for i, a := range p.Args {
		p.Args[i] = plainList(a)
	}
	for k, a := range p.KwArgs {
		p.KwArgs[k] = plainList(a)
	}
}

// errNotShared explains why a list method cannot change a list that no variable holds.
func errNotShared(method string) error {
	return fmt.Errorf("%s() cannot change this list: only a list held by a variable ({%% set l = [] %%}) "+
		"is changed in place; for a list in a namespace or a dict, build a new one: "+
		"{%% set ns = namespace(items=[]) %%}…{%% set ns.items = ns.items + [x] %%}", method)
}

// listMethods are the list methods: append and reverse change the list in place.
func (b *budget) listMethods() *exec.MethodSet[[]any] {
	return exec.NewMethodSet(map[string]exec.Method[[]any]{
		"append": func(_ []any, self *exec.Value, p *exec.VarArgs) (any, error) {
			var x any
			if err := p.Take(exec.PositionalArgument("x", nil, exec.AnyArgument(&x))); err != nil {
				return nil, exec.ErrInvalidCall(err)
			}
			s, ok := sharedSlice(self)
			if !ok {
				return nil, errNotShared("append")
			}
			if s.Len() >= maxListLen {
				return nil, b.fail(&LimitError{fmt.Sprintf("append: a list would have more than %d elements", maxListLen)})
			}
			l, ok := s.Interface().([]any)
			if !ok {
				return nil, errNotShared("append")
			}
			s.Set(reflect.ValueOf(append(l, x))) // the plain value, so tojson and the output see it as data
			return nil, nil
		},
		"reverse": func(_ []any, self *exec.Value, p *exec.VarArgs) (any, error) {
			if err := p.Take(); err != nil {
				return nil, exec.ErrInvalidCall(err)
			}
			s, ok := sharedSlice(self)
			if !ok {
				return nil, errNotShared("reverse")
			}
			swap := reflect.Swapper(s.Interface())
			for i, j := 0, s.Len()-1; i < j; i, j = i+1, j-1 {
				swap(i, j)
			}
			return nil, nil
		},
		"copy": func(self []any, _ *exec.Value, p *exec.VarArgs) (any, error) {
			if err := p.Take(); err != nil {
				return nil, exec.ErrInvalidCall(err)
			}
			if self == nil {
				return nil, errors.New("copy: not a list")
			}
			return self, nil // ToGoSimpleType made it a new slice already
		},
	})
}
