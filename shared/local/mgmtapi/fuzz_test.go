package mgmtapi_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"polysynergy/shared/local/mgmtapi"
)

func TestSelectRoute(t *testing.T) {
	routes := []string{"subscribe", "ping"}
	tests := []struct {
		body   string
		routes []string
		want   string
	}{
		{`{"action":"subscribe","flow":"f"}`, routes, "subscribe"},
		{`{"action":"ping"}`, routes, "ping"},
		{`{"action":"other"}`, routes, "$default"},
		{`{"action":"other"}`, nil, "other"},
		{`{"action":""}`, nil, "$default"},
		{`{"action":"$connect"}`, nil, "$default"},
		{`{"action":"$disconnect"}`, routes, "$default"},
		{`{"action":7}`, routes, "$default"},
		{`{"action":null}`, nil, "$default"},
		{`["subscribe"]`, routes, "$default"},
		{`"subscribe"`, routes, "$default"},
		{`{"action":"ping"`, routes, "$default"},
		{`plain text`, nil, "$default"},
		{``, nil, "$default"},
	}
	for _, tt := range tests {
		if got := mgmtapi.SelectRoute([]byte(tt.body), tt.routes); got != tt.want {
			t.Errorf("SelectRoute(%s, %v) = %s; want %s", tt.body, tt.routes, got, tt.want)
		}
	}
}

func FuzzSelectRoute(f *testing.F) {
	f.Add([]byte(`{"action":"subscribe","project":"p","flow":"f"}`))
	f.Add([]byte(`{"action":"ping"}`))
	f.Add([]byte(`{"action":{"nested":true}}`))
	f.Add([]byte(`{"action":"$connect"}`))
	f.Add([]byte("\xff\xfe"))
	routes := []string{"subscribe", "unsubscribe", "ping"}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := mgmtapi.SelectRoute(body, routes)
		if got != "$default" && !slices.Contains(routes, got) {
			t.Fatalf("SelectRoute(%q) = %q: neither $default nor a configured route", body, got)
		}
		var msg map[string]any
		if got != "$default" {
			if err := json.Unmarshal(body, &msg); err != nil || msg["action"] != got {
				t.Fatalf("SelectRoute(%q) = %q but the body's action is %v (%v)", body, got, msg["action"], err)
			}
		}
		open := mgmtapi.SelectRoute(body, nil)
		if strings.HasPrefix(open, "$") && open != "$default" {
			t.Fatalf("SelectRoute(%q, nil) = %q: a reserved route", body, open)
		}
	})
}

func TestConnectionID(t *testing.T) {
	tests := []struct {
		path string
		id   string
		ok   bool
	}{
		{"/@connections/abc=", "abc=", true},
		{"/prod/@connections/abc=", "abc=", true},
		{"/prod/@connections/a%2Fb%3D", "a/b=", true},
		{"/a/@connections/b/@connections/c", "c", true},
		{"/@connections/", "", false},
		{"/@connections/a/b", "", false},
		{"/@connections/%zz", "", false},
		{"/connections/abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		id, ok := mgmtapi.ConnectionID(tt.path)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ConnectionID(%q) = %q, %v; want %q, %v", tt.path, id, ok, tt.id, tt.ok)
		}
	}
}

func FuzzConnectionID(f *testing.F) {
	f.Add("/@connections/Kx9vTc3BoAMCE7Q=")
	f.Add("/dev/@connections/a%2Fb")
	f.Add("/@connections/%")
	f.Add("/@connections//")
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" {
			return
		}
		// Whatever the id, the escaped path the SDK builds maps back to it.
		path := "/stage/@connections/" + url.PathEscape(id)
		got, ok := mgmtapi.ConnectionID(path)
		if !ok || got != id {
			t.Fatalf("ConnectionID(%q) = %q, %v; want %q", path, got, ok, id)
		}
		// And arbitrary input never yields an empty id with ok.
		if got, ok := mgmtapi.ConnectionID(id); ok && got == "" {
			t.Fatalf("ConnectionID(%q) = empty id with ok", id)
		}
	})
}
