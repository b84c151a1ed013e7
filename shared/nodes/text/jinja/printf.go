package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// maxFormatWidth bounds a printf width or precision, so one conversion cannot build a huge string.
const maxFormatWidth = 100_000

// printf formats args into format the way Python's % operator does (and so Jinja's format
// filter and `"…" % value`): %s prints any value as the template would, %d/%i/%u take whole
// numbers (decimals are truncated), %f/%e/%g take any number, %x/%X/%o whole numbers, %c a
// code point or one character, %r a quoted representation, %% a percent sign. gonja handed the
// arguments to Go's fmt, which printed %f of a whole number as "%!f(int=2)".
func printf(format string, args []*exec.Value) (string, error) {
	var out strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ 0#", format[j]) >= 0 {
			j++
		}
		flags := format[i+1 : j]
		num := func() (int, bool, error) {
			k := j
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
			if k == j {
				return 0, false, nil
			}
			n, err := strconv.Atoi(format[k:j])
			if err != nil || n > maxFormatWidth {
				return 0, false, fmt.Errorf("format %q: width or precision %s is over %d", format, format[k:j], maxFormatWidth)
			}
			return n, true, nil
		}
		width, hasWidth, err := num()
		if err != nil {
			return "", err
		}
		prec, hasPrec := 0, false
		if j < len(format) && format[j] == '.' {
			j++
			if prec, _, err = num(); err != nil {
				return "", err
			}
			hasPrec = true
		}
		if j >= len(format) {
			return "", fmt.Errorf("format %q: incomplete format", format)
		}
		verb := format[j]
		i = j
		if verb == '%' {
			out.WriteByte('%')
			continue
		}
		if strings.IndexByte("sdiuoxXeEfFgGcr", verb) < 0 {
			return "", fmt.Errorf("format %q: unsupported format character '%c'", format, verb)
		}
		if next >= len(args) {
			return "", fmt.Errorf("format %q: not enough arguments for format string", format)
		}
		v := args[next]
		next++
		spec := "%" + flags
		if hasWidth {
			spec += strconv.Itoa(width)
		}
		if hasPrec {
			spec += "." + strconv.Itoa(prec)
		}
		var arg any
		switch verb {
		case 's', 'r':
			s := printed(v)
			if verb == 'r' && v.IsString() {
				s = "'" + strings.ReplaceAll(v.String(), "'", `\'`) + "'"
			}
			arg, verb = s, 's'
		case 'd', 'i', 'u', 'o', 'x', 'X':
			n, err := whole(v, verb)
			if err != nil {
				return "", fmt.Errorf("format %q: %w", format, err)
			}
			arg = n
			if verb == 'i' || verb == 'u' {
				verb = 'd'
			}
		case 'e', 'E', 'f', 'F', 'g', 'G':
			if !v.IsNumber() && !v.IsBool() {
				return "", fmt.Errorf("format %q: %%%c format: a number is required, not %s", format, verb, kind(v))
			}
			f := v.Float()
			if v.IsBool() && v.Bool() {
				f = 1
			}
			arg = f
		case 'c':
			switch {
			case v.IsInteger() && v.Integer() >= 0 && v.Integer() <= 0x10FFFF:
				arg = string(rune(v.Integer()))
			case v.IsString() && len([]rune(v.String())) == 1:
				arg = v.String()
			default:
				return "", fmt.Errorf("format %q: %%c requires a code point or one character, not %s", format, kind(v))
			}
			verb = 's'
		}
		out.WriteString(fmt.Sprintf(spec+string(verb), arg))
		if out.Len() > maxValueBytes {
			return "", &LimitError{fmt.Sprintf("format would build more than %d bytes", maxValueBytes)}
		}
	}
	if next < len(args) {
		return "", fmt.Errorf("format %q: not all arguments converted during string formatting", format)
	}
	return out.String(), nil
}

// printed is v as {{ v }} prints it, None for nothing.
func printed(v *exec.Value) string {
	if v.IsNil() {
		return "None"
	}
	return v.String()
}

func whole(v *exec.Value, verb byte) (int64, error) {
	switch {
	case v.IsBool():
		if v.Bool() {
			return 1, nil
		}
		return 0, nil
	case v.IsInteger():
		return int64(v.Integer()), nil
	case v.IsFloat():
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e18 {
			return 0, fmt.Errorf("%%%c format: %v is not a whole number in range", verb, f)
		}
		if f != math.Trunc(f) && verb != 'd' && verb != 'i' && verb != 'u' {
			return 0, fmt.Errorf("%%%c format: an integer is required, not float", verb)
		}
		return int64(f), nil
	}
	return 0, fmt.Errorf("%%%c format: a number is required, not %s", verb, kind(v))
}

func kind(v *exec.Value) string {
	switch {
	case v.IsNil():
		return "none"
	case v.IsString():
		return "string"
	case v.IsList():
		return "list"
	case v.IsDict():
		return "dict"
	}
	return "value"
}

// formatFilter is Jinja's format filter: "%s, %s" | format(a, b).
func formatFilter(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(p.KwArgs) > 0 {
		return errValue(fmt.Errorf("format takes no keyword arguments"))
	}
	s, err := printf(in.String(), p.Args)
	if err != nil {
		return errValue(err)
	}
	return exec.AsValue(s)
}

// formatOperator is `text % value`: a list (a tuple in Jinja) gives the arguments, anything
// else is the one argument.
func formatOperator(left, right *exec.Value) *exec.Value {
	args := []*exec.Value{right}
	if right.IsList() {
		args = args[:0]
		for i := 0; i < right.Len(); i++ {
			args = append(args, right.Index(i))
		}
	}
	s, err := printf(left.String(), args)
	if err != nil {
		return errValue(err)
	}
	return exec.AsValue(s)
}
