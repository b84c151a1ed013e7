package router_test

import (
	"context"
	"encoding/json"
	"testing"

	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// A refused CORS preflight names the header it refuses, as every other refusal of the
// router names its field: a method no route serves at header.access-control-request-method,
// an origin the route does not allow at header.origin. Both named none.
func TestRefusedPreflightNamesTheHeader(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	for _, tc := range []struct {
		method, origin, at string
		status             int
	}{
		{"DELETE", "https://app.example", "header.access-control-request-method", 404},
		{"GET", "https://evil.example", "header.origin", 403},
	} {
		ev := request("OPTIONS", "my-shop-dev.example.com", "/hello/a/1", "",
			map[string]string{"origin": tc.origin, "access-control-request-method": tc.method}, "")
		resp, err := fx.r.Handle(context.Background(), ev)
		if err != nil || resp.StatusCode != tc.status {
			t.Fatalf("%s from %s: %d %s %v", tc.method, tc.origin, resp.StatusCode, resp.Body, err)
		}
		var p struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || len(p.Errors) != 1 || p.Errors[0].Location != tc.at {
			t.Errorf("%s from %s: %s, want the error at %s", tc.method, tc.origin, resp.Body, tc.at)
		}
	}
	// an allowed preflight still passes
	ev := request("OPTIONS", "my-shop-dev.example.com", "/hello/a/1", "",
		map[string]string{"origin": "https://app.example", "access-control-request-method": "GET"}, "")
	if resp, _ := fx.r.Handle(context.Background(), ev); resp.StatusCode != 204 {
		t.Errorf("allowed preflight: %d %s", resp.StatusCode, resp.Body)
	}
}

// A route with CORS origins answers with Vary: Origin whatever the request's origin: a
// shared cache that stored the answer to a request from another origin (or none), which
// had no Access-Control-Allow-Origin and no Vary, served it to the allowed origin too,
// and the browser refused it.
func TestCORSAnswersVaryByOriginForEveryOrigin(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	for _, origin := range []string{"", "https://evil.example", "https://app.example"} {
		h := map[string]string{}
		if origin != "" {
			h["origin"] = origin
		}
		resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", h, ""))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("origin %q: %d %s %v", origin, resp.StatusCode, resp.Body, err)
		}
		if resp.Headers["vary"] != "Origin" {
			t.Errorf("origin %q: Vary %q, want Origin (headers %v)", origin, resp.Headers["vary"], resp.Headers)
		}
	}
}
