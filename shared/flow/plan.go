package flow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

// Plan is a compiled, immutable flow: nodes bound to their types, values compiled, edges
// indexed, loops and jumps resolved. It is safe for concurrent runs.
type Plan struct {
	Hash     string
	Doc      *Document
	Nodes    []*PlanNode
	Edges    []*Edge
	byHandle map[string]*PlanNode
	byID     map[string]*PlanNode
}

// PlanNode is a node of a plan.
type PlanNode struct {
	Index int
	Node  *Node
	Type  *nodes.Type
	// Inputs are the node's non-control input ports with their compiled values and edges.
	Inputs []*PlanInput
	// In are the incoming edges, without jump back-edges; Out the outgoing ones.
	In  []*Edge
	Out []*Edge
	// Scope is the index of the innermost loop header whose body holds the node, or -1.
	// A loop end belongs to its own header's body.
	Scope int
	// For loop headers: the paired loop end (or -1), the body members, and the edges from
	// outside the body into it that the header must wait for.
	LoopEnd int
	Body    []int
	ExtIn   []*Edge
	// For loop ends: the header.
	Header int
	// For jump nodes: the `to` node and the nodes a jump resets (forward from `to`).
	JumpTo int
	Region []int
	// HasFalsePath is set when false_path has a connection.
	HasFalsePath bool
	// Branches are the node type's branch output names; DynamicBranch is set when one of
	// them has sub-ports ("cases.<key>").
	Branches      []string
	DynamicBranch bool
}

// Handle is the node's handle.
func (n *PlanNode) Handle() string { return n.Node.Handle }

// PlanInput is one input port of a plan node.
type PlanInput struct {
	Port     *nodes.Port
	Value    *Value
	HasValue bool
	Edges    []*Edge
}

// Edge is a connection of a plan.
type Edge struct {
	Index              int
	ID                 string
	From, To           int
	FromPort, FromSub  string
	ToPort, ToSub      string
	Back               bool // a jump's back-edge to its `to` node: not a dependency
	FromBranch         bool // the source port is a branch output (true_path, false_path, cases…)
	OutName            string
	ConnectionPosition int
}

// Node returns the plan node with the given handle or id.
func (p *Plan) Node(ref string) (*PlanNode, bool) {
	if n, ok := p.byHandle[ref]; ok {
		return n, true
	}
	n, ok := p.byID[ref]
	return n, ok
}

// Triggers lists the plan's trigger nodes in document order.
func (p *Plan) Triggers() []*PlanNode {
	var out []*PlanNode
	for _, n := range p.Nodes {
		if n.Type.Trigger {
			out = append(out, n)
		}
	}
	return out
}

// Value is a compiled node value: a literal, a template, or a map/list holding them.
type Value struct {
	lit  any
	tmpl *expr.Template
	m    map[string]*Value
	l    []*Value
	// static values have nothing to evaluate; lit holds them as decoded.
	static bool
}

// Static reports whether the value has nothing to evaluate.
func (v *Value) Static() bool { return v.static }

// Literal returns the value as written in the document.
func (v *Value) Literal() any { return v.lit }

// CompileValue compiles a literal value; templated strings inside are parsed when templated.
func CompileValue(v any, templated bool) (*Value, error) {
	out := &Value{lit: v, static: true}
	switch x := v.(type) {
	case string:
		if templated && expr.HasSyntax(x) {
			t, err := expr.Compile(x)
			if err != nil {
				return nil, err
			}
			if !t.Literal() {
				out.tmpl, out.static = t, false
			}
		}
	case map[string]any:
		if !templated {
			return out, nil
		}
		out.m = make(map[string]*Value, len(x))
		for k, e := range x {
			cv, err := CompileValue(e, templated)
			if err != nil {
				return nil, &pathError{path: "/" + escape(k), err: err}
			}
			out.m[k] = cv
			if !cv.static {
				out.static = false
			}
		}
	case []any:
		if !templated {
			return out, nil
		}
		out.l = make([]*Value, len(x))
		for i, e := range x {
			cv, err := CompileValue(e, templated)
			if err != nil {
				return nil, &pathError{path: fmt.Sprintf("/%d", i), err: err}
			}
			out.l[i] = cv
			if !cv.static {
				out.static = false
			}
		}
	}
	return out, nil
}

// Templates calls fn for every template inside the value.
func (v *Value) Templates(fn func(*expr.Template)) {
	switch {
	case v.tmpl != nil:
		fn(v.tmpl)
	case v.m != nil:
		for _, e := range v.m {
			e.Templates(fn)
		}
	case v.l != nil:
		for _, e := range v.l {
			e.Templates(fn)
		}
	}
}

// Eval evaluates the value. Static values are returned as they are (shared: read-only).
func (v *Value) Eval(ctx context.Context, env map[string]any, res expr.Resolver, onSecret func(key, value string)) (any, error) {
	if v.static {
		return v.lit, nil
	}
	switch {
	case v.tmpl != nil:
		return v.tmpl.Eval(ctx, env, res, onSecret)
	case v.m != nil:
		out := make(map[string]any, len(v.m))
		for k, e := range v.m {
			r, err := e.Eval(ctx, env, res, onSecret)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	default:
		out := make([]any, len(v.l))
		for i, e := range v.l {
			r, err := e.Eval(ctx, env, res, onSecret)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
}

// Missing describes the value's expressions that read a field their object does not have
// (see expr.Template.Missing).
func (v *Value) Missing(env map[string]any) []string {
	if v.static {
		return nil
	}
	switch {
	case v.tmpl != nil:
		return v.tmpl.Missing(env)
	case v.m != nil:
		var out []string
		for _, e := range v.m {
			out = append(out, e.Missing(env)...)
		}
		return out
	}
	var out []string
	for _, e := range v.l {
		out = append(out, e.Missing(env)...)
	}
	return out
}

type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// ContentHash is the hex SHA-256 of the document's canonical JSON.
func ContentHash(doc *Document) string {
	b, _ := json.Marshal(doc)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// escape escapes a JSON-pointer reference token.
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
