package expr

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// memberChains lists the plain member paths inside a compiled expression (`user.name` in
// `user.name | upper()`): a root name followed by constant keys and indexes, with no
// optional step (`?.` makes a null read no error). When the VM fails, these are followed
// in the data to say which read failed in the flow's terms.
func memberChains(prog *vm.Program) [][]step {
	root := prog.Node()
	var out [][]step
	ast.Find(root, func(n ast.Node) bool {
		var rev []step
		cur := n
		for {
			m, ok := cur.(*ast.MemberNode)
			if !ok {
				break
			}
			if m.Optional || m.Method {
				return false
			}
			switch p := m.Property.(type) {
			case *ast.StringNode:
				rev = append(rev, step{key: p.Value})
			case *ast.IntegerNode:
				if p.Value < 0 {
					return false
				}
				rev = append(rev, step{index: p.Value, isIdx: true})
			default:
				return false
			}
			cur = unchars(m.Node)
		}
		id, ok := cur.(*ast.IdentifierNode)
		if len(rev) == 0 || !ok || IsFunction(id.Value) || isLocal(root, id) {
			return false
		}
		steps := []step{{key: id.Value}}
		for i := len(rev) - 1; i >= 0; i-- {
			steps = append(steps, rev[i])
		}
		out = append(out, steps)
		return false
	})
	return out
}

// chainError explains a VM failure by the first member path of prog that cannot be read in
// env, or returns "".
func chainError(prog *vm.Program, env map[string]any) string {
	for _, steps := range memberChains(prog) {
		if m := pathError(steps, env); m != "" {
			return m
		}
	}
	return ""
}
