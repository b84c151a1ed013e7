package routing

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"polysynergy/shared/jsonvalue"
)

// ErrNotFound is returned by Table.Match when no route matches the path (404).
var ErrNotFound = errors.New("routing: no route matches the path")

// MethodNotAllowedError is returned by Table.Match when routes match the path
// but none accepts the method (405).
type MethodNotAllowedError struct {
	// Method is the request method.
	Method string
	// Allow lists the methods the path accepts, sorted: those of its routes,
	// HEAD when GET is among them, and always OPTIONS (the router answers an
	// OPTIONS request that no route handles with this list).
	Allow []string
}

// Error implements error.
func (e *MethodNotAllowedError) Error() string {
	return fmt.Sprintf("routing: method %s is not allowed for the path; allowed: %s", e.Method, strings.Join(e.Allow, ", "))
}

// ConflictError is returned by NewTable when two routes have the same method
// and pattern key.
type ConflictError struct {
	// Key is the shared key, e.g. "GET /users/{uuid}".
	Key string
	// First and Second are the ids of the two routes.
	First, Second string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("routing: routes %q and %q have the same method and pattern %s", e.First, e.Second, e.Key)
}

// Match is the result of a successful Table.Match.
type Match struct {
	// Route is the matched route. Its Segments are shared with the table and
	// must not be modified.
	Route Route
	// Params holds each variable's value by name: float64 for number, the
	// lowercased string for uuid, the decoded segment for string and any. It is
	// nil when the route has no variables.
	Params map[string]any
}

// Table matches request paths against the routes of one project stage. It is
// immutable and safe for concurrent use.
type Table struct {
	root     node
	routes   []Route
	maxDepth int
}

// method indexes of node.leaves.
const (
	mGet = iota
	mPost
	mPut
	mPatch
	mDelete
	mHead
	mOptions
	mAny
	numMethods
)

func methodIndex(m string) int {
	switch m {
	case MethodGet:
		return mGet
	case MethodPost:
		return mPost
	case MethodPut:
		return mPut
	case MethodPatch:
		return mPatch
	case MethodDelete:
		return mDelete
	case MethodHead:
		return mHead
	case MethodOptions:
		return mOptions
	case MethodAny:
		return mAny
	}
	return -1
}

// node is one position of the segment trie. A node is reached from the root by
// exactly one sequence of edges, so a match visits each node at most once.
type node struct {
	static map[string]*node
	vars   [numTypes]*node // by typeRank
	leaves [numMethods]*leaf
	mask   uint8 // bit i set when leaves[i] != nil
}

// leaf is a route ending at a node.
type leaf struct {
	route  *Route
	params []param
}

// param is a route variable: the path segment at index binds to name.
type param struct {
	index int
	name  string
	typ   VarType
}

// NewTable builds a table from routes. Each route needs a unique non-empty ID
// and must pass Route.Validate; two routes with the same Route.Key give a
// *ConflictError. A route with a specific method and an ANY route may share a
// pattern: the specific one wins for its method. The routes are copied.
func NewTable(routes []Route) (*Table, error) {
	t := &Table{routes: make([]Route, len(routes))}
	ids := make(map[string]int, len(routes))
	for i, r := range routes {
		if r.ID == "" {
			return nil, fmt.Errorf("build route table: route %d: the id is empty", i)
		}
		if j, dup := ids[r.ID]; dup {
			return nil, fmt.Errorf("build route table: route %d: the id %q is already used by route %d", i, r.ID, j)
		}
		ids[r.ID] = i
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("build route table: route %d: %w", i, err)
		}
		t.routes[i] = Route{ID: r.ID, Method: r.Method, Segments: slices.Clone(r.Segments)}
	}
	for i := range t.routes {
		if err := t.insert(&t.routes[i]); err != nil {
			return nil, fmt.Errorf("build route table: route %d: %w", i, err)
		}
	}
	return t, nil
}

func (t *Table) insert(r *Route) error {
	n := &t.root
	var params []param
	for i, s := range r.Segments {
		if s.Kind == KindStatic {
			c := n.static[s.Value]
			if c == nil {
				if n.static == nil {
					n.static = make(map[string]*node)
				}
				c = &node{}
				n.static[s.Value] = c
			}
			n = c
			continue
		}
		k := typeRank(s.Type)
		if n.vars[k] == nil {
			n.vars[k] = &node{}
		}
		n = n.vars[k]
		params = append(params, param{index: i, name: s.Name, typ: s.Type})
	}
	mi := methodIndex(r.Method)
	if prev := n.leaves[mi]; prev != nil {
		return &ConflictError{Key: r.Key(), First: prev.route.ID, Second: r.ID}
	}
	n.leaves[mi] = &leaf{route: r, params: params}
	n.mask |= 1 << mi
	t.maxDepth = max(t.maxDepth, len(r.Segments))
	return nil
}

// Routes returns a copy of the table's routes in the order given to NewTable.
func (t *Table) Routes() []Route {
	out := make([]Route, len(t.routes))
	for i, r := range t.routes {
		out[i] = Route{ID: r.ID, Method: r.Method, Segments: slices.Clone(r.Segments)}
	}
	return out
}

// Match finds the route for a request method and escaped path (the URL path
// without query, e.g. r.URL.EscapedPath()). Each segment is percent-decoded
// before matching; a leading and a trailing slash are ignored, so "" and "/"
// have no segments and "/a/" equals "/a".
//
// Static segments beat variables, and variables are tried uuid, number,
// string, any; when a branch cannot complete the match, the next one is tried.
// At the node that completes the match, a route of the exact method wins, then
// (for HEAD) a GET route, then an ANY route; if none fits, matching goes on to
// the next branch.
//
// It returns ErrNotFound when no route matches the path, a
// *MethodNotAllowedError when routes match the path but not the method, and a
// *PathError when a segment's percent-encoding is invalid.
func (t *Table) Match(method, path string) (Match, error) {
	var buf [16]string
	segs, ok, err := splitPath(path, buf[:0], t.maxDepth)
	if err != nil {
		return Match{}, err
	}
	if !ok {
		return Match{}, ErrNotFound
	}
	if l := t.root.find(segs, 0, methodIndex(method)); l != nil {
		return Match{Route: *l.route, Params: l.values(segs)}, nil
	}
	mask := t.root.allowed(segs, 0)
	if mask == 0 {
		return Match{}, ErrNotFound
	}
	return Match{}, &MethodNotAllowedError{Method: method, Allow: allowList(mask)}
}

// splitPath splits and decodes path into buf. ok is false when the path has
// more than maxDepth segments, so no route can match it.
func splitPath(path string, buf []string, maxDepth int) (segs []string, ok bool, err error) {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return buf, true, nil
	}
	p = strings.TrimSuffix(p, "/")
	for {
		seg, rest, more := strings.Cut(p, "/")
		if len(buf) == maxDepth {
			// Too deep for every route; still report bad escapes as bad input.
			if i := badEscape(p); i >= 0 {
				return nil, false, &PathError{Path: path, Field: "path", Reason: fmt.Sprintf("the path has invalid percent-encoding at %q", p[i:min(i+3, len(p))])}
			}
			return nil, false, nil
		}
		if strings.IndexByte(seg, '%') >= 0 {
			dec, err := url.PathUnescape(seg)
			if err != nil {
				return nil, false, &PathError{Path: path, Field: "path", Reason: fmt.Sprintf("the segment %q has invalid percent-encoding", seg)}
			}
			seg = dec
		}
		buf = append(buf, seg)
		if !more {
			return buf, true, nil
		}
		p = rest
	}
}

// find returns the leaf for segs[i:] below n that accepts method index mi
// (-1 for a method no route names), trying branches in priority order.
func (n *node) find(segs []string, i, mi int) *leaf {
	if i == len(segs) {
		return n.leafFor(mi)
	}
	s := segs[i]
	if n.static != nil {
		if c := n.static[s]; c != nil {
			if l := c.find(segs, i+1, mi); l != nil {
				return l
			}
		}
	}
	for k, c := range n.vars {
		if c != nil && typeMatches(k, s) {
			if l := c.find(segs, i+1, mi); l != nil {
				return l
			}
		}
	}
	return nil
}

func (n *node) leafFor(mi int) *leaf {
	if mi >= 0 && n.leaves[mi] != nil {
		return n.leaves[mi]
	}
	if mi == mHead && n.leaves[mGet] != nil {
		return n.leaves[mGet]
	}
	return n.leaves[mAny]
}

// allowed returns the union of the method masks of every node below n that
// matches segs[i:].
func (n *node) allowed(segs []string, i int) uint8 {
	if i == len(segs) {
		return n.mask
	}
	var mask uint8
	s := segs[i]
	if c := n.static[s]; c != nil {
		mask |= c.allowed(segs, i+1)
	}
	for k, c := range n.vars {
		if c != nil && typeMatches(k, s) {
			mask |= c.allowed(segs, i+1)
		}
	}
	return mask
}

// allowList turns a method mask into the sorted Allow list.
func allowList(mask uint8) []string {
	if mask&(1<<mGet) != 0 {
		mask |= 1 << mHead
	}
	mask |= 1 << mOptions
	sorted := [...]struct {
		name string
		idx  int
	}{
		{MethodDelete, mDelete}, {MethodGet, mGet}, {MethodHead, mHead}, {MethodOptions, mOptions},
		{MethodPatch, mPatch}, {MethodPost, mPost}, {MethodPut, mPut},
	}
	allow := make([]string, 0, len(sorted))
	for _, m := range sorted {
		if mask&(1<<m.idx) != 0 {
			allow = append(allow, m.name)
		}
	}
	return allow
}

// values builds the Params map of a match.
func (l *leaf) values(segs []string) map[string]any {
	if len(l.params) == 0 {
		return nil
	}
	m := make(map[string]any, len(l.params))
	for _, p := range l.params {
		v := segs[p.index]
		switch p.typ {
		case TypeNumber:
			// checked by isNumber during the match; an id beyond 2^53 stays exact (int64)
			m[p.name], _ = jsonvalue.Number(json.Number(v))
		case TypeUUID:
			m[p.name] = asciiLower(v)
		default:
			m[p.name] = v
		}
	}
	return m
}

// typeMatches reports whether segment s fits the variable type of rank k.
func typeMatches(k int, s string) bool {
	switch k {
	case 0:
		return isUUID(s)
	case 1:
		return isNumber(s)
	}
	return s != ""
}

// isUUID reports whether s is 8-4-4-4-12 hexadecimal digits in any case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isNumber reports whether s is [+-]?(d+(.d+)?|.d+)([eE][+-]?d+)? and finite
// as a float64.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := i - start
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	} else if intDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// badEscape returns the index of the first '%' in s not followed by two
// hexadecimal digits, or -1.
func badEscape(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return i
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
