package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// MaxPlaintext is the largest secret value a Box seals.
const MaxPlaintext = 64 << 10

// MaxWrappedKey bounds the wrapped data key in a Sealed value (a KMS blob is
// under 200 bytes; a local one 69).
const MaxWrappedKey = 1024

// sealedVersion starts every encoded Sealed value.
const sealedVersion = "v1"

// valueAADLabel separates value encryption from every other use of a data key.
const valueAADLabel = "polysynergy/secrets/value\x00"

// Sealed is an encrypted secret value. Its binary form (Encode) is
//
//	"v1" | uvarint len(WrappedKey) | WrappedKey | Nonce (12) | Ciphertext (with 16-byte tag)
//
// and it carries nothing in the clear but lengths.
type Sealed struct {
	// WrappedKey is the value's data key, wrapped by the KeyWrapper.
	WrappedKey []byte
	// Nonce is the AES-GCM nonce, 12 random bytes.
	Nonce []byte
	// Ciphertext is the AES-256-GCM ciphertext followed by its tag.
	Ciphertext []byte
}

// Encode returns the binary form of s.
func (s Sealed) Encode() []byte {
	out := s.header(make([]byte, 0, len(sealedVersion)+binary.MaxVarintLen64+len(s.WrappedKey)+len(s.Nonce)+len(s.Ciphertext)))
	out = append(out, s.Nonce...)
	return append(out, s.Ciphertext...)
}

// header appends the version and wrapped key part of the encoding to dst.
func (s Sealed) header(dst []byte) []byte {
	dst = append(dst, sealedVersion...)
	dst = binary.AppendUvarint(dst, uint64(len(s.WrappedKey)))
	return append(dst, s.WrappedKey...)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (s Sealed) MarshalBinary() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.Encode(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (s *Sealed) UnmarshalBinary(data []byte) error {
	d, err := DecodeSealed(data)
	if err != nil {
		return err
	}
	*s = d
	return nil
}

// DecodeSealed parses the binary form made by Encode. The result does not
// alias b. Errors wrap ErrMalformed and say which part is wrong.
func DecodeSealed(b []byte) (Sealed, error) {
	if len(b) < len(sealedVersion) || string(b[:len(sealedVersion)]) != sealedVersion {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: version: want prefix %q", ErrMalformed, sealedVersion)
	}
	rest := b[len(sealedVersion):]
	n, used := binary.Uvarint(rest)
	if used <= 0 {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: wrapped key length: bad varint", ErrMalformed)
	}
	if used != uvarintLen(n) {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: wrapped key length: non-minimal varint", ErrMalformed)
	}
	rest = rest[used:]
	if n == 0 || n > MaxWrappedKey {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: wrapped key length %d: want 1 to %d", ErrMalformed, n, MaxWrappedKey)
	}
	if uint64(len(rest)) < n {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: wrapped key: %d bytes left, want %d", ErrMalformed, len(rest), n)
	}
	s := Sealed{WrappedKey: clone(rest[:n])}
	rest = rest[n:]
	if len(rest) < gcmNonceSize+gcmTagSize {
		return Sealed{}, fmt.Errorf("decode sealed secret: %w: nonce and ciphertext: %d bytes, want at least %d", ErrMalformed, len(rest), gcmNonceSize+gcmTagSize)
	}
	s.Nonce = clone(rest[:gcmNonceSize])
	s.Ciphertext = clone(rest[gcmNonceSize:])
	if err := s.check(); err != nil {
		return Sealed{}, err
	}
	return s, nil
}

func uvarintLen(n uint64) int {
	var buf [binary.MaxVarintLen64]byte
	return binary.PutUvarint(buf[:], n)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// check validates the parts' sizes.
func (s Sealed) check() error {
	switch {
	case len(s.WrappedKey) == 0 || len(s.WrappedKey) > MaxWrappedKey:
		return fmt.Errorf("sealed secret: %w: wrapped key: %d bytes, want 1 to %d", ErrMalformed, len(s.WrappedKey), MaxWrappedKey)
	case len(s.Nonce) != gcmNonceSize:
		return fmt.Errorf("sealed secret: %w: nonce: %d bytes, want %d", ErrMalformed, len(s.Nonce), gcmNonceSize)
	case len(s.Ciphertext) < gcmTagSize || len(s.Ciphertext) > MaxPlaintext+gcmTagSize:
		return fmt.Errorf("sealed secret: %w: ciphertext: %d bytes, want %d to %d", ErrMalformed, len(s.Ciphertext), gcmTagSize, MaxPlaintext+gcmTagSize)
	}
	return nil
}

// Box seals and opens secret values with envelope encryption.
type Box struct {
	wrapper KeyWrapper
}

// NewBox returns a Box whose data keys are wrapped by w.
func NewBox(w KeyWrapper) (*Box, error) {
	if w == nil {
		return nil, errors.New("new box: key wrapper: must not be nil")
	}
	return &Box{wrapper: w}, nil
}

// Seal encrypts plaintext under a fresh data key, binding it to aad (use
// SecretContext): opening it needs the same context.
func (b *Box) Seal(ctx context.Context, plaintext []byte, aad map[string]string) (Sealed, error) {
	if len(plaintext) > MaxPlaintext {
		return Sealed{}, fmt.Errorf("seal secret: value is %d bytes, at most %d allowed", len(plaintext), MaxPlaintext)
	}
	if err := validateContext(aad); err != nil {
		return Sealed{}, fmt.Errorf("seal secret: %w", err)
	}
	dk, err := b.wrapper.GenerateDataKey(ctx, aad)
	if err != nil {
		return Sealed{}, fmt.Errorf("seal secret: %w", err)
	}
	defer clear(dk.Plaintext)
	if len(dk.Plaintext) != DataKeySize || len(dk.Wrapped) == 0 || len(dk.Wrapped) > MaxWrappedKey {
		return Sealed{}, fmt.Errorf("seal secret: key wrapper returned a %d-byte key and a %d-byte wrapped key, want %d and 1 to %d",
			len(dk.Plaintext), len(dk.Wrapped), DataKeySize, MaxWrappedKey)
	}
	aead, err := newGCM(dk.Plaintext)
	if err != nil {
		return Sealed{}, fmt.Errorf("seal secret: %w", err)
	}
	s := Sealed{WrappedKey: dk.Wrapped, Nonce: make([]byte, gcmNonceSize)}
	if _, err := rand.Read(s.Nonce); err != nil {
		return Sealed{}, fmt.Errorf("seal secret: nonce: %w", err)
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, plaintext, valueAAD(s, aad))
	return s, nil
}

// Open decrypts s, which must have been sealed with the same aad under a
// master key the Box's wrapper holds. Tampering, another context or another
// master key give an error wrapping ErrDecrypt; a malformed s, ErrMalformed.
func (b *Box) Open(ctx context.Context, s Sealed, aad map[string]string) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	if err := validateContext(aad); err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	key, err := b.wrapper.UnwrapKey(ctx, s.WrappedKey, aad)
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	defer clear(key)
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("open secret: %w: unwrapped key is %d bytes, want %d", ErrDecrypt, len(key), DataKeySize)
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	plaintext, err := aead.Open(nil, s.Nonce, s.Ciphertext, valueAAD(s, aad))
	if err != nil {
		return nil, fmt.Errorf("open secret: %w: value does not authenticate", ErrDecrypt)
	}
	return plaintext, nil
}

// OpenEncoded decodes and opens the binary form made by Sealed.Encode.
func (b *Box) OpenEncoded(ctx context.Context, encoded []byte, aad map[string]string) ([]byte, error) {
	s, err := DecodeSealed(encoded)
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	return b.Open(ctx, s, aad)
}

// valueAAD authenticates the label, the encoded header (version and wrapped
// key) and the canonical context along with the value.
func valueAAD(s Sealed, aad map[string]string) []byte {
	buf := make([]byte, 0, len(valueAADLabel)+len(sealedVersion)+binary.MaxVarintLen64+len(s.WrappedKey)+64)
	buf = append(buf, valueAADLabel...)
	buf = s.header(buf)
	return canonicalContext(buf, aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return aead, nil
}
