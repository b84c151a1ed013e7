// Package debug holds the debugging node family: logging values into the run's log,
// failing on purpose, assertions and inspecting a value's type and size.
package debug

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"polysynergy/shared/nodes"
)

const category = "Debug"

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return r.Register(logNode(), fail(), assert(), inspect())
}

func logNode() *nodes.Type {
	return &nodes.Type{
		ID: "debug.log", Category: category, Name: "Log", Icon: "scroll-text",
		Doc: "Writes a line to the run's log (shown in the editor's log panel and in the run's results) and " +
			"passes `value` on unchanged.\n\n**Inputs**\n\n" +
			"- `message` — the text to log; templates work (`got {{ fetch.status }}`). When empty, `value` is logged.\n" +
			"- `value` — any value to pass through (and to log when there is no message).\n" +
			"- `level` — info, warn or error.\n\n**Outputs**\n\n- `value` — the input value.\n\n" +
			"**Example**: message `user {{ route.params.id }} signed in`, level info.",
		Inputs: []nodes.Port{
			{Name: "message", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "The line to log."},
			{Name: "value", Type: nodes.Any, Doc: "A value to pass through."},
			{Name: "level", Type: nodes.String, Default: "info", Options: []string{"info", "warn", "error"}, Doc: "The log level."},
		},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The input value, unchanged."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			level := c.Str("level")
			switch level {
			case "":
				level = "info"
			case "info", "warn", "error":
			default:
				return nil, nodes.Errorf("level", "expected info, warn or error, got %q", level)
			}
			msg := c.Str("message")
			if msg == "" {
				msg = nodes.ToString(c.Get("value"))
			}
			if c.Host != nil {
				c.Host.Log(level, msg)
			}
			return nodes.Out{"value": c.Get("value")}, nil
		},
	}
}

func fail() *nodes.Type {
	return &nodes.Type{
		ID: "debug.fail", Category: category, Name: "Fail", Icon: "circle-x",
		Doc: "Fails with `message` — to try out error paths (`false_path`, on-error settings, retries) " +
			"without a real failure.\n\n**Inputs**\n\n- `message` — the error text.\n\n" +
			"**Outputs**: none; the node always fails, so only `false_path` goes on, carrying `{error: message, …}`.\n\n" +
			"**Example**: put it after an HTTP request's true path to see how the flow handles an outage.",
		Inputs: []nodes.Port{
			{Name: "message", Type: nodes.String, Default: "failed on purpose", Doc: "The error message."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			msg := c.Str("message")
			if strings.TrimSpace(msg) == "" {
				msg = "failed on purpose"
			}
			return nil, errors.New(msg)
		},
	}
}

func assert() *nodes.Type {
	return &nodes.Type{
		ID: "debug.assert", Category: category, Name: "Assert", Icon: "shield-check",
		Doc: "Checks that `condition` holds and fails with `message` when it does not; otherwise passes `value` on. " +
			"The condition is false for false, null, 0, \"\", \"false\", \"0\", \"no\", \"off\", empty lists and " +
			"empty objects.\n\n**Inputs**\n\n- `condition` — usually an expression: `{{ fetch.status == 200 }}`.\n" +
			"- `message` — the error when it fails.\n- `value` — passed through when it holds.\n\n" +
			"**Outputs**\n\n- `value` — the input value.\n\n" +
			"**Example**: condition `{{ len(route.json.items) > 0 }}`, message `no items`.",
		Inputs: []nodes.Port{
			{Name: "condition", Type: nodes.Any, Required: true, Doc: "What must be true."},
			{Name: "message", Type: nodes.String, Default: "assertion failed", Doc: "The error when the condition is false."},
			{Name: "value", Type: nodes.Any, Doc: "A value to pass through."},
		},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The input value, unchanged."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			if !c.Bool("condition") {
				msg := c.Str("message")
				if strings.TrimSpace(msg) == "" {
					msg = "assertion failed"
				}
				return nil, nodes.Errorf("condition", "%s (condition was %s)", msg, nodes.Describe(c.Get("condition")))
			}
			return nodes.Out{"value": c.Get("value")}, nil
		},
	}
}

func inspect() *nodes.Type {
	return &nodes.Type{
		ID: "debug.inspect", Category: category, Name: "Inspect", Icon: "search",
		Doc: "Describes a value: its type, its size and its JSON text, and passes it on.\n\n" +
			"**Inputs**\n\n- `value` — anything.\n\n**Outputs**\n\n" +
			"- `type_of` — null, string, number, boolean, list, object, bytes or datetime.\n" +
			"- `size` — characters of a string, elements of a list, keys of an object, bytes of bytes; 0 otherwise.\n" +
			"- `truthy` — whether conditions treat it as true.\n" +
			"- `json` — the value as indented JSON text.\n- `value` — the input value.\n\n" +
			"**Example**: `[1, 2, 3]` gives type_of `list`, size 3.",
		Inputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value to describe."}},
		Outputs: []nodes.Port{
			{Name: "type_of", Type: nodes.String, Doc: "The value's type."},
			{Name: "size", Type: nodes.Integer, Doc: "Length of a string, list, object or bytes."},
			{Name: "truthy", Type: nodes.Boolean, Doc: "The value's truth."},
			{Name: "json", Type: nodes.String, Doc: "The value as indented JSON."},
			{Name: "value", Type: nodes.Any, Doc: "The input value, unchanged."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			v := c.Get("value")
			b, err := json.MarshalIndent(nodes.Normalize(v), "", "  ")
			if err != nil {
				return nil, nodes.Errorf("value", "cannot be shown as JSON: %v", err)
			}
			return nodes.Out{"type_of": nodes.TypeName(v), "size": float64(size(v)), "truthy": nodes.Truthy(v),
				"json": string(b), "value": v}, nil
		},
	}
}

// size is the length of a string (in characters), list, object or byte slice.
func size(v any) int {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x)
	case []byte:
		return len(x)
	case map[string]any:
		return len(x)
	case nodes.Out:
		return len(x)
	}
	if l, ok := nodes.ToList(v); ok {
		return len(l)
	}
	return 0
}
