package awstrust

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestParseRoleARN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RoleARN
	}{
		{"arn:aws:iam::123456789012:role/flows", RoleARN{"aws", "123456789012", "/", "flows"}},
		{"arn:aws-cn:iam::123456789012:role/svc/team/flows+x=y,z.a@b_c-d", RoleARN{"aws-cn", "123456789012", "/svc/team/", "flows+x=y,z.a@b_c-d"}},
		{"arn:aws-us-gov:iam::000000000000:role/a/b", RoleARN{"aws-us-gov", "000000000000", "/a/", "b"}},
	} {
		got, err := ParseRoleARN(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRoleARN(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.in {
			t.Errorf("%q: String() = %q", tc.in, got.String())
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "not an ARN"},
		{"flows", "not an ARN"},
		{"arn:aws:iam::123456789012", "not an ARN"},
		{"arn:gcp:iam::123456789012:role/x", "unknown partition"},
		{"arn:AWS:iam::123456789012:role/x", "unknown partition"},
		{"arn:aws:s3:::bucket/role/x", `"s3" ARN`},
		{"arn:aws:iam:eu-west-1:123456789012:role/x", "no region"},
		{"arn:aws:iam::12345678901:role/x", "12 digits"},
		{"arn:aws:iam::1234567890123:role/x", "12 digits"},
		{"arn:aws:iam::12345678901a:role/x", "12 digits"},
		{"arn:aws:iam::123456789012:user/x", `IAM "user", not a role`},
		{"arn:aws:iam::123456789012:role/", "no role name"},
		{"arn:aws:iam::123456789012:role/a/", "no role name"},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("n", 65), "at most 64"},
		{"arn:aws:iam::123456789012:role/has space", "only letters"},
		{"arn:aws:iam::123456789012:role/x:y", "only letters"},
		{"arn:aws:iam::123456789012:role//x", "empty segment"},
		{"arn:aws:iam::123456789012:role/a//b/x", "empty segment"},
		{"arn:aws:iam::123456789012:role/a b/x", "empty segment or one with characters"},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 300) + "x", "at most 512"},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("p", 2100), "too long"},
	} {
		if _, err := ParseRoleARN(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRoleARN(%.60q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

var (
	externalIDChars  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	sessionNameChars = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func TestExternalIDAndSessionName(t *testing.T) {
	if got := ExternalID("01HTENANT", "01HPROJECT"); got != "polysynergy-01HTENANT-01HPROJECT" {
		t.Errorf("ExternalID = %q", got)
	}
	if ExternalID("t", "p") == ExternalID("t", "q") || ExternalID("t", "p") == ExternalID("u", "p") {
		t.Error("two projects share an external ID")
	}
	if got := ExternalID("", "p") + ExternalID("t", ""); got != "" {
		t.Errorf("without tenant or project: %q, want none", got)
	}
	if got := ExternalID("t ü", "p\n"); !externalIDChars.MatchString(got) {
		t.Errorf("ExternalID with odd ids = %q, outside STS's alphabet", got)
	}
	if got := len(ExternalID(strings.Repeat("t", 1000), strings.Repeat("p", 1000))); got != 1224 {
		t.Errorf("long ids: external ID of %d characters, want STS's 1224", got)
	}
	for in, want := range map[string]string{
		"01J9ZFLOW":             "polysynergy-01J9ZFLOW",
		"":                      "polysynergy",
		"run 1/ü:x":             "polysynergy-run-1----x", // ü is two bytes
		"r.1+a=b,c@d_e-f":       "polysynergy-r.1+a=b,c@d_e-f",
		strings.Repeat("x", 80): "polysynergy-" + strings.Repeat("x", 52),
	} {
		got := SessionName(in)
		if got != want || !sessionNameChars.MatchString(got) {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	var doc struct {
		Statement []struct {
			Effect    string
			Principal struct{ AWS string }
			Action    string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(TrustPolicy("arn:aws:iam::111122223333:root", "polysynergy-t-p")), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Statement[0]
	if len(doc.Statement) != 1 || s.Effect != "Allow" || s.Principal.AWS != "arn:aws:iam::111122223333:root" ||
		s.Action != "sts:AssumeRole" || s.Condition["StringEquals"]["sts:ExternalId"] != "polysynergy-t-p" {
		t.Errorf("trust policy %+v", doc)
	}
}

// FuzzParseRoleARN: whatever is parsed prints back as itself and has the documented shape.
func FuzzParseRoleARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/flows",
		"arn:aws-cn:iam::123456789012:role/a/b/c",
		"arn:aws:iam::123456789012:role//x",
		"arn:aws:iam::123456789012:user/x",
		"arn:aws:iam:eu-west-1:123456789012:role/x",
		"arn:aws:iam::123456789012:role/",
		"arn::iam::123456789012:role/x",
		"",
	} {
		f.Add(s)
	}
	shape := regexp.MustCompile(`^arn:aws[-a-z]*:iam::[0-9]{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoleARN(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if r.String() != s {
			t.Fatalf("%q parsed as %+v, which prints as %q", s, r, r.String())
		}
		if !shape.MatchString(s) {
			t.Fatalf("%q accepted but has not the shape of a role ARN", s)
		}
	})
}
