package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	authtoken "polysynergy/shared/auth/token"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store/storetest"
)

const (
	testIssuer   = "https://issuer.test/pool"
	testAudience = "polysynergy-editor"
	testKid      = "test-key-1"
)

// signingKey is generated once per test binary (RSA generation is slow).
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// env is an API handler on an embedded DynamoDB with a JWKS server.
type env struct {
	t     testing.TB
	db    *storetest.Env
	h     *Handler
	box   *secrets.Box
	clock time.Time
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts everything a handler test needs.
func newEnv(t testing.TB) *env {
	t.Helper()
	db := storetest.Start(t)
	jwks := jwksServer(t)
	v, err := authtoken.NewVerifier(context.Background(), authtoken.Config{Issuer: testIssuer, Audience: testAudience,
		JWKSURL: jwks.URL, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	mk := make([]byte, 32)
	if _, err := rand.Read(mk); err != nil {
		t.Fatal(err)
	}
	w, err := secrets.NewLocalWrapper(mk)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(w)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, box: box, clock: time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)}
	h, err := New(Config{Store: db.Store, Box: box, Authenticator: BearerAuthenticator{Verifier: v},
		Logger: quietLogger(), Now: func() time.Time { return e.clock }})
	if err != nil {
		t.Fatalf("new handler: %v", err)
	}
	e.h = h
	return e
}

// jwksServer publishes the signing key's public half.
func jwksServer(t testing.TB) *httptest.Server {
	t.Helper()
	pub, err := jwk.Import(&signingKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{jwk.KeyIDKey: testKid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
		if err := pub.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// token signs an ID token for sub.
func token(t testing.TB, sub, email, name string) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{"iss": testIssuer, "aud": testAudience, "sub": sub, "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if email != "" {
		claims["email"] = email
	}
	if name != "" {
		claims["name"] = name
	}
	return signClaims(t, claims)
}

// signClaims signs claims as the test issuer's ID token.
func signClaims(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, testKid); err != nil {
		t.Fatal(err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), signingKey(), jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// user is a signed-in test user.
type user struct {
	sub, email, token string
	tenant            string // personal tenant
}

// signIn creates a user by calling GET /me.
func (e *env) signIn(name string) user {
	e.t.Helper()
	u := user{sub: "sub-" + name, email: name + "@example.com"}
	u.token = token(e.t, u.sub, u.email, strings.ToUpper(name[:1])+name[1:])
	var me Me
	e.do(http.MethodGet, "/me", u.token, nil).ok(&me)
	if len(me.Memberships) == 0 {
		e.t.Fatalf("sign in %s: no memberships", name)
	}
	u.tenant = me.Memberships[0].Tenant
	return u
}

// response is a recorded answer.
type response struct {
	t      testing.TB
	method string
	path   string
	Status int
	Header http.Header
	Body   []byte
}

// do calls the handler in-process. body may be nil, a string (sent raw)
// or a value encoded as JSON. path is below /api/v1 unless it starts with
// "/api/".
func (e *env) do(method, path, tok string, body any) *response {
	e.t.Helper()
	return e.doHeaders(method, path, tok, body, nil)
}

func (e *env) doHeaders(method, path, tok string, body any, hdr map[string]string) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	if !strings.HasPrefix(path, "/api/") {
		path = Prefix + path
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return &response{t: e.t, method: method, path: path, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.method, r.path, r.Status, r.Body)
}

// ok requires a 2xx answer and decodes it into v (when not nil).
func (r *response) ok(v any) *response {
	r.t.Helper()
	if r.Status < 200 || r.Status > 299 {
		r.t.Fatalf("want success: %s", r)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			r.t.Fatalf("decode %s: %v", r, err)
		}
	}
	return r
}

// status requires the status code.
func (r *response) status(want int) *response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("want %d: %s", want, r)
	}
	return r
}

// problem requires a problem+json answer with the status and returns it.
func (r *response) problem(want int) Problem {
	r.t.Helper()
	r.status(want)
	if ct := r.Header.Get("Content-Type"); ct != ProblemContentType {
		r.t.Fatalf("content type %q, want %q: %s", ct, ProblemContentType, r)
	}
	var p Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		r.t.Fatalf("decode problem %s: %v", r, err)
	}
	if p.Type == "" || p.Title == "" || p.Status != want || p.Detail == "" {
		r.t.Fatalf("incomplete problem %+v: %s", p, r)
	}
	return p
}

// hasField reports whether the problem names location.
func (p Problem) hasField(location string) bool {
	for _, e := range p.Errors {
		if e.Location == location {
			return true
		}
	}
	return false
}

// wantFields fails unless the problem names every location.
func wantFields(t testing.TB, p Problem, locations ...string) {
	t.Helper()
	for _, l := range locations {
		if !p.hasField(l) {
			t.Errorf("problem does not name %s: %+v", l, p.Errors)
		}
	}
}
