package data

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"polysynergy/shared/nodes"
)

func csvTypes() []*nodes.Type { return []*nodes.Type{csvParseType(), csvFormatType()} }

// CSVOptions control ParseCSV.
type CSVOptions struct {
	Delimiter rune
	// Header reads the first record as column names and returns objects.
	Header bool
	// Trim removes whitespace around every field.
	Trim bool
	// InferTypes turns numeric text into numbers and true/false into booleans.
	InferTypes bool
}

// CSVError is a CSV text that does not parse, with the 1-based line and column.
type CSVError struct {
	Line, Column int
	Msg          string
}

func (e *CSVError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("invalid CSV at line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("invalid CSV at line %d: %s", e.Line, e.Msg)
}

// ParseCSV reads CSV text into rows: objects keyed by the header's column names when
// opt.Header is set (missing trailing fields are null), otherwise lists of fields. It also
// returns the column names (repeated names get a _2, _3… suffix; blank ones are column_N).
func ParseCSV(ctx context.Context, text string, opt CSVOptions) ([]any, []string, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.Contains(text, "\r") && !strings.Contains(text, "\n") {
		// lines ended by a carriage return alone (classic Mac, some exports), which
		// encoding/csv would read as one long line
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = opt.Delimiter
	r.FieldsPerRecord = -1
	// trimming also reads a quoted field after spaces (a, "b, c"); not with a space or tab
	// delimiter, which encoding/csv would skip as leading space, moving the fields after an
	// empty one
	r.TrimLeadingSpace = opt.Trim && !unicode.IsSpace(opt.Delimiter)
	rows := []any{}
	var columns []string
	for n := 0; ; n++ {
		if n%listCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &CSVError{Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()}
			}
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		if opt.Trim {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
			}
		}
		if opt.Header && columns == nil {
			columns = headerNames(rec)
			continue
		}
		if !opt.Header {
			row := make([]any, len(rec))
			for i, f := range rec {
				row[i] = cell(f, opt.InferTypes)
			}
			rows = append(rows, row)
			continue
		}
		if len(rec) > len(columns) {
			line, _ := r.FieldPos(0)
			return nil, nil, &CSVError{Line: line, Msg: fmt.Sprintf("the row has %d fields but the header has %d columns", len(rec), len(columns))}
		}
		row := make(map[string]any, len(columns))
		for i, name := range columns {
			if i < len(rec) {
				row[name] = cell(rec[i], opt.InferTypes)
			} else {
				row[name] = nil
			}
		}
		rows = append(rows, row)
	}
	return rows, columns, nil
}

// headerNames makes unique, non-empty column names from a header record.
func headerNames(rec []string) []string {
	names := make([]string, len(rec))
	used := map[string]bool{}
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
		}
		name := h
		for n := 2; used[name]; n++ {
			name = h + "_" + strconv.Itoa(n)
		}
		used[name] = true
		names[i] = name
	}
	return names
}

// cell converts a field, inferring numbers and booleans when asked. Text with leading
// zeros ("007"), a plus sign or special values (NaN, Inf) stays text.
func cell(s string, infer bool) any {
	if !infer {
		return s
	}
	switch s {
	case "true", "TRUE", "True":
		return true
	case "false", "FALSE", "False":
		return false
	}
	if s == "" || strings.TrimSpace(s) != s {
		return s
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || !isDigit(digits[0]) || (len(digits) > 1 && digits[0] == '0' && isDigit(digits[1])) {
		return s
	}
	if !nodes.IsDecimalText(s) {
		return s // 1_000, 0x1p4
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// delimiterOf reads a one-character delimiter input; `\t` and `tab` mean a tab.
func delimiterOf(c *nodes.Call, port string) (rune, error) {
	s := c.Str(port)
	switch strings.ToLower(s) {
	case "":
		return ',', nil
	case `\t`, "tab":
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError {
		return 0, nodes.Errorf(port, "must be one character, got %q", s)
	}
	if r == '"' || r == '\r' || r == '\n' {
		return 0, nodes.Errorf(port, "cannot be %q", s)
	}
	return r, nil
}

func delimiterPort() nodes.Port {
	return nodes.Port{Name: "delimiter", Type: nodes.String, Default: ",",
		Doc: "The field separator: one character such as `,` `;` `|`, or `\\t` / `tab` for tabs."}
}

func csvParseType() *nodes.Type {
	return &nodes.Type{
		ID: "csv.parse", Category: catJSON, Name: "Parse CSV", Icon: "sheet",
		Doc: "Reads CSV text (RFC 4180: quoted fields may hold the delimiter, quotes as `\"\"` and line breaks). Lines may " +
			"end in `\\n`, `\\r\\n`, or `\\r` alone throughout.\n\n" +
			"- With `header` (default) the first row names the columns and `rows` is a list of objects; a row with " +
			"fewer fields gets null for the missing columns, one with more fields is an error. Blank column names " +
			"become `column_N`, repeated names get `_2`, `_3`…\n- Without `header`, `rows` is a list of lists.\n" +
			"- `trim` removes spaces around fields (so `a, \"b, c\"` reads `b, c`); `infer_types` turns numbers and true/false into numbers and " +
			"booleans (text with leading zeros such as `007` stays text).\n\nBad CSV is an error naming the line and column.\n\n" +
			"Example: `name,age\\nAnn,40` → `[{\"name\": \"Ann\", \"age\": \"40\"}]`.",
		Inputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Required: true, Doc: "The CSV text."},
			delimiterPort(),
			{Name: "header", Type: nodes.Boolean, Default: true, Doc: "The first row holds column names."},
			{Name: "trim", Type: nodes.Boolean, Default: false, Doc: "Remove whitespace around every field."},
			{Name: "infer_types", Type: nodes.Boolean, Default: false, Doc: "Turn numeric text into numbers and true/false into booleans."},
		},
		Outputs: []nodes.Port{
			{Name: "rows", Type: nodes.List, Doc: "The rows: objects with a header, lists without."},
			{Name: "columns", Type: nodes.List, Doc: "The column names (empty without a header)."},
			{Name: "count", Type: nodes.Integer, Doc: "How many data rows."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			delim, err := delimiterOf(c, "delimiter")
			if err != nil {
				return nil, err
			}
			rows, cols, err := ParseCSV(ctx, c.Str("text"), CSVOptions{Delimiter: delim, Header: c.Bool("header"),
				Trim: c.Bool("trim"), InferTypes: c.Bool("infer_types")})
			if err != nil {
				var ce *CSVError
				if errors.As(err, &ce) {
					return nil, nodes.Errorf("text", "%v", err)
				}
				return nil, err
			}
			columns := make([]any, len(cols))
			for i, n := range cols {
				columns[i] = n
			}
			return nodes.Out{"rows": rows, "columns": columns, "count": num(len(rows))}, nil
		},
	}
}

// csvField renders one value for a CSV cell: null is empty, objects and lists are JSON.
// With guard, text that a spreadsheet would run as a formula gets a leading single quote
// (OWASP's advice against CSV injection); numbers and booleans are written as they are.
func csvField(v any, guard bool) string {
	s := nodes.ToString(v)
	if guard {
		if _, ok := v.(string); ok {
			return guardFormula(s)
		}
	}
	return s
}

// guardFormula prefixes a single quote to text starting with a character that makes
// spreadsheet apps read the cell as a formula: = + - @, a tab or a carriage return.
func guardFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func csvFormatType() *nodes.Type {
	return &nodes.Type{
		ID: "csv.format", Category: catJSON, Name: "Format CSV", Icon: "table",
		Doc: "Writes `rows` as CSV text, quoting fields where needed.\n\n- Rows of objects: `columns` chooses and orders " +
			"the columns; without it the columns are every key, those of the first row first (alphabetically), " +
			"then new keys as they appear. Missing keys give empty fields.\n- Rows of lists are written as they are; " +
			"`columns`, when given, is the header line.\n\nNull is an empty field; nested objects and lists are written " +
			"as JSON. `header` writes the column names first.\n\n" +
			"`escape_formulas` (default on) guards against CSV injection as OWASP advises: a text value or column name " +
			"starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so spreadsheet apps show it " +
			"as text instead of running it (`=cmd()` → `'=cmd()`, the text `-1` → `'-1`). Numbers and booleans are " +
			"written as they are (the number -1 stays `-1`). Turn it off when the CSV is read by a program that needs the exact text.\n\n" +
			"Example: `[{\"name\": \"Ann\", \"age\": 40}]` → `age,name\\n40,Ann\\n`.",
		Inputs: []nodes.Port{
			{Name: "rows", Type: nodes.List, Required: true, Doc: "A list of objects or a list of lists."},
			{Name: "columns", Type: nodes.List, Doc: "Column names (a list or comma-separated text)."},
			delimiterPort(),
			{Name: "header", Type: nodes.Boolean, Default: true, Doc: "Write a header line with the column names."},
			{Name: "line_ending", Type: nodes.String, Default: "lf", Options: []string{"lf", "crlf"}, Doc: "Line ending: \\n or \\r\\n."},
			{Name: "escape_formulas", Type: nodes.Boolean, Default: true,
				Doc: "Prefix `'` to text starting with = + - @, a tab or a carriage return, so spreadsheet apps do not run it as a formula; numbers stay numbers."},
		},
		Outputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Doc: "The CSV text."},
			{Name: "columns", Type: nodes.List, Doc: "The columns written."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			rows, err := c.List("rows")
			if err != nil {
				return nil, err
			}
			delim, err := delimiterOf(c, "delimiter")
			if err != nil {
				return nil, err
			}
			ending, err := oneOf(c, "line_ending", "lf", "crlf")
			if err != nil {
				return nil, err
			}
			columns, err := stringList(c, "columns")
			if err != nil {
				return nil, err
			}
			var objects, lists bool
			for i, r := range rows {
				if _, ok := asMap(r); ok {
					objects = true
				} else if _, ok := r.([]any); ok {
					lists = true
				} else {
					return nil, itemError("rows", i, "expected an object or a list, got %s", nodes.Describe(r))
				}
				if objects && lists {
					return nil, itemError("rows", i, "rows must be all objects or all lists")
				}
			}
			if objects && columns == nil {
				seen := map[string]bool{}
				for _, r := range rows {
					m, _ := asMap(r)
					for _, k := range sortedKeys(m) {
						if !seen[k] {
							seen[k] = true
							columns = append(columns, k)
						}
					}
				}
			}
			var b strings.Builder
			w := csv.NewWriter(&b)
			w.Comma = delim
			w.UseCRLF = ending == "crlf"
			guard := c.Bool("escape_formulas")
			if c.Bool("header") && len(columns) > 0 {
				header := columns
				if guard {
					header = make([]string, len(columns))
					for i, col := range columns {
						header[i] = guardFormula(col)
					}
				}
				if err := w.Write(header); err != nil {
					return nil, nodes.Errorf("columns", "%v", err)
				}
			}
			for i, r := range rows {
				var rec []string
				if m, ok := asMap(r); ok {
					rec = make([]string, len(columns))
					for j, col := range columns {
						rec[j] = csvField(m[col], guard)
					}
				} else {
					l := r.([]any)
					rec = make([]string, len(l))
					for j, v := range l {
						rec[j] = csvField(v, guard)
					}
				}
				if err := w.Write(rec); err != nil {
					return nil, itemError("rows", i, "%v", err)
				}
			}
			w.Flush()
			if err := w.Error(); err != nil {
				return nil, nodes.Errorf("rows", "%v", err)
			}
			cols := make([]any, len(columns))
			for i, n := range columns {
				cols[i] = n
			}
			return nodes.Out{"text": b.String(), "columns": cols}, nil
		},
	}
}
