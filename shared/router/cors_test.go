package router_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
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

// A refused API key says whether none was sent or the one sent is not valid; a key that
// cannot be checked because the store fails is 503 (try again), not 401 (as if revoked).
func TestAPIKeyRefusals(t *testing.T) {
	ctx := context.Background()
	fx := setup(t, store.SaveAll, router.ModeWait, true, helloFlow())
	r, err := router.New(router.Config{Store: fx.st, Executor: fx.x, BaseDomain: "example.com", CacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	get := func(headers map[string]string) (int, string) {
		resp, _ := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", headers, ""))
		return resp.StatusCode, resp.Body
	}
	if st, body := get(nil); st != 401 || !strings.Contains(body, "needs an API key") {
		t.Fatalf("no key: %d %s", st, body)
	}
	wrong := "psk_" + strings.Repeat("A", 43)
	if st, body := get(map[string]string{"x-api-key": wrong}); st != 401 || !strings.Contains(body, "not valid") {
		t.Fatalf("wrong key: %d %s", st, body)
	}
	fx.env.SetFault(func(string) *storetest.Fault { return &storetest.Fault{Status: 500, Type: "InternalServerError"} })
	defer fx.env.SetFault(nil)
	if st, body := get(map[string]string{"x-api-key": wrong}); st != 503 {
		t.Fatalf("key lookup failing: %d %s", st, body)
	}
}

// A flow may expose headers of its own to the browser app (X-Total-Count for paging): the
// route's CORS answer adds X-Run-Id to them. It replaced them, so the app could not read
// the flow's headers.
func TestCORSKeepsTheHeadersTheFlowExposes(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "[]",
				"headers": map[string]any{"X-Total-Count": "42", "Access-Control-Expose-Headers": "X-Total-Count, Link"}}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"origin": "https://app.example"}, ""))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	var exposed []string
	n := 0
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "access-control-expose-headers") {
			n++
			for f := range strings.SplitSeq(v, ",") {
				exposed = append(exposed, strings.ToLower(strings.TrimSpace(f)))
			}
		}
	}
	slices.Sort(exposed)
	if n != 1 || !slices.Equal(exposed, []string{"link", "x-run-id", "x-total-count"}) {
		t.Errorf("exposed %q in %d headers (%v), want link, x-run-id and x-total-count in one", exposed, n, resp.Headers)
	}
}
