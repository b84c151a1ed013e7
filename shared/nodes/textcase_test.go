package nodes

import "testing"

func TestFullCaseMapping(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"sharp s upper", Upper("straße"), "STRASSE"},
		{"ligature upper", Upper("ﬁx"), "FIX"},
		{"n apostrophe upper", Upper("ŉ"), "ʼN"},
		{"final sigma lower", Lower("ΟΔΟΣ ΟΔΟΣ"), "οδος οδος"},
		{"dotted I lower", Lower("İ"), "i\u0307"},
		{"ascii", Upper("abc") + Lower("ABC"), "ABCabc"},
		{"title first sharp s", TitleFirst("ßa"), "Ssa"},
		{"title first digraph", TitleFirst("ǆemal"), "ǅemal"},
		{"title first empty", TitleFirst(""), ""},
		{"emoji unchanged", Upper("👍🏽é"), "👍🏽É"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
