package auth

import (
	"strings"
	"testing"
)

func TestNewAPIKey(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		plain, stored, err := NewAPIKey()
		if err != nil {
			t.Fatalf("NewAPIKey: %v", err)
		}
		if !strings.HasPrefix(plain, "psk_") || len(plain) != 47 {
			t.Fatalf("plaintext %q: want psk_ and 47 characters", plain)
		}
		if !LooksLikeAPIKey(plain) {
			t.Errorf("LooksLikeAPIKey(%q) = false", plain)
		}
		if stored.Prefix != plain[:12] || len(stored.Prefix) != 12 {
			t.Errorf("prefix %q, want %q", stored.Prefix, plain[:12])
		}
		if stored.Hash != HashAPIKey(plain) || len(stored.Hash) != 64 || strings.ToLower(stored.Hash) != stored.Hash {
			t.Errorf("hash %q is not the lowercase hex SHA-256 of the key", stored.Hash)
		}
		if strings.Contains(stored.Hash, plain[4:]) {
			t.Errorf("stored hash contains the key")
		}
		if !MatchAPIKey(plain, stored.Hash) {
			t.Errorf("MatchAPIKey(key, its hash) = false")
		}
		if seen[plain] {
			t.Fatalf("duplicate key %q", plain)
		}
		seen[plain] = true
	}
}

func TestHashAPIKeyKnownValue(t *testing.T) {
	// sha256("psk_test"), computed with sha256sum.
	const want = "4f82126b56b41155d6e3b002c9f998c04f02fb85069eeb26eb68eb5fa86fdcad"
	if got := HashAPIKey("psk_test"); got != want {
		t.Fatalf("HashAPIKey(psk_test) = %s, want %s", got, want)
	}
	if !MatchAPIKey("psk_test", want) {
		t.Fatal("MatchAPIKey(psk_test, known hash) = false")
	}
}

func TestMatchAPIKey(t *testing.T) {
	plain, stored, err := NewAPIKey()
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	other, _, err := NewAPIKey()
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	tests := []struct {
		name  string
		plain string
		hash  string
		want  bool
	}{
		{"right key", plain, stored.Hash, true},
		{"uppercase hash", plain, strings.ToUpper(stored.Hash), true},
		{"other key", other, stored.Hash, false},
		{"key with a trailing newline", plain + "\n", stored.Hash, false},
		{"empty key", "", stored.Hash, false},
		{"truncated hash", plain, stored.Hash[:62], false},
		{"non-hex hash", plain, strings.Repeat("z", 64), false},
		{"empty hash", plain, "", false},
		{"prefix instead of hash", plain, stored.Prefix, false},
	}
	for _, tt := range tests {
		if got := MatchAPIKey(tt.plain, tt.hash); got != tt.want {
			t.Errorf("%s: MatchAPIKey = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLooksLikeAPIKey(t *testing.T) {
	plain, _, err := NewAPIKey()
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	tests := []struct {
		in   string
		want bool
	}{
		{plain, true},
		{"psk_" + strings.Repeat("A", 43), true},
		{"", false},
		{"psk_", false},
		{plain[:46], false},
		{plain + "A", false},
		{"PSK_" + plain[4:], false},
		{"sk__" + plain[4:], false},
		{"psk_" + strings.Repeat("A", 42) + "=", false},
		{"psk_" + strings.Repeat("A", 42) + "+", false},
		{"psk_" + strings.Repeat("A", 42) + "B", false}, // non-canonical: stray low bits
		{"Bearer " + plain, false},
		{"eyJhbGciOiJSUzI1NiJ9.e30.AAAA", false},
	}
	for _, tt := range tests {
		if got := LooksLikeAPIKey(tt.in); got != tt.want {
			t.Errorf("LooksLikeAPIKey(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
