package trigger

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"mime/multipart"
	"net/textproto"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func registry(t *testing.T) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	typ, ok := registry(t).Lookup(id)
	if !ok {
		t.Fatalf("type %s not registered", id)
	}
	return typ
}

// covered lists the ids with table tests in this package.
var covered = []string{"trigger.manual", "trigger.mock_route", "trigger.route", "trigger.schedule"}

func TestFamilyDeclarations(t *testing.T) {
	r := registry(t)
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != category || strings.TrimSpace(typ.Doc) == "" || typ.Icon == "" {
			t.Errorf("%s: category %q, doc %d chars, icon %q", typ.ID, typ.Category, len(typ.Doc), typ.Icon)
		}
		if !typ.Trigger {
			t.Errorf("%s: Trigger is false", typ.ID)
		}
		if _, ok := typ.Input(nodes.PortNode); ok {
			t.Errorf("%s: a trigger has a node input", typ.ID)
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

// multipartBody builds a multipart/form-data body with a fixed boundary.
func multipartBody(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary("XBOUNDARYX"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"name", "Ada"}, {"tag", "a"}, {"tag", "b"}} {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="pic.png"`)
	h.Set("Content-Type", "image/png")
	fw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte{0x89, 'P', 'N', 'G', 0x00, 0xff}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoute(t *testing.T) {
	typ := lookup(t, "trigger.route")
	png := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff}
	pngB64 := base64.StdEncoding.EncodeToString(png)
	mp := multipartBody(t)
	type want map[string]any
	cases := []struct {
		name     string
		trigger  any
		want     want   // outputs compared with nodes.Equal
		errField string // FieldError field when the node must fail
		errText  string
	}{
		{
			name: "json body",
			trigger: map[string]any{"method": "post", "path": "/users", "headers": map[string]any{"Content-Type": "application/json; charset=utf-8"},
				"body": `{"name":"Ada","n":2,"tags":["x"]}`},
			want: want{"method": "POST", "path": "/users", "json": map[string]any{"name": "Ada", "n": 2.0, "tags": []any{"x"}},
				"form": nil, "bytes_base64": nil, "body": `{"name":"Ada","n":2,"tags":["x"]}`,
				"headers": map[string]any{"content-type": "application/json; charset=utf-8"}},
		},
		{
			name:    "vendor json type",
			trigger: map[string]any{"headers": map[string]any{"content-type": "application/vnd.api+json"}, "body": `[1,2]`},
			want:    want{"json": []any{1.0, 2.0}},
		},
		{
			name:    "looks like json without content type",
			trigger: map[string]any{"method": "POST", "path": "/", "body": "  {\"ok\": true}\n"},
			want:    want{"json": map[string]any{"ok": true}},
		},
		{
			name:    "looks like json but is not",
			trigger: map[string]any{"method": "POST", "headers": map[string]any{"content-type": "text/plain"}, "body": "{not json"},
			want:    want{"json": nil, "body": "{not json"},
		},
		{
			name:    "empty json body",
			trigger: map[string]any{"headers": map[string]any{"content-type": "application/json"}, "body": ""},
			want:    want{"json": nil},
		},
		{
			name:     "bad json",
			trigger:  map[string]any{"headers": map[string]any{"content-type": "application/json"}, "body": `{"a":`},
			errField: "body", errText: "not valid JSON",
		},
		{
			name: "url-encoded form with repeated keys",
			trigger: map[string]any{"method": "POST", "headers": map[string]any{"content-type": "application/x-www-form-urlencoded"},
				"body": "a=1&b=two+words&a=3&c="},
			want: want{"form": map[string]any{"a": []any{"1", "3"}, "b": "two words", "c": ""}, "json": nil},
		},
		{
			// read as browsers and the query string are: a ';' is part of a value, and a '%'
			// that starts no escape stays (url.ParseQuery refused the whole body: a 400)
			name: "form with a stray percent and a semicolon",
			trigger: map[string]any{"method": "POST", "headers": map[string]any{"content-type": "application/x-www-form-urlencoded"},
				"body": "a=%zz&discount=100%&tags=a;b&name=caf%C3%A9"},
			want: want{"form": map[string]any{"a": "%zz", "discount": "100%", "tags": "a;b", "name": "café"}, "json": nil},
		},
		{
			name: "multipart base64 with fields and a file",
			trigger: map[string]any{"method": "POST", "headers": map[string]any{"content-type": "multipart/form-data; boundary=XBOUNDARYX"},
				"body": base64.StdEncoding.EncodeToString(mp), "is_base64": true},
			want: want{"form": map[string]any{"name": "Ada", "tag": []any{"a", "b"}, "file": map[string]any{
				"filename": "pic.png", "content_type": "image/png", "size": 6.0,
				"base64": base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0x00, 0xff})}},
				"bytes_base64": base64.StdEncoding.EncodeToString(mp)},
		},
		{
			name: "multipart text",
			trigger: map[string]any{"method": "POST", "headers": map[string]any{"content-type": `multipart/form-data; boundary="b1"`},
				"body": "--b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nhello\r\n--b1--\r\n"},
			want: want{"form": map[string]any{"x": "hello"}, "bytes_base64": nil},
		},
		{
			name:     "multipart without boundary",
			trigger:  map[string]any{"headers": map[string]any{"content-type": "multipart/form-data"}, "body": "x"},
			errField: "headers", errText: "boundary",
		},
		{
			name: "multipart broken",
			trigger: map[string]any{"headers": map[string]any{"content-type": "multipart/form-data; boundary=b1"},
				"body": "--b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated"},
			errField: "body", errText: "multipart",
		},
		{
			name: "binary base64 body",
			trigger: map[string]any{"method": "PUT", "headers": map[string]any{"content-type": "image/png"},
				"body": pngB64, "is_base64": true},
			want: want{"body": pngB64, "bytes_base64": pngB64, "json": nil, "form": nil},
		},
		{
			name:     "bad base64",
			trigger:  map[string]any{"body": "!!!not base64", "is_base64": true},
			errField: "body", errText: "base64",
		},
		{
			name:    "repeated query keys",
			trigger: map[string]any{"path": "/search", "query": map[string]any{"tag": []any{"a", "b"}, "q": "x", "none": []any{}}},
			want: want{"query": map[string]any{"tag": "a", "q": "x", "none": ""},
				"query_all": map[string]any{"tag": []any{"a", "b"}, "q": []any{"x"}, "none": []any{}}},
		},
		{
			name:    "query on the path",
			trigger: map[string]any{"path": "/s?tag=a&tag=b"},
			want:    want{"path": "/s", "query_all": map[string]any{"tag": []any{"a", "b"}}},
		},
		{
			name:    "cookies object",
			trigger: map[string]any{"cookies": map[string]any{"session": "abc", "theme": "dark"}},
			want:    want{"cookies": map[string]any{"session": "abc", "theme": "dark"}},
		},
		{
			name:    "cookies from the cookie header",
			trigger: map[string]any{"headers": map[string]any{"Cookie": `session=abc; theme="dark"; session=later`}},
			want:    want{"cookies": map[string]any{"session": "abc", "theme": "dark"}},
		},
		{
			name:    "cookies as api gateway list",
			trigger: map[string]any{"cookies": []any{"a=1", "b=2"}},
			want:    want{"cookies": map[string]any{"a": "1", "b": "2"}},
		},
		{
			name: "struct trigger with typed params",
			trigger: HTTPRequest{Method: "get", Path: "/users/42", Host: "shop-prod.example.com", SourceIP: "10.0.0.1",
				Headers: map[string]string{"X-Trace": "t1"}, Params: map[string]any{"id": 42.0}},
			want: want{"method": "GET", "params": map[string]any{"id": 42.0}, "host": "shop-prod.example.com",
				"source_ip": "10.0.0.1", "headers": map[string]any{"x-trace": "t1"}, "query": map[string]any{}},
		},
		{
			name:    "no trigger data",
			trigger: nil,
			errText: "no HTTP request",
		},
		{
			name:     "not a request",
			trigger:  "hello",
			errField: "request",
		},
		{
			name:     "bad header value",
			trigger:  map[string]any{"headers": map[string]any{"x": map[string]any{}}},
			errField: "headers",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, nil, nodetest.Options{Trigger: tc.trigger})
			if tc.errField != "" || tc.errText != "" {
				if err == nil {
					t.Fatalf("no error; outputs %v", out)
				}
				var fe *FieldError
				if tc.errField != "" && (!errors.As(err, &fe) || fe.Field != tc.errField) {
					t.Fatalf("error %v: want a FieldError on %q", err, tc.errField)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %q does not mention %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for k, v := range tc.want {
				if !nodes.Equal(out[k], v) {
					t.Errorf("output %s = %#v, want %#v", k, out[k], v)
				}
			}
			req, ok := out["request"].(map[string]any)
			if !ok || req["body"] != out["body"] || req["method"] != out["method"] {
				t.Errorf("request output %#v does not match body/method outputs", out["request"])
			}
		})
	}
}

func TestMockRoute(t *testing.T) {
	typ := lookup(t, "trigger.mock_route")
	cases := []struct {
		name    string
		in      map[string]any
		trigger any
		want    map[string]any
		errPort string
	}{
		{
			name: "defaults",
			in:   map[string]any{},
			want: map[string]any{"method": "GET", "path": "/", "body": "", "json": nil, "query": map[string]any{}},
		},
		{
			name: "typed request",
			in: map[string]any{"method": "post", "path": "/orders?dry=1", "headers": map[string]any{"Content-Type": "application/json"},
				"query": map[string]any{"tag": []any{"a", "b"}}, "params": map[string]any{"id": 7.0}, "body": `{"qty": 3}`},
			want: map[string]any{"method": "POST", "path": "/orders", "json": map[string]any{"qty": 3.0},
				"query":     map[string]any{"dry": "1", "tag": "a"},
				"query_all": map[string]any{"dry": []any{"1"}, "tag": []any{"a", "b"}}, "params": map[string]any{"id": 7.0},
				"headers": map[string]any{"content-type": "application/json"}},
		},
		{
			name: "object body is sent as json",
			in:   map[string]any{"method": "POST", "body": map[string]any{"a": 1.0}},
			want: map[string]any{"body": `{"a":1}`, "json": map[string]any{"a": 1.0}},
		},
		{
			name:    "real trigger wins",
			in:      map[string]any{"method": "GET", "path": "/mock"},
			trigger: map[string]any{"method": "DELETE", "path": "/real/1"},
			want:    map[string]any{"method": "DELETE", "path": "/real/1"},
		},
		{
			name:    "bad json names body",
			in:      map[string]any{"headers": map[string]any{"content-type": "application/json"}, "body": "{"},
			errPort: "body",
		},
		{
			name:    "bad headers names headers",
			in:      map[string]any{"headers": "x: y"},
			errPort: "headers",
		},
		{
			name:    "bad query names query",
			in:      map[string]any{"query": []any{"a"}},
			errPort: "query",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Trigger: tc.trigger})
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
			for k, v := range tc.want {
				if !nodes.Equal(out[k], v) {
					t.Errorf("output %s = %#v, want %#v", k, out[k], v)
				}
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	typ := lookup(t, "trigger.schedule")
	cases := []struct {
		name     string
		in       map[string]any
		trigger  any
		want     map[string]any
		errField string
	}{
		{
			name:    "map trigger",
			trigger: map[string]any{"fired_at": "2024-05-06T06:00:00Z", "cron": "0 8 * * 1-5", "timezone": "Europe/Amsterdam", "schedule_id": "s1"},
			want: map[string]any{"fired_at": "2024-05-06T06:00:00Z", "fired_at_local": "2024-05-06T08:00:00+02:00",
				"cron": "0 8 * * 1-5", "timezone": "Europe/Amsterdam", "schedule_id": "s1"},
		},
		{
			// winter: the zone's offset at the instant, not today's
			name:    "local time in winter",
			trigger: map[string]any{"fired_at": "2024-01-08T07:00:00Z", "cron": "0 8 * * 1-5", "timezone": "Europe/Amsterdam"},
			want:    map[string]any{"fired_at": "2024-01-08T07:00:00Z", "fired_at_local": "2024-01-08T08:00:00+01:00"},
		},
		{
			name:    "local time west of UTC",
			trigger: map[string]any{"fired_at": "2024-07-01T13:30:00Z", "timezone": "America/New_York"},
			want:    map[string]any{"fired_at": "2024-07-01T13:30:00Z", "fired_at_local": "2024-07-01T09:30:00-04:00"},
		},
		{
			name:    "struct trigger",
			trigger: ScheduleEvent{FiredAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Cron: "4 3 * * *", ScheduleID: "s2"},
			want: map[string]any{"fired_at": "2024-01-02T03:04:05Z", "fired_at_local": "2024-01-02T03:04:05Z", "cron": "4 3 * * *",
				"timezone": "UTC", "schedule_id": "s2"},
		},
		{
			name:    "unix seconds",
			trigger: map[string]any{"fired_at": 1700000000.0},
			want:    map[string]any{"fired_at": "2023-11-14T22:13:20Z"},
		},
		{
			name: "inputs fill missing data",
			in:   map[string]any{"cron": "*/5 * * * *", "timezone": "Asia/Tokyo"},
			want: map[string]any{"cron": "*/5 * * * *", "timezone": "Asia/Tokyo", "schedule_id": ""},
		},
		{
			name:     "bad fired_at",
			trigger:  map[string]any{"fired_at": "yesterday"},
			errField: "fired_at",
		},
		{
			name:     "bad cron type",
			trigger:  map[string]any{"cron": 5.0},
			errField: "cron",
		},
		{
			name:     "not an object",
			trigger:  []any{1.0},
			errField: "schedule",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().UTC().Add(-time.Second)
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Trigger: tc.trigger})
			if tc.errField != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.errField {
					t.Fatalf("error %v: want a FieldError on %q", err, tc.errField)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for k, v := range tc.want {
				if !nodes.Equal(out[k], v) {
					t.Errorf("output %s = %#v, want %#v", k, out[k], v)
				}
			}
			fired, err := time.Parse(time.RFC3339Nano, out["fired_at"].(string))
			if err != nil {
				t.Fatalf("fired_at %q is not RFC 3339: %v", out["fired_at"], err)
			}
			// fired_at_local is the same instant
			if local, err := time.Parse(time.RFC3339Nano, out["fired_at_local"].(string)); err != nil || !local.Equal(fired) {
				t.Errorf("fired_at_local %q (%v) is not fired_at %v", out["fired_at_local"], err, fired)
			}
			if tc.trigger == nil && (fired.Before(before) || fired.Location() != time.UTC) {
				t.Errorf("fired_at %v: want now in UTC (after %v)", fired, before)
			}
		})
	}
}

func TestManual(t *testing.T) {
	typ := lookup(t, "trigger.manual")
	cases := []struct {
		name    string
		in      map[string]any
		trigger any
		want    any
	}{
		{"test input", map[string]any{"test_input": map[string]any{"name": "Ada"}}, nil, map[string]any{"name": "Ada"}},
		{"no input", map[string]any{}, nil, nil},
		{"trigger wins", map[string]any{"test_input": "ignored"}, map[string]any{"n": 1.0}, map[string]any{"n": 1.0}},
		{"struct trigger normalised", nil, ScheduleEvent{Cron: "* * * * *"},
			map[string]any{"fired_at": "0001-01-01T00:00:00Z", "cron": "* * * * *", "timezone": "", "schedule_id": ""}},
		{"scalar trigger", nil, "go", "go"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Trigger: tc.trigger})
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(out["input"], tc.want) {
				t.Fatalf("input = %#v, want %#v", out["input"], tc.want)
			}
		})
	}
	// the output is a copy: changing it leaves the trigger data alone
	trig := map[string]any{"n": 1.0}
	out, _, _ := nodetest.Run(context.Background(), typ, nil, nodetest.Options{Trigger: trig})
	out["input"].(map[string]any)["n"] = 2.0
	if trig["n"] != 1.0 {
		t.Fatalf("trigger data changed through the output: %v", trig)
	}
}
