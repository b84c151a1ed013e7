package main

import (
	"testing"

	"polysynergy/cdk/stack"
	"polysynergy/shared/api"
)

// TestRestRoutesMirrorTheAPI checks that the app declares exactly the API's
// endpoints, with the same public flags, and that API Gateway would accept them.
func TestRestRoutesMirrorTheAPI(t *testing.T) {
	got := restRoutes()
	want := api.Routes()
	if len(got) != len(want) {
		t.Fatalf("restRoutes() has %d routes, api.Routes() %d", len(got), len(want))
	}
	for i, r := range want {
		g := got[i]
		if g.Method != r.Method || g.Path != r.Path || g.OperationID != r.OperationID || g.Public != r.Public {
			t.Errorf("route %d = %+v, want %s %s %s public=%v", i, g, r.Method, r.Path, r.OperationID, r.Public)
		}
	}
	if err := stack.ValidateRoutes(got); err != nil {
		t.Fatalf("the API's route table would not deploy: %v", err)
	}
	var health bool
	for _, r := range got {
		if r.Path == api.Prefix+"/health" && r.Method == "GET" {
			health = true
			if !r.Public {
				t.Error("GET /api/v1/health must be public (no authorizer)")
			}
		}
	}
	if !health {
		t.Error("the route table has no GET /api/v1/health")
	}
}
