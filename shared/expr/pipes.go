package expr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Jinja writes filters without parentheses (`{{ name | upper }}`), and the Template node
// takes Jinja, so people write the same in expressions, where expr-lang's pipe wants a
// call (`name | upper()`) and otherwise stops with "unexpected token EOF". bareFilterCalls
// adds the "()" after each pipe into a bare name: the code was a syntax error before, so no
// expression that compiled changes meaning. It returns the code and the byte offsets, in
// code, where "()" went, so error positions can be mapped back.
func bareFilterCalls(code string) (string, []int) {
	if !strings.Contains(code, "|") {
		return code, nil
	}
	var b strings.Builder
	var at []int
	last := 0
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(code, i)
		case c == '|' && i+1 < len(code) && code[i+1] == '|':
			i += 2
		case c == '|':
			j := i + 1
			for j < len(code) && strings.IndexByte(" \t\r\n", code[j]) >= 0 {
				j++
			}
			k := j
			for k < len(code) {
				r, n := utf8.DecodeRuneInString(code[k:])
				if r != '_' && !unicode.IsLetter(r) && !(k > j && unicode.IsDigit(r)) {
					break
				}
				k += n
			}
			if k == j {
				i = j
				continue
			}
			next := k
			for next < len(code) && strings.IndexByte(" \t\r\n", code[next]) >= 0 {
				next++
			}
			if next < len(code) && (code[next] == '(' || code[next] == '.' || code[next] == '[') {
				i = k
				continue
			}
			b.WriteString(code[last:k])
			b.WriteString("()")
			at = append(at, k)
			last, i = k, k
		default:
			i++
		}
	}
	if at == nil {
		return code, nil
	}
	b.WriteString(code[last:])
	return b.String(), at
}

// skipString returns the offset after the string literal starting at i (or the code's end).
func skipString(code string, i int) int {
	q := code[i]
	for j := i + 1; j < len(code); j++ {
		switch code[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(code)
}

// originalPosition maps a line and column (in characters, from expr-lang's error on the
// rewritten code) back to the code as written.
func originalPosition(code, rewritten string, at []int, line, col int) (int, int) {
	off := columnOffset(rewritten, line, col)
	for _, a := range at {
		// "()" sat at a in the original, at a+2·(insertions before it) in the rewritten code
		if off > a {
			off -= min(2, off-a)
		}
	}
	off = max(0, min(off, len(code)))
	start := strings.LastIndexByte(code[:off], '\n') + 1
	return strings.Count(code[:off], "\n") + 1, utf8.RuneCountInString(code[start:off])
}
