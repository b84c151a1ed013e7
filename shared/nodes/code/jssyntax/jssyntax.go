// Package jssyntax parses the JavaScript node's code the way the node runs it: as the body
// of a function of `input`. The node (before compiling) and flow validation (on literal code)
// both parse through Parse, so they refuse the same code with the same message. It links
// goja's parser only, not its runtime.
package jssyntax

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

const (
	// ScriptName is the file name positions in the wrapped script refer to.
	ScriptName = "code.js"
	// Header wraps the code in a function; it sits on the first line so the code's line
	// numbers stay as written (columns on line 1 are shifted by its length).
	Header = "(function(input){"
	footer = "\n})"
)

// Wrap returns the script the node runs for code.
func Wrap(code string) string { return Header + code + footer }

// Error is code that does not parse.
type Error struct {
	// Line and Column (in characters, from 1) are where in the code; 0 when unknown.
	Line, Column int
	// AtEnd: the parser ran past the code's end (a bracket or string left open).
	AtEnd   bool
	Message string
}

func (e *Error) Error() string {
	switch {
	case e.AtEnd:
		return "SyntaxError at the end of the code (is a bracket, parenthesis, brace or string left open?): " + e.Message
	case e.Line > 0:
		return fmt.Sprintf("SyntaxError at line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return "SyntaxError: " + e.Message
}

// Limits on code before goja's recursive-descent parser sees it: without them, deeply nested
// code ("(" a million times) overflows the goroutine's stack, which kills the process, and
// long chains of arrow functions take the parser time quadratic in their length.
const (
	// MaxCodeBytes bounds the code's size.
	MaxCodeBytes = 256 << 10
	// MaxNesting bounds brackets ((, [, {, ${) open at once, and arrow functions chained
	// at one level (a => b => c …).
	MaxNesting = 256
)

// Parse parses code as the node's function body; a syntax error is an *Error.
func Parse(code string) (*ast.Program, error) {
	if len(code) > MaxCodeBytes {
		return nil, &Error{Message: fmt.Sprintf("the code is %d bytes, more than the %d allowed", len(code), MaxCodeBytes)}
	}
	if err := checkNesting(code); err != nil {
		return nil, err
	}
	wrapped := Wrap(code)
	prog, err := parser.ParseFile(nil, ScriptName, wrapped, 0)
	if err == nil {
		if e := checkDeclarations(prog, wrapped); e != nil {
			return nil, e
		}
		return prog, nil
	}
	var list parser.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return nil, &Error{Message: err.Error()}
	}
	line, col := Position(wrapped, list[0].Position.Line, list[0].Position.Column)
	if line > strings.Count(code, "\n")+1 {
		// past the code's last line: the parser ran into the wrapper's closing "})"
		return nil, &Error{AtEnd: true, Message: strings.TrimSuffix(list[0].Message, " }")}
	}
	return nil, &Error{Line: line, Column: col, Message: list[0].Message}
}

// Position maps a position in the wrapped script (goja's line, and column in bytes) to the
// code's line and column in characters.
func Position(wrapped string, line, byteCol int) (int, int) {
	text := wrapped
	for i := 1; i < line; i++ {
		nl := strings.IndexByte(text, '\n')
		if nl < 0 {
			return line, byteCol
		}
		text = text[nl+1:]
	}
	if nl := strings.IndexByte(text, '\n'); nl >= 0 {
		text = text[:nl]
	}
	n := byteCol - 1
	if line == 1 {
		text = text[min(len(Header), len(text)):]
		n -= len(Header)
	}
	n = max(0, min(n, len(text)))
	return line, utf8.RuneCountInString(text[:n]) + 1
}
