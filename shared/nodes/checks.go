package nodes

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jmespath/go-jmespath"
)

// Bound returns v for a port's Min or Max.
func Bound(v float64) *float64 { return &v }

// InRange reports an InputError when f lies outside the port's Min and Max (nil when the port
// has none). Call.Float, Int and IntOr apply it, so a node declaring bounds needs no check of
// its own; flow validation applies it to literal values.
func (p *Port) InRange(f float64) error {
	if p == nil || (p.Min == nil && p.Max == nil) {
		return nil
	}
	if !math.IsNaN(f) && (p.Min == nil || f >= *p.Min) && (p.Max == nil || f <= *p.Max) {
		return nil
	}
	got := ToString(f)
	switch {
	case p.Min != nil && p.Max != nil:
		return Errorf(p.Name, "must be between %s and %s, got %s", ToString(*p.Min), ToString(*p.Max), got)
	case p.Min != nil:
		return Errorf(p.Name, "must be at least %s, got %s", ToString(*p.Min), got)
	}
	return Errorf(p.Name, "must be at most %s, got %s", ToString(*p.Max), got)
}

// CheckValue reports an InputError when v breaks the port's declared constraints: a number
// outside Min and Max, or a value its Check refuses (for a dynamic port, v is one row's
// value). Values that are not numbers are left to the node's own type checks by InRange.
func (p *Port) CheckValue(v any) error {
	if p == nil {
		return nil
	}
	if p.Min != nil || p.Max != nil {
		if f, ok := ToFloat(v); ok && !isBlank(v) {
			if err := p.InRange(f); err != nil {
				return err
			}
		}
	}
	if p.Check != "" {
		if c, ok := LookupCheck(p.Check); ok && c.Valid != nil {
			if err := c.Valid(v); err != nil {
				return Errorf(p.Name, "%v", err)
			}
		}
	}
	return nil
}

// CheckInput is CheckValue for the input port called name (nil when there is none).
func (t *Type) CheckInput(name string, v any) error {
	p, ok := t.Input(name)
	if !ok {
		return nil
	}
	return p.CheckValue(v)
}

func isBlank(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// ValueCheck is a rule a port's values must follow, named by Port.Check. Rules are named,
// not functions on the port, because the node specs (the catalogue without code that the
// API validates flows with) must carry them.
type ValueCheck struct {
	// Valid says why v cannot work, or returns nil.
	Valid func(v any) error
	// Same reports whether two valid values behave alike (for Port.Distinct); nil compares
	// them with Equal.
	Same func(a, b any) bool
}

// The names of the value checks.
const (
	// CheckRegexp: a regular expression in RE2 syntax, as Go's regexp package compiles it.
	CheckRegexp = "regexp"
	// CheckRange: a numeric range min..max (inclusive), either side may be left open.
	CheckRange = "range"
	// CheckValueType: the name of a value type (see ValueTypes).
	CheckValueType = "value_type"
	// CheckText: any value; two values are alike when their text (ToString) is.
	CheckText = "text"
	// CheckNonZero: a number other than 0 (a loop's step).
	CheckNonZero = "nonzero"
	// CheckExpression: a bare expr-lang expression (optionally in one {{ }}), as the list and
	// math nodes compile it. This package cannot compile expressions (shared/expr builds on
	// it), so its Valid is nil: flow validation compiles literal values with expr.Bare.
	CheckExpression = "expression"
	// CheckJinja: a Jinja template (text.template's template), as the template node parses
	// it. Like CheckExpression it has no Valid here (the parser builds on this package):
	// flow validation parses literal values with jinja.Check.
	CheckJinja = "jinja"
	// CheckJavaScript: the JavaScript node's code, a function body. No Valid here either:
	// flow validation parses literal values with jssyntax.Parse, as the node does.
	CheckJavaScript = "javascript"
	// CheckJMESPath: a JMESPath query.
	CheckJMESPath = "jmespath"
	// CheckDateLayout: a date layout as the date nodes take it (see DateLayout).
	CheckDateLayout = "date_layout"
	// CheckTimeZone: an IANA time zone name, or empty for UTC (see LoadZone).
	CheckTimeZone = "time_zone"
	// CheckHTTPURL: an absolute http(s) URL with a host (see HTTPURL).
	CheckHTTPURL = "http_url"
	// CheckTimeWindow: a window of the time of day, "[days ]HH:MM-HH:MM" (see
	// ParseTimeWindow).
	CheckTimeWindow = "time_window"
)

var valueChecks = map[string]ValueCheck{
	CheckRegexp: {
		Valid: func(v any) error { _, err := CompileRegexp(ToString(v)); return err },
		Same:  sameText,
	},
	CheckRange: {
		Valid: func(v any) error { _, _, err := ParseRange(ToString(v)); return err },
		Same: func(a, b any) bool {
			la, ha, _ := ParseRange(ToString(a))
			lb, hb, _ := ParseRange(ToString(b))
			eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
			return eq(la, lb) && eq(ha, hb)
		},
	},
	CheckValueType: {
		Valid: func(v any) error {
			if _, err := ValueType(ToString(v)); err != nil {
				return err
			}
			return nil
		},
		Same: func(a, b any) bool {
			x, _ := ValueType(ToString(a))
			y, _ := ValueType(ToString(b))
			return x == y
		},
	},
	CheckText: {Same: sameText},
	CheckNonZero: {
		Valid: func(v any) error {
			if f, ok := ToFloat(v); ok && f == 0 {
				return errors.New("must be a number other than 0")
			}
			return nil
		},
	},
	CheckExpression: {Same: sameText},
	CheckJinja:      {Same: sameText},
	CheckJavaScript: {Same: sameText},
	CheckJMESPath: {
		Valid: func(v any) error { _, err := CompileJMESPath(ToString(v)); return err },
		Same:  sameText,
	},
	CheckDateLayout: {
		Valid: func(v any) error { _, err := DateLayout(ToString(v)); return err },
		Same:  sameText,
	},
	CheckTimeZone: {
		Valid: func(v any) error { _, err := LoadZone(ToString(v)); return err },
		Same:  sameText,
	},
	CheckTimeWindow: {
		Valid: func(v any) error { _, err := ParseTimeWindow(ToString(v)); return err },
		Same: func(a, b any) bool {
			wa, _ := ParseTimeWindow(ToString(a))
			wb, _ := ParseTimeWindow(ToString(b))
			return wa.From == wb.From && wa.To == wb.To && Equal(dayList(wa.Days), dayList(wb.Days))
		},
	},
	CheckHTTPURL: {
		Valid: func(v any) error {
			if strings.TrimSpace(ToString(v)) == "" {
				return nil // required inputs say so themselves
			}
			_, err := HTTPURL(ToString(v))
			return err
		},
		Same: sameText,
	},
}

// HTTPURL parses an absolute http(s) URL (trimmed) that names a host.
func HTTPURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	return u, nil
}

// LoadZone loads an IANA time zone by name (trimmed; empty is UTC).
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (use an IANA name such as Europe/Amsterdam or UTC)", name)
	}
	return loc, nil
}

// dateLayouts are the layouts the date nodes and functions know by name.
var dateLayouts = map[string]string{
	"RFC3339":     time.RFC3339,
	"RFC3339Nano": time.RFC3339Nano,
	"RFC1123":     time.RFC1123,
	"RFC822":      time.RFC822,
	"date":        "2006-01-02",
	"time":        "15:04:05",
	"datetime":    "2006-01-02 15:04:05",
	"iso":         time.RFC3339,
}

// DateLayout resolves a date layout: empty is RFC 3339, a name (RFC3339, date, datetime…) is
// its Go layout, unix and unixms (in any case) come back lower-cased for the caller to
// handle, and anything else is a Go layout, which must hold some part of Go's reference
// time: one with none (YYYY-MM-DD, as other tools write dates) would write itself whatever
// the date, and parse nothing.
func DateLayout(s string) (string, error) {
	if s == "" {
		return time.RFC3339, nil
	}
	if l, ok := dateLayouts[s]; ok {
		return l, nil
	}
	if w := strings.ToLower(s); w == "unix" || w == "unixms" {
		return w, nil
	}
	// two times that differ in every part the reference time has: a layout writing them
	// alike writes none of them
	a := time.Date(2006, 1, 2, 15, 4, 5, 0, time.FixedZone("MST", -7*3600))
	b := time.Date(1999, 12, 31, 8, 59, 58, 123456789, time.UTC)
	if a.Format(s) == b.Format(s) {
		return "", fmt.Errorf("%q has no part of the reference time Mon Jan 2 15:04:05 MST 2006: write a Go layout "+
			"(2006-01-02 for YYYY-MM-DD, 02/01/2006 15:04 for DD/MM/YYYY HH:mm) or a name (RFC3339, date, datetime, unix…)", s)
	}
	return s, nil
}

// Limits on a JMESPath query before its recursive parser sees it: a 200 KB query of
// parentheses or "!" took 600 MB (a Lambda has 512 MB to 1 GB), and no real query comes
// near either limit.
const (
	MaxJMESPathBytes   = 4096
	MaxJMESPathNesting = 64
)

// CompileJMESPath compiles a JMESPath query; the error names the query.
func CompileJMESPath(query string) (*jmespath.JMESPath, error) {
	if len(query) > MaxJMESPathBytes {
		return nil, fmt.Errorf("jmespath query is %d bytes, more than the %d allowed", len(query), MaxJMESPathBytes)
	}
	if err := jmespathNesting(query); err != nil {
		return nil, fmt.Errorf("jmespath query %q: %w", query, err)
	}
	jp, err := jmespath.Compile(query)
	if err != nil {
		return nil, fmt.Errorf("jmespath query %q: %w", query, err)
	}
	return jp, nil
}

// jmespathNesting refuses brackets, or "!"s in a row, nested more than MaxJMESPathNesting
// deep, outside quoted identifiers, raw strings and literals.
func jmespathNesting(q string) error {
	depth, nots := 0, 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '"', '\'', '`':
			for i++; i < len(q) && q[i] != c; i++ {
				if q[i] == '\\' {
					i++
				}
			}
		case '(', '[', '{':
			depth++
			if depth > MaxJMESPathNesting {
				return fmt.Errorf("brackets nest more than %d levels deep", MaxJMESPathNesting)
			}
		case ')', ']', '}':
			depth = max(0, depth-1)
		case '!':
			if i+1 < len(q) && q[i+1] == '=' {
				i++
				nots = 0
				continue
			}
			nots++
			if nots > MaxJMESPathNesting {
				return fmt.Errorf("more than %d '!' in a row", MaxJMESPathNesting)
			}
			continue
		case ' ', '\t', '\n', '\r':
			continue
		}
		nots = 0
	}
	return nil
}

func sameText(a, b any) bool { return ToString(a) == ToString(b) }

// LookupCheck finds a value check by name.
func LookupCheck(name string) (ValueCheck, bool) {
	c, ok := valueChecks[name]
	return c, ok
}

// CompileRegexp compiles an RE2 pattern (Go's regexp), with the error message shorn of Go's
// "error parsing regexp: " prefix (it names the part of the pattern that is wrong).
func CompileRegexp(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

// ParseRange reads a numeric range "min..max" (inclusive); either side may be left open
// (nil), as in "..10" or "100..".
func ParseRange(s string) (lo, hi *float64, err error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return nil, nil, fmt.Errorf("range %q must look like min..max", s)
	}
	if a = strings.TrimSpace(a); a != "" {
		f, ok := ToFloat(a)
		if !ok {
			return nil, nil, fmt.Errorf("range %q: %q is not a number", s, a)
		}
		lo = &f
	}
	if b = strings.TrimSpace(b); b != "" {
		f, ok := ToFloat(b)
		if !ok {
			return nil, nil, fmt.Errorf("range %q: %q is not a number", s, b)
		}
		hi = &f
	}
	if lo != nil && hi != nil && *lo > *hi {
		return nil, nil, fmt.Errorf("range %q: its min %v is more than its max %v, so no number falls in it (write %v..%v)", s, *lo, *hi, *hi, *lo)
	}
	return lo, hi, nil
}

// ValueTypes are the type names TypeName gives plain values, as a type router names them.
var ValueTypes = []string{"string", "number", "boolean", "object", "list", "null", "datetime", "bytes"}

// ValueType reads the name of a value type in any case (see ValueTypes), lower-cased.
func ValueType(s string) (string, error) {
	w := strings.ToLower(strings.TrimSpace(s))
	for _, t := range ValueTypes {
		if t == w {
			return w, nil
		}
	}
	return "", fmt.Errorf("unknown type %q (%s)", s, strings.Join(ValueTypes, ", "))
}

// dayList lists a window's days in order (nil for every day), to compare windows.
func dayList(days map[time.Weekday]bool) []any {
	if days == nil {
		return nil
	}
	out := []any{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if days[d] {
			out = append(out, float64(d))
		}
	}
	return out
}
