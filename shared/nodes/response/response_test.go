package response

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	typ, ok := r.Lookup(id)
	if !ok {
		t.Fatalf("type %s not registered", id)
	}
	return typ
}

var covered = []string{"http.redirect", "http.response"}

func TestFamilyDeclarations(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != category || strings.TrimSpace(typ.Doc) == "" || typ.Icon == "" {
			t.Errorf("%s: category %q, doc %d chars, icon %q", typ.ID, typ.Category, len(typ.Doc), typ.Icon)
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
	}
	sort.Strings(ids)
	if !reflect.DeepEqual(ids, covered) {
		t.Fatalf("registered %v, tests cover %v", ids, covered)
	}
}

// resp is a shorthand for the expected Response.
func resp(status int, headers map[string]string, cookies []string, body string, b64 bool) Response {
	if headers == nil {
		headers = map[string]string{}
	}
	if cookies == nil {
		cookies = []string{}
	}
	return Response{Status: status, Headers: headers, Cookies: cookies, Body: body, IsBase64: b64}
}

const (
	jsonCT = "application/json; charset=utf-8"
	textCT = "text/plain; charset=utf-8"
)

func TestHTTPResponse(t *testing.T) {
	typ := lookup(t, "http.response")
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	pngB64 := base64.StdEncoding.EncodeToString(png)
	cases := []struct {
		name    string
		in      map[string]any
		values  map[string]any
		want    Response
		errPort string
		errText string
	}{
		{name: "defaults", in: map[string]any{}, want: resp(200, nil, nil, "", false)},
		{
			name: "object body as json without html escaping",
			in:   map[string]any{"status": 201.0, "body": map[string]any{"a": "<b>", "n": 1.0}},
			want: resp(201, map[string]string{"content-type": jsonCT}, nil, `{"a":"<b>","n":1}`, false),
		},
		{name: "list body", in: map[string]any{"body": []any{1.0, "x"}}, want: resp(200, map[string]string{"content-type": jsonCT}, nil, `[1,"x"]`, false)},
		{name: "number body", in: map[string]any{"body": 42.0}, want: resp(200, map[string]string{"content-type": jsonCT}, nil, `42`, false)},
		{name: "string body", in: map[string]any{"body": "hello"}, want: resp(200, map[string]string{"content-type": textCT}, nil, "hello", false)},
		{name: "status as string", in: map[string]any{"status": "404", "body": "nope"}, want: resp(404, map[string]string{"content-type": textCT}, nil, "nope", false)},
		{
			name: "html",
			in:   map[string]any{"body": "<h1>Hi</h1>", "body_type": "html"},
			want: resp(200, map[string]string{"content-type": "text/html; charset=utf-8"}, nil, "<h1>Hi</h1>", false),
		},
		{
			name: "text of an object",
			in:   map[string]any{"body": map[string]any{"a": 1.0}, "body_type": "text"},
			want: resp(200, map[string]string{"content-type": textCT}, nil, `{"a":1}`, false),
		},
		{
			name: "json string sent verbatim",
			in:   map[string]any{"body": `{"pre": "encoded"}`, "body_type": "json"},
			want: resp(200, map[string]string{"content-type": jsonCT}, nil, `{"pre": "encoded"}`, false),
		},
		{
			name: "json of a string value that is not json",
			in:   map[string]any{"body": `hello`, "body_type": "json"}, errPort: "body", errText: "not JSON",
		},
		{
			name: "base64 keeps a given content type",
			in:   map[string]any{"body": pngB64, "body_type": "base64", "headers": map[string]any{"Content-Type": "image/png"}},
			want: resp(200, map[string]string{"content-type": "image/png"}, nil, pngB64, true),
		},
		{
			name: "base64 unpadded is made canonical",
			in:   map[string]any{"body": strings.TrimRight(pngB64, "="), "body_type": "base64"},
			want: resp(200, map[string]string{"content-type": "application/octet-stream"}, nil, pngB64, true),
		},
		{name: "bad base64", in: map[string]any{"body": "%%%", "body_type": "base64"}, errPort: "body", errText: "base64"},
		{name: "base64 of an object", in: map[string]any{"body": map[string]any{}, "body_type": "base64"}, errPort: "body"},
		{name: "unknown body type", in: map[string]any{"body_type": "xml"}, errPort: "body_type"},
		{name: "status too low", in: map[string]any{"status": 99.0}, errPort: "status", errText: "must be between 200 and 599, got 99"},
		{name: "informational status", in: map[string]any{"status": 101.0}, errPort: "status", errText: "must be between 200 and 599, got 101"},
		{name: "status too high", in: map[string]any{"status": 600.0}, errPort: "status"},
		{name: "no content", in: map[string]any{"status": 204.0}, want: resp(204, nil, nil, "", false)},
		{name: "no content with a body", in: map[string]any{"status": 204.0, "body": "x"}, errPort: "body", errText: "does not allow a body"},
		{name: "status fraction", in: map[string]any{"status": 200.5}, errPort: "status"},
		{name: "status text", in: map[string]any{"status": "ok"}, errPort: "status"},
		{
			name:   "headers in row order, lower-cased, set-cookie moved",
			in:     map[string]any{"headers": map[string]any{"X-Count": 5.0, "Cache-Control": "no-store", "Set-Cookie": "a=1; Path=/"}},
			values: map[string]any{"headers": []any{map[string]any{"key": "Cache-Control"}, map[string]any{"key": "X-Count"}}},
			want: resp(200, map[string]string{"x-count": "5", "cache-control": "no-store"},
				[]string{"a=1; Path=/"}, "", false),
		},
		{name: "header with a line break", in: map[string]any{"headers": map[string]any{"X-A": "a\r\nSet-Cookie: evil=1"}}, errPort: "headers", errText: "line break"},
		{name: "header name with a space", in: map[string]any{"headers": map[string]any{"X Bad": "1"}}, errPort: "headers"},
		{name: "header twice", in: map[string]any{"headers": map[string]any{"X-A": "1", "x-a": "2"}}, errPort: "headers", errText: "twice"},
		{name: "header object value", in: map[string]any{"headers": map[string]any{"X-A": map[string]any{}}}, errPort: "headers"},
		{name: "headers not an object", in: map[string]any{"headers": "x"}, errPort: "headers"},
		{
			name: "cookie objects and strings",
			in: map[string]any{"cookies": []any{
				map[string]any{"name": "session", "value": "abc", "path": "/", "domain": "example.com", "max_age": 3600.0,
					"secure": true, "http_only": true, "same_site": "Lax"},
				map[string]any{"name": "old", "value": "", "max_age": 0.0},
				map[string]any{"name": "until", "value": "1", "expires": "2030-01-02T03:04:05Z", "same_site": "none", "secure": true},
				"theme=dark; Path=/",
			}},
			want: resp(200, nil, []string{
				"session=abc; Path=/; Domain=example.com; Max-Age=3600; HttpOnly; Secure; SameSite=Lax",
				"old=; Max-Age=0",
				"until=1; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Secure; SameSite=None",
				"theme=dark; Path=/",
			}, "", false),
		},
		{
			name: "single cookie object",
			in:   map[string]any{"cookies": map[string]any{"name": "a", "value": 1.0}},
			want: resp(200, nil, []string{"a=1"}, "", false),
		},
		{name: "cookie without a name", in: map[string]any{"cookies": []any{map[string]any{"value": "x"}}}, errPort: "cookies", errText: "name"},
		{name: "cookie unknown field", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "httpOnly": true}}}, errPort: "cookies", errText: "httpOnly"},
		{name: "cookie bad value", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "value": "x;y"}}}, errPort: "cookies"},
		{name: "cookie bad same_site", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "same_site": "sometimes"}}}, errPort: "cookies"},
		{name: "cookie none without secure", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "same_site": "none"}}}, errPort: "cookies", errText: "secure"},
		{name: "cookie bad expires", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "expires": "soon"}}}, errPort: "cookies", errText: "expires"},
		{name: "cookie bad max_age", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "max_age": "long"}}}, errPort: "cookies", errText: "max_age"},
		{name: "cookie path with ;", in: map[string]any{"cookies": []any{map[string]any{"name": "a", "path": "/;x"}}}, errPort: "cookies", errText: "path"},
		{name: "cookie string with a line break", in: map[string]any{"cookies": []any{"a=1\r\nX: y"}}, errPort: "cookies", errText: "line break"},
		{name: "cookie string without a pair", in: map[string]any{"cookies": []any{"novalue"}}, errPort: "cookies"},
		{name: "cookie of the wrong type", in: map[string]any{"cookies": []any{5.0}}, errPort: "cookies"},
		{name: "cookies not a list", in: map[string]any{"cookies": 5.0}, errPort: "cookies"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, host := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Values: tc.values})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %q does not mention %q", err, tc.errText)
				}
				if host.Response != nil {
					t.Fatalf("a failed node set a response: %v", host.Response)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(out["response"], host.Response) {
				t.Fatalf("output %#v differs from the response set %#v", out["response"], host.Response)
			}
			got, err := FromValue(host.Response)
			if err != nil {
				t.Fatalf("FromValue(set response): %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("response\n got %#v\nwant %#v", got, tc.want)
			}
			if st := host.Response.(map[string]any)["status"]; st != float64(tc.want.Status) {
				t.Fatalf("status in the map form is %#v, want float64", st)
			}
		})
	}
}

// Headers about the message's framing are the platform's: a flow forwarding an upstream
// answer's headers must not cut the body off (Content-Length: 2) or hang the caller.
func TestHTTPResponseLeavesOutFramingHeaders(t *testing.T) {
	typ := lookup(t, "http.response")
	in := map[string]any{"body": "hello", "headers": map[string]any{"Content-Length": "2", "Transfer-Encoding": "chunked",
		"connection": "close", "X-Upstream": "a"}}
	_, err, host := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromValue(host.Response)
	if err != nil {
		t.Fatal(err)
	}
	if want := resp(200, map[string]string{"content-type": textCT, "x-upstream": "a"}, nil, "hello", false); !reflect.DeepEqual(got, want) {
		t.Fatalf("response\n got %#v\nwant %#v", got, want)
	}
	warned := strings.Join(host.Logs, "\n")
	for _, h := range []string{"content-length", "transfer-encoding", "connection"} {
		if !strings.Contains(warned, `warn: header "`+h+`" is left out`) {
			t.Errorf("no warning for %s in %q", h, warned)
		}
	}
}

func TestRedirect(t *testing.T) {
	typ := lookup(t, "http.redirect")
	cases := []struct {
		name    string
		in      map[string]any
		status  int
		loc     string
		errPort string
	}{
		{"path, default status", map[string]any{"location": "/login?next=/a"}, 302, "/login?next=/a", ""},
		{"absolute url, 301 as text", map[string]any{"location": " https://example.com/x ", "status": "301"}, 301, "https://example.com/x", ""},
		{"308", map[string]any{"location": "http://a.b/", "status": 308.0}, 308, "http://a.b/", ""},
		{"missing location", map[string]any{}, 0, "", "location"},
		{"protocol relative", map[string]any{"location": "//evil.example"}, 0, "", "location"},
		{"backslash trick", map[string]any{"location": "/\\evil.example"}, 0, "", "location"},
		{"javascript url", map[string]any{"location": "javascript:alert(1)"}, 0, "", "location"},
		{"relative path", map[string]any{"location": "next"}, 0, "", "location"},
		{"line break", map[string]any{"location": "/a\r\nSet-Cookie: x=1"}, 0, "", "location"},
		{"scheme without host", map[string]any{"location": "https:///x"}, 0, "", "location"},
		{"space and non-ASCII encoded", map[string]any{"location": "/a b?x=é#ü"}, 302, "/a%20b?x=%C3%A9#%C3%BC", ""},
		{"escapes kept, lone percent encoded", map[string]any{"location": "/a%20b/100%?q=%E2%82%AC&r=a\"<>`{|}^"}, 302,
			"/a%20b/100%25?q=%E2%82%AC&r=a%22%3C%3E%60%7B%7C%7D%5E", ""},
		{"absolute url path encoded", map[string]any{"location": "https://example.com/ruta con ñ?q=a b"}, 302,
			"https://example.com/ruta%20con%20%C3%B1?q=a%20b", ""},
		{"non-ASCII host encoded", map[string]any{"location": "https://bücher.example/"}, 302, "https://b%C3%BCcher.example/", ""},
		{"backslash in host", map[string]any{"location": "https://a.example\\@b.example/"}, 0, "", "location"},
		{"space in host", map[string]any{"location": "https://a example/"}, 0, "", "location"},
		{"not a redirect status", map[string]any{"location": "/", "status": 200.0}, 0, "", "status"},
		{"status text", map[string]any{"location": "/", "status": "soon"}, 0, "", "status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, host := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got, err := FromValue(host.Response)
			if err != nil {
				t.Fatalf("FromValue: %v", err)
			}
			want := resp(tc.status, map[string]string{"location": tc.loc}, nil, "", false)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(out["response"], host.Response) {
				t.Fatalf("got %#v (output %#v), want %#v", got, out["response"], want)
			}
		})
	}
}

func TestFromValue(t *testing.T) {
	cases := []struct {
		name     string
		in       any
		want     Response
		errField string
	}{
		{
			name: "map form",
			in: map[string]any{"status": 201.0, "headers": map[string]any{"Content-Type": "text/plain", "X-L": []any{"a", 1.0}},
				"cookies": []any{"a=1"}, "body": "hi", "is_base64": false},
			want: resp(201, map[string]string{"content-type": "text/plain", "x-l": "a, 1"}, []string{"a=1"}, "hi", false),
		},
		{name: "empty map is a 200", in: map[string]any{}, want: resp(200, nil, nil, "", false)},
		{name: "struct", in: Response{Status: 204, Headers: map[string]string{"X-A": "1"}}, want: resp(204, map[string]string{"x-a": "1"}, nil, "", false)},
		{name: "pointer", in: &Response{Status: 500, Cookies: []string{"b=2"}}, want: resp(500, nil, []string{"b=2"}, "", false)},
		{name: "node output", in: nodes.Out{"status": "404", "cookies": "c=3", "headers": map[string]string{"A": "b"}},
			want: resp(404, map[string]string{"a": "b"}, []string{"c=3"}, "", false)},
		{name: "bytes body", in: map[string]any{"body": []byte{0xff}}, want: resp(200, nil, nil, "/w==", true)},
		{name: "json-shaped struct", in: struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
		}{Status: 202, Body: "x"}, want: resp(202, nil, nil, "x", false)},
		{name: "nil", in: nil, errField: "response"},
		{name: "nil pointer", in: (*Response)(nil), errField: "response"},
		{name: "list", in: []any{}, errField: "response"},
		{name: "status fraction", in: map[string]any{"status": 1.5}, errField: "status"},
		{name: "status range", in: map[string]any{"status": 1000.0}, errField: "status"},
		{name: "headers list", in: map[string]any{"headers": []any{}}, errField: "headers"},
		{name: "header object", in: map[string]any{"headers": map[string]any{"a": map[string]any{}}}, errField: "headers"},
		{name: "header list item", in: map[string]any{"headers": map[string]any{"a": []any{[]any{}}}}, errField: "headers"},
		{name: "header newline", in: map[string]any{"headers": map[string]any{"a": "x\ny"}}, errField: "headers"},
		{name: "header twice", in: Response{Headers: map[string]string{"A": "1", "a": "2"}}, errField: "headers"},
		{name: "empty header name", in: map[string]any{"headers": map[string]any{"": "1"}}, errField: "headers"},
		{name: "cookies object", in: map[string]any{"cookies": map[string]any{}}, errField: "cookies"},
		{name: "cookie item number", in: map[string]any{"cookies": []any{1.0}}, errField: "cookies"},
		{name: "cookie newline", in: map[string]any{"cookies": []any{"a=1\nb"}}, errField: "cookies"},
		{name: "is_base64 text", in: map[string]any{"is_base64": "yes"}, errField: "is_base64"},
		{name: "body object", in: map[string]any{"body": map[string]any{}}, errField: "body"},
		{name: "bad base64 body", in: map[string]any{"body": "***", "is_base64": true}, errField: "body"},
		{name: "body on 304", in: map[string]any{"status": 304.0, "body": "x"}, errField: "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromValue(tc.in)
			if tc.errField != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errField {
					t.Fatalf("error %v: want a FieldError on %q", err, tc.errField)
				}
				if !strings.Contains(err.Error(), `"`+tc.errField+`"`) {
					t.Fatalf("error %q does not name the field", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	cases := []struct {
		name string
		r    Response
		code int
		body string
		err  bool
	}{
		{"text", Response{Status: 201, Headers: map[string]string{"content-type": "text/plain", "x-a": "1"},
			Cookies: []string{"a=1", "b=2; Path=/"}, Body: "hi"}, 201, "hi", false},
		{"binary", Response{Status: 200, Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2}), IsBase64: true}, 200, "\x00\x01\x02", false},
		{"zero status", Response{Body: "x"}, 200, "x", false},
		{"no content", Response{Status: 204}, 204, "", false},
		{"bad base64", Response{Body: "***", IsBase64: true}, 0, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := tc.r.Write(rec)
			if tc.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			if rec.Code != tc.code || rec.Body.String() != tc.body {
				t.Fatalf("code %d body %q, want %d %q", rec.Code, rec.Body.String(), tc.code, tc.body)
			}
			for k, v := range tc.r.Headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if got := rec.Header().Values("Set-Cookie"); len(tc.r.Cookies) > 0 && !reflect.DeepEqual(got, tc.r.Cookies) {
				t.Errorf("Set-Cookie = %v, want %v", got, tc.r.Cookies)
			}
		})
	}
}

// FuzzFromValue reads arbitrary JSON as a response: no panics, errors name a field,
// and a response that reads is valid, survives Map and can be written.
func FuzzFromValue(f *testing.F) {
	f.Add([]byte(`{"status":200,"headers":{"Content-Type":"text/plain"},"cookies":["a=1; Path=/"],"body":"hi"}`))
	f.Add([]byte(`{"status":"302","headers":{"location":["/a","/b"]}}`))
	f.Add([]byte(`{"body":"AAEC","is_base64":true}`))
	f.Add([]byte(`{"headers":{"x":"a\r\nb"},"cookies":"c"}`))
	f.Add([]byte(`{"status":99.5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		r, err := FromValue(v)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v does not name a field", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("FromValue returned an invalid response: %v", err)
		}
		back, err := FromValue(r.Map())
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("round trip through Map: %v\n%#v\n%#v", err, r, back)
		}
		if err := r.Write(httptest.NewRecorder()); err != nil {
			t.Fatalf("Write: %v", err)
		}
	})
}
