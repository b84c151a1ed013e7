package jinja

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// gonja (2.9.1) runs a dict's methods on a copy of it, so update, pop, setdefault and clear
// changed nothing: {% do d.update({'a': 1}) %} left d as it was, without a word. Here they
// change the dict itself, which every name for it sees, as in Python (the render's data are
// copies, so the flow's values stay as they were).

// dictMethods are gonja's dict methods with the changing ones replaced.
func (b *budget) dictMethods() *exec.MethodSet[map[string]any] {
	methods := map[string]exec.Method[map[string]any]{}
	for _, name := range []string{"keys", "values", "items", "get", "copy"} {
		if m, ok := builtins.Methods.Dict.Get(name); ok {
			methods[name] = m
		}
	}
	methods["update"] = func(_ map[string]any, self *exec.Value, p *exec.VarArgs) (any, error) {
		if len(p.Args) > 1 {
			return nil, exec.ErrInvalidCall(errors.New("update() takes at most 1 positional argument"))
		}
		d, err := dictOf(self)
		if err != nil {
			return nil, err
		}
		if len(p.Args) == 1 {
			var err error
			plainList(p.Args[0]).Iterate(func(_, _ int, k, v *exec.Value) bool {
				if v == nil {
					err = fmt.Errorf("update(): %s is not a dict", p.Args[0].String())
					return false
				}
				if d.refersToSelf(v) {
					err = errSelf
					return false
				}
				d.set(k.String(), v)
				return true
			}, func() {})
			if err != nil {
				return nil, err
			}
		}
		for k, v := range p.KwArgs {
			if d.refersToSelf(v) {
				return nil, errSelf
			}
			d.set(k, v)
		}
		return nil, b.checkSize(self, "dict")
	}
	methods["pop"] = func(_ map[string]any, self *exec.Value, p *exec.VarArgs) (any, error) {
		if len(p.Args) < 1 || len(p.Args) > 2 {
			return nil, exec.ErrInvalidCall(errors.New("pop() takes 1 or 2 positional arguments"))
		}
		d, err := dictOf(self)
		if err != nil {
			return nil, err
		}
		key := p.Args[0].String()
		if v, ok := d.get(key); ok {
			d.remove(key)
			return v.Interface(), nil
		}
		if len(p.Args) == 2 {
			return p.Args[1].Interface(), nil
		}
		return nil, fmt.Errorf("pop(): the dict has no key %q (give a default: pop(key, default))", key)
	}
	methods["setdefault"] = func(_ map[string]any, self *exec.Value, p *exec.VarArgs) (any, error) {
		if len(p.Args) < 1 || len(p.Args) > 2 {
			return nil, exec.ErrInvalidCall(errors.New("setdefault() takes 1 or 2 positional arguments"))
		}
		d, err := dictOf(self)
		if err != nil {
			return nil, err
		}
		key := p.Args[0].String()
		if v, ok := d.get(key); ok {
			return v.Interface(), nil
		}
		def := exec.AsValue(nil)
		if len(p.Args) == 2 {
			def = p.Args[1]
		}
		if d.refersToSelf(def) {
			return nil, errSelf
		}
		d.set(key, def)
		return def.Interface(), nil
	}
	methods["clear"] = func(_ map[string]any, self *exec.Value, p *exec.VarArgs) (any, error) {
		if err := p.Take(); err != nil {
			return nil, exec.ErrInvalidCall(err)
		}
		d, err := dictOf(self)
		if err != nil {
			return nil, err
		}
		d.clear()
		return nil, nil
	}
	return exec.NewMethodSet(methods)
}

var errSelf = errors.New("the dict would contain itself")

// dict is a dict value changed in place: a dict literal (*exec.Dict) or an object from
// the data (a map).
type dict struct {
	lit *exec.Dict
	m   reflect.Value
}

func dictOf(v *exec.Value) (dict, error) {
	if d, ok := v.Interface().(*exec.Dict); ok && d != nil {
		return dict{lit: d}, nil
	}
	r := v.Val
	for r.IsValid() && (r.Kind() == reflect.Pointer || r.Kind() == reflect.Interface) && !r.IsNil() {
		r = r.Elem()
	}
	if r.Kind() == reflect.Map && r.Type().Key().Kind() == reflect.String && !r.IsNil() {
		return dict{m: r}, nil
	}
	return dict{}, fmt.Errorf("this dict cannot be changed in place (%s)", r.Type())
}

func (d dict) get(key string) (*exec.Value, bool) {
	if d.lit != nil {
		for _, p := range d.lit.Pairs {
			if p != nil && p.Key.String() == key {
				return p.Value, true
			}
		}
		return nil, false
	}
	v := d.m.MapIndex(reflect.ValueOf(key).Convert(d.m.Type().Key()))
	if !v.IsValid() {
		return nil, false
	}
	return exec.ToValue(v), true
}

// refersToSelf reports whether v reaches the dict.
func (d dict) refersToSelf(v *exec.Value) bool {
	if d.lit != nil {
		return refersTo(v, unsafe.Pointer(d.lit))
	}
	return refersTo(v, pointerOf(d.m))
}

func (d dict) set(key string, v *exec.Value) {
	if sh := share(v, 0); !same(sh, v) {
		v = exec.AsValue(sh) // its lists shared, so append changes them (lists.go)
	}
	if d.lit != nil {
		for _, p := range d.lit.Pairs {
			if p != nil && p.Key.String() == key {
				p.Value = v
				return
			}
		}
		d.lit.Pairs = append(d.lit.Pairs, &exec.Pair{Key: exec.AsValue(key), Value: v})
		return
	}
	ev := reflect.Zero(d.m.Type().Elem())
	if x := v.Interface(); x != nil {
		if rv := reflect.ValueOf(x); rv.Type().AssignableTo(d.m.Type().Elem()) {
			ev = rv
		}
	}
	d.m.SetMapIndex(reflect.ValueOf(key).Convert(d.m.Type().Key()), ev)
}

func (d dict) remove(key string) {
	if d.lit != nil {
		for i, p := range d.lit.Pairs {
			if p != nil && p.Key.String() == key {
				d.lit.Pairs = append(d.lit.Pairs[:i], d.lit.Pairs[i+1:]...)
				return
			}
		}
		return
	}
	d.m.SetMapIndex(reflect.ValueOf(key).Convert(d.m.Type().Key()), reflect.Value{})
}

func (d dict) clear() {
	if d.lit != nil {
		d.lit.Pairs = nil
		return
	}
	d.m.Clear()
}
