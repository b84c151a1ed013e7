package data

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"polysynergy/shared/nodes"
)

func csvCases() []nodeCase {
	return []nodeCase{
		// csv.parse
		{name: "header", id: "csv.parse", in: map[string]any{"text": "name,age\nAnn,40\n\"Bo, Jr\",\"9\"\n"},
			want: nodes.Out{"rows": []any{map[string]any{"name": "Ann", "age": "40"}, map[string]any{"name": "Bo, Jr", "age": "9"}},
				"columns": []any{"name", "age"}, "count": 2.0}},
		{name: "no header", id: "csv.parse", in: map[string]any{"text": "a;b\r\nc;d", "header": false, "delimiter": ";"},
			want: nodes.Out{"rows": []any{[]any{"a", "b"}, []any{"c", "d"}}, "columns": []any{}, "count": 2.0}},
		{name: "tab, trim and infer", id: "csv.parse", in: map[string]any{"text": "id\tzip\tok\tv\n 1 \t007\ttrue\t-2.5e1\n", "delimiter": `\t`,
			"trim": true, "infer_types": true},
			want: nodes.Out{"rows": []any{map[string]any{"id": 1.0, "zip": "007", "ok": true, "v": -25.0}}}},
		// with trim, a quoted field after the delimiter's space ("a, \"b, c\"", as many exports
		// write) is read; it was "bare \" in non-quoted-field"
		{name: "trim before a quoted field", id: "csv.parse", in: map[string]any{"text": "name, city\nAnn, \"Paris, FR\"\n", "trim": true},
			want: nodes.Out{"rows": []any{map[string]any{"name": "Ann", "city": "Paris, FR"}}, "columns": []any{"name", "city"}}},
		// a tab delimiter is not eaten as the space before a field: empty fields stay in place
		{name: "trim keeps empty tab fields", id: "csv.parse", in: map[string]any{"text": "a\tb\tc\n\t\t3\n", "delimiter": `\t`, "trim": true},
			want: nodes.Out{"rows": []any{map[string]any{"a": "", "b": "", "c": "3"}}}},
		{name: "short row, blank and repeated names", id: "csv.parse", in: map[string]any{"text": "a,,a\n1\n"},
			want: nodes.Out{"rows": []any{map[string]any{"a": "1", "column_2": nil, "a_2": nil}}, "columns": []any{"a", "column_2", "a_2"}}},
		{name: "multiline field and BOM", id: "csv.parse", in: map[string]any{"text": "\ufeffnote\n\"line1\nline2\"\n"},
			want: nodes.Out{"rows": []any{map[string]any{"note": "line1\nline2"}}}},
		{name: "empty", id: "csv.parse", in: map[string]any{"text": ""}, want: nodes.Out{"rows": []any{}, "count": 0.0}},
		{name: "carriage returns alone end lines", id: "csv.parse", in: map[string]any{"text": "a,b\r1,\"x\ry\"\r3,4\r"},
			want: nodes.Out{"rows": []any{map[string]any{"a": "1", "b": "x\ny"}, map[string]any{"a": "3", "b": "4"}}, "columns": []any{"a", "b"}, "count": 2.0}},
		{name: "long row", id: "csv.parse", in: map[string]any{"text": "a,b\n1,2\n1,2,3\n"}, errPort: "text", errText: "line 3: the row has 3 fields"},
		{name: "bad quote", id: "csv.parse", in: map[string]any{"text": "a,b\n1,\"x\"y\n"}, errPort: "text", errText: "invalid CSV at line 2, column"},
		{name: "bad delimiter", id: "csv.parse", in: map[string]any{"text": "a", "delimiter": ";;"}, errPort: "delimiter", errText: "one character"},
		{name: "quote delimiter", id: "csv.parse", in: map[string]any{"text": "a", "delimiter": `"`}, errPort: "delimiter"},

		// csv.format
		{name: "objects", id: "csv.format", in: map[string]any{"rows": []any{map[string]any{"name": "Ann", "age": 40.0},
			map[string]any{"name": "Bo, Jr", "city": nil, "tags": []any{"x"}}}},
			want: nodes.Out{"text": "age,name,city,tags\n40,Ann,,\n,\"Bo, Jr\",,\"[\"\"x\"\"]\"\n", "columns": []any{"age", "name", "city", "tags"}}},
		{name: "chosen columns crlf", id: "csv.format", in: map[string]any{"rows": []any{map[string]any{"a": 1.0, "b": true}},
			"columns": "b,a", "line_ending": "crlf", "delimiter": ";"},
			want: nodes.Out{"text": "b;a\r\ntrue;1\r\n"}},
		{name: "lists without header", id: "csv.format", in: map[string]any{"rows": []any{[]any{"a", 1.0}, []any{"q\"q"}}},
			want: nodes.Out{"text": "a,1\n\"q\"\"q\"\n"}},
		{name: "lists with columns", id: "csv.format", in: map[string]any{"rows": []any{[]any{"a"}}, "columns": []any{"x"}},
			want: nodes.Out{"text": "x\na\n"}},
		{name: "no header", id: "csv.format", in: map[string]any{"rows": []any{map[string]any{"a": 1.0}}, "header": false},
			want: nodes.Out{"text": "1\n"}},
		{name: "empty", id: "csv.format", in: map[string]any{"rows": []any{}}, want: nodes.Out{"text": ""}},
		{name: "mixed", id: "csv.format", in: map[string]any{"rows": []any{map[string]any{}, []any{}}}, errPort: "rows", errText: "item 1: rows must be all objects or all lists"},
		{name: "scalar row", id: "csv.format", in: map[string]any{"rows": []any{"x"}}, errPort: "rows", errText: "item 0"},
		{name: "formula injection guarded", id: "csv.format", in: map[string]any{"rows": []any{
			[]any{"=cmd()", "+1", "-1", "@x", "\tx", "\rx", -1.0, 2.0, true, "a=b", "", nil}}, "columns": []any{"=HYPERLINK()", "ok"}},
			want: nodes.Out{"text": "'=HYPERLINK(),ok\n'=cmd(),'+1,'-1,'@x,'\tx,\"'\rx\",-1,2,true,a=b,,\n", "columns": []any{"=HYPERLINK()", "ok"}}},
		{name: "formula guard in objects", id: "csv.format", in: map[string]any{"rows": []any{map[string]any{"a": "=1+1", "b": -3.5}}},
			want: nodes.Out{"text": "a,b\n'=1+1,-3.5\n"}},
		{name: "formula guard off", id: "csv.format", in: map[string]any{"rows": []any{[]any{"=cmd()", "-1"}}, "escape_formulas": false},
			want: nodes.Out{"text": "=cmd(),-1\n"}},
		{name: "bad line ending", id: "csv.format", in: map[string]any{"rows": []any{}, "line_ending": "cr"}, errPort: "line_ending"},
	}
}

func TestCSVRoundTrip(t *testing.T) {
	r := newRegistry(t)
	rowsIn := []any{
		map[string]any{"id": "1", "text": "comma, \"quote\"\nnewline", "empty": ""},
		map[string]any{"id": "2", "text": "  spaced  ", "empty": ""},
	}
	f, err := runNode(t, r, "csv.format", map[string]any{"rows": rowsIn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runNode(t, r, "csv.parse", map[string]any{"text": f["text"]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p["rows"], rowsIn) {
		t.Fatalf("round trip = %#v, want %#v", p["rows"], rowsIn)
	}
}

// FuzzParseCSV checks that ParseCSV never panics, reports errors as CSVErrors with a line,
// and that header rows produce objects with exactly the header's columns.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\"x\ny\"\n", "a,b\n1,2,3\n", "\"unterminated", "a,a,\n,,\n", "x;y\r\n"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, header bool) {
		rows, cols, err := ParseCSV(context.Background(), s, CSVOptions{Delimiter: ',', Header: header, InferTypes: true})
		if err != nil {
			var ce *CSVError
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("ParseCSV(%q): bad error %v", s, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if c == "" || seen[c] {
				t.Fatalf("ParseCSV(%q): column names %q are not unique and non-empty", s, cols)
			}
			seen[c] = true
		}
		for _, r := range rows {
			if !header {
				if _, ok := r.([]any); !ok {
					t.Fatalf("row %#v is not a list", r)
				}
				continue
			}
			m, ok := r.(map[string]any)
			if !ok || len(m) != len(cols) {
				t.Fatalf("row %#v does not have the %d columns %q", r, len(cols), cols)
			}
		}
	})
}

// infer_types turns only decimal numbers into numbers: Go-literal forms stay text.
func TestCSVInferKeepsGoLiteralsAsText(t *testing.T) {
	r := newRegistry(t)
	out, err := runNode(t, r, "csv.parse", map[string]any{"text": "v\n0x1p4\n1_000\n12\n", "infer_types": true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := out["rows"].([]any)
	for i, want := range []any{"0x1p4", "1_000", 12.0} {
		if got := rows[i].(map[string]any)["v"]; got != want {
			t.Errorf("row %d: v = %#v, want %#v", i, got, want)
		}
	}
}
