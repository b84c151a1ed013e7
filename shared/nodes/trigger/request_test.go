package trigger

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/nodes"
)

func TestRequestFromTrigger(t *testing.T) {
	cases := []struct {
		name     string
		in       any
		want     HTTPRequest
		errField string
	}{
		{
			name: "map form",
			in: map[string]any{"method": "post", "path": "/a", "host": "p-prod.example.com", "source_ip": "1.2.3.4",
				"headers": map[string]any{"Content-Type": "text/plain", "X-Multi": []any{"a", "b"}, "X-Num": 5.0},
				"query":   map[string]any{"one": "1", "many": []any{"x", "y"}, "num": 2.0},
				"cookies": map[string]any{"s": "v"}, "params": map[string]any{"id": 3.0}, "body": "hi", "is_base64": false},
			want: HTTPRequest{Method: "POST", Path: "/a", Host: "p-prod.example.com", SourceIP: "1.2.3.4",
				Headers: map[string]string{"content-type": "text/plain", "x-multi": "a, b", "x-num": "5"},
				Query:   map[string][]string{"one": {"1"}, "many": {"x", "y"}, "num": {"2"}},
				Cookies: map[string]string{"s": "v"}, Params: map[string]any{"id": 3.0}, Body: "hi"},
		},
		{
			name: "empty map gives empty maps",
			in:   map[string]any{},
			want: HTTPRequest{Headers: map[string]string{}, Query: map[string][]string{}, Cookies: map[string]string{}, Params: map[string]any{}},
		},
		{
			name: "raw query string and string is_base64",
			in:   map[string]any{"query": "?a=1&a=2", "body": "aGk=", "is_base64": "true"},
			want: HTTPRequest{Headers: map[string]string{}, Query: map[string][]string{"a": {"1", "2"}}, Cookies: map[string]string{},
				Params: map[string]any{}, Body: "aGk=", IsBase64: true},
		},
		{
			name: "header names differing by case are joined",
			in:   map[string]any{"headers": map[string]any{"X-A": "1", "x-a": "2"}},
			want: HTTPRequest{Headers: map[string]string{"x-a": "1, 2"}, Query: map[string][]string{}, Cookies: map[string]string{}, Params: map[string]any{}},
		},
		{
			name: "object body becomes json, cookie string parsed",
			in:   map[string]any{"body": map[string]any{"a": []any{1.0}}, "cookies": "a=1; b=2"},
			want: HTTPRequest{Headers: map[string]string{}, Query: map[string][]string{}, Cookies: map[string]string{"a": "1", "b": "2"},
				Params: map[string]any{}, Body: `{"a":[1]}`},
		},
		{
			name: "binary bytes body",
			in:   map[string]any{"body": []byte{0xff, 0x00}},
			want: HTTPRequest{Headers: map[string]string{}, Query: map[string][]string{}, Cookies: map[string]string{},
				Params: map[string]any{}, Body: base64.StdEncoding.EncodeToString([]byte{0xff, 0x00}), IsBase64: true},
		},
		{
			name: "typed go maps",
			in: map[string]any{"headers": http.Header{"X-A": {"1", "2"}}, "query": url.Values{"q": {"x"}},
				"cookies": map[string]string{"c": "d"}, "params": map[string]string{"p": "v"}},
			want: HTTPRequest{Headers: map[string]string{"x-a": "1, 2"}, Query: map[string][]string{"q": {"x"}},
				Cookies: map[string]string{"c": "d"}, Params: map[string]any{"p": "v"}},
		},
		{
			name: "pointer struct is normalised",
			in:   &HTTPRequest{Method: "patch", Headers: map[string]string{"Cookie": "k=v"}},
			want: HTTPRequest{Method: "PATCH", Headers: map[string]string{"cookie": "k=v"}, Query: map[string][]string{},
				Cookies: map[string]string{"k": "v"}, Params: map[string]any{}},
		},
		{
			name: "json-shaped struct of another type",
			in:   struct{ Method string }{Method: "GET"},
			want: HTTPRequest{Headers: map[string]string{}, Query: map[string][]string{}, Cookies: map[string]string{}, Params: map[string]any{}},
		},
		{name: "nil", in: nil, errField: "request"},
		{name: "nil pointer", in: (*HTTPRequest)(nil), errField: "request"},
		{name: "list", in: []any{"a"}, errField: "request"},
		{name: "method not a string", in: map[string]any{"method": 1.0}, errField: "method"},
		{name: "path not a string", in: map[string]any{"path": true}, errField: "path"},
		{name: "bad query on path", in: map[string]any{"path": "/x?a=%zz"}, errField: "path"},
		{name: "host not a string", in: map[string]any{"host": []any{}}, errField: "host"},
		{name: "source ip not a string", in: map[string]any{"source_ip": 1.0}, errField: "source_ip"},
		{name: "headers a list", in: map[string]any{"headers": []any{"a"}}, errField: "headers"},
		{name: "header list item", in: map[string]any{"headers": map[string]any{"a": []any{map[string]any{}}}}, errField: "headers"},
		{name: "query a number", in: map[string]any{"query": 5.0}, errField: "query"},
		{name: "query item object", in: map[string]any{"query": map[string]any{"a": []any{map[string]any{}}}}, errField: "query"},
		{name: "query value object", in: map[string]any{"query": map[string]any{"a": map[string]any{}}}, errField: "query"},
		{name: "bad raw query", in: map[string]any{"query": "a=%zz"}, errField: "query"},
		{name: "cookie value object", in: map[string]any{"cookies": map[string]any{"a": map[string]any{}}}, errField: "cookies"},
		{name: "cookie list item", in: map[string]any{"cookies": []any{1.0}}, errField: "cookies"},
		{name: "cookies a number", in: map[string]any{"cookies": 1.0}, errField: "cookies"},
		{name: "params a list", in: map[string]any{"params": []any{}}, errField: "params"},
		{name: "is_base64 nonsense", in: map[string]any{"is_base64": "maybe"}, errField: "is_base64"},
		{name: "body a number", in: map[string]any{"body": 5.0}, errField: "body"},
		{name: "object body with is_base64", in: map[string]any{"body": map[string]any{}, "is_base64": true}, errField: "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RequestFromTrigger(tc.in)
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

func TestMapRoundTrip(t *testing.T) {
	req := HTTPRequest{Method: "POST", Path: "/x", Host: "h", SourceIP: "::1",
		Headers: map[string]string{"a": "1"}, Query: map[string][]string{"q": {"1", "2"}, "e": {}},
		Cookies: map[string]string{"c": "v"}, Params: map[string]any{"n": 1.0, "s": "x"}, Body: "AA==", IsBase64: true}
	m := req.Map()
	want := map[string]any{"method": "POST", "path": "/x", "host": "h", "source_ip": "::1", "headers": map[string]any{"a": "1"},
		"query": map[string]any{"q": []any{"1", "2"}, "e": []any{}}, "cookies": map[string]any{"c": "v"},
		"params": map[string]any{"n": 1.0, "s": "x"}, "body": "AA==", "is_base64": true}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("Map() = %#v\nwant %#v", m, want)
	}
	back, err := RequestFromTrigger(m)
	if err != nil {
		t.Fatalf("RequestFromTrigger(Map()): %v", err)
	}
	if !reflect.DeepEqual(back, req) {
		t.Fatalf("round trip = %#v\nwant %#v", back, req)
	}
	// Map of the zero request has empty objects, not nulls
	zero := HTTPRequest{}.Map()
	for _, k := range []string{"headers", "query", "cookies", "params"} {
		if m, ok := zero[k].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("zero Map()[%s] = %#v, want an empty object", k, zero[k])
		}
	}
}

func TestHeader(t *testing.T) {
	r := HTTPRequest{Headers: map[string]string{"content-type": "a", "X-Odd": "b"}}
	for name, want := range map[string]string{"Content-Type": "a", "x-odd": "b", "X-ODD": "b", "missing": ""} {
		if got := r.Header(name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestParseCookieHeader(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"a=1", map[string]string{"a": "1"}},
		{" a = 1 ;b=\"q v\"; ; novalue; =x; a=2", map[string]string{"a": "1", "b": "q v"}},
		{"t=a=b", map[string]string{"t": "a=b"}},
	}
	for _, tc := range cases {
		if got := ParseCookieHeader(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCookieHeader(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRequestFromHTTP(t *testing.T) {
	cases := []struct {
		name     string
		req      func() *http.Request
		max      int64
		want     HTTPRequest
		errField string
	}{
		{
			name: "text body, headers, query and cookies",
			req: func() *http.Request {
				r := httptest.NewRequest("post", "http://shop-prod.example.com/orders?tag=a&tag=b&q=1", strings.NewReader(`{"a":1}`))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Add("X-Multi", "1")
				r.Header.Add("X-Multi", "2")
				r.Header.Set("Cookie", "s=abc; t=1")
				r.RemoteAddr = "203.0.113.9:5555"
				return r
			},
			want: HTTPRequest{Method: "POST", Path: "/orders", Host: "shop-prod.example.com", SourceIP: "203.0.113.9",
				Headers: map[string]string{"content-type": "application/json", "x-multi": "1, 2", "cookie": "s=abc; t=1",
					"host": "shop-prod.example.com"},
				Query:   map[string][]string{"tag": {"a", "b"}, "q": {"1"}},
				Cookies: map[string]string{"s": "abc", "t": "1"}, Params: map[string]any{}, Body: `{"a":1}`},
		},
		{
			name: "binary body is base64",
			req: func() *http.Request {
				r := httptest.NewRequest("PUT", "http://h/up", strings.NewReader("\xff\xfe\x00"))
				r.RemoteAddr = "no-port"
				return r
			},
			want: HTTPRequest{Method: "PUT", Path: "/up", Host: "h", SourceIP: "no-port", Headers: map[string]string{"host": "h"},
				Query: map[string][]string{}, Cookies: map[string]string{}, Params: map[string]any{},
				Body: base64.StdEncoding.EncodeToString([]byte("\xff\xfe\x00")), IsBase64: true},
		},
		{
			name: "body at the limit",
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "http://h/", strings.NewReader("12345"))
				r.RemoteAddr = ""
				return r
			},
			max: 5,
			want: HTTPRequest{Method: "POST", Path: "/", Host: "h", Headers: map[string]string{"host": "h"}, Query: map[string][]string{},
				Cookies: map[string]string{}, Params: map[string]any{}, Body: "12345"},
		},
		{
			name:     "body over the limit",
			req:      func() *http.Request { return httptest.NewRequest("POST", "http://h/", strings.NewReader("123456")) },
			max:      5,
			errField: "body",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RequestFromHTTP(tc.req(), tc.max)
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
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
			// what the router builds is what the route node reads back
			back, err := RequestFromTrigger(got.Map())
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip through Map: %v %#v", err, back)
			}
		})
	}
}

func TestScheduleFromTrigger(t *testing.T) {
	ev, err := ScheduleFromTrigger(&ScheduleEvent{Cron: "1 * * * *"})
	if err != nil || ev.Cron != "1 * * * *" {
		t.Fatalf("pointer: %v %#v", err, ev)
	}
	if _, err := ScheduleFromTrigger((*ScheduleEvent)(nil)); err == nil {
		t.Fatal("nil pointer: no error")
	}
	ev, err = ScheduleFromTrigger(nodes.Out{"fired_at": "2024-01-01T00:00:00+02:00", "schedule_id": "x"})
	if err != nil || ev.ScheduleID != "x" || !ev.FiredAt.Equal(mustTime(t, "2023-12-31T22:00:00Z")) {
		t.Fatalf("Out: %v %#v", err, ev)
	}
	if m := (ScheduleEvent{}).Map(); m["fired_at"] != "" {
		t.Fatalf("zero Map fired_at = %v, want empty", m["fired_at"])
	}
	for _, bad := range []any{map[string]any{"fired_at": true}, map[string]any{"fired_at": 1e300}, map[string]any{"timezone": 1.0}} {
		if _, err := ScheduleFromTrigger(bad); err == nil {
			t.Errorf("ScheduleFromTrigger(%v): no error", bad)
		}
	}
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
