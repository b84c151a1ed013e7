package data

import (
	"context"
	"sort"
	"strings"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/data/path"
)

// pathDoc explains the path syntax in port docs.
const pathDoc = "Dotted path with [n] list indexes (negative counts from the end) and [\"quoted\"] keys, " +
	"e.g. `order.items[0].sku`."

func objectTypes() []*nodes.Type {
	return []*nodes.Type{
		buildObject(), getType(), setType(), deletePathType(), mergeType(),
		pickType(), omitType(), keysType(), valuesType(), entriesType(), fromEntriesType(),
		renameKeysType(), hasType(), isEmptyType(), flattenObjectType(), unflattenObjectType(),
	}
}

// asMap accepts objects and node outputs.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case nodes.Out:
		return map[string]any(m), true
	}
	return nil, false
}

// sortedKeys lists an object's keys in byte order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rowKeys returns the keys of a dynamic dict port in the order its rows were written,
// followed by any other keys of the resolved object in byte order.
func rowKeys(c *nodes.Call, port string, vals map[string]any) []string {
	var keys []string
	seen := map[string]bool{}
	rows, _ := c.Values[port].([]any)
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok {
			if k, ok := m["key"].(string); ok && k != "" && !seen[k] {
				if _, present := vals[k]; present {
					keys = append(keys, k)
					seen[k] = true
				}
			}
		}
	}
	for _, k := range sortedKeys(vals) {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

func buildObject() *nodes.Type {
	return &nodes.Type{
		ID: "data.build_object", Category: catData, Name: "Build object", Icon: "braces",
		Doc: "Builds an object from rows of `fields`: each row has a key, a type and a value (a literal, a " +
			"`{{ expression }}`, or a connection to the row's sub-port). The result is on `object`, and each " +
			"field's value is also on its own sub-port `fields.<key>` so later nodes can connect to one field.\n\n" +
			"Start from `base` to add or replace fields of an existing object. With `nested` on, keys are paths: " +
			"`customer.name` builds `{\"customer\": {\"name\": …}}`.\n\n" +
			"Example: rows `id = {{ trigger.body.id }}`, `status = \"new\"` → `{\"id\": 42, \"status\": \"new\"}`.",
		Inputs: []nodes.Port{
			{Name: "fields", Type: nodes.Object, Dynamic: true, Doc: "Rows of {key, type, value}: the object's fields."},
			{Name: "base", Type: nodes.Object, Doc: "An object to start from (not changed); fields are added over it."},
			{Name: "nested", Type: nodes.Boolean, Default: false, Doc: "Read keys as paths and build nested objects."},
		},
		Outputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Doc: "The built object."},
			{Name: "fields", Type: nodes.Any, Dynamic: true, Doc: "One sub-port per field carrying its value."},
			{Name: "keys", Type: nodes.List, Doc: "The field keys in row order."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			var vals map[string]any
			if c.Get("fields") != nil {
				m, ok := asMap(c.Get("fields"))
				if !ok {
					return nil, nodes.Errorf("fields", "expected rows of {key, value}, got %s", nodes.Describe(c.Get("fields")))
				}
				vals = m
			}
			var obj any = map[string]any{}
			if c.Has("base") {
				base, err := c.Map("base")
				if err != nil {
					return nil, err
				}
				obj = nodes.Clone(base)
			}
			nested := c.Bool("nested")
			out := nodes.Out{}
			keys := []any{}
			for _, k := range rowKeys(c, "fields", vals) {
				v := nodes.Clone(vals[k])
				if nested {
					p, err := path.Parse(k)
					if err != nil {
						return nil, nodes.Errorf("fields", "key %q: %v", k, err)
					}
					if obj, err = path.Set(obj, p, v); err != nil {
						return nil, nodes.Errorf("fields", "key %q: %v", k, err)
					}
				} else {
					obj.(map[string]any)[k] = v
				}
				out["fields."+k] = nodes.Clone(v)
				keys = append(keys, k)
			}
			out["object"] = obj
			out["keys"] = keys
			return out, nil
		},
	}
}

func getType() *nodes.Type {
	return &nodes.Type{
		ID: "data.get", Category: catData, Name: "Get value", Icon: "search",
		Doc: "Reads the value at `path` inside `value` (an object or list). When the path is missing or holds " +
			"null, `value` is `default` and `found` is false.\n\n" + "Paths: " + pathDoc + " An empty path returns " +
			"the whole value; a bare number such as `items.0` also indexes a list.\n\n" +
			"Example: value `{\"user\": {\"tags\": [\"a\", \"b\"]}}`, path `user.tags[-1]` → `\"b\"`.",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Required: true, Doc: "The object or list to read from."},
			{Name: "path", Type: nodes.String, Doc: pathDoc},
			{Name: "default", Type: nodes.Any, Doc: "Returned when the path is missing or null."},
		},
		Outputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Doc: "The value found, or the default."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether the path exists and is not null."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			v, ok := path.Get(c.Get("value"), p)
			if !ok || v == nil {
				return nodes.Out{"value": nodes.Clone(c.Get("default")), "found": false}, nil
			}
			return nodes.Out{"value": nodes.Clone(v), "found": true}, nil
		},
	}
}

func requiredPath(c *nodes.Call) (path.Path, error) {
	p, err := parsePath(c, "path")
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, nodes.Errorf("path", "is empty")
	}
	return p, nil
}

func setType() *nodes.Type {
	return &nodes.Type{
		ID: "data.set", Category: catData, Name: "Set value", Icon: "pencil",
		Doc: "Returns a copy of `object` with `value` written at `path`; the input is never changed. Missing " +
			"objects along the path are created (a missing step followed by `[n]` creates a list); writing at " +
			"index = length appends, further indexes pad with nulls. Writing through a text or number is an error.\n\n" +
			"Example: object `{\"a\": 1}`, path `b.c`, value `2` → `{\"a\": 1, \"b\": {\"c\": 2}}`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Any, Doc: "The object or list to copy (empty means a new object)."},
			{Name: "path", Type: nodes.String, Required: true, Doc: pathDoc},
			{Name: "value", Type: nodes.Any, Doc: "The value to write."},
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Any, Doc: "The changed copy."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			p, err := requiredPath(c)
			if err != nil {
				return nil, err
			}
			root := nodes.Clone(c.Get("object"))
			if root == "" {
				root = nil
			}
			out, err := path.Set(root, p, nodes.Clone(c.Get("value")))
			if err != nil {
				return nil, nodes.Errorf("path", "%v", err)
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func deletePathType() *nodes.Type {
	return &nodes.Type{
		ID: "data.delete_path", Category: catData, Name: "Delete path", Icon: "eraser",
		Doc: "Returns a copy of `object` without the value at `path` (an object key, or a list element — " +
			"later elements move up). A missing path leaves the copy unchanged and `deleted` false.\n\n" +
			"Example: object `{\"user\": {\"name\": \"Ann\", \"password\": \"x\"}}`, path `user.password` → " +
			"`{\"user\": {\"name\": \"Ann\"}}`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Any, Required: true, Doc: "The object or list to copy."},
			{Name: "path", Type: nodes.String, Required: true, Doc: pathDoc},
		},
		Outputs: []nodes.Port{
			{Name: "object", Type: nodes.Any, Doc: "The copy without the path."},
			{Name: "deleted", Type: nodes.Boolean, Doc: "Whether something was removed."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			p, err := requiredPath(c)
			if err != nil {
				return nil, err
			}
			out, removed := path.Delete(nodes.Clone(c.Get("object")), p)
			return nodes.Out{"object": out, "deleted": removed}, nil
		},
	}
}

func mergeType() *nodes.Type {
	return &nodes.Type{
		ID: "data.merge", Category: catData, Name: "Merge objects", Icon: "combine",
		Doc: "Merges the objects in `objects` from first to last; later values win. Connect several nodes to " +
			"`objects` or give one list of objects (nested lists of objects are read in order; nulls are skipped).\n\n" +
			"- `deep` (default) merges nested objects key by key; `shallow` replaces top-level keys whole.\n" +
			"- `lists`: `replace` (default) lets a later list replace an earlier one; `concat` appends them (deep only).\n\n" +
			"Example: `{\"a\": {\"x\": 1}}` + `{\"a\": {\"y\": 2}}` → deep `{\"a\": {\"x\": 1, \"y\": 2}}`, shallow `{\"a\": {\"y\": 2}}`.",
		Inputs: []nodes.Port{
			{Name: "objects", Type: nodes.List, Multi: true, Required: true, Doc: "The objects to merge, first to last."},
			{Name: "mode", Type: nodes.String, Default: "deep", Options: []string{"deep", "shallow"}, Doc: "Deep or shallow merge."},
			{Name: "lists", Type: nodes.String, Default: "replace", Options: []string{"replace", "concat"}, Doc: "How a deep merge combines two lists."},
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The merged object."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			mode, err := oneOf(c, "mode", "deep", "shallow")
			if err != nil {
				return nil, err
			}
			lists, err := oneOf(c, "lists", "replace", "concat")
			if err != nil {
				return nil, err
			}
			var objs []map[string]any
			if m, ok := asMap(c.Get("objects")); ok {
				objs = append(objs, m)
			} else {
				in, err := c.List("objects")
				if err != nil {
					return nil, err
				}
				for i, e := range in {
					if e == nil {
						continue
					}
					if m, ok := asMap(e); ok {
						objs = append(objs, m)
						continue
					}
					inner, ok := e.([]any)
					if !ok {
						return nil, itemError("objects", i, "expected an object, got %s", nodes.Describe(e))
					}
					for j, f := range inner {
						if f == nil {
							continue
						}
						m, ok := asMap(f)
						if !ok {
							return nil, itemError("objects", i, "element %d: expected an object, got %s", j, nodes.Describe(f))
						}
						objs = append(objs, m)
					}
				}
			}
			out := map[string]any{}
			for _, m := range objs {
				if mode == "shallow" {
					for k, v := range m {
						out[k] = nodes.Clone(v)
					}
					continue
				}
				deepMerge(out, m, lists == "concat")
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

// deepMerge merges src into dst (which the caller owns), cloning what it takes from src.
func deepMerge(dst, src map[string]any, concat bool) {
	for k, v := range src {
		if sm, ok := asMap(v); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				deepMerge(dm, sm, concat)
				continue
			}
		}
		if concat {
			if sl, ok := v.([]any); ok {
				if dl, ok := dst[k].([]any); ok {
					dst[k] = append(dl, nodes.Clone(sl).([]any)...)
					continue
				}
			}
		}
		dst[k] = nodes.Clone(v)
	}
}

func keysPort(doc string) nodes.Port {
	return nodes.Port{Name: "keys", Type: nodes.List, Required: true,
		Doc: doc + " A list, or one comma-separated text; each key may be a path such as `address.city`."}
}

func parsePaths(c *nodes.Call, port string) ([]path.Path, error) {
	keys, err := stringList(c, port)
	if err != nil {
		return nil, err
	}
	out := make([]path.Path, 0, len(keys))
	for _, k := range keys {
		p, err := path.Parse(k)
		if err != nil {
			return nil, nodes.Errorf(port, "%v", err)
		}
		if len(p) == 0 {
			return nil, nodes.Errorf(port, "a key is empty")
		}
		out = append(out, p)
	}
	return out, nil
}

func pickType() *nodes.Type {
	return &nodes.Type{
		ID: "data.pick", Category: catData, Name: "Pick keys", Icon: "list-filter",
		Doc: "Returns a new object with only the given `keys` of `object`. Keys may be paths: picking " +
			"`address.city` gives `{\"address\": {\"city\": …}}`. Missing keys are left out.\n\n" +
			"Example: object `{\"id\": 1, \"name\": \"Ann\", \"password\": \"x\"}`, keys `id, name` → `{\"id\": 1, \"name\": \"Ann\"}`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Required: true, Doc: "The object to pick from."},
			keysPort("The keys to keep."),
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "An object with only the picked keys."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			paths, err := parsePaths(c, "keys")
			if err != nil {
				return nil, err
			}
			var out any = map[string]any{}
			for _, p := range paths {
				v, ok := path.Get(obj, p)
				if !ok {
					continue
				}
				if out, err = path.Set(out, p, nodes.Clone(v)); err != nil {
					return nil, nodes.Errorf("keys", "%v", err)
				}
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func omitType() *nodes.Type {
	return &nodes.Type{
		ID: "data.omit", Category: catData, Name: "Omit keys", Icon: "eye-off",
		Doc: "Returns a copy of `object` without the given `keys` (paths allowed, e.g. `user.password`). " +
			"Missing keys are ignored.\n\nExample: object `{\"id\": 1, \"password\": \"x\"}`, keys `password` → `{\"id\": 1}`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Required: true, Doc: "The object to copy."},
			keysPort("The keys to remove."),
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The copy without those keys."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			paths, err := parsePaths(c, "keys")
			if err != nil {
				return nil, err
			}
			var out any = nodes.Clone(obj)
			for _, p := range paths {
				out, _ = path.Delete(out, p)
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func keysType() *nodes.Type {
	return &nodes.Type{
		ID: "data.keys", Category: catData, Name: "Object keys", Icon: "key",
		Doc:    "Lists the keys of `object` in alphabetical (byte) order.\n\nExample: `{\"b\": 1, \"a\": 2}` → `[\"a\", \"b\"]`.",
		Inputs: []nodes.Port{{Name: "object", Type: nodes.Object, Required: true, Doc: "The object."}},
		Outputs: []nodes.Port{
			{Name: "keys", Type: nodes.List, Doc: "The keys, sorted."},
			{Name: "count", Type: nodes.Integer, Doc: "How many keys."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			keys := []any{}
			for _, k := range sortedKeys(obj) {
				keys = append(keys, k)
			}
			return nodes.Out{"keys": keys, "count": num(len(keys))}, nil
		},
	}
}

func valuesType() *nodes.Type {
	return &nodes.Type{
		ID: "data.values", Category: catData, Name: "Object values", Icon: "list",
		Doc:     "Lists the values of `object`, ordered by their keys.\n\nExample: `{\"b\": 1, \"a\": 2}` → `[2, 1]`.",
		Inputs:  []nodes.Port{{Name: "object", Type: nodes.Object, Required: true, Doc: "The object."}},
		Outputs: []nodes.Port{{Name: "values", Type: nodes.List, Doc: "The values in key order."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			vals := []any{}
			for _, k := range sortedKeys(obj) {
				vals = append(vals, nodes.Clone(obj[k]))
			}
			return nodes.Out{"values": vals}, nil
		},
	}
}

func entriesType() *nodes.Type {
	return &nodes.Type{
		ID: "data.entries", Category: catData, Name: "Object entries", Icon: "list-tree",
		Doc: "Turns `object` into a list of `{key, value}` objects, ordered by key — handy for looping over " +
			"an object.\n\nExample: `{\"b\": 1, \"a\": 2}` → `[{\"key\": \"a\", \"value\": 2}, {\"key\": \"b\", \"value\": 1}]`.",
		Inputs:  []nodes.Port{{Name: "object", Type: nodes.Object, Required: true, Doc: "The object."}},
		Outputs: []nodes.Port{{Name: "entries", Type: nodes.List, Doc: "The {key, value} entries."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			entries := []any{}
			for _, k := range sortedKeys(obj) {
				entries = append(entries, map[string]any{"key": k, "value": nodes.Clone(obj[k])})
			}
			return nodes.Out{"entries": entries}, nil
		},
	}
}

func fromEntriesType() *nodes.Type {
	return &nodes.Type{
		ID: "data.from_entries", Category: catData, Name: "Object from entries", Icon: "list-plus",
		Doc: "Builds an object from a list of entries: objects with a key field and a value field (`key` and " +
			"`value` by default), or two-element lists `[key, value]`. Later entries win on repeated keys.\n\n" +
			"Example: `[{\"key\": \"a\", \"value\": 1}, [\"b\", 2]]` → `{\"a\": 1, \"b\": 2}`.",
		Inputs: []nodes.Port{
			{Name: "entries", Type: nodes.List, Required: true, Doc: "The entries."},
			{Name: "key_field", Type: nodes.String, Default: "key", Doc: "The field holding each entry's key."},
			{Name: "value_field", Type: nodes.String, Default: "value", Doc: "The field holding each entry's value."},
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The built object."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			entries, err := c.List("entries")
			if err != nil {
				return nil, err
			}
			kf, vf := c.Str("key_field"), c.Str("value_field")
			out := map[string]any{}
			for i, e := range entries {
				var k, v any
				if m, ok := asMap(e); ok {
					var has bool
					if k, has = m[kf]; !has {
						return nil, itemError("entries", i, "has no %q field", kf)
					}
					v = m[vf]
				} else if l, ok := e.([]any); ok && len(l) == 2 {
					k, v = l[0], l[1]
				} else {
					return nil, itemError("entries", i, "expected {%s, %s} or [key, value], got %s", kf, vf, nodes.Describe(e))
				}
				switch k.(type) {
				case string, float64, int, bool:
				default:
					return nil, itemError("entries", i, "the key must be text or a number, got %s", nodes.Describe(k))
				}
				out[nodes.ToString(k)] = nodes.Clone(v)
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func renameKeysType() *nodes.Type {
	return &nodes.Type{
		ID: "data.rename_keys", Category: catData, Name: "Rename keys", Icon: "replace",
		Doc: "Returns a copy of `object` with top-level keys renamed. Each row of `mapping` has the old key as " +
			"its key and the new name as its value. Renames happen at once, so `a → b` and `b → a` swap; a renamed " +
			"key replaces an existing key of the new name. Old keys that are missing are ignored.\n\n" +
			"Example: object `{\"fname\": \"Ann\"}`, mapping `fname → first_name` → `{\"first_name\": \"Ann\"}`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Object, Required: true, Doc: "The object to copy."},
			{Name: "mapping", Type: nodes.Object, Dynamic: true, Required: true, Doc: "Rows old key → new key."},
		},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The copy with renamed keys."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			mapping, err := objectOrEmpty(c, "mapping")
			if err != nil {
				return nil, err
			}
			targets := map[string]string{}
			for _, old := range sortedKeys(mapping) {
				nn, ok := mapping[old].(string)
				if !ok || strings.TrimSpace(nn) == "" {
					return nil, nodes.Errorf("mapping", "the new name for %q must be non-empty text, got %s", old, nodes.Describe(mapping[old]))
				}
				if prev, dup := targets[nn]; dup {
					return nil, nodes.Errorf("mapping", "%q and %q are both renamed to %q", prev, old, nn)
				}
				targets[nn] = old
			}
			out := map[string]any{}
			for k, v := range obj {
				if _, renamed := mapping[k]; !renamed {
					out[k] = nodes.Clone(v)
				}
			}
			for nn, old := range targets {
				if v, ok := obj[old]; ok {
					out[nn] = nodes.Clone(v)
				}
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func hasType() *nodes.Type {
	return &nodes.Type{
		ID: "data.has", Category: catData, Name: "Has path", Icon: "circle-help",
		Doc: "Takes `true_path` when `path` exists in `object` and is not null (carrying that value), otherwise " +
			"`false_path` (carrying the object).\n\nExample: object `{\"user\": {\"email\": \"a@b.c\"}}`, path " +
			"`user.email` → true path with `\"a@b.c\"`.",
		Inputs: []nodes.Port{
			{Name: "object", Type: nodes.Any, Required: true, Doc: "The object or list to look in."},
			{Name: "path", Type: nodes.String, Required: true, Doc: pathDoc},
		},
		Outputs: []nodes.Port{
			{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the path exists; carries its value."},
			{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it does not; carries the object."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether the path exists and is not null."},
			{Name: "value", Type: nodes.Any, Doc: "The value at the path (null when missing)."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			p, err := requiredPath(c)
			if err != nil {
				return nil, err
			}
			v, ok := path.Get(c.Get("object"), p)
			if !ok || v == nil {
				return nodes.Out{"found": false, "value": nil, nodes.PortFalsePath: nodes.Clone(c.Get("object"))}, nil
			}
			v = nodes.Clone(v)
			return nodes.Out{"found": true, "value": v, nodes.PortTruePath: v}, nil
		},
	}
}

// isEmpty reports whether v is null, blank text, an empty list or an empty object.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []byte:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case nodes.Out:
		return len(x) == 0
	}
	if l, ok := nodes.ToList(v); ok {
		return len(l) == 0
	}
	return false
}

func isEmptyType() *nodes.Type {
	return &nodes.Type{
		ID: "data.is_empty", Category: catData, Name: "Is empty", Icon: "circle-dashed",
		Doc: "Takes `true_path` when `value` is empty — null, blank text, an empty list or an empty object — " +
			"and `false_path` otherwise. `0` and `false` are not empty. Both paths carry the value.\n\n" +
			"Example: `[]` → true path; `\"  \"` → true path; `0` → false path.",
		Inputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value to test."}},
		Outputs: []nodes.Port{
			{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the value is empty."},
			{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it is not."},
			{Name: "empty", Type: nodes.Boolean, Doc: "Whether the value is empty."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			v := nodes.Clone(c.Get("value"))
			if isEmpty(v) {
				return nodes.Out{"empty": true, nodes.PortTruePath: v}, nil
			}
			return nodes.Out{"empty": false, nodes.PortFalsePath: v}, nil
		},
	}
}

// flatten writes every leaf of v under its path into out. Empty objects and lists are leaves.
func flatten(v any, prefix path.Path, out map[string]any) {
	if m, ok := asMap(v); ok && len(m) > 0 {
		for k, e := range m {
			flatten(e, append(prefix[:len(prefix):len(prefix)], path.Segment{Key: k}), out)
		}
		return
	}
	if l, ok := v.([]any); ok && len(l) > 0 {
		for i, e := range l {
			flatten(e, append(prefix[:len(prefix):len(prefix)], path.Segment{Index: i, IsIndex: true}), out)
		}
		return
	}
	out[prefix.String()] = nodes.Clone(v)
}

func flattenObjectType() *nodes.Type {
	return &nodes.Type{
		ID: "data.flatten_object", Category: catData, Name: "Flatten object", Icon: "fold-vertical",
		Doc: "Turns a nested object into a flat one whose keys are paths to the leaves — for CSV columns, " +
			"form fields or key-value stores. Empty objects and lists are kept as values. **Unflatten object** " +
			"reverses it.\n\nExample: `{\"a\": {\"b\": 1}, \"tags\": [\"x\"]}` → `{\"a.b\": 1, \"tags[0]\": \"x\"}`.",
		Inputs:  []nodes.Port{{Name: "object", Type: nodes.Object, Required: true, Doc: "The nested object."}},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The flat object keyed by path."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			out := map[string]any{}
			if len(obj) > 0 {
				flatten(obj, path.Path{}, out)
			}
			return nodes.Out{"object": out}, nil
		},
	}
}

func unflattenObjectType() *nodes.Type {
	return &nodes.Type{
		ID: "data.unflatten_object", Category: catData, Name: "Unflatten object", Icon: "unfold-vertical",
		Doc: "Turns an object whose keys are paths into a nested object: `a.b` becomes `{\"a\": {\"b\": …}}` and " +
			"`tags[0]` a list element. Keys are applied in natural order (`x[2]` before `x[10]`). A key that is " +
			"both a value and a parent (`a` and `a.b`) is an error.\n\n" +
			"Example: `{\"a.b\": 1, \"tags[0]\": \"x\"}` → `{\"a\": {\"b\": 1}, \"tags\": [\"x\"]}`.",
		Inputs:  []nodes.Port{{Name: "object", Type: nodes.Object, Required: true, Doc: "The flat object keyed by path."}},
		Outputs: []nodes.Port{{Name: "object", Type: nodes.Object, Doc: "The nested object."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			obj, err := c.Map("object")
			if err != nil {
				return nil, err
			}
			keys := sortedKeys(obj)
			sort.SliceStable(keys, func(i, j int) bool { return naturalCompare(keys[i], keys[j], false) < 0 })
			var out any = map[string]any{}
			for _, k := range keys {
				p, err := path.Parse(k)
				if err != nil {
					return nil, nodes.Errorf("object", "key %q: %v", k, err)
				}
				if len(p) == 0 {
					return nil, nodes.Errorf("object", "a key is empty")
				}
				if _, exists := path.Get(out, p); exists {
					return nil, nodes.Errorf("object", "key %q: the path is already set by another key", k)
				}
				if out, err = path.Set(out, p, nodes.Clone(obj[k])); err != nil {
					return nil, nodes.Errorf("object", "key %q: %v", k, err)
				}
			}
			return nodes.Out{"object": out}, nil
		},
	}
}
