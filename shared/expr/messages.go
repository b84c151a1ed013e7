package expr

import (
	"regexp"
	"strings"
)

var (
	conversionRE = regexp.MustCompile(`^interface conversion: interface \{\} is (\S+), not (\S+)$`)
	goTypeRE     = regexp.MustCompile(`map\[string\]interface \{\}|\[\]interface \{\}|<nil>|\b(?:float64|float32|int64|int32|int|uint64|uint|bool)\b`)
	arithmeticRE = regexp.MustCompile(`^invalid operation: (?:string [-+*/%^] number|number [-+*/%^] string|string [<>]=? number|number [<>]=? string)$`)
)

// readableVMError restates expr-lang's run-time messages in the flow's terms: JSON kinds
// instead of Go's type names ("string + float64" is "string + number", "map[string]interface
// {}" an object), and a hint where text meets a number, which is how values from requests
// and forms arrive.
func readableVMError(msg string) string {
	if m := conversionRE.FindStringSubmatch(msg); m != nil {
		return "expected " + article(goKind(m[2])) + ", got " + article(goKind(m[1]))
	}
	if !strings.HasPrefix(msg, "invalid operation:") && !strings.HasPrefix(msg, "invalid argument for") &&
		!strings.HasPrefix(msg, "operator ") {
		return msg
	}
	msg = goTypeRE.ReplaceAllStringFunc(msg, goKind)
	if arithmeticRE.MatchString(msg) {
		msg += " (text is not turned into a number by itself: number(x) converts it)"
	}
	return msg
}

func goKind(t string) string {
	switch t {
	case "map[string]interface {}":
		return "object"
	case "[]interface {}":
		return "list"
	case "<nil>":
		return "null"
	case "bool":
		return "boolean"
	case "float64", "float32", "int64", "int32", "int", "uint64", "uint":
		return "number"
	}
	return t
}

func article(kind string) string {
	switch kind {
	case "object":
		return "an object"
	case "null":
		return "null"
	}
	return "a " + kind
}
