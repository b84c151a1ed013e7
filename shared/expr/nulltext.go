package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"

	"polysynergy/shared/nodes"
)

// nullText lists expr-lang's text builtins whose text arguments (at the given positions)
// read null as the empty string, as this package's own text functions (upper, lower, …)
// and the Text nodes do: {{ trim(missing) }} is "" rather than an error.
var nullText = []struct {
	name  string
	text  []int
	types []any
	// guard, when set, checks the arguments (text already in place of null) before the call
	guard func(args []any) error
}{
	{"trim", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}, nil},
	{"trimPrefix", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}, nil},
	{"trimSuffix", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}, nil},
	{"split", []int{0, 1}, []any{new(func(any, any) []string), new(func(any, any, int) []string)}, splitGuard("split")},
	{"splitAfter", []int{0, 1}, []any{new(func(any, any) []string), new(func(any, any, int) []string)}, splitGuard("splitAfter")},
	{"replace", []int{0, 1, 2}, []any{new(func(any, any, any) string), new(func(any, any, any, int) string)}, replaceGuard},
	{"repeat", []int{0}, []any{new(func(any, int) string)}, nil},
	{"indexOf", []int{0, 1}, []any{new(func(any, any) int)}, nil},
	{"lastIndexOf", []int{0, 1}, []any{new(func(any, any) int)}, nil},
	{"hasPrefix", []int{0, 1}, []any{new(func(any, any) bool)}, nil},
	{"hasSuffix", []int{0, 1}, []any{new(func(any, any) bool)}, nil},
}

// nullTextOptions overrides those builtins with wrappers that turn a null text argument
// into "" and name the function when an argument is neither text nor null.
func nullTextOptions() []expr.Option {
	var opts []expr.Option
	for _, nt := range nullText {
		i, ok := builtin.Index[nt.name]
		if !ok {
			panic("expr: no builtin " + nt.name)
		}
		b := builtin.Builtins[i]
		call := b.Func
		if call == nil && b.Safe != nil {
			// repeat: expr-lang counts its result against the run's memory budget, which a
			// plain function cannot; hold the result to that budget here instead.
			safe := b.Safe
			call = func(args ...any) (any, error) {
				v, cost, err := safe(args...)
				if err == nil && cost > conf.DefaultMemoryBudget {
					return nil, fmt.Errorf("%s: the result would be %d bytes, over the limit of %d", nt.name, cost, conf.DefaultMemoryBudget)
				}
				return v, err
			}
		}
		name, text, guard := nt.name, nt.text, nt.guard
		opts = append(opts, expr.Function(name, func(args ...any) (any, error) {
			args = append([]any(nil), args...)
			for _, p := range text {
				if p >= len(args) {
					break
				}
				switch v := args[p].(type) {
				case nil:
					args[p] = ""
				case string:
				default:
					return nil, fmt.Errorf("%s: argument %d must be text, got %s", name, p+1, nodes.Describe(v))
				}
			}
			if guard != nil {
				if err := guard(args); err != nil {
					return nil, err
				}
			}
			return call(args...)
		}, nt.types...))
	}
	return opts
}

// maxSplitParts bounds the list split and splitAfter make, as the Split node does: each
// part costs tens of bytes, so 8 MB split into characters would take hundreds of megabytes.
const maxSplitParts = 1_000_000

// maxReplaced bounds the text replace makes (an empty old text inserts new at every character).
const maxReplaced = 8 << 20

func splitGuard(name string) func([]any) error {
	return func(a []any) error {
		s, sep := a[0].(string), a[1].(string)
		if len(a) > 2 {
			if n, ok := a[2].(int); ok && n >= 0 && n <= maxSplitParts {
				return nil
			}
		}
		n := strings.Count(s, sep) + 1
		if sep == "" {
			n = utf8.RuneCountInString(s) // one part per character
		}
		if n > maxSplitParts {
			return fmt.Errorf("%s: the text splits into %d parts, more than %d; give a count as the third argument", name, n, maxSplitParts)
		}
		return nil
	}
}

func replaceGuard(a []any) error {
	s, old, repl := a[0].(string), a[1].(string), a[2].(string)
	n := strings.Count(s, old)
	if len(a) > 3 {
		if m, ok := a[3].(int); ok && m >= 0 && m < n {
			n = m
		}
	}
	if size := len(s) + n*(len(repl)-len(old)); size > maxReplaced {
		return fmt.Errorf("replace: the result would be %d bytes, more than %d", size, maxReplaced)
	}
	return nil
}
