package secrets

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKeyFileCreatesThenLoads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "secrets.key")
	w1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %04o, want 0600", perm)
	}
	if info.Size() != 32 {
		t.Errorf("key file size %d, want 32", info.Size())
	}
	dirInfo, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatalf("stat dir: %v", err)
	}
	if perm := dirInfo.Mode().Perm(); perm != 0o700 {
		t.Errorf("created directory mode %04o, want 0700", perm)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want just the key file (no temporary left over)", len(entries))
	}

	aad := SecretContext("t", "p", "s", "k")
	dk, err := w1.GenerateDataKey(ctx, aad)
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	if len(dk.Plaintext) != 32 || len(dk.Wrapped) != localWrappedSize {
		t.Fatalf("data key %d bytes, wrapped %d; want 32 and %d", len(dk.Plaintext), len(dk.Wrapped), localWrappedSize)
	}
	if bytes.Contains(dk.Wrapped, dk.Plaintext) {
		t.Fatal("wrapped key contains the plain key")
	}

	w2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if w1.KeyID() != w2.KeyID() {
		t.Fatalf("reloaded key id %s, want %s", w2.KeyID(), w1.KeyID())
	}
	got, err := w2.UnwrapKey(ctx, dk.Wrapped, aad)
	if err != nil {
		t.Fatalf("UnwrapKey with the reloaded key: %v", err)
	}
	if !bytes.Equal(got, dk.Plaintext) {
		t.Fatal("reloaded key unwrapped a different data key")
	}
}

func TestLoadOrCreateKeyFileRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, perm); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatalf("chmod %s: %v", name, err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantSub string
	}{
		{"short key", write("short.key", make([]byte, 16), 0o600), "holds 16 bytes, want exactly 32"},
		{"long key", write("long.key", make([]byte, 33), 0o600), "holds 33 bytes, want exactly 32"},
		{"hex text key", write("hex.key", []byte(strings.Repeat("ab", 32)+"\n"), 0o600), "holds 65 bytes"},
		{"empty file", write("empty.key", nil, 0o600), "holds 0 bytes"},
		{"world readable", write("open.key", make([]byte, 32), 0o644), "chmod 600"},
		{"group readable", write("group.key", make([]byte, 32), 0o640), "mode 0640"},
		{"a directory", dir, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := LoadOrCreateKeyFile(tt.path)
			if err == nil {
				t.Fatalf("LoadOrCreateKeyFile succeeded (key id %s)", w.KeyID())
			}
			if !strings.Contains(err.Error(), tt.wantSub) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the file and %q", err, tt.wantSub)
			}
		})
	}
	if info, err := os.Stat(filepath.Join(dir, "short.key")); err != nil || info.Size() != 16 {
		t.Error("a refused key file was changed")
	}
}

func TestLoadOrCreateKeyFileConcurrentCreatorsAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	ids := make([]string, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			w, err := LoadOrCreateKeyFile(path)
			errs[i] = err
			if err == nil {
				ids[i] = w.KeyID()
			}
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("creator %d got key %s, creator 0 got %s", i, ids[i], ids[0])
		}
	}
}

func TestLocalWrapper(t *testing.T) {
	ctx := context.Background()
	if _, err := NewLocalWrapper(make([]byte, 31)); err == nil || !strings.Contains(err.Error(), "31 bytes") {
		t.Fatalf("NewLocalWrapper(31 bytes): error %v, want one naming the length", err)
	}
	w, err := NewLocalWrapper(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatalf("NewLocalWrapper: %v", err)
	}
	other, err := NewLocalWrapper(bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatalf("NewLocalWrapper: %v", err)
	}
	aad := map[string]string{"tenant": "t"}
	dk := bytes.Repeat([]byte{0xAB}, 32)
	wrapped, err := w.WrapKey(ctx, dk, aad)
	if err != nil {
		t.Fatalf("WrapKey: %v", err)
	}
	if got, err := w.UnwrapKey(ctx, wrapped, aad); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("UnwrapKey = %x, %v", got, err)
	}
	if _, err := w.WrapKey(ctx, dk[:16], aad); err == nil {
		t.Error("WrapKey accepted a 16-byte data key")
	}

	tests := []struct {
		name    string
		w       *LocalWrapper
		wrapped []byte
		aad     map[string]string
		want    error
		wantSub string
	}{
		{"other master key", other, wrapped, aad, ErrDecrypt, "wrapped by local key"},
		{"other context", w, wrapped, map[string]string{"tenant": "u"}, ErrDecrypt, "context"},
		{"truncated", w, wrapped[:len(wrapped)-1], aad, ErrMalformed, "bytes"},
		{"other version", w, append([]byte{9}, wrapped[1:]...), aad, ErrMalformed, "version 9"},
		{"flipped tag", w, append(clone(wrapped[:len(wrapped)-1]), wrapped[len(wrapped)-1]^1), aad, ErrDecrypt, "tampered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.w.UnwrapKey(ctx, tt.wrapped, tt.aad)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantSub) {
				t.Fatalf("error %v, want %v mentioning %q", err, tt.want, tt.wantSub)
			}
		})
	}
}
