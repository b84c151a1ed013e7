package data

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/nodes"
)

func jsonCases() []nodeCase {
	return []nodeCase{
		// json.parse
		{name: "object", id: "json.parse", in: map[string]any{"text": `{"a": [1, 2.5, "x", true, null]}`},
			want: nodes.Out{"value": map[string]any{"a": []any{1.0, 2.5, "x", true, nil}}, "type": "object"}},
		{name: "scalar with BOM and space", id: "json.parse", in: map[string]any{"text": "\ufeff  42 \n"}, want: nodes.Out{"value": 42.0, "type": "number"}},
		{name: "bytes", id: "json.parse", in: map[string]any{"text": []byte(`[1]`)}, want: nodes.Out{"value": []any{1.0}, "type": "list"}},
		{name: "already parsed", id: "json.parse", in: map[string]any{"text": map[string]any{"a": 1}},
			want: nodes.Out{"value": map[string]any{"a": 1.0}, "type": "object"}},
		{name: "syntax error position", id: "json.parse", in: map[string]any{"text": "{\n  \"a\": 1,\n  \"b\" 2\n}"},
			errPort: "text", errText: "invalid JSON at line 3, column 7"},
		{name: "truncated", id: "json.parse", in: map[string]any{"text": `{"a": [1, 2`},
			errPort: "text", errText: "line 1, column 12: unexpected end"},
		{name: "trailing data", id: "json.parse", in: map[string]any{"text": `{"a":1} x`},
			errPort: "text", errText: "line 1, column 9: unexpected text after the JSON value"},
		{name: "empty", id: "json.parse", in: map[string]any{"text": "   "}, errPort: "text", errText: "the text is empty"},
		{name: "null input", id: "json.parse", in: map[string]any{}, errPort: "text", errText: "is empty"},
		{name: "number out of range", id: "json.parse", in: map[string]any{"text": `[1e999]`}, errPort: "text", errText: "column 2: number 1e999 is out of range"},

		// json.stringify
		{name: "compact sorted", id: "json.stringify", in: map[string]any{"value": map[string]any{"b": 1.0, "a": []any{true, "<&>"}}},
			want: nodes.Out{"text": `{"a":[true,"<&>"],"b":1}`}},
		{name: "indent", id: "json.stringify", in: map[string]any{"value": map[string]any{"a": 1.0}, "indent": 2.0},
			want: nodes.Out{"text": "{\n  \"a\": 1\n}"}},
		{name: "escape html", id: "json.stringify", in: map[string]any{"value": "<b>", "escape_html": true},
			want: nodes.Out{"text": `"\u003cb\u003e"`}},
		{name: "null", id: "json.stringify", in: map[string]any{}, want: nodes.Out{"text": "null"}},
		{name: "bad indent", id: "json.stringify", in: map[string]any{"value": 1.0, "indent": 11.0}, errPort: "indent", errText: "between 0 and 10"},
		{name: "infinity", id: "json.stringify", in: map[string]any{"value": math.Inf(1)}, errPort: "value", errText: "cannot render as JSON"},

		// json.jmespath
		{name: "filter", id: "json.jmespath", in: map[string]any{"value": map[string]any{"people": []any{
			map[string]any{"name": "Ann", "age": 40.0}, map[string]any{"name": "Bo", "age": 20.0}}}, "query": "people[?age > `30`].name"},
			want: nodes.Out{"result": []any{"Ann"}}},
		{name: "length", id: "json.jmespath", in: map[string]any{"value": map[string]any{"l": []any{1.0, 2.0}}, "query": "length(l)"},
			want: nodes.Out{"result": 2.0}},
		{name: "nothing", id: "json.jmespath", in: map[string]any{"value": map[string]any{}, "query": "a.b"}, want: nodes.Out{"result": nil}},
		{name: "bad query", id: "json.jmespath", in: map[string]any{"value": map[string]any{}, "query": "a[?"}, errPort: "query", errText: "jmespath query"},
		{name: "empty query", id: "json.jmespath", in: map[string]any{"value": map[string]any{}}, errPort: "query", errText: "is empty"},

		// data.type_cast
		{name: "to string", id: "data.type_cast", in: map[string]any{"value": 1.5, "to": "string"}, want: nodes.Out{"value": "1.5"}},
		{name: "object to string", id: "data.type_cast", in: map[string]any{"value": map[string]any{"a": 1.0}, "to": "string"}, want: nodes.Out{"value": `{"a":1}`}},
		{name: "to number", id: "data.type_cast", in: map[string]any{"value": " 42.5 ", "to": "number"}, want: nodes.Out{"value": 42.5}},
		{name: "bool to number", id: "data.type_cast", in: map[string]any{"value": true, "to": "number"}, want: nodes.Out{"value": 1.0}},
		{name: "bad number", id: "data.type_cast", in: map[string]any{"value": "abc", "to": "number"}, errPort: "value", errText: `cannot convert string "abc" to a number`},
		{name: "list to number", id: "data.type_cast", in: map[string]any{"value": []any{1.0}, "to": "number"}, errPort: "value", errText: "to a number"},
		{name: "to integer", id: "data.type_cast", in: map[string]any{"value": "12", "to": "integer"}, want: nodes.Out{"value": 12.0}},
		{name: "not whole", id: "data.type_cast", in: map[string]any{"value": "1.5", "to": "integer"}, errPort: "value", errText: "not a whole number"},
		{name: "integer past 2^53 keeps its digits", id: "data.type_cast", in: map[string]any{"value": "9007199254740993", "to": "integer"}, want: nodes.Out{"value": int64(9007199254740993)}},
		{name: "integer past int64 loses digits", id: "data.type_cast", in: map[string]any{"value": "99999999999999999999", "to": "integer"}, errPort: "value", errText: "more digits than a number holds exactly"},
		{name: "integer past 2^53 held exactly", id: "data.type_cast", in: map[string]any{"value": " 1e20 ", "to": "integer"}, want: nodes.Out{"value": 1e20}},
		{name: "yes", id: "data.type_cast", in: map[string]any{"value": "YES", "to": "boolean"}, want: nodes.Out{"value": true}},
		{name: "off", id: "data.type_cast", in: map[string]any{"value": "off", "to": "boolean"}, want: nodes.Out{"value": false}},
		{name: "number to bool", id: "data.type_cast", in: map[string]any{"value": 2.0, "to": "boolean"}, want: nodes.Out{"value": true}},
		{name: "null to bool", id: "data.type_cast", in: map[string]any{"to": "boolean"}, want: nodes.Out{"value": false}},
		{name: "bad bool", id: "data.type_cast", in: map[string]any{"value": "maybe", "to": "boolean"}, errPort: "value", errText: "yes/no"},
		{name: "object to bool", id: "data.type_cast", in: map[string]any{"value": map[string]any{}, "to": "boolean"}, errPort: "value"},
		{name: "json text to list", id: "data.type_cast", in: map[string]any{"value": `[1, "a"]`, "to": "list"}, want: nodes.Out{"value": []any{1.0, "a"}}},
		{name: "wrap", id: "data.type_cast", in: map[string]any{"value": "a,b", "to": "list"}, want: nodes.Out{"value": []any{"a,b"}}},
		{name: "wrap object", id: "data.type_cast", in: map[string]any{"value": map[string]any{"a": 1.0}, "to": "list"}, want: nodes.Out{"value": []any{map[string]any{"a": 1.0}}}},
		{name: "null to list", id: "data.type_cast", in: map[string]any{"to": "list"}, want: nodes.Out{"value": []any{}}},
		{name: "string list", id: "data.type_cast", in: map[string]any{"value": []string{"x"}, "to": "list"}, want: nodes.Out{"value": []any{"x"}}},
		{name: "bad json list", id: "data.type_cast", in: map[string]any{"value": "[1,", "to": "list"}, errPort: "value", errText: "looks like a JSON list"},
		{name: "text to object", id: "data.type_cast", in: map[string]any{"value": `{"a": 1}`, "to": "object"}, want: nodes.Out{"value": map[string]any{"a": 1.0}}},
		{name: "list text to object", id: "data.type_cast", in: map[string]any{"value": `[1]`, "to": "object"}, errPort: "value", errText: "JSON list, not an object"},
		{name: "number to object", id: "data.type_cast", in: map[string]any{"value": 1.0, "to": "object"}, errPort: "value", errText: "to an object"},
		{name: "to json", id: "data.type_cast", in: map[string]any{"value": map[string]any{"a": "<"}, "to": "json"}, want: nodes.Out{"value": `{"a":"<"}`}},
		{name: "unix to datetime", id: "data.type_cast", in: map[string]any{"value": 0.0, "to": "datetime"}, want: nodes.Out{"value": "1970-01-01T00:00:00Z"}},
		{name: "bad datetime", id: "data.type_cast", in: map[string]any{"value": "soon", "to": "datetime"}, errPort: "value",
			errText: `cannot convert string "soon" to a date (use RFC 3339 such as 2024-05-01T12:00:00Z, 2024-05-01 12:00:00, 2024-05-01 or Unix seconds)`},
		// Unix seconds as text (a query parameter, a CSV cell) convert as the date nodes read
		// them; it was "is not an RFC 3339 date", though the doc promises Unix seconds
		{name: "unix text to datetime", id: "data.type_cast", in: map[string]any{"value": " 1714557600.5 ", "to": "datetime"},
			want: nodes.Out{"value": "2024-05-01T10:00:00.5Z"}},
		{name: "unix text out of range", id: "data.type_cast", in: map[string]any{"value": "1e20", "to": "datetime"}, errPort: "value", errText: "outside the years 1 to 9999"},
		{name: "date text with space", id: "data.type_cast", in: map[string]any{"value": " 2024-05-01 ", "to": "datetime"},
			want: nodes.Out{"value": "2024-05-01T00:00:00Z"}},
		{name: "bad target", id: "data.type_cast", in: map[string]any{"value": 1.0, "to": "float"}, errPort: "to", errText: "unknown value"},

		// data.type_of
		{name: "list", id: "data.type_of", in: map[string]any{"value": []any{1.0}}, want: nodes.Out{"type": "list", "integer": false}},
		{name: "whole number", id: "data.type_of", in: map[string]any{"value": 3.0}, want: nodes.Out{"type": "number", "integer": true}},
		{name: "fraction", id: "data.type_of", in: map[string]any{"value": 3.5}, want: nodes.Out{"type": "number", "integer": false}},
		{name: "null", id: "data.type_of", in: map[string]any{}, want: nodes.Out{"type": "null"}},
		{name: "datetime", id: "data.type_of", in: map[string]any{"value": time.Unix(0, 0)}, want: nodes.Out{"type": "datetime"}},
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
	}{
		{`{"a" 1}`, 1, 6},
		{"[1,\n2,\n]", 3, 1},
		{"[\"é\", x]", 1, 7},
		{`"abc`, 1, 5},
		{"", 1, 1},
	}
	for _, tt := range tests {
		_, err := ParseJSON(tt.in)
		var je *JSONError
		if !errors.As(err, &je) {
			t.Errorf("ParseJSON(%q) error = %v, want a JSONError", tt.in, err)
			continue
		}
		if je.Line != tt.line || je.Column != tt.col {
			t.Errorf("ParseJSON(%q) at %d:%d, want %d:%d (%v)", tt.in, je.Line, je.Column, tt.line, tt.col, err)
		}
	}
}

// FuzzParseJSON checks that ParseJSON never panics, agrees with encoding/json on what is
// valid, reports positions inside the text, and that valid values survive a round trip.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x"`, `[1,`, `{"a" 1}`, "\ufeff[]", `1e999`, `[] []`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseJSON(s)
		if err != nil {
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("ParseJSON(%q): error %v is not a JSONError", s, err)
			}
			if je.Line < 1 || je.Column < 1 || je.Line > strings.Count(s, "\n")+1 {
				t.Fatalf("ParseJSON(%q): position %d:%d outside the text", s, je.Line, je.Column)
			}
			return
		}
		text, err := marshalJSON(v, 0, false)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		again, err := ParseJSON(text)
		if err != nil {
			t.Fatalf("re-parse %q: %v", text, err)
		}
		if !reflect.DeepEqual(again, v) {
			t.Fatalf("round trip of %q: %#v != %#v", s, again, v)
		}
	})
}
