package jssyntax

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// goja's parser is recursive descent: every nesting it meets costs stack, and a deep
// enough one overflows the goroutine's stack, which kills the whole process (the local
// cloud runs every function in one). Brackets are the obvious nesting; these also nest
// without any bracket, each one level per token:
//   - prefix operators: `!!!!a`, `- - -a`, `typeof typeof a`, `new new X`, `void`, `delete`,
//     `await`, `++`;
//   - right-associative operators: `a = b = c`, `a ? b : c ? d : e`, `a ** b ** c`, arrow
//     functions `a => b => c`;
//   - statements inside statements: `if (a) if (b) …`, `for (;;) while (x) …`, labels
//     `a: b: …`, and `else if` chains, which the parser nests however they are written.
//
// checkNesting counts them per bracket level, as a chain that a `;` or `,` (or the end of a
// block) ends, and refuses code whose chain or brackets run deeper than MaxNesting
// (MaxElseIfs for else-if chains, which real code writes longer). Two hundred thousand `!`
// overflowed the stack; fifty thousand `if (a)` took half a gigabyte.
//
// It does not judge the syntax: what it cannot make sense of is left to the parser.

// MaxStatements bounds statements chained inside statements without a block between
// (`if (a) if (b) …`), and MaxElseIfs an if statement's chain of `else if`: both are written
// longer than expressions are nested, and a level costs little.
const (
	MaxStatements = 4 * MaxNesting
	MaxElseIfs    = 4 * MaxNesting
	// MaxDepth bounds all of them together along one path into the code: each bracket
	// level may chain its own operators and statements.
	MaxDepth = 8 * MaxNesting
)

// statementKeywords begin a statement that holds another (if, loops, with, else).
var statementKeywords = map[string]bool{"if": true, "for": true, "while": true, "with": true, "do": true, "else": true}

// headKeywords are the statements whose parentheses are followed by a body.
var headKeywords = map[string]bool{"if": true, "for": true, "while": true, "with": true}

// prefixKeywords nest the expression after them one level deeper.
var prefixKeywords = map[string]bool{"typeof": true, "void": true, "delete": true, "new": true, "await": true, "yield": true}

// operandKeywords are words after which an operand is expected (so + and - are prefixes).
var operandKeywords = map[string]bool{"return": true, "in": true, "of": true, "instanceof": true, "throw": true,
	"case": true, "typeof": true, "void": true, "delete": true, "new": true, "await": true, "yield": true, "else": true, "do": true}

// nestLevel is what checkNesting keeps for one bracket level.
type nestLevel struct {
	template  bool // a template literal's ${ }: its } goes back into the template text
	arrows    int  // arrow functions chained
	chain     int  // prefix and right-associative operators chained
	stmts     int  // statements chained inside statements
	elseIfs   int  // else if chained
	afterElse bool // the last word was else
	// head: the parentheses of an if, for, while or with; awaiting: the head just closed
	// and its statement's body has not begun (a line break there ends nothing)
	head, awaiting bool
}

// depth is how deep the level's own chains nest.
func (l nestLevel) depth() int { return 1 + l.arrows + l.chain + l.stmts + l.elseIfs }

func checkNesting(code string) error {
	stack := []nestLevel{{}}
	outer := 0 // the depth of the levels below the top one
	line, col := 1, 1
	deep := func(what string, limit int) error {
		return &Error{Line: line, Column: col, Message: fmt.Sprintf("%s nested more than %d levels deep", what, limit)}
	}
	inTemplate := false // in a template literal's text
	operand := true     // the next token is in operand position (+ - ++ -- are prefixes)
	prevWord := ""      // the token before, when it was a word
	for i := 0; i < len(code); {
		r, size := utf8.DecodeRuneInString(code[i:])
		next := byte(0)
		if i+size < len(code) {
			next = code[i+size]
		}
		advance := func(n int) {
			for _, c := range code[i : i+n] {
				if c == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
			}
			i += n
		}
		if inTemplate {
			switch {
			case r == '\\':
				advance(min(len(code)-i, size+1))
			case r == '`':
				inTemplate, operand = false, false
				advance(size)
			case r == '$' && next == '{':
				if len(stack) > MaxNesting {
					return deep("template literals are", MaxNesting)
				}
				outer += stack[len(stack)-1].depth()
				stack = append(stack, nestLevel{template: true})
				inTemplate, operand = false, true
				advance(2)
			default:
				advance(size)
			}
			continue
		}
		top := &stack[len(stack)-1]
		word, afterElse := prevWord, top.afterElse
		if !unicode.IsSpace(r) && !(r == '/' && (next == '/' || next == '*')) {
			prevWord, top.awaiting, top.afterElse = "", false, false
		}
		tooDeep := func() error {
			if outer+top.depth() > MaxDepth {
				return deep("brackets, operators and statements together are", MaxDepth)
			}
			return nil
		}
		chained := func(n int) error {
			top.chain++
			if top.chain > MaxNesting {
				return deep("operators are", MaxNesting)
			}
			if err := tooDeep(); err != nil {
				return err
			}
			operand = true
			advance(n)
			return nil
		}
		switch {
		case r == '/' && next == '/':
			end := strings.IndexByte(code[i:], '\n')
			if end < 0 {
				end = len(code) - i
			}
			advance(end)
		case r == '/' && next == '*':
			end := strings.Index(code[i+2:], "*/")
			if end < 0 {
				return nil // unclosed: the parser says so
			}
			advance(end + 4)
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(code) && code[j] != byte(r) && code[j] != '\n' {
				if code[j] == '\\' {
					j++
				}
				j++
			}
			operand = false
			advance(min(j+1, len(code)) - i)
		case r == '`':
			inTemplate = true
			advance(size)
		case r == '(' || r == '[' || r == '{':
			if len(stack) > MaxNesting {
				return deep("brackets are", MaxNesting)
			}
			outer += top.depth()
			stack = append(stack, nestLevel{head: r == '(' && headKeywords[word]})
			if outer+1 > MaxDepth {
				return deep("brackets, operators and statements together are", MaxDepth)
			}
			operand = true
			advance(size)
		case r == ')' || r == ']' || r == '}':
			if len(stack) > 1 {
				closed := stack[len(stack)-1]
				inTemplate = closed.template
				stack = stack[:len(stack)-1]
				outer -= stack[len(stack)-1].depth()
				stack[len(stack)-1].awaiting = r == ')' && closed.head
			}
			if r == '}' && !inTemplate {
				// a block (or an object) ended, and with it the statement it was part of
				parent := &stack[len(stack)-1]
				parent.chain, parent.stmts = 0, 0
			}
			operand = false
			advance(size)
		case r == ';':
			top.arrows, top.chain, top.stmts = 0, 0, 0
			operand = true
			advance(size)
		case r == ',':
			top.arrows, top.chain = 0, 0
			operand = true
			advance(size)
		case r == '\n':
			// a line that ended on a value and a next one that starts a new statement (as
			// automatic semicolon insertion reads it): the chains ended, unless the line
			// ended on an if's (for's, while's) condition, whose body follows
			if !operand && !top.awaiting && startsStatement(code[i+1:]) {
				top.chain, top.stmts = 0, 0
			}
			advance(size)
		case r == '=' && next == '>':
			top.arrows++
			if top.arrows > MaxNesting {
				return deep("arrow functions are", MaxNesting)
			}
			if err := tooDeep(); err != nil {
				return err
			}
			operand = true
			advance(2)
		case (r == '=' || r == '!') && next == '=', (r == '<' || r == '>') && next == '=':
			n := 2
			if i+2 < len(code) && code[i+2] == '=' && r != '<' && r != '>' {
				n = 3 // === !==
			}
			operand = true
			advance(n)
		case r == '*' && next == '*', r == '=', r == ':', r == '!', r == '~':
			n := size
			if r == '*' {
				n = 2
			}
			if err := chained(n); err != nil {
				return err
			}
		case r == '?' && (next == '?' || next == '.'):
			operand = next == '?'
			advance(2)
		case r == '?':
			if err := chained(size); err != nil {
				return err
			}
		case (r == '+' || r == '-') && next == byte(r) && !operand:
			advance(2) // a postfix ++ or --
		case (r == '+' || r == '-') && operand:
			n := size
			if next == byte(r) {
				n = 2
			}
			if err := chained(n); err != nil {
				return err
			}
		case r == '_' || r == '$' || unicode.IsLetter(r):
			j := i
			for j < len(code) {
				c, n := utf8.DecodeRuneInString(code[j:])
				if c != '_' && c != '$' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
					break
				}
				j += n
			}
			word := code[i:j]
			prevWord = word
			elseIf := word == "else" && startsWithWord(code[j:], "if")
			switch {
			case word == "if" && afterElse:
				top.elseIfs++
				if top.elseIfs > MaxElseIfs {
					return deep("else if chains are", MaxElseIfs)
				}
				if err := tooDeep(); err != nil {
					return err
				}
			case word == "if":
				top.elseIfs = 0
			}
			top.afterElse = word == "else"
			switch {
			case elseIf, word == "if" && top.elseIfs > 0:
				// counted as an else-if chain
			case statementKeywords[word]:
				top.stmts++
				if top.stmts > MaxStatements {
					return deep("statements are", MaxStatements)
				}
				if err := tooDeep(); err != nil {
					return err
				}
			case prefixKeywords[word]:
				if err := chained(j - i); err != nil {
					return err
				}
				continue
			}
			operand = operandKeywords[word] || statementKeywords[word]
			advance(j - i)
		case unicode.IsDigit(r):
			operand = false
			advance(size)
		case unicode.IsSpace(r):
			advance(size)
		default:
			operand = true
			advance(size)
		}
	}
	return nil
}

// startsStatement reports whether the text after a line break begins with something that
// cannot continue the expression before it (a name, a number, a string, a block), so a new
// statement starts there.
func startsStatement(rest string) bool {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) ||
		strings.ContainsRune("'\"`{};!~", r)
}

// startsWithWord reports whether rest, after white space, begins with the word w.
func startsWithWord(rest, w string) bool {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if !strings.HasPrefix(rest, w) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest[len(w):])
	return r != '_' && r != '$' && !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
