package nodes

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"polysynergy/shared/jsonvalue"
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

// Equal is the platform's equality, the one Compare's eq applies and Switch, the membership
// router and the list nodes (Index of, List contains, Unique) share: numbers and numeric text
// by value ("3.0" equals "3" and 3; integers exactly, so 2^53+1 differs from 2^53), dates
// (times, RFC 3339 or YYYY-MM-DD text) as instants, a boolean only a boolean (true is not
// "true" nor 1), other text exactly (case-sensitive), bytes by content, and lists and objects
// element by element with these same rules. EqualKey gives the matching hash key.
func Equal(a, b any) bool {
	sa, oka := scalarOf(a)
	sb, okb := scalarOf(b)
	if oka || okb {
		return oka && okb && sa == sb
	}
	if la, ok := containerList(a); ok {
		lb, ok := containerList(b)
		if !ok || len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !Equal(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	ma, oka := containerMap(a)
	mb, okb := containerMap(b)
	if !oka || !okb || len(ma) != len(mb) {
		return false
	}
	for k, ea := range ma {
		eb, ok := mb[k]
		if !ok || !Equal(ea, eb) {
			return false
		}
	}
	return true
}

// exactNumber is n as float64 when float64 holds it exactly (|n| ≤ 2^53), else n.
func exactNumber(n int64) any {
	if n > 1<<53 || n < -(1<<53) {
		return n
	}
	return float64(n)
}

// EqualKey is a text key for v such that EqualKey(a) == EqualKey(b) exactly when Equal(a, b):
// for grouping and removing repeats without comparing every pair.
func EqualKey(v any) string {
	var b strings.Builder
	writeEqualKey(&b, v)
	return b.String()
}

func writeEqualKey(b *strings.Builder, v any) {
	if s, ok := scalarOf(v); ok {
		b.WriteByte(s.kind)
		switch s.kind {
		case 'b', 'i':
			b.WriteString(strconv.FormatInt(s.i, 10))
		case 'f':
			b.WriteString(strconv.FormatFloat(s.f, 'g', -1, 64))
		default:
			b.WriteString(strconv.Quote(s.s))
		}
		return
	}
	if l, ok := containerList(v); ok {
		b.WriteByte('[')
		for i, e := range l {
			if i > 0 {
				b.WriteByte(',')
			}
			writeEqualKey(b, e)
		}
		b.WriteByte(']')
		return
	}
	m, _ := containerMap(v)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
		writeEqualKey(b, m[k])
	}
	b.WriteByte('}')
}

// scalar is a non-container value in the canonical form Equal compares: kind z (null),
// b (boolean, i 0 or 1), i (an integral number within int64), f (any other number),
// n (NaN), t (a time, s in UTC RFC 3339), s (text), y (bytes, s their content).
type scalar struct {
	kind byte
	i    int64
	f    float64
	s    string
}

// scalarOf reads v as a scalar; lists and objects are not (false).
func scalarOf(v any) (scalar, bool) {
	switch x := v.(type) {
	case nil:
		return scalar{kind: 'z'}, true
	case bool:
		if x {
			return scalar{kind: 'b', i: 1}, true
		}
		return scalar{kind: 'b'}, true
	case int:
		return scalar{kind: 'i', i: int64(x)}, true
	case int64:
		return scalar{kind: 'i', i: x}, true
	case int32:
		return scalar{kind: 'i', i: int64(x)}, true
	case uint:
		return uintScalar(uint64(x)), true
	case uint64:
		return uintScalar(x), true
	case float64:
		return floatScalar(x), true
	case float32:
		return floatScalar(float64(x)), true
	case json.Number:
		if n, ok := exactInt(x.String()); ok {
			return scalar{kind: 'i', i: n}, true
		}
		if f, err := x.Float64(); err == nil {
			return floatScalar(f), true
		}
		return scalar{kind: 's', s: x.String()}, true
	case time.Time:
		return scalar{kind: 't', s: x.UTC().Format(time.RFC3339Nano)}, true
	case []byte:
		return scalar{kind: 'y', s: string(x)}, true
	case string:
		s := strings.TrimSpace(x)
		if n, ok := exactInt(s); ok {
			return scalar{kind: 'i', i: n}, true
		}
		if f, ok := ToFloat(s); ok {
			return floatScalar(f), true
		}
		if t, ok := DateText(s); ok {
			return scalar{kind: 't', s: t.UTC().Format(time.RFC3339Nano)}, true
		}
		return scalar{kind: 's', s: x}, true
	case map[string]any, Out, []any, []string:
		return scalar{}, false
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return scalar{}, false
	}
	switch n := Normalize(v).(type) { // plain JSON types or text, so this ends
	case map[string]any, []any:
		return scalar{}, false
	default:
		return scalarOf(n)
	}
}

func uintScalar(x uint64) scalar {
	if x <= math.MaxInt64 {
		return scalar{kind: 'i', i: int64(x)}
	}
	return floatScalar(float64(x))
}

// exactInt reads decimal integer text (an optional sign and digits) that fits in int64.
func exactInt(s string) (int64, bool) {
	if s == "" || !decimalText(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// floatScalar keeps integral numbers within int64 as integers, so 3.0 equals 3.
func floatScalar(f float64) scalar {
	switch {
	case math.IsNaN(f):
		return scalar{kind: 'n'}
	case f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63:
		return scalar{kind: 'i', i: int64(f)}
	}
	return scalar{kind: 'f', f: f}
}

// DateText reads RFC 3339 text (2024-05-01T12:00:00Z, with or without fractions) or a date
// (2024-05-01, midnight UTC), as Compare and Equal read dates.
func DateText(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// containerList reads lists of any element type.
func containerList(v any) ([]any, bool) {
	switch v.(type) {
	case []byte, string, nil:
		return nil, false
	case []any, []string:
		return ToList(v)
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return ToList(v)
	}
	return nil, false
}

// containerMap reads objects: maps and Out as they are, anything else by its JSON form.
func containerMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case Out:
		return x, true
	}
	m, ok := Normalize(v).(map[string]any)
	return m, ok
}

// Normalize turns a value into plain JSON types (map[string]any, []any, float64, string,
// bool, nil) by a JSON round trip when it is not one already. A whole number beyond 2^53
// (as Parse JSON reads 9007199254740993) stays int64, which float64 cannot hold exactly.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return v
	case int:
		return exactNumber(int64(x))
	case int64:
		return exactNumber(x)
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
	out, err := jsonvalue.Unmarshal(b)
	if err != nil {
		return string(b)
	}
	return out
}
