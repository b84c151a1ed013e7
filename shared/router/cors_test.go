package router_test

import (
	"context"
	"testing"

	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// Every answer of a route that allows the caller's origin carries the CORS headers, not only
// the flow's own: a browser app must be able to read a 401 for a missing API key, and the run
// id of a 202 (an async route), or it sees an opaque network error.
func TestCORSOnEveryAnswerOfTheRoute(t *testing.T) {
	ctx := context.Background()
	origin := map[string]string{"origin": "https://app.example"}
	for name, tc := range map[string]struct {
		mode       string
		requireKey bool
		status     int
	}{
		"missing api key": {router.ModeWait, true, 401},
		"async":           {router.ModeAsync, false, 202},
	} {
		fx := setup(t, store.SaveAll, tc.mode, tc.requireKey, helloFlow())
		resp, _ := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", origin, ""))
		if tc.mode == router.ModeAsync {
			<-fx.handoff
		}
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
		if resp.Headers["access-control-allow-origin"] != "https://app.example" || resp.Headers["access-control-expose-headers"] != "x-run-id" {
			t.Errorf("%s: no CORS headers: %v", name, resp.Headers)
		}
		// another origin gets none
		resp, _ = fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"origin": "https://evil.example"}, ""))
		if tc.mode == router.ModeAsync {
			<-fx.handoff
		}
		if resp.Headers["access-control-allow-origin"] != "" {
			t.Errorf("%s: CORS headers for another origin: %v", name, resp.Headers)
		}
	}
}
