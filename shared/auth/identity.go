package auth

import (
	"context"
	"fmt"
	"strings"
)

// Identity is the signed-in user a request acts for.
type Identity struct {
	// Subject is the identity provider's stable user id (the `sub` claim).
	Subject string
	// Email is the user's e-mail address, empty when the token carries none
	// (Cognito access tokens do not).
	Email string
	// EmailVerified: the address is the user's own. It is set when the token carries an
	// address and does not say "email_verified": false (Cognito's access tokens carry the
	// address only once it is verified — see the pre-token-generation trigger — and say
	// nothing more; its ID tokens and the local identity provider say email_verified).
	EmailVerified bool
	// Name is a display name: the `name` claim, else `cognito:username`,
	// else `username`.
	Name string
}

// FromAuthorizerClaims builds an Identity from the claims API Gateway's JWT
// authorizer puts in an HTTP API (payload 2.0) request context at
// requestContext.authorizer.jwt.claims. API Gateway has already verified the
// token; this only reads it. A missing or blank `sub` is an error wrapping
// ErrUnauthorized.
func FromAuthorizerClaims(claims map[string]string) (Identity, error) {
	return IdentityFromClaims(func(name string) string { return claims[name] })
}

// IdentityFromClaims reads the identity claims through get, which returns "" for a
// claim that is absent or not a string. A missing or blank `sub` is an error
// wrapping ErrMalformed.
func IdentityFromClaims(get func(string) string) (Identity, error) {
	sub := strings.TrimSpace(get("sub"))
	if sub == "" {
		return Identity{}, fmt.Errorf("%w: claim \"sub\" is missing or empty", ErrMalformed)
	}
	id := Identity{Subject: sub, Email: strings.TrimSpace(get("email"))}
	id.EmailVerified = id.Email != "" && !strings.EqualFold(strings.TrimSpace(get("email_verified")), "false")
	for _, claim := range []string{"name", "cognito:username", "username"} {
		if v := strings.TrimSpace(get(claim)); v != "" {
			id.Name = v
			break
		}
	}
	return id, nil
}

// TokenVerifier verifies a bearer token and returns who it identifies and all its
// claims; every rejection wraps ErrUnauthorized. *token.Verifier implements it (the
// WebSocket function's $connect, the local cloud); a function that needs no verifying
// does not link the JOSE library.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (Identity, map[string]any, error)
}
