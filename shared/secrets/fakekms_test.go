package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// fakeKMS is a stand-in for AWS KMS that speaks its wire protocol (AWS JSON
// 1.1: POST / with X-Amz-Target: TrentService.<Operation>, JSON bodies,
// blobs in base64) and really encrypts: data keys are sealed with AES-GCM
// under the fake's own master key, with the encryption context as AAD, so a
// wrong context or a tampered blob fails as it would in KMS.
type fakeKMS struct {
	*httptest.Server
	keyID  string // the key ARN
	master cipher.AEAD

	mu       sync.Mutex
	calls    map[string]int
	contexts []map[string]string // encryption contexts received, in order
	failNext string              // if set, the next call fails with this error type (500)
}

func newFakeKMS(t testing.TB, keyID string) *fakeKMS {
	t.Helper()
	mk := make([]byte, 32)
	if _, err := rand.Read(mk); err != nil {
		t.Fatalf("fake KMS master key: %v", err)
	}
	block, err := aes.NewCipher(mk)
	if err != nil {
		t.Fatalf("fake KMS: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatalf("fake KMS: %v", err)
	}
	f := &fakeKMS{keyID: keyID, master: aead, calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// client returns a real SDK client pointed at the fake with static credentials.
func (f *fakeKMS) client() *kms.Client {
	return kms.New(kms.Options{
		Region:           "eu-west-1",
		BaseEndpoint:     aws.String(f.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func (f *fakeKMS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeKMS) lastContext() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.contexts) == 0 {
		return nil
	}
	return f.contexts[len(f.contexts)-1]
}

func (f *fakeKMS) failNextCall(errType string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = errType
}

func kmsError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": msg})
}

func (f *fakeKMS) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		kmsError(w, http.StatusNotFound, "UnknownOperationException", "POST / only")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		kmsError(w, http.StatusBadRequest, "SerializationException", "content type "+ct)
		return
	}
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
		kmsError(w, http.StatusBadRequest, "UnrecognizedClientException", "missing SigV4 signature")
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	if !ok {
		kmsError(w, http.StatusBadRequest, "UnknownOperationException", "bad X-Amz-Target")
		return
	}
	f.mu.Lock()
	f.calls[op]++
	fail := f.failNext
	f.failNext = ""
	f.mu.Unlock()
	if fail != "" {
		kmsError(w, http.StatusInternalServerError, fail, "injected failure")
		return
	}

	var in struct {
		KeyId             string
		KeySpec           string
		NumberOfBytes     int
		EncryptionContext map[string]string
		CiphertextBlob    []byte // base64 in JSON
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&in); err != nil {
		kmsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	f.mu.Lock()
	f.contexts = append(f.contexts, in.EncryptionContext)
	f.mu.Unlock()
	aad, _ := json.Marshal(in.EncryptionContext) // map keys are sorted: canonical

	var out any
	switch op {
	case "GenerateDataKey":
		if in.KeyId != f.keyID {
			kmsError(w, http.StatusBadRequest, "NotFoundException", "key "+in.KeyId+" not found")
			return
		}
		if in.KeySpec != "AES_256" || in.NumberOfBytes != 0 {
			kmsError(w, http.StatusBadRequest, "ValidationException", "want KeySpec AES_256")
			return
		}
		dk := make([]byte, 32)
		nonce := make([]byte, 12)
		_, _ = rand.Read(dk)
		_, _ = rand.Read(nonce)
		blob := append([]byte{byte(len(f.keyID))}, f.keyID...)
		blob = append(blob, nonce...)
		blob = f.master.Seal(blob, nonce, dk, aad)
		out = map[string]any{"KeyId": f.keyID, "Plaintext": dk, "CiphertextBlob": blob}
	case "Decrypt":
		blob := in.CiphertextBlob
		if len(blob) < 1 || len(blob) < 1+int(blob[0])+12+16 {
			kmsError(w, http.StatusBadRequest, "InvalidCiphertextException", "blob too short")
			return
		}
		blobKey := string(blob[1 : 1+int(blob[0])])
		if in.KeyId != "" && in.KeyId != blobKey {
			kmsError(w, http.StatusBadRequest, "IncorrectKeyException", fmt.Sprintf("blob is for key %s, not %s", blobKey, in.KeyId))
			return
		}
		rest := blob[1+int(blob[0]):]
		dk, err := f.master.Open(nil, rest[:12], rest[12:], aad)
		if err != nil || blobKey != f.keyID {
			kmsError(w, http.StatusBadRequest, "InvalidCiphertextException", "")
			return
		}
		out = map[string]any{"KeyId": blobKey, "Plaintext": dk, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
	default:
		kmsError(w, http.StatusBadRequest, "UnknownOperationException", op)
		return
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(out)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(buf.Bytes())
}
