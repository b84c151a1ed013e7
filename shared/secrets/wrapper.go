package secrets

import (
	"context"
	"errors"
)

// DataKeySize is the size of a data key: AES-256.
const DataKeySize = 32

// ErrDecrypt is wrapped by every failure to authenticate: a tampered value
// or wrapped key, the wrong encryption context, or the wrong master key.
var ErrDecrypt = errors.New("secrets: decryption failed")

// ErrMalformed is wrapped when bytes are not a well-formed Sealed value or
// wrapped key at all.
var ErrMalformed = errors.New("secrets: malformed sealed value")

// DataKey is a fresh data key in the clear and wrapped by a master key.
type DataKey struct {
	// Plaintext is the DataKeySize-byte key; clear it after use.
	Plaintext []byte
	// Wrapped is Plaintext encrypted under the master key and bound to the
	// encryption context it was generated for.
	Wrapped []byte
}

// KeyWrapper guards data keys with a master key that never leaves it.
// The encryption context aad is bound to the wrapped key: unwrapping with a
// different context fails with ErrDecrypt.
type KeyWrapper interface {
	// GenerateDataKey returns a new random data key and its wrapped form.
	GenerateDataKey(ctx context.Context, aad map[string]string) (DataKey, error)
	// UnwrapKey returns the data key inside wrapped.
	UnwrapKey(ctx context.Context, wrapped []byte, aad map[string]string) ([]byte, error)
}
