package data

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"
	"github.com/rivo/uniseg"

	"polysynergy/shared/nodes"
)

func cryptoTypes() []*nodes.Type {
	return []*nodes.Type{
		hashType(), hmacType(), hmacVerifyType(), uuidType(), ulidType(), randomBytesType(), randomStringType(),
	}
}

// hashAlgorithms lists the digest algorithms, strongest first.
func hashAlgorithms() []string { return []string{"sha256", "sha512", "sha384", "sha1", "md5"} }

// newHash returns the constructor for a digest algorithm.
func newHash(alg string) func() hash.Hash {
	switch alg {
	case "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	case "sha384":
		return sha512.New384
	case "sha1":
		return sha1.New
	case "md5":
		return md5.New
	}
	return nil
}

func outputEncodings() []string { return []string{"hex", "base64", "base64url"} }

// encodeBytes renders a digest or random bytes as hex or (URL-safe) Base64.
func encodeBytes(b []byte, enc string) string {
	switch enc {
	case "base64":
		return base64.StdEncoding.EncodeToString(b)
	case "base64url":
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func algorithmPort() nodes.Port {
	return nodes.Port{Name: "algorithm", Type: nodes.String, Default: "sha256", Options: hashAlgorithms(),
		Doc: "The digest algorithm. SHA-1 and MD5 are only for compatibility with old systems."}
}

func encodingPort(doc string) nodes.Port {
	return nodes.Port{Name: "encoding", Type: nodes.String, Default: "hex", Options: outputEncodings(),
		Doc: doc + " `hex`, `base64` or unpadded `base64url`."}
}

func hashType() *nodes.Type {
	return &nodes.Type{
		ID: "crypto.hash", Category: catCrypto, Name: "Hash", Icon: "fingerprint",
		Doc: "Computes the digest of `text` (or bytes) with SHA-256 (default), SHA-512, SHA-384, SHA-1 or MD5, " +
			"as hex or Base64 — for checksums, cache keys and content ids. Not for passwords.\n\n" +
			"Example: `abc`, sha256 → `ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad`.",
		Inputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Doc: "The text or bytes to hash."},
			algorithmPort(),
			encodingPort("How to write the digest:"),
		},
		Outputs: []nodes.Port{{Name: "hash", Type: nodes.String, Doc: "The digest."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			alg, err := oneOf(c, "algorithm", hashAlgorithms()...)
			if err != nil {
				return nil, err
			}
			enc, err := oneOf(c, "encoding", outputEncodings()...)
			if err != nil {
				return nil, err
			}
			h := newHash(alg)()
			h.Write(bytesOf(c.Get("text")))
			return nodes.Out{"hash": encodeBytes(h.Sum(nil), enc)}, nil
		},
	}
}

func keyPorts() []nodes.Port {
	return []nodes.Port{
		{Name: "key", Type: nodes.Secret, Required: true, Doc: "The shared secret, usually a `<secret:KEY>` value."},
		{Name: "key_encoding", Type: nodes.String, Default: "text", Options: []string{"text", "hex", "base64"},
			Doc: "How the key is written: plain text, or hex / Base64 for binary keys."},
	}
}

// macKey decodes the key input.
func macKey(c *nodes.Call) ([]byte, error) {
	ke, err := oneOf(c, "key_encoding", "text", "hex", "base64")
	if err != nil {
		return nil, err
	}
	k := c.Str("key")
	if k == "" {
		return nil, nodes.Errorf("key", "is empty")
	}
	switch ke {
	case "hex":
		b, err := hex.DecodeString(stripSpace(k))
		if err != nil {
			return nil, nodes.Errorf("key", "is not valid hex")
		}
		return b, nil
	case "base64":
		b, err := DecodeBase64(k, "auto")
		if err != nil {
			return nil, nodes.Errorf("key", "is not valid Base64")
		}
		return b, nil
	}
	return []byte(k), nil
}

// mac computes the HMAC of the call's message with its key and algorithm.
func mac(c *nodes.Call) ([]byte, error) {
	alg, err := oneOf(c, "algorithm", hashAlgorithms()...)
	if err != nil {
		return nil, err
	}
	key, err := macKey(c)
	if err != nil {
		return nil, err
	}
	m := hmac.New(newHash(alg), key)
	m.Write(bytesOf(c.Get("message")))
	return m.Sum(nil), nil
}

func hmacType() *nodes.Type {
	return &nodes.Type{
		ID: "crypto.hmac", Category: catCrypto, Name: "HMAC sign", Icon: "key-round",
		Doc: "Signs `message` with `key` using HMAC (SHA-256 by default) — for webhook signatures and signed " +
			"URLs. Put the key in a secret and use `<secret:KEY>` so it never appears in the flow or run logs.\n\n" +
			"Example: key `key`, message `The quick brown fox jumps over the lazy dog`, sha256 → " +
			"`f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8`.",
		Inputs: append(append([]nodes.Port{algorithmPort()}, keyPorts()...),
			nodes.Port{Name: "message", Type: nodes.String, Doc: "The text or bytes to sign."},
			encodingPort("How to write the signature:")),
		Outputs: []nodes.Port{{Name: "signature", Type: nodes.String, Doc: "The signature."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			enc, err := oneOf(c, "encoding", outputEncodings()...)
			if err != nil {
				return nil, err
			}
			sum, err := mac(c)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"signature": encodeBytes(sum, enc)}, nil
		},
	}
}

// decodeSignature reads a received signature as hex or Base64 (either alphabet).
func decodeSignature(s, enc string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if enc == "hex" {
		b, err := hex.DecodeString(s)
		return b, err == nil
	}
	b, err := DecodeBase64(s, "auto")
	return b, err == nil
}

// mismatchReason says why a signature did not match: it is not in the expected encoding,
// has the wrong length for the algorithm (size bytes), or differs.
func mismatchReason(sig, enc, alg string, got []byte, decoded bool, size int) string {
	hint := ""
	if i := strings.IndexAny(sig, "=:"); i > 0 && i < 12 && !decoded {
		hint = fmt.Sprintf("; set prefix to strip %q", sig[:i+1])
	}
	switch {
	case !decoded && enc == "hex":
		return fmt.Sprintf("signature is not valid hex (encoding hex expects %d hex digits for a %s HMAC)%s", 2*size, alg, hint)
	case !decoded:
		return fmt.Sprintf("signature is not valid Base64 (encoding base64 expects %d characters, standard or URL "+
			"alphabet, for a %s HMAC)%s", base64.StdEncoding.EncodedLen(size), alg, hint)
	case len(got) != size:
		return fmt.Sprintf("signature is %d bytes, a %s HMAC is %d", len(got), alg, size)
	}
	return "signature does not match the HMAC of message with key"
}

func hmacVerifyType() *nodes.Type {
	return &nodes.Type{
		ID: "crypto.hmac_verify", Category: catCrypto, Name: "HMAC verify", Icon: "shield-check",
		Doc: "Checks a received `signature` against the HMAC of `message` with `key`, comparing in constant time. " +
			"Takes `true_path` when it matches and `false_path` when it does not (a malformed signature does not " +
			"match; `reason` says why, e.g. that `signature` is not valid hex); both carry the message. Set `prefix` to strip a scheme marker such as `sha256=` (GitHub).\n\n" +
			"Example (verifying a GitHub webhook): message `{{ trigger.raw_body }}`, signature " +
			"`{{ trigger.headers[\"x-hub-signature-256\"] }}`, prefix `sha256=`, key `<secret:GITHUB_WEBHOOK_SECRET>`.",
		Inputs: append(append([]nodes.Port{algorithmPort()}, keyPorts()...),
			nodes.Port{Name: "message", Type: nodes.String, Doc: "The signed text or bytes, exactly as received."},
			nodes.Port{Name: "signature", Type: nodes.String, Required: true, Doc: "The signature to check."},
			nodes.Port{Name: "prefix", Type: nodes.String, Doc: "Text to strip from the start of the signature, e.g. `sha256=`."},
			nodes.Port{Name: "encoding", Type: nodes.String, Default: "hex", Options: []string{"hex", "base64"},
				Doc: "How the signature is written: hex (either case) or Base64 (either alphabet, padding optional)."}),
		Outputs: []nodes.Port{
			{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the signature matches."},
			{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it does not."},
			{Name: "valid", Type: nodes.Boolean, Doc: "Whether the signature matches."},
			{Name: "reason", Type: nodes.String, Doc: "Why it does not match, empty when it does: the `signature` is not " +
				"valid hex / Base64 (as `encoding` expects), has the wrong length for `algorithm`, or differs."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			enc, err := oneOf(c, "encoding", "hex", "base64")
			if err != nil {
				return nil, err
			}
			sum, err := mac(c)
			if err != nil {
				return nil, err
			}
			sig := strings.TrimSpace(c.Str("signature"))
			if sig == "" {
				return nil, nodes.Errorf("signature", "is empty")
			}
			sig = strings.TrimPrefix(sig, c.Str("prefix"))
			got, ok := decodeSignature(sig, enc)
			valid := ok && hmac.Equal(got, sum)
			msg := nodes.Clone(c.Get("message"))
			if valid {
				return nodes.Out{"valid": true, "reason": "", nodes.PortTruePath: msg}, nil
			}
			alg, _ := oneOf(c, "algorithm", hashAlgorithms()...)
			return nodes.Out{"valid": false, "reason": mismatchReason(sig, enc, alg, got, ok, len(sum)),
				nodes.PortFalsePath: msg}, nil
		},
	}
}

func uuidType() *nodes.Type {
	return &nodes.Type{
		ID: "id.uuid", Category: catCrypto, Name: "UUID", Icon: "id-card",
		Doc: "Makes a random UUID. `v4` is fully random; `v7` starts with the current time in milliseconds, so " +
			"ids sort by creation time (good database keys).\n\nExample: `0190f1d2-8c3a-7b4e-9f21-3d5c6a7b8e9f` (v7).",
		Inputs: []nodes.Port{
			{Name: "version", Type: nodes.String, Default: "v4", Options: []string{"v4", "v7"}, Doc: "Random (v4) or time-ordered (v7)."},
		},
		Outputs: []nodes.Port{{Name: "uuid", Type: nodes.String, Doc: "The UUID in lowercase 8-4-4-4-12 form."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			v, err := oneOf(c, "version", "v4", "v7")
			if err != nil {
				return nil, err
			}
			var id uuid.UUID
			if v == "v7" {
				id, err = uuid.NewV7()
			} else {
				id, err = uuid.NewRandom()
			}
			if err != nil {
				return nil, err
			}
			return nodes.Out{"uuid": id.String()}, nil
		},
	}
}

func ulidType() *nodes.Type {
	return &nodes.Type{
		ID: "id.ulid", Category: catCrypto, Name: "ULID", Icon: "id-card",
		Doc: "Makes a ULID: 26 characters that sort by creation time (millisecond timestamp + 80 random bits). " +
			"Give `at` to stamp another time.\n\nExample: `01J3Z5X8M6T0S4QK9ZB2R7WJ1C`.",
		Inputs: []nodes.Port{
			{Name: "at", Type: nodes.DateTime, Doc: "The time to encode; empty means now."},
		},
		Outputs: []nodes.Port{
			{Name: "ulid", Type: nodes.String, Doc: "The ULID."},
			{Name: "time", Type: nodes.DateTime, Doc: "The time it encodes (millisecond precision)."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			var id ulid.ULID
			if c.Has("at") && c.Str("at") != "" {
				t, err := timeInput(c, "at", time.UTC)
				if err != nil {
					return nil, err
				}
				if t.Before(time.UnixMilli(0)) || ulid.Timestamp(t) > ulid.MaxTime() {
					return nil, nodes.Errorf("at", "%s is outside the range a ULID can hold", t.Format(time.RFC3339))
				}
				if id, err = ulid.New(ulid.Timestamp(t), rand.Reader); err != nil {
					return nil, nodes.Errorf("at", "%v", err)
				}
			} else {
				id = ulid.Make()
			}
			return nodes.Out{"ulid": id.String(), "time": ulid.Time(id.Time()).UTC()}, nil
		},
	}
}

// maxRandom bounds crypto.random_bytes and crypto.random_string.
const maxRandom = 4096

func randomBytesType() *nodes.Type {
	return &nodes.Type{
		ID: "crypto.random_bytes", Category: catCrypto, Name: "Random bytes", Icon: "dices",
		Doc: fmtDoc("Makes `size` cryptographically secure random bytes (1–%d), written as hex or Base64 — for "+
			"tokens, nonces and keys.\n\nExample: size 16, hex → `3f9a…` (32 hex digits).", maxRandom),
		Inputs: []nodes.Port{
			{Name: "size", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(maxRandom), Default: 32.0, Doc: "How many bytes."},
			encodingPort("How to write the bytes:"),
		},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.String, Doc: "The encoded bytes."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			n, err := c.IntOr("size", 32)
			if err != nil {
				return nil, err
			}
			enc, err := oneOf(c, "encoding", outputEncodings()...)
			if err != nil {
				return nil, err
			}
			b := make([]byte, n)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			return nodes.Out{"value": encodeBytes(b, enc)}, nil
		},
	}
}

// alphabets are the named character sets of crypto.random_string.
func alphabet(name string) string {
	switch name {
	case "alphanumeric":
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	case "lowercase":
		return "abcdefghijklmnopqrstuvwxyz0123456789"
	case "numeric":
		return "0123456789"
	case "hex":
		return "0123456789abcdef"
	case "urlsafe":
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	}
	return ""
}

// maxRandomBytes bounds the text random_string builds.
const maxRandomBytes = 1 << 20

func randomStringType() *nodes.Type {
	return &nodes.Type{
		ID: "crypto.random_string", Category: catCrypto, Name: "Random string", Icon: "dices",
		Doc: fmtDoc("Makes a cryptographically secure random string of `length` characters (1–%d) from an "+
			"alphabet: `alphanumeric` (default), `lowercase` (a–z, 0–9), `numeric` (codes and PINs), `hex`, "+
			"`urlsafe`, or your own `characters` (counted as a reader sees them: `👍🏽` is one; a character typed "+
			"twice counts once). Every character is equally likely.\n\n"+
			"Example: length 6, numeric → `402913`.", maxRandom),
		Inputs: []nodes.Port{
			{Name: "length", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(maxRandom), Default: 32.0, Doc: "How many characters."},
			{Name: "alphabet", Type: nodes.String, Default: "alphanumeric",
				Options: []string{"alphanumeric", "lowercase", "numeric", "hex", "urlsafe"}, Doc: "The character set."},
			{Name: "characters", Type: nodes.String, Doc: "A custom character set; overrides `alphabet`."},
		},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.String, Doc: "The random string."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			n, err := c.IntOr("length", 32)
			if err != nil {
				return nil, err
			}
			set := c.Str("characters")
			if set == "" {
				name, err := oneOf(c, "alphabet", "alphanumeric", "lowercase", "numeric", "hex", "urlsafe")
				if err != nil {
					return nil, err
				}
				set = alphabet(name)
			}
			// characters as a reader sees them (👍🏽 is one, not 👍 and a lone skin tone), each
			// once, so every character is equally likely however often it was typed
			var chars []string
			seen := map[string]bool{}
			for state, rest := -1, set; rest != ""; {
				var g string
				g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
				if !seen[g] {
					seen[g] = true
					chars = append(chars, g)
				}
			}
			if len(chars) < 2 {
				return nil, nodes.Errorf("characters", "needs at least 2 different characters, got %d", len(chars))
			}
			widest := 0
			for _, ch := range chars {
				widest = max(widest, len(ch))
			}
			if n*widest > maxRandomBytes { // one character may be many bytes (a letter with many accents)
				return nil, nodes.Errorf("characters", "%d of the longest character (%d bytes) could be larger than %d bytes", n, widest, maxRandomBytes)
			}
			var out strings.Builder
			limit := big.NewInt(int64(len(chars)))
			for range n {
				k, err := rand.Int(rand.Reader, limit)
				if err != nil {
					return nil, err
				}
				out.WriteString(chars[k.Int64()])
			}
			return nodes.Out{"value": out.String()}, nil
		},
	}
}
