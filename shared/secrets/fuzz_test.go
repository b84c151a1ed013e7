package secrets

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fuzzMasterKey is the fixed master key the FuzzOpen seeds in testdata were
// sealed under (bytes 0..31), with fuzzContext and the value fuzzValue.
func fuzzMasterKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

var fuzzContext = SecretContext("t1", "p1", "prod", "FUZZ")

const fuzzValue = "fuzz secret value"

// FuzzDecodeSealed: any input either decodes to a Sealed whose encoding is
// exactly the input (one spelling per value) with parts within limits, or
// fails with ErrMalformed. Nothing panics.
func FuzzDecodeSealed(f *testing.F) {
	w, err := NewLocalWrapper(fuzzMasterKey())
	if err != nil {
		f.Fatalf("NewLocalWrapper: %v", err)
	}
	box, err := NewBox(w)
	if err != nil {
		f.Fatalf("NewBox: %v", err)
	}
	s, err := box.Seal(context.Background(), []byte(fuzzValue), fuzzContext)
	if err != nil {
		f.Fatalf("Seal: %v", err)
	}
	f.Add(s.Encode())
	f.Add([]byte("v1"))
	f.Add([]byte("v1\x80"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSealed(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeSealed(%x) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		if enc := s.Encode(); !bytes.Equal(enc, data) {
			t.Fatalf("DecodeSealed(%x) re-encodes as %x", data, enc)
		}
		if len(s.Nonce) != 12 || len(s.Ciphertext) < 16 || len(s.WrappedKey) == 0 || len(s.WrappedKey) > MaxWrappedKey {
			t.Fatalf("DecodeSealed(%x) accepted parts of sizes %d/%d/%d", data, len(s.WrappedKey), len(s.Nonce), len(s.Ciphertext))
		}
		if len(data) > 0 {
			data[len(data)-1] ^= 0xff // the decoded value must not alias its input
			if bytes.Equal(s.Encode(), data) {
				t.Fatal("decoded value aliases its input")
			}
		}
	})
}

// FuzzOpen: arbitrary bytes opened under the fixed key never panic, fail
// with ErrMalformed or ErrDecrypt, and open only when they are a genuine seal
// (GCM cannot be forged), which then yields fuzzValue.
func FuzzOpen(f *testing.F) {
	w, err := NewLocalWrapper(fuzzMasterKey())
	if err != nil {
		f.Fatalf("NewLocalWrapper: %v", err)
	}
	box, err := NewBox(w)
	if err != nil {
		f.Fatalf("NewBox: %v", err)
	}
	ctx := context.Background()
	s, err := box.Seal(ctx, []byte(fuzzValue), fuzzContext)
	if err != nil {
		f.Fatalf("Seal: %v", err)
	}
	f.Add(s.Encode())
	tampered := s.Encode()
	tampered[len(tampered)-1] ^= 1
	f.Add(tampered)

	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := box.OpenEncoded(ctx, data, fuzzContext)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("OpenEncoded(%x) error %v is neither ErrMalformed nor ErrDecrypt", data, err)
			}
			return
		}
		if string(got) != fuzzValue {
			t.Fatalf("OpenEncoded(%x) = %q, want %q", data, got, fuzzValue)
		}
	})
}

func BenchmarkSealOpenLocal(b *testing.B) {
	w, err := NewLocalWrapper(fuzzMasterKey())
	if err != nil {
		b.Fatalf("NewLocalWrapper: %v", err)
	}
	box, err := NewBox(w)
	if err != nil {
		b.Fatalf("NewBox: %v", err)
	}
	ctx := context.Background()
	value := bytes.Repeat([]byte("s"), 256)
	for b.Loop() {
		s, err := box.Seal(ctx, value, fuzzContext)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := box.OpenEncoded(ctx, s.Encode(), fuzzContext); err != nil {
			b.Fatal(err)
		}
	}
}
