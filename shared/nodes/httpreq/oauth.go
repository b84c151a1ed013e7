package httpreq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenKey identifies a cached client-credentials token.
type tokenKey struct{ tokenURL, clientID, scope string }

type cachedToken struct {
	value   string
	expires time.Time
}

// tokenCache keeps OAuth2 client-credentials tokens until shortly before they expire.
type tokenCache struct {
	mu sync.Mutex
	m  map[tokenKey]cachedToken
}

func newTokenCache() *tokenCache { return &tokenCache{m: map[tokenKey]cachedToken{}} }

func (c *tokenCache) get(k tokenKey, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[k]
	if !ok || !now.Before(t.expires) {
		return "", false
	}
	return t.value, true
}

func (c *tokenCache) put(k tokenKey, v string, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, t := range c.m {
		if !now.Before(t.expires) {
			delete(c.m, key)
		}
	}
	c.m[k] = cachedToken{value: v, expires: expires}
}

func (c *tokenCache) drop(k tokenKey) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// oauthToken returns a client-credentials access token, from the cache when it is still
// valid. fresh reports whether the token endpoint was asked.
func (f *family) oauthToken(ctx context.Context, client *http.Client, k tokenKey, secret string) (tok string, fresh bool, err error) {
	now := f.now()
	if t, ok := f.tokens.get(k, now); ok {
		return t, false, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if k.scope != "" {
		form.Set("scope", k.scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", false, fmt.Errorf("build token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(k.clientID), url.QueryEscape(secret))
	resp, err := client.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("request token from %s: %w", k.tokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", false, fmt.Errorf("read token response from %s: %w", k.tokenURL, err)
	}
	if resp.StatusCode/100 != 2 {
		return "", false, fmt.Errorf("token endpoint %s answered %d: %s", k.tokenURL, resp.StatusCode, snippet(body))
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", false, fmt.Errorf("decode token response from %s: %w", k.tokenURL, err)
	}
	if tr.AccessToken == "" {
		return "", false, fmt.Errorf("token response from %s has no access_token", k.tokenURL)
	}
	life := defaultTokenExpiry
	var secs float64
	if len(tr.ExpiresIn) > 0 {
		s := strings.Trim(string(tr.ExpiresIn), `"`)
		if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && secs > 0 {
			life = time.Duration(secs * float64(time.Second))
		}
	}
	if life > 2*tokenExpiryMargin {
		life -= tokenExpiryMargin
	} else {
		life /= 2
	}
	f.tokens.put(k, tr.AccessToken, now.Add(life), now)
	return tr.AccessToken, true, nil
}

func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
