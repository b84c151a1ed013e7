package jsonvalue_test

import (
	"encoding/json"
	"errors"
	"reflect"
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
	if _, err := jsonvalue.UnmarshalMap([]byte(`[1]`)); err == nil {
		t.Error("UnmarshalMap([1]) must fail")
	}
}
