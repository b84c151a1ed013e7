package httpreq

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
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
			"otherwise (a malformed signature does not match); both carry `payload`.\n\n" +
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
	switch strings.ToLower(c.Str("algorithm")) {
	case "", "sha256":
		newHash = sha256.New
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
	valid := signatureMatches(mac.Sum(nil), strings.TrimSpace(c.Str("signature")), c.Str("prefix"), enc)
	out := nodes.Out{"valid": valid}
	if valid {
		out[nodes.PortTruePath] = payload
	} else {
		out[nodes.PortFalsePath] = payload
	}
	return out, nil
}

func signatureMatches(want []byte, sig, prefix, enc string) bool {
	if prefix != "" {
		if !strings.HasPrefix(sig, prefix) {
			return false
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
	if err != nil {
		return false
	}
	return hmac.Equal(got, want)
}

func decodeBase64(s string) ([]byte, error) {
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, base64.CorruptInputError(0)
}
