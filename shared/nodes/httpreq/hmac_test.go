package httpreq

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"testing"

	"polysynergy/shared/nodes"
)

func sign(h func() hash.Hash, secret, payload string) []byte {
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func TestVerifyHMAC(t *testing.T) {
	h := newHarness(t)
	const secret, payload = "It's a Secret to Everybody", "Hello, World!"
	// GitHub's documented example signature for this secret and payload
	const github = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	cases := []struct {
		name    string
		in      map[string]any
		valid   bool
		errPort string
	}{
		{"github sha256 hex with prefix", map[string]any{"signature": github, "prefix": "sha256="}, true, ""},
		{"upper-case hex", map[string]any{"signature": "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"}, true, ""},
		{"prefix missing", map[string]any{"signature": github[len("sha256="):], "prefix": "sha256="}, false, ""},
		{"wrong secret", map[string]any{"signature": github, "prefix": "sha256=", "secret": "other"}, false, ""},
		{"tampered payload", map[string]any{"signature": github, "prefix": "sha256=", "payload": "Hello, World?"}, false, ""},
		{"sha1 hex", map[string]any{"algorithm": "sha1", "signature": hex.EncodeToString(sign(sha1.New, secret, payload))}, true, ""},
		{"sha512 base64", map[string]any{"algorithm": "sha512", "encoding": "base64",
			"signature": base64.StdEncoding.EncodeToString(sign(sha512.New, secret, payload))}, true, ""},
		{"sha256 base64url unpadded", map[string]any{"encoding": "base64",
			"signature": base64.RawURLEncoding.EncodeToString(sign(sha256.New, secret, payload))}, true, ""},
		{"malformed hex", map[string]any{"signature": "zz"}, false, ""},
		{"empty signature", map[string]any{"signature": ""}, false, ""},
		{"truncated signature", map[string]any{"signature": github[:20], "prefix": "sha256="}, false, ""},
		{"no secret", map[string]any{"signature": github, "secret": ""}, false, "secret"},
		{"bad algorithm", map[string]any{"signature": github, "algorithm": "md5"}, false, "algorithm"},
		{"bad encoding", map[string]any{"signature": github, "encoding": "base32"}, false, "encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"secret": secret, "payload": payload}
			for k, v := range tc.in {
				in[k] = v
			}
			out, err := h.run(t, "http.verify_hmac", in)
			if tc.errPort != "" {
				wantPortError(t, err, tc.errPort)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out["valid"] != tc.valid {
				t.Fatalf("valid = %v, want %v", out["valid"], tc.valid)
			}
			live, dead := nodes.PortTruePath, nodes.PortFalsePath
			if !tc.valid {
				live, dead = dead, live
			}
			if _, ok := out[dead]; ok {
				t.Fatalf("%s is live as well as %s: %v", dead, live, out)
			}
			if out[live] != in["payload"] {
				t.Fatalf("%s carries %v, want the payload", live, out[live])
			}
		})
	}
}

func TestFamilyDocumented(t *testing.T) {
	h := newHarness(t)
	covered := map[string]bool{"http.request": true, "http.verify_hmac": true}
	for _, typ := range h.reg.Types() {
		if typ.Doc == "" || typ.Category != category || typ.Icon == "" {
			t.Errorf("%s: missing doc, category or icon", typ.ID)
		}
		for _, p := range append(typ.Inputs, typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
		if !covered[typ.ID] {
			t.Errorf("%s has no test case", typ.ID)
		}
	}
	if h.reg.Len() != len(covered) {
		t.Errorf("registered %d types, covered %d", h.reg.Len(), len(covered))
	}
	typ, _ := h.reg.Lookup("http.verify_hmac")
	if typ.ErrorPath() {
		t.Error("http.verify_hmac: false_path must be a branch, not the error path")
	}
}

func TestVerifyHMACReason(t *testing.T) {
	h := newHarness(t)
	const secret, payload = "It's a Secret to Everybody", "Hello, World!"
	const github = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	cases := []struct {
		name   string
		in     map[string]any
		reason string
	}{
		{"valid", map[string]any{"signature": github, "prefix": "sha256="}, ""},
		{"invalid hex", map[string]any{"signature": "zz"},
			"signature is not valid hex (encoding hex expects 64 hex digits for a sha256 HMAC)"},
		{"prefix not set", map[string]any{"signature": github},
			`signature is not valid hex (encoding hex expects 64 hex digits for a sha256 HMAC); set prefix to strip "sha256="`},
		{"invalid base64", map[string]any{"signature": "a*b", "encoding": "base64", "algorithm": "sha512"},
			"signature is not valid Base64 (encoding base64 expects 88 characters, standard or URL alphabet, for a sha512 HMAC)"},
		{"prefix missing", map[string]any{"signature": github[len("sha256="):], "prefix": "sha256="},
			`signature does not start with prefix "sha256="`},
		{"truncated", map[string]any{"signature": github[:21], "prefix": "sha256="}, "signature is 7 bytes, a sha256 HMAC is 32"},
		{"wrong secret", map[string]any{"signature": github, "prefix": "sha256=", "secret": "other"},
			"signature does not match the HMAC of payload with secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"secret": secret, "payload": payload}
			for k, v := range tc.in {
				in[k] = v
			}
			out, err := h.run(t, "http.verify_hmac", in)
			if err != nil {
				t.Fatal(err)
			}
			if out["reason"] != tc.reason || out["valid"] != (tc.reason == "") {
				t.Fatalf("valid = %v, reason = %q; want reason %q", out["valid"], out["reason"], tc.reason)
			}
		})
	}
}
