package api

import (
	"net/http"
	"reflect"
	"testing"
)

func TestRouteCORSOrigins(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "CORS")
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Hello"})
	route := map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "hello"}},
		"cors_origins": []any{"https://app.example.com/", "*"}}
	var v RouteView
	e.do(http.MethodPut, path+"/route", u.token, route).ok(&v)
	if !reflect.DeepEqual(v.CORSOrigins, []string{"https://app.example.com", "*"}) {
		t.Fatalf("origins %v", v.CORSOrigins)
	}
	route["cors_origins"] = []any{"https://ok.example", "ftp://files.example", "https://x.example/path"}
	p := e.do(http.MethodPut, path+"/route", u.token, route).problem(422)
	wantFields(t, p, "body.cors_origins[1]", "body.cors_origins[2]")
}
