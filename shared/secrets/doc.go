// Package secrets encrypts secret values with envelope encryption: every
// value gets a fresh AES-256 data key, the value is sealed with AES-256-GCM
// bound to its context (tenant, project, stage, key), and the data key is
// kept only wrapped by a master key — AWS KMS in the cloud (KMSWrapper), a
// 32-byte key file in local development (LocalWrapper). A Box does the
// sealing; Sealed is the versioned binary form the store keeps as one
// attribute.
package secrets
