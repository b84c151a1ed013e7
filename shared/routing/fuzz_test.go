package routing

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseHost(f *testing.F) {
	for _, s := range [][2]string{
		{"my-shop-prod.example.com", "example.com"},
		{"my-shop-dev.localhost:8090", "localhost"},
		{"My-Shop-PROD.Example.COM.", "example.com"},
		{"[::1]:8080", ""},
		{"fe80::1", "example.com"},
		{"shop.example.com", ""},
		{"-prod.x", "x"},
		{"a--b-c_d.x:65535", "X:1"},
		{"caf\u00e9-prod", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, host, base string) {
		target, err := ParseHost(host, base)
		if err != nil {
			var he *HostError
			if !errors.As(err, &he) || he.Reason == "" || he.Field == "" || he.Host != host {
				t.Fatalf("ParseHost(%q, %q) error %#v is not a complete *HostError", host, base, err)
			}
			return
		}
		if err := ValidateProjectSlug(target.Project); err != nil {
			t.Fatalf("ParseHost(%q, %q) gave invalid project: %v", host, base, err)
		}
		if err := ValidateStage(target.Stage); err != nil {
			t.Fatalf("ParseHost(%q, %q) gave invalid stage: %v", host, base, err)
		}
		if !strings.Contains(strings.ToLower(host), target.Project+"-"+target.Stage) {
			t.Fatalf("ParseHost(%q, %q) = %+v, not taken from the host", host, base, target)
		}
		// The canonical host of the target parses back to it.
		canon := strings.ToLower(strings.Trim(strings.Split(base, ":")[0], "."))
		again, err := ParseHost(target.Host(canon), base)
		if err != nil || again != target {
			t.Fatalf("ParseHost(%q, %q) = %+v, %v; want %+v", target.Host(canon), base, again, err, target)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/my-shop/prod/users/1", "/a/b", "/a/b/", "//", "/A/b", "/a/b-c/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		target, rest, err := ParsePath(path)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) || pe.Reason == "" || pe.Field == "" {
				t.Fatalf("ParsePath(%q) error %#v is not a complete *PathError", path, err)
			}
			return
		}
		if ValidateProjectSlug(target.Project) != nil || ValidateStage(target.Stage) != nil {
			t.Fatalf("ParsePath(%q) = %+v, invalid target", path, target)
		}
		if !strings.HasPrefix(rest, "/") {
			t.Fatalf("ParsePath(%q) rest %q does not start with /", path, rest)
		}
		if rebuilt := "/" + target.Project + "/" + target.Stage + rest; rebuilt != path && rebuilt != path+"/" {
			t.Fatalf("ParsePath(%q) = %+v %q does not rebuild the path (%q)", path, target, rest, rebuilt)
		}
	})
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		"/", "/users/{id:uuid}/orders/{n:number}", "/a/{b}/{c:any}/", "/{x:string}", "//", "/{", "/a{b}",
		"/{id}/{id}", "/a b", "/{a:int}", "/x/./y", "/~!$&'()*+,;=:@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) || pe.Reason == "" || pe.Pattern != s || pe.Index < -1 {
				t.Fatalf("ParsePattern(%q) error %#v is not a complete *PatternError", s, err)
			}
			if p != nil {
				t.Fatalf("ParsePattern(%q) returned %#v with an error", s, p)
			}
			return
		}
		if err := ValidateSegments(p); err != nil {
			t.Fatalf("ParsePattern(%q) = %#v fails ValidateSegments: %v", s, p, err)
		}
		text := p.String()
		again, err := ParsePattern(text)
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("ParsePattern(%q) = %#v; its String %q parses to %#v, %v", s, p, text, again, err)
		}
		if again.String() != text || again.Key() != p.Key() {
			t.Fatalf("String/Key not stable for %q: %q %q / %q %q", s, text, again.String(), p.Key(), again.Key())
		}
	})
}

// FuzzMatch builds a table from newline-separated "[METHOD] /pattern" lines
// and matches a path against it, checking the result against the brute-force
// reference and that every route matches a path built from its own pattern.
func FuzzMatch(f *testing.F) {
	f.Add("GET /users/{id:uuid}\nGET /users/me\nPOST /users/{n:number}\n/users/{s}\nANY /{x:any}/{y:any}", "GET", "/users/me")
	f.Add("/a/b/c\n/a/{x}/d", "GET", "/a/b/d")
	f.Add("DELETE /r/{n:number}\nPATCH /r/{s}", "GET", "/r/1")
	f.Add("/\n/x/", "HEAD", "")
	f.Add("/f/{name}", "GET", "/f/a%2Fb")
	f.Add("/f/{name}", "GET", "/f/%zz")
	f.Add("/f/{id:uuid}", "GET", "/f/123E4567-E89B-12D3-A456-426614174000/")
	f.Fuzz(func(t *testing.T, patterns, method, path string) {
		var routes []Route
		keys := map[string]bool{}
		for i, line := range strings.Split(patterns, "\n") {
			if i >= 64 {
				break
			}
			m, pat, found := strings.Cut(line, " ")
			if !found {
				m, pat = MethodGet, line
			}
			p, err := ParsePattern(pat)
			if err != nil {
				continue
			}
			if again, err := ParsePattern(p.String()); err != nil || !reflect.DeepEqual(again, p) {
				t.Fatalf("pattern %q does not round-trip: %q -> %#v, %v", pat, p.String(), again, err)
			}
			r := Route{ID: "r" + string(rune('0'+i%10)) + strings.Repeat("_", i/10), Method: m, Segments: p}
			if r.Validate() != nil || keys[r.Key()] {
				continue
			}
			keys[r.Key()] = true
			routes = append(routes, r)
		}
		tab, err := NewTable(routes)
		if err != nil {
			t.Fatalf("NewTable of %d distinct valid routes: %v", len(routes), err)
		}
		checkAgainstReference(t, tab, routes, method, path)
		for _, r := range routes {
			var b strings.Builder
			for _, s := range r.Segments {
				b.WriteByte('/')
				switch {
				case s.Kind == KindStatic:
					b.WriteString(s.Value)
				case s.Type == TypeUUID:
					b.WriteString(uuidUpper)
				case s.Type == TypeNumber:
					b.WriteString("-1.5e1")
				default:
					b.WriteString("s%20t")
				}
			}
			m := r.Method
			if m == MethodAny {
				m = "PROPFIND"
			}
			if _, err := tab.Match(m, b.String()); err != nil {
				t.Fatalf("route %s does not match its own path %q: %v", r.Key(), b.String(), err)
			}
			checkAgainstReference(t, tab, routes, m, b.String())
		}
	})
}
