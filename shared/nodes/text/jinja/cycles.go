package jinja

import (
	"reflect"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Lists and dicts are shared by reference (lists.go, dicts.go), so a list could be appended
// to itself. gonja prints a value (even only for an error message) by recursing through it,
// which on a cycle overflows the stack and kills the process: a change that would make a
// value contain itself is refused instead.

// refersTo reports whether x reaches any of targets (pointers to a list's slice, a dict, a
// map or a gonja value), following each shared part once.
func refersTo(x any, targets ...unsafe.Pointer) bool {
	want := map[unsafe.Pointer]bool{}
	for _, t := range targets {
		if t != nil {
			want[t] = true
		}
	}
	seen := map[unsafe.Pointer]bool{}
	var walk func(v reflect.Value, depth int) bool
	walk = func(v reflect.Value, depth int) bool {
		if !v.IsValid() || depth > maxValueDepth+1 {
			return false
		}
		switch v.Kind() {
		case reflect.Interface:
			return !v.IsNil() && walk(v.Elem(), depth+1)
		case reflect.Pointer, reflect.Map:
			if v.IsNil() {
				return false
			}
			p := v.UnsafePointer()
			if want[p] {
				return true
			}
			if seen[p] {
				return false
			}
			seen[p] = true
			if v.Kind() == reflect.Map {
				it := v.MapRange()
				for it.Next() {
					if walk(it.Value(), depth+1) {
						return true
					}
				}
				return false
			}
			return walk(v.Elem(), depth+1)
		case reflect.Struct:
			switch v.Type() {
			case reflect.TypeFor[exec.Value]():
				return walk(v.FieldByName("Val"), depth+1)
			case reflect.TypeFor[exec.Dict](), reflect.TypeFor[exec.Pair]():
				for i := 0; i < v.NumField(); i++ {
					if walk(v.Field(i), depth+1) {
						return true
					}
				}
			case reflect.TypeFor[reflect.Value]():
				if v.CanInterface() {
					return walk(v.Interface().(reflect.Value), depth+1)
				}
			}
			return false
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				if walk(v.Index(i), depth+1) {
					return true
				}
			}
		}
		return false
	}
	return walk(reflect.ValueOf(x), 0)
}

// pointerOf is the identity of a list, dict or value, for refersTo.
func pointerOf(v reflect.Value) unsafe.Pointer {
	if v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Map) && !v.IsNil() {
		return v.UnsafePointer()
	}
	return nil
}
