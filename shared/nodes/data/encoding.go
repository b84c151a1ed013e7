package data

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"polysynergy/shared/nodes"
)

func encodingTypes() []*nodes.Type {
	return []*nodes.Type{
		base64EncodeType(), base64DecodeType(), hexEncodeType(), hexDecodeType(),
		urlEncodeType(), urlDecodeType(), queryStringType(), parseQueryType(),
	}
}

func textIn(doc string) nodes.Port {
	return nodes.Port{Name: "text", Type: nodes.String, Doc: doc}
}

// decodedOut are the outputs of the decoders.
func decodedOut() []nodes.Port {
	return []nodes.Port{
		{Name: "text", Type: nodes.String, Doc: "The decoded bytes as text."},
		{Name: "bytes", Type: nodes.Bytes, Doc: "The decoded bytes."},
		{Name: "valid_utf8", Type: nodes.Boolean, Doc: "Whether the bytes are valid UTF-8 text."},
	}
}

func decoded(b []byte) nodes.Out {
	return nodes.Out{"text": string(b), "bytes": b, "valid_utf8": utf8.Valid(b)}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func base64EncodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.base64_encode", Category: catEncoding, Name: "Base64 encode", Icon: "binary",
		Doc: "Encodes `text` (or bytes) as Base64. `variant` `std` uses `+` and `/`; `url` uses `-` and `_` " +
			"(safe in URLs and file names, as in JWTs). Turn `padding` off to drop the trailing `=`.\n\n" +
			"Example: `hello?` → std `aGVsbG8/`, url `aGVsbG8_`.",
		Inputs: []nodes.Port{
			textIn("The text or bytes to encode."),
			{Name: "variant", Type: nodes.String, Default: "std", Options: []string{"std", "url"}, Doc: "Standard or URL-safe alphabet."},
			{Name: "padding", Type: nodes.Boolean, Default: true, Doc: "Pad with = to a multiple of 4 characters."},
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The Base64 text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			variant, err := oneOf(c, "variant", "std", "url")
			if err != nil {
				return nil, err
			}
			enc := base64.StdEncoding
			if variant == "url" {
				enc = base64.URLEncoding
			}
			if !c.Bool("padding") {
				enc = enc.WithPadding(base64.NoPadding)
			}
			return nodes.Out{"text": enc.EncodeToString(bytesOf(c.Get("text")))}, nil
		},
	}
}

// DecodeBase64 decodes Base64 in the given variant ("auto", "std" or "url"), with or
// without padding and ignoring whitespace. Auto accepts either alphabet.
func DecodeBase64(s, variant string) ([]byte, error) {
	s = strings.TrimRight(stripSpace(s), "=")
	switch variant {
	case "auto":
		if strings.ContainsAny(s, "-_") {
			return base64.RawURLEncoding.DecodeString(s)
		}
		return base64.RawStdEncoding.DecodeString(s)
	case "url":
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func base64DecodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.base64_decode", Category: catEncoding, Name: "Base64 decode", Icon: "binary",
		Doc: "Decodes Base64 `text`. `auto` (default) accepts the standard and the URL-safe alphabet; padding " +
			"and whitespace (line breaks in MIME bodies) are optional. Invalid input is an error naming its position.\n\n" +
			"Example: `aGVsbG8` → `hello`.",
		Inputs: []nodes.Port{
			textIn("The Base64 text."),
			{Name: "variant", Type: nodes.String, Default: "auto", Options: []string{"auto", "std", "url"}, Doc: "Which alphabet to accept."},
		},
		Outputs: decodedOut(),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			variant, err := oneOf(c, "variant", "auto", "std", "url")
			if err != nil {
				return nil, err
			}
			b, err := DecodeBase64(c.Str("text"), variant)
			if err != nil {
				var ce base64.CorruptInputError
				if errors.As(err, &ce) {
					return nil, nodes.Errorf("text", "invalid %s Base64 at character %d (whitespace and padding not counted)", variant, int64(ce)+1)
				}
				return nil, nodes.Errorf("text", "invalid Base64: %v", err)
			}
			return decoded(b), nil
		},
	}
}

func hexEncodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.hex_encode", Category: catEncoding, Name: "Hex encode", Icon: "hash",
		Doc: "Encodes `text` (or bytes) as hexadecimal, two digits per byte.\n\nExample: `Hi` → `4869`.",
		Inputs: []nodes.Port{
			textIn("The text or bytes to encode."),
			{Name: "uppercase", Type: nodes.Boolean, Default: false, Doc: "Use A–F instead of a–f."},
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The hex text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s := hex.EncodeToString(bytesOf(c.Get("text")))
			if c.Bool("uppercase") {
				s = strings.ToUpper(s)
			}
			return nodes.Out{"text": s}, nil
		},
	}
}

func hexDecodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.hex_decode", Category: catEncoding, Name: "Hex decode", Icon: "hash",
		Doc: "Decodes hexadecimal `text` (either case; whitespace and a leading `0x` are ignored).\n\n" +
			"Example: `48 69` → `Hi`.",
		Inputs:  []nodes.Port{textIn("The hex text.")},
		Outputs: decodedOut(),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s := stripSpace(c.Str("text"))
			s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
			b, err := hex.DecodeString(s)
			if err != nil {
				var ie hex.InvalidByteError
				if errors.As(err, &ie) {
					return nil, nodes.Errorf("text", "invalid hex character %q", rune(ie))
				}
				if errors.Is(err, hex.ErrLength) {
					return nil, nodes.Errorf("text", "hex needs an even number of digits, got %d", len(s))
				}
				return nil, nodes.Errorf("text", "invalid hex: %v", err)
			}
			return decoded(b), nil
		},
	}
}

func urlModePort() nodes.Port {
	return nodes.Port{Name: "mode", Type: nodes.String, Default: "query", Options: []string{"query", "path"},
		Doc: "`query`: a query-string value (space is `+`); `path`: one path segment (space is `%20`, `/` is escaped)."}
}

func urlEncodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.url_encode", Category: catEncoding, Name: "URL encode", Icon: "link",
		Doc: "Percent-encodes `text` for use in a URL: as a query-string component (`mode` query) or as one path " +
			"segment (`mode` path).\n\nExample: `a b/c&d` → query `a+b%2Fc%26d`, path `a%20b%2Fc&d`.",
		Inputs:  []nodes.Port{textIn("The text to encode."), urlModePort()},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The encoded text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			mode, err := oneOf(c, "mode", "query", "path")
			if err != nil {
				return nil, err
			}
			if mode == "path" {
				return nodes.Out{"text": url.PathEscape(c.Str("text"))}, nil
			}
			return nodes.Out{"text": url.QueryEscape(c.Str("text"))}, nil
		},
	}
}

func urlDecodeType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.url_decode", Category: catEncoding, Name: "URL decode", Icon: "link-2",
		Doc: "Decodes percent-encoded `text`. In `query` mode `+` means a space; in `path` mode it stays `+`. " +
			"A malformed escape such as `%zz` is an error.\n\nExample: `a+b%2Fc` → query `a b/c`.",
		Inputs:  []nodes.Port{textIn("The encoded text."), urlModePort()},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The decoded text."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			mode, err := oneOf(c, "mode", "query", "path")
			if err != nil {
				return nil, err
			}
			var s string
			if mode == "path" {
				s, err = url.PathUnescape(c.Str("text"))
			} else {
				s, err = url.QueryUnescape(c.Str("text"))
			}
			if err != nil {
				return nil, nodes.Errorf("text", "%v", err)
			}
			return nodes.Out{"text": s}, nil
		},
	}
}

func queryStringType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.query_string", Category: catEncoding, Name: "Build query string", Icon: "link",
		Doc: "Turns `object` into a URL query string, keys sorted. A list value repeats its key; null values are " +
			"left out; nested objects are written as JSON.\n\n" +
			"Example: `{\"q\": \"a b\", \"tag\": [\"x\", \"y\"]}` → `q=a+b&tag=x&tag=y`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Required: true, Doc: "The parameters."},
			{Name: "prefix", Type: nodes.Boolean, Default: false, Doc: "Start with `?` when the result is not empty."},
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The query string."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := objectOrEmpty(c, "object")
			if err != nil {
				return nil, err
			}
			vals := url.Values{}
			for k, v := range obj {
				if v == nil {
					continue
				}
				if _, isMap := asMap(v); !isMap {
					if l, ok := nodes.ToList(v); ok {
						for _, e := range l {
							if e != nil {
								vals.Add(k, nodes.ToString(e))
							}
						}
						continue
					}
				}
				vals.Add(k, nodes.ToString(v))
			}
			s := vals.Encode()
			if s != "" && c.Bool("prefix") {
				s = "?" + s
			}
			return nodes.Out{"text": s}, nil
		},
	}
}

func parseQueryType() *nodes.Type {
	return &nodes.Type{
		ID: "encoding.parse_query", Category: catEncoding, Name: "Parse query string", Icon: "link-2",
		Doc: "Reads a URL query string (a leading `?`, or a whole URL, is fine; a `#fragment` is ignored) into an " +
			"object. A repeated key gives a list of its values; with `always_list` every value is a list.\n\n" +
			"Example: `?q=a+b&tag=x&tag=y` → `{\"q\": \"a b\", \"tag\": [\"x\", \"y\"]}`.",
		Inputs: []nodes.Port{
			textIn("The query string or URL."),
			{Name: "always_list", Type: nodes.Boolean, Default: false, Doc: "Give every key a list of values."},
		},
		Outputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Doc: "The parameters."},
			{Name: "keys", Type: nodes.List, Doc: "The parameter names, sorted."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			s := strings.TrimSpace(c.Str("text"))
			if i := strings.IndexByte(s, '#'); i >= 0 {
				s = s[:i]
			}
			if i := strings.IndexByte(s, '?'); i >= 0 {
				s = s[i+1:]
			}
			vals, err := url.ParseQuery(s)
			if err != nil {
				return nil, nodes.Errorf("text", "%v", err)
			}
			always := c.Bool("always_list")
			obj := map[string]any{}
			keys := make([]string, 0, len(vals))
			for k, vs := range vals {
				keys = append(keys, k)
				if len(vs) == 1 && !always {
					obj[k] = vs[0]
					continue
				}
				l := make([]any, len(vs))
				for i, v := range vs {
					l[i] = v
				}
				obj[k] = l
			}
			sort.Strings(keys)
			kl := make([]any, len(keys))
			for i, k := range keys {
				kl[i] = k
			}
			return nodes.Out{"object": obj, "keys": kl}, nil
		},
	}
}
