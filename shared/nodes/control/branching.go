package control

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

func branching() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "control.if_else", Category: category, Name: "If / else", Icon: "git-branch",
			Doc: "Takes `true_path` when `condition` is truthy and `false_path` otherwise, passing `value` on. " +
				"Write the condition as an expression, e.g. `{{ order.total > 100 }}`. Falsy: false, null, 0, \"\", " +
				"\"false\", \"0\", \"no\", \"off\", empty lists and objects.",
			Inputs: []nodes.Port{
				{Name: "condition", Type: nodes.Any, Required: true, Doc: "The condition to test."},
				{Name: "value", Type: nodes.Any, Doc: "Passed on down the taken path (defaults to the condition)."},
			},
			Outputs: []nodes.Port{
				{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the condition holds."},
				{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it does not."},
				{Name: "value", Type: nodes.Any},
				{Name: "result", Type: nodes.Boolean, Doc: "The condition's truth."},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				v := c.Get("value")
				if !c.Has("value") {
					v = c.Get("condition")
				}
				ok := nodes.Truthy(c.Get("condition"))
				out := nodes.Out{"value": v, "result": ok}
				if ok {
					out[nodes.PortTruePath] = v
				} else {
					out[nodes.PortFalsePath] = v
				}
				return out, nil
			},
		},
		router("control.switch", "Switch", "list",
			"Compares `value` with each case's value in order; the first equal case's output is live. Equal means "+
				"what Compare's `eq` means: numbers and numeric text by value (`\"3.0\"`, `\"3\"` and `3` are one case), "+
				"dates (RFC 3339 or YYYY-MM-DD) as instants, a boolean only a boolean (`true` is not `\"true\"`), other "+
				"text exactly (case-sensitive), lists and objects element by element. No match takes `default`.", "",
			func(c *nodes.Call, want, got any) (bool, any, error) { return nodes.Equal(want, got), got, nil }),
		router("router.regex", "Regex router", "code",
			"Tests `value` (as text) against each case's regular expression (RE2 syntax). A matching case's output "+
				"carries `{value, match, groups}` where groups holds the named and numbered submatches.", nodes.CheckRegexp,
			func(c *nodes.Call, want, got any) (bool, any, error) {
				re, err := nodes.CompileRegexp(nodes.ToString(want))
				if err != nil {
					return false, nil, nodes.Errorf("cases", "pattern %q: %v", want, err)
				}
				s := nodes.ToString(got)
				m := re.FindStringSubmatch(s)
				if m == nil {
					return false, nil, nil
				}
				groups := map[string]any{}
				for i, name := range re.SubexpNames() {
					if i == 0 {
						continue
					}
					groups[fmt.Sprint(i)] = m[i]
					if name != "" {
						groups[name] = m[i]
					}
				}
				return true, map[string]any{"value": got, "match": m[0], "groups": groups}, nil
			}),
		router("router.exact", "Exact value router", "equal",
			"Routes on an exact, case-sensitive match of `value` (as text) with each case's value — for "+
				"status codes, commands, event names.", nodes.CheckText,
			func(c *nodes.Call, want, got any) (bool, any, error) {
				return nodes.ToString(want) == nodes.ToString(got), got, nil
			}),
		router("router.range", "Numeric range router", "sliders",
			"Routes on which numeric range `value` falls in. Write each case as `min..max` (inclusive; either side "+
				"may be left open, e.g. `..10` or `100..`).", nodes.CheckRange,
			func(c *nodes.Call, want, got any) (bool, any, error) {
				x, ok := nodes.ToFloat(got)
				if !ok {
					return false, nil, nodes.Errorf("value", "expected a number, got %s", nodes.Describe(got))
				}
				lo, hi, err := nodes.ParseRange(nodes.ToString(want))
				if err != nil {
					return false, nil, nodes.Errorf("cases", "%v", err)
				}
				return (lo == nil || x >= *lo) && (hi == nil || x <= *hi), got, nil
			}),
		router("router.type", "Type router", "type",
			"Routes on the type of `value`: each case names one of string, number, boolean, object, list, null, "+
				"datetime, bytes.", nodes.CheckValueType,
			func(c *nodes.Call, want, got any) (bool, any, error) {
				w, err := nodes.ValueType(nodes.ToString(want))
				if err != nil {
					return false, nil, nodes.Errorf("cases", "%v", err)
				}
				return nodes.TypeName(got) == w, got, nil
			}),
		router("router.path", "Property path router", "key",
			"Routes on which property path exists in `value` (an object): each case is a dotted path such as "+
				"`payment.card.last4`; the first path present (and not null) wins and its output carries that property.", nodes.CheckText,
			func(c *nodes.Call, want, got any) (bool, any, error) {
				v, ok := Lookup(got, nodes.ToString(want))
				return ok && v != nil, v, nil
			}),
		router("router.membership", "List membership router", "list-checks",
			"Routes on which list contains `value`: each case's value is a list (or a comma-separated string). "+
				"Elements are compared as Compare's `eq` compares (`\"3.0\"` is in `[3]`).", "",
			func(c *nodes.Call, want, got any) (bool, any, error) {
				list, ok := nodes.ToList(want)
				if !ok {
					for _, p := range strings.Split(nodes.ToString(want), ",") {
						list = append(list, strings.TrimSpace(p))
					}
				}
				for _, e := range list {
					if nodes.Equal(e, got) {
						return true, got, nil
					}
				}
				return false, nil, nil
			}),
		timeRouter(),
	}
}

// Lookup follows a dotted path (with [n] list indexes) through objects and lists.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	cur := v
	for _, seg := range splitPath(path) {
		switch x := cur.(type) {
		case map[string]any:
			e, ok := x[seg]
			if !ok {
				return nil, false
			}
			cur = e
		case nodes.Out:
			e, ok := x[seg]
			if !ok {
				return nil, false
			}
			cur = e
		case []any:
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || fmt.Sprint(i) != seg {
				return nil, false
			}
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func splitPath(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	var out []string
	for _, p := range strings.Split(path, ".") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

type matcher func(c *nodes.Call, want, got any) (bool, any, error)

// router declares a node with a value, case rows (dynamic outputs) and a default output.
// check names the nodes.ValueCheck every case value must pass and that tells which cases
// are alike ("" compares them with nodes.Equal); match applies the same rules at run time.
func router(id, name, icon, doc, check string, match matcher) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: category, Name: name, Icon: icon,
		Doc: doc + " Add one row per case in `cases`: its key names the output, its value is what to match. " +
			"With `mode` first (default) only the first matching case is live; with all, every matching case is.",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "What to route on."},
			{Name: "cases", Type: nodes.List, Dynamic: true, Check: check, Distinct: true,
				Doc: "Rows of {key, value}: output name and what to match. With mode first, no two cases may be alike."},
			{Name: "mode", Type: nodes.String, Default: "first", Options: []string{"first", "all"}, Doc: "First match only, or every match."},
		},
		Outputs: []nodes.Port{
			{Name: "cases", Type: nodes.Any, Dynamic: true, Branch: true, Doc: "One output per case."},
			{Name: "default", Type: nodes.Any, Branch: true, Doc: "Live when no case matches."},
			{Name: "matched", Type: nodes.List, Doc: "The keys of the matching cases."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return route(c, match)
		},
	}
}

// caseRows returns the case keys in the order the rows were written, with their values.
func caseRows(c *nodes.Call) ([]string, map[string]any) {
	vals, _ := c.Get("cases").(map[string]any)
	var keys []string
	rows, _ := c.Values["cases"].([]any)
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok {
			if k, ok := m["key"].(string); ok && k != "" {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 && vals != nil {
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	return keys, vals
}

// checkCaseRows refuses case rows the engine would drop without a word, so a misconfigured
// router does not quietly take default: a row that is not {key, value} (a list of plain
// values), or a row with a value but no key to name its output.
func checkCaseRows(c *nodes.Call) error {
	rows, _ := c.Values["cases"].([]any)
	for i, r := range rows {
		m, ok := r.(map[string]any)
		if !ok {
			return nodes.Errorf("cases", "row %d is %s, not a {key, value} row (the key names the case's output)", i+1, nodes.Describe(r))
		}
		if k, _ := m["key"].(string); k == "" && m["value"] != nil && m["value"] != "" {
			return nodes.Errorf("cases", "row %d (value %s) has no key to name its output", i+1, nodes.Describe(m["value"]))
		}
	}
	return nil
}

func route(c *nodes.Call, match matcher) (nodes.Out, error) {
	if err := checkCaseRows(c); err != nil {
		return nil, err
	}
	keys, vals := caseRows(c)
	all := c.Str("mode") == "all"
	got := c.Get("value")
	out := nodes.Out{}
	matched := []any{}
	for _, k := range keys {
		ok, carry, err := match(c, vals[k], got)
		if err != nil {
			return nil, err
		}
		if ok {
			out["cases."+k] = carry
			matched = append(matched, k)
			if !all {
				break
			}
		}
	}
	if len(matched) == 0 {
		out["default"] = got
	}
	out["matched"] = matched
	return out, nil
}

func timeRouter() *nodes.Type {
	t := router("router.time", "Time of day router", "clock",
		"Routes on the time of day of `value` (a date; empty means now) in `timezone`. Each case is a window "+
			"`HH:MM-HH:MM` (a window may pass midnight, e.g. `22:00-06:00`; `24:00` ends one at midnight, so "+
			"`00:00-24:00` is the whole day), optionally prefixed with days such as "+
			"`mon-fri 09:00-17:00` or `sat,sun 10:00-14:00`.", nodes.CheckTimeWindow,
		nil)
	t.Inputs = append(t.Inputs, nodes.Port{Name: "timezone", Type: nodes.String, Default: "UTC", Check: nodes.CheckTimeZone, Doc: "IANA time zone, e.g. Europe/Amsterdam."})
	t.Run = func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
		loc, err := expr.LoadZone(c.Str("timezone"))
		if err != nil {
			return nil, nodes.Errorf("timezone", "%v", err)
		}
		at := time.Now()
		if c.Has("value") && c.Str("value") != "" {
			at, err = expr.ToTime(c.Get("value"))
			if err != nil {
				return nil, nodes.Errorf("value", "%v", err)
			}
		}
		local := at.In(loc)
		return route(c, func(_ *nodes.Call, want, _ any) (bool, any, error) {
			w, err := nodes.ParseTimeWindow(nodes.ToString(want))
			if err != nil {
				return false, nil, nodes.Errorf("cases", "%v", err)
			}
			return w.Contains(local), local.Format(time.RFC3339), nil
		})
	}
	return t
}
