package token

import (
	"context"
	"errors"
	"polysynergy/shared/auth"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to Verify. None may panic and none may
// verify: the verifying key is generated afresh on every run, so no stored
// seed can carry a valid signature, and the seeds signed here with that key
// all break a claim rule. Every rejection must wrap auth.ErrUnauthorized.
func FuzzVerify(f *testing.F) {
	key := newSigningKey(f, "k1")
	now := time.Unix(1_800_000_000, 0)
	v, err := NewVerifierFromKeySet(publicSet(f, key), Config{
		Issuer: testIssuer, Audience: testAudience, Logger: discard,
		Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatalf("NewVerifierFromKeySet: %v", err)
	}
	for _, claims := range []map[string]any{
		with(idClaims(now), map[string]any{"exp": now.Add(-time.Hour).Unix()}),
		with(idClaims(now), map[string]any{"iss": "https://other.example"}),
		with(idClaims(now), map[string]any{"aud": []string{"x", "y"}}),
		with(accessClaims(now), map[string]any{"client_id": "nope"}),
		with(idClaims(now), map[string]any{"token_use": "refresh"}),
		with(idClaims(now), map[string]any{"sub": nil}),
		with(idClaims(now), map[string]any{"nbf": now.Add(time.Hour).Unix()}),
	} {
		f.Add(signClaims(f, key, claims))
	}
	for _, s := range []string{"", ".", "..", "...", "a.b.c", "Bearer a.b.c", "e30.e30.e30", "eyJhbGciOiJSUzI1NiJ9..AAAA"} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, token string) {
		id, claims, err := v.Verify(context.Background(), token)
		if err == nil {
			t.Fatalf("Verify accepted %q as %+v", token, id)
		}
		if !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("Verify(%q) error %v does not wrap auth.ErrUnauthorized", token, err)
		}
		if id != (auth.Identity{}) || claims != nil {
			t.Fatalf("Verify(%q) returned identity %+v, claims %v with an error", token, id, claims)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	key := newSigningKey(b, "k1")
	v, err := NewVerifierFromKeySet(publicSet(b, key), Config{Issuer: testIssuer, Audience: testAudience, Logger: discard})
	if err != nil {
		b.Fatalf("NewVerifierFromKeySet: %v", err)
	}
	tok := signClaims(b, key, idClaims(time.Now()))
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
