package logic

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

const numberNote = " Numeric text such as `\"12.5\"` counts as a number; anything else is an error naming the input."

func resultPort(doc string) []nodes.Port {
	return []nodes.Port{{Name: "result", Type: nodes.Number, Doc: doc}}
}

// finite rejects NaN and infinities, which JSON cannot carry, and gives −0 as 0 (JSON
// would write -0: 0 / −5, ceil(−0.5)).
func finite(v float64, port, what string) (nodes.Out, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, nodes.Errorf(port, "%s is not a finite number", what)
	}
	if v == 0 {
		v = 0
	}
	return nodes.Out{"result": v}, nil
}

// binary declares a node computing result from inputs a and b.
func binary(id, name, icon, doc string, f func(a, b float64) (float64, error)) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: mathCategory, Name: name, Icon: icon,
		Doc: doc + numberNote + "\n\n**Outputs**: `result`.",
		Inputs: []nodes.Port{
			{Name: "a", Type: nodes.Number, Required: true, Doc: "The first operand."},
			{Name: "b", Type: nodes.Number, Required: true, Doc: "The second operand."},
		},
		Outputs: resultPort("The result."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			a, err := c.Float("a")
			if err != nil {
				return nil, err
			}
			b, err := c.Float("b")
			if err != nil {
				return nil, err
			}
			r, err := f(a, b)
			if err != nil {
				return nil, err
			}
			return finite(r, "b", "the result")
		},
	}
}

// unary declares a node computing result from input value.
func unary(id, name, icon, doc string, f func(x float64) float64) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: mathCategory, Name: name, Icon: icon,
		Doc:     doc + numberNote + "\n\n**Outputs**: `result`.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Number, Required: true, Doc: "The number."}},
		Outputs: resultPort("The result."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			x, err := c.Float("value")
			if err != nil {
				return nil, err
			}
			return finite(f(x), "value", "the result")
		},
	}
}

// aggregate declares a node over the numbers of a values list.
func aggregate(id, name, icon, doc string, allowEmpty bool, f func(xs []float64) float64) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: mathCategory, Name: name, Icon: icon,
		Doc: doc + " Connect several outputs to `values` or give a list (lists are flattened one level); null " +
			"elements are skipped." + numberNote + "\n\n**Outputs**: `result`.",
		Inputs:  []nodes.Port{{Name: "values", Type: nodes.List, Multi: true, Doc: "The numbers."}},
		Outputs: resultPort("The result."),
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			xs, err := numbers(c.Get("values"))
			if err != nil {
				return nil, err
			}
			if len(xs) == 0 && !allowEmpty {
				return nil, nodes.Errorf("values", "no numbers to take the %s of", strings.ToLower(name))
			}
			return finite(f(xs), "values", "the result")
		},
	}
}

// numbers reads a values list, skipping nulls.
func numbers(v any) ([]float64, error) {
	var out []float64
	for i, e := range flatten(v) {
		if e == nil {
			continue
		}
		f, ok := number(e)
		if !ok {
			return nil, nodes.Errorf("values", "element %d: expected a number, got %s", i+1, nodes.Describe(e))
		}
		out = append(out, f)
	}
	return out, nil
}

func mathTypes() []*nodes.Type {
	return []*nodes.Type{
		binary("math.add", "Add", "plus", "Adds `b` to `a`. **Example**: 2 + 3.5 → 5.5.",
			func(a, b float64) (float64, error) { return a + b, nil }),
		binary("math.subtract", "Subtract", "minus", "Subtracts `b` from `a`. **Example**: 10 − 4 → 6.",
			func(a, b float64) (float64, error) { return a - b, nil }),
		binary("math.multiply", "Multiply", "x", "Multiplies `a` by `b`. **Example**: 4 × 2.5 → 10.",
			func(a, b float64) (float64, error) { return a * b, nil }),
		binary("math.divide", "Divide", "divide", "Divides `a` by `b`; dividing by zero is an error. **Example**: 7 / 2 → 3.5.",
			func(a, b float64) (float64, error) {
				if b == 0 {
					return 0, nodes.Errorf("b", "division by zero")
				}
				return a / b, nil
			}),
		binary("math.modulo", "Modulo", "percent", "The remainder of `a` divided by `b`, with the sign of `b` "+
			"(floored, as in Python, Jinja and spreadsheets' MOD): −7 mod 3 → 2, 7 mod −3 → −2. Note that `%` and "+
			"`mod()` in `{{ }}` expressions truncate instead, as JavaScript (and n8n) do: `{{ -7 % 3 }}` is −1. "+
			"A zero `b` is an error. **Example**: 17 mod 5 → 2.",
			func(a, b float64) (float64, error) {
				if b == 0 {
					return 0, nodes.Errorf("b", "modulo by zero")
				}
				r := math.Mod(a, b)
				if r != 0 && (r < 0) != (b < 0) {
					r += b
				}
				if r == 0 {
					r = 0 // not −0 (−6 mod 3)
				}
				return r, nil
			}),
		binary("math.power", "Power", "superscript", "Raises `a` to the power `b`. A result that is not a real "+
			"number (e.g. a negative number to a fractional power) or too large is an error. **Example**: 2 ^ 10 → 1024.",
			func(a, b float64) (float64, error) { return math.Pow(a, b), nil }),
		unary("math.abs", "Absolute value", "move-horizontal", "The value without its sign. **Example**: −4.2 → 4.2.", math.Abs),
		{
			ID: "math.round", Category: mathCategory, Name: "Round", Icon: "circle-dot",
			Doc: "Rounds `value` to `digits` decimals (negative digits round to tens, hundreds, …). Halves round " +
				"away from zero, on the decimal value as written: 2.5 → 3, −2.5 → −3, 2.675 (2 digits) → 2.68." +
				numberNote + "\n\n**Outputs**: `result`.\n\n**Example**: 3.14159 with digits 2 → 3.14.",
			Inputs: []nodes.Port{
				{Name: "value", Type: nodes.Number, Required: true, Doc: "The number."},
				{Name: "digits", Type: nodes.Integer, Min: nodes.Bound(-15), Max: nodes.Bound(15), Default: 0.0, Doc: "Decimals to keep (-15 to 15)."},
			},
			Outputs: resultPort("The rounded number."),
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				x, err := c.Float("value")
				if err != nil {
					return nil, err
				}
				d, err := c.IntOr("digits", 0)
				if err != nil {
					return nil, err
				}
				return finite(Round(x, d), "value", "the result")
			},
		},
		unary("math.floor", "Floor", "arrow-down-to-line", "Rounds down to a whole number. **Example**: −2.5 → −3, 2.9 → 2.", math.Floor),
		unary("math.ceil", "Ceiling", "arrow-up-to-line", "Rounds up to a whole number. **Example**: 2.1 → 3, −2.9 → −2.", math.Ceil),
		aggregate("math.min", "Minimum", "arrow-down-narrow-wide", "The smallest of `values`; an empty list is an error. "+
			"**Example**: [4, \"2\", 9] → 2.", false, func(xs []float64) float64 {
			m := xs[0]
			for _, x := range xs[1:] {
				m = math.Min(m, x)
			}
			return m
		}),
		aggregate("math.max", "Maximum", "arrow-up-wide-narrow", "The largest of `values`; an empty list is an error. "+
			"**Example**: [4, \"2\", 9] → 9.", false, func(xs []float64) float64 {
			m := xs[0]
			for _, x := range xs[1:] {
				m = math.Max(m, x)
			}
			return m
		}),
		aggregate("math.sum", "Sum", "sigma", "The total of `values`; an empty list sums to 0. **Example**: [1, 2.5, \"3\"] → 6.5.",
			true, sum),
		aggregate("math.average", "Average", "chart-no-axes-column", "The arithmetic mean of `values`; an empty list is "+
			"an error. **Example**: [2, 4, 9] → 5.", false, func(xs []float64) float64 { return sum(xs) / float64(len(xs)) }),
		{
			ID: "math.random", Category: mathCategory, Name: "Random number", Icon: "dices",
			Doc: "A random number between `min` and `max`: with `integer` a whole number from min to max inclusive, " +
				"otherwise a decimal number from min up to (not including) max. Not for secrets (use a crypto node)." +
				numberNote + "\n\n**Outputs**: `result`.\n\n**Example**: min 1, max 6, integer → a die roll.",
			Inputs: []nodes.Port{
				{Name: "min", Type: nodes.Number, Default: 0.0, Doc: "Lowest value."},
				{Name: "max", Type: nodes.Number, Default: 1.0, Doc: "Highest value."},
				{Name: "integer", Type: nodes.Boolean, Default: false, Doc: "Draw a whole number (max inclusive)."},
			},
			Outputs: resultPort("The random number."),
			Run:     runRandom,
		},
		{
			ID: "math.clamp", Category: mathCategory, Name: "Clamp", Icon: "fold-horizontal",
			Doc: "Limits `value` to the range `min`–`max`: below min gives min, above max gives max." + numberNote +
				"\n\n**Outputs**: `result`.\n\n**Example**: value 120, min 0, max 100 → 100.",
			Inputs: []nodes.Port{
				{Name: "value", Type: nodes.Number, Required: true, Doc: "The number."},
				{Name: "min", Type: nodes.Number, Required: true, Doc: "Lowest allowed value."},
				{Name: "max", Type: nodes.Number, Required: true, Doc: "Highest allowed value."},
			},
			Outputs: resultPort("The clamped number."),
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				x, err := c.Float("value")
				if err != nil {
					return nil, err
				}
				lo, err := c.Float("min")
				if err != nil {
					return nil, err
				}
				hi, err := c.Float("max")
				if err != nil {
					return nil, err
				}
				if lo > hi {
					return nil, nodes.Errorf("min", "min (%v) is larger than max (%v)", lo, hi)
				}
				return finite(math.Min(math.Max(x, lo), hi), "value", "the result")
			},
		},
		{
			ID: "math.expression", Category: mathCategory, Name: "Math expression", Icon: "square-function",
			Doc: "Evaluates an arithmetic `expression` over the `variables` rows, e.g. `price * qty * (1 + vat)`. " +
				"Operators `+ - * / % **`, parentheses, comparisons and `? :`, plus functions such as `abs`, " +
				"`ceil`, `floor`, `round`, `max`, `min`, `pow` and `sqrt`. Variables holding numeric text count as " +
				"numbers. A name no row sets is an error naming it and the variables there are (`unknown variable " +
				"\"prce\": the variables are price, qty`), not null. The result must be a number.\n\n**Outputs**: `result`.\n\n" +
				"**Example**: expression `round(price * qty * (1 + vat))` with rows price 9.99, qty 3, vat 0.21 → 36.",
			Inputs: []nodes.Port{
				{Name: "expression", Type: nodes.String, Required: true, Literal: true, Editor: nodes.EditCode,
					Check: nodes.CheckExpression, Doc: "The expression (expr-lang syntax)."},
				{Name: "variables", Type: nodes.List, Dynamic: true, Doc: "Rows of {key, value}: the variables."},
			},
			Outputs: resultPort("The value of the expression."),
			Run:     runExpression,
		},
	}
}

func sum(xs []float64) float64 {
	// Kahan summation keeps long sums of decimals accurate.
	var s, comp float64
	for _, x := range xs {
		y := x - comp
		t := s + y
		comp = (t - s) - y
		s = t
	}
	return s
}

// Round rounds x to digits decimals, halves away from zero, working on the shortest
// decimal representation of x (so 2.675 rounds to 2.68, as written).
func Round(x float64, digits int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	neg := x < 0
	// shortest decimal digits and exponent: x = 0.d1d2d3… × 10^point
	s := strconv.FormatFloat(math.Abs(x), 'e', -1, 64)
	mant, expPart, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expPart)
	ds := strings.Replace(mant, ".", "", 1)
	point := exp + 1
	keep := point + digits // digits of ds that survive
	if keep >= len(ds) {
		return x
	}
	var n string
	switch {
	case keep < 0:
		return 0
	case keep == 0:
		n = "0"
	default:
		n = ds[:keep]
	}
	if ds[keep] >= '5' {
		n = increment(n)
	}
	r, err := strconv.ParseFloat(n+"e"+strconv.Itoa(point-keep), 64)
	if err != nil {
		return x
	}
	if neg && r != 0 {
		r = -r
	}
	return r
}

// increment adds one to a string of decimal digits.
func increment(d string) string {
	b := []byte(d)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

func runRandom(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	lo, err := c.Float("min")
	if err != nil {
		return nil, err
	}
	hi, err := c.Float("max")
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, nodes.Errorf("max", "max (%v) is smaller than min (%v)", hi, lo)
	}
	if c.Bool("integer") {
		a, b := math.Ceil(lo), math.Floor(hi)
		if a > b {
			return nil, nodes.Errorf("max", "there is no whole number between %v and %v", lo, hi)
		}
		if b-a >= 1<<53 {
			return nil, nodes.Errorf("max", "the range %v to %v is too wide for whole numbers", lo, hi)
		}
		return nodes.Out{"result": a + float64(rand.Int64N(int64(b-a)+1))}, nil
	}
	return finite(lo+rand.Float64()*(hi-lo), "max", "the range")
}

func runExpression(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	prog, err := expr.Bare(c.Str("expression"))
	if err != nil {
		return nil, nodes.Errorf("expression", "%v", err)
	}
	env := map[string]any{}
	if c.Has("variables") {
		vars, ok := c.Get("variables").(map[string]any)
		if !ok {
			return nil, nodes.Errorf("variables", "expected rows of {key, value}, got %s", nodes.Describe(c.Get("variables")))
		}
		for k, v := range vars {
			if s, ok := v.(string); ok {
				if f, ok := nodes.ToFloat(s); ok {
					v = f
				}
			}
			env[k] = v
		}
	}
	if err := knownVariables(prog, env); err != nil {
		return nil, err
	}
	v, err := prog.Run(env)
	if err != nil {
		return nil, nodes.Errorf("expression", "%v", err)
	}
	if !nodes.IsNumber(v) {
		return nil, nodes.Errorf("expression", "evaluated to %s, not a number", nodes.Describe(v))
	}
	f, _ := nodes.ToFloat(v)
	return finite(f, "expression", fmt.Sprintf("the value %v", f))
}

// knownVariables refuses an expression that reads a name no variables row sets (a typo such
// as `prce` read as null), naming it and the variables there are.
func knownVariables(prog *expr.Program, env map[string]any) error {
	var unknown []string
	for _, r := range prog.Refs() {
		if _, ok := env[r]; !ok {
			unknown = append(unknown, strconv.Quote(r))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	what := "unknown variable " + unknown[0]
	if len(unknown) > 1 {
		what = "unknown variables " + strings.Join(unknown, ", ")
	}
	if len(env) == 0 {
		return nodes.Errorf("expression", "%s: there are no variables (add a row to variables for each name)", what)
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	return nodes.Errorf("expression", "%s: the variables are %s (a row in variables sets each)", what, strings.Join(names, ", "))
}
