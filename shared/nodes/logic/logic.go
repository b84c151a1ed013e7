// Package logic holds the logic and math node families: comparisons and boolean
// operators that branch on their result (category "Logic"), and arithmetic, rounding,
// aggregates, random numbers and expressions (category "Math").
package logic

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/cases"

	"polysynergy/shared/nodes"
)

const (
	logicCategory = "Logic"
	mathCategory  = "Math"
)

// Register adds both families to r.
func Register(r *nodes.Registry) error {
	if err := r.Register(logicTypes()...); err != nil {
		return err
	}
	return r.Register(mathTypes()...)
}

// Comparison operators of logic.compare.
var operators = []string{"eq", "ne", "lt", "le", "gt", "ge", "contains", "not_contains", "matches",
	"starts_with", "ends_with", "is_empty"}

func branchOutputs(carry string) []nodes.Port {
	return []nodes.Port{
		{Name: "result", Type: nodes.Boolean, Doc: "The outcome."},
		{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the result is true; carries " + carry + "."},
		{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true,
			Doc: "Live when the result is false; carries " + carry + " (or the error object if the node fails)."},
	}
}

// decide returns the result with the chosen path carrying v.
func decide(ok bool, v any) nodes.Out {
	out := nodes.Out{"result": ok}
	if ok {
		out[nodes.PortTruePath] = v
	} else {
		out[nodes.PortFalsePath] = v
	}
	return out
}

func logicTypes() []*nodes.Type {
	types := []*nodes.Type{{
		ID: "logic.compare", Category: logicCategory, Name: "Compare", Icon: "equal",
		Doc: "Compares `a` with `b` and takes `true_path` or `false_path`, carrying `a`.\n\n" +
			"Operators: `eq` (=), `ne` (≠), `lt` (<), `le` (≤), `gt` (>), `ge` (≥), `contains`, `not_contains`, " +
			"`matches` (b is an RE2 regular expression), `starts_with`, `ends_with`, `is_empty` (b is ignored).\n\n" +
			"Numbers and numeric text compare as numbers, so `\"10\" > \"9\"` and `\"3\" = 3.0` (integers exactly, " +
			"beyond 2^53 too); dates (RFC 3339 or YYYY-MM-DD) compare as times; other text compares alphabetically; " +
			"false < true; a boolean equals only a boolean; lists and objects are equal element by element by these " +
			"rules. Switch, the list membership router, Index of, List contains and Unique use this same `eq`. `contains` looks for " +
			"a substring in text, an element in a list (numbers by value) or a key in an object; `starts_with` and " +
			"`ends_with` also test a list's first or last element. `is_empty` holds for null, \"\", [] and {}. " +
			"`case_insensitive` applies to text and compares with Unicode case folding (`STRASSE` equals `straße`); " +
			"for `matches` it is the pattern's `(?i)` flag, which folds one character to one (`K` matches `k`, but " +
			"`straße` does not match `STRASSE`: write `stra(ß|ss)e`).\n\n" +
			"**Outputs**: `result`, `true_path`, `false_path`.\n\n" +
			"**Example**: a `{{ order.total }}` (\"120.50\"), operator `gt`, b `100` → result true, true_path live.",
		Inputs: []nodes.Port{
			{Name: "a", Type: nodes.Any, Doc: "The value to test."},
			{Name: "operator", Type: nodes.String, Default: "eq", Required: true, Options: operators, Doc: "How to compare."},
			{Name: "b", Type: nodes.Any, Doc: "What to compare with (a pattern for matches)."},
			{Name: "case_insensitive", Type: nodes.Boolean, Default: false, Doc: "Ignore case when comparing text (Unicode case folding: ß matches ss)."},
		},
		Outputs: branchOutputs("`a`"),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			op := strings.ToLower(strings.TrimSpace(c.Str("operator")))
			if op == "" {
				op = "eq"
			}
			ok, err := Compare(op, c.Get("a"), c.Get("b"), c.Bool("case_insensitive"))
			if err != nil {
				return nil, err
			}
			return decide(ok, c.Get("a")), nil
		},
	}}
	for _, g := range []struct {
		id, name, icon, doc string
		fn                  func(trues, n int) bool
	}{
		{"logic.and", "And", "ampersands", "true when every operand is truthy", func(t, n int) bool { return t == n }},
		{"logic.or", "Or", "git-merge", "true when at least one operand is truthy", func(t, n int) bool { return t > 0 }},
		{"logic.xor", "Xor", "git-compare-arrows", "true when an odd number of operands is truthy (for two " +
			"operands: exactly one)", func(t, n int) bool { return t%2 == 1 }},
	} {
		fn := g.fn
		types = append(types, &nodes.Type{
			ID: g.id, Category: logicCategory, Name: g.name, Icon: g.icon,
			Doc: "Combines its operands and takes `true_path` or `false_path`: " + g.doc + ". The operands are " +
				"the elements of `values` (connect several outputs, or give a list; lists are flattened one level) " +
				"followed by `a` and `b` when they are set. Falsy: false, null, 0, \"\", \"false\", \"0\", \"no\", " +
				"\"off\", empty lists and objects. The taken path carries `value`, or the result when `value` is " +
				"not set.\n\n**Outputs**: `result`, `true_path`, `false_path`.\n\n" +
				"**Example**: a `{{ user.active }}` (true), b `{{ user.verified }}` (false) → " + g.name + " = " +
				fmt.Sprint(fn(1, 2)) + ".",
			Inputs: []nodes.Port{
				{Name: "values", Type: nodes.List, Multi: true, Doc: "Operands (several connections, or a list)."},
				{Name: "a", Type: nodes.Any, Doc: "An operand."},
				{Name: "b", Type: nodes.Any, Doc: "Another operand."},
				{Name: "value", Type: nodes.Any, Doc: "Carried down the taken path (default: the result)."},
			},
			Outputs: branchOutputs("`value`"),
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				ops := operands(c)
				if len(ops) == 0 {
					return nil, nodes.Errorf("values", "no operands: connect values or set a and b")
				}
				trues := 0
				for _, o := range ops {
					if nodes.Truthy(o) {
						trues++
					}
				}
				ok := fn(trues, len(ops))
				return decide(ok, carry(c, ok)), nil
			},
		})
	}
	types = append(types, &nodes.Type{
		ID: "logic.not", Category: logicCategory, Name: "Not", Icon: "circle-slash",
		Doc: "Negates `value`: the result is true when `value` is falsy (false, null, 0, \"\", \"false\", \"0\", " +
			"\"no\", \"off\", empty lists and objects). Takes `true_path` or `false_path`, carrying `value`.\n\n" +
			"**Outputs**: `result`, `true_path`, `false_path`.\n\n**Example**: value `{{ cart.items }}` ([]) → " +
			"result true.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value to negate."}},
		Outputs: branchOutputs("`value`"),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return decide(!nodes.Truthy(c.Get("value")), c.Get("value")), nil
		},
	})
	return types
}

// operands lists values (flattened one level), then a and b when set.
func operands(c *nodes.Call) []any {
	out := flatten(c.Get("values"))
	for _, name := range []string{"a", "b"} {
		if c.Has(name) {
			out = append(out, c.Get(name))
		}
	}
	return out
}

func carry(c *nodes.Call, result bool) any {
	if c.Has("value") {
		return c.Get("value")
	}
	return result
}

// flatten turns a Multi list input into its elements, flattening nested lists one level
// (one connection carrying a list arrives as [list]).
func flatten(v any) []any {
	if v == nil {
		return nil
	}
	l, ok := nodes.ToList(v)
	if !ok {
		return []any{v}
	}
	var out []any
	for _, e := range l {
		if inner, ok := nodes.ToList(e); ok && e != nil {
			if _, isBytes := e.([]byte); !isBytes {
				out = append(out, inner...)
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// number reads numbers and numeric text (not booleans).
func number(v any) (float64, bool) {
	switch v.(type) {
	case bool, nil:
		return 0, false
	}
	if !nodes.IsNumber(v) {
		if _, ok := v.(string); !ok {
			return 0, false
		}
	}
	return nodes.ToFloat(v)
}

// dateTime reads times and RFC 3339 or YYYY-MM-DD text.
func dateTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		s := strings.TrimSpace(x)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Compare applies a logic.compare operator to a and b. Bad input is an error naming the
// port (a or b) that holds it.
func Compare(op string, a, b any, caseInsensitive bool) (bool, error) {
	fold := func(s string) string {
		if caseInsensitive {
			return foldCase(s)
		}
		return s
	}
	switch op {
	case "eq", "ne":
		eq := equal(a, b, caseInsensitive)
		return eq == (op == "eq"), nil
	case "lt", "le", "gt", "ge":
		cmp, err := order(a, b, caseInsensitive)
		if err != nil {
			return false, err
		}
		switch op {
		case "lt":
			return cmp < 0, nil
		case "le":
			return cmp <= 0, nil
		case "gt":
			return cmp > 0, nil
		}
		return cmp >= 0, nil
	case "contains", "not_contains":
		ok, err := contains(a, b, caseInsensitive)
		if err != nil {
			return false, err
		}
		return ok == (op == "contains"), nil
	case "matches":
		pattern := nodes.ToString(b)
		if caseInsensitive {
			pattern = "(?i)" + pattern
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return false, nodes.Errorf("b", "not a valid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		return re.MatchString(nodes.ToString(a)), nil
	case "starts_with", "ends_with":
		if l, ok := a.([]any); ok {
			if len(l) == 0 {
				return false, nil
			}
			e := l[0]
			if op == "ends_with" {
				e = l[len(l)-1]
			}
			return equal(e, b, caseInsensitive), nil
		}
		if a == nil {
			return false, nil
		}
		s, x := fold(nodes.ToString(a)), fold(nodes.ToString(b))
		if op == "starts_with" {
			return strings.HasPrefix(s, x), nil
		}
		return strings.HasSuffix(s, x), nil
	case "is_empty":
		switch x := a.(type) {
		case nil:
			return true, nil
		case string:
			return x == "", nil
		case []any:
			return len(x) == 0, nil
		case map[string]any:
			return len(x) == 0, nil
		}
		if l, ok := nodes.ToList(a); ok {
			return len(l) == 0, nil
		}
		return false, nil
	}
	return false, nodes.Errorf("operator", "must be one of %s, not %q", strings.Join(operators, ", "), op)
}

// equal is nodes.Equal (numbers and numeric text by value, dates as times, a boolean only a
// boolean, lists and objects element by element), and with caseInsensitive two texts also
// match when their Unicode case foldings are equal.
func equal(a, b any, caseInsensitive bool) bool {
	if nodes.Equal(a, b) {
		return true
	}
	if caseInsensitive {
		sa, oka := a.(string)
		sb, okb := b.(string)
		if oka && okb {
			return foldCase(sa) == foldCase(sb)
		}
	}
	return false
}

// order returns -1, 0 or 1 for a versus b.
func order(a, b any, caseInsensitive bool) (int, error) {
	if a == nil {
		return 0, nodes.Errorf("a", "nothing to compare (a is empty)")
	}
	if b == nil {
		return 0, nodes.Errorf("b", "nothing to compare (b is empty)")
	}
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return cmp3(x < y, x > y), nil
		}
	}
	if x, ok := dateTime(a); ok {
		if y, ok := dateTime(b); ok {
			return x.Compare(y), nil
		}
	}
	sa, oka := a.(string)
	sb, okb := b.(string)
	if oka && okb {
		if caseInsensitive {
			sa, sb = foldCase(sa), foldCase(sb)
		}
		return strings.Compare(sa, sb), nil
	}
	ba, oka := a.(bool)
	bb, okb := b.(bool)
	if oka && okb {
		return cmp3(!ba && bb, ba && !bb), nil
	}
	return 0, nodes.Errorf("b", "cannot order %s against %s", nodes.Describe(a), nodes.Describe(b))
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

// contains looks for b in a: a substring, a list element or an object key.
func contains(a, b any, caseInsensitive bool) (bool, error) {
	switch x := a.(type) {
	case nil:
		return false, nil
	case string:
		s, sub := x, nodes.ToString(b)
		if caseInsensitive {
			s, sub = foldCase(s), foldCase(sub)
		}
		return strings.Contains(s, sub), nil
	case map[string]any:
		key := nodes.ToString(b)
		if _, ok := x[key]; ok {
			return true, nil
		}
		if caseInsensitive {
			for k := range x {
				if foldCase(k) == foldCase(key) {
					return true, nil
				}
			}
		}
		return false, nil
	case bool:
		return false, nodes.Errorf("a", "cannot look inside %s", nodes.Describe(a))
	}
	if l, ok := nodes.ToList(a); ok {
		for _, e := range l {
			if equal(e, b, caseInsensitive) {
				return true, nil
			}
		}
		return false, nil
	}
	if nodes.IsNumber(a) {
		return strings.Contains(nodes.ToString(a), nodes.ToString(b)), nil
	}
	return false, nodes.Errorf("a", "cannot look inside %s", nodes.Describe(a))
}

// foldCase maps s to its Unicode case folding (full folding: "ß" and "SS" both become "ss"),
// so comparing without case treats STRASSE and straße alike.
func foldCase(s string) string { return cases.Fold().String(s) }
