package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// API key format: APIKeyPrefix followed by 32 random bytes in unpadded
// base64url (43 characters), 47 characters in all.
const (
	APIKeyPrefix        = "psk_"
	apiKeyRandomBytes   = 32
	apiKeyLen           = len(APIKeyPrefix) + 43
	APIKeyDisplayPrefix = 12 // characters of the plaintext kept in StoredKey.Prefix
)

// keyEncoding is strict so every key has exactly one spelling.
var keyEncoding = base64.RawURLEncoding.Strict()

// StoredKey is what is kept of an API key: never the key itself.
type StoredKey struct {
	// Hash is the lowercase hex SHA-256 of the full plaintext key.
	Hash string
	// Prefix is the first 12 characters of the plaintext (e.g. "psk_AbCd1234"),
	// shown in lists so people can tell their keys apart.
	Prefix string
}

// NewAPIKey makes a key from 32 bytes of crypto/rand. The plaintext is shown
// to its owner once; only stored is kept.
func NewAPIKey() (plaintext string, stored StoredKey, err error) {
	var b [apiKeyRandomBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", StoredKey{}, fmt.Errorf("new API key: read random bytes: %w", err)
	}
	plaintext = APIKeyPrefix + keyEncoding.EncodeToString(b[:])
	return plaintext, StoredKey{Hash: HashAPIKey(plaintext), Prefix: plaintext[:APIKeyDisplayPrefix]}, nil
}

// HashAPIKey returns the lowercase hex SHA-256 of plaintext, as kept in
// StoredKey.Hash. The key has 256 random bits, so a fast hash is enough.
func HashAPIKey(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// LooksLikeAPIKey reports whether s has the shape of a key made by NewAPIKey:
// the prefix and 43 strict base64url characters encoding 32 bytes.
func LooksLikeAPIKey(s string) bool {
	if len(s) != apiKeyLen || !strings.HasPrefix(s, APIKeyPrefix) {
		return false
	}
	b, err := keyEncoding.DecodeString(s[len(APIKeyPrefix):])
	return err == nil && len(b) == apiKeyRandomBytes
}

// MatchAPIKey reports whether plaintext hashes to hash (hex, either case),
// comparing in constant time. A malformed hash never matches.
func MatchAPIKey(plaintext, hash string) bool {
	want, err := hex.DecodeString(hash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(plaintext))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
