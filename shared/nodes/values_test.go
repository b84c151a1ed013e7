package nodes

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDescribeNeverCutsThroughACharacter(t *testing.T) {
	got := Describe(strings.Repeat("ü", 30))
	if !utf8.ValidString(got) || !strings.HasSuffix(got, `..."`) || !strings.HasPrefix(got, `string "üü`) {
		t.Fatalf("Describe = %q", got)
	}
}
