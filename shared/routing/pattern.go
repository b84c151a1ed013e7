package routing

import (
	"errors"
	"fmt"
	"strings"
)

// SegmentKind says whether a segment is literal text or a variable.
type SegmentKind string

// Segment kinds.
const (
	// KindStatic matches its Value exactly (case-sensitive).
	KindStatic SegmentKind = "static"
	// KindVariable matches one path segment of its Type and binds it to Name.
	KindVariable SegmentKind = "variable"
)

// VarType is the type of a variable segment. It decides which path segments
// the variable matches, the Go type of its value in [Match.Params], and its
// priority: uuid beats number beats string beats any.
type VarType string

// Variable types.
const (
	// TypeUUID matches a canonical 8-4-4-4-12 hexadecimal UUID in any case and
	// yields the lowercased string.
	TypeUUID VarType = "uuid"
	// TypeNumber matches a decimal number — optional sign, digits with an
	// optional fraction, optional exponent, e.g. "42", "-1.5", "2e3", ".5" — that
	// is finite as a float64, and yields it as JSON numbers read everywhere in
	// flows (package jsonvalue): a float64, except a whole number beyond 2^53
	// within int64's range, which is an int64 kept to the digit.
	TypeNumber VarType = "number"
	// TypeString matches any non-empty segment and yields it as a string.
	TypeString VarType = "string"
	// TypeAny matches any non-empty segment and yields it as a string; it is
	// tried last, after every other branch.
	TypeAny VarType = "any"
)

// HTTP methods a route may have. MethodAny matches every method.
const (
	MethodGet     = "GET"
	MethodPost    = "POST"
	MethodPut     = "PUT"
	MethodPatch   = "PATCH"
	MethodDelete  = "DELETE"
	MethodHead    = "HEAD"
	MethodOptions = "OPTIONS"
	MethodAny     = "ANY"
)

// Pattern limits.
const (
	// MaxSegments is the most segments a route pattern may have.
	MaxSegments = 32
	// MaxVarNameLen is the longest variable name, in bytes.
	MaxVarNameLen = 64
)

// Segment is one part of a route pattern between slashes: static
// ({Kind: "static", Value: "users"}) or variable ({Kind: "variable", Name: "id",
// Type: "uuid"}).
type Segment struct {
	// Kind is KindStatic or KindVariable.
	Kind SegmentKind `json:"kind" dynamodbav:"kind"`
	// Value is the literal text of a static segment, already decoded.
	Value string `json:"value,omitempty" dynamodbav:"value,omitempty"`
	// Name is a variable's name, the key of its value in Match.Params.
	Name string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	// Type is a variable's type.
	Type VarType `json:"type,omitempty" dynamodbav:"type,omitempty"`
}

// Static returns a static segment.
func Static(value string) Segment { return Segment{Kind: KindStatic, Value: value} }

// Variable returns a variable segment.
func Variable(name string, typ VarType) Segment {
	return Segment{Kind: KindVariable, Name: name, Type: typ}
}

// Route is one trigger route of a project stage.
type Route struct {
	// ID identifies the route (the route flow's id); it is unique in a Table.
	ID string `json:"id" dynamodbav:"id"`
	// Method is one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY.
	Method string `json:"method" dynamodbav:"method"`
	// Segments is the path pattern, in order; none means "/".
	Segments []Segment `json:"segments" dynamodbav:"segments"`
}

// Pattern returns the route's segments as a Pattern.
func (r Route) Pattern() Pattern { return Pattern(r.Segments) }

// Key returns the canonical method and pattern with variable names dropped,
// e.g. "GET /users/{uuid}". Two routes of a table must not share a key.
func (r Route) Key() string { return r.Method + " " + Pattern(r.Segments).Key() }

// Validate checks the method and the segments.
func (r Route) Validate() error {
	if !validMethod(r.Method) {
		return fmt.Errorf("route %q: method %q is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY", r.ID, r.Method)
	}
	if err := ValidateSegments(r.Segments); err != nil {
		return fmt.Errorf("route %q: %w", r.ID, err)
	}
	return nil
}

// Pattern is a route path as segments. Its text form is
// "/users/{id:uuid}/orders/{n:number}": a variable is "{name}" (type string)
// or "{name:type}".
type Pattern []Segment

// PatternError reports an invalid pattern or segment list.
type PatternError struct {
	// Pattern is the pattern text when it came from ParsePattern, else empty.
	Pattern string
	// Index is the segment at fault, counting from 0, or -1 for the whole pattern.
	Index int
	// Reason is a sentence fit to show the caller.
	Reason string
}

// Error implements error.
func (e *PatternError) Error() string {
	var b strings.Builder
	b.WriteString("routing: ")
	if e.Pattern != "" {
		fmt.Fprintf(&b, "pattern %q: ", e.Pattern)
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, "segment %d: ", e.Index)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ParsePattern parses a pattern such as "/users/{id:uuid}/orders/{n:number}".
// It must start with "/"; a trailing slash is ignored and "/" alone has no
// segments. A variable fills a whole segment. Static text is taken literally
// (no percent-decoding) and limited to the characters ValidateSegments allows.
func ParsePattern(s string) (Pattern, error) {
	fail := func(index int, reason string) (Pattern, error) {
		return nil, &PatternError{Pattern: s, Index: index, Reason: reason}
	}
	if s == "" {
		return fail(-1, "the pattern is empty; use / for the root")
	}
	if s[0] != '/' {
		return fail(-1, "the pattern must start with /")
	}
	if s == "/" {
		return Pattern{}, nil
	}
	body := strings.TrimSuffix(s[1:], "/")
	if body == "" {
		return fail(0, "the static segment is empty")
	}
	n := strings.Count(body, "/") + 1
	if n > MaxSegments {
		return fail(-1, fmt.Sprintf("the pattern has %d segments; at most %d are allowed", n, MaxSegments))
	}
	p := make(Pattern, 0, n)
	for i := 0; i < n; i++ {
		var part string
		part, body, _ = strings.Cut(body, "/")
		if strings.HasPrefix(part, "{") {
			if !strings.HasSuffix(part, "}") || len(part) < 2 {
				if strings.Contains(part, "}") {
					return fail(i, fmt.Sprintf("the segment %q has text after the variable; a variable {name} must fill the whole segment", part))
				}
				return fail(i, fmt.Sprintf("the variable %q has no closing }", part))
			}
			inner := part[1 : len(part)-1]
			if strings.ContainsAny(inner, "{}") {
				return fail(i, fmt.Sprintf("the variable %q contains a brace", part))
			}
			name, typ, hasType := strings.Cut(inner, ":")
			if !hasType {
				typ = string(TypeString)
			} else if typ == "" {
				return fail(i, fmt.Sprintf("the variable %q has an empty type after ':'; use string, number, uuid or any", part))
			}
			p = append(p, Variable(name, VarType(typ)))
			continue
		}
		if strings.ContainsAny(part, "{}") {
			return fail(i, fmt.Sprintf("the segment %q has a brace; a variable {name} must fill the whole segment", part))
		}
		p = append(p, Static(part))
	}
	if err := ValidateSegments(p); err != nil {
		var pe *PatternError
		if errors.As(err, &pe) {
			pe.Pattern = s
		}
		return nil, err
	}
	return p, nil
}

// String returns the text form of p, which ParsePattern parses back to p.
// A string variable is written without its type.
func (p Pattern) String() string {
	if len(p) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range p {
		b.WriteByte('/')
		if s.Kind != KindVariable {
			b.WriteString(s.Value)
			continue
		}
		b.WriteByte('{')
		b.WriteString(s.Name)
		if s.Type != TypeString {
			b.WriteByte(':')
			b.WriteString(string(s.Type))
		}
		b.WriteByte('}')
	}
	return b.String()
}

// Key returns the canonical form of p with variable names dropped, e.g.
// "/users/{uuid}/orders/{number}". Patterns with the same key match the same
// paths.
func (p Pattern) Key() string {
	if len(p) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range p {
		b.WriteByte('/')
		if s.Kind != KindVariable {
			b.WriteString(s.Value)
			continue
		}
		b.WriteByte('{')
		b.WriteString(string(s.Type))
		b.WriteByte('}')
	}
	return b.String()
}

// ValidateSegments checks a segment list and returns a *PatternError naming
// the first bad segment's index and the reason. A static segment needs a
// non-empty Value of letters, digits and -._~!$&'()*+,;=:@ that is not "." or
// ".." and no Name or Type. A variable needs a Name that starts with a letter or
// underscore followed by letters, digits and underscores (at most
// MaxVarNameLen), unique in the list, a Type of string, number, uuid or any,
// and no Value. At most MaxSegments segments are allowed.
func ValidateSegments(segs []Segment) error {
	fail := func(index int, format string, args ...any) error {
		return &PatternError{Index: index, Reason: fmt.Sprintf(format, args...)}
	}
	if len(segs) > MaxSegments {
		return fail(-1, "the pattern has %d segments; at most %d are allowed", len(segs), MaxSegments)
	}
	var names map[string]int
	for i, s := range segs {
		switch s.Kind {
		case KindStatic:
			if s.Name != "" || s.Type != "" {
				return fail(i, "a static segment has no name or type (name %q, type %q)", s.Name, s.Type)
			}
			if s.Value == "" {
				return fail(i, "the static segment is empty")
			}
			if s.Value == "." || s.Value == ".." {
				return fail(i, "the static segment %q is a dot segment", s.Value)
			}
			for j := 0; j < len(s.Value); j++ {
				if !staticChar(s.Value[j]) {
					return fail(i, "the static segment %q contains %s; only ASCII letters, digits and -._~!$&'()*+,;=:@ are allowed", s.Value, segmentCharName(s.Value[j:]))
				}
			}
		case KindVariable:
			if s.Value != "" {
				return fail(i, "the variable %q has a value %q; only static segments have one", s.Name, s.Value)
			}
			if reason := checkVarName(s.Name); reason != "" {
				return fail(i, "%s", reason)
			}
			if prev, dup := names[s.Name]; dup {
				return fail(i, "the variable name %q is already used by segment %d", s.Name, prev)
			}
			if names == nil {
				names = make(map[string]int, 4)
			}
			names[s.Name] = i
			if typeRank(s.Type) < 0 {
				return fail(i, "the variable %q has type %q; use string, number, uuid or any", s.Name, s.Type)
			}
		default:
			return fail(i, "the segment kind %q is unknown; use static or variable", s.Kind)
		}
	}
	return nil
}

func checkVarName(name string) string {
	if name == "" {
		return "the variable name is empty"
	}
	if len(name) > MaxVarNameLen {
		return fmt.Sprintf("the variable name %q is longer than %d characters", name, MaxVarNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Sprintf("the variable name %q must start with a letter or underscore and contain only letters, digits and underscores", name)
		}
	}
	return ""
}

// staticChar reports whether c may appear in a static segment: RFC 3986 pchar
// without percent-encoding.
func staticChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

// typeRank gives a variable type's priority, 0 first, or -1 for an unknown type.
func typeRank(t VarType) int {
	switch t {
	case TypeUUID:
		return 0
	case TypeNumber:
		return 1
	case TypeString:
		return 2
	case TypeAny:
		return 3
	}
	return -1
}

const numTypes = 4

func validMethod(m string) bool { return methodIndex(m) >= 0 }
