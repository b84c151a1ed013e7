package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"polysynergy/shared/expr"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

func jsonTypes() []*nodes.Type {
	return []*nodes.Type{jsonParseType(), jsonStringifyType(), jmespathType(), typeCastType(), typeOfType()}
}

// JSONError is text that is not valid JSON, with the 1-based line and column (in
// characters) of the problem.
type JSONError struct {
	Line, Column int
	Msg          string
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// position returns the 1-based line and character column of byte offset off in s.
func position(s string, off int) (line, col int) {
	off = max(0, min(off, len(s)))
	before := s[:off]
	line = 1 + strings.Count(before, "\n")
	col = 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return line, col
}

// ParseJSON decodes one JSON document. Numbers are float64, except whole numbers beyond
// 2^53 (9007199254740992) within int64's range, which float64 cannot hold exactly (ids such
// as 9007199254740993): those are int64, kept to the digit (nodes.Equal, ToString and JSON
// output keep them exact). Whole numbers beyond int64 (±9223372036854775807) are the nearest
// float64. Anything but whitespace after the value is an error, as is empty text.
func ParseJSON(s string) (any, error) {
	s = strings.TrimPrefix(s, "\ufeff")
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, &JSONError{Line: 1, Column: 1, Msg: "the text is empty"}
		case errors.Is(err, io.ErrUnexpectedEOF):
			l, c := position(s, len(s))
			return nil, &JSONError{Line: l, Column: c, Msg: "unexpected end of the text"}
		case errors.As(err, &se):
			l, c := position(s, int(se.Offset)-1)
			return nil, &JSONError{Line: l, Column: c, Msg: strings.TrimPrefix(se.Error(), "json: ")}
		case errors.As(err, &te):
			// Offset is the end of the whole document; find the offending number itself.
			at := strings.Index(s, strings.TrimPrefix(te.Value, "number "))
			if at < 0 {
				at = int(te.Offset)
			}
			l, c := position(s, at)
			return nil, &JSONError{Line: l, Column: c, Msg: fmt.Sprintf("%s is out of range", te.Value)}
		}
		return nil, &JSONError{Line: 1, Column: 1, Msg: err.Error()}
	}
	off := int(dec.InputOffset())
	if rest := strings.TrimLeft(s[off:], " \t\r\n"); rest != "" {
		l, c := position(s, len(s)-len(rest))
		return nil, &JSONError{Line: l, Column: c, Msg: "unexpected text after the JSON value"}
	}
	v, err := jsonvalue.Numbers(v)
	var re *jsonvalue.RangeError
	if errors.As(err, &re) {
		// as encoding/json says of a number float64 cannot hold (1e400)
		at := strings.Index(s, re.Number)
		l, c := position(s, max(at, 0))
		return nil, &JSONError{Line: l, Column: c, Msg: re.Error()}
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

// exactBeyond is 2^53: whole numbers up to it are exact as float64.
const exactBeyond = jsonvalue.ExactBeyond

func jsonParseType() *nodes.Type {
	return &nodes.Type{
		ID: "json.parse", Category: catJSON, Name: "Parse JSON", Icon: "file-json",
		Doc: "Parses JSON text into a value (objects, lists, numbers, text, booleans, null). Invalid JSON is an " +
			"error giving the line and column of the problem. Whole numbers keep every digit up to int64's range " +
			"(±9223372036854775807), so an id such as `9007199254740993` (beyond 2^53, where decimals lose " +
			"digits) stays exact in text, JSON output and comparisons; arithmetic on it is approximate, and " +
			"larger whole numbers and decimals keep about 16 significant digits. Values that are already parsed (objects, lists, " +
			"numbers) pass through unchanged.\n\nExample: `{\"a\": [1, 2]}` → the object `{\"a\": [1, 2]}`.",
		Inputs: []nodes.Port{{Name: "text", Type: nodes.String, Required: true, Editor: nodes.EditJSON, Doc: "The JSON text."}},
		Outputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The parsed value."},
			{Name: "type", Type: nodes.String, Doc: "Its type: object, list, string, number, boolean or null."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			var v any
			switch x := c.Get("text").(type) {
			case string:
				var err error
				if v, err = ParseJSON(x); err != nil {
					return nil, nodes.Errorf("text", "%v", err)
				}
			case []byte:
				var err error
				if v, err = ParseJSON(string(x)); err != nil {
					return nil, nodes.Errorf("text", "%v", err)
				}
			case nil:
				return nil, nodes.Errorf("text", "is empty")
			default:
				v = nodes.Clone(nodes.Normalize(x))
			}
			return nodes.Out{"value": v, "type": nodes.TypeName(v)}, nil
		},
	}
}

// marshalJSON renders v as JSON without HTML escaping unless asked, indenting by indent spaces.
func marshalJSON(v any, indent int, escapeHTML bool) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if indent > 0 {
		enc.SetIndent("", strings.Repeat(" ", indent))
	}
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func jsonStringifyType() *nodes.Type {
	return &nodes.Type{
		ID: "json.stringify", Category: catJSON, Name: "Stringify JSON", Icon: "braces",
		Doc: "Renders `value` as JSON text. `indent` > 0 pretty-prints with that many spaces per level; 0 gives " +
			"compact text. Object keys come out sorted. `<`, `>` and `&` are kept as is unless `escape_html` is on.\n\n" +
			"Example: `{\"b\": 1, \"a\": [true]}` → `{\"a\":[true],\"b\":1}`.",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The value to render."},
			{Name: "indent", Type: nodes.Integer, Min: nodes.Bound(0), Max: nodes.Bound(10), Default: 0.0, Doc: "Spaces per level (0–10); 0 is compact."},
			{Name: "escape_html", Type: nodes.Boolean, Default: false, Doc: "Escape <, > and & as \\u003c etc."},
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The JSON text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			indent, err := c.IntOr("indent", 0)
			if err != nil {
				return nil, err
			}
			s, err := marshalJSON(c.Get("value"), indent, c.Bool("escape_html"))
			if err != nil {
				return nil, nodes.Errorf("value", "cannot render as JSON: %v", err)
			}
			return nodes.Out{"text": s}, nil
		},
	}
}

func jmespathType() *nodes.Type {
	return &nodes.Type{
		ID: "json.jmespath", Category: catJSON, Name: "JMESPath query", Icon: "text-search",
		Doc: "Runs a [JMESPath](https://jmespath.org) query over `value` — select, filter and reshape JSON in one " +
			"expression. A query that selects nothing gives null.\n\nExamples over `{\"people\": [{\"name\": \"Ann\", " +
			"\"age\": 40}, {\"name\": \"Bo\", \"age\": 20}]}`:\n- `people[?age > `30`].name` → `[\"Ann\"]`\n" +
			"- `people[*].{n: name}` → `[{\"n\": \"Ann\"}, {\"n\": \"Bo\"}]`\n- `length(people)` → 2",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Required: true, Doc: "The value to query."},
			{Name: "query", Type: nodes.String, Required: true, Literal: true, Editor: nodes.EditCode, Check: nodes.CheckJMESPath,
				Doc: "The JMESPath expression."},
		},
		Outputs: []nodes.Port{{Name: "result", Type: nodes.Any, Doc: "What the query selected."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			q := strings.TrimSpace(c.Str("query"))
			if q == "" {
				return nil, nodes.Errorf("query", "is empty")
			}
			v, err := expr.JMESPath(c.Get("value"), q)
			if err != nil {
				return nil, nodes.Errorf("query", "%v", err)
			}
			return nodes.Out{"result": nodes.Normalize(v)}, nil
		},
	}
}

// castTargets lists the types data.type_cast converts to.
func castTargets() []string {
	return []string{"string", "number", "integer", "boolean", "list", "object", "json", "datetime"}
}

// cast converts v to type to; the error says why it cannot.
func cast(v any, to string) (any, error) {
	desc := nodes.Describe(v)
	switch to {
	case "string":
		return nodes.ToString(v), nil
	case "json":
		s, err := marshalJSON(v, 0, false)
		if err != nil {
			return nil, fmt.Errorf("cannot render %s as JSON: %v", desc, err)
		}
		return s, nil
	case "number", "integer":
		var f float64
		var ok bool
		switch v.(type) {
		case string:
			f, ok = nodes.ToFloat(v)
		case bool:
			f, ok = nodes.ToFloat(v)
		default:
			if nodes.IsNumber(v) {
				f, ok = nodes.ToFloat(v)
			}
		}
		if !ok {
			return nil, fmt.Errorf("cannot convert %s to a number", desc)
		}
		if n, ok := exactInt(v); ok && (n > exactBeyond || n < -exactBeyond) {
			return n, nil // a whole number beyond 2^53 (an id), kept to the digit as Parse JSON keeps it
		}
		if to == "integer" {
			if f != math.Trunc(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s is not a whole number", desc)
			}
			if t, isText := v.(string); isText && math.Abs(f) >= 1<<53 {
				// "9007199254740993" would silently become 9007199254740992
				exact, ok := new(big.Rat).SetString(strings.TrimSpace(t))
				if ok && exact.Cmp(new(big.Rat).SetFloat64(f)) != 0 {
					return nil, fmt.Errorf("%s has more digits than a number holds exactly (whole numbers are exact up to 9007199254740992); keep it as text", desc)
				}
			}
		}
		return f, nil
	case "boolean":
		switch x := v.(type) {
		case nil:
			return false, nil
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "on", "1", "y":
				return true, nil
			case "false", "no", "off", "0", "n", "":
				return false, nil
			}
			return nil, fmt.Errorf("cannot convert %s to a boolean (use true/false, yes/no, on/off or 1/0)", desc)
		}
		if nodes.IsNumber(v) {
			f, _ := nodes.ToFloat(v)
			return f != 0, nil
		}
		return nil, fmt.Errorf("cannot convert %s to a boolean", desc)
	case "list":
		switch x := v.(type) {
		case nil:
			return []any{}, nil
		case string:
			if t := strings.TrimSpace(x); strings.HasPrefix(t, "[") {
				parsed, err := ParseJSON(t)
				if err != nil {
					return nil, fmt.Errorf("text looks like a JSON list but %v", err)
				}
				return parsed, nil
			}
		}
		if _, isMap := asMap(v); !isMap {
			if l, ok := nodes.ToList(v); ok {
				return nodes.Clone(nodes.Normalize(l)), nil
			}
		}
		return []any{nodes.Clone(v)}, nil
	case "object":
		switch x := v.(type) {
		case nil:
			return map[string]any{}, nil
		case string:
			parsed, err := ParseJSON(x)
			if err != nil {
				return nil, fmt.Errorf("text is not a JSON object: %v", err)
			}
			if m, ok := parsed.(map[string]any); ok {
				return m, nil
			}
			return nil, fmt.Errorf("text is JSON %s, not an object", nodes.TypeName(parsed))
		}
		if m, ok := asMap(v); ok {
			return nodes.Clone(m), nil
		}
		return nil, fmt.Errorf("cannot convert %s to an object", desc)
	case "datetime":
		if s, ok := v.(string); ok {
			s = strings.TrimSpace(s)
			if f, ok := nodes.ToFloat(s); ok {
				// Unix seconds as text (a query parameter, a CSV cell), as the date nodes read them
				if err := expr.CheckUnix(f); err != nil {
					return nil, fmt.Errorf("cannot convert to a date: %v", err)
				}
				return unixSeconds(f).Format(time.RFC3339Nano), nil
			}
			v = s
		}
		t, err := expr.ToTime(v)
		if err != nil {
			if _, text := v.(string); text {
				return nil, fmt.Errorf("cannot convert %s to a date (use RFC 3339 such as 2024-05-01T12:00:00Z, "+
					"2024-05-01 12:00:00, 2024-05-01 or Unix seconds)", desc)
			}
			return nil, fmt.Errorf("cannot convert to a date: %v", err)
		}
		return t.Format(time.RFC3339Nano), nil
	}
	return nil, fmt.Errorf("unknown type %q", to)
}

// exactInt reads a whole number exactly: an int64 (or smaller integer type), or integer text
// within int64's range.
func exactInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func typeCastType() *nodes.Type {
	return &nodes.Type{
		ID: "data.type_cast", Category: catData, Name: "Convert type", Icon: "repeat-2",
		Doc: "Converts `value` to the type `to`, failing with a clear error when it cannot:\n\n" +
			"- `string`: text (objects and lists as JSON).\n- `number`: numbers, numeric text, true → 1.\n" +
			"- `integer`: like number, but the value must be whole (`\"12\"` → 12; `\"1.5\"` fails). Whole numbers beyond 2^53 keep every digit up to int64's range, as Parse JSON keeps them (`\"9007199254740993\"` → 9007199254740993); text beyond that range that a number cannot hold exactly fails.\n" +
			"- `boolean`: true/false, yes/no, on/off, 1/0 (any case); numbers are true unless 0; null is false.\n" +
			"- `list`: lists stay; null → `[]`; text starting with `[` is parsed as JSON; anything else is wrapped as `[value]`.\n" +
			"- `object`: objects stay; null → `{}`; text is parsed as a JSON object.\n" +
			"- `json`: compact JSON text of the value.\n- `datetime`: RFC 3339 text from a date, date text or Unix seconds.\n\n" +
			"Example: `\"42\"` to integer → 42; `\"yes\"` to boolean → true.",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The value to convert."},
			{Name: "to", Type: nodes.String, Default: "string", Required: true, Options: castTargets(), Doc: "The target type."},
		},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The converted value."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			to, err := oneOf(c, "to", castTargets()...)
			if err != nil {
				return nil, err
			}
			v, err := cast(c.Get("value"), to)
			if err != nil {
				return nil, nodes.Errorf("value", "%v", err)
			}
			return nodes.Out{"value": v}, nil
		},
	}
}

func typeOfType() *nodes.Type {
	return &nodes.Type{
		ID: "data.type_of", Category: catData, Name: "Type of", Icon: "type",
		Doc: "Names the type of `value`: `string`, `number`, `boolean`, `list`, `object`, `null`, `datetime` or " +
			"`bytes`. `integer` tells whether a number is whole.\n\nExample: `[1]` → `list`; `3` → `number`, integer true.",
		Inputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value to inspect."}},
		Outputs: []nodes.Port{
			{Name: "type", Type: nodes.String, Doc: "The type name."},
			{Name: "integer", Type: nodes.Boolean, Doc: "Whether the value is a whole number."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			v := c.Get("value")
			whole := false
			if nodes.IsNumber(v) {
				f, _ := nodes.ToFloat(v)
				whole = f == math.Trunc(f) && !math.IsInf(f, 0)
			}
			return nodes.Out{"type": nodes.TypeName(v), "integer": whole}, nil
		},
	}
}
