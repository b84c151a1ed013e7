package secrets

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

const testKMSKey = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// wrappers returns each KeyWrapper implementation, by name, plus a second
// wrapper of the same kind holding a different master key.
func wrappers(t *testing.T) map[string][2]KeyWrapper {
	t.Helper()
	dir := t.TempDir()
	l1, err := LoadOrCreateKeyFile(filepath.Join(dir, "a.key"))
	if err != nil {
		t.Fatalf("local key a: %v", err)
	}
	l2, err := LoadOrCreateKeyFile(filepath.Join(dir, "b.key"))
	if err != nil {
		t.Fatalf("local key b: %v", err)
	}
	k1, err := NewKMSWrapper(newFakeKMS(t, testKMSKey).client(), testKMSKey)
	if err != nil {
		t.Fatalf("KMS wrapper 1: %v", err)
	}
	// Another KMS "account" whose key has the same ARN but other key material.
	k2, err := NewKMSWrapper(newFakeKMS(t, testKMSKey).client(), testKMSKey)
	if err != nil {
		t.Fatalf("KMS wrapper 2: %v", err)
	}
	return map[string][2]KeyWrapper{"local": {l1, l2}, "kms": {k1, k2}}
}

func newBox(t *testing.T, w KeyWrapper) *Box {
	t.Helper()
	b, err := NewBox(w)
	if err != nil {
		t.Fatalf("NewBox: %v", err)
	}
	return b
}

func TestBoxRoundTrip(t *testing.T) {
	ctx := context.Background()
	aad := SecretContext("t1", "p1", "prod", "OPENAI_API_KEY")
	values := map[string][]byte{
		"empty":   {},
		"one":     {'x'},
		"api key": []byte("sk-live-0123456789abcdef"),
		"unicode": []byte("pässwörd 🔑"),
		"binary":  {0, 1, 2, 255, 254, 0},
		"max":     bytes.Repeat([]byte{'z'}, MaxPlaintext),
	}
	for wname, ws := range wrappers(t) {
		box := newBox(t, ws[0])
		for vname, plain := range values {
			t.Run(wname+"/"+vname, func(t *testing.T) {
				s, err := box.Seal(ctx, plain, aad)
				if err != nil {
					t.Fatalf("Seal: %v", err)
				}
				if len(plain) > 8 && bytes.Contains(s.Encode(), plain) {
					t.Fatal("encoded value contains the plaintext")
				}
				got, err := box.Open(ctx, s, aad)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("Open = %q, want %q", got, plain)
				}
				// Through the binary form, as the store keeps it.
				enc := s.Encode()
				if !bytes.HasPrefix(enc, []byte("v1")) {
					t.Fatalf("encoding %x does not start with v1", enc[:4])
				}
				got, err = box.OpenEncoded(ctx, enc, aad)
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("OpenEncoded = %q, %v; want %q", got, err, plain)
				}
				// A different map with equal contents opens too: order does not matter.
				same := map[string]string{}
				for k, v := range aad {
					same[k] = v
				}
				if _, err := box.Open(ctx, s, same); err != nil {
					t.Fatalf("Open with an equal context: %v", err)
				}
			})
		}
	}
}

func TestBoxSealIsFresh(t *testing.T) {
	ctx := context.Background()
	aad := SecretContext("t1", "p1", "prod", "K")
	for wname, ws := range wrappers(t) {
		t.Run(wname, func(t *testing.T) {
			box := newBox(t, ws[0])
			a, err := box.Seal(ctx, []byte("same value"), aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			b, err := box.Seal(ctx, []byte("same value"), aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if bytes.Equal(a.WrappedKey, b.WrappedKey) || bytes.Equal(a.Nonce, b.Nonce) || bytes.Equal(a.Ciphertext, b.Ciphertext) {
				t.Fatal("two seals of one value share a wrapped key, nonce or ciphertext")
			}
		})
	}
}

func TestBoxRejectsTampering(t *testing.T) {
	ctx := context.Background()
	aad := SecretContext("t1", "p1", "prod", "DB_PASSWORD")
	for wname, ws := range wrappers(t) {
		box := newBox(t, ws[0])
		s, err := box.Seal(ctx, []byte("correct horse battery staple"), aad)
		if err != nil {
			t.Fatalf("%s: Seal: %v", wname, err)
		}
		other, err := box.Seal(ctx, []byte("another secret"), aad)
		if err != nil {
			t.Fatalf("%s: Seal: %v", wname, err)
		}
		flip := func(b []byte, i int) []byte {
			c := clone(b)
			c[i] ^= 0x01
			return c
		}
		tests := []struct {
			name string
			s    Sealed
			want error
		}{
			{"ciphertext first byte", Sealed{s.WrappedKey, s.Nonce, flip(s.Ciphertext, 0)}, ErrDecrypt},
			{"tag last byte", Sealed{s.WrappedKey, s.Nonce, flip(s.Ciphertext, len(s.Ciphertext)-1)}, ErrDecrypt},
			{"nonce", Sealed{s.WrappedKey, flip(s.Nonce, 5), s.Ciphertext}, ErrDecrypt},
			{"wrapped key last byte", Sealed{flip(s.WrappedKey, len(s.WrappedKey)-1), s.Nonce, s.Ciphertext}, ErrDecrypt},
			{"wrapped key middle byte", Sealed{flip(s.WrappedKey, len(s.WrappedKey)/2), s.Nonce, s.Ciphertext}, ErrDecrypt},
			{"wrapped key of another secret", Sealed{other.WrappedKey, s.Nonce, s.Ciphertext}, ErrDecrypt},
			{"ciphertext of another secret", Sealed{s.WrappedKey, other.Nonce, other.Ciphertext}, ErrDecrypt},
			{"ciphertext truncated", Sealed{s.WrappedKey, s.Nonce, s.Ciphertext[:len(s.Ciphertext)-1]}, ErrDecrypt},
			{"ciphertext shorter than a tag", Sealed{s.WrappedKey, s.Nonce, s.Ciphertext[:15]}, ErrMalformed},
			{"nonce missing", Sealed{s.WrappedKey, nil, s.Ciphertext}, ErrMalformed},
			{"wrapped key missing", Sealed{nil, s.Nonce, s.Ciphertext}, ErrMalformed},
		}
		for _, tt := range tests {
			t.Run(wname+"/"+tt.name, func(t *testing.T) {
				got, err := box.Open(ctx, tt.s, aad)
				if err == nil {
					t.Fatalf("Open succeeded with %q", got)
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %q, want %v", err, tt.want)
				}
			})
		}
		// Every single-byte change of the encoding is caught.
		enc := s.Encode()
		for i := range enc {
			if _, err := box.OpenEncoded(ctx, flip(enc, i), aad); err == nil {
				t.Fatalf("%s: flipping byte %d of the encoding went unnoticed", wname, i)
			} else if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: flipping byte %d: error %q is neither ErrDecrypt nor ErrMalformed", wname, i, err)
			}
		}
	}
}

func TestBoxRejectsWrongContext(t *testing.T) {
	ctx := context.Background()
	aad := SecretContext("t1", "p1", "prod", "DB_PASSWORD")
	wrong := map[string]map[string]string{
		"other tenant":  SecretContext("t2", "p1", "prod", "DB_PASSWORD"),
		"other project": SecretContext("t1", "p2", "prod", "DB_PASSWORD"),
		"other stage":   SecretContext("t1", "p1", "mock", "DB_PASSWORD"),
		"other key":     SecretContext("t1", "p1", "prod", "DB_PASSWORD2"),
		"extra pair":    {"tenant": "t1", "project": "p1", "stage": "prod", "secret": "DB_PASSWORD", "x": ""},
		"missing pair":  {"tenant": "t1", "project": "p1", "stage": "prod"},
		"no context":    nil,
		// Moving a separator between key and value must not collide.
		"shifted": {"tenant": "t1", "project": "p1", "stage": "prod", "secretD": "B_PASSWORD"},
	}
	for wname, ws := range wrappers(t) {
		box := newBox(t, ws[0])
		s, err := box.Seal(ctx, []byte("hunter2"), aad)
		if err != nil {
			t.Fatalf("%s: Seal: %v", wname, err)
		}
		for name, w := range wrong {
			t.Run(wname+"/"+name, func(t *testing.T) {
				got, err := box.Open(ctx, s, w)
				if err == nil {
					t.Fatalf("Open under %v succeeded with %q", w, got)
				}
				if !errors.Is(err, ErrDecrypt) {
					t.Fatalf("error %q, want ErrDecrypt", err)
				}
			})
		}
	}
}

func TestBoxRejectsWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	aad := SecretContext("t1", "p1", "prod", "K")
	all := wrappers(t)
	for wname, ws := range all {
		t.Run(wname, func(t *testing.T) {
			s, err := newBox(t, ws[0]).Seal(ctx, []byte("hunter2"), aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			_, err = newBox(t, ws[1]).Open(ctx, s, aad)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open with another master key: error %v, want ErrDecrypt", err)
			}
		})
	}
	// A value sealed under KMS does not open locally, and the reverse.
	ks, err := newBox(t, all["kms"][0]).Seal(ctx, []byte("x"), aad)
	if err != nil {
		t.Fatalf("KMS Seal: %v", err)
	}
	if _, err := newBox(t, all["local"][0]).Open(ctx, ks, aad); err == nil {
		t.Fatal("a KMS-sealed value opened with the local wrapper")
	}
	ls, err := newBox(t, all["local"][0]).Seal(ctx, []byte("x"), aad)
	if err != nil {
		t.Fatalf("local Seal: %v", err)
	}
	if _, err := newBox(t, all["kms"][0]).Open(ctx, ls, aad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("a locally sealed value under KMS: error %v, want ErrDecrypt", err)
	}
}

func TestBoxRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	ws := wrappers(t)["local"]
	box := newBox(t, ws[0])
	tests := []struct {
		name    string
		value   []byte
		aad     map[string]string
		wantSub string
	}{
		{"value too large", make([]byte, MaxPlaintext+1), SecretContext("t", "p", "s", "k"), "at most"},
		{"empty context key", []byte("x"), map[string]string{"": "v"}, "empty key"},
		{"invalid UTF-8 key", []byte("x"), map[string]string{"\xff": "v"}, "not valid UTF-8"},
		{"invalid UTF-8 value", []byte("x"), map[string]string{"k": "\xff"}, "not valid UTF-8"},
		{"context too large", []byte("x"), map[string]string{"k": strings.Repeat("v", MaxContextBytes)}, "bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := box.Seal(ctx, tt.value, tt.aad)
			if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
				t.Fatalf("Seal error %v, want one mentioning %q", err, tt.wantSub)
			}
		})
	}
	if _, err := NewBox(nil); err == nil {
		t.Fatal("NewBox(nil) succeeded")
	}
	many := map[string]string{}
	for i := range MaxContextPairs + 1 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	if _, err := box.Seal(ctx, []byte("x"), many); err == nil || !strings.Contains(err.Error(), "pairs") {
		t.Fatalf("Seal with %d pairs: error %v, want one about pairs", len(many), err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := box.Seal(cancelled, []byte("x"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Seal with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestSealedEncoding(t *testing.T) {
	s := Sealed{WrappedKey: []byte("wrapped"), Nonce: bytes.Repeat([]byte{7}, 12), Ciphertext: bytes.Repeat([]byte{9}, 20)}
	enc := s.Encode()
	want := append([]byte("v1\x07wrapped"), append(bytes.Repeat([]byte{7}, 12), bytes.Repeat([]byte{9}, 20)...)...)
	if !bytes.Equal(enc, want) {
		t.Fatalf("Encode = %q, want %q", enc, want)
	}
	got, err := DecodeSealed(enc)
	if err != nil {
		t.Fatalf("DecodeSealed: %v", err)
	}
	if !bytes.Equal(got.WrappedKey, s.WrappedKey) || !bytes.Equal(got.Nonce, s.Nonce) || !bytes.Equal(got.Ciphertext, s.Ciphertext) {
		t.Fatalf("DecodeSealed = %+v, want %+v", got, s)
	}
	enc[5] = 'X' // the decoded value does not alias its input
	if got.WrappedKey[2] != 'a' {
		t.Fatal("decoded value aliases the input")
	}

	mb, err := s.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	var u Sealed
	if err := u.UnmarshalBinary(mb); err != nil || !bytes.Equal(u.Encode(), mb) {
		t.Fatalf("UnmarshalBinary round trip: %v", err)
	}
	if _, err := (Sealed{}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("MarshalBinary of an empty Sealed: error %v, want ErrMalformed", err)
	}

	bad := []struct {
		name    string
		in      []byte
		wantSub string
	}{
		{"empty", nil, "version"},
		{"v2", []byte("v2\x01k" + strings.Repeat("n", 28)), "version"},
		{"no length", []byte("v1"), "bad varint"},
		{"zero wrapped key", append([]byte("v1\x00"), make([]byte, 28)...), "wrapped key length 0"},
		{"non-minimal varint", append([]byte("v1\x81\x00k"), make([]byte, 28)...), "non-minimal"},
		{"huge wrapped key", append([]byte("v1\xff\xff\xff\xff\x0f"), make([]byte, 28)...), "wrapped key length"},
		{"truncated wrapped key", []byte("v1\x10abc"), "wrapped key"},
		{"no ciphertext", append([]byte("v1\x01k"), make([]byte, 27)...), "nonce and ciphertext"},
		{"too long", append([]byte("v1\x01k"), make([]byte, 12+MaxPlaintext+17)...), "ciphertext"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSealed(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeSealed error %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not mention %q", err, tt.wantSub)
			}
		})
	}
}

func TestCanonicalContextIsInjective(t *testing.T) {
	cases := []map[string]string{
		nil,
		{"a": ""},
		{"a": "b"},
		{"ab": ""},
		{"a": "", "b": ""},
		{"a": "b", "c": "d"},
		{"a": "bc", "": "d"},
		{"a\x01b": "c"},
		{"a": "\x01bc"},
	}
	seen := map[string]int{}
	for i, c := range cases {
		enc := string(canonicalContext(nil, c))
		if j, dup := seen[enc]; dup {
			t.Errorf("contexts %v and %v encode alike", cases[j], c)
		}
		seen[enc] = i
	}
}
