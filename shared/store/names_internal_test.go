package store

import (
	"regexp"
	"testing"
)

// The patterns the hand-written name checks replaced; the checks must agree with them on
// every input.
var (
	slugPattern    = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)
	stagePattern   = regexp.MustCompile(`^[a-z][a-z0-9]{0,31}$`)
	varKeyPattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	varNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

func checkNames(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name    string
		got     bool
		pattern *regexp.Regexp
	}{
		{"slugShaped", slugShaped(s), slugPattern},
		{"stageShaped", stageShaped(s), stagePattern},
		{"identifier(128)", identifier(s, 128), varKeyPattern},
		{"identifier(64)", identifier(s, 64), varNamePattern},
	} {
		if want := c.pattern.MatchString(s); c.got != want {
			t.Errorf("%s(%q) = %v, the pattern %s says %v", c.name, s, c.got, c.pattern, want)
		}
	}
}

func TestNameChecks(t *testing.T) {
	long := func(first byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a'
		}
		b[0] = first
		return string(b)
	}
	for _, s := range []string{"", "a", "Z", "_", "-", "0", "a-b", "-ab", "ab-", "a--b", "A1_", "1abc", "abc def",
		"ab\n", "é", "a\x00", "@", "[", "`", "{", "prod", "prod2", "Prod", "p-1",
		long('a', 32), long('a', 33), long('a', 40), long('a', 41), long('_', 64), long('_', 65),
		long('Q', 128), long('Q', 129)} {
		checkNames(t, s)
	}
	// the limits hold exactly at the edges
	if !slugShaped(long('a', MaxSlugLen)) || slugShaped(long('a', MaxSlugLen+1)) {
		t.Errorf("slug length limit is not %d", MaxSlugLen)
	}
	if !identifier(long('x', 64), 64) || identifier(long('x', 65), 64) {
		t.Error("identifier(s, 64) must take 64 bytes and refuse 65")
	}
}

func FuzzNameChecks(f *testing.F) {
	for _, s := range []string{"", "a", "my-project", "-x", "x-", "dev", "Dev", "API_KEY", "9lives", "a b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(checkNames)
}
