package store

import (
	"github.com/go-json-experiment/json/jsontext"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkName accepts a display name: not blank, at most max characters, no
// control characters.
func checkName(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return invalid(field, "must not be empty")
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalid(field, "longer than %d characters (%d)", max, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return invalid(field, "contains a control character")
		}
		if Deceptive(r) {
			return invalid(field, "contains an invisible or text-direction character (U+%04X)", r)
		}
	}
	return nil
}

// Deceptive reports the characters that make a name look like another or look empty:
// zero-width ones (space, word joiner, byte order mark, Mongolian vowel separator) and the
// bidirectional marks, embeddings, overrides and isolates. Joiners (U+200C, U+200D), which
// scripts and emoji need, are not.
func Deceptive(r rune) bool {
	switch {
	case r == 0x200B, r == 0x2060, r == 0xFEFF, r == 0x180E:
		return true
	case r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// normEmail lower-cases and trims an e-mail address and checks its shape.
func normEmail(field, v string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(v))
	switch {
	case e == "":
		return "", invalid(field, "must not be empty")
	case len(e) > 254:
		return "", invalid(field, "longer than 254 bytes")
	case strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@"):
		return "", invalid(field, "is not an e-mail address")
	}
	if err := checkID(field, e); err != nil {
		return "", err
	}
	return e, nil
}

// MaxSlugLen is the longest project slug (a DNS label part).
const MaxSlugLen = 40

// ValidateSlug checks a project slug: lowercase letters, digits and hyphens,
// 1–40 characters, starting and ending with a letter or digit, no "--".
func ValidateSlug(slug string) error {
	if slug == "" {
		return invalid("slug", "must not be empty")
	}
	if len(slug) > MaxSlugLen {
		return invalid("slug", "longer than %d characters", MaxSlugLen)
	}
	if !slugShaped(slug) {
		return invalid("slug", "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit")
	}
	if strings.Contains(slug, "--") {
		return invalid("slug", "must not contain \"--\"")
	}
	return nil
}

// ValidateStageName checks a stage name: a lowercase letter then up to 31
// lowercase letters or digits. Hyphens are not allowed because a trigger host
// splits "{project}-{stage}" at its last hyphen.
func ValidateStageName(name string) error {
	if !stageShaped(name) {
		return invalid("stage", "must be a lowercase letter followed by up to 31 lowercase letters or digits, got %q", name)
	}
	return nil
}

// ValidateVarKey checks a secret or environment variable key:
// [A-Za-z_][A-Za-z0-9_]*, at most 128 characters.
func ValidateVarKey(field, k string) error {
	if !identifier(k, 128) {
		return invalid(field, "must match [A-Za-z_][A-Za-z0-9_]* (at most 128 characters), got %q", k)
	}
	return nil
}

// checkJSON requires a syntactically valid JSON document.
func checkJSON(field string, doc []byte) error {
	if len(doc) == 0 {
		return invalid(field, "must not be empty")
	}
	// jsontext validates about twice as fast as encoding/json's scanner;
	// the options keep encoding/json's leniency.
	if !jsontext.Value(doc).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
		return invalid(field, "is not valid JSON")
	}
	return nil
}

// checkOneOf requires v to be one of allowed.
func checkOneOf(field, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalid(field, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
}

// The name checks below are written out rather than as regular expressions: a counted
// repetition such as {0,127} compiles to that many copies of its class, and compiling them
// when the package initialised took a quarter of a millisecond of every function's cold
// start. FuzzNameChecks holds them to the patterns they replace.

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// slugShaped reports whether s is 1–40 of [a-z0-9-], starting and ending with a letter or
// digit (^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$).
func slugShaped(s string) bool {
	if len(s) == 0 || len(s) > MaxSlugLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// stageShaped reports whether s is a lowercase letter then up to 31 lowercase letters or
// digits (^[a-z][a-z0-9]{0,31}$).
func stageShaped(s string) bool {
	if len(s) == 0 || len(s) > 32 || !isLower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLower(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// identifier reports whether s is a letter or underscore then letters, digits or
// underscores, at most max bytes in all (^[A-Za-z_][A-Za-z0-9_]{0,max-1}$).
func identifier(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLower(c|0x20) && c != '_' && (i == 0 || !isDigit(c)) {
			return false
		}
	}
	return true
}
