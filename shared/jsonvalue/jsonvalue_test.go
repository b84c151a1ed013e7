package jsonvalue_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/jsonvalue"
)

func TestUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{`9007199254740993`, int64(9007199254740993)},
		{`-9007199254740993`, int64(-9007199254740993)},
		{`9007199254740992`, 9007199254740992.0},
		{`3`, 3.0},
		{`1.5`, 1.5},
		{`1e3`, 1000.0},
		{`9223372036854775808`, 9223372036854775808.0},
		{`1e-400`, 0.0},
		{`{"a":[9007199254740993,{"b":2}],"c":null,"d":"9007199254740993"}`,
			map[string]any{"a": []any{int64(9007199254740993), map[string]any{"b": 2.0}}, "c": nil, "d": "9007199254740993"}},
		{` null `, nil},
	} {
		got, err := jsonvalue.Unmarshal([]byte(tc.in))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{``, `{`, `1 2`, `{} x`, `[1e400]`} {
		if got, err := jsonvalue.Unmarshal([]byte(in)); err == nil {
			t.Errorf("Unmarshal(%q) = %#v, want an error", in, got)
		}
	}
	if _, err := jsonvalue.Unmarshal([]byte(`{"x":-1e400}`)); err == nil || err.Error() != "json: cannot unmarshal number -1e400 into Go value of type float64" {
		t.Errorf("out of range: %v", err)
	}
	if _, err := jsonvalue.Unmarshal([]byte(`{"ok":`)); err == nil || err.Error() != "unexpected end of JSON input" {
		t.Errorf("broken: %v, want json.Unmarshal's wording", err)
	}
	var re *jsonvalue.RangeError
	if _, err := jsonvalue.Numbers(map[string]any{"x": json.Number("-1e400")}); !errors.As(err, &re) || re.Number != "-1e400" {
		t.Errorf("out of range: %v", err)
	}
	if m, err := jsonvalue.UnmarshalMap([]byte(`{"id":9007199254740993}`)); err != nil || m["id"] != int64(9007199254740993) {
		t.Errorf("UnmarshalMap = %#v, %v", m, err)
	}
	if m, err := jsonvalue.UnmarshalMap([]byte(`null`)); err != nil || m != nil {
		t.Errorf("UnmarshalMap(null) = %#v, %v", m, err)
	}
	var typ *json.UnmarshalTypeError
	if _, err := jsonvalue.UnmarshalMap([]byte(`[1]`)); !errors.As(err, &typ) || typ.Value != "array" {
		t.Errorf("UnmarshalMap([1]) = %v, want json's type error naming the array", err)
	}
}

func TestInto(t *testing.T) {
	type step struct {
		Arguments map[string]any `json:"arguments"`
		Result    any            `json:"result"`
		N         float64        `json:"n"`
		I         int64          `json:"i"`
	}
	var out struct {
		Steps  []step          `json:"steps"`
		ByName map[string]step `json:"by_name"`
		Raw    json.RawMessage `json:"raw"`
	}
	in := `{"steps":[{"arguments":{"id":9007199254740993},"result":[9007199254740993,1],"n":2,"i":9007199254740993}],
		"by_name":{"a":{"result":9007199254740993}},"raw":{"id":9007199254740993}}`
	if err := jsonvalue.Into([]byte(in), &out); err != nil {
		t.Fatal(err)
	}
	const id int64 = 9007199254740993
	s := out.Steps[0]
	if s.Arguments["id"] != id || !reflect.DeepEqual(s.Result, []any{id, 1.0}) || s.N != 2 || s.I != id ||
		out.ByName["a"].Result != id || string(out.Raw) != `{"id":9007199254740993}` {
		t.Fatalf("Into = %#v", out)
	}
	var v any
	if err := jsonvalue.Into([]byte(`{"x":9007199254740993}`), &v); err != nil || v.(map[string]any)["x"] != id {
		t.Fatalf("Into any = %#v, %v", v, err)
	}
	if err := jsonvalue.Into([]byte(`{"x":`), &v); err == nil || err.Error() != "unexpected end of JSON input" {
		t.Fatalf("broken: %v", err)
	}
}

// A caller with its own decoder (DisallowUnknownFields) converts after decoding.
func TestNumbersIn(t *testing.T) {
	var p struct {
		Params map[string]any `json:"params"`
	}
	dec := json.NewDecoder(strings.NewReader(`{"params":{"id":9007199254740993,"n":1}}`))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if err := jsonvalue.NumbersIn(&p); err != nil || p.Params["id"] != int64(9007199254740993) || p.Params["n"] != 1.0 {
		t.Fatalf("NumbersIn: %#v, %v", p.Params, err)
	}
}
