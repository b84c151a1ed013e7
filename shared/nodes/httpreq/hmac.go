package httpreq

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"polysynergy/shared/nodes"
)

func verifyHMACType() *nodes.Type {
	return &nodes.Type{
		ID: "http.verify_hmac", Category: category, Name: "Verify HMAC signature", Icon: "shield-check",
		Doc: "Checks a webhook's HMAC signature: computes the HMAC of `payload` (the raw request body) with `secret` " +
			"and `algorithm`, and compares it in constant time with `signature` (after removing `prefix`, e.g. " +
			"`sha256=` for GitHub), decoded per `encoding`. Takes `true_path` when it matches and `false_path` " +
			"otherwise (a malformed signature does not match; `reason` says why); both carry `payload`.\n\n" +
			"**Example**: GitHub sends `X-Hub-Signature-256: sha256=…`; set algorithm `sha256`, encoding `hex`, " +
			"prefix `sha256=`, payload `{{ trigger.body_raw }}` and the signature header.",
		Inputs: []nodes.Port{
			{Name: "secret", Type: nodes.Secret, Required: true, Doc: "The shared webhook secret."},
			{Name: "payload", Type: nodes.String, Required: true, Doc: "The exact bytes that were signed (raw body)."},
			{Name: "signature", Type: nodes.String, Required: true, Doc: "The signature received (e.g. a header value)."},
			{Name: "algorithm", Type: nodes.String, Default: "sha256", Options: []string{"sha256", "sha1", "sha512"},
				Editor: nodes.EditSelect, Doc: "Hash function of the HMAC."},
			{Name: "encoding", Type: nodes.String, Default: "hex", Options: []string{"hex", "base64"},
				Editor: nodes.EditSelect, Doc: "How the signature is encoded."},
			{Name: "prefix", Type: nodes.String, Doc: "Text before the signature to remove, e.g. sha256=."},
		},
		Outputs: []nodes.Port{
			{Name: "valid", Type: nodes.Boolean, Doc: "Whether the signature matches."},
			{Name: "reason", Type: nodes.String, Doc: "Why it does not match, empty when it does: `signature` lacks " +
				"`prefix`, is not valid hex / Base64 (as `encoding` expects), has the wrong length for `algorithm`, or differs."},
			{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the signature matches; carries payload."},
			{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it does not; carries payload."},
		},
		Run: runVerifyHMAC,
	}
}

func runVerifyHMAC(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	secret := c.Str("secret")
	if secret == "" {
		return nil, nodes.Errorf("secret", "is required")
	}
	var newHash func() hash.Hash
	alg := strings.ToLower(c.Str("algorithm"))
	switch alg {
	case "", "sha256":
		newHash, alg = sha256.New, "sha256"
	case "sha1":
		newHash = sha1.New
	case "sha512":
		newHash = sha512.New
	default:
		return nil, nodes.Errorf("algorithm", "%q is not one of sha256, sha1, sha512", c.Str("algorithm"))
	}
	enc := strings.ToLower(c.Str("encoding"))
	if enc == "" {
		enc = "hex"
	}
	if enc != "hex" && enc != "base64" {
		return nil, nodes.Errorf("encoding", "%q is not one of hex, base64", c.Str("encoding"))
	}
	payload := c.Str("payload")
	mac := hmac.New(newHash, []byte(secret))
	mac.Write([]byte(payload))
	reason := signatureMismatch(mac.Sum(nil), strings.TrimSpace(c.Str("signature")), c.Str("prefix"), enc, alg)
	valid := reason == ""
	out := nodes.Out{"valid": valid, "reason": reason}
	if valid {
		out[nodes.PortTruePath] = payload
	} else {
		out[nodes.PortFalsePath] = payload
	}
	return out, nil
}

// signatureMismatch says why sig does not match want, or "" when it does: the prefix is
// missing, sig is not in encoding enc, has the wrong length for alg, or differs.
func signatureMismatch(want []byte, sig, prefix, enc, alg string) string {
	if sig == "" {
		return "signature is empty"
	}
	if prefix != "" {
		if !strings.HasPrefix(sig, prefix) {
			return fmt.Sprintf("signature does not start with prefix %q", prefix)
		}
		sig = sig[len(prefix):]
	}
	var got []byte
	var err error
	if enc == "hex" {
		got, err = hex.DecodeString(sig)
	} else {
		got, err = decodeBase64(sig)
	}
	hint := ""
	if i := strings.IndexAny(sig, "=:"); i > 0 && i < 12 {
		hint = fmt.Sprintf("; set prefix to strip %q", sig[:i+1])
	}
	switch {
	case err != nil && enc == "hex":
		return fmt.Sprintf("signature is not valid hex (encoding hex expects %d hex digits for a %s HMAC)%s", 2*len(want), alg, hint)
	case err != nil:
		return fmt.Sprintf("signature is not valid Base64 (encoding base64 expects %d characters, standard or URL "+
			"alphabet, for a %s HMAC)%s", base64.StdEncoding.EncodedLen(len(want)), alg, hint)
	case len(got) != len(want):
		return fmt.Sprintf("signature is %d bytes, a %s HMAC is %d", len(got), alg, len(want))
	case !hmac.Equal(got, want):
		return "signature does not match the HMAC of payload with secret"
	}
	return ""
}

func decodeBase64(s string) ([]byte, error) {
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, base64.CorruptInputError(0)
}
