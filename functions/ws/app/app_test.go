package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"polysynergy/functions/ws/app"
	"polysynergy/shared/platform"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

const (
	issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_WsTest"
	audience = "ws-test-client"
	kid      = "ws-key-1"
	connID   = "aXq1MdVnjoECJmQ=" // the connection of events/ws
)

// idp publishes an RSA key's JWKS over HTTP and signs tokens with it.
type idp struct {
	priv *rsa.PrivateKey
	url  string
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig"} {
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
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return &idp{priv: priv, url: ts.URL}
}

func (p *idp) token(t *testing.T, sub string) string {
	t.Helper()
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"sub": sub, "iss": issuer, "client_id": audience, "token_use": "access",
		"username": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), p.priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// event reads events/ws/<name>.json with its placeholders replaced.
func event(t *testing.T, name string, vars map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "ws", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "${"+k+"}", v)
	}
	if strings.Contains(s, "${") {
		t.Fatalf("%s.json: placeholder left in %s", name, s)
	}
	return []byte(s)
}

func TestReplayEvents(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	st := env.Store
	const sub = "0b6e5f1a-aaaa-bbbb-cccc-444455556666"
	tenant, err := st.CreateTenant(ctx, store.CreateTenantInput{Name: "Acme", OwnerSub: sub, OwnerEmail: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	project, err := st.CreateProject(ctx, tenant.ID, store.CreateProjectInput{Name: "Shop", Slug: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	fl, err := st.CreateFlow(ctx, project.Key(), store.CreateFlowInput{Kind: store.KindRoute, Name: "hello",
		Document: json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	idp := newIDP(t)
	cfg := platform.Config{Table: storetest.TableName, Region: "us-east-1", DynamoEndpoint: env.URL,
		Issuer: issuer, Audience: audience, JWKSURL: idp.url + "/.well-known/jwks.json", LogLevel: slog.LevelError + 4}
	h, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// lambda.NewHandler does what the runtime does: JSON in, JSON out.
	fn := lambda.NewHandler(h)
	invoke := func(t *testing.T, payload []byte) events.APIGatewayProxyResponse {
		t.Helper()
		out, err := fn.Invoke(ctx, payload)
		if err != nil {
			t.Fatalf("invoke: %v", err)
		}
		var resp events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		return resp
	}
	vars := map[string]string{"TOKEN": idp.token(t, sub), "PROJECT": project.ID, "FLOW": fl.ID}

	steps := []struct {
		name   string
		event  string
		vars   map[string]string
		status int
		// proto is the Sec-WebSocket-Protocol header of the answer
		proto string
		body  map[string]string
		check func(t *testing.T)
	}{
		{name: "connect with a forged token", event: "1-connect", status: 401,
			vars: map[string]string{"TOKEN": vars["TOKEN"][:len(vars["TOKEN"])-4] + "AAAA"},
			check: func(t *testing.T) {
				if _, err := st.GetConnection(ctx, connID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("connection stored for a forged token: %v", err)
				}
			}},
		{name: "connect with the token in the query string (the old form)", event: "1-connect-query-token", vars: vars, status: 401,
			check: func(t *testing.T) {
				if _, err := st.GetConnection(ctx, connID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("connection stored for a token in the URL: %v", err)
				}
			}},
		{name: "connect", event: "1-connect", vars: vars, status: 200, proto: "polysynergy.v1", check: func(t *testing.T) {
			c, err := st.GetConnection(ctx, connID)
			if err != nil || c.Sub != sub {
				t.Fatalf("connection %+v, %v; want one for %s", c, err, sub)
			}
			if time.Since(c.ConnectedAt) > time.Minute || !c.ExpiresAt.Equal(c.ConnectedAt.Add(2*time.Hour).Truncate(time.Second)) {
				t.Errorf("connected at %v, expires %v; want now and 2 h later", c.ConnectedAt, c.ExpiresAt)
			}
		}},
		{name: "subscribe", event: "2-subscribe", vars: vars, status: 200,
			body: map[string]string{"type": "subscribed", "id": "sub-1", "tenant": tenant.ID, "project": project.ID, "flow": fl.ID},
			check: func(t *testing.T) {
				ids, err := st.ListSubscribers(ctx, fl.Key())
				if err != nil || len(ids) != 1 || ids[0] != connID {
					t.Errorf("subscribers %v, %v; want [%s]", ids, err, connID)
				}
			}},
		{name: "ping", event: "3-ping", status: 200, body: map[string]string{"type": "pong"}},
		{name: "disconnect", event: "4-disconnect", status: 200, check: func(t *testing.T) {
			if _, err := st.GetConnection(ctx, connID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("connection after disconnect: %v; want not found", err)
			}
			if ids, _ := st.ListSubscribers(ctx, fl.Key()); len(ids) != 0 {
				t.Errorf("subscribers after disconnect: %v", ids)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			resp := invoke(t, event(t, s.event, s.vars))
			if resp.StatusCode != s.status {
				t.Fatalf("status %d (%s); want %d", resp.StatusCode, resp.Body, s.status)
			}
			if got := resp.Headers["Sec-WebSocket-Protocol"]; got != s.proto {
				t.Errorf("answer's Sec-WebSocket-Protocol %q; want %q", got, s.proto)
			}
			if s.body != nil {
				var got map[string]string
				if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
					t.Fatalf("body %q: %v", resp.Body, err)
				}
				for k, v := range s.body {
					if got[k] != v {
						t.Errorf("body %s = %q; want %q (body %s)", k, got[k], v, resp.Body)
					}
				}
			}
			if s.check != nil {
				s.check(t)
			}
		})
	}
}

func TestNewNeedsIssuer(t *testing.T) {
	tests := []struct {
		name string
		cfg  platform.Config
		want string
	}{
		{"no issuer", platform.Config{Table: "t", Audience: "a"}, platform.EnvIssuer},
		{"no audience", platform.Config{Table: "t", Issuer: "https://x"}, platform.EnvAudience},
		{"JWKS unreachable", platform.Config{Table: "t", Region: "us-east-1", DynamoEndpoint: "http://127.0.0.1:1",
			Issuer: "https://x", Audience: "a", JWKSURL: "http://127.0.0.1:1/jwks.json", LogLevel: slog.LevelError + 4}, "verifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.New(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v; want an error mentioning %s", err, tt.want)
			}
		})
	}
}
