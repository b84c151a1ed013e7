package expr

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// expr-lang indexes and slices a string by byte: "ß"[0] was the number 195 and "ß👍"[1:3]
// text that is not UTF-8. As len() counts code points, index and slice count them too:
// charsPatch sends the string of `s[i]` through fnChars (the string's code points as a
// list, anything else unchanged) and rewrites `s[a:b]` to fnSlice.
const (
	fnChars = "__chars"
	fnSlice = "__slice"
)

type charsPatch struct{}

func (charsPatch) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if n.Method {
			return
		}
		if _, named := n.Property.(*ast.StringNode); named {
			return // a field: obj.name, obj["name"]
		}
		if c, ok := n.Node.(*ast.CallNode); ok && isCall(c, fnChars) {
			return
		}
		n.Node = &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnChars}, Arguments: []ast.Node{n.Node}}
	case *ast.SliceNode:
		from, to := n.From, n.To
		if from == nil {
			from = &ast.NilNode{}
		}
		if to == nil {
			to = &ast.NilNode{}
		}
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnSlice}, Arguments: []ast.Node{n.Node, from, to}})
	}
}

// isCall reports whether c calls the function name.
func isCall(c *ast.CallNode, name string) bool {
	id, ok := c.Callee.(*ast.IdentifierNode)
	return ok && id.Value == name
}

// unchars is the node a charsPatch wrapper wraps, or n itself.
func unchars(n ast.Node) ast.Node {
	if c, ok := n.(*ast.CallNode); ok && isCall(c, fnChars) && len(c.Arguments) == 1 {
		return c.Arguments[0]
	}
	return n
}

func fnCharsOf(a ...any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("index: internal error")
	}
	s, ok := a[0].(string)
	if !ok {
		return a[0], nil
	}
	out := make([]any, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out, nil
}

func fnSliceOf(a ...any) (any, error) {
	if len(a) != 3 {
		return nil, fmt.Errorf("slice: internal error")
	}
	v, from, to := a[0], a[1], a[2]
	if from == nil {
		from = 0
	}
	if s, ok := v.(string); ok {
		rs := []rune(s)
		if to == nil {
			to = len(rs)
		}
		return string(runtime.Slice(rs, from, to).([]rune)), nil
	}
	if to == nil {
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			to = rv.Len()
		default:
			return nil, fmt.Errorf("cannot slice %T", v)
		}
	}
	return runtime.Slice(v, from, to), nil
}
