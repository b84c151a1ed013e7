package live_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/live"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

const (
	testIssuer   = "https://issuer.test/pool"
	testAudience = "editor-client"
)

// issuer signs RS256 tokens with a fresh key whose public half a JWKS
// server publishes; verifier is a real token.Verifier fetching it.
type issuer struct {
	priv     *rsa.PrivateKey
	kid      string
	verifier *token.Verifier
}

var (
	keyOnce sync.Once
	keyPriv *rsa.PrivateKey
	keyErr  error
)

// rsaKey generates one RSA key per test binary (generation is slow).
func rsaKey(tb testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() { keyPriv, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		tb.Fatalf("generate RSA key: %v", keyErr)
	}
	return keyPriv
}

func newIssuer(tb testing.TB) *issuer {
	tb.Helper()
	is := &issuer{priv: rsaKey(tb), kid: "test-key-1"}
	pub, err := jwk.Import(&is.priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range map[string]any{jwk.KeyIDKey: is.kid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
		if err := pub.Set(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		tb.Fatal(err)
	}
	body, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	tb.Cleanup(ts.Close)
	is.verifier, err = token.NewVerifier(context.Background(), token.Config{Issuer: testIssuer, Audience: testAudience,
		JWKSURL: ts.URL + "/.well-known/jwks.json", Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	return is
}

// token signs an ID token for sub; changes override claims (nil deletes).
func (is *issuer) token(tb testing.TB, sub string, changes map[string]any) string {
	tb.Helper()
	now := time.Now()
	claims := map[string]any{"sub": sub, "iss": testIssuer, "aud": testAudience, "token_use": "id",
		"email": sub + "@example.com", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range changes {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, is.kid); err != nil {
		tb.Fatal(err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), is.priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		tb.Fatal(err)
	}
	return string(tok)
}

// world is a store with a tenant (owner admin, a viewer), a project with a
// flow, a second tenant the viewer is not in, and the WebSocket handler.
type world struct {
	env      *storetest.Env
	st       *store.Store
	iss      *issuer
	h        *live.Handler
	tenant   store.Tenant
	project  store.Project
	flow     store.Flow
	other    store.Tenant
	otherPrj store.Project
	otherFlw store.Flow
}

const (
	ownerSub    = "user-owner"
	viewerSub   = "user-viewer"
	strangerSub = "user-stranger"
)

const emptyDoc = `{"schema":"polysynergy/flow@1","nodes":[],"connections":[]}`

func newWorld(tb testing.TB) *world {
	tb.Helper()
	ctx := context.Background()
	w := &world{env: storetest.Start(tb, store.WithBatchBackoff(time.Millisecond)), iss: newIssuer(tb)}
	w.st = w.env.Store
	var err error
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	w.tenant, err = w.st.CreateTenant(ctx, store.CreateTenantInput{Name: "Acme", OwnerSub: ownerSub, OwnerEmail: "owner@example.com"})
	must(err)
	_, err = w.st.AddMember(ctx, store.Membership{Tenant: w.tenant.ID, Sub: viewerSub, Role: store.RoleViewer})
	must(err)
	w.project, err = w.st.CreateProject(ctx, w.tenant.ID, store.CreateProjectInput{Name: "Shop", Slug: "shop"})
	must(err)
	w.flow, err = w.st.CreateFlow(ctx, w.project.Key(), store.CreateFlowInput{Kind: store.KindRoute, Name: "hello", Document: json.RawMessage(emptyDoc)})
	must(err)
	w.other, err = w.st.CreateTenant(ctx, store.CreateTenantInput{Name: "Other", OwnerSub: strangerSub, OwnerEmail: "stranger@example.com"})
	must(err)
	w.otherPrj, err = w.st.CreateProject(ctx, w.other.ID, store.CreateProjectInput{Name: "Secret", Slug: "secret"})
	must(err)
	w.otherFlw, err = w.st.CreateFlow(ctx, w.otherPrj.Key(), store.CreateFlowInput{Kind: store.KindRoute, Name: "hidden", Document: json.RawMessage(emptyDoc)})
	must(err)
	w.h, err = live.NewHandler(live.HandlerConfig{Store: w.st, Verifier: w.iss.verifier, Logger: quiet})
	must(err)
	return w
}

// The test helpers themselves: the issuer's tokens pass the real verifier (and one it did
// not sign, or an expired one, does not), and the world holds two tenants apart.
func TestHelpersIssueVerifiableTokensAndSeparateTenants(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id, _, err := w.iss.verifier.Verify(ctx, w.iss.token(t, ownerSub, nil))
	if err != nil || id.Subject != ownerSub || id.Email != ownerSub+"@example.com" {
		t.Fatalf("owner token: %+v %v", id, err)
	}
	if _, _, err := w.iss.verifier.Verify(ctx, w.iss.token(t, ownerSub, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})); err == nil {
		t.Fatal("an expired token passed")
	}
	other := newIssuer(t)
	other.kid = "someone-else"
	if _, _, err := w.iss.verifier.Verify(ctx, other.token(t, ownerSub, nil)); err == nil {
		t.Fatal("a token under an unknown key passed")
	}
	members, err := w.st.ListMembers(ctx, w.tenant.ID, store.ListOptions{})
	if err != nil || len(members.Items) != 2 {
		t.Fatalf("members of the first tenant: %+v %v", members.Items, err)
	}
	flows, err := w.st.ListFlows(ctx, w.project.Key(), store.ListFlowsOptions{})
	if err != nil || len(flows.Items) != 1 || flows.Items[0].ID != w.flow.ID {
		t.Fatalf("flows of the first project: %+v %v", flows.Items, err)
	}
	if w.otherFlw.ID == w.flow.ID || w.other.ID == w.tenant.ID {
		t.Fatal("the two tenants share ids")
	}
}
