package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jws"
)

// Paths the provider serves (Cognito's hosted-UI paths, so clients configure alike).
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathJWKS      = "/.well-known/jwks.json"
	PathAuthorize = "/oauth2/authorize"
	PathToken     = "/oauth2/token"
	PathUserInfo  = "/oauth2/userInfo"
	PathLogout    = "/logout"
)

// Routes registers the provider's endpoints on mux.
func (p *Provider) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+PathDiscovery, p.discovery)
	mux.HandleFunc("GET "+PathJWKS, p.jwks)
	mux.HandleFunc("GET "+PathAuthorize, p.authorizePage)
	mux.HandleFunc("POST "+PathAuthorize, p.authorize)
	mux.HandleFunc("POST "+PathToken, p.token)
	mux.HandleFunc("GET "+PathUserInfo, p.userInfo)
	mux.HandleFunc("GET "+PathLogout, p.logout)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError answers with an OAuth 2.0 error body.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + PathAuthorize,
		"token_endpoint":                        p.issuer + PathToken,
		"userinfo_endpoint":                     p.issuer + PathUserInfo,
		"end_session_endpoint":                  p.issuer + PathLogout,
		"jwks_uri":                              p.issuer + PathJWKS,
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"claims_supported":                      []string{"sub", "email", "email_verified", "name", "cognito:username"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, p.KeySet())
}

// authParams are the authorization request's parameters, checked.
type authParams struct {
	ClientID, RedirectURI, State, Challenge, Method, Nonce, Scope string
}

func (p *Provider) readAuthParams(v url.Values) (authParams, string) {
	a := authParams{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), State: v.Get("state"),
		Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"), Nonce: v.Get("nonce"), Scope: v.Get("scope")}
	switch {
	case v.Get("response_type") != "code":
		return a, "response_type must be code"
	case a.ClientID != p.clientID:
		return a, "unknown client_id " + a.ClientID
	case a.RedirectURI == "":
		return a, "redirect_uri is required"
	case a.Challenge == "" || a.Method != "S256":
		return a, "PKCE is required: code_challenge with code_challenge_method=S256"
	}
	u, err := url.Parse(a.RedirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return a, "redirect_uri must be an absolute http(s) URL"
	}
	if !onThisMachine(u) {
		// as Cognito answers only its app client's callback URLs: the dev provider sends
		// codes to this machine's editor (the local cloud's or a dev server's), nowhere else
		return a, "redirect_uri must be on this machine (localhost, *.localhost or a loopback address), got host " + u.Hostname()
	}
	return a, ""
}

// onThisMachine says u's host is loopback: localhost, a name under .localhost, 127.0.0.0/8 or ::1.
func onThisMachine(u *url.URL) bool {
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}

var page = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · PolySynergy (local)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#1e293b;padding:2rem 2.5rem;border-radius:12px;width:min(420px,90vw);box-shadow:0 10px 30px #0008}
h1{font-size:1.25rem;margin:0 0 .25rem} p{color:#94a3b8;margin:.25rem 0 1.25rem}
button{width:100%;padding:.65rem;margin:.3rem 0;border-radius:8px;border:1px solid #334155;background:#0f172a;color:#e2e8f0;text-align:left;cursor:pointer;font-size:.95rem}
button:hover,button:focus{border-color:#38bdf8;outline:none} .who{color:#94a3b8;font-size:.85rem}
input{width:100%;box-sizing:border-box;padding:.6rem;border-radius:8px;border:1px solid #334155;background:#0f172a;color:#e2e8f0;margin:.3rem 0}
.primary{background:#0284c7;border-color:#0284c7;text-align:center} .err{color:#fca5a5} hr{border:0;border-top:1px solid #334155;margin:1.25rem 0}
</style></head><body><main>
<h1>Sign in to PolySynergy</h1><p>Local development sign-in: pick a user or create one.</p>
{{if .Error}}<p class="err" role="alert" id="email-error">{{.Error}}</p>{{end}}
{{range .Users}}<form method="post">{{template "hidden" $.Params}}<input type="hidden" name="email" value="{{.Email}}">
<button type="submit" data-email="{{.Email}}">{{.Name}} <span class="who">{{.Email}}</span></button></form>{{end}}
{{if .Users}}<hr>{{end}}
<form method="post">{{template "hidden" .Params}}
<label>E-mail<input name="email" type="email" required maxlength="254" autocomplete="email" placeholder="you@example.com" value="{{.Email}}" autofocus{{if .Error}} aria-invalid="true" aria-describedby="email-error"{{end}}></label>
<label>Name (optional)<input name="name" autocomplete="name" value="{{.Name}}"></label>
<button class="primary" type="submit">Create user and sign in</button></form>
</main></body></html>
{{define "hidden"}}<input type="hidden" name="client_id" value="{{.ClientID}}"><input type="hidden" name="redirect_uri" value="{{.RedirectURI}}"><input type="hidden" name="state" value="{{.State}}"><input type="hidden" name="code_challenge" value="{{.Challenge}}"><input type="hidden" name="code_challenge_method" value="{{.Method}}"><input type="hidden" name="nonce" value="{{.Nonce}}"><input type="hidden" name="scope" value="{{.Scope}}"><input type="hidden" name="response_type" value="code">{{end}}`))

func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	a, problem := p.readAuthParams(r.URL.Query())
	if problem != "" {
		http.Error(w, "sign-in request refused: "+problem, http.StatusBadRequest)
		return
	}
	p.render(w, http.StatusOK, a, newUser{})
}

// newUser is what the page's new-user form holds: typed values kept when they are refused,
// and why.
type newUser struct {
	Email, Name, Error string
}

func (p *Provider) render(w http.ResponseWriter, status int, a authParams, form newUser) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, map[string]any{"Users": p.Users(), "Params": a, "Error": form.Error, "Email": form.Email, "Name": form.Name})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a, problem := p.readAuthParams(r.PostForm)
	if problem != "" {
		http.Error(w, "sign-in request refused: "+problem, http.StatusBadRequest)
		return
	}
	u, err := p.EnsureUser(r.PostForm.Get("email"), r.PostForm.Get("name"))
	if err != nil {
		form := newUser{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Error: err.Error()}
		var ee *EmailError
		var ne *NameError
		switch {
		case errors.As(err, &ee):
			form.Error = "E-mail: " + ee.Reason + "."
		case errors.As(err, &ne):
			form.Error = "Name: " + ne.Reason + "."
		}
		p.render(w, http.StatusUnprocessableEntity, a, form)
		return
	}
	code := randomToken()
	p.mu.Lock()
	now := p.now()
	for c, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, c)
		}
	}
	p.codes[code] = grant{email: u.Email, clientID: a.ClientID, redirectURI: a.RedirectURI, challenge: a.Challenge,
		nonce: a.Nonce, expires: now.Add(CodeTTL)}
	p.mu.Unlock()
	target, _ := url.Parse(a.RedirectURI)
	q := target.Query()
	q.Set("code", code)
	if a.State != "" {
		q.Set("state", a.State)
	}
	target.RawQuery = q.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	// another body (JSON, say) parsed as an empty form and was refused as an unknown client
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request",
			fmt.Sprintf("the body must be application/x-www-form-urlencoded, not %q", r.Header.Get("Content-Type")))
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	switch id := f.Get("client_id"); {
	case id == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return
	case id != p.clientID:
		oauthError(w, http.StatusUnauthorized, "invalid_client", fmt.Sprintf("unknown client_id %q", shorten(id)))
		return
	}
	var email, nonce string
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		p.mu.Lock()
		g, ok := p.codes[code]
		delete(p.codes, code) // a code is used once, whatever happens next
		p.mu.Unlock()
		switch {
		case !ok || p.now().After(g.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the authorization code is unknown, used or expired")
			return
		case g.redirectURI != f.Get("redirect_uri") || g.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri or client_id differ from the authorization request")
			return
		case f.Get("code_verifier") == "" || S256(f.Get("code_verifier")) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
		email, nonce = g.email, g.nonce
	case "refresh_token":
		u, problem := p.refreshUser(f.Get("refresh_token"), f.Get("client_id"))
		if problem != "" {
			oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
			return
		}
		email = u.Email
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	p.mu.Lock()
	u, ok := p.users[email]
	p.mu.Unlock()
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the user no longer exists")
		return
	}
	toks, err := p.Issue(u, nonce)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	if f.Get("grant_type") == "refresh_token" {
		toks.RefreshToken = "" // Cognito does not rotate refresh tokens
	}
	writeJSON(w, http.StatusOK, toks)
}

func (p *Provider) userInfo(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := p.parse(tok)
	if err == nil && claims["token_use"] == "refresh" {
		err = errors.New("a refresh token is not an access token")
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": claims["sub"], "email": claims["email"],
		"email_verified": claims["email_verified"], "name": claims["name"]})
}

// parse verifies one of this provider's tokens.
func (p *Provider) parse(tok string) (map[string]any, error) {
	payload, err := jws.Verify([]byte(tok), jws.WithKey(jwaRS256, &p.key.PublicKey))
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	if exp, _ := claims["exp"].(float64); int64(exp) < p.now().Unix() {
		return nil, errExpired
	}
	return claims, nil
}

func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("logout_uri")
	if to == "" {
		to = r.URL.Query().Get("post_logout_redirect_uri")
	}
	u, err := url.Parse(to)
	if to == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || !onThisMachine(u) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Signed out.\n"))
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}
