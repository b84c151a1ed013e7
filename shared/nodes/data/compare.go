package data

import (
	"cmp"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"polysynergy/shared/nodes"
)

// Sort modes.
const (
	compareAuto   = "auto"
	compareNumber = "number"
	compareText   = "text"
)

// typeRank orders values of different kinds: booleans, numbers, text, then the rest.
func typeRank(v any) int {
	switch v.(type) {
	case bool:
		return 0
	case string:
		return 2
	}
	if nodes.IsNumber(v) {
		return 1
	}
	return 3
}

// compareAutoValues compares numbers and numeric text by value, other text in natural
// order (digit runs by value, case-insensitively first), and different kinds by typeRank.
func compareAutoValues(a, b any) int {
	fa, oka := autoNumber(a)
	fb, okb := autoNumber(b)
	if oka && okb {
		return cmp.Compare(fa, fb)
	}
	sa, isa := a.(string)
	sb, isb := b.(string)
	switch {
	case isa && isb:
		return naturalCompare(sa, sb, false)
	case oka && isb:
		return -1 // numbers before text
	case isa && okb:
		return 1
	}
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	if ba, ok := a.(bool); ok {
		bb := b.(bool)
		switch {
		case ba == bb:
			return 0
		case !ba:
			return -1
		}
		return 1
	}
	return strings.Compare(canonicalKey(a), canonicalKey(b))
}

// autoNumber reads numbers and numeric text.
func autoNumber(v any) (float64, bool) {
	switch v.(type) {
	case string:
		return nodes.ToFloat(v)
	case bool:
		return 0, false
	}
	if nodes.IsNumber(v) {
		return nodes.ToFloat(v)
	}
	return 0, false
}

// naturalCompare orders text so that digit runs compare by value ("item2" < "item10").
// Without caseSensitive, letters compare case-insensitively first and byte order breaks ties.
func naturalCompare(a, b string, caseSensitive bool) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			da := strings.TrimLeft(a[si:i], "0")
			db := strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Compare(len(da), len(db)); c != 0 {
				return c
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			continue
		}
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, nb := utf8.DecodeRuneInString(b[j:])
		if !caseSensitive {
			ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		}
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		i += na
		j += nb
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// canonicalKey is a value's canonical JSON text (object keys sorted, numbers as float64),
// used to compare values for equality and grouping.
func canonicalKey(v any) string {
	b, err := json.Marshal(nodes.Normalize(v))
	if err != nil {
		return nodes.ToString(v)
	}
	return string(b)
}
