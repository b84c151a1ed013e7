package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"polysynergy/shared/auth"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const (
	testIssuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"
	testAudience = "app-client-1"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// signingKey is an RSA private key with the kid it is published under.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newSigningKey(t testing.TB, kid string) signingKey {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	return signingKey{kid: kid, priv: priv}
}

// publicSet returns the JWKS publishing keys' public halves.
func publicSet(t testing.TB, keys ...signingKey) jwk.Set {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := jwk.Import(&k.priv.PublicKey)
		if err != nil {
			t.Fatalf("import public key: %v", err)
		}
		if err := pub.Set(jwk.KeyIDKey, k.kid); err != nil {
			t.Fatalf("set kid: %v", err)
		}
		if err := pub.Set(jwk.AlgorithmKey, jwa.RS256()); err != nil {
			t.Fatalf("set alg: %v", err)
		}
		if err := pub.Set(jwk.KeyUsageKey, "sig"); err != nil {
			t.Fatalf("set use: %v", err)
		}
		if err := set.AddKey(pub); err != nil {
			t.Fatalf("add key: %v", err)
		}
	}
	return set
}

// signRaw signs payload with alg and key, putting kid (if not empty) in the
// protected header.
func signRaw(t testing.TB, payload []byte, alg jwa.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	hdr := jws.NewHeaders()
	if kid != "" {
		if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
			t.Fatalf("set kid header: %v", err)
		}
	}
	tok, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return string(tok)
}

func signClaims(t testing.TB, k signingKey, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("marshal claims: %v", err)
	}
	return signRaw(t, payload, jwa.RS256(), k.priv, k.kid)
}

// idClaims are the claims of a Cognito ID token valid at now.
func idClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub":              "0b6e5f1a-1111-2222-3333-444455556666",
		"email":            "ada@example.com",
		"email_verified":   true,
		"name":             "Ada Lovelace",
		"cognito:username": "ada",
		"iss":              testIssuer,
		"aud":              testAudience,
		"token_use":        "id",
		"auth_time":        now.Add(-time.Minute).Unix(),
		"iat":              now.Add(-time.Minute).Unix(),
		"exp":              now.Add(time.Hour).Unix(),
	}
}

// accessClaims are the claims of a Cognito access token valid at now.
func accessClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub":       "0b6e5f1a-1111-2222-3333-444455556666",
		"iss":       testIssuer,
		"client_id": testAudience,
		"token_use": "access",
		"scope":     "openid email",
		"username":  "ada",
		"iat":       now.Add(-time.Minute).Unix(),
		"exp":       now.Add(time.Hour).Unix(),
	}
}

func with(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jwksServer serves a JWKS that tests can swap or make fail, counting hits.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
	hits   atomic.Int64
}

func newJWKSServer(t testing.TB, set jwk.Set) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, set)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, set jwk.Set) {
	t.Helper()
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}
	s.setBody(http.StatusOK, body)
}

func (s *jwksServer) setBody(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) url() string { return s.URL + "/.well-known/jwks.json" }

func testConfig(jwksURL string, clock *fakeClock) Config {
	return Config{
		Issuer:   testIssuer,
		Audience: testAudience,
		JWKSURL:  jwksURL,
		Now:      clock.Now,
		Logger:   discard,
	}
}

func TestVerifyAccepts(t *testing.T) {
	ctx := context.Background()
	key := newSigningKey(t, "k1")
	srv := newJWKSServer(t, publicSet(t, key))
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	v, err := NewVerifier(ctx, testConfig(srv.url(), clock))
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	now := clock.Now()

	tests := []struct {
		name   string
		claims map[string]any
		want   auth.Identity
	}{
		{
			name:   "cognito ID token",
			claims: idClaims(now),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "cognito access token with client_id and no aud",
			claims: accessClaims(now),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Name: "ada"},
		},
		{
			name:   "aud list containing the audience",
			claims: with(idClaims(now), map[string]any{"aud": []string{"other", testAudience}}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "name falls back to cognito:username",
			claims: with(idClaims(now), map[string]any{"name": nil}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "ada"},
		},
		{
			name:   "no token_use (dev identity provider)",
			claims: with(idClaims(now), map[string]any{"token_use": nil}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "expired but within skew",
			claims: with(idClaims(now), map[string]any{"exp": now.Add(-20 * time.Second).Unix()}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "nbf and iat slightly ahead, within skew",
			claims: with(idClaims(now), map[string]any{"nbf": now.Add(20 * time.Second).Unix(), "iat": now.Add(20 * time.Second).Unix()}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
		{
			name:   "e-mail address not verified (a boolean false)",
			claims: with(idClaims(now), map[string]any{"email_verified": false}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", Name: "Ada Lovelace"},
		},
		{
			name:   "fractional exp",
			claims: with(idClaims(now), map[string]any{"exp": float64(now.Add(time.Hour).Unix()) + 0.5}),
			want:   auth.Identity{Subject: "0b6e5f1a-1111-2222-3333-444455556666", Email: "ada@example.com", EmailVerified: true, Name: "Ada Lovelace"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, claims, err := v.Verify(ctx, signClaims(t, key, tt.claims))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id != tt.want {
				t.Errorf("identity = %+v, want %+v", id, tt.want)
			}
			if claims["sub"] != tt.want.Subject || claims["iss"] != testIssuer {
				t.Errorf("claims sub/iss = %v/%v, want %s/%s", claims["sub"], claims["iss"], tt.want.Subject, testIssuer)
			}
		})
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (cached)", got)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	key := newSigningKey(t, "k1")
	impostor := newSigningKey(t, "k1") // same kid, different key
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	now := clock.Now()
	cfg := testConfig("", clock)
	v, err := NewVerifierFromKeySet(publicSet(t, key), cfg)
	if err != nil {
		t.Fatalf("NewVerifierFromKeySet: %v", err)
	}

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	valid := signClaims(t, key, idClaims(now))
	parts := strings.Split(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	idJSON, _ := json.Marshal(idClaims(now))
	tamperedPayload := parts[0] + "." + b64([]byte(strings.Replace(string(idJSON), "Ada", "Eve", 1))) + "." + parts[2]
	sig := []byte(parts[2])
	// Swap one signature character for another base64url character (not the
	// last one, whose low bits may be padding): a different signature.
	if sig[10] == 'A' {
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}
	flippedSig := parts[0] + "." + parts[1] + "." + string(sig)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", auth.ErrMalformed},
		{"one part", "abc", auth.ErrMalformed},
		{"two parts", "abc.def", auth.ErrMalformed},
		{"four parts", valid + ".x", auth.ErrMalformed},
		{"empty signature part", parts[0] + "." + parts[1] + ".", auth.ErrMalformed},
		{"non-base64url characters", parts[0] + "." + parts[1] + "+/." + parts[2], auth.ErrMalformed},
		{"bearer prefix left on", "Bearer " + valid, auth.ErrMalformed},
		{"too long", valid + strings.Repeat("A", MaxTokenBytes), auth.ErrMalformed},
		{"header not JSON", b64([]byte("not json")) + "." + parts[1] + "." + parts[2], auth.ErrMalformed},
		{"payload not a JSON object", signRaw(t, []byte(`["a"]`), jwa.RS256(), key.priv, "k1"), auth.ErrMalformed},
		{"payload not JSON", signRaw(t, []byte(`hello`), jwa.RS256(), key.priv, "k1"), auth.ErrMalformed},
		{"missing kid", signRaw(t, idJSON, jwa.RS256(), key.priv, ""), auth.ErrMalformed},
		{"alg none", b64([]byte(`{"alg":"none","kid":"k1"}`)) + "." + parts[1] + ".AAAA", auth.ErrUnsupportedAlgorithm},
		{"alg HS256", signRaw(t, idJSON, jwa.HS256(), []byte("a-shared-secret-of-thirty-two-b!"), "k1"), auth.ErrUnsupportedAlgorithm},
		{"alg ES256", signRaw(t, idJSON, jwa.ES256(), ecKey, "k1"), auth.ErrUnsupportedAlgorithm},
		{"alg PS256 with the right RSA key", signRaw(t, idJSON, jwa.PS256(), key.priv, "k1"), auth.ErrUnsupportedAlgorithm},
		{"unknown kid", signRaw(t, idJSON, jwa.RS256(), key.priv, "k2"), auth.ErrUnknownKey},
		{"signed by another key under the same kid", signClaims(t, impostor, idClaims(now)), auth.ErrBadSignature},
		{"payload changed after signing", tamperedPayload, auth.ErrBadSignature},
		{"signature bit flipped", flippedSig, auth.ErrBadSignature},
		{"expired", signClaims(t, key, with(idClaims(now), map[string]any{"exp": now.Add(-time.Minute).Unix()})), auth.ErrExpired},
		{"missing exp", signClaims(t, key, with(idClaims(now), map[string]any{"exp": nil})), auth.ErrMalformed},
		{"exp as string", signClaims(t, key, with(idClaims(now), map[string]any{"exp": "tomorrow"})), auth.ErrMalformed},
		{"exp absurdly large", signClaims(t, key, with(idClaims(now), map[string]any{"exp": 1e300})), auth.ErrMalformed},
		{"exp negative", signClaims(t, key, with(idClaims(now), map[string]any{"exp": -1})), auth.ErrMalformed},
		{"nbf in the future", signClaims(t, key, with(idClaims(now), map[string]any{"nbf": now.Add(time.Minute).Unix()})), auth.ErrNotYetValid},
		{"iat in the future", signClaims(t, key, with(idClaims(now), map[string]any{"iat": now.Add(time.Hour).Unix()})), auth.ErrNotYetValid},
		{"wrong issuer", signClaims(t, key, with(idClaims(now), map[string]any{"iss": "https://evil.example"})), auth.ErrWrongIssuer},
		{"missing issuer", signClaims(t, key, with(idClaims(now), map[string]any{"iss": nil})), auth.ErrWrongIssuer},
		{"issuer not a string", signClaims(t, key, with(idClaims(now), map[string]any{"iss": 7})), auth.ErrWrongIssuer},
		{"wrong aud", signClaims(t, key, with(idClaims(now), map[string]any{"aud": "other-client"})), auth.ErrWrongAudience},
		{"aud list without the audience", signClaims(t, key, with(idClaims(now), map[string]any{"aud": []string{"a", "b"}})), auth.ErrWrongAudience},
		{"no aud and no client_id", signClaims(t, key, with(idClaims(now), map[string]any{"aud": nil})), auth.ErrWrongAudience},
		{"access token for another client", signClaims(t, key, with(accessClaims(now), map[string]any{"client_id": "other-client"})), auth.ErrWrongAudience},
		{"aud as a number", signClaims(t, key, with(idClaims(now), map[string]any{"aud": 5})), auth.ErrMalformed},
		{"aud list with a number", signClaims(t, key, with(idClaims(now), map[string]any{"aud": []any{"x", 5}})), auth.ErrMalformed},
		{"refresh token_use", signClaims(t, key, with(idClaims(now), map[string]any{"token_use": "refresh"})), auth.ErrWrongTokenUse},
		{"token_use not a string", signClaims(t, key, with(idClaims(now), map[string]any{"token_use": true})), auth.ErrWrongTokenUse},
		{"missing sub", signClaims(t, key, with(idClaims(now), map[string]any{"sub": nil})), auth.ErrMalformed},
		{"blank sub", signClaims(t, key, with(idClaims(now), map[string]any{"sub": "  "})), auth.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, claims, err := v.Verify(ctx, tt.token)
			if err == nil {
				t.Fatalf("Verify succeeded with identity %+v, want %v", id, tt.want)
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %q", err, tt.want)
			}
			if !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("error %q does not wrap auth.ErrUnauthorized", err)
			}
			if id != (auth.Identity{}) || claims != nil {
				t.Errorf("got identity %+v and claims %v alongside an error", id, claims)
			}
		})
	}

	// The untouched token verifies, so the failures above are down to the changes.
	if _, _, err := v.Verify(ctx, valid); err != nil {
		t.Fatalf("valid token: %v", err)
	}
}

func TestVerifyErrorClassesAreDistinct(t *testing.T) {
	classes := []error{auth.ErrMalformed, auth.ErrUnsupportedAlgorithm, auth.ErrUnknownKey, auth.ErrBadSignature,
		auth.ErrExpired, auth.ErrNotYetValid, auth.ErrWrongIssuer, auth.ErrWrongAudience, auth.ErrWrongTokenUse}
	for i, a := range classes {
		if !errors.Is(a, auth.ErrUnauthorized) {
			t.Errorf("%v does not wrap auth.ErrUnauthorized", a)
		}
		for j, b := range classes {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
	if errors.Is(auth.ErrForbidden, auth.ErrUnauthorized) {
		t.Error("auth.ErrForbidden must not match auth.ErrUnauthorized")
	}
}

// refreshLimited returns a verifier of the JWKS holding key, refetched at most once a
// minute, with its JWKS server and clock.
func refreshLimited(t *testing.T, key signingKey) (*Verifier, *jwksServer, *fakeClock) {
	t.Helper()
	srv := newJWKSServer(t, publicSet(t, key))
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	cfg := testConfig(srv.url(), clock)
	cfg.MinRefreshInterval = time.Minute
	v, err := NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v, srv, clock
}

func TestVerifyRefreshesOnUnknownKidRateLimited(t *testing.T) {
	ctx := context.Background()
	k1 := newSigningKey(t, "k1")
	k2 := newSigningKey(t, "k2")
	v, srv, clock := refreshLimited(t, k1)
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("hits after NewVerifier = %d, want 1", got)
	}

	// The provider rotates in k2. A token signed with it is verified after one
	// refetch — once the rate limit allows one.
	srv.setKeys(t, publicSet(t, k1, k2))
	tok2 := signClaims(t, k2, idClaims(clock.Now()))
	clock.Advance(time.Minute)
	if _, _, err := v.Verify(ctx, tok2); err != nil {
		t.Fatalf("token with rotated-in kid: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("hits after rotated kid = %d, want 2", got)
	}

	// Made-up kids cause at most one fetch per MinRefreshInterval.
	for i, kid := range []string{"nope-1", "nope-2", "nope-3"} {
		tok := signClaims(t, signingKey{kid: kid, priv: k1.priv}, idClaims(clock.Now()))
		clock.Advance(time.Minute)
		_, _, err := v.Verify(ctx, tok)
		if !errors.Is(err, auth.ErrUnknownKey) {
			t.Fatalf("kid %s: error %v, want auth.ErrUnknownKey", kid, err)
		}
		if got, want := srv.hits.Load(), int64(3+i); got != want {
			t.Fatalf("kid %s: hits = %d, want %d", kid, got, want)
		}
		// Immediately again: rate limited, no fetch.
		if _, _, err := v.Verify(ctx, tok); !errors.Is(err, auth.ErrUnknownKey) {
			t.Fatalf("kid %s again: error %v, want auth.ErrUnknownKey", kid, err)
		}
		if got, want := srv.hits.Load(), int64(3+i); got != want {
			t.Fatalf("kid %s again: hits = %d, want %d (rate limited)", kid, got, want)
		}
	}

	// Known kids never cause a fetch while the cache is fresh.
	before := srv.hits.Load()
	for range 5 {
		if _, _, err := v.Verify(ctx, signClaims(t, k1, idClaims(clock.Now()))); err != nil {
			t.Fatalf("k1 token: %v", err)
		}
	}
	if got := srv.hits.Load(); got != before {
		t.Errorf("known kid caused %d fetches", got-before)
	}
}

func TestVerifyConcurrentUnknownKidFetchesOnce(t *testing.T) {
	ctx := context.Background()
	k1 := newSigningKey(t, "k1")
	v, srv, clock := refreshLimited(t, k1)
	clock.Advance(2 * time.Minute)
	tok := signClaims(t, signingKey{kid: "unknown", priv: k1.priv}, idClaims(clock.Now()))
	var wg sync.WaitGroup
	var unknown atomic.Int64
	for range 32 {
		wg.Go(func() {
			if _, _, err := v.Verify(ctx, tok); errors.Is(err, auth.ErrUnknownKey) {
				unknown.Add(1)
			}
		})
	}
	wg.Wait()
	if got := unknown.Load(); got != 32 {
		t.Errorf("%d of 32 verifications failed with auth.ErrUnknownKey, want all", got)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("hits = %d, want 2 (initial + one refresh)", got)
	}
}

func TestVerifyCacheTTLAndFailedRefresh(t *testing.T) {
	ctx := context.Background()
	k1 := newSigningKey(t, "k1")
	srv := newJWKSServer(t, publicSet(t, k1))
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	cfg := testConfig(srv.url(), clock)
	cfg.CacheTTL = 10 * time.Minute
	cfg.MinRefreshInterval = time.Minute
	v, err := NewVerifier(ctx, cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}

	clock.Advance(9 * time.Minute)
	if _, _, err := v.Verify(ctx, signClaims(t, k1, idClaims(clock.Now()))); err != nil {
		t.Fatalf("before TTL: %v", err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("hits before TTL = %d, want 1", got)
	}

	// Past the TTL the keys are fetched again; when that fails the cached
	// keys keep working.
	srv.setBody(http.StatusInternalServerError, []byte("down"))
	clock.Advance(2 * time.Minute)
	if _, _, err := v.Verify(ctx, signClaims(t, k1, idClaims(clock.Now()))); err != nil {
		t.Fatalf("after TTL with JWKS down: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("hits after TTL = %d, want 2", got)
	}
	// Failed refreshes are rate limited too.
	if _, _, err := v.Verify(ctx, signClaims(t, k1, idClaims(clock.Now()))); err != nil {
		t.Fatalf("again with JWKS down: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("hits right after a failed refresh = %d, want 2", got)
	}

	// Once the provider is back and k1 is rotated out, the next refresh drops it.
	k2 := newSigningKey(t, "k2")
	srv.setKeys(t, publicSet(t, k2))
	clock.Advance(time.Minute)
	_, _, err = v.Verify(ctx, signClaims(t, k1, idClaims(clock.Now())))
	if !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("rotated-out key: error %v, want auth.ErrUnknownKey", err)
	}
	if _, _, err := v.Verify(ctx, signClaims(t, k2, idClaims(clock.Now()))); err != nil {
		t.Fatalf("rotated-in key: %v", err)
	}
}

func TestVerifyHonoursContext(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	v, err := NewVerifierFromKeySet(publicSet(t, k1), Config{Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatalf("NewVerifierFromKeySet: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = v.Verify(ctx, signClaims(t, k1, idClaims(time.Now())))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("a cancelled context is not an authentication failure: %v", err)
	}
}

func TestNewVerifierRejects(t *testing.T) {
	ctx := context.Background()
	k1 := newSigningKey(t, "k1")
	good := newJWKSServer(t, publicSet(t, k1))
	notJSON := newJWKSServer(t, publicSet(t, k1))
	notJSON.setBody(http.StatusOK, []byte("<html>"))
	failing := newJWKSServer(t, publicSet(t, k1))
	failing.setBody(http.StatusServiceUnavailable, nil)

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate EC key: %v", err)
	}
	unusable := jwk.NewSet()
	for kid, raw := range map[string]any{"ec": &ec.PublicKey, "hmac": []byte("a-shared-secret-of-thirty-two-b!")} {
		k, err := jwk.Import(raw)
		if err != nil {
			t.Fatalf("import %s: %v", kid, err)
		}
		_ = k.Set(jwk.KeyIDKey, kid)
		_ = unusable.AddKey(k)
	}
	unusableSrv := newJWKSServer(t, unusable)

	tests := []struct {
		name    string
		mutate  func(*Config)
		wantSub string
	}{
		{"no issuer", func(c *Config) { c.Issuer = "" }, "Issuer"},
		{"no audience", func(c *Config) { c.Audience = " " }, "Audience"},
		{"no JWKS URL", func(c *Config) { c.JWKSURL = "" }, "JWKSURL"},
		{"relative JWKS URL", func(c *Config) { c.JWKSURL = "/jwks.json" }, "JWKSURL"},
		{"ftp JWKS URL", func(c *Config) { c.JWKSURL = "ftp://example.com/jwks.json" }, "JWKSURL"},
		{"negative skew", func(c *Config) { c.Skew = -time.Second }, "Skew"},
		{"negative TTL", func(c *Config) { c.CacheTTL = -time.Second }, "CacheTTL"},
		{"JWKS not JSON", func(c *Config) { c.JWKSURL = notJSON.url() }, "parse"},
		{"JWKS HTTP 503", func(c *Config) { c.JWKSURL = failing.url() }, "status 503"},
		{"JWKS 404", func(c *Config) { c.JWKSURL = good.URL + "/missing" }, "status 404"},
		{"JWKS without usable keys", func(c *Config) { c.JWKSURL = unusableSrv.url() }, "no usable RS256 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: good.url(), Logger: discard}
			tt.mutate(&cfg)
			v, err := NewVerifier(ctx, cfg)
			if err == nil {
				t.Fatalf("NewVerifier succeeded (%v), want error mentioning %q", v, tt.wantSub)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not mention %q", err, tt.wantSub)
			}
		})
	}
}

func TestNewVerifierFromKeySet(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	cfg := Config{Issuer: testIssuer, Audience: testAudience, Logger: discard}

	// A set holding private keys verifies with their public halves.
	privSet := jwk.NewSet()
	pk, err := jwk.Import(k1.priv)
	if err != nil {
		t.Fatalf("import private key: %v", err)
	}
	_ = pk.Set(jwk.KeyIDKey, "k1")
	_ = privSet.AddKey(pk)
	v, err := NewVerifierFromKeySet(privSet, cfg)
	if err != nil {
		t.Fatalf("NewVerifierFromKeySet(private): %v", err)
	}
	id, _, err := v.Verify(context.Background(), signClaims(t, k1, idClaims(time.Now())))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if id.Email != "ada@example.com" {
		t.Errorf("email = %q, want ada@example.com", id.Email)
	}

	noKid := jwk.NewSet()
	pub, _ := jwk.Import(&k1.priv.PublicKey)
	_ = noKid.AddKey(pub)
	wrongAlg := publicSet(t, k1)
	k, _ := wrongAlg.Key(0)
	_ = k.Set(jwk.AlgorithmKey, jwa.RS512())
	encKey := publicSet(t, k1)
	k, _ = encKey.Key(0)
	_ = k.Set(jwk.KeyUsageKey, "enc")

	for name, set := range map[string]jwk.Set{
		"nil set":       nil,
		"empty set":     jwk.NewSet(),
		"key no kid":    noKid,
		"key alg RS512": wrongAlg,
		"key use enc":   encKey,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewVerifierFromKeySet(set, cfg); err == nil {
				t.Fatal("NewVerifierFromKeySet succeeded, want error")
			} else if !strings.Contains(err.Error(), "key set") {
				t.Errorf("error %q does not say it is about the key set", err)
			}
		})
	}
}
