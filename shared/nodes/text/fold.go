package text

import (
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// folded is a text under Unicode's full case folding ("ß" → "ss", "ǅ" → "ǆ", "ﬃ" → "ffi"),
// with the way back to the text's own byte offsets: a search for folded text finds what
// Go's (?i), which folds one character to one character, does not ("STRASSE" in "straße").
type folded struct {
	text string
	n    int // the length of the text folded
	// odd are the characters whose folding is not one character of their own length (and
	// bytes that are not UTF-8), in order; elsewhere folded and original offsets differ by
	// what the odd ones before added
	odd []span
}

// span is one character: folded bytes [fs, fe) came from the text's bytes [os, oe).
type span struct{ fs, fe, os, oe int }

// foldRune is r's full case folding; case folding maps each character on its own (the
// Turkic dotted and dotless i are left out, as in cases.Fold()).
func foldRune(r rune, cache map[rune]string) string {
	if f, ok := cache[r]; ok {
		return f
	}
	f := cases.Fold().String(string(r))
	cache[r] = f
	return f
}

// newFolded folds s, character by character. Bytes that are not UTF-8 stay as they are.
func newFolded(s string) *folded {
	var b strings.Builder
	b.Grow(len(s))
	out := &folded{n: len(s)}
	cache := map[rune]string{}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		f := s[i : i+size]
		invalid := r == utf8.RuneError && size == 1
		if !invalid {
			f = foldRune(r, cache)
		}
		if invalid || len(f) != size || utf8.RuneCountInString(f) != 1 {
			out.odd = append(out.odd, span{fs: b.Len(), fe: b.Len() + len(f), os: i, oe: i + size})
		}
		b.WriteString(f)
		i += size
	}
	out.text = b.String()
	return out
}

// foldText is s under full case folding, as newFolded folds it.
func foldText(s string) string { return newFolded(s).text }

// near returns the last odd character starting at or before folded offset a, if any.
func (f *folded) near(a int) (span, bool) {
	i := sort.Search(len(f.odd), func(i int) bool { return f.odd[i].fs > a })
	if i == 0 {
		return span{}, false
	}
	return f.odd[i-1], true
}

// boundary reports whether folded offset a starts a character's folding (or ends the text):
// a match must not take a part of one ("s" is not found in "ß", whose folding is "ss").
func (f *folded) boundary(a int) bool {
	if sp, ok := f.near(a); ok && a < sp.fe {
		return a == sp.fs
	}
	return a >= len(f.text) || utf8.RuneStart(f.text[a])
}

// orig converts a folded offset at a boundary to the text's own byte offset.
func (f *folded) orig(a int) int {
	sp, ok := f.near(a)
	switch {
	case !ok:
		return a
	case a < sp.fe:
		return sp.os
	}
	return sp.oe + a - sp.fe
}

// index finds the first whole-character match of the folded find at or after folded offset
// from, as byte offsets [start, end) of the text itself, and the folded offset the next
// search starts at; start is -1 without a match.
func (f *folded) index(find string, from int) (start, end, next int) {
	for from <= len(f.text) {
		k := strings.Index(f.text[from:], find)
		if k < 0 {
			break
		}
		a, b := from+k, from+k+len(find)
		if f.boundary(a) && f.boundary(b) {
			return f.orig(a), f.orig(b), b
		}
		from = a + 1
	}
	return -1, -1, len(f.text) + 1
}
