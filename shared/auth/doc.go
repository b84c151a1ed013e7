// Package auth holds who a caller is and what they may do: the identity taken
// from a verified JWT (read from API Gateway's JWT authorizer context, or
// verified against a JWKS by package token), the role → permission table that
// every API operation is checked against, and the API keys that routes may
// require.
package auth
