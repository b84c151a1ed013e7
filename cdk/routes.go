package main

import (
	"net/http"
	"strings"

	"polysynergy/cdk/stack"
	"polysynergy/shared/api"
)

// restRoutes is the REST API's route table, taken from the API package so
// every endpoint it serves gets exactly one API Gateway route, plus the other
// forms of the OpenAPI document the API serves next to openapi.json.
func restRoutes() []stack.RouteSpec {
	routes := api.Routes()
	out := make([]stack.RouteSpec, 0, len(routes)+3)
	seen := map[string]bool{}
	for _, r := range routes {
		out = append(out, stack.RouteSpec{Method: r.Method, Path: r.Path, OperationID: r.OperationID, Public: r.Public})
		seen[r.Method+" "+r.Path] = true
	}
	for _, p := range openAPIVariants() {
		if !seen[http.MethodGet+" "+p] {
			out = append(out, stack.RouteSpec{Method: http.MethodGet, Path: p, Public: true})
		}
	}
	return out
}

// openAPIVariants are the paths the API's OpenAPI library serves the document
// at besides api.OpenAPIPath (openapi.json): YAML, and both as OpenAPI 3.0.
// TestRestRoutesMirrorTheAPI asks the API handler for each.
func openAPIVariants() []string {
	base := strings.TrimSuffix(api.OpenAPIPath, ".json")
	return []string{base + ".yaml", base + "-3.0.json", base + "-3.0.yaml"}
}
