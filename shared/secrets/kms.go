package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSClient is the part of *kms.Client that KMSWrapper uses.
type KMSClient interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMSWrapper has AWS KMS generate and unwrap data keys under one symmetric
// KMS key. The encryption context is passed to KMS, which binds it to the
// wrapped key (and records it in CloudTrail).
type KMSWrapper struct {
	client KMSClient
	keyID  string
}

// NewKMSWrapper returns a wrapper using the KMS key keyID (a key id, key ARN,
// alias name or alias ARN).
func NewKMSWrapper(client KMSClient, keyID string) (*KMSWrapper, error) {
	if client == nil {
		return nil, errors.New("new KMS wrapper: client: must not be nil")
	}
	if strings.TrimSpace(keyID) == "" {
		return nil, errors.New("new KMS wrapper: key id: must not be empty")
	}
	return &KMSWrapper{client: client, keyID: keyID}, nil
}

// GenerateDataKey calls KMS GenerateDataKey (AES_256) with aad as the
// encryption context.
func (w *KMSWrapper) GenerateDataKey(ctx context.Context, aad map[string]string) (DataKey, error) {
	if err := validateContext(aad); err != nil {
		return DataKey{}, fmt.Errorf("KMS generate data key: %w", err)
	}
	out, err := w.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             &w.keyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: nonEmpty(aad),
	})
	if err != nil {
		return DataKey{}, fmt.Errorf("KMS generate data key with key %s: %w", w.keyID, err)
	}
	if len(out.Plaintext) != DataKeySize || len(out.CiphertextBlob) == 0 {
		clear(out.Plaintext)
		return DataKey{}, fmt.Errorf("KMS generate data key with key %s: got a %d-byte key and a %d-byte blob, want %d and more than 0",
			w.keyID, len(out.Plaintext), len(out.CiphertextBlob), DataKeySize)
	}
	return DataKey{Plaintext: out.Plaintext, Wrapped: out.CiphertextBlob}, nil
}

// UnwrapKey calls KMS Decrypt with aad as the encryption context, pinned to
// the wrapper's key. A blob KMS cannot authenticate (tampered, other context,
// other key) is ErrDecrypt.
func (w *KMSWrapper) UnwrapKey(ctx context.Context, wrapped []byte, aad map[string]string) ([]byte, error) {
	if err := validateContext(aad); err != nil {
		return nil, fmt.Errorf("KMS decrypt data key: %w", err)
	}
	if len(wrapped) == 0 {
		return nil, fmt.Errorf("KMS decrypt data key: %w: empty wrapped key", ErrMalformed)
	}
	out, err := w.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		KeyId:             &w.keyID,
		EncryptionContext: nonEmpty(aad),
	})
	if err != nil {
		var invalid *types.InvalidCiphertextException
		var incorrect *types.IncorrectKeyException
		if errors.As(err, &invalid) || errors.As(err, &incorrect) {
			return nil, fmt.Errorf("KMS decrypt data key with key %s: %w: %w", w.keyID, ErrDecrypt, err)
		}
		return nil, fmt.Errorf("KMS decrypt data key with key %s: %w", w.keyID, err)
	}
	if len(out.Plaintext) != DataKeySize {
		clear(out.Plaintext)
		return nil, fmt.Errorf("KMS decrypt data key with key %s: %w: got %d bytes, want %d", w.keyID, ErrDecrypt, len(out.Plaintext), DataKeySize)
	}
	return out.Plaintext, nil
}

// nonEmpty leaves an empty context out of the request altogether.
func nonEmpty(aad map[string]string) map[string]string {
	if len(aad) == 0 {
		return nil
	}
	return aad
}
