package oidc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/local/oidc"
)

const client = "editor"

func start(t *testing.T, dir string) (*oidc.Provider, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	p, err := oidc.New(oidc.Config{Issuer: srv.URL, ClientID: client, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p.Routes(mux)
	return p, srv
}

func noRedirect() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn walks the real authorization-code + PKCE exchange and returns the token response.
func signIn(t *testing.T, srv *httptest.Server, email, verifier string) (int, map[string]any) {
	t.Helper()
	c := noRedirect()
	sum := oidcS256(verifier)
	q := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {"http://localhost:8090/callback"},
		"state": {"xyz"}, "code_challenge": {sum}, "code_challenge_method": {"S256"}, "scope": {"openid email"}, "nonce": {"n1"}}
	resp, err := c.Get(srv.URL + oidc.PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Sign in to PolySynergy") {
		t.Fatalf("sign-in page: %d %s", resp.StatusCode, body)
	}
	form := url.Values{}
	for k, v := range q {
		form[k] = v
	}
	form.Set("email", email)
	resp, err = c.PostForm(srv.URL+oidc.PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != "xyz" || loc.Host != "localhost:8090" {
		t.Fatalf("redirect %s", loc)
	}
	tok := url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://localhost:8090/callback"}, "code_verifier": {verifier}}
	resp, err = c.PostForm(srv.URL+oidc.PathToken, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode == 200 {
		// the same code cannot be used twice
		again, _ := c.PostForm(srv.URL+oidc.PathToken, tok)
		again.Body.Close()
		if again.StatusCode != 400 {
			t.Fatalf("code reuse: %d", again.StatusCode)
		}
	}
	return resp.StatusCode, out
}

func oidcS256(v string) string {
	return oidc.S256(v)
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	dir := t.TempDir()
	p, srv := start(t, dir)
	status, toks := signIn(t, srv, "Ada@Example.com", "verifier-0123456789-0123456789-0123456789")
	if status != 200 {
		t.Fatalf("token: %d %v", status, toks)
	}
	ver, err := token.NewVerifier(context.Background(), token.Config{Issuer: srv.URL, Audience: client, JWKSURL: srv.URL + oidc.PathJWKS})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"id_token", "access_token"} {
		id, claims, err := ver.Verify(context.Background(), toks[kind].(string))
		if err != nil {
			t.Fatalf("%s does not verify: %v", kind, err)
		}
		if id.Email != "ada@example.com" || id.Subject == "" || claims["cognito:username"] != id.Subject {
			t.Fatalf("%s identity %+v claims %v", kind, id, claims)
		}
	}
	// the user persists across restarts of the provider, with the same key
	p2, err := oidc.New(oidc.Config{Issuer: srv.URL, ClientID: client, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if users := p2.Users(); len(users) != 1 || users[0].Sub != p.Users()[0].Sub {
		t.Fatalf("users after restart %v", users)
	}
	toks2, err := p2.Issue(p2.Users()[0], "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ver.Verify(context.Background(), toks2.AccessToken); err != nil {
		t.Fatalf("same signing key after restart: %v", err)
	}
	// refresh
	resp, err := http.PostForm(srv.URL+oidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {toks["refresh_token"].(string)}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("refresh: %v %d", err, resp.StatusCode)
	}
	resp.Body.Close()
}

func TestRefusals(t *testing.T) {
	_, srv := start(t, "")
	status, body := signIn(t, srv, "grace@example.com", "right-verifier-right-verifier-right-verifier")
	if status != 200 {
		t.Fatalf("baseline %d %v", status, body)
	}
	// a wrong verifier is refused
	c := noRedirect()
	q := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {"http://localhost/cb"},
		"code_challenge": {oidc.S256("one")}, "code_challenge_method": {"S256"}, "email": {"grace@example.com"}}
	resp, _ := c.PostForm(srv.URL+oidc.PathAuthorize, q)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	resp, _ = c.PostForm(srv.URL+oidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "client_id": {client},
		"code": {loc.Query().Get("code")}, "redirect_uri": {"http://localhost/cb"}, "code_verifier": {"two"}})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "code_verifier does not match") {
		t.Fatalf("wrong verifier: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"response_type=token&client_id=editor&redirect_uri=http://x/cb&code_challenge=a&code_challenge_method=S256", "response_type"},
		{"response_type=code&client_id=other&redirect_uri=http://x/cb&code_challenge=a&code_challenge_method=S256", "unknown client_id"},
		{"response_type=code&client_id=editor&redirect_uri=http://x/cb", "PKCE is required"},
		{"response_type=code&client_id=editor&redirect_uri=javascript:alert(1)&code_challenge=a&code_challenge_method=S256", "absolute http"},
		// codes go to this machine only (an open redirect otherwise)
		{"response_type=code&client_id=editor&redirect_uri=https://evil.example/cb&code_challenge=a&code_challenge_method=S256", "must be on this machine"},
		{"response_type=code&client_id=editor&redirect_uri=http://localhost.evil.example/cb&code_challenge=a&code_challenge_method=S256", "must be on this machine"},
		{"response_type=code&client_id=editor&redirect_uri=http://10.0.0.1/cb&code_challenge=a&code_challenge_method=S256", "must be on this machine"},
	} {
		resp, _ := http.Get(srv.URL + oidc.PathAuthorize + "?" + tc.q)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s", tc.q, resp.StatusCode, b)
		}
	}
	// a bad e-mail re-renders the page with the reason
	bad := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {"http://localhost/cb"},
		"code_challenge": {"a"}, "code_challenge_method": {"S256"}, "email": {"not-an-address"}}
	resp, _ = c.PostForm(srv.URL+oidc.PathAuthorize, bad)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !regexp.MustCompile(`E-mail: has no @`).Match(b) {
		t.Fatalf("bad email: %d %s", resp.StatusCode, b)
	}
	// sign-in pages on this machine are fine: the editor's dev server, a trigger-style host, loopback
	for _, cb := range []string{"http://127.0.0.1:5173/cb", "http://[::1]:8090/cb", "http://app.localhost:8090/cb"} {
		resp, _ := http.Get(srv.URL + oidc.PathAuthorize + "?" + url.Values{"response_type": {"code"}, "client_id": {client},
			"redirect_uri": {cb}, "code_challenge": {"a"}, "code_challenge_method": {"S256"}}.Encode())
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("sign-in page for %s: %d %s", cb, resp.StatusCode, b)
		}
	}
	// signing out goes back to this machine only
	for to, want := range map[string]string{"http://localhost:8090/": "http://localhost:8090/", "https://evil.example/": ""} {
		resp, _ := noRedirect().Get(srv.URL + oidc.PathLogout + "?" + url.Values{"logout_uri": {to}}.Encode())
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want || (want == "" && !strings.Contains(string(b), "Signed out")) {
			t.Errorf("logout to %s: %d Location %q %s", to, resp.StatusCode, got, b)
		}
	}
	// discovery names the endpoints
	resp, _ = http.Get(srv.URL + oidc.PathDiscovery)
	var d map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d["issuer"] != srv.URL || d["token_endpoint"] != srv.URL+oidc.PathToken {
		t.Fatalf("discovery %v", d)
	}
}
