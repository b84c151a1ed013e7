package schedule

import (
	"regexp"
	"strings"
	"testing"
)

var validNamePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

func TestName(t *testing.T) {
	tests := []struct {
		name                         string
		tenant, project, flow, stage string
		prefix                       string
	}{
		{"short ids", "acme", "web", "nightly", "prod", "nightly.prod.web.acme_"},
		{"ulids are cut", "01JABCDEFGHJKMNPQRSTVWXYZ0", "01JBBCDEFGHJKMNPQRSTVWXYZ0", "01JCBCDEFGHJKMNPQRSTVWXYZ0", "production",
			"01JCBCDEFGHJKMNPQRSTVWXYZ0.production.01JBBCDEF_"},
		{"disallowed characters", "ten ant", "pröject", "flow/1", "st:age", "flow-1.st-age.pr-ject.ten-ant_"},
		{"empty parts", "", "", "", "", "-.-.-.-_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Name(tt.tenant, tt.project, tt.flow, tt.stage)
			if !validNamePattern.MatchString(got) {
				t.Fatalf("Name = %q is not a valid schedule name", got)
			}
			if !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("Name = %q, want prefix %q", got, tt.prefix)
			}
			if again := Name(tt.tenant, tt.project, tt.flow, tt.stage); again != got {
				t.Errorf("Name is not deterministic: %q then %q", got, again)
			}
			if hash := got[strings.LastIndex(got, "_")+1:]; len(hash) != 16 {
				t.Errorf("Name = %q, want a 16-character hash suffix", got)
			}
		})
	}
	if got := Name("01JABCDEFGHJKMNPQRSTVWXYZ0", "01JBBCDEFGHJKMNPQRSTVWXYZ0", "01JCBCDEFGHJKMNPQRSTVWXYZ0", "production"); len(got) != MaxNameLen {
		t.Errorf("len(Name(long)) = %d, want %d", len(got), MaxNameLen)
	}
}

func TestNameDistinguishesInputs(t *testing.T) {
	inputs := [][4]string{
		{"a.b", "c", "d", "e"},
		{"a", "b.c", "d", "e"},
		{"a b", "c", "d", "e"},
		{"a-b", "c", "d", "e"},
		{"t", "p", "f", "prod"},
		{"t", "p", "f", "Prod"},
		{"t", "p", "f", "staging"},
		// identical once cut to the readable prefix
		{"01JABCDEFGHJKMNPQRSTVWXYZ0", "01JBBCDEFGHJKMNPQRSTVWXYZ0", "01JCBCDEFGHJKMNPQRSTVWXYZ0", "prod"},
		{"01JABCDEFGHJKMNPQRSTVWXYZ0", "01JBBCDEFGHJKMNPQRSTVWXYZ0", "01JCBCDEFGHJKMNPQRSTVWXYZ1", "prod"},
	}
	seen := map[string][4]string{}
	for _, in := range inputs {
		got := Name(in[0], in[1], in[2], in[3])
		if prev, dup := seen[got]; dup {
			t.Errorf("Name(%q) = Name(%q) = %q", in, prev, got)
		}
		seen[got] = in
	}
}

func FuzzName(f *testing.F) {
	f.Add("acme", "web", "nightly", "prod")
	f.Add("", "ü", "a/b", strings.Repeat("x", 100))
	f.Fuzz(func(t *testing.T, tenant, project, flow, stage string) {
		got := Name(tenant, project, flow, stage)
		if !validNamePattern.MatchString(got) {
			t.Fatalf("Name(%q, %q, %q, %q) = %q is not a valid schedule name", tenant, project, flow, stage, got)
		}
		if got != Name(tenant, project, flow, stage) {
			t.Fatal("Name is not deterministic")
		}
	})
}
