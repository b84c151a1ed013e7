package secrets

import (
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Limits on an encryption context. KMS caps a context at 8192 characters.
const (
	MaxContextPairs = 32
	MaxContextBytes = 8192
)

// The context keys used by SecretContext.
const (
	ContextTenant  = "tenant"
	ContextProject = "project"
	ContextStage   = "stage"
	ContextSecret  = "secret"
)

// SecretContext returns the encryption context a secret value is bound to:
// the tenant, project, stage and secret key it belongs to. Opening the value
// under any other context fails.
func SecretContext(tenant, project, stage, key string) map[string]string {
	return map[string]string{
		ContextTenant:  tenant,
		ContextProject: project,
		ContextStage:   stage,
		ContextSecret:  key,
	}
}

// validateContext checks that aad can be used as an encryption context: at
// most MaxContextPairs pairs, non-empty UTF-8 keys, UTF-8 values, and at
// most MaxContextBytes in all.
func validateContext(aad map[string]string) error {
	if len(aad) > MaxContextPairs {
		return fmt.Errorf("encryption context: %d pairs, at most %d allowed", len(aad), MaxContextPairs)
	}
	total := 0
	for k, v := range aad {
		switch {
		case k == "":
			return fmt.Errorf("encryption context: empty key")
		case !utf8.ValidString(k):
			return fmt.Errorf("encryption context: key %q: not valid UTF-8", k)
		case !utf8.ValidString(v):
			return fmt.Errorf("encryption context: value of %q: not valid UTF-8", k)
		}
		total += len(k) + len(v)
	}
	if total > MaxContextBytes {
		return fmt.Errorf("encryption context: %d bytes, at most %d allowed", total, MaxContextBytes)
	}
	return nil
}

// canonicalContext encodes aad unambiguously and independently of map order:
// the pair count, then for each pair in key order the key and the value,
// each preceded by its length (all lengths as uvarints).
func canonicalContext(dst []byte, aad map[string]string) []byte {
	keys := make([]string, 0, len(aad))
	for k := range aad {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		v := aad[k]
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}
