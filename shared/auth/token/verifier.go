// Package token verifies the identity provider's JWTs against its JWKS, as API
// Gateway's JWT authorizer does: the WebSocket function checks the $connect token
// with it, and the local cloud every request. It is apart from auth so that the
// functions API Gateway authorizes do not link the JOSE library.
package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"polysynergy/shared/auth"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Defaults for the zero values of Config's optional fields.
const (
	DefaultCacheTTL           = time.Hour
	DefaultMinRefreshInterval = 30 * time.Second
	DefaultSkew               = 30 * time.Second
	DefaultHTTPTimeout        = 10 * time.Second
)

// MaxTokenBytes is the longest token Verify looks at; longer ones are malformed.
const MaxTokenBytes = 16 << 10

// maxTime bounds numeric date claims (seconds since the epoch, year ~33658) so
// absurd values are rejected as malformed rather than overflowing.
const maxTime = 1e12

// Config configures a Verifier.
type Config struct {
	// Issuer is the required `iss` claim, e.g.
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf.
	Issuer string
	// Audience is the app client id: the token's `aud` (ID tokens) or
	// `client_id` (Cognito access tokens) must equal it.
	Audience string
	// JWKSURL is where NewVerifier fetches the signing keys
	// (for Cognito, Issuer + "/.well-known/jwks.json"). http and https only.
	JWKSURL string
	// HTTPClient fetches the JWKS; nil means a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	// CacheTTL is how long a fetched JWKS is used before it is fetched again;
	// 0 means DefaultCacheTTL.
	CacheTTL time.Duration
	// MinRefreshInterval is the least time between two JWKS fetches, including
	// those caused by an unknown kid; 0 means DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// Skew is the clock skew allowed on exp, nbf and iat; 0 means DefaultSkew.
	Skew time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives JWKS refresh failures; nil means slog.Default().
	Logger *slog.Logger
}

// Verifier verifies RS256 JWTs (Cognito ID and access tokens, or the local dev
// identity provider's) against a JWKS, an issuer and an audience. It is safe
// for concurrent use.
type Verifier struct {
	issuer   string
	audience string
	skew     time.Duration
	now      func() time.Time
	keys     *keySource
}

// NewVerifier validates cfg, fetches the JWKS at cfg.JWKSURL once (failing if
// it cannot), and returns a Verifier that keeps the keys fresh.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if cfg.JWKSURL == "" {
		return nil, errors.New("new verifier: JWKSURL: must not be empty")
	}
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("new verifier: JWKSURL %q: must be an absolute http or https URL", cfg.JWKSURL)
	}
	v, err := newVerifier(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.CacheTTL < 0 || cfg.MinRefreshInterval < 0 {
		return nil, errors.New("new verifier: CacheTTL and MinRefreshInterval: must not be negative")
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	v.keys = &keySource{
		url:        cfg.JWKSURL,
		client:     client,
		ttl:        orDefault(cfg.CacheTTL, DefaultCacheTTL),
		minRefresh: orDefault(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		now:        v.now,
		logger:     logger,
		refreshing: make(chan struct{}, 1),
	}
	v.keys.refreshing <- struct{}{}
	err = v.keys.fetch(ctx)
	<-v.keys.refreshing
	if err != nil {
		return nil, fmt.Errorf("new verifier: %w", err)
	}
	return v, nil
}

// NewVerifierFromKeySet returns a Verifier that checks signatures against the
// fixed key set (public or private RSA keys with a kid); it never fetches, so
// cfg's JWKSURL, HTTPClient, CacheTTL and MinRefreshInterval are ignored.
// For in-process identity providers and tests.
func NewVerifierFromKeySet(set jwk.Set, cfg Config) (*Verifier, error) {
	v, err := newVerifier(cfg)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	keys, err := rsaKeys(set, logger)
	if err != nil {
		return nil, fmt.Errorf("new verifier: key set: %w", err)
	}
	v.keys = &keySource{static: true, keys: keys, now: v.now, logger: logger}
	return v, nil
}

func newVerifier(cfg Config) (*Verifier, error) {
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, errors.New("new verifier: Issuer: must not be empty")
	}
	if strings.TrimSpace(cfg.Audience) == "" {
		return nil, errors.New("new verifier: Audience: must not be empty")
	}
	if cfg.Skew < 0 {
		return nil, fmt.Errorf("new verifier: Skew %s: must not be negative", cfg.Skew)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		skew:     orDefault(cfg.Skew, DefaultSkew),
		now:      now,
	}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Verify checks token — a compact JWS — and returns the identity and all
// claims it carries. It requires: alg RS256 and a kid naming a key of the
// JWKS; a valid signature; `iss` equal to the issuer; `aud` (a string or a
// list) or `client_id` equal to the audience; `exp` not passed and `nbf`/`iat`
// not in the future, each with the configured skew; `token_use`, if present,
// "id" or "access"; and a non-empty `sub`. Every rejection wraps
// auth.ErrUnauthorized and one of the more specific Err* classes.
func (v *Verifier) Verify(ctx context.Context, token string) (auth.Identity, map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	raw := []byte(token)
	if err := checkShape(raw); err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	msg, err := jws.Parse(raw, jws.WithCompact())
	if err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: %v", auth.ErrMalformed, err)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 || sigs[0].ProtectedHeaders() == nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: want exactly one signature with a protected header", auth.ErrMalformed)
	}
	hdr := sigs[0].ProtectedHeaders()
	alg, ok := hdr.Algorithm()
	if !ok {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: header \"alg\" is missing", auth.ErrMalformed)
	}
	if alg.String() != jwa.RS256().String() {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: header \"alg\" is %q, only RS256 is accepted", auth.ErrUnsupportedAlgorithm, alg.String())
	}
	kid, _ := hdr.KeyID()
	if kid == "" {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: header \"kid\" is missing", auth.ErrMalformed)
	}
	pub, err := v.keys.key(ctx, kid)
	if err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	payload, err := jws.VerifyCompactFast(pub, raw, jwa.RS256())
	if err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w: %v", auth.ErrBadSignature, err)
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	if err := v.checkClaims(claims); err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	id, err := auth.IdentityFromClaims(func(name string) string {
		switch v := claims[name].(type) {
		case string:
			return v
		case bool:
			if name == "email_verified" { // a boolean in ID tokens, "true"/"false" in API Gateway's claims
				return strconv.FormatBool(v)
			}
		}
		return ""
	})
	if err != nil {
		return auth.Identity{}, nil, fmt.Errorf("verify token: %w", err)
	}
	return id, claims, nil
}

// checkShape rejects what is obviously not a compact JWS before any parsing.
func checkShape(raw []byte) error {
	switch {
	case len(raw) == 0:
		return fmt.Errorf("%w: token is empty", auth.ErrMalformed)
	case len(raw) > MaxTokenBytes:
		return fmt.Errorf("%w: token is %d bytes, more than %d", auth.ErrMalformed, len(raw), MaxTokenBytes)
	case bytes.Count(raw, []byte{'.'}) != 2:
		return fmt.Errorf("%w: want three dot-separated parts", auth.ErrMalformed)
	}
	for _, part := range bytes.Split(raw, []byte{'.'}) {
		if len(part) == 0 {
			return fmt.Errorf("%w: empty part", auth.ErrMalformed)
		}
		for _, c := range part {
			if !isBase64URL(c) {
				return fmt.Errorf("%w: character %q outside base64url", auth.ErrMalformed, c)
			}
		}
	}
	return nil
}

func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func decodeClaims(payload []byte) (map[string]any, error) {
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object: %v", auth.ErrMalformed, err)
	}
	if claims == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", auth.ErrMalformed)
	}
	return claims, nil
}

func (v *Verifier) checkClaims(claims map[string]any) error {
	iss, ok := claims["iss"].(string)
	if !ok {
		return fmt.Errorf("%w: claim \"iss\" is missing or not a string", auth.ErrWrongIssuer)
	}
	if iss != v.issuer {
		return fmt.Errorf("%w: claim \"iss\" is %q, want %q", auth.ErrWrongIssuer, iss, v.issuer)
	}

	now := v.now()
	exp, ok, err := numericDate(claims, "exp")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: claim \"exp\" is missing", auth.ErrMalformed)
	}
	if now.After(exp.Add(v.skew)) {
		return fmt.Errorf("%w: claim \"exp\" is %s, now is %s", auth.ErrExpired, exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	for _, name := range []string{"nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return err
		}
		if ok && t.After(now.Add(v.skew)) {
			return fmt.Errorf("%w: claim %q is %s, now is %s", auth.ErrNotYetValid, name, t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}

	if err := v.checkAudience(claims); err != nil {
		return err
	}

	if raw, present := claims["token_use"]; present {
		use, _ := raw.(string)
		if use != "id" && use != "access" {
			return fmt.Errorf("%w: claim \"token_use\" is %v, want \"id\" or \"access\"", auth.ErrWrongTokenUse, raw)
		}
	}
	return nil
}

// checkAudience accepts the token when `aud` (a string or a list of strings)
// contains the audience, or when `client_id` (Cognito access tokens) equals it.
func (v *Verifier) checkAudience(claims map[string]any) error {
	var seen []string
	switch aud := claims["aud"].(type) {
	case string:
		if aud == v.audience {
			return nil
		}
		seen = append(seen, aud)
	case []any:
		for _, a := range aud {
			s, ok := a.(string)
			if !ok {
				return fmt.Errorf("%w: claim \"aud\" holds a non-string", auth.ErrMalformed)
			}
			if s == v.audience {
				return nil
			}
			seen = append(seen, s)
		}
	case nil:
	default:
		return fmt.Errorf("%w: claim \"aud\" is neither a string nor a list", auth.ErrMalformed)
	}
	if cid, ok := claims["client_id"].(string); ok {
		if cid == v.audience {
			return nil
		}
		seen = append(seen, "client_id="+cid)
	}
	if len(seen) == 0 {
		return fmt.Errorf("%w: neither \"aud\" nor \"client_id\" is present, want %q", auth.ErrWrongAudience, v.audience)
	}
	return fmt.Errorf("%w: audience %q, want %q", auth.ErrWrongAudience, strings.Join(seen, ","), v.audience)
}

// numericDate reads a NumericDate claim (seconds since the epoch, maybe
// fractional). ok is false when the claim is absent.
func numericDate(claims map[string]any, name string) (t time.Time, ok bool, err error) {
	raw, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	f, isNum := raw.(float64)
	if !isNum || math.IsNaN(f) || f < 0 || f > maxTime {
		return time.Time{}, false, fmt.Errorf("%w: claim %q is not a valid NumericDate", auth.ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

var _ auth.TokenVerifier = (*Verifier)(nil)
