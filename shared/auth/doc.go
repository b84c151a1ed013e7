// Package auth holds who a caller is and what they may do: the identity taken
// from a verified JWT (either read from API Gateway's JWT authorizer context or
// verified here against a JWKS), the role → permission table that every API
// operation is checked against, and the API keys that routes may require.
package auth
