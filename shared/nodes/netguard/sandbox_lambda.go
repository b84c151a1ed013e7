//go:build polysynergy_lambda

package netguard

// Sandboxed is true in the Lambda functions: some addresses stay refused even with
// allow_private_network (see sandboxReason).
const Sandboxed = true
