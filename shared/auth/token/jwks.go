package token

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"polysynergy/shared/auth"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// maxJWKSBytes bounds how much of a JWKS response is read.
const maxJWKSBytes = 1 << 20

// minRSABits is the smallest RSA modulus accepted from a JWKS.
const minRSABits = 2048

// keySource hands out RSA verification keys by `kid`. A static source holds a
// fixed set; a remote one fetches a JWKS over HTTP, keeps it for ttl, and
// refetches early when asked for an unknown kid — at most once per
// minRefresh, so a flood of tokens with made-up kids cannot hammer the
// identity provider.
type keySource struct {
	url        string
	client     *http.Client
	ttl        time.Duration
	minRefresh time.Duration
	now        func() time.Time
	logger     *slog.Logger
	static     bool

	// refreshing is a one-slot semaphore: one fetch at a time, and waiters
	// can give up when their context ends.
	refreshing chan struct{}

	mu          sync.RWMutex
	keys        map[string]*rsa.PublicKey
	fetchedAt   time.Time // last successful fetch
	attemptedAt time.Time // last fetch attempt, successful or not
}

// key returns the verification key named kid, refreshing the JWKS first when
// the cache is stale or does not know kid (subject to the rate limit).
func (s *keySource) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if !s.static {
		s.mu.RLock()
		stale := s.now().Sub(s.fetchedAt) >= s.ttl
		s.mu.RUnlock()
		if stale {
			s.refreshIfDue(ctx, "cache expired")
		}
	}
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	if !s.static {
		s.refreshIfDue(ctx, "unknown kid")
		if k, ok := s.lookup(kid); ok {
			return k, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("look up signing key %q: %w", kid, err)
	}
	return nil, fmt.Errorf("%w: no key with kid %q in the JWKS", auth.ErrUnknownKey, kid)
}

func (s *keySource) lookup(kid string) (*rsa.PublicKey, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[kid]
	return k, ok
}

// refreshIfDue fetches the JWKS unless a fetch was attempted within
// minRefresh. A failed fetch is logged and the keys already held stay in use.
func (s *keySource) refreshIfDue(ctx context.Context, reason string) {
	select {
	case s.refreshing <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.refreshing }()

	s.mu.RLock()
	due := s.attemptedAt.IsZero() || s.now().Sub(s.attemptedAt) >= s.minRefresh
	s.mu.RUnlock()
	if !due {
		return
	}
	if err := s.fetch(ctx); err != nil {
		s.logger.WarnContext(ctx, "JWKS refresh failed; keeping cached keys",
			slog.String("url", s.url), slog.String("reason", reason), slog.Any("error", err))
	}
}

// fetch downloads and installs the JWKS. The caller holds s.refreshing.
func (s *keySource) fetch(ctx context.Context) error {
	s.mu.Lock()
	s.attemptedAt = s.now()
	s.mu.Unlock()

	keys, err := s.download(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.keys = keys
	s.fetchedAt = s.now()
	s.mu.Unlock()
	return nil
}

func (s *keySource) download(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", s.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS %s: HTTP status %d", s.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: read body: %w", s.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("fetch JWKS %s: body exceeds %d bytes", s.url, maxJWKSBytes)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: parse: %w", s.url, err)
	}
	keys, err := rsaKeys(set, s.logger)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", s.url, err)
	}
	return keys, nil
}

// rsaKeys picks the keys of set that can verify RS256 signatures: RSA public
// keys of at least 2048 bits with a kid, whose `use` (if any) is "sig" and
// whose `alg` (if any) is RS256. Other keys are skipped; a set with none
// usable is an error.
func rsaKeys(set jwk.Set, logger *slog.Logger) (map[string]*rsa.PublicKey, error) {
	if set == nil {
		return nil, errors.New("key set is nil")
	}
	keys := make(map[string]*rsa.PublicKey, set.Len())
	for i := range set.Len() {
		k, ok := set.Key(i)
		if !ok {
			continue
		}
		kid, _ := k.KeyID()
		skip := func(reason string) {
			logger.Debug("skipping JWKS key", slog.String("kid", kid), slog.String("reason", reason))
		}
		switch {
		case kid == "":
			skip("no kid")
			continue
		case k.KeyType() != jwa.RSA():
			skip("key type " + k.KeyType().String())
			continue
		}
		if use, ok := k.KeyUsage(); ok && use != "sig" {
			skip("use " + use)
			continue
		}
		if alg, ok := k.Algorithm(); ok && alg.String() != jwa.RS256().String() {
			skip("alg " + alg.String())
			continue
		}
		var pub rsa.PublicKey
		if err := jwk.Export(k, &pub); err != nil {
			// A private key in a JWKS still carries a usable public half.
			var priv rsa.PrivateKey
			if err2 := jwk.Export(k, &priv); err2 != nil {
				skip("export: " + err.Error())
				continue
			}
			pub = priv.PublicKey
		}
		if pub.N == nil || pub.N.BitLen() < minRSABits {
			skip(fmt.Sprintf("RSA key shorter than %d bits", minRSABits))
			continue
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("duplicate kid %q", kid)
		}
		keys[kid] = &pub
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no usable RS256 keys among %d keys", set.Len())
	}
	return keys, nil
}
