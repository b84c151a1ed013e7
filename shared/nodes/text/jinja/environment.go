package jinja

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/builtins"
	controls "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	gnodes "github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"polysynergy/shared/nodes"
)

// environment builds the render's environment: wrapped filters, methods, globals and
// control structures.
func (b *budget) environment() *exec.Environment {
	filters := map[string]exec.FilterFunction{
		filterOp:    b.opFilter,
		filterLeave: b.leaveFilter,
		filterRead:  b.readFilter,
		filterIndex: indexFilter,
	}
	for _, name := range filterNames {
		if f, ok := builtins.Filters.Get(name); ok {
			filters[name] = b.wrapFilter(name, f)
		}
	}
	filters["format"] = b.wrapFilter("format", formatFilter)
	filters["pprint"] = b.wrapFilter("pprint", pprintFilter)
	// upper, lower and capitalize with Unicode's full case mapping, as Python's: ß → SS
	filters["upper"] = b.wrapFilter("upper", caseFilter(nodes.Upper))
	filters["lower"] = b.wrapFilter("lower", caseFilter(nodes.Lower))
	filters["capitalize"] = b.wrapFilter("capitalize", caseFilter(func(s string) string {
		_, n := utf8.DecodeRuneInString(s)
		return nodes.TitleFirst(s[:n]) + nodes.Lower(s[n:])
	}))
	structures := map[string]parser.ControlStructureParser{
		"include": b.includeParser,
		"import":  b.importParser,
		"from":    b.fromParser,
	}
	for _, name := range structureNames {
		if p, ok := controls.All.Get(name); ok {
			structures[name] = p
		}
	}
	for name, p := range structures {
		structures[name] = positioned(name, p)
	}
	globals := map[string]any{
		"range":  b.rangeFunction,
		"lipsum": lipsumFunction,
		fnEnter:  b.enterFunction,
		fnMethod: b.methodFunction,
		"none":   nil, // Jinja spells None lowercase too, as true and false
	}
	for _, name := range []string{"cycler", "dict", "joiner", "namespace", "_", "gettext", "ngettext"} {
		if f, ok := builtins.GlobalFunctions.Get(name); ok {
			globals[name] = f
		}
	}
	// namespace(items=[]) and dict(items=[]) hold their lists shared, so append works (lists.go)
	for _, name := range []string{"namespace", "dict"} {
		switch f := globals[name].(type) {
		case func(*exec.Evaluator, *exec.VarArgs) map[string]any:
			globals[name] = func(e *exec.Evaluator, p *exec.VarArgs) map[string]any {
				m := f(e, p)
				share(m, 0)
				return m
			}
		case func(*exec.Evaluator, *exec.VarArgs) *exec.Value:
			globals[name] = func(e *exec.Evaluator, p *exec.VarArgs) *exec.Value {
				v := f(e, p)
				if v != nil && !v.IsError() && v.Val.CanInterface() {
					share(v.Val.Interface(), 0)
				}
				return v
			}
		}
	}
	b.methods = b.sandboxMethods()
	return &exec.Environment{
		Context:           exec.NewContext(globals),
		Filters:           exec.NewFilterSet(filters),
		Tests:             b.tests(),
		ControlStructures: exec.NewControlStructureSet(structures),
		Methods:           b.methods,
	}
}

// positioned gives a tag's parse error the tag's line when gonja reports none.
func positioned(name string, p parser.ControlStructureParser) parser.ControlStructureParser {
	return func(outer *parser.Parser, args *parser.Parser) (gnodes.ControlStructure, error) {
		cs, err := p(outer, args)
		if err == nil {
			return cs, nil
		}
		var se *SourceError
		var pe *parser.SyntaxError
		var me *MissingTemplateError
		var le *LimitError
		if errors.As(err, &se) || (errors.As(err, &pe) && pe.Line > 0) || errors.As(err, &me) || errors.As(err, &le) {
			return nil, err
		}
		line := 0
		if t := outer.Current(); t != nil {
			line = t.Line
		}
		tpl := ""
		if outer.Template != nil {
			tpl = outer.Template.Identifier
		}
		return nil, &SourceError{Template: tpl, Line: line, Message: fmt.Sprintf("{%% %s %%}: %v", name, cleanMessage(err.Error()))}
	}
}

var testNames = []string{"boolean", "callable", "defined", "divisibleby", "eq", "equalto", "escaped", "even", "false",
	"filter", "float", "ge", "gt", "greaterthan", "in", "integer", "iterable", "le", "lower", "lt", "lessthan", "mapping",
	"ne", "none", "number", "odd", "sameas", "sequence", "string", "test", "true", "undefined", "upper"}

// tests wraps the built-in tests (`x is eq(y)`, `select("in", l)`…): values they compare
// are measured first, and a panic (`divisibleby(0)`) becomes an error.
func (b *budget) tests() *exec.TestSet {
	check := func(name string, in *exec.Value, p *exec.VarArgs) error {
		if err := b.alive(); err != nil {
			return err
		}
		plainArgs(p)
		for _, v := range append([]*exec.Value{in}, p.Args...) {
			if v != nil && (v.IsList() || v.IsDict()) && measure(v, maxWorkBytes) > maxWorkBytes {
				return b.fail(&LimitError{fmt.Sprintf("test %s: value is larger than %d bytes", name, maxWorkBytes)})
			}
		}
		return nil
	}
	safely := func(name string, f func() (bool, error)) (ok bool, err error) {
		defer func() {
			if r := recover(); r != nil {
				ok, err = false, fmt.Errorf("test %s: %v", name, r)
			}
		}()
		return f()
	}
	tests := map[string]exec.TestFunction{}
	for _, name := range testNames {
		t, ok := builtins.Tests.Get(name)
		if !ok {
			continue
		}
		switch f := t.(type) {
		case func(*exec.Evaluator, *exec.Value, *exec.VarArgs) (bool, error):
			tests[name] = func(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) (bool, error) {
				if err := check(name, in, p); err != nil {
					return false, err
				}
				in = plainList(in)
				return safely(name, func() (bool, error) { return f(e, in, p) })
			}
		case func(*exec.Context, *exec.Value, *exec.VarArgs) (bool, error):
			tests[name] = func(c *exec.Context, in *exec.Value, p *exec.VarArgs) (bool, error) {
				if err := check(name, in, p); err != nil {
					return false, err
				}
				in = plainList(in)
				return safely(name, func() (bool, error) { return f(c, in, p) })
			}
		}
	}
	return exec.NewTestSet(tests)
}

var filterNames = []string{"abs", "attr", "batch", "capitalize", "center", "default", "d", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "items", "last",
	"length", "count", "list", "lower", "map", "max", "min", "pprint", "random", "rejectattr", "reject", "replace",
	"reverse", "round", "safe", "selectattr", "select", "slice", "sort", "string", "striptags", "sum", "title",
	"tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"}

var structureNames = []string{"autoescape", "block", "extends", "filter", "for", "if", "macro", "raw", "set",
	"with", "do", "break", "continue", "trans", "call"}

func errValue(err error) *exec.Value { return exec.AsValue(err) }

func (b *budget) checkSize(v any, what string) error {
	n := measure(v, maxValueBytes)
	if n > maxValueBytes {
		return b.fail(&LimitError{fmt.Sprintf("%s is larger than %d bytes or nested more than %d levels", what, maxValueBytes, maxValueDepth)})
	}
	return nil
}

// opFilter evaluates `left op right` after checking the size of the result.
func (b *budget) opFilter(e *exec.Evaluator, left *exec.Value, p *exec.VarArgs) *exec.Value {
	if left.IsError() {
		return left
	}
	if err := b.alive(); err != nil {
		return errValue(err)
	}
	if len(p.Args) != 2 {
		return errValue(errors.New("operator: internal error"))
	}
	right, op := p.Args[0], p.Args[1].String()
	tt, ok := opTokens[op]
	if !ok {
		return errValue(fmt.Errorf("operator %q: internal error", op))
	}
	switch op {
	case "*":
		if left.IsString() && !right.IsFloat() {
			n := right.Integer()
			if n <= 0 {
				return exec.AsValue("")
			}
			if l := len(left.String()); l > 0 && n > maxValueBytes/l {
				return errValue(b.fail(&LimitError{fmt.Sprintf("repeating a string would build more than %d bytes", maxValueBytes)}))
			}
		}
	case "+":
		if left.IsList() && right.IsList() && left.Len()+right.Len() > maxListLen {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined list would have more than %d elements", maxListLen)}))
		}
		if measure(left, maxValueBytes)+measure(right, maxValueBytes) > maxValueBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined value would be larger than %d bytes", maxValueBytes)}))
		}
	case "%":
		if left.IsString() {
			return formatOperator(left, right)
		}
		if right.IsNumber() && right.Float() == 0 {
			return errValue(errors.New("modulo by zero"))
		}
		if left.IsNumber() && right.IsNumber() {
			return floorModulo(left, right) // gonja: -7 % 3 was -1 and -7.5 % 2 was -1; Python says 2 and 0.5
		}
	case "/", "//":
		// as in Python: gonja printed +Inf for 1 / 0 and -9223372036854775808 for 1 // 0
		if right.IsNumber() && right.Float() == 0 && left.IsNumber() {
			return errValue(errors.New("division by zero"))
		}
		if op == "//" && left.IsNumber() && right.IsNumber() {
			return floorDivide(left, right) // gonja truncated: -7 // 2 was -3, Python says -4
		}
	case "~":
		if measure(left, maxValueBytes)+measure(right, maxValueBytes) > maxValueBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("joined string would be larger than %d bytes", maxValueBytes)}))
		}
	default: // comparisons walk (or print) whole containers
		for _, v := range []*exec.Value{left, right} {
			if (v.IsList() || v.IsDict()) && measure(v, maxWorkBytes) > maxWorkBytes {
				return errValue(b.fail(&LimitError{fmt.Sprintf("compared value is larger than %d bytes", maxWorkBytes)}))
			}
		}
	}
	sub := &exec.Evaluator{Config: e.Config, Loader: e.Loader, Environment: &exec.Environment{
		Context:           exec.NewContext(map[string]any{"left": left, "right": right}),
		Filters:           e.Environment.Filters,
		Tests:             e.Environment.Tests,
		ControlStructures: e.Environment.ControlStructures,
		Methods:           e.Environment.Methods,
	}}
	tok := func(t tokens.Type, v string) *tokens.Token { return &tokens.Token{Type: t, Val: v} }
	return sub.Eval(&gnodes.BinaryExpression{
		Left:     &gnodes.Name{Name: tok(tokens.Name, "left")},
		Right:    &gnodes.Name{Name: tok(tokens.Name, "right")},
		Operator: &gnodes.BinOperator{Token: tok(tt, op)},
	})
}

// floorDivide is Python's a // b (b is not 0): rounded down, an integer for two integers.
func floorDivide(a, b *exec.Value) *exec.Value {
	if a.IsInteger() && b.IsInteger() {
		x, y := a.Integer(), b.Integer()
		q := x / y
		if x%y != 0 && (x < 0) != (y < 0) {
			q--
		}
		return exec.AsValue(q)
	}
	return exec.AsValue(math.Floor(a.Float() / b.Float()))
}

// floorModulo is Python's a % b (b is not 0): the remainder has the sign of b.
func floorModulo(a, b *exec.Value) *exec.Value {
	if a.IsInteger() && b.IsInteger() {
		x, y := a.Integer(), b.Integer()
		r := x % y
		if r != 0 && (r < 0) != (y < 0) {
			r += y
		}
		return exec.AsValue(r)
	}
	x, y := a.Float(), b.Float()
	r := math.Mod(x, y)
	if r != 0 && (r < 0) != (y < 0) {
		r += y
	}
	return exec.AsValue(r)
}

// arg returns positional argument i or keyword argument name.
func arg(p *exec.VarArgs, i int, name string) *exec.Value {
	if i >= 0 && i < len(p.Args) {
		return p.Args[i]
	}
	if v, ok := p.KwArgs[name]; ok {
		return v
	}
	return nil
}

func intArg(p *exec.VarArgs, i int, name string) int64 {
	v := arg(p, i, name)
	if v == nil || !v.IsNumber() {
		return 0
	}
	f := v.Float()
	if f > 1e15 {
		return 1e15
	}
	if f < -1e15 {
		return -1e15
	}
	return int64(f)
}

func strLen(v *exec.Value) int64 {
	if v == nil || !v.IsString() {
		return 0
	}
	return int64(len(v.String()))
}

// iterating filters walk a string rune by rune, building one value per character.
var iterating = map[string]bool{"list": true, "unique": true, "sort": true, "batch": true, "slice": true,
	"groupby": true, "map": true, "select": true, "reject": true, "selectattr": true, "rejectattr": true,
	"sum": true, "min": true, "max": true, "join": true, "random": true, "first": true, "last": true}

// shallow filters only look at the top of their input (or return part of it unchanged);
// every other filter may print, compare or copy all of it, so its input, arguments and
// result are measured.
var shallow = map[string]bool{"length": true, "count": true, "first": true, "last": true, "default": true,
	"d": true, "attr": true, "abs": true, "float": true, "int": true, "round": true, "safe": true, "random": true,
	"filesizeformat": true}

// wrapFilter bounds what a built-in filter may build.
func (b *budget) wrapFilter(name string, f exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		if err := b.alive(); err != nil {
			return errValue(err)
		}
		if in.IsError() {
			return in
		}
		// filters see a variable's list itself, not the reference to it (lists.go)
		in = plainList(in)
		plainArgs(p)
		var size int64
		switch {
		case in.IsString():
			size = int64(len(in.String()))
		case !shallow[name]:
			size = measure(in, maxWorkBytes)
		}
		if size > maxWorkBytes {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: input is larger than %d bytes", name, maxWorkBytes)}))
		}
		if !shallow[name] {
			for _, v := range p.Args {
				if !v.IsString() && measure(v, maxWorkBytes) > maxWorkBytes {
					return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: argument is larger than %d bytes", name, maxWorkBytes)}))
				}
			}
			for _, v := range p.KwArgs {
				if !v.IsString() && measure(v, maxWorkBytes) > maxWorkBytes {
					return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: argument is larger than %d bytes", name, maxWorkBytes)}))
				}
			}
		}
		if iterating[name] && in.IsString() && len(in.String()) > maxListLen {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: string input is longer than %d characters", name, maxListLen)}))
		}
		wasString := in.IsString() && stringWalkers[name]
		if wasString {
			in = exec.AsValue(codePoints(in.String()))
		}
		est := size
		switch name {
		case "center":
			est = max(size, intArg(p, 0, "width"))
		case "indent":
			w := intArg(p, 0, "width")
			if v := arg(p, 0, "width"); v != nil && v.IsString() {
				w = strLen(v)
			}
			est = size + (int64(strings.Count(in.String(), "\n"))+1)*max(w, 0)
		case "batch", "slice":
			n := intArg(p, 0, map[string]string{"batch": "linecount", "slice": "slices"}[name])
			if n > maxListLen {
				return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s: more than %d groups", name, maxListLen)}))
			}
		case "join":
			n := int64(0)
			if in.IsIterable() {
				n = int64(in.Len())
			}
			est = size + n*strLen(arg(p, 0, "d"))
		case "replace":
			if in.IsString() {
				s, old := in.String(), arg(p, 0, "old")
				count := int64(len(s) + 1)
				if old != nil && old.String() != "" {
					count = int64(strings.Count(s, old.String()))
				}
				est = size + count*strLen(arg(p, 1, "new"))
			}
		case "urlize":
			extra := int64(64)
			for _, v := range p.KwArgs {
				extra += strLen(v)
			}
			est = size + (size/4+1)*extra
		case "format":
			for _, v := range p.Args {
				est += measure(v, maxWorkBytes)
			}
		case "tojson":
			if n := intArg(p, 0, "indent"); n > 64 {
				return errValue(b.fail(&LimitError{"filter tojson: indent is larger than 64"}))
			}
		}
		if est > maxValueBytes && est > size {
			return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s would build more than %d bytes", name, maxValueBytes)}))
		}
		var out *exec.Value
		if name == "reverse" && in.IsList() {
			out = reversed(in, p, wasString)
		} else {
			out = f(e, in, p)
		}
		if out != nil && !out.IsError() && !shallow[name] {
			if out.IsList() && out.Len() > maxListLen {
				return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s built more than %d elements", name, maxListLen)}))
			}
			if (out.IsList() || out.IsDict()) && measure(out, maxWorkBytes) > maxWorkBytes {
				return errValue(b.fail(&LimitError{fmt.Sprintf("filter %s built a value larger than %d bytes", name, maxWorkBytes)}))
			}
		}
		return out
	}
}

// sandboxMethods wraps the string methods that can amplify their input.
func (b *budget) sandboxMethods() exec.Methods {
	all := builtins.Methods
	str := map[string]exec.Method[string]{}
	for _, name := range strMethodNames {
		m, ok := all.Str.Get(name)
		if !ok {
			continue
		}
		str[name] = wrapStrMethod(name, m)
	}
	str["upper"], str["lower"] = caseMethod(nodes.Upper), caseMethod(nodes.Lower)
	return exec.Methods{Bool: all.Bool, Int: all.Int, Float: all.Float, Dict: b.dictMethods(), List: b.listMethods(),
		Str: exec.NewMethodSet(str)}
}

var strMethodNames = []string{"capitalize", "capwords", "casefold", "center", "count", "encode", "endswith",
	"expandtabs", "find", "format", "format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
	"islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
	"partition", "removeprefix", "removesuffix", "replace", "rfind", "rjust", "rpartition", "rsplit", "rstrip",
	"split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"}

// caseFilter is a filter that changes the case of its (string) input.
func caseFilter(change func(string) string) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		if err := p.Take(); err != nil {
			return exec.AsValue(exec.ErrInvalidCall(err))
		}
		return exec.AsValue(change(in.String()))
	}
}

// caseMethod is a str method that changes the case of the string.
func caseMethod(change func(string) string) exec.Method[string] {
	return func(self string, _ *exec.Value, p *exec.VarArgs) (any, error) {
		if err := p.Take(); err != nil {
			return nil, exec.ErrInvalidCall(err)
		}
		return change(self), nil
	}
}

// formatWidth finds numbers in the replacement fields of a str.format pattern.
var formatWidth = regexp.MustCompile(`\{[^{}]*?(\d{7,}|\{)`)

func wrapStrMethod(name string, m exec.Method[string]) exec.Method[string] {
	return func(self string, selfValue *exec.Value, p *exec.VarArgs) (any, error) {
		plainArgs(p)
		size := int64(len(self))
		est := size
		switch name {
		case "center", "ljust", "rjust", "zfill":
			est = max(size, intArg(p, 0, "width"))
		case "expandtabs":
			tab := intArg(p, 0, "tabsize")
			if arg(p, 0, "tabsize") == nil {
				tab = 8
			}
			est = size + int64(strings.Count(self, "\t"))*max(tab, 0)
		case "replace":
			old := arg(p, 0, "old")
			count := int64(len(self) + 1)
			if old != nil && old.String() != "" {
				count = int64(strings.Count(self, old.String()))
			}
			est = size + count*strLen(arg(p, 1, "new"))
		case "join":
			if v := arg(p, 0, "iterable"); v != nil {
				n := measure(v, maxWorkBytes)
				if v.IsIterable() {
					est = n + int64(v.Len())*size
				}
			}
		case "format", "format_map":
			if formatWidth.MatchString(self) {
				return nil, errors.New(name + ": field widths above 999999 and nested fields are not allowed")
			}
			for _, v := range p.Args {
				est += measure(v, maxWorkBytes)
			}
			for _, v := range p.KwArgs {
				est += measure(v, maxWorkBytes)
			}
		}
		if est > maxValueBytes && est > size {
			return nil, &LimitError{fmt.Sprintf("%s would build more than %d bytes", name, maxValueBytes)}
		}
		return m(self, selfValue, p)
	}
}

// rangeFunction is range() returning a bounded list instead of gonja's goroutine-fed channel.
func (b *budget) rangeFunction(_ *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	start, stop, step := 0, 0, 1
	ints := make([]int, len(p.Args))
	for i, a := range p.Args {
		if !a.IsInteger() {
			return errValue(errors.New("range: arguments must be integers: [start, ]stop[, step]"))
		}
		ints[i] = a.Integer()
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return errValue(errors.New("range: expected [start, ]stop[, step]"))
	}
	if step == 0 {
		return errValue(errors.New("range: step cannot be 0"))
	}
	var n int
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if n > maxRange || n < 0 {
		return errValue(b.fail(&LimitError{fmt.Sprintf("range would have more than %d elements", maxRange)}))
	}
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return exec.AsValue(out)
}

// lipsumFunction bounds lipsum()'s paragraph and word counts.
func lipsumFunction(e *exec.Evaluator, p *exec.VarArgs) *exec.Value {
	if intArg(p, 0, "n") > 100 || intArg(p, 3, "max") > 1000 || intArg(p, 2, "min") > 1000 {
		return errValue(errors.New("lipsum: at most 100 paragraphs of 1000 words"))
	}
	f, ok := builtins.GlobalFunctions.Get("lipsum")
	if !ok {
		return errValue(errors.New("lipsum is not available"))
	}
	fn, ok := f.(func(*exec.Evaluator, *exec.VarArgs) *exec.Value)
	if !ok {
		return errValue(errors.New("lipsum is not available"))
	}
	return fn(e, p)
}
