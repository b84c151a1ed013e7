package flow

import (
	"fmt"
	"slices"
	"strings"

	"polysynergy/shared/expr"
)

// mathExpressionType is the Math expression node, which evaluates its expression over its
// variables rows only and fails on a name no row sets.
const mathExpressionType = "math.expression"

// mathVariables flags a Math expression whose literal expression reads a name no variables
// row sets: the node fails on it when it runs (a typo such as `prce`). It is a problem when
// the rows are all written in the flow; a warning when the variables come (also) from a
// connection to the whole list, an expression, or a row whose key is an expression, since
// the names are then known only when the run gets there.
func (b *builder) mathVariables() {
	for _, pn := range b.plan.Nodes {
		if pn.Node.Type != mathExpressionType || disabled(pn) {
			continue
		}
		in := pn.input("expression")
		if in == nil || !in.HasValue || !in.Value.static || len(in.Edges) > 0 {
			continue
		}
		src, ok := in.Value.lit.(string)
		if !ok {
			continue
		}
		prog, err := expr.Bare(src)
		if err != nil {
			continue // the expression's own check says it does not parse
		}
		names, known := mathVariableNames(pn)
		var unknown []string
		for _, r := range prog.Refs() {
			if !names[r] && !slices.Contains(unknown, r) {
				unknown = append(unknown, r)
			}
		}
		if len(unknown) == 0 {
			continue
		}
		quoted := make([]string, len(unknown))
		for i, u := range unknown {
			quoted[i] = fmt.Sprintf("%q", u)
		}
		what, it := "variable "+quoted[0], "it"
		if len(quoted) > 1 {
			what, it = "variables "+strings.Join(quoted, ", "), "them"
		}
		path := fmt.Sprintf("/nodes/%d/values/expression", b.docIndex(pn))
		if !known {
			b.warn(path, pn.Handle(), "expression",
				"input \"expression\": the expression reads %s, which no variables row written in the flow sets; "+
					"the variables come from a connection or an expression, so the node fails when it runs if they do not set %s", what, it)
			continue
		}
		have := "there are no variables"
		if len(names) > 0 {
			keys := make([]string, 0, len(names))
			for k := range names {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			have = "the variables are " + strings.Join(keys, ", ")
		}
		b.add(path, pn.Handle(), "expression",
			"input \"expression\": unknown %s: no variables row sets %s (%s), so the node fails when it runs; "+
				"add a variables row for each name the expression reads", what, it, have)
	}
}

// mathVariableNames returns the variable names a Math expression's rows and connected
// sub-ports set; known is false when other names may come at run time.
func mathVariableNames(pn *PlanNode) (map[string]bool, bool) {
	names := map[string]bool{}
	vars := pn.input("variables")
	if vars == nil {
		return names, true
	}
	known := true
	for _, e := range vars.Edges {
		if e.ToSub == "" {
			known = false // the whole list from another node
			continue
		}
		names[e.ToSub] = true
	}
	if !vars.HasValue {
		return names, known
	}
	switch lit := vars.Value.lit.(type) {
	case nil:
	case []any:
		for _, r := range lit {
			row, ok := r.(map[string]any)
			if !ok {
				continue
			}
			k, _ := row["key"].(string)
			if expr.HasSyntax(k) {
				known = false
				continue
			}
			if k != "" {
				names[k] = true
			}
		}
	case map[string]any:
		for k := range lit {
			names[k] = true
		}
	default:
		known = false // an expression giving the rows
	}
	return names, known
}
