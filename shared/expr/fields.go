package expr

import (
	"slices"

	"github.com/expr-lang/expr/ast"
)

// Field is a member read straight off a root name: `fetch.body` reads field "body" of
// "fetch". Flow validation checks such reads of node handles against the nodes' outputs.
type Field struct {
	Root, Name string
}

// Fields lists the template's distinct reads of a constant member off a root name (`a.b`,
// `a?.b`, `a["b"]`), in order of appearance. Reads off names bound inside the expression
// (closures' `#`, let) are not listed.
func (t *Template) Fields() []Field {
	var out []Field
	add := func(f Field) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for _, p := range t.parts {
		switch {
		case p.lazy != nil:
			if len(p.path) > 1 && !p.path[1].isIdx {
				add(Field{Root: p.path[0].key, Name: p.path[1].key})
			}
		case p.prog != nil:
			root := p.prog.Node()
			ast.Find(root, func(n ast.Node) bool {
				m, ok := n.(*ast.MemberNode)
				if !ok {
					return false
				}
				id, ok := m.Node.(*ast.IdentifierNode)
				if !ok || IsFunction(id.Value) || isLocal(root, id) {
					return false
				}
				if s, ok := m.Property.(*ast.StringNode); ok {
					add(Field{Root: id.Value, Name: s.Value})
				}
				return false
			})
		}
	}
	return out
}
