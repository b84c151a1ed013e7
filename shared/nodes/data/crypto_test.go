package data

import (
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"

	"polysynergy/shared/nodes"
)

const fox = "The quick brown fox jumps over the lazy dog"

func matches(port, pattern string) func(t *testing.T, out nodes.Out) {
	re := regexp.MustCompile(pattern)
	return func(t *testing.T, out nodes.Out) {
		s, _ := out[port].(string)
		if !re.MatchString(s) {
			t.Errorf("%s = %q, want it to match %s", port, s, pattern)
		}
	}
}

func cryptoCases() []nodeCase {
	return []nodeCase{
		// crypto.hash
		{name: "sha256", id: "crypto.hash", in: map[string]any{"text": "abc"},
			want: nodes.Out{"hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}},
		{name: "sha256 base64", id: "crypto.hash", in: map[string]any{"text": "abc", "encoding": "base64"},
			want: nodes.Out{"hash": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="}},
		{name: "sha256 base64url", id: "crypto.hash", in: map[string]any{"text": "abc", "encoding": "base64url"},
			want: nodes.Out{"hash": "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"}},
		{name: "sha1", id: "crypto.hash", in: map[string]any{"text": "abc", "algorithm": "sha1"},
			want: nodes.Out{"hash": "a9993e364706816aba3e25717850c26c9cd0d89d"}},
		{name: "md5", id: "crypto.hash", in: map[string]any{"text": []byte("abc"), "algorithm": "MD5"},
			want: nodes.Out{"hash": "900150983cd24fb0d6963f7d28e17f72"}},
		{name: "sha512", id: "crypto.hash", in: map[string]any{"text": "abc", "algorithm": "sha512"},
			want: nodes.Out{"hash": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}},
		{name: "sha384", id: "crypto.hash", in: map[string]any{"text": "abc", "algorithm": "sha384"},
			want: nodes.Out{"hash": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"}},
		{name: "bad algorithm", id: "crypto.hash", in: map[string]any{"text": "abc", "algorithm": "crc32"}, errPort: "algorithm", errText: "sha256"},
		{name: "bad encoding", id: "crypto.hash", in: map[string]any{"text": "abc", "encoding": "base32"}, errPort: "encoding"},

		// crypto.hmac
		{name: "sha256", id: "crypto.hmac", in: map[string]any{"key": "key", "message": fox},
			want: nodes.Out{"signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"}},
		{name: "base64", id: "crypto.hmac", in: map[string]any{"key": "key", "message": fox, "encoding": "base64"},
			want: nodes.Out{"signature": "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="}},
		{name: "md5", id: "crypto.hmac", in: map[string]any{"key": "key", "message": fox, "algorithm": "md5"},
			want: nodes.Out{"signature": "80070713463e7749b90c2dc24911e275"}},
		{name: "sha1", id: "crypto.hmac", in: map[string]any{"key": "key", "message": fox, "algorithm": "sha1"},
			want: nodes.Out{"signature": "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"}},
		{name: "hex key (RFC 4231 case 1)", id: "crypto.hmac", in: map[string]any{"key": strings.Repeat("0b", 20), "key_encoding": "hex", "message": "Hi There"},
			want: nodes.Out{"signature": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"}},
		{name: "base64 key", id: "crypto.hmac", in: map[string]any{"key": "a2V5", "key_encoding": "base64", "message": fox},
			want: nodes.Out{"signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"}},
		{name: "empty key", id: "crypto.hmac", in: map[string]any{"message": fox}, errPort: "key", errText: "is empty"},
		{name: "bad hex key", id: "crypto.hmac", in: map[string]any{"key": "zz", "key_encoding": "hex"}, errPort: "key", errText: "not valid hex"},
		{name: "bad key encoding", id: "crypto.hmac", in: map[string]any{"key": "k", "key_encoding": "pem"}, errPort: "key_encoding"},

		// crypto.hmac_verify
		{name: "valid with prefix", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox,
			"signature": "sha256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8", "prefix": "sha256="},
			want: nodes.Out{"valid": true, "true_path": fox}, absent: []string{"false_path"}},
		{name: "valid base64 url alphabet unpadded", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox,
			"signature": "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg", "encoding": "base64"},
			want: nodes.Out{"valid": true}},
		{name: "wrong", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox + ".",
			"signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
			want: nodes.Out{"valid": false, "false_path": fox + "."}, absent: []string{"true_path"}},
		{name: "malformed", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox, "signature": "not hex"},
			want: nodes.Out{"valid": false, "false_path": fox,
				"reason": "signature is not valid hex (encoding hex expects 64 hex digits for a sha256 HMAC)"}},
		{name: "prefix not stripped", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox,
			"signature": "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
			want: nodes.Out{"valid": false, "reason": `signature is not valid hex (encoding hex expects 64 hex digits for a sha256 HMAC); set prefix to strip "sha256="`}},
		{name: "malformed base64", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox, "signature": "no*base64", "encoding": "base64", "algorithm": "sha1"},
			want: nodes.Out{"valid": false, "reason": "signature is not valid Base64 (encoding base64 expects 28 characters, standard or URL alphabet, for a sha1 HMAC)"}},
		{name: "truncated", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox, "signature": "f7bc83f4"},
			want: nodes.Out{"valid": false, "reason": "signature is 4 bytes, a sha256 HMAC is 32"}},
		{name: "wrong reason", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox + ".",
			"signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
			want: nodes.Out{"reason": "signature does not match the HMAC of message with key"}},
		{name: "valid has no reason", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox,
			"signature": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
			want: nodes.Out{"valid": true, "reason": ""}},
		{name: "no signature", id: "crypto.hmac_verify", in: map[string]any{"key": "key", "message": fox}, errPort: "signature", errText: "is empty"},
		{name: "no key", id: "crypto.hmac_verify", in: map[string]any{"message": fox, "signature": "ab"}, errPort: "key"},

		// ids
		{name: "v4", id: "id.uuid", in: map[string]any{}, check: func(t *testing.T, out nodes.Out) {
			id, err := uuid.Parse(out["uuid"].(string))
			if err != nil || id.Version() != 4 || out["uuid"] != strings.ToLower(id.String()) {
				t.Errorf("uuid %v is not a lowercase v4 UUID (%v)", out["uuid"], err)
			}
		}},
		{name: "v7", id: "id.uuid", in: map[string]any{"version": "v7"}, check: func(t *testing.T, out nodes.Out) {
			id, err := uuid.Parse(out["uuid"].(string))
			if err != nil || id.Version() != 7 {
				t.Fatalf("uuid %v is not a v7 UUID (%v)", out["uuid"], err)
			}
			sec, nsec := id.Time().UnixTime()
			if d := time.Since(time.Unix(sec, nsec)); d < -time.Minute || d > time.Minute {
				t.Errorf("v7 time %v is not now", time.Unix(sec, nsec))
			}
		}},
		{name: "bad version", id: "id.uuid", in: map[string]any{"version": "v1"}, errPort: "version", errText: "v4, v7"},
		{name: "now", id: "id.ulid", in: map[string]any{}, check: func(t *testing.T, out nodes.Out) {
			id, err := ulid.ParseStrict(out["ulid"].(string))
			if err != nil {
				t.Fatalf("ulid %v: %v", out["ulid"], err)
			}
			if d := time.Since(ulid.Time(id.Time())); d < -time.Minute || d > time.Minute {
				t.Errorf("ulid time %v is not now", ulid.Time(id.Time()))
			}
		}},
		{name: "at", id: "id.ulid", in: map[string]any{"at": "2024-05-01T12:00:00.123Z"}, check: func(t *testing.T, out nodes.Out) {
			want := time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)
			if got := out["time"].(time.Time); !got.Equal(want) {
				t.Errorf("time = %v, want %v", got, want)
			}
			id, err := ulid.ParseStrict(out["ulid"].(string))
			if err != nil || !ulid.Time(id.Time()).Equal(want) || !strings.HasPrefix(id.String(), "01HWT0D7KV") {
				t.Errorf("ulid = %v (%v), want one stamped %v", out["ulid"], err, want)
			}
		}},
		{name: "before epoch", id: "id.ulid", in: map[string]any{"at": "1960-01-01"}, errPort: "at", errText: "outside the range"},
		{name: "bad time", id: "id.ulid", in: map[string]any{"at": "yesterday"}, errPort: "at", errText: "is not a date"},

		// random
		{name: "hex", id: "crypto.random_bytes", in: map[string]any{"size": 16.0}, check: func(t *testing.T, out nodes.Out) {
			b, err := hex.DecodeString(out["value"].(string))
			if err != nil || len(b) != 16 {
				t.Errorf("value %q is not 16 hex bytes", out["value"])
			}
		}},
		{name: "base64url", id: "crypto.random_bytes", in: map[string]any{"size": 3.0, "encoding": "base64url"}, check: matches("value", `^[A-Za-z0-9_-]{4}$`)},
		{name: "too big", id: "crypto.random_bytes", in: map[string]any{"size": 5000.0}, errPort: "size", errText: "between 1 and 4096"},
		{name: "zero", id: "crypto.random_bytes", in: map[string]any{"size": 0.0}, errPort: "size"},
		{name: "numeric", id: "crypto.random_string", in: map[string]any{"length": 6.0, "alphabet": "numeric"}, check: matches("value", `^[0-9]{6}$`)},
		{name: "default", id: "crypto.random_string", in: map[string]any{}, check: matches("value", `^[A-Za-z0-9]{32}$`)},
		{name: "custom", id: "crypto.random_string", in: map[string]any{"length": 20.0, "characters": "äb"}, check: matches("value", `^[äb]{20}$`)},
		{name: "one character", id: "crypto.random_string", in: map[string]any{"characters": "a"}, errPort: "characters", errText: "at least 2"},
		// characters as a reader sees them: 👍🏽 is never cut into 👍 and a lone skin tone
		{name: "emoji characters", id: "crypto.random_string", in: map[string]any{"length": 30.0, "characters": "👍🏽e\u0301"},
			check: matches("value", `^(👍🏽|e\x{301}){30}$`)},
		{name: "one emoji is one character", id: "crypto.random_string", in: map[string]any{"characters": "👍🏽"}, errPort: "characters", errText: "at least 2 different characters, got 1"},
		{name: "huge characters", id: "crypto.random_string", in: map[string]any{"length": 4096.0, "characters": "b" + strings.Repeat("\u0301", 200) + "a"},
			errPort: "characters", errText: "could be larger than"},
		{name: "a repeated character counts once", id: "crypto.random_string", in: map[string]any{"characters": "aaa"}, errPort: "characters", errText: "got 1"},
		{name: "bad length", id: "crypto.random_string", in: map[string]any{"length": -1.0}, errPort: "length"},
		{name: "bad alphabet", id: "crypto.random_string", in: map[string]any{"alphabet": "emoji"}, errPort: "alphabet"},
	}
}

func TestRandomStringUsesWholeAlphabet(t *testing.T) {
	r := newRegistry(t)
	out, err := runNode(t, r, "crypto.random_string", map[string]any{"length": 2000.0, "alphabet": "hex"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[rune]int{}
	for _, c := range out["value"].(string) {
		seen[c]++
	}
	if len(seen) != 16 {
		t.Fatalf("2000 hex characters used %d distinct characters, want all 16", len(seen))
	}
}

func TestUniqueIDs(t *testing.T) {
	r := newRegistry(t)
	for _, id := range []string{"id.uuid", "id.ulid", "crypto.random_bytes"} {
		seen := map[any]bool{}
		for range 200 {
			out, err := runNode(t, r, id, map[string]any{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			for _, k := range []string{"uuid", "ulid", "value"} {
				if out[k] != nil {
					v = out[k]
				}
			}
			if seen[v] {
				t.Fatalf("%s repeated %v", id, v)
			}
			seen[v] = true
		}
	}
}
