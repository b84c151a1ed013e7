package nodes

import (
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Upper upper-cases s with Unicode's full case mapping, as JavaScript's toUpperCase and
// Python's upper do: "ß" becomes "SS" and "ŉ" "ʼN", where strings.ToUpper maps one code
// point to one code point and leaves them alone.
func Upper(s string) string { return cases.Upper(language.Und).String(s) }

// Lower lower-cases s with Unicode's full case mapping: a final capital sigma becomes "ς"
// ("ΟΔΟΣ" → "οδος") and "İ" becomes "i̇", as in JavaScript and Python.
func Lower(s string) string { return cases.Lower(language.Und).String(s) }

// TitleFirst gives the first character of s its title case with the full mapping ("ß" →
// "Ss", "ǆ" → "ǅ") and leaves the rest as it is.
func TitleFirst(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return cases.Title(language.Und, cases.NoLower).String(s[:n]) + s[n:]
}
