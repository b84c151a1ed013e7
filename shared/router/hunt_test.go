package router_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/auth"
	"polysynergy/shared/router"
	"polysynergy/shared/store"
)

// The Authorization scheme is case-insensitive (RFC 9110 §11.1): "bearer psk_…" is a
// project API key like "Bearer psk_…". It was refused with 401 on a route that needs a
// key, and on one that does not it reached the flow, so the run's results held the key.
func TestAPIKeyBearerSchemeIgnoresCase(t *testing.T) {
	ctx := context.Background()
	for _, requireKey := range []bool{true, false} {
		fx := setup(t, store.SaveAll, router.ModeWait, requireKey, helloFlow())
		plain, stored, err := auth.NewAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.st.CreateAPIKey(ctx, fx.pk, store.CreateAPIKeyInput{Label: "ci", Prefix: stored.Prefix, Hash: stored.Hash}); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"bearer " + plain, "BEARER " + plain, "Bearer  " + plain} {
			resp, _ := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "",
				map[string]string{"authorization": h}, ""))
			if resp.StatusCode != 200 {
				t.Errorf("require key %v, authorization %q: %d %s", requireKey, h[:8], resp.StatusCode, resp.Body)
				continue
			}
			results, err := fx.st.ListNodeResults(ctx, fx.pk.Run(resp.Headers["x-run-id"]))
			raw, _ := json.Marshal(results)
			if err != nil || len(results) == 0 || strings.Contains(string(raw), plain) {
				t.Errorf("require key %v, authorization %q: the run's results hold the API key (or none were stored: %v)",
					requireKey, h[:8], err)
			}
		}
	}
}

// A request the flow's trigger cannot read is answered 400 with the problem naming the
// field and the reason in errors[], as the REST API's problems do (it said so only in
// detail).
func TestUnreadableRequestNamesTheField(t *testing.T) {
	fx := setup(t, store.SaveErrors, router.ModeWait, false, helloFlow())
	bad := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "application/json"}, "{bad")
	resp, _ := fx.r.Handle(context.Background(), bad)
	var p struct {
		Status int `json:"status"`
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != 400 || p.Status != 400 {
		t.Fatalf("malformed JSON body: %d %s (%v)", resp.StatusCode, resp.Body, err)
	}
	if len(p.Errors) != 1 || p.Errors[0].Location != "body" || !strings.Contains(p.Errors[0].Message, "not valid JSON") {
		t.Fatalf("errors = %+v, want one at body saying it is not valid JSON", p.Errors)
	}
}

// A route's 401 names the header the key goes in (errors[0] at header.x-api-key), as every
// refusal names its field.
func TestAPIKeyRefusalNamesTheHeader(t *testing.T) {
	fx := setup(t, store.SaveErrors, router.ModeWait, true, helloFlow())
	for _, h := range []map[string]string{nil, {"x-api-key": "psk_wrong"}, {"authorization": "Bearer psk_wrong"}} {
		resp, _ := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", h, ""))
		var p struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != 401 {
			t.Fatalf("%v: %d %s", h, resp.StatusCode, resp.Body)
		}
		want := "header.x-api-key"
		if h["authorization"] != "" {
			want = "header.authorization"
		}
		if len(p.Errors) != 1 || p.Errors[0].Location != want {
			t.Errorf("%v: errors %+v, want one at %s", h, p.Errors, want)
		}
	}
}

// The router's other refusals name what they are about too: the host (no project or
// nothing published on its stage, or no project-stage in it), the path (no route) and the
// method (405).
func TestRoutingRefusalsNameTheirField(t *testing.T) {
	fx := setup(t, store.SaveErrors, router.ModeWait, false, helloFlow())
	for _, tc := range []struct {
		method, host, path string
		status             int
		field              string
	}{
		{"GET", "nohyphen.example.com", "/x", 400, "header.host"},
		{"GET", "nope-dev.example.com", "/hello/a/1", 404, "header.host"},
		{"GET", "my-shop-dev.example.com", "/nope", 404, "path"},
		{"POST", "my-shop-dev.example.com", "/hello/a/1", 405, "method"},
	} {
		resp, _ := fx.r.Handle(context.Background(), request(tc.method, tc.host, tc.path, "", nil, ""))
		var p struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != tc.status {
			t.Fatalf("%+v: %d %s", tc, resp.StatusCode, resp.Body)
		}
		if len(p.Errors) != 1 || p.Errors[0].Location != tc.field {
			t.Errorf("%+v: errors %+v, want one at %s", tc, p.Errors, tc.field)
		}
	}
}
