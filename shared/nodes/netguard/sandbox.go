//go:build !polysynergy_lambda

package netguard

// Sandboxed is false on a user's machine (the CLI, the local cloud): there
// allow_private_network lifts the guard entirely.
const Sandboxed = false
