package auth

import (
	"errors"
	"fmt"
)

// ErrUnauthorized is wrapped by every error that means "this caller is not
// authenticated": a token that is malformed, badly signed, expired, meant for
// another issuer or audience, or claims that lack a subject. Handlers map it
// to HTTP 401.
var ErrUnauthorized = errors.New("unauthorized")

// The classes of token rejection. Each wraps ErrUnauthorized, so
// errors.Is(err, ErrExpired) and errors.Is(err, ErrUnauthorized) both hold.
var (
	// ErrMalformed: not a compact JWS, bad base64 or JSON, a missing header
	// or claim, or a claim of the wrong type.
	ErrMalformed = fmt.Errorf("%w: malformed token", ErrUnauthorized)
	// ErrUnsupportedAlgorithm: the token is signed with anything but RS256.
	ErrUnsupportedAlgorithm = fmt.Errorf("%w: unsupported signing algorithm", ErrUnauthorized)
	// ErrUnknownKey: no key in the JWKS has the token's `kid`, even after a refresh.
	ErrUnknownKey = fmt.Errorf("%w: unknown signing key", ErrUnauthorized)
	// ErrBadSignature: the signature does not verify with the key named by `kid`.
	ErrBadSignature = fmt.Errorf("%w: bad signature", ErrUnauthorized)
	// ErrExpired: `exp` is in the past (beyond the allowed skew).
	ErrExpired = fmt.Errorf("%w: token expired", ErrUnauthorized)
	// ErrNotYetValid: `nbf` (or `iat`) is in the future (beyond the allowed skew).
	ErrNotYetValid = fmt.Errorf("%w: token not yet valid", ErrUnauthorized)
	// ErrWrongIssuer: `iss` is not the configured issuer.
	ErrWrongIssuer = fmt.Errorf("%w: wrong issuer", ErrUnauthorized)
	// ErrWrongAudience: neither `aud` nor `client_id` is the configured audience.
	ErrWrongAudience = fmt.Errorf("%w: wrong audience", ErrUnauthorized)
	// ErrWrongTokenUse: `token_use` is present and is neither "id" nor "access".
	ErrWrongTokenUse = fmt.Errorf("%w: wrong token use", ErrUnauthorized)
)

// ErrForbidden is wrapped by Require when a role may not perform an action.
// Handlers map it to HTTP 403.
var ErrForbidden = errors.New("forbidden")
