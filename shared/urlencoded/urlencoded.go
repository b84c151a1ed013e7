// Package urlencoded reads the application/x-www-form-urlencoded format of query strings and
// form bodies the way browsers (the WHATWG URL standard) and API Gateway read it, leniently:
// what url.ParseQuery refuses (a ';' inside a value, a stray '%') is kept as sent. The local
// gateway, the router and the trigger nodes read with it, so a query and a form agree.
package urlencoded

import "strings"

// Parse reads a query string or an application/x-www-form-urlencoded body as
// browsers (the WHATWG URL standard) and API Gateway read it: pairs are split at '&' only,
// so a ';' is part of a value; '+' is a space; and a '%' not followed by two hex digits stays
// as it was sent. url.ParseQuery refuses the whole pair in the last two cases, which left
// ?tags=a;b and ?discount=100% out of a flow's query and refused such a form body.
func Parse(raw string) map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = Unescape(k), Unescape(v)
		out[k] = append(out[k], v)
	}
	return out
}

// Unescape decodes '+' and %XX escapes, leaving any other '%' as it is.
func Unescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
