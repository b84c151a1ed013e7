package jinja

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"

	"polysynergy/shared/nodes"
)

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
