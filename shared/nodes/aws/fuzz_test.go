package aws

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"polysynergy/shared/nodes"
)

// FuzzDetailJSON: text detail is accepted exactly when it is a JSON object, and is
// then passed on unchanged; refusals name the detail port.
func FuzzDetailJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1]`, `null`, ``, `{"a":`, `"x"`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := detailJSON(s)
		var m map[string]any
		isObj := json.Unmarshal([]byte(s), &m) == nil && m != nil
		if err != nil {
			var ie *nodes.InputError
			if !errors.As(err, &ie) || ie.Port != "detail" {
				t.Fatalf("error %v does not name the detail port", err)
			}
			if isObj {
				t.Fatalf("refused a JSON object %q: %v", s, err)
			}
			return
		}
		if out != s || !json.Valid([]byte(out)) {
			t.Fatalf("detailJSON(%q) = %q", s, out)
		}
	})
}

// FuzzItemRoundTrip: any JSON object converts to DynamoDB attributes and back to
// the same plain value; only objects with an empty attribute name are refused, with
// an error naming the port.
func FuzzItemRoundTrip(f *testing.F) {
	for _, s := range []string{`{"pk":"a","n":1.5,"l":[1,"x",true,null],"m":{"b":false}}`, `{}`, `{"e":""}`, `{"big":1e300}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var in map[string]any
		if json.Unmarshal([]byte(s), &in) != nil || in == nil {
			return
		}
		av, err := attrMap(&nodes.Call{In: map[string]any{"item": in}}, "item", false)
		if err != nil {
			var ie *nodes.InputError
			if !errors.As(err, &ie) || ie.Port != "item" || !emptyKey(in) {
				t.Fatalf("convert %s: %v", s, err)
			}
			return
		}
		got, err := plain(av)
		if err != nil {
			t.Fatalf("plain %s: %v", s, err)
		}
		if !reflect.DeepEqual(got, nodes.Normalize(in)) {
			t.Fatalf("round trip of %s = %#v", s, got)
		}
	})
}

// FuzzMessageText: strings pass unchanged, other JSON values become their JSON text.
func FuzzMessageText(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `"text"`, `[1,2]`, `3`, `true`, `null`, `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		out, err := messageText("message", v)
		switch x := v.(type) {
		case nil:
			if err == nil {
				t.Fatal("nil message accepted")
			}
		case string:
			if (x == "") != (err != nil) || (err == nil && out != x) {
				t.Fatalf("messageText(%q) = %q, %v", x, out, err)
			}
		default:
			var back any
			if err != nil || json.Unmarshal([]byte(out), &back) != nil || !reflect.DeepEqual(back, v) {
				t.Fatalf("messageText(%s) = %q, %v", s, out, err)
			}
		}
	})
}

// emptyKey reports whether v has an object with an empty key at any depth.
func emptyKey(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "" || emptyKey(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if emptyKey(e) {
				return true
			}
		}
	}
	return false
}
