package main

import (
	"polysynergy/cdk/stack"
	"polysynergy/shared/api"
)

// restRoutes is the REST API's route table, taken from the API package so
// every endpoint it serves gets exactly one API Gateway route.
func restRoutes() []stack.RouteSpec {
	routes := api.Routes()
	out := make([]stack.RouteSpec, 0, len(routes))
	for _, r := range routes {
		out = append(out, stack.RouteSpec{Method: r.Method, Path: r.Path, OperationID: r.OperationID, Public: r.Public})
	}
	return out
}
