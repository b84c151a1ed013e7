// Command apiroutes prints the REST API's route table (method, path, operation id) as JSON,
// for the editor's API client test (web/src/api/routes.test.ts) to check its paths against:
//
//	go run ./web/tools/apiroutes > web/src/fixtures/api-routes.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"polysynergy/shared/api"
)

type route struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId"`
}

func main() {
	var out []route
	for _, r := range api.Routes() {
		out = append(out, route{Method: r.Method, Path: r.Path, OperationID: r.OperationID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OperationID < out[j].OperationID })
	e := json.NewEncoder(os.Stdout)
	e.SetIndent("", " ")
	if err := e.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "apiroutes:", err)
		os.Exit(1)
	}
}
