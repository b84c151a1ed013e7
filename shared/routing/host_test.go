package routing

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	long40 := strings.Repeat("a", 40)
	tests := []struct {
		name      string
		host      string
		base      string
		want      Target
		wantField string // empty when parsing must succeed
		wantIn    string // substring of the reason
	}{
		{name: "basic", host: "my-shop-prod.example.com", base: "example.com", want: Target{"my-shop", "prod"}},
		{name: "no base domain", host: "my-shop-prod.example.com", want: Target{"my-shop", "prod"}},
		{name: "single label, no base", host: "shop-dev", want: Target{"shop", "dev"}},
		{name: "port ignored", host: "my-shop-prod.example.com:8443", base: "example.com", want: Target{"my-shop", "prod"}},
		{name: "localhost with port", host: "my-shop-dev.localhost:8090", base: "localhost", want: Target{"my-shop", "dev"}},
		{name: "localhost base given with port", host: "my-shop-dev.localhost:8090", base: "localhost:8090", want: Target{"my-shop", "dev"}},
		{name: "uppercase host", host: "My-Shop-PROD.Example.COM", base: "example.com", want: Target{"my-shop", "prod"}},
		{name: "uppercase base", host: "my-shop-prod.example.com", base: "EXAMPLE.com", want: Target{"my-shop", "prod"}},
		{name: "trailing dot", host: "a-b.example.com.", base: "example.com", want: Target{"a", "b"}},
		{name: "base with dots around", host: "a-b.example.com", base: ".example.com.", want: Target{"a", "b"}},
		{name: "digits", host: "shop2-v1.example.com", base: "example.com", want: Target{"shop2", "v1"}},
		{name: "project of 40", host: long40 + "-prod.example.com", base: "example.com", want: Target{long40, "prod"}},
		{name: "port zero", host: "a-b.localhost:0", base: "localhost", want: Target{"a", "b"}},

		{name: "empty", host: "", wantField: "host", wantIn: "empty"},
		{name: "only port", host: ":8080", wantField: "host", wantIn: "empty"},
		{name: "only dot", host: ".", wantField: "host", wantIn: "empty"},
		{name: "no hyphen", host: "shop.example.com", base: "example.com", wantField: "host", wantIn: "no hyphen"},
		{name: "empty project", host: "-prod.example.com", base: "example.com", wantField: "project", wantIn: "empty project"},
		{name: "empty stage", host: "shop-.example.com", base: "example.com", wantField: "stage", wantIn: "empty stage"},
		{name: "project trailing hyphen", host: "shop--prod.example.com", wantField: "project", wantIn: "must not start or end with a hyphen"},
		{name: "project leading hyphen", host: "-shop-prod.example.com", wantField: "project", wantIn: "must not start or end with a hyphen"},
		{name: "underscore in project", host: "my_shop-prod.example.com", wantField: "project", wantIn: `'_'`},
		{name: "project too long", host: long40 + "a-prod.example.com", wantField: "project", wantIn: "longer than 40"},
		{name: "stage too long", host: "a-" + strings.Repeat("s", 33) + ".example.com", wantField: "stage", wantIn: "longer than 32"},
		{name: "stage of 32", host: "a-" + strings.Repeat("s", 32) + ".example.com", want: Target{"a", strings.Repeat("s", 32)}},
		// no project or stage can have these: refused with the reason, not looked up (the
		// router answered 503 "try again" when the store refused them as invalid)
		{name: "stage with underscore", host: "shop-pre_prod.example.com", base: "example.com", wantField: "stage", wantIn: `'_'`},
		{name: "stage starting with a digit", host: "shop-2prod.example.com", base: "example.com", wantField: "stage", wantIn: "start with a lowercase letter"},
		{name: "double hyphen inside project", host: "a--b-prod.x.io", wantField: "project", wantIn: `"--"`},
		{name: "punycode project", host: "xn--caf-dma-live.example.com", base: "example.com", wantField: "project", wantIn: `"--"`},
		{name: "wrong base domain", host: "my-shop-prod.example.org", base: "example.com", wantField: "base domain", wantIn: "<project>-<stage>.example.com"},
		{name: "base domain missing", host: "my-shop-prod", base: "example.com", wantField: "base domain", wantIn: "example.com"},
		{name: "host is base domain", host: "example.com", base: "example.com", wantField: "base domain", wantIn: "example.com"},
		{name: "extra label", host: "a-b.c.example.com", base: "example.com", wantField: "base domain", wantIn: "example.com"},
		{name: "suffix without dot", host: "a-bexample.com", base: "example.com", wantField: "base domain", wantIn: "example.com"},
		{name: "invalid base domain", host: "a-b.example.com", base: "exa mple.com", wantField: "base domain", wantIn: "configured base domain"},
		{name: "base domain only dots", host: "a-b.example.com", base: "..", wantField: "base domain", wantIn: "empty"},
		{name: "ipv6 literal", host: "[::1]:8080", wantField: "host", wantIn: "IP addresses"},
		{name: "ipv6 literal no port", host: "[fe80::1%25eth0]", wantField: "host", wantIn: "IP addresses"},
		{name: "ipv6 bare", host: "fe80::1", wantField: "host", wantIn: "more than one ':'"},
		{name: "ipv6 garbage with hyphen", host: "a-b::1", wantField: "host", wantIn: "more than one ':'"},
		{name: "ipv4", host: "127.0.0.1:8090", wantField: "host", wantIn: "no hyphen"},
		{name: "non-numeric port", host: "a-b.example.com:http", wantField: "port", wantIn: "port"},
		{name: "empty port", host: "a-b.example.com:", wantField: "port", wantIn: "port"},
		{name: "port too big", host: "a-b.example.com:65536", wantField: "port", wantIn: "port"},
		{name: "port too long", host: "a-b.example.com:000001", wantField: "port", wantIn: "port"},
		{name: "empty label", host: "a-b..example.com", wantField: "host", wantIn: "empty label"},
		{name: "two trailing dots", host: "a-b.example.com..", wantField: "host", wantIn: "empty label"},
		{name: "leading dot", host: ".a-b.example.com", wantField: "host", wantIn: "empty label"},
		{name: "space", host: "a b-prod.example.com", wantField: "host", wantIn: `' '`},
		{name: "slash", host: "a-b/c", wantField: "host", wantIn: `'/'`},
		{name: "non-ascii", host: "caf\u00e9-prod.example.com", wantField: "host", wantIn: "byte 0xc3"},
		{name: "kelvin sign does not fold to k", host: "\u212a-prod", wantField: "host", wantIn: "byte 0xe2"},
		{name: "userinfo", host: "user@a-b.example.com", wantField: "host", wantIn: `'@'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHost(tc.host, tc.base)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("ParseHost(%q, %q) error: %v", tc.host, tc.base, err)
				}
				if got != tc.want {
					t.Fatalf("ParseHost(%q, %q) = %+v, want %+v", tc.host, tc.base, got, tc.want)
				}
				return
			}
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHost(%q, %q) = %+v, %v; want *HostError", tc.host, tc.base, got, err)
			}
			if he.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (reason %q)", he.Field, tc.wantField, he.Reason)
			}
			if !strings.Contains(he.Reason, tc.wantIn) {
				t.Errorf("Reason = %q, want it to contain %q", he.Reason, tc.wantIn)
			}
			if he.Host != tc.host {
				t.Errorf("Host = %q, want %q", he.Host, tc.host)
			}
			if !strings.Contains(err.Error(), he.Reason) {
				t.Errorf("Error() = %q does not contain the reason", err.Error())
			}
			if got != (Target{}) {
				t.Errorf("target on error = %+v, want zero", got)
			}
		})
	}
}

func TestTargetHostRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		target Target
		base   string
		want   string
	}{
		{Target{"my-shop", "prod"}, "example.com", "my-shop-prod.example.com"},
		{Target{"a", "dev"}, "localhost", "a-dev.localhost"},
		{Target{"a", "dev"}, "", "a-dev"},
	} {
		host := tc.target.Host(tc.base)
		if host != tc.want {
			t.Errorf("%+v.Host(%q) = %q, want %q", tc.target, tc.base, host, tc.want)
		}
		got, err := ParseHost(host, tc.base)
		if err != nil || got != tc.target {
			t.Errorf("ParseHost(%q, %q) = %+v, %v; want %+v", host, tc.base, got, err, tc.target)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		want      Target
		wantRest  string
		wantField string
		wantIn    string
	}{
		{name: "with rest", path: "/my-shop/prod/users/42", want: Target{"my-shop", "prod"}, wantRest: "/users/42"},
		{name: "no rest", path: "/my-shop/prod", want: Target{"my-shop", "prod"}, wantRest: "/"},
		{name: "trailing slash", path: "/my-shop/prod/", want: Target{"my-shop", "prod"}, wantRest: "/"},
		{name: "rest keeps escapes and slashes", path: "/a/b/x%2Fy//z/", want: Target{"a", "b"}, wantRest: "/x%2Fy//z/"},
		{name: "stage with underscore", path: "/a/pre_prod/x", wantField: "stage", wantIn: `'_'`},
		{name: "stage of digits", path: "/num/1", wantField: "stage", wantIn: "start with a lowercase letter"},

		{name: "empty", path: "", wantField: "path", wantIn: "start with /"},
		{name: "relative", path: "a/b/c", wantField: "path", wantIn: "start with /"},
		{name: "root", path: "/", wantField: "project", wantIn: "no project"},
		{name: "double slash", path: "//prod/x", wantField: "project", wantIn: "no project"},
		{name: "project only", path: "/my-shop", wantField: "stage", wantIn: "no stage"},
		{name: "project slash", path: "/my-shop/", wantField: "stage", wantIn: "no stage"},
		{name: "empty stage", path: "/my-shop//x", wantField: "stage", wantIn: "no stage"},
		{name: "uppercase project", path: "/My-Shop/prod", wantField: "project", wantIn: "lowercase"},
		{name: "uppercase stage", path: "/shop/Prod", wantField: "stage", wantIn: "lowercase"},
		{name: "hyphen in stage", path: "/shop/pre-prod", wantField: "stage", wantIn: `'-'`},
		{name: "encoded project", path: "/%73hop/prod", wantField: "project", wantIn: `'%'`},
		{name: "project hyphen end", path: "/shop-/prod", wantField: "project", wantIn: "hyphen"},
		{name: "project too long", path: "/" + strings.Repeat("p", 41) + "/prod", wantField: "project", wantIn: "longer than 40"},
		{name: "stage too long", path: "/p/" + strings.Repeat("s", 33), wantField: "stage", wantIn: "longer than 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, err := ParsePath(tc.path)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("ParsePath(%q) error: %v", tc.path, err)
				}
				if got != tc.want || rest != tc.wantRest {
					t.Fatalf("ParsePath(%q) = %+v, %q; want %+v, %q", tc.path, got, rest, tc.want, tc.wantRest)
				}
				return
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePath(%q) = %+v, %q, %v; want *PathError", tc.path, got, rest, err)
			}
			if pe.Field != tc.wantField || !strings.Contains(pe.Reason, tc.wantIn) {
				t.Errorf("error field %q reason %q; want field %q and reason containing %q", pe.Field, pe.Reason, tc.wantField, tc.wantIn)
			}
			if pe.Path != tc.path {
				t.Errorf("Path = %q, want %q", pe.Path, tc.path)
			}
			if !strings.Contains(err.Error(), pe.Reason) {
				t.Errorf("Error() = %q does not contain the reason", err.Error())
			}
		})
	}
}

func TestValidateProjectSlugAndStage(t *testing.T) {
	for _, tc := range []struct {
		slug string
		ok   bool
	}{
		{"a", true}, {"my-shop", true}, {"a1-b2", true}, {strings.Repeat("x", 40), true},
		{"", false}, {"-a", false}, {"a-", false}, {"A", false}, {"a_b", false}, {strings.Repeat("x", 41), false}, {"a--b", false},
	} {
		err := ValidateProjectSlug(tc.slug)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateProjectSlug(%q) = %v, want ok=%v", tc.slug, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "project slug") {
			t.Errorf("ValidateProjectSlug(%q) error %q does not name the field", tc.slug, err)
		}
	}
	for _, tc := range []struct {
		stage string
		ok    bool
	}{
		{"prod", true}, {"v2", true}, {strings.Repeat("s", 32), true},
		{"", false}, {"pre-prod", false}, {"Prod", false}, {"a.b", false}, {strings.Repeat("s", 33), false},
		{"pre_prod", false}, {"_", false}, {"2prod", false},
	} {
		err := ValidateStage(tc.stage)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateStage(%q) = %v, want ok=%v", tc.stage, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "stage") {
			t.Errorf("ValidateStage(%q) error %q does not name the field", tc.stage, err)
		}
	}
}
