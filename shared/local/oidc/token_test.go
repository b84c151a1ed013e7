package oidc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/local/oidc"
)

// A token request with a JSON body (or none) was read as an empty form and refused as
// "unknown client_id": it says the body must be a form; a form without client_id says so.
func TestTokenEndpointSaysWhatIsWrongWithTheRequest(t *testing.T) {
	_, srv := start(t, t.TempDir())
	for _, tc := range []struct{ ctype, body, want string }{
		{"application/json", `{"grant_type":"refresh_token","client_id":"editor"}`, `the body must be application/x-www-form-urlencoded, not \"application/json\"`},
		{"", ``, `the body must be application/x-www-form-urlencoded, not \"\"`},
		{"application/x-www-form-urlencoded", `grant_type=refresh_token`, "client_id is required"},
		{"application/x-www-form-urlencoded; charset=UTF-8", `grant_type=refresh_token&client_id=someone`, `unknown client_id \"someone\"`},
		{"application/x-www-form-urlencoded;charset=UTF-8", `grant_type=refresh_token&client_id=` + client + `&refresh_token=x`, "unknown refresh token"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+oidc.PathToken, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 4 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s: %d %s; want %s", tc.ctype, tc.body, resp.StatusCode, b, tc.want)
		}
	}
}

// Refresh tokens were kept in the provider's memory only: after `polysynergy dev` restarted,
// the editor's session could not be renewed ("unknown refresh token"), and every sign-in
// added one that was never forgotten. They are signed now: a restarted provider on the same
// data dir takes them; they are no access tokens (the platform's verifier and userInfo refuse
// them), and one that expired or is forged is refused saying so.
func TestRefreshTokensOutliveARestart(t *testing.T) {
	dir := t.TempDir()
	_, srv := start(t, dir)
	status, toks := signIn(t, srv, "ada@example.com", "verifier-0123456789-0123456789-0123456789")
	if status != 200 {
		t.Fatalf("sign in: %d %v", status, toks)
	}
	rt, _ := toks["refresh_token"].(string)

	// the local cloud restarts: a new provider on the same data dir and address
	clock := time.Now()
	mux := http.NewServeMux()
	restarted := httptest.NewServer(mux)
	t.Cleanup(restarted.Close)
	p2, err := oidc.New(oidc.Config{Issuer: srv.URL, ClientID: client, Dir: dir, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	p2.Routes(mux)
	refresh := func(tok, clientID string) (int, map[string]any) {
		t.Helper()
		resp, err := http.PostForm(restarted.URL+oidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, out := refresh(rt, client)
	if code != 200 || out["access_token"] == nil || out["refresh_token"] != nil {
		t.Fatalf("refresh after a restart: %d %v", code, out)
	}
	ver, err := token.NewVerifierFromKeySet(p2.KeySet(), token.Config{Issuer: srv.URL, Audience: client})
	if err != nil {
		t.Fatal(err)
	}
	if id, _, err := ver.Verify(context.Background(), out["access_token"].(string)); err != nil || id.Email != "ada@example.com" {
		t.Fatalf("the refreshed access token: %+v %v", id, err)
	}
	if _, _, err := ver.Verify(context.Background(), rt); err == nil {
		t.Error("the platform's verifier took a refresh token as a bearer token")
	}
	req, _ := http.NewRequest(http.MethodGet, restarted.URL+oidc.PathUserInfo, nil)
	req.Header.Set("Authorization", "Bearer "+rt)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userInfo with a refresh token: %d; want 401", resp.StatusCode)
	}

	for name, tc := range map[string]struct {
		tok, client, want string
	}{
		"forged":         {tok: "not.a.token", client: client, want: "unknown refresh token"},
		"an access one":  {tok: toks["access_token"].(string), client: client, want: "unknown refresh token"},
		"another client": {tok: rt, client: "someone", want: "unknown client_id"},
	} {
		if code, out := refresh(tc.tok, tc.client); code/100 != 4 || !strings.Contains(fmt.Sprint(out["error_description"]), tc.want) {
			t.Errorf("%s: %d %v; want %q", name, code, out, tc.want)
		}
	}
	clock = clock.Add(oidc.RefreshTTL + time.Minute)
	if code, out := refresh(rt, client); code != 400 || !strings.Contains(fmt.Sprint(out["error_description"]), "expired") {
		t.Errorf("an expired refresh token: %d %v", code, out)
	}
}
