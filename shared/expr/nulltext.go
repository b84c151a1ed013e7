package expr

import (
	"fmt"

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
}{
	{"trim", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}},
	{"trimPrefix", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}},
	{"trimSuffix", []int{0, 1}, []any{new(func(any) string), new(func(any, any) string)}},
	{"split", []int{0, 1}, []any{new(func(any, any) []string), new(func(any, any, int) []string)}},
	{"splitAfter", []int{0, 1}, []any{new(func(any, any) []string), new(func(any, any, int) []string)}},
	{"replace", []int{0, 1, 2}, []any{new(func(any, any, any) string), new(func(any, any, any, int) string)}},
	{"repeat", []int{0}, []any{new(func(any, int) string)}},
	{"indexOf", []int{0, 1}, []any{new(func(any, any) int)}},
	{"lastIndexOf", []int{0, 1}, []any{new(func(any, any) int)}},
	{"hasPrefix", []int{0, 1}, []any{new(func(any, any) bool)}},
	{"hasSuffix", []int{0, 1}, []any{new(func(any, any) bool)}},
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
		name, text := nt.name, nt.text
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
			return call(args...)
		}, nt.types...))
	}
	return opts
}
