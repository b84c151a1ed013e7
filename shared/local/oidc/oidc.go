// Package oidc is the local cloud's development identity provider: an OpenID Connect issuer
// with discovery, JWKS, an authorize endpoint whose sign-in page lists dev users (and creates
// one by e-mail), and a token endpoint with PKCE. Its tokens carry the claims Cognito puts in
// its ID and access tokens, so the editor signs in locally exactly as it does in AWS.
package oidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/oklog/ulid/v2"
)

// Token lifetimes, as Cognito's defaults.
const (
	TokenTTL = time.Hour
	CodeTTL  = 2 * time.Minute
	// RefreshTTL is how long a refresh token lasts (Cognito's default, 30 days).
	RefreshTTL = 30 * 24 * time.Hour
	keyID      = "polysynergy-dev"
)

// User is a dev user.
type User struct {
	Sub     string    `json:"sub"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// Provider is the dev identity provider. It is safe for concurrent use.
type Provider struct {
	issuer   string
	clientID string
	dir      string
	now      func() time.Time
	key      *rsa.PrivateKey
	pub      jwk.Key

	mu    sync.Mutex
	users map[string]User // by e-mail
	codes map[string]grant
}

type grant struct {
	email       string
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	expires     time.Time
}

// Config configures a Provider.
type Config struct {
	// Issuer is the issuer URL (the local cloud's base URL).
	Issuer string
	// ClientID is the editor's app client id; tokens are issued only to it.
	ClientID string
	// Dir keeps the signing key and the users across restarts ("" keeps them in memory).
	Dir string
	Now func() time.Time
}

// New loads (or creates) the signing key and users.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("dev identity provider: issuer and client id are required")
	}
	p := &Provider{issuer: strings.TrimSuffix(cfg.Issuer, "/"), clientID: cfg.ClientID, dir: cfg.Dir, now: cfg.Now,
		users: map[string]User{}, codes: map[string]grant{}}
	if p.now == nil {
		p.now = time.Now
	}
	if err := p.loadKey(); err != nil {
		return nil, err
	}
	if err := p.loadUsers(); err != nil {
		return nil, err
	}
	pub, err := jwk.Import(&p.key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("dev identity provider: public key: %w", err)
	}
	_ = pub.Set(jwk.KeyIDKey, keyID)
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256())
	_ = pub.Set(jwk.KeyUsageKey, "sig")
	p.pub = pub
	return p, nil
}

// Issuer is the issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// ClientID is the app client id tokens are issued to.
func (p *Provider) ClientID() string { return p.clientID }

// KeySet is the public JWKS.
func (p *Provider) KeySet() jwk.Set {
	set := jwk.NewSet()
	_ = set.AddKey(p.pub)
	return set
}

func (p *Provider) loadKey() error {
	path := filepath.Join(p.dir, "oidc-signing-key.pem")
	if p.dir != "" {
		if data, err := os.ReadFile(path); err == nil {
			block, _ := pem.Decode(data)
			if block == nil {
				return fmt.Errorf("dev identity provider: %s is not a PEM key; delete it to make a new one", path)
			}
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return fmt.Errorf("dev identity provider: read %s: %w", path, err)
			}
			p.key = k
			return nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("dev identity provider: %w", err)
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("dev identity provider: generate key: %w", err)
	}
	p.key = k
	if p.dir == "" {
		return nil
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("dev identity provider: save key: %w", err)
	}
	return nil
}

func (p *Provider) usersPath() string { return filepath.Join(p.dir, "dev-users.json") }

func (p *Provider) loadUsers() error {
	if p.dir == "" {
		return nil
	}
	data, err := os.ReadFile(p.usersPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dev identity provider: %w", err)
	}
	var users []User
	if err := json.Unmarshal(data, &users); err != nil {
		return fmt.Errorf("dev identity provider: %s: %w", p.usersPath(), err)
	}
	for _, u := range users {
		p.users[u.Email] = u
	}
	return nil
}

// lockUsersFile holds an exclusive lock on the users file's lock file until the returned
// function is called (nothing to lock without a dir).
func (p *Provider) lockUsersFile() (func(), error) {
	if p.dir == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(filepath.Join(p.dir, "dev-users.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dev identity provider: lock users: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("dev identity provider: lock users: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

func (p *Provider) saveUsersLocked() error {
	if p.dir == "" {
		return nil
	}
	data, _ := json.MarshalIndent(p.usersLocked(), "", "  ")
	tmp := p.usersPath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("dev identity provider: save users: %w", err)
	}
	return os.Rename(tmp, p.usersPath())
}

func (p *Provider) usersLocked() []User {
	out := make([]User, 0, len(p.users))
	for _, u := range p.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// Users lists the dev users by e-mail.
func (p *Provider) Users() []User {
	p.mu.Lock()
	defer p.mu.Unlock()
	// users made meanwhile by another process on the dir (`polysynergy dev token`) are
	// listed too; when the file cannot be read, those known already are
	_ = p.loadUsers()
	return p.usersLocked()
}

// EnsureUser returns the user with this e-mail, creating it (with name, or one made from the
// address) when new. An address ValidateEmail refuses is an *EmailError, a name
// ValidateName refuses a *NameError (also for a user that exists: the name is not used then).
func (p *Provider) EnsureUser(email, name string) (User, error) {
	e, err := ValidateEmail(email)
	if err != nil {
		return User{}, err
	}
	if name, err = ValidateName(name); err != nil {
		return User{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// the file is shared with other processes on the dir (the running local cloud and
	// `polysynergy dev token`): read what they added under its lock, so that a user is
	// made once and saving does not drop theirs
	unlock, err := p.lockUsersFile()
	if err != nil {
		return User{}, err
	}
	defer unlock()
	if err := p.loadUsers(); err != nil {
		return User{}, err
	}
	if u, ok := p.users[e]; ok {
		return u, nil
	}
	if name = strings.TrimSpace(name); name == "" {
		name = strings.Split(e, "@")[0]
	}
	u := User{Sub: strings.ToLower(ulid.Make().String()), Email: e, Name: name, Created: p.now().UTC()}
	p.users[e] = u
	if err := p.saveUsersLocked(); err != nil {
		delete(p.users, e)
		return User{}, err
	}
	return u, nil
}

// Tokens are what the token endpoint returns.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// Issue signs ID and access tokens for a user (what `polysynergy dev token` prints).
// A name kept from before names were checked that ValidateName refuses is replaced by the
// part of the address before the @ (the platform refused every call with it).
func (p *Provider) Issue(u User, nonce string) (Tokens, error) {
	now := p.now().UTC()
	name, err := ValidateName(u.Name)
	if err != nil {
		name, _, _ = strings.Cut(u.Email, "@")
	}
	common := map[string]any{
		"sub": u.Sub, "iss": p.issuer, "iat": now.Unix(), "exp": now.Add(TokenTTL).Unix(), "auth_time": now.Unix(),
		"cognito:username": u.Sub, "email": u.Email, "email_verified": true, "name": name,
	}
	id := clone(common)
	id["aud"], id["token_use"] = p.clientID, "id"
	if nonce != "" {
		id["nonce"] = nonce
	}
	access := clone(common)
	access["client_id"], access["token_use"], access["scope"] = p.clientID, "access", "openid email profile"
	access["jti"] = ulid.Make().String()
	idTok, err := p.sign(id)
	if err != nil {
		return Tokens{}, err
	}
	accTok, err := p.sign(access)
	if err != nil {
		return Tokens{}, err
	}
	// a refresh token is signed, not remembered, so it outlives a restart of the local cloud
	// (the editor's session renewed with it failed after one); it has no audience, so the
	// platform's verifier, which wants one and refuses token_use refresh, never takes it
	rt, err := p.sign(map[string]any{"iss": p.issuer, "sub": u.Sub, "email": u.Email, "token_use": "refresh",
		refreshClientClaim: p.clientID, "iat": now.Unix(), "exp": now.Add(RefreshTTL).Unix(), "jti": ulid.Make().String()})
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{IDToken: idTok, AccessToken: accTok, RefreshToken: rt, ExpiresIn: int(TokenTTL.Seconds()), TokenType: "Bearer"}, nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+4)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (p *Provider) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, keyID)
	_ = hdr.Set("typ", "JWT")
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), p.key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return string(tok), nil
}

// refreshClientClaim names the client a refresh token was issued to.
const refreshClientClaim = "refresh_client_id"

// refreshUser returns the user a refresh token was issued to, or why it is refused.
func (p *Provider) refreshUser(tok, clientID string) (User, string) {
	claims, err := p.parse(tok)
	switch {
	case errors.Is(err, errExpired):
		return User{}, "the refresh token expired; sign in again"
	case err != nil || claims["token_use"] != "refresh" || claims["iss"] != p.issuer:
		return User{}, "unknown refresh token"
	case claims[refreshClientClaim] != clientID:
		return User{}, "the refresh token was issued to another client"
	}
	email, _ := claims["email"].(string)
	for _, u := range p.Users() { // read again: `polysynergy dev token` may have added users
		if u.Email == email && u.Sub == claims["sub"] {
			return u, ""
		}
	}
	return User{}, "the user no longer exists"
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// S256 is the PKCE S256 transform of a verifier.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var jwaRS256 = jwa.RS256()

var errExpired = errors.New("token expired")
