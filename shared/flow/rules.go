package flow

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/code/jssyntax"
	"polysynergy/shared/nodes/text/jinja"
)

// The checks in this file find what is well formed but certainly fails (or does nothing) at
// run time: values outside what the node accepts, nodes that cannot work where they are,
// expressions reading outputs that cannot exist when they are evaluated.

// exprRef is a node handle an expression in one of a node's values reads.
type exprRef struct {
	node   *PlanNode
	port   string
	path   string // JSON pointer of the value
	handle string
}

// RunFields returns the fields of `run` in expressions, as the engine sets them.
func RunFields() []string { return []string{"id", "flow", "stage", "version", "started"} }

// fieldRead is an expression's read of field of the node named handle.
type fieldRead struct {
	exprRef
	field string
}

// outputReads warns about expressions reading an output a node does not have (`{{ t.txt }}`
// of a Template, whose output is text): the read gives nothing at run time, with a warning
// in the run, which is almost always a typo. Types with outputs named by their rows (a
// Switch's cases) are not checked.
func (b *builder) outputReads() {
	for _, r := range b.fields {
		if r.handle == "run" && b.plan.byHandle["run"] == nil && !slices.Contains(RunFields(), r.field) && !disabled(r.node) {
			b.warn(r.path, r.node.Handle(), r.port, "expression {{ … }} reads %q of run, which has no field %q (it has %s): the read gives nothing",
				r.field, r.field, strings.Join(RunFields(), ", "))
			continue
		}
		t := b.plan.byHandle[r.handle]
		if t == nil || t.Type == nil || disabled(r.node) {
			continue
		}
		if hasDynamicOutput(t.Type) {
			continue
		}
		known, names := false, []string(nil)
		for _, o := range t.Type.Outputs {
			known = known || o.Name == r.field
			if !o.Branch {
				names = append(names, o.Name)
			}
		}
		if known {
			continue
		}
		has := "it has no data outputs"
		if len(names) > 0 {
			has = "its outputs are " + strings.Join(names, ", ")
		}
		b.warn(r.path, r.node.Handle(), r.port, "expression {{ … }} reads %q of %q, a %s node, which has no output %q (%s): the read gives nothing",
			r.field, r.handle, t.Type.Name, r.field, has)
	}
}

func hasDynamicOutput(t *nodes.Type) bool {
	for _, o := range t.Outputs {
		if o.Dynamic {
			return true
		}
	}
	return false
}

// literals checks literal values against their ports' declared constraints (Min, Max,
// Check) and, for the rows of a dynamic input, Distinct.
func (b *builder) literals() {
	for _, pn := range b.plan.Nodes {
		base := fmt.Sprintf("/nodes/%d/values/", b.docIndex(pn))
		for _, in := range pn.Inputs {
			if !in.HasValue {
				continue
			}
			p, path := in.Port, base+escape(in.Port.Name)
			if p.Dynamic {
				b.rows(path, pn, in)
				continue
			}
			if !in.Value.static || isEmptyString(in.Value.lit) || len(in.Edges) > 0 {
				continue // an expression, unset, or the connection's value counts
			}
			if err := p.CheckValue(in.Value.lit); err != nil {
				b.add(path, pn.Handle(), p.Name, "%v", err)
			}
			// the nodes package cannot parse these: parse them here, as the node will
			if err := parseLiteral(p.Check, nodes.ToString(in.Value.lit)); err != nil {
				b.add(path, pn.Handle(), p.Name, "%v", nodes.Errorf(p.Name, "%v", err))
			}
		}
	}
}

// parseLiteral parses a literal value of an input whose check names a language the nodes
// package cannot parse, with the parser the node uses, and returns its syntax error.
func parseLiteral(check, src string) error {
	switch check {
	case nodes.CheckExpression:
		if _, err := expr.Bare(src); err != nil && !errors.Is(err, expr.ErrEmpty) {
			return err
		}
	case nodes.CheckJinja:
		return jinja.Check(src)
	case nodes.CheckJavaScript:
		if strings.TrimSpace(src) == "" {
			return nil // the node says it is empty; required inputs say so themselves
		}
		_, err := jssyntax.Parse(src)
		return err
	}
	return nil
}

func isEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && s == ""
}

// row is one row of a dynamic input's literal value.
type row struct {
	key   string
	value any
	path  string // below the input's pointer
}

// literalRows lists the rows of a dynamic input's value, as the engine reads them: a list of
// {key, value} rows in order, or an object's entries in key order.
func literalRows(v any) []row {
	var out []row
	switch x := v.(type) {
	case []any:
		for i, r := range x {
			m, ok := r.(map[string]any)
			if !ok {
				continue
			}
			k, _ := m["key"].(string)
			out = append(out, row{key: k, value: m["value"], path: fmt.Sprintf("/%d/value", i)})
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, row{key: k, value: x[k], path: "/" + escape(k)})
		}
	}
	return out
}

// rows checks each literal row value of a dynamic input with the port's Check and, when
// the node takes only the first matching row, that no row is like an earlier one.
func (b *builder) rows(path string, pn *PlanNode, in *PlanInput) {
	p := in.Port
	if p.Check == "" && !p.Distinct {
		return
	}
	connected := map[string]bool{}
	for _, e := range in.Edges {
		if e.ToSub == "" {
			return // the whole input comes from a connection
		}
		connected[e.ToSub] = true
	}
	vc, _ := nodes.LookupCheck(p.Check)
	same := vc.Same
	if same == nil {
		same = nodes.Equal
	}
	distinct := p.Distinct && takesFirst(pn)
	seen := map[string]bool{}
	var kept []row
	for _, r := range literalRows(pn.Node.Values[p.Name]) {
		if r.key == "" || seen[r.key] || connected[r.key] {
			continue
		}
		seen[r.key] = true
		if cv, err := CompileValue(r.value, p.Templated); err != nil || !cv.static {
			continue // an expression: known when the node runs
		}
		if vc.Valid != nil {
			if err := vc.Valid(r.value); err != nil {
				b.add(path+r.path, pn.Handle(), p.Name, "case %q of input %q: %v", r.key, p.Name, err)
				continue
			}
		}
		if distinct {
			for _, k := range kept {
				if same(k.value, r.value) {
					b.add(path+r.path, pn.Handle(), p.Name, "case %q is like case %q before it (%s), so it can never be taken: "+
						"the node takes the first matching case (set mode to \"all\" to take every one)", r.key, k.key, describe(r.value))
					break
				}
			}
		}
		kept = append(kept, r)
	}
}

func describe(v any) string {
	if v == nil {
		return "no value"
	}
	return nodes.Describe(v)
}

// takesFirst reports whether a node with distinct rows takes only the first matching row:
// its `mode` input is "first" (or left at its default), not "all" or an expression.
func takesFirst(pn *PlanNode) bool {
	in := pn.input("mode")
	if in == nil {
		return true
	}
	if len(in.Edges) > 0 {
		return false
	}
	mode := in.Port.Default
	if in.HasValue {
		if !in.Value.static {
			return false
		}
		if !isEmptyString(in.Value.lit) {
			mode = in.Value.lit
		}
	}
	return mode == nil || nodes.ToString(mode) == "first"
}

// within reports whether scope (a loop header's index, or -1 for the top) is loop h's
// body or nested in it.
func (b *builder) within(scope, h int) bool {
	for i := 0; scope >= 0 && i <= len(b.plan.Nodes); i++ {
		if scope == h {
			return true
		}
		scope = b.plan.Nodes[scope].Scope
	}
	return false
}

// expressionScopes refuses expressions that read outputs which cannot exist where the
// expression is evaluated: the node's own, those of a node inside a loop body from outside
// that body (each iteration's outputs live only in that iteration), and a loop end's from
// inside its loop (its results exist once the loop has finished).
func (b *builder) expressionScopes() {
	for _, r := range b.refs {
		a, t := r.node, b.plan.byHandle[r.handle]
		if t == nil {
			continue
		}
		if a == t {
			b.add(r.path, a.Handle(), r.port, "expression {{ … }} refers to %q, this node itself: a node cannot read its own outputs", r.handle)
			continue
		}
		visible := t.Scope // where t's outputs can be read: the scope t runs in
		if t.Type.Control == nodes.ControlLoopEnd && t.Header >= 0 {
			// a loop end collects inside its loop; its results appear where the loop runs
			h := b.plan.Nodes[t.Header]
			if a == h || b.within(a.Scope, h.Index) {
				b.add(r.path, a.Handle(), r.port, "expression {{ … }} refers to loop end %q, whose results exist only once loop %q has finished; %q runs before that",
					r.handle, h.Handle(), a.Handle())
				continue
			}
			visible = h.Scope
		}
		if visible < 0 || b.within(a.Scope, visible) {
			b.unwaitedRead(r, t)
			continue
		}
		// name the outermost loop holding t but not a: its loop end is the way out
		loop := visible
		for x, i := visible, 0; x >= 0 && !b.within(a.Scope, x) && i <= len(b.plan.Nodes); x, i = b.plan.Nodes[x].Scope, i+1 {
			loop = x
		}
		h := b.plan.Nodes[loop]
		way := "collect it with a loop end and read the loop end's results"
		if h.LoopEnd >= 0 {
			way = fmt.Sprintf("connect it to loop end %q and read its results", b.plan.Nodes[h.LoopEnd].Handle())
		}
		b.add(r.path, a.Handle(), r.port, "expression {{ … }} refers to %q, which runs inside loop %q: its outputs exist only within each iteration; %s",
			r.handle, h.Handle(), way)
	}
}

// unwaitedRead warns about an expression of node a reading node t that a does not wait
// for: t is not upstream of a (no path of connections leads from t to a). When a reads it,
// t has not run yet — certainly not when a leads to t, maybe not when they race — or not at
// all (a branch or trigger a's run does not take): the engine then gives nothing for it, so
// {{ t.x }} fails the node and {{ t.x ?? y }} gives y. Not a problem: such a read may be
// meant (a fallback after a jump re-runs a region), and a run with the right timing works.
func (b *builder) unwaitedRead(r exprRef, t *PlanNode) {
	a := r.node
	if disabled(a) || b.upstream(a).has(t.Index) {
		return
	}
	if b.leadsTo(a, t) {
		b.warn(r.path, a.Handle(), r.port,
			"expression {{ … }} reads %q, which runs after %q (%q leads to it): its outputs do not exist yet when %q runs, so the read gives nothing; "+
				"read a node before %q, or move the expression to a node after %q", t.Handle(), a.Handle(), a.Handle(), a.Handle(), a.Handle(), t.Handle())
		return
	}
	b.warn(r.path, a.Handle(), r.port,
		"expression {{ … }} reads %q, which %q does not wait for (it is neither upstream of %q nor connected to it): %q may not have run yet, "+
			"or at all, when %q runs, and the read then gives nothing; connect %q (or a node after it) to %q",
		t.Handle(), a.Handle(), a.Handle(), t.Handle(), a.Handle(), t.Handle(), a.Handle())
}

// nodeSet is a set of plan indexes.
type nodeSet []uint64

func (s nodeSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s nodeSet) add(i int)      { s[i/64] |= 1 << (i % 64) }

// upstream is the set of nodes with a path of connections to n (jump back-edges are not
// dependencies); computed once per node, a bit per node.
func (b *builder) upstream(n *PlanNode) nodeSet {
	if b.ups == nil {
		b.ups = map[int]nodeSet{}
	}
	if up, ok := b.ups[n.Index]; ok {
		return up
	}
	up := make(nodeSet, (len(b.plan.Nodes)+63)/64)
	q := []int{n.Index}
	for len(q) > 0 {
		x := q[len(q)-1]
		q = q[:len(q)-1]
		for _, e := range b.plan.Nodes[x].In {
			if !up.has(e.From) {
				up.add(e.From)
				q = append(q, e.From)
			}
		}
	}
	b.ups[n.Index] = up
	return up
}

// leadsTo reports whether a path of connections leads from a to t (back-edges not followed).
func (b *builder) leadsTo(a, t *PlanNode) bool {
	return b.upstream(t).has(a.Index)
}

func disabled(pn *PlanNode) bool { return pn.Node.FlowState == StateDisabled }

// pauses refuses nodes that pause the run inside a loop body, which the engine cannot do:
// pausing nodes (human approval), and nodes served by a provider set to pause them (an
// agent using a tool that needs confirmation).
func (b *builder) pauses() {
	for _, pn := range b.plan.Nodes {
		if pn.Scope < 0 || disabled(pn) || pn.Type.Control == nodes.ControlLoopEnd {
			continue
		}
		loop := b.plan.Nodes[pn.Scope].Handle()
		if pn.Type.Pauses {
			b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "",
				"node %q (%s) pauses the run, but it is inside loop %q and a run cannot pause inside a loop; move it before or after the loop",
				pn.Handle(), pn.Type.ID, loop)
		}
		for _, e := range pn.In {
			from := b.plan.Nodes[e.From]
			op, ok := from.Type.Output(e.FromPort)
			if !ok || !op.Type.IsService() || disabled(from) {
				continue
			}
			if port := pausingInput(from); port != "" {
				b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), pn.Handle(), e.ToPort,
					"%q uses %q, whose %s is on: it pauses the run to ask, but %q is inside loop %q and a run cannot pause inside a loop",
					pn.Handle(), from.Handle(), port, pn.Handle(), loop)
			}
		}
	}
}

// pausingInput names a provider's input that makes it pause the nodes it serves and is
// literally true ("" when there is none).
func pausingInput(pn *PlanNode) string {
	for _, in := range pn.Inputs {
		if !in.Port.Pauses || len(in.Edges) > 0 {
			continue
		}
		v := in.Port.Default
		if in.HasValue {
			if !in.Value.static {
				continue
			}
			v = in.Value.lit
		}
		if on, ok := v.(bool); (ok && on) || strings.EqualFold(nodes.ToString(v), "true") {
			return in.Port.Name
		}
	}
	return ""
}

// loopControls refuses Break and Continue outside a loop body: there is no loop to stop.
func (b *builder) loopControls() {
	for _, pn := range b.plan.Nodes {
		c := pn.Type.Control
		if (c != nodes.ControlBreak && c != nodes.ControlContinue) || pn.Scope >= 0 || disabled(pn) {
			continue
		}
		b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "",
			"%s %q is not inside a loop body, so there is no loop for it to %s: connect it after a for-each or counter loop's item, index or true_path, before the loop end",
			strings.ToLower(pn.Type.Name), pn.Handle(), c)
	}
}

// selfCalls refuses nodes naming the flow itself as the flow to call (inputs edited as a
// flow picker: Call flow's and Flow tool's flow_id), when the caller said which flow it is.
// It also refuses literal ids naming no flow, when the caller can tell (Options.FlowExists),
// and ones naming a flow that can pause (Options.FlowPauses).
func (b *builder) selfCalls() {
	if b.opt.FlowID == "" && b.opt.FlowExists == nil && b.opt.FlowPauses == nil {
		return
	}
	for _, pn := range b.plan.Nodes {
		if disabled(pn) {
			continue
		}
		for _, in := range pn.Inputs {
			if in.Port.Editor != nodes.EditFlow || !in.HasValue || !in.Value.static || len(in.Edges) > 0 {
				continue
			}
			raw, _ := in.Value.lit.(string)
			id := strings.TrimSpace(raw)
			path := fmt.Sprintf("/nodes/%d/values/%s", b.docIndex(pn), escape(in.Port.Name))
			switch {
			case id == "":
			case b.opt.FlowID != "" && id == b.opt.FlowID:
				b.add(path, pn.Handle(), in.Port.Name,
					"a flow cannot call itself: %s %q is this flow's own id, so the call would recurse", in.Port.Name, b.opt.FlowID)
			case b.opt.FlowExists != nil && !b.opt.FlowExists(id):
				b.add(path, pn.Handle(), in.Port.Name, "%s %q names no flow, so the call would fail", in.Port.Name, id)
			case b.opt.FlowPauses != nil:
				if what := b.opt.FlowPauses(id); len(what) > 0 {
					b.add(path, pn.Handle(), in.Port.Name, "%s %q names a flow that can pause (at %s), but a called flow cannot pause, so the call would fail; "+
						"move the pausing step into this flow", in.Port.Name, id, strings.Join(what, ", "))
				}
			}
		}
	}
}

// triggersOfOneKind refuses a second trigger of a type runs enter by (nodes.Type.OnePerFlow:
// an HTTP route, a Schedule, a Flow input, a Tool start): such a run starts at the flow's
// only node of that type and fails naming both when there are two. Disabled ones count,
// as the run counts them. Triggers of different types (an HTTP route and a Manual play to
// try it) are fine.
func (b *builder) triggersOfOneKind() {
	first := map[string]*PlanNode{}
	for _, pn := range b.plan.Nodes {
		if !pn.Type.Trigger || !pn.Type.OnePerFlow {
			continue
		}
		f, seen := first[pn.Type.ID]
		if !seen {
			first[pn.Type.ID] = pn
			continue
		}
		b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "",
			"%q is a second %s (%s) in the flow, besides %q: a run enters at the flow's one %s node, so it could not tell which to start from; keep one",
			pn.Handle(), pn.Type.Name, pn.Type.ID, f.Handle(), pn.Type.Name)
	}
}

// Pausing lists what can pause a run of the plan, each as `"handle" (type name)`: enabled
// nodes that pause (Human approval), and enabled nodes using a provider whose pausing input
// is literally on (an agent with a tool that needs confirmation). Only nodes a run can take
// part in count: those a trigger reaches and their upstream (every node, when the plan has
// no trigger). A flow called by another (Call flow, Flow tool) cannot pause: the engine fails
// the call, so validation refuses calling a flow for which this is not empty.
func (p *Plan) Pausing() []string {
	in := make([]bool, len(p.Nodes))
	var q []int
	for _, pn := range p.Nodes {
		if pn.Type.Trigger {
			in[pn.Index] = true
			q = append(q, pn.Index)
		}
	}
	if len(q) == 0 {
		for i := range in {
			in[i] = true
		}
	}
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		for _, e := range p.Nodes[n].Out {
			if !e.Back && !in[e.To] {
				in[e.To] = true
				q = append(q, e.To)
			}
		}
	}
	for i := range in {
		if in[i] {
			q = append(q, i)
		}
	}
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		for _, e := range p.Nodes[n].In {
			if !in[e.From] && !p.Nodes[e.From].Type.Trigger {
				in[e.From] = true
				q = append(q, e.From)
			}
		}
	}
	var out []string
	for _, pn := range p.Nodes {
		if !in[pn.Index] || disabled(pn) {
			continue
		}
		what := ""
		if pn.Type.Pauses {
			what = pn.Type.Name
		}
		for _, e := range pn.In {
			from := p.Nodes[e.From]
			op, ok := from.Type.Output(e.FromPort)
			if what != "" || !ok || !op.Type.IsService() || disabled(from) {
				continue
			}
			if port := pausingInput(from); port != "" {
				what = fmt.Sprintf("%s using %q, whose %s is on", pn.Type.Name, from.Handle(), port)
			}
		}
		if what != "" {
			out = append(out, fmt.Sprintf("%q (%s)", pn.Handle(), what))
		}
	}
	return out
}

// rowShapes checks the rows of dynamic inputs written as a list: each row is an object
// {key, value} (a Switch's cases, Build object's fields). A row that is not one is a
// problem (the engine leaves it out, so a case or field silently went missing); a row
// without a key, or with a key an earlier row has, is left out too or shadowed, which is
// a warning.
func (b *builder) rowShapes() {
	for _, pn := range b.plan.Nodes {
		for _, in := range pn.Inputs {
			p := in.Port
			list, ok := pn.Node.Values[p.Name].([]any)
			if !p.Dynamic || !ok {
				continue
			}
			path := fmt.Sprintf("/nodes/%d/values/%s", b.docIndex(pn), escape(p.Name))
			// rows are counted from 1 in messages, as the inspector numbers them (the paths
			// count from 0)
			first := map[string]int{}
			for i, r := range list {
				m, ok := r.(map[string]any)
				if !ok {
					b.add(fmt.Sprintf("%s/%d", path, i), pn.Handle(), p.Name, "row %d of input %q must be an object {\"key\": …, \"value\": …}, not %s",
						i+1, p.Name, describe(r))
					continue
				}
				k, isText := m["key"].(string)
				switch {
				case m["key"] != nil && !isText:
					b.add(fmt.Sprintf("%s/%d/key", path, i), pn.Handle(), p.Name, "row %d of input %q: key must be text, not %s", i+1, p.Name, describe(m["key"]))
				case k == "":
					b.warn(fmt.Sprintf("%s/%d/key", path, i), pn.Handle(), p.Name, "row %d of input %q has no key, so it is left out", i+1, p.Name)
				default:
					if j, dup := first[k]; dup {
						b.warn(fmt.Sprintf("%s/%d/key", path, i), pn.Handle(), p.Name, "row %d of input %q has key %q, as row %d has: only one of them counts", i+1, p.Name, k, j+1)
						continue
					}
					first[k] = i
				}
			}
		}
	}
}
