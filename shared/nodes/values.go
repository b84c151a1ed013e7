package nodes

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ToString formats a value for a string input: strings as is, numbers without a trailing
// ".0", booleans as true/false, nil as "", times as RFC 3339, other values as compact JSON
// without HTML escapes.
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return formatNumber(x, 64)
	case float32:
		return formatNumber(float64(x), 32)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	// as JSON.stringify writes it: <, > and & as they are (json.Marshal writes \u003c …, which
	// showed in every text an object was put into)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// formatNumber writes a number as JavaScript's String(n) and JSON write it: plainly, except
// from 1e21 up and below 1e-6, where the exponent form keeps it short (1e+21, 1.5e-7; the
// plain form of 1.5e300 was 301 digits long).
func formatNumber(x float64, bits int) string {
	abs := math.Abs(x)
	if abs == 0 || math.IsNaN(x) || math.IsInf(x, 0) || (abs >= 1e-6 && abs < 1e21) {
		return strconv.FormatFloat(x, 'f', -1, bits)
	}
	s := strconv.FormatFloat(x, 'e', -1, bits)
	// Go writes at least two exponent digits (1e-07); JavaScript as few as it needs
	if i := strings.Index(s, "e"); i >= 0 && len(s) > i+3 && s[i+2] == '0' {
		s = s[:i+2] + s[i+3:]
	}
	return s
}

// ToFloat converts numbers and numeric strings to float64.
func ToFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case float32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" || !decimalText(s) {
			return 0, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// IsNumber reports whether v is a Go number (not a numeric string).
func IsNumber(v any) bool {
	switch v.(type) {
	case float64, float32, int, int64, int32, uint, uint64, json.Number:
		return true
	}
	return false
}

// Truthy is the truth of a value: false, nil, 0, "", "false", "0", "no", "off", empty
// lists and empty objects are false; everything else is true.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "", "false", "0", "no", "off", "null":
			return false
		}
		return true
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	if f, ok := ToFloat(v); ok && IsNumber(v) {
		return f != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() > 0
	}
	return true
}

// ToList converts lists of any element type to []any. A nil value is not a list.
func ToList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, true
	}
	return nil, false
}

// TypeName names a value's type in the words of the port types.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, float32, int, int64, int32, uint, uint64, json.Number:
		return "number"
	case []any:
		return "list"
	case map[string]any, Out:
		return "object"
	case []byte:
		return "bytes"
	case time.Time:
		return "datetime"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Describe names a value for an error message: its type and a short preview.
func Describe(v any) string {
	if v == nil {
		return "nothing"
	}
	s := ToString(v)
	if len(s) > 40 {
		cut := 37
		for cut > 0 && !utf8.RuneStart(s[cut]) { // never through a character
			cut--
		}
		s = s[:cut] + "..."
	}
	return fmt.Sprintf("%s %q", TypeName(v), s)
}

// Clone deep-copies JSON-like values (maps, lists, scalars) so a node may change its copy.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Clone(e)
		}
		return out
	case Out:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Clone(e)
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	}
	return v
}

// decimalText reports whether s has none of the Go-literal forms strconv.ParseFloat also
// reads (digit separators as in 1_000, hexadecimal floats as in 0x1p4), which are text to people.
func decimalText(s string) bool { return !strings.ContainsAny(s, "_xXpP") }

// IsDecimalText reports whether numeric-looking s is written the way people and JSON write
// numbers (see ToFloat).
func IsDecimalText(s string) bool { return decimalText(s) }

// Equal compares loosely: numbers by value (numeric strings included), a boolean only with a
// boolean, otherwise by deep equality of their JSON forms.
func Equal(a, b any) bool {
	_, ba := a.(bool)
	_, bb := b.(bool)
	if ba != bb {
		return false // a boolean equals only a boolean, though ToFloat reads true as 1
	}
	if IsNumber(a) || IsNumber(b) {
		fa, oka := ToFloat(a)
		fb, okb := ToFloat(b)
		if oka && okb {
			return fa == fb
		}
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return sa == sb
		}
	}
	if ba, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			return ba == bb
		}
	}
	return reflect.DeepEqual(Normalize(a), Normalize(b))
}

// Normalize turns a value into plain JSON types (map[string]any, []any, float64, string,
// bool, nil) by a JSON round trip when it is not one already.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return v
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case Out:
		return Normalize(map[string]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return string(b)
	}
	return out
}
