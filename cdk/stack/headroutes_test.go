package stack_test

import (
	"slices"
	"testing"

	"polysynergy/cdk/stack"
)

// API Gateway HTTP API routes match their method exactly: every GET route gets a HEAD
// twin with its path and public flag, unless the table already has a HEAD route for
// that path pattern; other methods get none.
func TestWithHeadRoutes(t *testing.T) {
	in := []stack.RouteSpec{
		{Method: "GET", Path: "/api/v1/health", OperationID: "getHealth", Public: true},
		{Method: "GET", Path: "/api/v1/me", OperationID: "getMe"},
		{Method: "POST", Path: "/api/v1/me", OperationID: "updateMe"},
		{Method: "GET", Path: "/api/v1/files/{path+}"},
		{Method: "GET", Path: "/api/v1/things/{id}", OperationID: "getThing"},
		{Method: "HEAD", Path: "/api/v1/things/{thing}", OperationID: "headThing"}, // its own HEAD route
	}
	got := stack.WithHeadRoutes(in)
	want := []stack.RouteSpec{
		in[0], {Method: "HEAD", Path: "/api/v1/health", OperationID: "getHealth-head", Public: true},
		in[1], {Method: "HEAD", Path: "/api/v1/me", OperationID: "getMe-head"},
		in[2],
		in[3], {Method: "HEAD", Path: "/api/v1/files/{path+}"},
		in[4], in[5],
	}
	if !slices.Equal(got, want) {
		t.Fatalf("WithHeadRoutes =\n%+v\nwant\n%+v", got, want)
	}
	if err := stack.ValidateRoutes(got); err != nil {
		t.Fatalf("the table with HEAD routes would not deploy: %v", err)
	}
	// the real table: one HEAD route per GET route, and still deployable
	real := stack.WithHeadRoutes(apiRoutes())
	if err := stack.ValidateRoutes(real); err != nil {
		t.Fatalf("the API's table with HEAD routes would not deploy: %v", err)
	}
	var gets, heads int
	for _, r := range real {
		switch r.Method {
		case "GET":
			gets++
		case "HEAD":
			heads++
		}
	}
	if gets == 0 || heads != gets {
		t.Fatalf("%d GET routes, %d HEAD routes", gets, heads)
	}
}
