package secrets

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Layout of a locally wrapped data key:
// version (1) | key id (8) | nonce (12) | AES-GCM(data key) (32 + 16 tag).
const (
	localWrapVersion = 1
	localKeyIDSize   = 8
	gcmNonceSize     = 12
	gcmTagSize       = 16
	localWrappedSize = 1 + localKeyIDSize + gcmNonceSize + DataKeySize + gcmTagSize
)

// localWrapLabel separates local key wrapping from every other use of the key.
const localWrapLabel = "polysynergy/secrets/local-wrap/v1\x00"

// LocalWrapper wraps data keys with AES-256-GCM under a 32-byte master key
// held in memory — for local development, where there is no KMS.
type LocalWrapper struct {
	aead  cipher.AEAD
	keyID [localKeyIDSize]byte
}

// NewLocalWrapper returns a wrapper using the 32-byte master key.
func NewLocalWrapper(masterKey []byte) (*LocalWrapper, error) {
	if len(masterKey) != DataKeySize {
		return nil, fmt.Errorf("local master key: %d bytes, want %d", len(masterKey), DataKeySize)
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("local master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("local master key: %w", err)
	}
	w := &LocalWrapper{aead: aead}
	sum := sha256.Sum256(append([]byte("polysynergy/secrets/local-key-id\x00"), masterKey...))
	copy(w.keyID[:], sum[:])
	return w, nil
}

// KeyID is a short public fingerprint of the master key (hex), recorded in
// every key it wraps so a key file mix-up is reported as such.
func (w *LocalWrapper) KeyID() string { return hex.EncodeToString(w.keyID[:]) }

// LoadOrCreateKeyFile reads the 32-byte master key at path, or — when there
// is no file — creates one from crypto/rand with mode 0600 (and its directory
// with 0700). It refuses a file of the wrong length and a file that group or
// others may access. Concurrent first calls agree on one key.
func LoadOrCreateKeyFile(path string) (*LocalWrapper, error) {
	for range 2 {
		key, err := readKeyFile(path)
		if err == nil {
			w, err := NewLocalWrapper(key)
			clear(key)
			if err != nil {
				return nil, fmt.Errorf("key file %s: %w", path, err)
			}
			return w, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := createKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// Created, or someone else created it first: read it back.
	}
	return nil, fmt.Errorf("key file %s: vanished while being created", path)
}

func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s: not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s: mode %04o lets group or others access it; run chmod 600 %s", path, perm, path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if len(key) != DataKeySize {
		n := len(key)
		clear(key)
		return nil, fmt.Errorf("key file %s: holds %d bytes, want exactly %d raw bytes (a 256-bit key)", path, n, DataKeySize)
	}
	return key, nil
}

// createKeyFile writes a new key to a temporary file and links it into place,
// so path either does not exist or holds a whole key. It returns an error
// wrapping fs.ErrExist when path appeared meanwhile.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("key file %s: create directory: %w", path, err)
	}
	key := make([]byte, DataKeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("key file %s: generate key: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".keyfile-*")
	if err != nil {
		return fmt.Errorf("key file %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("key file %s: %w", path, err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return fmt.Errorf("key file %s: write: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("key file %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("key file %s: %w", path, err)
	}
	if err := os.Link(tmpName, path); err != nil {
		return fmt.Errorf("key file %s: %w", path, err)
	}
	return nil
}

// GenerateDataKey returns a fresh random data key wrapped under the master key.
func (w *LocalWrapper) GenerateDataKey(ctx context.Context, aad map[string]string) (DataKey, error) {
	key := make([]byte, DataKeySize)
	if _, err := rand.Read(key); err != nil {
		return DataKey{}, fmt.Errorf("generate data key: %w", err)
	}
	wrapped, err := w.WrapKey(ctx, key, aad)
	if err != nil {
		clear(key)
		return DataKey{}, err
	}
	return DataKey{Plaintext: key, Wrapped: wrapped}, nil
}

// WrapKey encrypts a DataKeySize-byte data key, binding it to aad.
func (w *LocalWrapper) WrapKey(ctx context.Context, dataKey []byte, aad map[string]string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	if len(dataKey) != DataKeySize {
		return nil, fmt.Errorf("wrap data key: %d bytes, want %d", len(dataKey), DataKeySize)
	}
	if err := validateContext(aad); err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	out := make([]byte, 0, localWrappedSize)
	out = append(out, localWrapVersion)
	out = append(out, w.keyID[:]...)
	nonce := make([]byte, gcmNonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("wrap data key: nonce: %w", err)
	}
	out = append(out, nonce...)
	return w.aead.Seal(out, nonce, dataKey, w.wrapAAD(out[:1+localKeyIDSize], aad)), nil
}

// UnwrapKey decrypts a key made by WrapKey under the same master key and aad.
func (w *LocalWrapper) UnwrapKey(ctx context.Context, wrapped []byte, aad map[string]string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	if err := validateContext(aad); err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	if len(wrapped) != localWrappedSize {
		return nil, fmt.Errorf("unwrap data key: %w: local wrapped key is %d bytes, want %d", ErrMalformed, len(wrapped), localWrappedSize)
	}
	if wrapped[0] != localWrapVersion {
		return nil, fmt.Errorf("unwrap data key: %w: local wrap version %d, want %d", ErrMalformed, wrapped[0], localWrapVersion)
	}
	if id := wrapped[1 : 1+localKeyIDSize]; !bytes.Equal(id, w.keyID[:]) {
		return nil, fmt.Errorf("unwrap data key: %w: wrapped by local key %x, this is key %s", ErrDecrypt, id, w.KeyID())
	}
	nonce := wrapped[1+localKeyIDSize : 1+localKeyIDSize+gcmNonceSize]
	key, err := w.aead.Open(nil, nonce, wrapped[1+localKeyIDSize+gcmNonceSize:], w.wrapAAD(wrapped[:1+localKeyIDSize], aad))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w: wrong encryption context or tampered key", ErrDecrypt)
	}
	return key, nil
}

func (w *LocalWrapper) wrapAAD(header []byte, aad map[string]string) []byte {
	buf := make([]byte, 0, len(localWrapLabel)+len(header)+64)
	buf = append(buf, localWrapLabel...)
	buf = append(buf, header...)
	return canonicalContext(buf, aad)
}
