package nodes

import (
	"regexp"
	"testing"
)

// the patterns the hand-written checks implement
var (
	namePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	typeIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		s            string
		name, typeID bool
	}{
		{"value", true, false},
		{"true_path", true, false},
		{"a1_", true, false},
		{"", false, false},
		{"1a", false, false},
		{"_a", false, false},
		{"Value", false, false},
		{"a-b", false, false},
		{"é", false, false},
		{"data.set", false, true},
		{"aws.s3.put_object", false, true},
		{"data.", false, false},
		{".set", false, false},
		{"data..set", false, false},
		{"data.Set", false, false},
		{"data.1set", false, false},
	} {
		if got := isName(tc.s); got != tc.name {
			t.Errorf("isName(%q) = %v, want %v", tc.s, got, tc.name)
		}
		if got := isTypeID(tc.s); got != tc.typeID {
			t.Errorf("isTypeID(%q) = %v, want %v", tc.s, got, tc.typeID)
		}
	}
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"value", "data.set", "aws.s3.put_object", "", "a.", "A.b", "a..b", "a\x00", "a.b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isName(s), namePattern.MatchString(s); got != want {
			t.Fatalf("isName(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := isTypeID(s), typeIDPattern.MatchString(s); got != want {
			t.Fatalf("isTypeID(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
