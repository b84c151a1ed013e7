package jinja

import (
	"reflect"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// repr prints a list or dict as Jinja (Python) does: None for null, strings quoted,
// True/False, nested containers alike, map keys in sorted order (the flow's objects have
// no other order), dict literals in the order written. gonja printed a null inside a
// container as nothing: [1, , 'x'].
func repr(v *exec.Value) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v *exec.Value, depth int) {
	v = plainList(v)
	if depth > maxValueDepth {
		b.WriteString("…")
		return
	}
	if v == nil || v.IsNil() {
		b.WriteString("None")
		return
	}
	if d, ok := v.Interface().(*exec.Dict); ok {
		b.WriteByte('{')
		for i, p := range d.Pairs {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, p.Key, depth+1)
			b.WriteString(": ")
			writeRepr(b, p.Value, depth+1)
		}
		b.WriteByte('}')
		return
	}
	r := v.Val
	for r.IsValid() && (r.Kind() == reflect.Pointer || r.Kind() == reflect.Interface) && !r.IsNil() {
		r = r.Elem()
	}
	switch {
	case v.IsString():
		b.WriteString(quote(v.String()))
	case r.Kind() == reflect.Slice && r.Type().Elem().Kind() != reflect.Uint8, r.Kind() == reflect.Array:
		b.WriteByte('[')
		for i := 0; i < r.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, exec.ToValue(r.Index(i)), depth+1)
		}
		b.WriteByte(']')
	case r.Kind() == reflect.Map && r.Type().Key().Kind() == reflect.String:
		keys := make([]string, 0, r.Len())
		for _, k := range r.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k))
			b.WriteString(": ")
			writeRepr(b, exec.ToValue(r.MapIndex(reflect.ValueOf(k).Convert(r.Type().Key()))), depth+1)
		}
		b.WriteByte('}')
	default:
		b.WriteString(v.String())
	}
}

// pprintFilter is Jinja's pprint: the value as Python writes it (gonja wrote JSON of its own
// wrappers for lists built in the template: [{"Val": {}, "Safe": false}]).
func pprintFilter(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := p.Take(exec.KeywordArgument("verbose", exec.AsValue(false), func(*exec.Value) error { return nil })); err != nil {
		return exec.AsValue(exec.ErrInvalidCall(err))
	}
	return exec.AsValue(repr(in))
}

// quote is a string literal as Python's repr writes it: in single quotes unless the text
// holds a single quote and no double one.
func quote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
