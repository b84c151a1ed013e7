package secrets

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestKMSWrapperSpeaksKMS(t *testing.T) {
	ctx := context.Background()
	fake := newFakeKMS(t, testKMSKey)
	w, err := NewKMSWrapper(fake.client(), testKMSKey)
	if err != nil {
		t.Fatalf("NewKMSWrapper: %v", err)
	}
	aad := SecretContext("t1", "p1", "prod", "STRIPE_KEY")
	dk, err := w.GenerateDataKey(ctx, aad)
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	if len(dk.Plaintext) != 32 || len(dk.Wrapped) == 0 {
		t.Fatalf("data key %d bytes, wrapped %d", len(dk.Plaintext), len(dk.Wrapped))
	}
	if got := fake.lastContext(); !maps.Equal(got, aad) {
		t.Fatalf("KMS received encryption context %v, want %v", got, aad)
	}
	key, err := w.UnwrapKey(ctx, dk.Wrapped, aad)
	if err != nil {
		t.Fatalf("UnwrapKey: %v", err)
	}
	if string(key) != string(dk.Plaintext) {
		t.Fatal("KMS Decrypt returned another key")
	}
	if got := fake.lastContext(); !maps.Equal(got, aad) {
		t.Fatalf("Decrypt sent encryption context %v, want %v", got, aad)
	}
	if fake.count("GenerateDataKey") != 1 || fake.count("Decrypt") != 1 {
		t.Fatalf("calls: GenerateDataKey %d, Decrypt %d; want 1 each", fake.count("GenerateDataKey"), fake.count("Decrypt"))
	}

	// KMS enforces the context.
	_, err = w.UnwrapKey(ctx, dk.Wrapped, SecretContext("t2", "p1", "prod", "STRIPE_KEY"))
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("UnwrapKey under another context: error %v, want ErrDecrypt", err)
	}
	var invalid *types.InvalidCiphertextException
	if !errors.As(err, &invalid) {
		t.Errorf("error %v does not carry the SDK's InvalidCiphertextException", err)
	}
}

func TestKMSWrapperErrors(t *testing.T) {
	ctx := context.Background()
	fake := newFakeKMS(t, testKMSKey)
	aad := SecretContext("t", "p", "s", "k")

	// A key KMS does not know: the service error comes through, named.
	missing, err := NewKMSWrapper(fake.client(), "arn:aws:kms:eu-west-1:111122223333:key/missing")
	if err != nil {
		t.Fatalf("NewKMSWrapper: %v", err)
	}
	_, err = missing.GenerateDataKey(ctx, aad)
	var notFound *types.NotFoundException
	if !errors.As(err, &notFound) || !strings.Contains(err.Error(), "key/missing") {
		t.Fatalf("GenerateDataKey with an unknown key: error %v, want NotFoundException naming the key", err)
	}

	w, err := NewKMSWrapper(fake.client(), testKMSKey)
	if err != nil {
		t.Fatalf("NewKMSWrapper: %v", err)
	}
	dk, err := w.GenerateDataKey(ctx, aad)
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}

	// Decrypt pinned to another key: IncorrectKeyException, i.e. ErrDecrypt.
	_, err = missing.UnwrapKey(ctx, dk.Wrapped, aad)
	var incorrect *types.IncorrectKeyException
	if !errors.Is(err, ErrDecrypt) || !errors.As(err, &incorrect) {
		t.Fatalf("UnwrapKey pinned to another key: error %v, want ErrDecrypt and IncorrectKeyException", err)
	}
	// A service failure is an error but not a decryption failure: callers may retry.
	fake.failNextCall("KMSInternalException")
	_, err = w.UnwrapKey(ctx, dk.Wrapped, aad)
	if err == nil || errors.Is(err, ErrDecrypt) {
		t.Fatalf("UnwrapKey during a KMS outage: error %v, want a non-ErrDecrypt error", err)
	}
	var internal *types.KMSInternalException
	if !errors.As(err, &internal) {
		t.Errorf("error %v does not carry KMSInternalException", err)
	}
	if _, err := w.UnwrapKey(ctx, nil, aad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("UnwrapKey(nil): error %v, want ErrMalformed", err)
	}
	if _, err := w.GenerateDataKey(ctx, map[string]string{"": "x"}); err == nil || !strings.Contains(err.Error(), "empty key") {
		t.Fatalf("GenerateDataKey with an empty context key: error %v", err)
	}

	if _, err := NewKMSWrapper(nil, testKMSKey); err == nil {
		t.Error("NewKMSWrapper(nil client) succeeded")
	}
	if _, err := NewKMSWrapper(fake.client(), " "); err == nil || !strings.Contains(err.Error(), "key id") {
		t.Errorf("NewKMSWrapper(blank key): error %v, want one naming the key id", err)
	}
}

// shortKMS returns a malformed GenerateDataKey answer, as a broken proxy might.
type shortKMS struct{ KMSClient }

func (shortKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return &kms.GenerateDataKeyOutput{Plaintext: make([]byte, 16), CiphertextBlob: []byte("blob")}, nil
}

func TestKMSWrapperChecksAnswers(t *testing.T) {
	w, err := NewKMSWrapper(shortKMS{}, testKMSKey)
	if err != nil {
		t.Fatalf("NewKMSWrapper: %v", err)
	}
	if _, err := w.GenerateDataKey(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "16-byte key") {
		t.Fatalf("GenerateDataKey with a 16-byte answer: error %v", err)
	}
}
