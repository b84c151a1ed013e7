// Package path parses and applies the property paths the data nodes use: dotted keys
// with bracketed list indexes and quoted keys, e.g. `order.items[0].sku`, `rows[-1]`,
// `headers["content-type"]` or `["a.b"].c`. A bare numeric key such as `items.0` also
// indexes a list when it meets one.
package path

import (
	"fmt"
	"strconv"
	"strings"

	"polysynergy/shared/nodes"
)

// MaxGrow bounds how far past a list's end Set may write (the gap is filled with nulls).
const MaxGrow = 10000

// Segment is one step of a path: an object key or a list index.
type Segment struct {
	// Key is the object key (empty for an index segment).
	Key string
	// Index is the list index of an index segment; negative counts from the end.
	Index int
	// IsIndex marks a bracketed index such as [2].
	IsIndex bool
}

// Path is a parsed property path. The empty path is the value itself.
type Path []Segment

// SyntaxError is a path that does not parse, with the byte offset of the problem.
type SyntaxError struct {
	Path   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("path %q: %s at offset %d", e.Path, e.Msg, e.Offset)
}

// Parse parses a path. The empty string is the empty path.
func Parse(s string) (Path, error) {
	p := Path{}
	i := 0
	fail := func(at int, format string, args ...any) (Path, error) {
		return nil, &SyntaxError{Path: s, Offset: at, Msg: fmt.Sprintf(format, args...)}
	}
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			start := i
			i++
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				q := s[i]
				i++
				var b strings.Builder
				closed := false
				for i < len(s) {
					if s[i] == '\\' {
						if i+1 >= len(s) {
							break
						}
						b.WriteByte(s[i+1])
						i += 2
						continue
					}
					if s[i] == q {
						closed = true
						i++
						break
					}
					b.WriteByte(s[i])
					i++
				}
				if !closed {
					return fail(start, "unterminated quoted key")
				}
				if i >= len(s) || s[i] != ']' {
					return fail(i, "expected ']' after the quoted key")
				}
				i++
				p = append(p, Segment{Key: b.String()})
				continue
			}
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return fail(start, "unclosed '['")
			}
			num := s[i : i+end]
			n, ok := parseIndex(num)
			if !ok {
				if d := strings.TrimPrefix(num, "-"); d != "" && strings.Trim(d, "0123456789") == "" {
					return fail(i, "index %s is too large (at most %d digits)", num, maxIndexDigits)
				}
				return fail(i, "index %q must be a whole number (quote keys: [\"key\"])", num)
			}
			p = append(p, Segment{Index: n, IsIndex: true})
			i += end + 1
		case c == '.':
			if i == 0 {
				return fail(i, "a path cannot start with '.'")
			}
			i++
			key, n := bareKey(s[i:])
			if key == "" {
				return fail(i, "expected a key after '.'")
			}
			i += n
			p = append(p, Segment{Key: key})
		case c == ']':
			return fail(i, "unexpected ']'")
		default:
			if i != 0 {
				return fail(i, "expected '.' or '[' before %q", s[i:i+1])
			}
			key, n := bareKey(s)
			i += n
			p = append(p, Segment{Key: key})
		}
	}
	return p, nil
}

// bareKey reads an unquoted key up to the next '.', '[' or ']'.
func bareKey(s string) (string, int) {
	n := strings.IndexAny(s, ".[]")
	if n < 0 {
		n = len(s)
	}
	return s[:n], n
}

// maxIndexDigits bounds a list index; no list a flow holds comes near 10^9 items.
const maxIndexDigits = 9

func parseIndex(s string) (int, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > maxIndexDigits {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// MustParse parses a path known to be valid, panicking otherwise (for tests and constants).
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String renders the path in canonical form; Parse(p.String()) gives p back.
func (p Path) String() string {
	var b strings.Builder
	for i, seg := range p {
		switch {
		case seg.IsIndex:
			b.WriteString("[" + strconv.Itoa(seg.Index) + "]")
		case simpleKey(seg.Key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg.Key)
		default:
			b.WriteString(`["`)
			for j := 0; j < len(seg.Key); j++ {
				if c := seg.Key[j]; c == '"' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(seg.Key[j])
			}
			b.WriteString(`"]`)
		}
	}
	return b.String()
}

func simpleKey(k string) bool {
	return k != "" && !strings.ContainsAny(k, ".[]\"'\\")
}

// index returns the list index a segment addresses: a bracketed index or a numeric key.
func (s Segment) index() (int, bool) {
	if s.IsIndex {
		return s.Index, true
	}
	return parseIndex(s.Key)
}

func (s Segment) String() string { return Path{s}.String() }

// Get follows p through objects and lists. It reports false when a step is missing.
func Get(v any, p Path) (any, bool) {
	cur := v
	for _, seg := range p {
		switch x := cur.(type) {
		case map[string]any:
			if seg.IsIndex {
				return nil, false
			}
			e, ok := x[seg.Key]
			if !ok {
				return nil, false
			}
			cur = e
		case nodes.Out:
			if seg.IsIndex {
				return nil, false
			}
			e, ok := x[seg.Key]
			if !ok {
				return nil, false
			}
			cur = e
		default:
			list, ok := nodes.ToList(cur)
			if !ok {
				return nil, false
			}
			i, ok := seg.index()
			if !ok {
				return nil, false
			}
			if i < 0 {
				i += len(list)
			}
			if i < 0 || i >= len(list) {
				return nil, false
			}
			cur = list[i]
		}
	}
	return cur, true
}

// SetError explains why Set could not write a path.
type SetError struct {
	// At is the part of the path that was reached.
	At  Path
	Msg string
}

func (e *SetError) Error() string {
	if len(e.At) == 0 {
		return "the value " + e.Msg
	}
	return fmt.Sprintf("%q %s", e.At.String(), e.Msg)
}

// Set writes val at p inside root and returns the new root. Missing objects on the way
// are created (a missing step followed by an index creates a list). Set changes the
// maps and lists it walks through: give it a copy (nodes.Clone) of shared values.
func Set(root any, p Path, val any) (any, error) { return set(root, p, 0, val) }

func set(cur any, p Path, i int, val any) (any, error) {
	if i == len(p) {
		return val, nil
	}
	seg := p[i]
	switch x := cur.(type) {
	case nil:
		if seg.IsIndex {
			return setIndex(nil, p, i, val)
		}
		child, err := set(nil, p, i+1, val)
		if err != nil {
			return nil, err
		}
		return map[string]any{seg.Key: child}, nil
	case nodes.Out:
		return set(map[string]any(x), p, i, val)
	case map[string]any:
		if seg.IsIndex {
			return nil, &SetError{At: p[:i], Msg: fmt.Sprintf("is an object: use a key, not [%d]", seg.Index)}
		}
		child, err := set(x[seg.Key], p, i+1, val)
		if err != nil {
			return nil, err
		}
		x[seg.Key] = child
		return x, nil
	}
	list, ok := nodes.ToList(cur)
	if !ok {
		return nil, &SetError{At: p[:i], Msg: fmt.Sprintf("is a %s, not an object or list", nodes.TypeName(cur))}
	}
	return setIndex(list, p, i, val)
}

func setIndex(list []any, p Path, i int, val any) (any, error) {
	seg := p[i]
	idx, ok := seg.index()
	if !ok {
		return nil, &SetError{At: p[:i], Msg: fmt.Sprintf("is a list: use an index, not the key %q", seg.Key)}
	}
	if idx < 0 {
		idx += len(list)
		if idx < 0 {
			return nil, &SetError{At: p[:i+1], Msg: fmt.Sprintf("is before the start of the list (length %d)", len(list))}
		}
	}
	if idx >= len(list) {
		if idx-len(list) > MaxGrow {
			return nil, &SetError{At: p[:i+1], Msg: fmt.Sprintf("is more than %d past the end of the list (length %d)", MaxGrow, len(list))}
		}
		grown := make([]any, idx+1)
		copy(grown, list)
		list = grown
	}
	child, err := set(list[idx], p, i+1, val)
	if err != nil {
		return nil, err
	}
	list[idx] = child
	return list, nil
}

// Delete removes the value at p inside root (an object key, or a list element — later
// elements move up) and returns the new root and whether something was removed. Like
// Set it changes what it walks through: give it a copy.
func Delete(root any, p Path) (any, bool) {
	if len(p) == 0 {
		return root, false
	}
	return del(root, p, 0)
}

func del(cur any, p Path, i int) (any, bool) {
	seg := p[i]
	last := i == len(p)-1
	switch x := cur.(type) {
	case nodes.Out:
		return del(map[string]any(x), p, i)
	case map[string]any:
		if seg.IsIndex {
			return x, false
		}
		e, ok := x[seg.Key]
		if !ok {
			return x, false
		}
		if last {
			delete(x, seg.Key)
			return x, true
		}
		child, removed := del(e, p, i+1)
		x[seg.Key] = child
		return x, removed
	case nil:
		return nil, false
	}
	list, ok := nodes.ToList(cur)
	if !ok {
		return cur, false
	}
	idx, ok := seg.index()
	if !ok {
		return cur, false
	}
	if idx < 0 {
		idx += len(list)
	}
	if idx < 0 || idx >= len(list) {
		return cur, false
	}
	if last {
		out := make([]any, 0, len(list)-1)
		out = append(out, list[:idx]...)
		return append(out, list[idx+1:]...), true
	}
	child, removed := del(list[idx], p, i+1)
	list[idx] = child
	return list, removed
}
