package flow_test

import (
	"strings"
	"testing"

	"polysynergy/shared/flow"
)

// A Math expression reading a name no variables row sets fails when it runs (f667991):
// validation says so before, naming the node, the field and the name — a problem when the
// rows are all in the flow, a warning when variables come from a connection or an
// expression and the names are known only at run time.
func TestMathExpressionUnknownVariables(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	start := n("start", "trigger.manual", `{"test_input":{"price":2}}`)
	math := func(values string, conns ...string) string {
		return doc([]string{start, n("calc", "math.expression", values)}, append([]string{"start.true_path>calc.node"}, conns...)...)
	}
	const path = "/nodes/1/values/expression"
	for _, tc := range []struct {
		name           string
		doc            string
		problem, warns string // message parts; "" for none
	}{
		{"a typo", math(`{"expression":"round(prce * qty)","variables":[{"key":"price","value":9.99},{"key":"qty","value":"{{ start.input.price }}"}]}`),
			`input "expression": unknown variable "prce": no variables row sets it (the variables are price, qty), so the node fails when it runs`, ""},
		{"no rows", math(`{"expression":"a + b * a"}`),
			`unknown variables "a", "b": no variables row sets them (there are no variables)`, ""},
		{"all set, by rows and a connected row", math(`{"expression":"price * qty + vat","variables":[{"key":"price","value":1},{"key":"qty","value":2},{"key":"vat","value":0}]}`,
			"start.input>calc.variables.vat"), "", ""},
		{"functions, let and literals are no variables", math(`{"expression":"let x = 2; round(max(x, 1.5)) + abs(-1) + (true ? 1 : 0)"}`), "", ""},
		{"the whole list connected", math(`{"expression":"price * qty"}`, "start.input>calc.variables"),
			"", `input "expression": the expression reads variables "price", "qty", which no variables row written in the flow sets; the variables come from a connection or an expression`},
		{"the list from an expression", math(`{"expression":"price","variables":"{{ start.input }}"}`), "", `reads variable "price"`},
		{"a row key from an expression", math(`{"expression":"price","variables":[{"key":"{{ 'price' }}","value":1}]}`), "", `reads variable "price"`},
		{"a disabled node", strings.Replace(math(`{"expression":"nope"}`), `"handle":"calc",`, `"handle":"calc","flow_state":"disabled",`, 1), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := flow.Check(decode(t, tc.doc), reg, flow.Options{})
			var probs, warns []flow.Problem
			for _, p := range rep.Problems {
				if p.Path == path {
					probs = append(probs, p)
				}
			}
			for _, w := range rep.Warnings {
				if w.Path == path {
					warns = append(warns, w)
				}
			}
			if len(rep.Problems) != len(probs) {
				t.Fatalf("other problems: %s", problemList(rep.Problems))
			}
			check := func(what string, got []flow.Problem, want string) {
				t.Helper()
				if want == "" {
					if len(got) > 0 {
						t.Fatalf("%s: %s, want none", what, problemList(got))
					}
					return
				}
				if len(got) != 1 || got[0].Node != "calc" || got[0].Port != "expression" || !strings.Contains(got[0].Message, want) {
					t.Fatalf("%s: %s (node %v), want one on calc's expression with %q", what, problemList(got), got, want)
				}
			}
			check("problems", probs, tc.problem)
			check("warnings", warns, tc.warns)
		})
	}
}
