package data

import (
	"testing"

	"polysynergy/shared/nodes"
)

func encodingCases() []nodeCase {
	return []nodeCase{
		// base64
		{name: "std", id: "encoding.base64_encode", in: map[string]any{"text": "hello?"}, want: nodes.Out{"text": "aGVsbG8/"}},
		{name: "url", id: "encoding.base64_encode", in: map[string]any{"text": "hello?", "variant": "url"}, want: nodes.Out{"text": "aGVsbG8_"}},
		{name: "no padding", id: "encoding.base64_encode", in: map[string]any{"text": []byte{0xfb, 0xff}, "padding": false}, want: nodes.Out{"text": "+/8"}},
		{name: "padded url", id: "encoding.base64_encode", in: map[string]any{"text": []byte{0xfb, 0xff}, "variant": "url"}, want: nodes.Out{"text": "-_8="}},
		{name: "bad variant", id: "encoding.base64_encode", in: map[string]any{"text": "x", "variant": "mime"}, errPort: "variant"},
		{name: "auto std", id: "encoding.base64_decode", in: map[string]any{"text": "aGVs\nbG8/"},
			want: nodes.Out{"text": "hello?", "bytes": []byte("hello?"), "valid_utf8": true}},
		{name: "auto url unpadded", id: "encoding.base64_decode", in: map[string]any{"text": "-_8"},
			want: nodes.Out{"bytes": []byte{0xfb, 0xff}, "valid_utf8": false}},
		{name: "std rejects url alphabet", id: "encoding.base64_decode", in: map[string]any{"text": "-_8=", "variant": "std"},
			errPort: "text", errText: "invalid std Base64 at character 1"},
		{name: "garbage", id: "encoding.base64_decode", in: map[string]any{"text": "ab$d"}, errPort: "text", errText: "character 3"},

		// hex
		{name: "hex", id: "encoding.hex_encode", in: map[string]any{"text": "Hi"}, want: nodes.Out{"text": "4869"}},
		{name: "upper", id: "encoding.hex_encode", in: map[string]any{"text": []byte{0xab}, "uppercase": true}, want: nodes.Out{"text": "AB"}},
		{name: "decode", id: "encoding.hex_decode", in: map[string]any{"text": "0x48 69"}, want: nodes.Out{"text": "Hi", "valid_utf8": true}},
		{name: "odd", id: "encoding.hex_decode", in: map[string]any{"text": "486"}, errPort: "text", errText: "even number of digits"},
		{name: "bad char", id: "encoding.hex_decode", in: map[string]any{"text": "4g"}, errPort: "text", errText: `invalid hex character 'g'`},

		// url
		{name: "query", id: "encoding.url_encode", in: map[string]any{"text": "a b/c&d"}, want: nodes.Out{"text": "a+b%2Fc%26d"}},
		{name: "path", id: "encoding.url_encode", in: map[string]any{"text": "a b/c&d", "mode": "path"}, want: nodes.Out{"text": "a%20b%2Fc&d"}},
		{name: "bad mode", id: "encoding.url_encode", in: map[string]any{"text": "x", "mode": "form"}, errPort: "mode"},
		{name: "query decode", id: "encoding.url_decode", in: map[string]any{"text": "a+b%2Fc"}, want: nodes.Out{"text": "a b/c"}},
		{name: "path decode keeps plus", id: "encoding.url_decode", in: map[string]any{"text": "a+b%20c", "mode": "path"}, want: nodes.Out{"text": "a+b c"}},
		{name: "bad escape", id: "encoding.url_decode", in: map[string]any{"text": "%zz"}, errPort: "text", errText: "invalid URL escape"},

		// query strings
		{name: "build", id: "encoding.query_string", in: map[string]any{"object": map[string]any{"q": "a b", "tag": []any{"x", "y"},
			"n": 2.0, "skip": nil, "obj": map[string]any{"k": 1.0}}},
			want: nodes.Out{"text": "n=2&obj=%7B%22k%22%3A1%7D&q=a+b&tag=x&tag=y"}},
		{name: "prefix", id: "encoding.query_string", in: map[string]any{"object": map[string]any{"a": true}, "prefix": true}, want: nodes.Out{"text": "?a=true"}},
		{name: "empty prefix", id: "encoding.query_string", in: map[string]any{"prefix": true}, want: nodes.Out{"text": ""}},
		{name: "not object", id: "encoding.query_string", in: map[string]any{"object": "a=b"}, errPort: "object"},
		{name: "parse", id: "encoding.parse_query", in: map[string]any{"text": "https://x.test/p?q=a+b&tag=x&tag=y&e=#frag"},
			want: nodes.Out{"object": map[string]any{"q": "a b", "tag": []any{"x", "y"}, "e": ""}, "keys": []any{"e", "q", "tag"}}},
		{name: "always list", id: "encoding.parse_query", in: map[string]any{"text": "?a=1", "always_list": true},
			want: nodes.Out{"object": map[string]any{"a": []any{"1"}}}},
		{name: "empty", id: "encoding.parse_query", in: map[string]any{}, want: nodes.Out{"object": map[string]any{}, "keys": []any{}}},
		{name: "bad", id: "encoding.parse_query", in: map[string]any{"text": "a=%zz"}, errPort: "text", errText: "invalid URL escape"},
	}
}

func TestQueryStringRoundTrip(t *testing.T) {
	r := newRegistry(t)
	obj := map[string]any{"q": "a&b=c d", "multi": []any{"1", "2"}, "ü": "ß"}
	built, err := runNode(t, r, "encoding.query_string", map[string]any{"object": obj}, nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := runNode(t, r, "encoding.parse_query", map[string]any{"text": built["text"]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nodes.ToString(parsed["object"]) != nodes.ToString(obj) {
		t.Fatalf("round trip = %v, want %v", parsed["object"], obj)
	}
}
