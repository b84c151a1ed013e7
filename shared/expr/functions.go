package expr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/gosimple/slug"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

// Function documents one function available in expressions beyond expr-lang's builtins.
type Function struct {
	Name string `json:"name"`
	Sig  string `json:"signature"`
	Doc  string `json:"doc"`
	fn   func(args ...any) (any, error)
	// types, when set, are the signatures compiling checks calls against (too many
	// arguments is then an error when the flow is validated, not only when it runs)
	types []any
}

// Functions lists PolySynergy's own expression functions (expr-lang's builtins such as
// trim, split, join, replace, len, keys, values and now come
// on top, as do the operators `contains`, `startsWith`, `endsWith`, `matches`, `in`).
func Functions() []Function { return functions() }

var functions = sync.OnceValue(func() []Function {
	return []Function{
		{Name: "default", Sig: "default(value, fallback)", Doc: "value unless it is null or an empty string, else fallback.", fn: fnDefault},
		{Name: "coalesce", Sig: "coalesce(a, b, …)", Doc: "The first argument that is not null or empty.", fn: fnCoalesce},
		{Name: "includes", Sig: "includes(haystack, needle)", Doc: "Whether a string contains a substring, or a list an element.", fn: fnIncludes},
		{Name: "upper", Sig: "upper(s)", Doc: "Upper case with Unicode's full case mapping, as JavaScript's toUpperCase: \"straße\" → \"STRASSE\".", fn: str1(func(s string) any { return nodes.Upper(s) })},
		{Name: "lower", Sig: "lower(s)", Doc: "Lower case with Unicode's full case mapping, as JavaScript's toLowerCase (a final Σ becomes ς).", fn: str1(func(s string) any { return nodes.Lower(s) })},
		{Name: "capitalize", Sig: "capitalize(s)", Doc: "First letter upper-cased (title case: \"ß\" → \"Ss\"); the rest as it is.", fn: str1(func(s string) any {
			return nodes.TitleFirst(s)
		})},
		{Name: "title", Sig: "title(s)", Doc: "Every word capitalised (after a space, - or _); the rest as it is.", fn: str1(func(s string) any {
			var b strings.Builder
			prev := ' '
			for i, r := range s {
				_, n := utf8.DecodeRuneInString(s[i:])
				if c := s[i : i+n]; unicode.IsSpace(prev) || prev == '-' || prev == '_' {
					b.WriteString(nodes.TitleFirst(c))
				} else {
					b.WriteString(c)
				}
				prev = r
			}
			return b.String()
		})},
		{Name: "slugify", Sig: "slugify(s)", Doc: "A URL-safe lowercase slug.", fn: str1(func(s string) any { return slug.Make(s) })},
		{Name: "urlEncode", Sig: "urlEncode(s)", Doc: "Percent-encodes a query value.", fn: str1(func(s string) any { return url.QueryEscape(s) })},
		{Name: "urlDecode", Sig: "urlDecode(s)", Doc: "Decodes a percent-encoded value.", fn: func(a ...any) (any, error) {
			if err := arity("urlDecode", a, 1); err != nil {
				return nil, err
			}
			return url.QueryUnescape(nodes.ToString(a[0]))
		}},
		{Name: "sha256", Sig: "sha256(s)", Doc: "Hex SHA-256 of a string.", fn: str1(func(s string) any {
			h := sha256.Sum256([]byte(s))
			return hex.EncodeToString(h[:])
		})},
		{Name: "mod", Sig: "mod(x, y)", Doc: "Remainder of x / y (also written x % y), truncated as in JavaScript: it has the sign of x, so mod(-7, 3) is -1 (the Modulo node and Jinja's % floor instead: 2).", fn: fnMod},
		{Name: "pow", Sig: "pow(x, y)", Doc: "x to the power y.", fn: num2(math.Pow)},
		{Name: "sqrt", Sig: "sqrt(x)", Doc: "Square root.", fn: func(a ...any) (any, error) {
			if err := arity("sqrt", a, 1); err != nil {
				return nil, err
			}
			f, ok := nodes.ToFloat(a[0])
			if !ok {
				return nil, fmt.Errorf("sqrt: %s is not a number", nodes.Describe(a[0]))
			}
			return math.Sqrt(f), nil
		}},
		{Name: "number", Sig: "number(v)", Doc: "Converts a numeric string to a number.", fn: func(a ...any) (any, error) {
			if err := arity("number", a, 1); err != nil {
				return nil, err
			}
			f, ok := nodes.ToFloat(a[0])
			if !ok {
				return nil, fmt.Errorf("number: %s is not a number", nodes.Describe(a[0]))
			}
			return f, nil
		}},
		{Name: "toJSON", Sig: "toJSON(value, indent?)", Doc: "value as compact JSON text, like JavaScript's JSON.stringify: object keys sorted, no spaces, `<`, `>` and `&` as written. indent (a number of spaces up to 10, or a string such as \"\\t\") pretty-prints it, like JSON.stringify(value, null, 2).", fn: fnToJSON,
			types: []any{new(func(any) string), new(func(any, any) string)}},
		{Name: "fromJSON", Sig: "fromJSON(text)", Doc: "Parses JSON text into a value, like JavaScript's JSON.parse. A whole number beyond 2^53 (an id such as 9007199254740993) stays exact, as in every JSON a flow reads.", fn: fnFromJSON,
			types: []any{new(func(any) any)}},
		{Name: "jmespath", Sig: "jmespath(value, query)", Doc: "Runs a JMESPath query over a value.", fn: fnJMESPath},
		{Name: "formatDate", Sig: "formatDate(t, layout, zone?)", Doc: "Formats a time (or RFC 3339 string / Unix seconds) with a Go layout or a name: RFC3339, date, time, datetime, unix, unixms; optionally in an IANA zone.", fn: fnFormatDate},
		{Name: "parseDate", Sig: "parseDate(s, layout?, zone?)", Doc: "Parses a date string read in an optional IANA zone. Without a layout: RFC 3339, also with a space for the T, without seconds, or with the offset as +0200 or +02; and the same without an offset. A layout must read a year: a time-only one ('15:04', 'time') is refused naming it, as the Parse date node refuses it; so is a date outside the years 1 to 9999.", fn: fnParseDate},
		{Name: "addDate", Sig: "addDate(t, amount, unit)", Doc: "Adds an amount of years, months, days, hours, minutes or seconds (a negative amount subtracts). Months and years keep the day of month, clamped to the month's last day: Jan 31 + 1 month = Feb 28 (29 in a leap year).", fn: fnAddDate},
		{Name: "diffDate", Sig: "diffDate(a, b, unit)", Doc: "a − b in days, hours, minutes or seconds.", fn: fnDiffDate},
	}
})

var options = sync.OnceValue(func() []expr.Option {
	opts := []expr.Option{expr.AllowUndefinedVariables(), expr.MaxNodes(MaxNodes), expr.Patch(modPatch{}), expr.Patch(charsPatch{}),
		expr.Function(fnChars, fnCharsOf), expr.Function(fnSlice, fnSliceOf)}
	opts = append(opts, nullTextOptions()...)
	for _, f := range functions() {
		opts = append(opts, expr.Function(f.Name, f.fn, f.types...))
	}
	return opts
})

// fnFromJSON is expr-lang's fromJSON reading numbers as the rest of the platform does
// (package jsonvalue), where the builtin made every number a float64.
func fnFromJSON(args ...any) (any, error) {
	if err := arity("fromJSON", args, 1); err != nil {
		return nil, err
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("fromJSON: the argument must be JSON text, got %s", nodes.Describe(args[0]))
	}
	v, err := jsonvalue.Unmarshal([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("fromJSON: %w", err)
	}
	return v, nil
}

func arity(name string, a []any, n int) error {
	if len(a) != n {
		return fmt.Errorf("%s takes %d argument(s), got %d", name, n, len(a))
	}
	return nil
}

func str1(f func(string) any) func(...any) (any, error) {
	return func(a ...any) (any, error) {
		if len(a) != 1 {
			return nil, fmt.Errorf("takes 1 argument, got %d", len(a))
		}
		return f(nodes.ToString(a[0])), nil
	}
}

func num2(f func(x, y float64) float64) func(...any) (any, error) {
	return func(a ...any) (any, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("takes 2 arguments, got %d", len(a))
		}
		x, ok1 := nodes.ToFloat(a[0])
		y, ok2 := nodes.ToFloat(a[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("arguments must be numbers")
		}
		return f(x, y), nil
	}
}

func empty(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && s == ""
}

func fnDefault(a ...any) (any, error) {
	if err := arity("default", a, 2); err != nil {
		return nil, err
	}
	if empty(a[0]) {
		return a[1], nil
	}
	return a[0], nil
}

func fnCoalesce(a ...any) (any, error) {
	for _, v := range a {
		if !empty(v) {
			return v, nil
		}
	}
	return nil, nil
}

func fnIncludes(a ...any) (any, error) {
	if err := arity("includes", a, 2); err != nil {
		return nil, err
	}
	if l, ok := nodes.ToList(a[0]); ok {
		for _, e := range l {
			if nodes.Equal(e, a[1]) {
				return true, nil
			}
		}
		return false, nil
	}
	return strings.Contains(nodes.ToString(a[0]), nodes.ToString(a[1])), nil
}

func fnJMESPath(a ...any) (any, error) {
	if err := arity("jmespath", a, 2); err != nil {
		return nil, err
	}
	q, ok := a[1].(string)
	if !ok {
		return nil, fmt.Errorf("jmespath: the query must be a string")
	}
	return JMESPath(a[0], q)
}

// JMESPath runs a JMESPath query over a JSON-like value.
func JMESPath(v any, query string) (any, error) {
	jp, err := nodes.CompileJMESPath(query)
	if err != nil {
		return nil, err
	}
	out, err := jp.Search(nodes.Normalize(v))
	if err != nil {
		return nil, fmt.Errorf("jmespath query %q: %w", query, err)
	}
	return out, nil
}

// maxJSONIndent is the widest indent toJSON takes, as JSON.stringify clamps it.
const maxJSONIndent = 10

// fnToJSON encodes a value as JSON text the way JavaScript's JSON.stringify does: compact
// unless an indent is given, without escaping <, > and &. Object keys come sorted, so the
// text is the same on every run.
func fnToJSON(a ...any) (any, error) {
	if len(a) < 1 || len(a) > 2 {
		return nil, fmt.Errorf("toJSON takes 1 or 2 arguments (value, indent), got %d", len(a))
	}
	indent := ""
	if len(a) == 2 {
		switch x := a[1].(type) {
		case nil:
		case string:
			indent = x
			if r := []rune(indent); len(r) > maxJSONIndent {
				indent = string(r[:maxJSONIndent])
			}
		default:
			n, ok := nodes.ToFloat(x)
			if !ok || !nodes.IsNumber(x) || n != math.Trunc(n) {
				return nil, fmt.Errorf("toJSON: indent must be a whole number of spaces or a string, got %s", nodes.Describe(x))
			}
			indent = strings.Repeat(" ", int(min(max(n, 0), maxJSONIndent)))
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(a[0]); err != nil {
		return nil, fmt.Errorf("toJSON: %s cannot be written as JSON: %w", nodes.Describe(a[0]), err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// ToTime converts times, RFC 3339 strings and Unix seconds to a time.
func ToTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		for _, l := range anyLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date", x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return time.Time{}, err
		}
		return unixTime(f)
	}
	if f, ok := nodes.ToFloat(v); ok && nodes.IsNumber(v) {
		return unixTime(f)
	}
	return time.Time{}, fmt.Errorf("%s is not a date", nodes.Describe(v))
}

// The Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the dates RFC 3339 can
// write. Outside them int64 nanoseconds overflow and 1e20 came out as year 292277026596.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

// CheckUnix refuses Unix seconds outside the years 1 to 9999.
func CheckUnix(sec float64) error {
	if math.IsNaN(sec) || sec < minUnix || sec >= maxUnix+1 {
		return fmt.Errorf("%v Unix seconds is outside the years 1 to 9999", nodes.ToString(sec))
	}
	return nil
}

func unixTime(f float64) (time.Time, error) {
	if err := CheckUnix(f); err != nil {
		return time.Time{}, err
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// LoadZone loads an IANA time zone; "" means UTC.
func LoadZone(name string) (*time.Location, error) { return nodes.LoadZone(name) }

// FormatTime formats t with a named or Go layout in zone.
func FormatTime(t time.Time, layout, zone string) (any, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return nil, err
	}
	t = t.In(loc)
	if layout, err = nodes.DateLayout(layout); err != nil {
		return nil, err
	}
	switch layout {
	case "unix":
		return float64(t.Unix()), nil
	case "unixms":
		return float64(t.UnixMilli()), nil
	}
	return t.Format(layout), nil
}

func fnFormatDate(a ...any) (any, error) {
	if len(a) < 2 || len(a) > 3 {
		return nil, fmt.Errorf("formatDate takes 2 or 3 arguments, got %d", len(a))
	}
	t, err := ToTime(a[0])
	if err != nil {
		return nil, fmt.Errorf("formatDate: %w", err)
	}
	zone := ""
	if len(a) == 3 {
		zone = nodes.ToString(a[2])
	}
	return FormatTime(t, nodes.ToString(a[1]), zone)
}

// naiveLayouts are the layouts without an offset ParseTime and ToTime try: with seconds
// (fractions are accepted too), to the minute, or a date alone.
var naiveLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// offsetLayouts are the ISO 8601 forms with an offset beyond RFC 3339 that ParseTime and
// ToTime try: a space for the T (as PostgreSQL writes), no seconds, and the offset as
// +02:00, +0200 (ISO 8601's basic form) or +02, or Z. Fractions of a second are read after
// the seconds without being in the layout.
var offsetLayouts = func() []string {
	var l []string
	for _, base := range naiveLayouts[:4] {
		for _, off := range []string{"Z07:00", "Z0700", "Z07"} {
			l = append(l, base+off)
		}
	}
	return l
}()

// anyLayouts are the layouts tried, in order, for a date without a layout.
var anyLayouts = append(append([]string{time.RFC3339Nano}, offsetLayouts...), naiveLayouts...)

// ParseTime parses s with an optional layout, reading it in zone when it has no offset.
func ParseTime(s, layout, zone string) (time.Time, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return time.Time{}, err
	}
	if layout == "" {
		for _, l := range anyLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return inYears(s, inGap(t, l, s, loc))
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date in a known format (give a layout)", s)
	}
	given := layout
	if layout, err = nodes.DateLayout(layout); err != nil {
		return time.Time{}, err
	}
	if !LayoutHasYear(layout) {
		return time.Time{}, fmt.Errorf("layout %q has no year, so the date would be the year 0000 (outside the "+
			"years 1 to 9999): add a date part, e.g. \"2006-01-02 15:04\"", given)
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse %q with layout %q: %w", s, layout, err)
	}
	return inYears(s, inGap(t, layout, s, loc))
}

// inYears refuses a parsed date outside the years 1 to 9999, which the date functions and
// nodes keep to (text such as 0000-05-01).
func inYears(s string, t time.Time) (time.Time, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is in the year %04d, outside the years 1 to 9999", s, y)
	}
	return t, nil
}

// LayoutHasYear reports whether a date layout (a name or a Go layout; empty is RFC 3339)
// reads a year: one without (`time`, `15:04`, `02/01`) parses to the year 0000.
func LayoutHasYear(layout string) bool {
	l, err := nodes.DateLayout(layout)
	if err != nil {
		return true // the caller reports the layout
	}
	ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.FixedZone("MST", -7*3600))
	t, err := time.Parse(l, ref.Format(l))
	return err != nil || t.Year() != 0
}

// inGap reads text without an offset that time.ParseInLocation put in loc again with WallDate,
// so a wall-clock time in a daylight-saving gap lands after the gap.
func inGap(t time.Time, layout, s string, loc *time.Location) time.Time {
	if t.Location() != loc {
		return t // the text had its own offset
	}
	u, err := time.Parse(layout, s) // the wall clock as written
	if err != nil || u.Location() != time.UTC {
		return t
	}
	if _, off := u.Zone(); off != 0 {
		return t
	}
	return wallOf(u, loc)
}

func fnParseDate(a ...any) (any, error) {
	if len(a) < 1 || len(a) > 3 {
		return nil, fmt.Errorf("parseDate takes 1 to 3 arguments, got %d", len(a))
	}
	layout, zone := "", ""
	if len(a) > 1 {
		layout = nodes.ToString(a[1])
	}
	if len(a) > 2 {
		zone = nodes.ToString(a[2])
	}
	return ParseTime(nodes.ToString(a[0]), layout, zone)
}

// AddTime adds amount units to t in t's location. Months and years clamp the day of month to
// the target month's last day (Jan 31 + 1 month = Feb 28 or 29, Feb 29 + 1 year = Feb 28), as
// Luxon and most tools do, where time.AddDate would roll over into the next month.
func AddTime(t time.Time, amount float64, unit string) (time.Time, error) {
	n := int(amount)
	switch strings.TrimSuffix(strings.ToLower(unit), "s") {
	case "year":
		return AddMonths(t, 12*n), nil
	case "month":
		return AddMonths(t, n), nil
	case "week":
		return WallDate(t.Year(), t.Month(), t.Day()+7*n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()), nil
	case "day":
		return WallDate(t.Year(), t.Month(), t.Day()+n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()), nil
	case "hour":
		return t.Add(time.Duration(amount * float64(time.Hour))), nil
	case "minute":
		return t.Add(time.Duration(amount * float64(time.Minute))), nil
	case "second":
		return t.Add(time.Duration(amount * float64(time.Second))), nil
	case "millisecond":
		return t.Add(time.Duration(amount * float64(time.Millisecond))), nil
	}
	return time.Time{}, fmt.Errorf("unknown unit %q (years, months, weeks, days, hours, minutes, seconds, milliseconds)", unit)
}

// WallDate is time.Date for a wall-clock time in loc, settled as Luxon and java.time do
// where time.Date leaves the choice open (and picks differently east and west of Greenwich):
// a time in a daylight-saving gap (midnight on the day Santiago springs forward) reads as the
// time after the gap by its length — 00:00 becomes 01:00 −03:00 — and a time that happens twice
// (02:30 on the night Amsterdam falls back) as its first occurrence, 02:30 +02:00.
func WallDate(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	want := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	wall := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	// the offset in force a day before: in an overlap the earlier one, in a gap the one the
	// gap jumps away from
	_, before := want.Add(-24 * time.Hour).In(loc).Zone()
	first := want.Add(-time.Duration(before) * time.Second).In(loc)
	if wall(first).Equal(want) {
		return first
	}
	if t := time.Date(y, mo, d, h, mi, s, ns, loc); wall(t).Equal(want) {
		return t
	}
	return first // in a gap: after it
}

// wallOf reads t's wall clock again in loc (see WallDate).
func wallOf(t time.Time, loc *time.Location) time.Time {
	return WallDate(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// AddMonths adds n calendar months (n < 0 subtracts) to t in t's location, keeping the
// wall-clock time and the day of month, clamped to the last day of the target month.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	// day 1 never overflows, so this is the target month (time.Date normalises the month)
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return WallDate(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

func fnAddDate(a ...any) (any, error) {
	if err := arity("addDate", a, 3); err != nil {
		return nil, err
	}
	t, err := ToTime(a[0])
	if err != nil {
		return nil, fmt.Errorf("addDate: %w", err)
	}
	n, ok := nodes.ToFloat(a[1])
	if !ok {
		return nil, fmt.Errorf("addDate: amount %s is not a number", nodes.Describe(a[1]))
	}
	return AddTime(t, n, nodes.ToString(a[2]))
}

// DiffTime returns a − b in unit, exact over the years 1 to 9999 (time.Time.Sub stops at
// its largest duration, 292 years).
func DiffTime(a, b time.Time, unit string) (float64, error) {
	ms := MillisBetween(b, a)
	switch strings.TrimSuffix(strings.ToLower(unit), "s") {
	case "week":
		return ms / (7 * 24 * 3600e3), nil
	case "day":
		return ms / (24 * 3600e3), nil
	case "hour":
		return ms / 3600e3, nil
	case "minute":
		return ms / 60e3, nil
	case "second":
		return ms / 1e3, nil
	case "millisecond":
		return math.Trunc(ms), nil
	}
	return 0, fmt.Errorf("unknown unit %q (weeks, days, hours, minutes, seconds, milliseconds)", unit)
}

// MillisBetween is b − a in milliseconds, exact over the years 1 to 9999 (time.Time.Sub
// stops at its largest duration, 292 years).
func MillisBetween(a, b time.Time) float64 {
	return float64(b.Unix()-a.Unix())*1000 + float64(b.Nanosecond()-a.Nanosecond())/1e6
}

func fnDiffDate(a ...any) (any, error) {
	if err := arity("diffDate", a, 3); err != nil {
		return nil, err
	}
	t1, err := ToTime(a[0])
	if err != nil {
		return nil, fmt.Errorf("diffDate: %w", err)
	}
	t2, err := ToTime(a[1])
	if err != nil {
		return nil, fmt.Errorf("diffDate: %w", err)
	}
	return DiffTime(t1, t2, nodes.ToString(a[2]))
}

// IsFunction reports whether name is an expression function (builtin or ours), which a
// node handle may not shadow.
func IsFunction(name string) bool {
	if _, ok := builtin.Index[name]; ok || name == fnChars || name == fnSlice {
		return true
	}
	for _, f := range functions() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// modPatch rewrites `a % b` into mod(a, b), so JSON numbers (float64) work with %.
type modPatch struct{}

func (modPatch) Visit(node *ast.Node) {
	if b, ok := (*node).(*ast.BinaryNode); ok && b.Operator == "%" {
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "mod"}, Arguments: []ast.Node{b.Left, b.Right}})
	}
}

func fnMod(a ...any) (any, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("%% takes 2 operands")
	}
	x, ok1 := nodes.ToFloat(a[0])
	y, ok2 := nodes.ToFloat(a[1])
	if !ok1 || !ok2 || !nodes.IsNumber(a[0]) || !nodes.IsNumber(a[1]) {
		return nil, fmt.Errorf("%% needs numbers, got %s and %s", nodes.Describe(a[0]), nodes.Describe(a[1]))
	}
	if y == 0 {
		return nil, fmt.Errorf("%% by zero")
	}
	// math.Mod is exact, also for whole numbers past int64 (which int64(x) would wrap)
	r := math.Mod(x, y)
	if r == 0 {
		r = 0 // not −0 (−6 % 3)
	}
	return r, nil
}
