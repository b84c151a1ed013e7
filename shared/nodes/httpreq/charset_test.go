package httpreq

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/nodes/nodetest"
)

// A response in a charset golang.org/x/text decodes but browsers' (WHATWG) list lacks is
// decoded (IBM437, EBCDIC IBM037 and UTF-32 came out as base64), and one no decoder knows is
// named in unknown_charset and a warning, body_encoding saying base64, or fails text and json
// naming it, where it silently became base64.
func TestRequestCharsetsAreDecodedOrNamed(t *testing.T) {
	h := newHarness(t)
	bodies := map[string]struct {
		ctype string
		body  []byte
	}{
		"/ibm437":     {"text/plain; charset=IBM437", []byte("caf\x82 \x9c5")},        // é, £
		"/ebcdic":     {"text/plain; charset=IBM037", []byte("\xc8\x85\x93\x93\x96")}, // Hello
		"/utf32":      {"application/json; charset=UTF-32", utf32be(`{"n":"é"}`)},     // big-endian, no BOM
		"/unknown":    {"text/plain; charset=x-klingon", []byte("caf\xe9")},           // not UTF-8
		"/unknownutf": {"text/plain; charset=x-klingon", []byte("café")},              // valid UTF-8
		"/unknownasc": {"text/plain; charset=x-klingon", []byte("plain")},             // ASCII
		"/latin1":     {"text/plain; charset=ISO-8859-1", []byte("caf\xe9")},          // known
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := bodies[r.URL.Path]
		w.Header().Set("Content-Type", b.ctype)
		io.Copy(w, strings.NewReader(string(b.body)))
	}))
	defer srv.Close()
	typ, _ := h.reg.Lookup("http.request")
	for _, tc := range []struct {
		path, rt  string
		body      any
		encoding  string
		unknown   string
		warn, err string // in a warning, in the error
	}{
		{path: "/ibm437", rt: "auto", body: "café £5", encoding: "text"},
		{path: "/ebcdic", rt: "text", body: "Hello", encoding: "text"},
		{path: "/utf32", rt: "auto", body: map[string]any{"n": "é"}, encoding: "json"},
		{path: "/latin1", rt: "auto", body: "café", encoding: "text"},
		{path: "/unknown", rt: "auto", body: base64.StdEncoding.EncodeToString([]byte("caf\xe9")), encoding: "base64",
			unknown: "x-klingon", warn: `charset "x-klingon" is unknown`},
		{path: "/unknown", rt: "text", err: `the response's charset "x-klingon" is unknown`},
		{path: "/unknown", rt: "json", err: `set response_type base64`},
		{path: "/unknown", rt: "base64", body: base64.StdEncoding.EncodeToString([]byte("caf\xe9")), encoding: "base64", unknown: "x-klingon"},
		{path: "/unknownutf", rt: "auto", body: "café", encoding: "text", unknown: "x-klingon", warn: "was read as UTF-8"},
		{path: "/unknownasc", rt: "text", body: "plain", encoding: "text", unknown: "x-klingon"},
	} {
		out, err, host := nodetest.Run(context.Background(), typ, req(srv.URL+tc.path, "response_type", tc.rt), nodetest.Options{})
		name := tc.path + "/" + tc.rt
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error with %q", name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(out["body"], tc.body) || out["body_encoding"] != tc.encoding || out["unknown_charset"] != tc.unknown {
			t.Errorf("%s: body %#v, body_encoding %v, unknown_charset %q; want %#v, %s, %q", name,
				out["body"], out["body_encoding"], out["unknown_charset"], tc.body, tc.encoding, tc.unknown)
		}
		logs := strings.Join(host.Logs, "\n")
		if (tc.warn == "") != !strings.Contains(logs, "charset") || (tc.warn != "" && !strings.Contains(logs, tc.warn)) {
			t.Errorf("%s: logs %q, want a warning with %q", name, logs, tc.warn)
		}
	}
}

func utf32be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return b
}
