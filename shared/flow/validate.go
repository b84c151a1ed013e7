package flow

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

// Problem is one thing wrong with a document.
type Problem struct {
	// Path is a JSON pointer into the document, e.g. /nodes/3/values/url.
	Path    string `json:"path"`
	Message string `json:"message"`
	// Node and Port name the node handle (or id) and port concerned, when there is one.
	Node string `json:"node,omitempty"`
	Port string `json:"port,omitempty"`
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Problems is every problem of a document.
type Problems []Problem

// ValidationError is returned by Compile for an invalid document.
type ValidationError struct{ Problems Problems }

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow is invalid (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-10)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

var handleRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Reserved names expressions use; no node may take them as its handle.
var reserved = map[string]bool{"trigger": true, "run": true, "env": true, "true": true, "false": true, "nil": true, "null": true, "in": true, "not": true, "and": true, "or": true, "let": true, "matches": true, "contains": true}

// MaxNodes caps the number of nodes in one flow.
const MaxNodes = 5000

// Validate reports every problem of doc against the registry; nil means it compiles.
func Validate(doc *Document, reg *nodes.Registry) Problems {
	return ValidateWith(doc, reg, Options{})
}

// Options tell ValidateWith what a document does not say about itself.
type Options struct {
	// FlowID is the id the flow is stored under, when the caller knows it: a node that
	// names that id literally as the flow to call (Call flow, Flow tool) is a problem, as
	// the flow would call itself. Compile does not know it.
	FlowID string
	// FlowExists, when set, tells whether a flow id names a flow the run could call: a
	// node that names one it does not know literally (Call flow, Flow tool) is a problem.
	FlowExists func(id string) bool
	// FlowPauses, when set, says what in a flow the run could call can pause its run (see
	// Plan.Pausing; empty when nothing can): a node naming such a flow literally is a
	// problem, as a called flow cannot pause and the call would fail.
	FlowPauses func(id string) []string
}

// ValidateWith is Validate with what the caller knows about the flow besides its document.
func ValidateWith(doc *Document, reg *nodes.Registry, opt Options) Problems {
	_, probs, _ := build(doc, reg, opt)
	return probs
}

// Report is what Check finds: problems, which make a document invalid (it does not compile
// or run), and warnings, which do not: what is well formed and may work, but likely does
// not do what was meant (an expression reading a node its node does not wait for).
type Report struct {
	Problems Problems `json:"problems"`
	Warnings Problems `json:"warnings"`
}

// Check is ValidateWith that also gives the warnings. Its Problems are ValidateWith's.
func Check(doc *Document, reg *nodes.Registry, opt Options) Report {
	_, probs, warns := build(doc, reg, opt)
	return Report{Problems: probs, Warnings: warns}
}

type builder struct {
	doc   *Document
	reg   *nodes.Registry
	opt   Options
	plan  *Plan
	probs Problems
	warns Problems
	// refs are the node handles each node's expressions read, checked once loops are known.
	refs []exprRef
	// fields are expressions' reads of a constant field off a node handle (`fetch.body`)
	fields []fieldRead
	// ups caches upstream sets by plan index (see upstream).
	ups map[int]nodeSet
}

func (b *builder) add(path, node, port, format string, args ...any) {
	b.probs = append(b.probs, Problem{Path: path, Node: node, Port: port, Message: fmt.Sprintf(format, args...)})
}

// warn records a warning: not a problem, the document stays valid.
func (b *builder) warn(path, node, port, format string, args ...any) {
	b.warns = append(b.warns, Problem{Path: path, Node: node, Port: port, Message: fmt.Sprintf(format, args...)})
}

func build(doc *Document, reg *nodes.Registry, opt Options) (*Plan, Problems, Problems) {
	b := &builder{doc: doc, reg: reg, opt: opt, plan: &Plan{Doc: doc, byHandle: map[string]*PlanNode{}, byID: map[string]*PlanNode{}}}
	if doc.Schema != Schema {
		b.add("/schema", "", "", "schema is %q; expected %q", doc.Schema, Schema)
	}
	if n := doc.Settings.MaxNodeRuns; n < 0 || n > MaxNodeRuns {
		b.add("/settings/max_node_runs", "", "", "max_node_runs %d must be from 1 to %d (0 or absent: %d)", n, MaxNodeRuns, DefaultNodeRuns)
	}
	if len(doc.Nodes) > MaxNodes {
		b.add("/nodes", "", "", "the flow has %d nodes; the limit is %d", len(doc.Nodes), MaxNodes)
		return nil, b.probs, nil
	}
	b.nodes()
	b.connections()
	b.values()
	b.literals()
	b.rowShapes()
	b.required()
	b.groups()
	b.cycles()
	b.loops()
	b.jumps()
	b.expressionScopes()
	b.outputReads()
	b.templateReads()
	b.mathVariables()
	b.pauses()
	b.loopControls()
	b.selfCalls()
	b.triggersOfOneKind()
	sort.SliceStable(b.probs, func(i, j int) bool { return pathLess(b.probs[i].Path, b.probs[j].Path) })
	sort.SliceStable(b.warns, func(i, j int) bool { return pathLess(b.warns[i].Path, b.warns[j].Path) })
	if len(b.probs) > 0 {
		return nil, b.probs, b.warns
	}
	return b.plan, nil, b.warns
}

// pathLess orders JSON pointers with numeric segments numerically.
func pathLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		var ai, bi int
		_, e1 := fmt.Sscanf(as[i], "%d", &ai)
		_, e2 := fmt.Sscanf(bs[i], "%d", &bi)
		if e1 == nil && e2 == nil && fmt.Sprint(ai) == as[i] && fmt.Sprint(bi) == bs[i] {
			return ai < bi
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

func (b *builder) nodes() {
	for i := range b.doc.Nodes {
		n := &b.doc.Nodes[i]
		path := fmt.Sprintf("/nodes/%d", i)
		name := n.Handle
		if name == "" {
			name = n.ID
		}
		pn := &PlanNode{Index: len(b.plan.Nodes), Node: n, Scope: -1, LoopEnd: -1, Header: -1, JumpTo: -1}
		ok := true
		switch {
		case n.ID == "":
			b.add(path+"/id", name, "", "node id is empty")
			ok = false
		case b.plan.byID[n.ID] != nil:
			b.add(path+"/id", name, "", "node id %q is used by another node", n.ID)
			ok = false
		}
		// A node whose only fault is its handle is still planned, so its values,
		// connections and settings are checked too: the user sees every problem
		// of the node at once. Expressions cannot reach it by that handle.
		handleOK := true
		switch {
		case !handleRE.MatchString(n.Handle):
			b.add(path+"/handle", name, "", "handle %q must start with a lowercase letter or _ and contain only lowercase letters, digits and _", n.Handle)
			handleOK = false
		case reserved[n.Handle]:
			b.add(path+"/handle", name, "", "handle %q is reserved for expressions", n.Handle)
			handleOK = false
		case expr.IsFunction(n.Handle):
			b.add(path+"/handle", name, "", "handle %q is the name of an expression function; choose another", n.Handle)
			handleOK = false
		case b.plan.byHandle[n.Handle] != nil:
			b.add(path+"/handle", name, "", "handle %q is used by another node", n.Handle)
			handleOK = false
		}
		t, found := b.reg.Lookup(n.Type)
		if !found {
			b.add(path+"/type", name, "", "unknown node type %q", n.Type)
			ok = false
		} else if n.Version > t.Version {
			b.add(path+"/version", name, "", "node type %s has version %d; this document asks for %d", n.Type, t.Version, n.Version)
		}
		pn.Type = t
		switch n.FlowState {
		case StateEnabled, "enabled", StateDisabled:
		default:
			b.add(path+"/flow_state", name, "", "flow_state %q must be \"enabled\" or \"disabled\"", n.FlowState)
		}
		s := n.Settings
		switch s.OnError {
		case "", OnErrorStop, OnErrorContinue:
		default:
			b.add(path+"/settings/on_error", name, "", "on_error %q must be \"stop\" or \"continue\"", s.OnError)
		}
		if s.TimeoutMS < 0 || s.TimeoutMS > 15*60*1000 {
			b.add(path+"/settings/timeout_ms", name, "", "timeout_ms must be between 0 and 900000")
		}
		if s.Retries < 0 || s.Retries > 10 {
			b.add(path+"/settings/retries", name, "", "retries must be between 0 and 10")
		}
		if s.BackoffMS < 0 || s.BackoffMS > 60*1000 {
			b.add(path+"/settings/backoff_ms", name, "", "backoff_ms must be between 0 and 60000")
		}
		if s.Concurrency < 0 || s.Concurrency > 64 {
			b.add(path+"/settings/concurrency", name, "", "concurrency must be between 0 and 64")
		}
		if !ok {
			// keep indexing what can be indexed so connection problems are still found
			if n.ID != "" && b.plan.byID[n.ID] == nil && found {
				b.plan.byID[n.ID] = pn
			}
			continue
		}
		b.plan.Nodes = append(b.plan.Nodes, pn)
		b.plan.byID[n.ID] = pn
		if handleOK {
			b.plan.byHandle[n.Handle] = pn
		}
		for pi := range t.Inputs {
			p := &t.Inputs[pi]
			if p.Control {
				continue
			}
			pn.Inputs = append(pn.Inputs, &PlanInput{Port: p})
		}
		for _, o := range t.Outputs {
			if o.Branch {
				pn.Branches = append(pn.Branches, o.Name)
				pn.DynamicBranch = pn.DynamicBranch || o.Dynamic
			}
		}
	}
}

// resolveNode finds a node by id, or by handle as a convenience for hand-written flows.
func (b *builder) resolveNode(ref string) *PlanNode {
	if n := b.plan.byID[ref]; n != nil {
		return n
	}
	return b.plan.byHandle[ref]
}

func (pn *PlanNode) input(name string) *PlanInput {
	for _, in := range pn.Inputs {
		if in.Port.Name == name {
			return in
		}
	}
	return nil
}

// rowKeys returns the keys of a dynamic port's rows in the node's values.
func rowKeys(n *Node, port string) map[string]bool {
	keys := map[string]bool{}
	rows, _ := n.Values[port].([]any)
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok {
			if k, ok := m["key"].(string); ok && k != "" {
				keys[k] = true
			}
		}
	}
	if m, ok := n.Values[port].(map[string]any); ok {
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

func (b *builder) connections() {
	type target struct {
		node int
		port string
	}
	sources := map[target]int{}
	seen := map[string]bool{}
	for i, c := range b.doc.Connections {
		path := fmt.Sprintf("/connections/%d", i)
		from, to := b.resolveNode(c.From.Node), b.resolveNode(c.To.Node)
		if from == nil {
			b.add(path+"/from/node", "", c.From.Port, "connection comes from node %q, which does not exist", c.From.Node)
		}
		if to == nil {
			b.add(path+"/to/node", "", c.To.Port, "connection goes to node %q, which does not exist", c.To.Node)
		}
		if from == nil || to == nil || from.Type == nil || to.Type == nil {
			continue
		}
		if from.Index >= len(b.plan.Nodes) || b.plan.Nodes[from.Index] != from || to.Index >= len(b.plan.Nodes) || b.plan.Nodes[to.Index] != to {
			continue // one end is a node with other problems
		}
		key := fmt.Sprintf("%s/%s>%s/%s", from.Node.ID, c.From.Port, to.Node.ID, c.To.Port)
		if seen[key] {
			b.add(path, to.Handle(), c.To.Port, "the same connection is made twice")
			continue
		}
		seen[key] = true
		fport, fsub := SplitPort(c.From.Port)
		tport, tsub := SplitPort(c.To.Port)
		op, ok := from.Type.Output(fport)
		if !ok {
			b.add(path+"/from/port", from.Handle(), c.From.Port, "node %q (%s) has no output port %q", from.Handle(), from.Type.ID, fport)
		}
		ip, ok2 := to.Type.Input(tport)
		if !ok2 {
			b.add(path+"/to/port", to.Handle(), c.To.Port, "node %q (%s) has no input port %q", to.Handle(), to.Type.ID, tport)
		}
		if !ok || !ok2 {
			continue
		}
		if fsub != "" && (!op.Dynamic || !rowKeys(from.Node, fport)[fsub]) {
			b.add(path+"/from/port", from.Handle(), c.From.Port, "node %q has no sub-port %q on %q", from.Handle(), fsub, fport)
			continue
		}
		if tsub != "" && (!ip.Dynamic || !rowKeys(to.Node, tport)[tsub]) {
			b.add(path+"/to/port", to.Handle(), c.To.Port, "node %q has no sub-port %q on %q", to.Handle(), tsub, tport)
			continue
		}
		ft, tt := op.Type, ip.Type
		if fsub != "" || tsub != "" || (ip.Multi && ip.Type == nodes.List && !op.Type.IsService()) {
			// sub-ports are untyped; a multi list input collects values of any type
			ft, tt = nodes.Any, nodes.Any
		}
		if !nodes.Compatible(ft, tt) {
			b.add(path, to.Handle(), c.To.Port, "output %s.%s (%s) cannot feed input %s.%s (%s)", from.Handle(), c.From.Port, op.Type, to.Handle(), c.To.Port, ip.Type)
			continue
		}
		if from == to {
			b.add(path, to.Handle(), c.To.Port, "node %q is connected to itself", to.Handle())
			continue
		}
		tg := target{to.Index, c.To.Port}
		if prev, dup := sources[tg]; dup && !ip.Multi {
			b.add(path+"/to", to.Handle(), c.To.Port, "input %s.%s already has a source (connection %d); it takes one", to.Handle(), c.To.Port, prev)
			continue
		}
		sources[tg] = i
		e := &Edge{Index: len(b.plan.Edges), ID: c.ID, From: from.Index, To: to.Index, FromPort: fport, FromSub: fsub,
			ToPort: tport, ToSub: tsub, OutName: c.From.Port, ConnectionPosition: i,
			Back: op.Type == nodes.Jump, FromBranch: op.Branch}
		if e.ID == "" {
			e.ID = fmt.Sprintf("c%d", i)
		}
		b.plan.Edges = append(b.plan.Edges, e)
		from.Out = append(from.Out, e)
		if fport == nodes.PortFalsePath && from.Type.ErrorPath() {
			from.HasFalsePath = true
		}
		if !e.Back {
			to.In = append(to.In, e)
			if in := to.input(tport); in != nil {
				in.Edges = append(in.Edges, e)
			}
		}
	}
}

func (b *builder) values() {
	for _, pn := range b.plan.Nodes {
		path := fmt.Sprintf("/nodes/%d/values", b.docIndex(pn))
		for k, v := range pn.Node.Values {
			in := pn.input(k)
			if in == nil {
				b.add(path+"/"+escape(k), pn.Handle(), k, "node type %s has no input %q", pn.Type.ID, k)
				continue
			}
			if v == nil {
				continue
			}
			cv, err := CompileValue(v, in.Port.Templated)
			if err != nil {
				b.exprProblem(path+"/"+escape(k), pn, k, err)
				continue
			}
			if msg := literalTypeProblem(in.Port, cv); msg != "" {
				b.add(path+"/"+escape(k), pn.Handle(), k, "%s", msg)
				continue
			}
			in.Value, in.HasValue = cv, true
			seen := map[string]bool{}
			cv.Templates(func(t *expr.Template) {
				for _, r := range t.Refs() {
					if r == "trigger" || r == "run" || r == "env" || seen[r] {
						continue
					}
					seen[r] = true
					if _, ok := b.plan.byHandle[r]; !ok {
						hint := ""
						switch r {
						case "null", "NULL", "Null", "undefined", "None":
							hint = "; expressions write nothing as nil"
						}
						b.add(path+"/"+escape(k), pn.Handle(), k, "expression {{ … }} refers to %q, which is not a node handle (nor trigger, run or env)%s", r, hint)
						continue
					}
					b.refs = append(b.refs, exprRef{node: pn, port: k, path: path + "/" + escape(k), handle: r})
				}
				for _, f := range t.Fields() {
					b.fields = append(b.fields, fieldRead{exprRef: exprRef{node: pn, port: k, path: path + "/" + escape(k), handle: f.Root}, field: f.Name})
				}
			})
		}
	}
}

func (b *builder) exprProblem(path string, pn *PlanNode, port string, err error) {
	var se *expr.SyntaxError
	var pe *pathError
	for errors.As(err, &pe) {
		path += pe.path
		err = pe.err
	}
	if errors.As(err, &se) {
		b.add(path, pn.Handle(), port, "expression at column %d: %s", se.Column, se.Message)
		return
	}
	b.add(path, pn.Handle(), port, "%v", err)
}

func literalTypeProblem(p *nodes.Port, v *Value) string {
	if !v.static {
		return ""
	}
	lit := v.lit
	if s, ok := lit.(string); ok && s == "" {
		return ""
	}
	switch p.Type {
	case nodes.Number, nodes.Integer:
		f, ok := nodes.ToFloat(lit)
		if !ok {
			return fmt.Sprintf("input %q takes a number, not %s", p.Name, nodes.Describe(lit))
		}
		if p.Type == nodes.Integer && f != float64(int64(f)) {
			return fmt.Sprintf("input %q takes a whole number, not %v", p.Name, f)
		}
	case nodes.Boolean:
		switch lit.(type) {
		case bool:
		case string:
			s := strings.ToLower(lit.(string))
			if s != "true" && s != "false" {
				return fmt.Sprintf("input %q takes true or false, not %q", p.Name, s)
			}
		default:
			return fmt.Sprintf("input %q takes true or false, not %s", p.Name, nodes.Describe(lit))
		}
	}
	if len(p.Options) > 0 && !p.Multi {
		if s, ok := lit.(string); ok {
			for _, o := range p.Options {
				if o == s {
					return ""
				}
			}
			return fmt.Sprintf("input %q must be one of %s, not %q", p.Name, strings.Join(p.Options, ", "), s)
		}
	}
	return ""
}

func (b *builder) docIndex(pn *PlanNode) int {
	for i := range b.doc.Nodes {
		if &b.doc.Nodes[i] == pn.Node {
			return i
		}
	}
	return -1
}

func (b *builder) required() {
	for _, pn := range b.plan.Nodes {
		for _, in := range pn.Inputs {
			if !in.Port.Required || len(in.Edges) > 0 || in.Port.Default != nil {
				continue
			}
			if raw, ok := pn.Node.Values[in.Port.Name]; ok && !in.HasValue && raw != nil && raw != "" {
				continue // the value is there but invalid: reported already
			}
			if in.HasValue {
				if s, ok := in.Value.lit.(string); !ok || s != "" {
					continue
				}
			}
			b.add(fmt.Sprintf("/nodes/%d/values/%s", b.docIndex(pn), escape(in.Port.Name)), pn.Handle(), in.Port.Name,
				"required input %q of %q has neither a value nor a connection", in.Port.Name, pn.Handle())
		}
	}
}

func (b *builder) groups() {
	ids := map[string]bool{}
	member := map[string]string{}
	for i, g := range b.doc.Groups {
		path := fmt.Sprintf("/groups/%d", i)
		if g.ID == "" || ids[g.ID] {
			b.add(path+"/id", "", "", "group id %q is empty or used twice", g.ID)
		}
		ids[g.ID] = true
		for j, m := range g.Members {
			if b.resolveNode(m) == nil {
				b.add(fmt.Sprintf("%s/members/%d", path, j), m, "", "group member %q is not a node", m)
			} else if other, dup := member[m]; dup {
				b.add(fmt.Sprintf("%s/members/%d", path, j), m, "", "node %q is already in group %q", m, other)
			}
			member[m] = g.ID
		}
		check := func(kind string, list []ExposedPort, input bool) {
			for j, e := range list {
				p := fmt.Sprintf("%s/%s/%d", path, kind, j)
				n := b.resolveNode(e.Node)
				if n == nil || n.Type == nil {
					b.add(p+"/node", e.Node, e.Port, "exposed port refers to node %q, which does not exist", e.Node)
					continue
				}
				port, _ := SplitPort(e.Port)
				var ok bool
				if input {
					_, ok = n.Type.Input(port)
				} else {
					_, ok = n.Type.Output(port)
				}
				if !ok {
					b.add(p+"/port", n.Handle(), e.Port, "node %q has no port %q to expose", n.Handle(), e.Port)
				}
			}
		}
		check("inputs", g.Inputs, true)
		check("outputs", g.Outputs, false)
	}
	for i, n := range b.doc.Nodes {
		if n.Group != "" && !ids[n.Group] {
			b.add(fmt.Sprintf("/nodes/%d/group", i), n.Handle, "", "group %q does not exist", n.Group)
		}
	}
}

// cycles reports connections that close a cycle; jump back-edges are not dependencies.
func (b *builder) cycles() {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(b.plan.Nodes))
	var stack []int
	var visit func(n int)
	reported := map[int]bool{}
	visit = func(n int) {
		color[n] = grey
		stack = append(stack, n)
		for _, e := range b.plan.Nodes[n].Out {
			if e.Back {
				continue
			}
			switch color[e.To] {
			case white:
				visit(e.To)
			case grey:
				if !reported[e.Index] {
					reported[e.Index] = true
					var names []string
					start := 0
					for i, s := range stack {
						if s == e.To {
							start = i
						}
					}
					for _, s := range stack[start:] {
						names = append(names, b.plan.Nodes[s].Handle())
					}
					names = append(names, b.plan.Nodes[e.To].Handle())
					b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), b.plan.Nodes[e.To].Handle(), e.ToPort,
						"connection closes a cycle %s; repeat work with a for-each or a jump/to pair instead", strings.Join(names, " → "))
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for i := range b.plan.Nodes {
		if color[i] == white {
			visit(i)
		}
	}
}

func isHeader(t *nodes.Type) bool {
	return t.Control == nodes.ControlForEach || t.Control == nodes.ControlCounter
}

// loops pairs loop headers with their ends and works out each body.
func (b *builder) loops() {
	var headers []*PlanNode
	for _, pn := range b.plan.Nodes {
		if !isHeader(pn.Type) {
			continue
		}
		headers = append(headers, pn)
		for _, e := range pn.Out {
			if e.FromPort == "loop" {
				end := b.plan.Nodes[e.To]
				if end.Type.Control != nodes.ControlLoopEnd {
					b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), end.Handle(), e.ToPort, "a loop output must go to a loop end")
					continue
				}
				if pn.LoopEnd >= 0 {
					b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), end.Handle(), e.ToPort, "loop %q already has a loop end", pn.Handle())
					continue
				}
				if end.Header >= 0 {
					b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), end.Handle(), e.ToPort, "loop end %q already belongs to another loop", end.Handle())
					continue
				}
				pn.LoopEnd, end.Header = end.Index, pn.Index
			}
		}
	}
	// body: forward from the iteration outputs, stopping at the loop end
	bodies := map[int]map[int]bool{}
	for _, h := range headers {
		body := map[int]bool{}
		var q []int
		for _, e := range h.Out {
			if e.FromPort == "loop" || e.FromPort == nodes.PortFalsePath || e.To == h.LoopEnd {
				continue
			}
			if !body[e.To] {
				body[e.To] = true
				q = append(q, e.To)
			}
		}
		for len(q) > 0 {
			n := q[0]
			q = q[1:]
			for _, e := range b.plan.Nodes[n].Out {
				if e.Back || e.To == h.LoopEnd || body[e.To] {
					continue
				}
				body[e.To] = true
				q = append(q, e.To)
			}
		}
		if h.LoopEnd >= 0 {
			end := b.plan.Nodes[h.LoopEnd]
			for _, e := range end.Out {
				if body[e.To] {
					b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), b.plan.Nodes[e.To].Handle(), e.ToPort,
						"node %q runs in every iteration of %q but depends on its loop end %q", b.plan.Nodes[e.To].Handle(), h.Handle(), end.Handle())
				}
			}
		}
		bodies[h.Index] = body
	}
	// the innermost header of every body member (smallest body wins)
	for _, h := range headers {
		for m := range bodies[h.Index] {
			pn := b.plan.Nodes[m]
			if pn.Scope < 0 || len(bodies[pn.Scope]) > len(bodies[h.Index]) {
				pn.Scope = h.Index
			}
		}
	}
	for _, h := range headers {
		if h.LoopEnd >= 0 {
			b.plan.Nodes[h.LoopEnd].Scope = h.Index
		}
	}
	for _, h := range headers {
		body := bodies[h.Index]
		for m := range body {
			h.Body = append(h.Body, m)
		}
		if h.LoopEnd >= 0 {
			body[h.LoopEnd] = true
			h.Body = append(h.Body, h.LoopEnd)
		}
		sort.Ints(h.Body)
		for _, m := range h.Body {
			for _, e := range b.plan.Nodes[m].In {
				if !body[e.From] && e.From != h.Index {
					h.ExtIn = append(h.ExtIn, e)
				}
			}
			// body members may only lead to body members (or the loop end)
			for _, e := range b.plan.Nodes[m].Out {
				if e.Back || body[e.To] || m == h.LoopEnd {
					continue
				}
				b.add(fmt.Sprintf("/connections/%d", e.ConnectionPosition), b.plan.Nodes[e.To].Handle(), e.ToPort,
					"node %q inside loop %q connects to %q outside it; route results out through the loop end", b.plan.Nodes[m].Handle(), h.Handle(), b.plan.Nodes[e.To].Handle())
			}
		}
	}
	for _, pn := range b.plan.Nodes {
		if pn.Type.Control == nodes.ControlLoopEnd && pn.Header < 0 && len(pn.In) > 0 && pn.input("loop") != nil && len(pn.input("loop").Edges) > 0 {
			b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "loop", "loop end %q is not connected to a for-each or counter loop", pn.Handle())
		}
	}
}

// jumps resolves each jump's `to` node and the region a jump re-runs.
func (b *builder) jumps() {
	for _, pn := range b.plan.Nodes {
		if pn.Type.Control != nodes.ControlJump {
			continue
		}
		for _, e := range pn.Out {
			if e.Back {
				pn.JumpTo = e.To
			}
		}
		if pn.JumpTo < 0 {
			b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "to", "jump %q has no target: connect its `to` output to a `to` node", pn.Handle())
			continue
		}
		to := b.plan.Nodes[pn.JumpTo]
		if to.Scope != pn.Scope {
			b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "to", "jump %q and its target %q must be in the same loop body", pn.Handle(), to.Handle())
			continue
		}
		region := map[int]bool{to.Index: true}
		q := []int{to.Index}
		for len(q) > 0 {
			n := q[0]
			q = q[1:]
			for _, e := range b.plan.Nodes[n].Out {
				if !e.Back && !region[e.To] {
					region[e.To] = true
					q = append(q, e.To)
				}
			}
		}
		if !region[pn.Index] {
			b.add(fmt.Sprintf("/nodes/%d", b.docIndex(pn)), pn.Handle(), "to", "jump %q must come after its target %q (the target is not upstream of it)", pn.Handle(), to.Handle())
			continue
		}
		for n := range region {
			pn.Region = append(pn.Region, n)
		}
		sort.Ints(pn.Region)
	}
}
