package main

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"polysynergy/cdk/stack"
	"polysynergy/shared/api"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// TestRestRoutesMirrorTheAPI checks that the app declares exactly the API's
// endpoints, with the same public flags, and that API Gateway would accept them.
func TestRestRoutesMirrorTheAPI(t *testing.T) {
	got := restRoutes()
	want := api.Routes()
	if len(got) != len(want)+len(openAPIVariants()) {
		t.Fatalf("restRoutes() has %d routes, api.Routes() %d and %d OpenAPI forms", len(got), len(want), len(openAPIVariants()))
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
	// the gateway gets a HEAD route next to each GET one (the API answers HEAD as GET)
	deployed := map[string]stack.RouteSpec{}
	for _, r := range stack.WithHeadRoutes(got) {
		deployed[r.Method+" "+r.Path] = r
	}
	for _, r := range got {
		if r.Method != http.MethodGet {
			continue
		}
		if h, ok := deployed[http.MethodHead+" "+r.Path]; !ok || h.Public != r.Public {
			t.Errorf("GET %s (public=%v): HEAD route %+v, want one with the same public flag", r.Path, r.Public, h)
		}
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

// TestPublicRoutesAreServed asks the API's real handler for every public GET
// route of the table (the OpenAPI document in each form among them), by GET and by
// HEAD (the gateway's HEAD routes, stack.WithHeadRoutes): a path
// the API serves but the gateway lacks answers API Gateway's 404 in AWS, and a
// gateway route the API does not serve is dead.
func TestPublicRoutesAreServed(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	lw, err := secrets.NewLocalWrapper(key)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(lw)
	if err != nil {
		t.Fatal(err)
	}
	// public routes touch no table: a client that reaches nothing will do
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: new(string)})
	h, err := api.New(api.Config{Store: store.New(db, "unused"), Box: box})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range restRoutes() {
		if !r.Public || r.Method != http.MethodGet || r.Path == api.Prefix+"/health" {
			continue // health reads the table
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(r.Method, r.Path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d from the API, want 200: the gateway routes a path the API does not serve", r.Path, rec.Code)
		}
		served[r.Path] = true
		// its HEAD route reaches the same handler, which answers it as GET
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, r.Path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("HEAD %s: %d from the API, want 200 as for GET", r.Path, rec.Code)
		}
	}
	for _, p := range append([]string{api.OpenAPIPath}, openAPIVariants()...) {
		if !served[p] {
			t.Errorf("GET %s is not a public gateway route", p)
		}
	}
}
