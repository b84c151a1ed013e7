package llm_test

import (
	"regexp"
	"strings"
	"testing"

	"polysynergy/shared/llm"
)

// toolNamePattern is the providers' documented rule that ValidToolName implements.
var toolNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestValidToolName(t *testing.T) {
	for name, want := range map[string]bool{
		"":                               false,
		"get_weather":                    true,
		"Get-Weather2":                   true,
		"-":                              true,
		"has space":                      false,
		"dot.name":                       false,
		"ünïcode":                        false,
		"new\nline":                      false,
		strings.Repeat("a", 64):          true,
		strings.Repeat("a", 65):          false,
		strings.Repeat("Z9_-", 16):       true,
		strings.Repeat("Z9_-", 16) + "x": false,
	} {
		if got := llm.ValidToolName(name); got != want {
			t.Errorf("ValidToolName(%q) = %v, want %v", name, got, want)
		}
		if got := toolNamePattern.MatchString(name); got != want {
			t.Errorf("the pattern says %v for %q; the table is wrong", got, name)
		}
	}
}

func FuzzValidToolName(f *testing.F) {
	for _, s := range []string{"", "a", "search_docs", "a b", "@", "`", "{", "[", "/", ":", strings.Repeat("x", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := llm.ValidToolName(s), toolNamePattern.MatchString(s); got != want {
			t.Errorf("ValidToolName(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
