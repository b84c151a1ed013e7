package expr

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

var plainPathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]{1,9}\])*$`)

// parsePlainPath reads `a.b[3].c` without the expression compiler (plans with hundreds of
// such expressions compile much faster); ok is false for anything else.
func parsePlainPath(code string) ([]step, bool) {
	code = strings.TrimSpace(code)
	if !plainPathRE.MatchString(code) {
		return nil, false
	}
	var steps []step
	for _, seg := range strings.Split(strings.ReplaceAll(code, "[", ".["), ".") {
		if strings.HasPrefix(seg, "[") {
			i, err := strconv.Atoi(seg[1 : len(seg)-1])
			if err != nil {
				return nil, false
			}
			steps = append(steps, step{index: i, isIdx: true})
			continue
		}
		if keywords[seg] || (len(steps) == 0 && IsFunction(seg)) {
			return nil, false
		}
		steps = append(steps, step{key: seg})
	}
	return steps, true
}

var keywords = map[string]bool{"in": true, "not": true, "and": true, "or": true, "matches": true, "contains": true,
	"startsWith": true, "endsWith": true, "let": true, "if": true, "else": true, "nil": true, "true": true, "false": true}

// lazyProgram compiles an expression the first time the fast path cannot answer.
type lazyProgram struct {
	code string
	once sync.Once
	prog *vm.Program
	err  error
}

func (l *lazyProgram) get() (*vm.Program, error) {
	l.once.Do(func() { l.prog, l.err = compileExpr(l.code) })
	return l.prog, l.err
}

// step is one hop of a plain member path: a map key or a list index.
type step struct {
	key   string
	index int
	isIdx bool
}

// fastPath recognises expressions that are only member access from a root name with
// constant keys and indexes (`fetch.body.items[3].name`), the most common expression by
// far. Such paths are walked directly over maps and lists; anything unusual falls back to
// the expression VM, so results and errors stay exactly expr-lang's.
func fastPath(prog *vm.Program) []step {
	var steps []step
	n := prog.Node()
	for {
		switch x := n.(type) {
		case *ast.IdentifierNode:
			steps = append(steps, step{key: x.Value})
			for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
				steps[i], steps[j] = steps[j], steps[i]
			}
			return steps
		case *ast.MemberNode:
			if x.Optional || x.Method {
				return nil
			}
			switch p := x.Property.(type) {
			case *ast.StringNode:
				steps = append(steps, step{key: p.Value})
			case *ast.IntegerNode:
				if p.Value < 0 {
					return nil
				}
				steps = append(steps, step{index: p.Value, isIdx: true})
			default:
				return nil
			}
			n = unchars(x.Node)
		default:
			return nil
		}
	}
}

// walk follows the path; ok is false whenever the VM should decide instead.
func walk(steps []step, env map[string]any) (any, bool) {
	cur, ok := env[steps[0].key]
	if !ok {
		return nil, false
	}
	for _, s := range steps[1:] {
		if s.isIdx {
			l, isList := cur.([]any)
			if !isList || s.index >= len(l) {
				return nil, false
			}
			cur = l[s.index]
			continue
		}
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false
		}
		if cur, ok = m[s.key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// trace is where following a plain member path over env ended up, in the flow's terms.
type trace struct {
	// stop is the step that could not be taken (nil when the path was followed to its end
	// or ended where the VM's own answer stands: an index out of range, a map read by a
	// number); at is what it was taken on, named name.
	stop *step
	at   any
	name string
	// missing is the first object found without a field the path names (a read that gives
	// nil), named missingName, and missingKey that field.
	missing     map[string]any
	missingName string
	missingKey  string
}

// follow walks steps over env the way the VM does (a missing field reads as nil, a string
// indexes to a character) and says where it stopped.
func follow(steps []step, env map[string]any) trace {
	var tr trace
	cur, ok := env[steps[0].key]
	if !ok {
		return tr
	}
	name := steps[0].key
	for i := range steps[1:] {
		s := &steps[i+1]
		if s.isIdx {
			switch x := cur.(type) {
			case []any:
				if s.index >= len(x) {
					return tr
				}
				cur = x[s.index]
			case string: // strings index to characters
				if s.index >= len(x) {
					return tr
				}
				cur = x[s.index : s.index+1]
			case map[string]any:
				return tr // a map read by a number: the VM's answer stands
			default:
				tr.stop, tr.at, tr.name = s, cur, name
				return tr
			}
			name = fmt.Sprintf("%s[%d]", name, s.index)
			continue
		}
		m, isMap := cur.(map[string]any)
		if !isMap {
			tr.stop, tr.at, tr.name = s, cur, name
			return tr
		}
		next, has := m[s.key]
		if !has && tr.missing == nil {
			tr.missing, tr.missingName, tr.missingKey = m, name, s.key
		}
		cur, name = next, name+"."+s.key
	}
	return tr
}

// pathError explains why a plain member path failed in the VM in the flow's terms, for the
// cases where expr-lang's own message names its internals ("invalid operation:
// int(string)" for a field read on a string). It returns "" to keep the VM's message.
func pathError(steps []step, env map[string]any) string {
	tr := follow(steps, env)
	switch {
	case tr.stop == nil:
		return ""
	case tr.stop.isIdx && tr.at == nil:
		return fmt.Sprintf("cannot read [%d]: %s is null", tr.stop.index, tr.name)
	case tr.stop.isIdx:
		return fmt.Sprintf("cannot read [%d]: %s is %s, not a list", tr.stop.index, tr.name, kindOf(tr.at))
	case tr.at == nil:
		return fmt.Sprintf("cannot read .%s: %s is null", tr.stop.key, tr.name)
	}
	hint := ""
	if s, ok := tr.at.(string); ok {
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			hint = fmt.Sprintf(" (JSON text? fromJSON(%s) parses it)", tr.name)
		}
	}
	return fmt.Sprintf("cannot read .%s: %s is %s, not an object%s", tr.stop.key, tr.name, kindOf(tr.at), hint)
}

// kindOf names a value's JSON kind with an article, for messages.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case float64, float32, int, int64, int32, uint, uint64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// missingField describes the first step of a plain member path that names a field its
// object does not have (`chat.mesage` when chat has no "mesage"), or "" when every field
// is there (null values and list indexes are not reported: they are data, not typos).
func missingField(code string, steps []step, env map[string]any) string {
	tr := follow(steps, env)
	if tr.missing == nil {
		return ""
	}
	keys := make([]string, 0, len(tr.missing))
	for k := range tr.missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	has := "it has no fields"
	if len(keys) > 0 {
		has = "it has " + strings.Join(keys, ", ")
	}
	return fmt.Sprintf("{{ %s }} is empty: %s has no field %q (%s)", strings.TrimSpace(code), tr.missingName, tr.missingKey, has)
}
