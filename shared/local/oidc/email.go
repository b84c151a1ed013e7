package oidc

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of an e-mail address (RFC 5321 §4.5.3.1, with RFC 3696's erratum on the path).
const (
	MaxEmailLen      = 254
	MaxEmailLocalLen = 64
	maxDomainLabel   = 63
)

// localSpecials are the characters besides letters and digits the part before the @ may
// hold: RFC 5322's atext without '#', which the platform's keys reserve.
const localSpecials = "!$%&'*+-/=?^_`{|}~"

// EmailError says why a string is not an e-mail address a dev user can have.
type EmailError struct {
	// Email is the address as given (shortened when long).
	Email string
	// Reason says what is wrong with it.
	Reason string
}

func (e *EmailError) Error() string {
	return fmt.Sprintf("e-mail %q: %s", e.Email, e.Reason)
}

// ValidateEmail checks that email (surrounding spaces aside) is one plain address — name@domain,
// without a display name or comments — and returns it lower-cased: one @, at most 254
// characters in all and 64 before the @; before the @ letters, digits, dots (not first, last
// or two in a row) and !$%&'*+-/=?^_`{|}~; after it a domain of at least two dot-separated
// labels of letters, digits and hyphens (1–63 each, no hyphen first or last). The sign-in
// page and `polysynergy dev token --user` check addresses with it.
func ValidateEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	bad := func(format string, args ...any) (string, error) {
		return "", &EmailError{Email: shorten(e), Reason: fmt.Sprintf(format, args...)}
	}
	if e == "" {
		return bad("must not be empty; type an address such as you@example.com")
	}
	if strings.ContainsAny(e, "<>") {
		return bad("give the address alone, such as you@example.com, without a name or <…> around it")
	}
	if n := len(e); n > MaxEmailLen {
		return bad("is %d characters long; an address has at most %d", n, MaxEmailLen)
	}
	if n := strings.Count(e, "@"); n != 1 {
		if n == 0 {
			return bad("has no @; an address is name@domain, such as you@example.com")
		}
		return bad("has %d @ signs; an address has exactly one, between the name and the domain", n)
	}
	local, domain, _ := strings.Cut(e, "@")
	switch n := len(local); {
	case n == 0:
		return bad("has nothing before the @")
	case n > MaxEmailLocalLen:
		return bad("the part before the @ is %d characters long; at most %d", n, MaxEmailLocalLen)
	}
	for i := 0; i < len(local); {
		r, size := utf8.DecodeRuneInString(local[i:])
		if !isASCIILetterOrDigit(r) && !strings.ContainsRune(localSpecials+".", r) {
			return bad("the part before the @ holds %q, which is not allowed (letters, digits, dots and %s are)", r, localSpecials)
		}
		i += size
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad("the part before the @ must not start or end with a dot, nor have two dots in a row")
	}
	if domain == "" {
		return bad("has no domain after the @, such as example.com")
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("the domain %q needs a dot, such as example.com", shorten(domain))
	}
	for _, l := range labels {
		switch {
		case l == "":
			return bad("the domain %q has an empty label (a dot first, last or two in a row)", shorten(domain))
		case len(l) > maxDomainLabel:
			return bad("the domain label %q is %d characters long; at most %d", shorten(l), len(l), maxDomainLabel)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return bad("the domain label %q must not start or end with a hyphen", shorten(l))
		}
		for _, r := range l {
			if !isASCIILetterOrDigit(r) && r != '-' {
				return bad("the domain label %q holds %q; a label has only letters, digits and hyphens (xn-- for other scripts)", shorten(l), r)
			}
		}
	}
	return strings.ToLower(e), nil
}

func isASCIILetterOrDigit(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// shorten cuts s to 40 characters for a message.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// MaxNameLen is the longest dev user name, in characters (the platform keeps a user's name
// up to that).
const MaxNameLen = 200

// NameError says why a string cannot be a dev user's name.
type NameError struct {
	// Name is the name as given (shortened when long).
	Name string
	// Reason says what is wrong with it.
	Reason string
}

func (e *NameError) Error() string { return fmt.Sprintf("name %q: %s", e.Name, e.Reason) }

// ValidateName checks a dev user's name (surrounding spaces aside; empty is allowed, the
// address then names the user): valid UTF-8, at most 200 characters, no control
// characters. A name the platform cannot keep made every API call of the user fail.
func ValidateName(name string) (string, error) {
	n := strings.TrimSpace(name)
	bad := func(format string, args ...any) (string, error) {
		return "", &NameError{Name: shorten(strings.ToValidUTF8(n, "\uFFFD")), Reason: fmt.Sprintf(format, args...)}
	}
	if !utf8.ValidString(n) {
		return bad("is not valid UTF-8")
	}
	if c := utf8.RuneCountInString(n); c > MaxNameLen {
		return bad("is %d characters long; at most %d", c, MaxNameLen)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return bad("holds the control character %q; use letters, digits, spaces and punctuation", r)
		}
	}
	return n, nil
}
