package jinja

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Lists are shared by reference, as in Python, so that
//
//	{% set l = [] %}{% for x in xs %}{% do l.append(x) %}{% endfor %}{{ l }}
//
// collects every x. gonja (2.9.1) stores a variable's value as a plain slice and, after a
// method call on a variable, stores the changed slice again in the innermost scope: inside
// a loop that is the iteration's scope, dropped when the iteration ends, so the append was
// lost without a word (and for a list in a namespace or a dict it was lost anywhere). Here
// every list a variable, a namespace attribute or a dict holds — and every list in the
// render's data — is kept as a pointer to its slice, which append changes in place;
// gonja's read path follows the pointer for everything else. A list that nothing holds (a
// value computed on the spot) cannot be appended to, and append says so.

// share turns the lists in v, at any depth, into shared ones: a list becomes a pointer to
// a copy of it (with its elements shared in turn); dicts and objects get their lists
// shared in place (they are the template's own copies). Values already shared are kept.
func share(v any, depth int) any {
	if depth > maxValueDepth {
		return v
	}
	switch x := v.(type) {
	case nil, string, bool, int, float64, *[]any:
		return v
	case *exec.Value:
		if x == nil || !x.Val.IsValid() {
			return v
		}
		switch x.Val.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
			if !x.Val.CanInterface() {
				return v
			}
			if in := x.Val.Interface(); true {
				if sh := share(in, depth); !same(sh, in) {
					return sh
				}
			}
		}
		return v
	case *exec.Dict:
		if x != nil {
			for _, p := range x.Pairs {
				if p != nil && p.Value != nil {
					if sh := share(p.Value, depth+1); !same(sh, p.Value) {
						p.Value = exec.AsValue(sh)
					}
				}
			}
		}
		return v
	case map[string]any:
		for k, e := range x {
			if sh := share(e, depth+1); !same(sh, e) {
				x[k] = sh
			}
		}
		return v
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type() == reflect.TypeFor[[]byte]() {
		return v
	}
	cp := make([]any, rv.Len())
	for i := range cp {
		cp[i] = share(rv.Index(i).Interface(), depth+1)
	}
	return &cp
}

// same reports whether share left e as it was (values of any type, compared by identity
// for references).
func same(a, b any) bool {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !ra.IsValid() || !rb.IsValid() {
		return ra.IsValid() == rb.IsValid()
	}
	if ra.Type() != rb.Type() {
		return false
	}
	switch ra.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		return ra.UnsafePointer() == rb.UnsafePointer() && (ra.Kind() != reflect.Slice || ra.Len() == rb.Len())
	}
	return true
}

// listRef returns v with its lists shared (see share), and whether that changed it.
func listRef(v any) (any, bool) {
	sh := share(v, 0)
	return sh, !same(sh, v)
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

// errNotShared explains why a list method cannot change a list that nothing holds.
func errNotShared(method string) error {
	return fmt.Errorf("%s() cannot change this list: only a list a {%% set %%} variable, a namespace() or a dict "+
		"holds is changed in place, and this one is a value of the moment (a literal, a filter's result, a "+
		"{%% with %%} or macro default), so the change would be lost; set it first ({%% set l = … %%}) or use "+
		"namespace(): {%% set ns = namespace(items=[]) %%}…{%% do ns.items.append(x) %%}", method)
}

// listMethods are the list methods: append and reverse change the list in place.
func (b *budget) listMethods() *exec.MethodSet[[]any] {
	return exec.NewMethodSet(map[string]exec.Method[[]any]{
		"append": func(_ []any, self *exec.Value, p *exec.VarArgs) (any, error) {
			var x any
			if err := p.Take(exec.PositionalArgument("x", nil, exec.AnyArgument(&x))); err != nil {
				return nil, exec.ErrInvalidCall(err)
			}
			if refersTo(x, pointerOf(self.Val), unsafe.Pointer(self)) {
				return nil, errors.New("append() would put the list inside itself")
			}
			x = share(x, 0) // a list appended is shared as well: l[-1].append(…) changes it
			if s, ok := sharedSlice(self); ok {
				if s.Len() >= maxListLen {
					return nil, b.fail(&LimitError{fmt.Sprintf("append: a list would have more than %d elements", maxListLen)})
				}
				if l, ok := s.Interface().([]any); ok {
					s.Set(reflect.ValueOf(append(l, x))) // the plain value, so tojson and the output see it as data
					return nil, nil
				}
			}
			return nil, errNotShared("append")
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
