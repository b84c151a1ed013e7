package httpreq

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecodeBody feeds any body under any content type to the response decoder: it never
// panics, and text it gives for a body in a declared charset is valid UTF-8.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte("caf\xe9"), "text/plain; charset=iso-8859-1", "auto")
	f.Add([]byte(`{"a":"\x82\xa0"}`), "application/json; charset=Shift_JIS", "json")
	f.Add([]byte{0xff, 0xfe, 0}, "application/octet-stream", "auto")
	f.Add([]byte("x"), "text/plain; charset=", "text")
	f.Add([]byte("x"), "text/plain; charset=utf-16le", "text")
	f.Add([]byte("caf\xe9"), "text/plain; charset=x-unknown", "auto")
	f.Add([]byte("caf\xe9"), "text/plain; charset=x-unknown", "text")
	f.Add([]byte("\x81\x40"), "text/plain; charset=IBM037", "text")
	f.Add([]byte("\x00\x00\x00A"), "text/plain; charset=UTF-32", "auto")
	f.Fuzz(func(t *testing.T, body []byte, ctype, respType string) {
		switch respType {
		case "auto", "json", "text", "base64":
		default:
			return
		}
		v, kind, err := decodeBody(body, ctype, respType)
		if err != nil {
			return
		}
		if kind != bodyJSON && kind != bodyText && kind != bodyBase64 {
			t.Fatalf("body encoding %q", kind)
		}
		if enc, _ := charsetOf(ctype); enc != nil && respType == "text" && !utf8.ValidString(v.(string)) {
			t.Fatalf("text %q from %q under %q is not UTF-8", v, body, ctype)
		}
	})
}
