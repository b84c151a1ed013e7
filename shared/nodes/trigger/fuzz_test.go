package trigger

import (
	"encoding/json"
	"errors"
	"mime"
	"reflect"
	"testing"

	"polysynergy/shared/urlencoded"
)

// FuzzRequestFromTrigger feeds JSON trigger data: reading it must never panic, errors
// must name a field, and a request that reads must survive a trip through Map.
func FuzzRequestFromTrigger(f *testing.F) {
	f.Add([]byte(`{"method":"get","path":"/a?x=1&x=2","headers":{"Cookie":"a=1"},"query":{"q":["1",2]}}`))
	f.Add([]byte(`{"body":{"a":1},"cookies":["a=b","c=d"],"params":{"id":4}}`))
	f.Add([]byte(`{"headers":{"A":"1","a":["2","3"]},"is_base64":"true","body":"AA=="}`))
	f.Add([]byte(`{"query":"?a=%zz"}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		req, err := RequestFromTrigger(v)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v does not name a field", err)
			}
			return
		}
		back, err := RequestFromTrigger(req.Map())
		if err != nil {
			t.Fatalf("Map of a read request does not read back: %v", err)
		}
		if !reflect.DeepEqual(back, req) {
			t.Fatalf("round trip changed the request:\n%#v\n%#v", req, back)
		}
		// the route node's body decoding must not panic on anything that reads
		_, _ = requestOut(req)
	})
}

// FuzzParseBody decodes arbitrary bodies under arbitrary content types: no panics,
// errors name body or headers, and form values are strings, files or lists of them.
func FuzzParseBody(f *testing.F) {
	f.Add(`{"a":[1,2,{"b":null}]}`, "application/json", false)
	f.Add(`{"a":`, "application/json; charset=utf-8", false)
	f.Add("a=1&a=2&b=%20", "application/x-www-form-urlencoded", false)
	f.Add("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--b--\r\n",
		"multipart/form-data; boundary=b", false)
	f.Add("LS1iDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLWRhdGE7IG5hbWU9ImEiDQoNCjENCi0tYi0tDQo=", "multipart/form-data; boundary=b", true)
	f.Add("iVBORw0KGgo=", "image/png", true)
	f.Add("[1, 2", "", false)
	f.Add("plain", "text/plain; charset", false)
	f.Fuzz(func(t *testing.T, body, ctype string, b64 bool) {
		req := HTTPRequest{Headers: map[string]string{"content-type": ctype}, Body: body, IsBase64: b64}
		pb, err := parseBody(req)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || (fe.Field != "body" && fe.Field != "headers") {
				t.Fatalf("error %v names neither body nor headers", err)
			}
			return
		}
		if pb.binary != b64 {
			t.Fatalf("binary = %v for is_base64 %v", pb.binary, b64)
		}
		for k, v := range pb.form {
			checkFormValue(t, k, v, true)
		}
		mt, _, _ := mime.ParseMediaType(ctype)
		if mt == "application/x-www-form-urlencoded" {
			q := urlencoded.Parse(string(pb.raw))
			if len(q) != len(pb.form) {
				t.Fatalf("form has %d keys, the query %d", len(pb.form), len(q))
			}
		}
		if pb.json != nil {
			if _, err := json.Marshal(pb.json); err != nil {
				t.Fatalf("parsed JSON does not encode again: %v", err)
			}
		}
	})
}

func checkFormValue(t *testing.T, key string, v any, listOK bool) {
	switch x := v.(type) {
	case string:
	case map[string]any:
		for _, f := range []string{"filename", "content_type", "size", "base64"} {
			if _, ok := x[f]; !ok {
				t.Fatalf("form %q: file without %s: %v", key, f, x)
			}
		}
	case []any:
		if !listOK || len(x) < 2 {
			t.Fatalf("form %q: unexpected list %v", key, x)
		}
		for _, e := range x {
			checkFormValue(t, key, e, false)
		}
	default:
		t.Fatalf("form %q: value of type %T", key, v)
	}
}
