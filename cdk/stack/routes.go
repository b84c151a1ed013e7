package stack

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// RouteSpec is one REST endpoint of the API function, as the API package
// exports it: the stack declares one API Gateway route per RouteSpec.
type RouteSpec struct {
	// Method is the HTTP method in upper case (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS).
	Method string
	// Path is the route path in API Gateway syntax, e.g. /api/v1/projects/{project}.
	Path string
	// OperationID names the endpoint; it only labels the construct.
	OperationID string
	// Public routes (health, OIDC and other unauthenticated endpoints) skip the JWT authorizer.
	Public bool
}

// pathSegmentRE accepts a static segment or a whole-segment {variable}; {name+} is greedy.
var pathSegmentRE = regexp.MustCompile(`^([A-Za-z0-9._~\-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\})$`)

func knownMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// RouteError is a route table entry API Gateway would refuse.
type RouteError struct {
	Index  int
	Field  string
	Value  string
	Reason string
}

func (e *RouteError) Error() string {
	return fmt.Sprintf("route %d: %s %q: %s", e.Index, e.Field, e.Value, e.Reason)
}

// ValidateRoutes checks a route table before it becomes API Gateway routes:
// known methods, well-formed paths, greedy variables only last and no route
// declared twice. Every problem is reported.
func ValidateRoutes(routes []RouteSpec) error {
	if len(routes) == 0 {
		return errors.New("route table is empty: the REST API needs at least one route")
	}
	var errs []error
	seen := map[string]int{}
	for i, r := range routes {
		if !knownMethod(r.Method) {
			errs = append(errs, &RouteError{Index: i, Field: "Method", Value: r.Method, Reason: "want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"})
		}
		if reason := pathProblem(r.Path); reason != "" {
			errs = append(errs, &RouteError{Index: i, Field: "Path", Value: r.Path, Reason: reason})
		}
		key := r.Method + " " + normalisePath(r.Path)
		if j, dup := seen[key]; dup {
			errs = append(errs, &RouteError{Index: i, Field: "Path", Value: r.Method + " " + r.Path,
				Reason: fmt.Sprintf("same method and path pattern as route %d", j)})
		} else {
			seen[key] = i
		}
	}
	return errors.Join(errs...)
}

func pathProblem(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "must start with /"
	}
	if p == "/" {
		return ""
	}
	if strings.HasSuffix(p, "/") {
		return "must not end with /"
	}
	segs := strings.Split(p[1:], "/")
	names := map[string]bool{}
	for i, s := range segs {
		if s == "" {
			return "has an empty segment"
		}
		if !pathSegmentRE.MatchString(s) {
			return fmt.Sprintf("segment %q is neither static nor a {variable}", s)
		}
		if strings.HasPrefix(s, "{") {
			name := strings.TrimSuffix(s[1:len(s)-1], "+")
			if names[name] {
				return fmt.Sprintf("variable {%s} appears twice", name)
			}
			names[name] = true
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				return "a greedy {name+} variable must be the last segment"
			}
		}
	}
	return ""
}

// normalisePath replaces variable names by {} so /a/{x} and /a/{y} compare equal,
// as they do for API Gateway.
func normalisePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			if strings.HasSuffix(s, "+}") {
				segs[i] = "{+}"
			} else {
				segs[i] = "{}"
			}
		}
	}
	return strings.Join(segs, "/")
}

// WithHeadRoutes returns the route table with a HEAD route next to every GET route
// the table does not already pair with one: API Gateway HTTP API routes match their
// method exactly (only ANY matches others), so without it a HEAD request, which the
// API answers as it does GET, gets the gateway's 404. A twin has its GET route's path
// and public flag (so the same authorizer), and its operation id with "-head".
func WithHeadRoutes(routes []RouteSpec) []RouteSpec {
	has := make(map[string]bool, len(routes))
	for _, r := range routes {
		has[r.Method+" "+normalisePath(r.Path)] = true
	}
	out := make([]RouteSpec, 0, 2*len(routes))
	for _, r := range routes {
		out = append(out, r)
		if r.Method != "GET" || has["HEAD "+normalisePath(r.Path)] {
			continue
		}
		twin := RouteSpec{Method: "HEAD", Path: r.Path, Public: r.Public}
		if r.OperationID != "" {
			twin.OperationID = r.OperationID + "-head"
		}
		out = append(out, twin)
	}
	return out
}
