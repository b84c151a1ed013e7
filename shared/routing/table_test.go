package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// route builds a route from a pattern text.
func route(t testing.TB, id, method, pattern string) Route {
	t.Helper()
	return Route{ID: id, Method: method, Segments: mustPattern(t, pattern)}
}

func mustTable(t testing.TB, routes ...Route) *Table {
	t.Helper()
	tab, err := NewTable(routes)
	if err != nil {
		t.Fatalf("NewTable: %v", err)
	}
	return tab
}

const (
	uuidLower = "123e4567-e89b-12d3-a456-426614174000"
	uuidUpper = "123E4567-E89B-12D3-A456-426614174000"
)

func TestMatchPriorityAndTyping(t *testing.T) {
	tab := mustTable(t,
		route(t, "static", "GET", "/items/new"),
		route(t, "uuid", "GET", "/items/{id:uuid}"),
		route(t, "number", "GET", "/items/{n:number}"),
		route(t, "string", "GET", "/items/{s}"),
		route(t, "any", "GET", "/items/{a:any}"),
		route(t, "root", "GET", "/"),
		route(t, "files", "GET", "/files/{name}"),
		route(t, "users", "GET", "/users"),
	)
	tests := []struct {
		path   string
		id     string
		params map[string]any
	}{
		{"/items/new", "static", nil},
		{"/items/" + uuidLower, "uuid", map[string]any{"id": uuidLower}},
		{"/items/" + uuidUpper, "uuid", map[string]any{"id": uuidLower}},
		{"/items/42", "number", map[string]any{"n": 42.0}},
		{"/items/-1.5", "number", map[string]any{"n": -1.5}},
		{"/items/+3", "number", map[string]any{"n": 3.0}},
		{"/items/2e3", "number", map[string]any{"n": 2000.0}},
		{"/items/1.5E-2", "number", map[string]any{"n": 0.015}},
		{"/items/.5", "number", map[string]any{"n": 0.5}},
		{"/items/007", "number", map[string]any{"n": 7.0}},
		// whole numbers beyond 2^53 stay exact (float64 would read …993 as …992)
		{"/items/9007199254740993", "number", map[string]any{"n": int64(9007199254740993)}},
		{"/items/-9007199254740993", "number", map[string]any{"n": int64(-9007199254740993)}},
		{"/items/9007199254740992", "number", map[string]any{"n": 9007199254740992.0}},
		{"/items/1.", "string", map[string]any{"s": "1."}},
		{"/items/1e999", "string", map[string]any{"s": "1e999"}},
		{"/items/0x10", "string", map[string]any{"s": "0x10"}},
		{"/items/NaN", "string", map[string]any{"s": "NaN"}},
		{"/items/Inf", "string", map[string]any{"s": "Inf"}},
		{"/items/1_000", "string", map[string]any{"s": "1_000"}},
		{"/items/-", "string", map[string]any{"s": "-"}},
		{"/items/e5", "string", map[string]any{"s": "e5"}},
		{"/items/1e", "string", map[string]any{"s": "1e"}},
		{"/items/1e+", "string", map[string]any{"s": "1e+"}},
		{"/items/1.5x", "string", map[string]any{"s": "1.5x"}},
		{"/items/1e-400", "number", map[string]any{"n": 0.0}},
		{"/items/news", "string", map[string]any{"s": "news"}},
		{"/items/NEW", "string", map[string]any{"s": "NEW"}},
		{"/items/123e4567-e89b-12d3-a456-42661417400", "string", map[string]any{"s": "123e4567-e89b-12d3-a456-42661417400"}},
		{"/items/123e4567+e89b-12d3-a456-426614174000", "string", map[string]any{"s": "123e4567+e89b-12d3-a456-426614174000"}},
		{"/items/g23e4567-e89b-12d3-a456-426614174000", "string", map[string]any{"s": "g23e4567-e89b-12d3-a456-426614174000"}},
		// percent-decoding happens before matching
		{"/items/n%65w", "static", nil},
		{"/items/%34%32", "number", map[string]any{"n": 42.0}},
		{"/files/a%20b", "files", map[string]any{"name": "a b"}},
		{"/files/a%2Fb", "files", map[string]any{"name": "a/b"}},
		{"/files/a+b", "files", map[string]any{"name": "a+b"}},
		{"/files/caf%C3%A9", "files", map[string]any{"name": "caf\u00e9"}},
		// slashes
		{"/items/new/", "static", nil},
		{"items/new", "static", nil},
		{"/users/", "users", nil},
		{"/", "root", nil},
		{"", "root", nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			m, err := tab.Match("GET", tc.path)
			if err != nil {
				t.Fatalf("Match(GET, %q) error: %v", tc.path, err)
			}
			if m.Route.ID != tc.id {
				t.Fatalf("Match(GET, %q) = route %q, want %q", tc.path, m.Route.ID, tc.id)
			}
			if !reflect.DeepEqual(m.Params, tc.params) {
				t.Fatalf("Params = %#v, want %#v", m.Params, tc.params)
			}
		})
	}
}

func TestMatchBacktracking(t *testing.T) {
	tab := mustTable(t,
		route(t, "abc", "GET", "/a/b/c"),
		route(t, "axd", "GET", "/a/{x}/d"),
		route(t, "uuid-tail", "GET", "/r/{id:uuid}/x"),
		route(t, "num-tail", "GET", "/r/{n:number}/y"),
		route(t, "str-tail", "GET", "/r/{s}/z"),
		route(t, "any-tail", "GET", "/r/{v:any}/{w:any}"),
		route(t, "deep-static", "GET", "/d/1/2/3/4"),
		route(t, "deep-var", "GET", "/d/{a:number}/{b:number}/{c:number}/5"),
	)
	tests := []struct {
		path   string
		id     string
		params map[string]any
	}{
		{"/a/b/c", "abc", nil},
		{"/a/b/d", "axd", map[string]any{"x": "b"}}, // the static branch b dead-ends
		{"/a/zz/d", "axd", map[string]any{"x": "zz"}},
		{"/r/" + uuidLower + "/x", "uuid-tail", map[string]any{"id": uuidLower}},
		{"/r/" + uuidLower + "/z", "str-tail", map[string]any{"s": uuidLower}}, // uuid branch dead-ends
		{"/r/" + uuidUpper + "/z", "str-tail", map[string]any{"s": uuidUpper}}, // string keeps the case
		{"/r/12/y", "num-tail", map[string]any{"n": 12.0}},
		{"/r/12/z", "str-tail", map[string]any{"s": "12"}},
		{"/r/12/q", "any-tail", map[string]any{"v": "12", "w": "q"}},
		{"/r/" + uuidLower + "/y", "any-tail", map[string]any{"v": uuidLower, "w": "y"}}, // uuid is not a number
		{"/d/1/2/3/4", "deep-static", nil},
		{"/d/1/2/3/5", "deep-var", map[string]any{"a": 1.0, "b": 2.0, "c": 3.0}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			m, err := tab.Match("GET", tc.path)
			if err != nil {
				t.Fatalf("Match(GET, %q) error: %v", tc.path, err)
			}
			if m.Route.ID != tc.id || !reflect.DeepEqual(m.Params, tc.params) {
				t.Fatalf("Match(GET, %q) = %q %#v, want %q %#v", tc.path, m.Route.ID, m.Params, tc.id, tc.params)
			}
		})
	}
}

func TestMatchMethods(t *testing.T) {
	tab := mustTable(t,
		route(t, "get-users", "GET", "/users"),
		route(t, "post-users", "POST", "/users"),
		route(t, "any-hook", "ANY", "/hook"),
		route(t, "put-hook", "PUT", "/hook"),
		route(t, "head-only", "HEAD", "/ping"),
		route(t, "get-ping", "GET", "/ping"),
		route(t, "get-me", "GET", "/people/me"),
		route(t, "post-person", "POST", "/people/{id}"),
		route(t, "options", "OPTIONS", "/cors"),
	)
	tests := []struct {
		method, path, id string
	}{
		{"GET", "/users", "get-users"},
		{"POST", "/users", "post-users"},
		{"HEAD", "/users", "get-users"}, // HEAD falls back to GET
		{"PUT", "/hook", "put-hook"},    // the exact method beats ANY
		{"GET", "/hook", "any-hook"},
		{"DELETE", "/hook", "any-hook"},
		{"PROPFIND", "/hook", "any-hook"}, // ANY matches methods no route names
		{"HEAD", "/ping", "head-only"},    // an explicit HEAD beats the GET fallback
		{"GET", "/ping", "get-ping"},
		{"GET", "/people/me", "get-me"},
		{"POST", "/people/me", "post-person"}, // the static node has no POST: the variable branch does
		{"HEAD", "/people/me", "get-me"},
		{"OPTIONS", "/cors", "options"},
	}
	for _, tc := range tests {
		m, err := tab.Match(tc.method, tc.path)
		if err != nil {
			t.Errorf("Match(%s, %q) error: %v", tc.method, tc.path, err)
			continue
		}
		if m.Route.ID != tc.id {
			t.Errorf("Match(%s, %q) = %q, want %q", tc.method, tc.path, m.Route.ID, tc.id)
		}
	}
}

func TestMatchNotFoundAndMethodNotAllowed(t *testing.T) {
	tab := mustTable(t,
		route(t, "get-users", "GET", "/users"),
		route(t, "post-users", "POST", "/users"),
		route(t, "del-user", "DELETE", "/users/{id:number}"),
		route(t, "patch-user", "PATCH", "/users/{name}"),
		route(t, "put-user", "PUT", "/users/me"),
		route(t, "post-only", "POST", "/submit"),
		route(t, "deep", "GET", "/a/b/c"),
	)
	tests := []struct {
		method, path string
		allow        []string // nil means ErrNotFound
	}{
		{"DELETE", "/users", []string{"GET", "HEAD", "OPTIONS", "POST"}},
		{"get", "/users", []string{"GET", "HEAD", "OPTIONS", "POST"}}, // methods are case-sensitive
		{"OPTIONS", "/users", []string{"GET", "HEAD", "OPTIONS", "POST"}},
		{"GET", "/users/7", []string{"DELETE", "OPTIONS", "PATCH"}}, // number and string branches
		{"GET", "/users/me", []string{"OPTIONS", "PATCH", "PUT"}},   // static and string branches
		{"GET", "/users/bob", []string{"OPTIONS", "PATCH"}},         // string branch only
		{"GET", "/submit", []string{"OPTIONS", "POST"}},             // no HEAD without GET
		{"HEAD", "/submit", []string{"OPTIONS", "POST"}},            // HEAD needs a GET
		{"PROPFIND", "/a/b/c", []string{"GET", "HEAD", "OPTIONS"}},  // unknown method
		{"GET", "/nope", nil},
		{"GET", "/users/7/x", nil},
		{"GET", "/a/b", nil},             // a prefix of a route is not a match
		{"GET", "/a/b/c/d/e/f/g/h", nil}, // deeper than every route
		{"GET", "/a//c", nil},            // an empty segment matches nothing
		{"GET", "//", nil},
		{"GET", "/", nil},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			m, err := tab.Match(tc.method, tc.path)
			if tc.allow == nil {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Match = %+v, %v; want ErrNotFound", m, err)
				}
				return
			}
			var mna *MethodNotAllowedError
			if !errors.As(err, &mna) {
				t.Fatalf("Match = %+v, %v; want *MethodNotAllowedError", m, err)
			}
			if !slices.Equal(mna.Allow, tc.allow) || mna.Method != tc.method {
				t.Fatalf("error = %+v, want method %s allow %v", mna, tc.method, tc.allow)
			}
			if !strings.Contains(err.Error(), strings.Join(tc.allow, ", ")) {
				t.Errorf("Error() = %q does not list the allowed methods", err.Error())
			}
		})
	}
}

func TestMatchBadEscape(t *testing.T) {
	tab := mustTable(t, route(t, "f", "GET", "/files/{name}"))
	for _, p := range []string{"/files/%", "/files/a%2", "/files/%zz", "/files/a/b/%g", "/x%4/files/a/b/c"} {
		_, err := tab.Match("GET", p)
		var pe *PathError
		if !errors.As(err, &pe) || pe.Path != p || !strings.Contains(pe.Reason, "percent-encoding") {
			t.Errorf("Match(GET, %q) error = %v, want *PathError about percent-encoding", p, err)
		}
	}
}

func TestEmptyTable(t *testing.T) {
	tab := mustTable(t)
	for _, p := range []string{"", "/", "/a", "/a/b"} {
		if _, err := tab.Match("GET", p); !errors.Is(err, ErrNotFound) {
			t.Errorf("empty table Match(GET, %q) = %v, want ErrNotFound", p, err)
		}
	}
	if got := tab.Routes(); len(got) != 0 {
		t.Errorf("Routes() = %v, want none", got)
	}
}

func TestNewTableErrors(t *testing.T) {
	ok := route(t, "ok", "GET", "/x")
	tests := []struct {
		name   string
		routes []Route
		wantIn string
	}{
		{"empty id", []Route{ok, {Method: "GET"}}, "route 1: the id is empty"},
		{"duplicate id", []Route{ok, route(t, "ok", "POST", "/y")}, `route 1: the id "ok" is already used by route 0`},
		{"bad method", []Route{ok, {ID: "b", Method: "FETCH"}}, `route 1: route "b": method "FETCH"`},
		{"bad segments", []Route{{ID: "b", Method: "GET", Segments: []Segment{Static("a"), Variable("", TypeAny)}}}, `route 0: route "b": routing: segment 1: the variable name is empty`},
		{"conflict", []Route{route(t, "a", "GET", "/u/{id:uuid}"), route(t, "b", "GET", "/u/{other:uuid}")}, `routes "a" and "b" have the same method and pattern GET /u/{uuid}`},
		{"conflict root", []Route{route(t, "a", "ANY", "/"), route(t, "b", "ANY", "/")}, "ANY /"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := NewTable(tc.routes)
			if err == nil {
				t.Fatalf("NewTable succeeded, want error containing %q", tc.wantIn)
			}
			if tab != nil {
				t.Errorf("table on error = %v, want nil", tab)
			}
			if !strings.Contains(err.Error(), tc.wantIn) {
				t.Errorf("error %q does not contain %q", err, tc.wantIn)
			}
		})
	}
	_, err := NewTable([]Route{route(t, "a", "GET", "/u/{id:uuid}"), route(t, "b", "GET", "/u/{other:uuid}")})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Key != "GET /u/{uuid}" || ce.First != "a" || ce.Second != "b" {
		t.Errorf("conflict error = %#v, want *ConflictError{GET /u/{uuid}, a, b}", err)
	}
	// Different types, different methods, and ANY next to a method do not conflict.
	if _, err := NewTable([]Route{
		route(t, "1", "GET", "/u/{id:uuid}"), route(t, "2", "GET", "/u/{id:number}"),
		route(t, "3", "POST", "/u/{id:uuid}"), route(t, "4", "ANY", "/u/{id:uuid}"),
		route(t, "5", "GET", "/u/{id}"), route(t, "6", "GET", "/u/{id:any}"),
	}); err != nil {
		t.Errorf("NewTable of distinct keys: %v", err)
	}
}

func TestTableIsolatedFromCallers(t *testing.T) {
	in := []Route{route(t, "a", "GET", "/x/{id}"), route(t, "b", "POST", "/y")}
	tab := mustTable(t, in...)
	in[0].Segments[0].Value = "changed"
	in[1].ID = "changed"
	got := tab.Routes()
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" || got[0].Pattern().String() != "/x/{id}" {
		t.Fatalf("Routes() = %+v, want the routes as given to NewTable", got)
	}
	got[0].Segments[0].Value = "mutated"
	if again := tab.Routes(); again[0].Pattern().String() != "/x/{id}" {
		t.Fatalf("mutating Routes() result changed the table: %+v", again)
	}
	if m, err := tab.Match("GET", "/x/1"); err != nil || m.Route.ID != "a" {
		t.Fatalf("Match after mutations = %+v, %v", m, err)
	}
}

func TestMatchNoParamsHasNilMap(t *testing.T) {
	tab := mustTable(t, route(t, "s", "GET", "/static/a/b"))
	m, err := tab.Match("GET", "/static/a/b")
	if err != nil || m.Params != nil {
		t.Fatalf("Match = %+v, %v; want nil Params", m, err)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = tab.Match("GET", "/static/a/b") }); allocs != 0 {
		t.Errorf("static match allocates %v times, want 0", allocs)
	}
}

// ---- reference model ----

var (
	refNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	refUUID   = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// refSplit splits and decodes a path the slow, obvious way.
func refSplit(path string) ([]string, bool) {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return nil, true
	}
	parts := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, s := range parts {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		parts[i] = d
	}
	return parts, true
}

// refRank returns the segment ranks of r for path segments segs, or nil when r
// does not match.
func refRank(r Route, segs []string) []int {
	if len(r.Segments) != len(segs) {
		return nil
	}
	ranks := make([]int, len(segs))
	for i, s := range r.Segments {
		v := segs[i]
		switch {
		case s.Kind == KindStatic && s.Value == v:
			ranks[i] = 0
		case s.Kind == KindStatic:
			return nil
		case s.Type == TypeUUID && refUUID.MatchString(v):
			ranks[i] = 1
		case s.Type == TypeNumber && refNumber.MatchString(v) && func() bool { _, err := strconv.ParseFloat(v, 64); return err == nil }():
			ranks[i] = 2
		case s.Type == TypeString && v != "":
			ranks[i] = 3
		case s.Type == TypeAny && v != "":
			ranks[i] = 4
		default:
			return nil
		}
	}
	return ranks
}

// refMatch finds the best route by brute force: the lexicographically smallest
// rank vector among routes accepting the method, then exact > HEAD→GET > ANY.
// It returns the route index (-1 when none) and the allowed methods of the path.
func refMatch(routes []Route, method, path string) (best int, allow []string, ok bool) {
	segs, ok := refSplit(path)
	if !ok {
		return -1, nil, false
	}
	best = -1
	var bestRank []int
	bestPref := 0
	methods := map[string]bool{}
	for i, r := range routes {
		rank := refRank(r, segs)
		if rank == nil && !(len(segs) == 0 && len(r.Segments) == 0) {
			continue
		}
		methods[r.Method] = true
		pref := -1
		switch {
		case r.Method == method:
			pref = 0
		case method == "HEAD" && r.Method == "GET":
			pref = 1
		case r.Method == "ANY":
			pref = 2
		}
		if pref < 0 {
			continue
		}
		c := slices.Compare(rank, bestRank)
		if best < 0 || c < 0 || (c == 0 && pref < bestPref) {
			best, bestRank, bestPref = i, rank, pref
		}
	}
	if best >= 0 || len(methods) == 0 {
		return best, nil, true
	}
	if methods["GET"] {
		methods["HEAD"] = true
	}
	methods["OPTIONS"] = true
	for m := range methods {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	return -1, allow, true
}

// refParams computes a route's params for a path.
func refParams(r Route, path string) map[string]any {
	segs, _ := refSplit(path)
	var m map[string]any
	for i, s := range r.Segments {
		if s.Kind != KindVariable {
			continue
		}
		if m == nil {
			m = map[string]any{}
		}
		switch s.Type {
		case TypeNumber:
			f, _ := strconv.ParseFloat(segs[i], 64)
			m[s.Name] = f
		case TypeUUID:
			m[s.Name] = strings.ToLower(segs[i])
		default:
			m[s.Name] = segs[i]
		}
	}
	return m
}

// checkAgainstReference matches method and path in tab and compares the result
// with refMatch over routes.
func checkAgainstReference(t testing.TB, tab *Table, routes []Route, method, path string) {
	t.Helper()
	m, err := tab.Match(method, path)
	best, allow, ok := refMatch(routes, method, path)
	switch {
	case !ok:
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Fatalf("Match(%s, %q) = %+v, %v; want *PathError", method, path, m, err)
		}
	case best >= 0:
		if err != nil {
			t.Fatalf("Match(%s, %q) error %v; want route %q (%s)", method, path, err, routes[best].ID, routes[best].Key())
		}
		if m.Route.ID != routes[best].ID {
			t.Fatalf("Match(%s, %q) = %q (%s); want %q (%s)", method, path, m.Route.ID, m.Route.Key(), routes[best].ID, routes[best].Key())
		}
		if want := refParams(routes[best], path); !reflect.DeepEqual(m.Params, want) {
			t.Fatalf("Match(%s, %q) params %#v, want %#v", method, path, m.Params, want)
		}
	case allow != nil:
		var mna *MethodNotAllowedError
		if !errors.As(err, &mna) || !slices.Equal(mna.Allow, allow) {
			t.Fatalf("Match(%s, %q) = %+v, %v; want 405 allowing %v", method, path, m, err, allow)
		}
	default:
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Match(%s, %q) = %+v, %v; want ErrNotFound", method, path, m, err)
		}
	}
}

func TestMatchAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	statics := []string{"a", "b", "1", "2.5", uuidLower}
	types := []VarType{TypeString, TypeNumber, TypeUUID, TypeAny}
	methods := []string{"GET", "POST", "HEAD", "ANY", "DELETE"}
	pathSegs := []string{"a", "b", "1", "2.5", "-3", "x", "", uuidLower, uuidUpper, "%61", "%", "1e999", "%2F"}
	for round := range 300 {
		var routes []Route
		keys := map[string]bool{}
		for i := range 1 + rng.IntN(25) {
			var segs []Segment
			for j := range rng.IntN(4) {
				if rng.IntN(2) == 0 {
					segs = append(segs, Static(statics[rng.IntN(len(statics))]))
				} else {
					segs = append(segs, Variable(fmt.Sprintf("v%d", j), types[rng.IntN(len(types))]))
				}
			}
			r := Route{ID: fmt.Sprintf("r%d", i), Method: methods[rng.IntN(len(methods))], Segments: segs}
			if keys[r.Key()] {
				continue
			}
			keys[r.Key()] = true
			routes = append(routes, r)
		}
		tab := mustTable(t, routes...)
		for range 50 {
			var b strings.Builder
			for range rng.IntN(5) {
				b.WriteByte('/')
				b.WriteString(pathSegs[rng.IntN(len(pathSegs))])
			}
			if rng.IntN(4) == 0 {
				b.WriteByte('/')
			}
			method := []string{"GET", "POST", "HEAD", "PUT", "OPTIONS", "X"}[rng.IntN(6)]
			checkAgainstReference(t, tab, routes, method, b.String())
		}
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
}
