package data

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/rivo/uniseg"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/data/path"
)

// exprDoc tells users what an item expression can read.
const exprDoc = "The expression sees only `item` (the element), `index` (its position from 0) and `items` " +
	"(the whole list) — not the flow's node outputs, `trigger` or `run` (put those into the list first). " +
	"Numbers are decimals: write `int(item) % 2` for a remainder. Surrounding `{{ }}` are optional."

// listCheckEvery is how often long loops look at the context.
const listCheckEvery = 1024

func listTypes() []*nodes.Type {
	return []*nodes.Type{
		filterType(), mapType(), findType(), sortType(), uniqueType(), chunkType(), flattenType(),
		firstType(), lastType(), nthType(), containsType(), appendType(), prependType(), concatType(),
		lengthType(), sliceType(), reverseType(), rangeType(), groupByType(), sumByType(), zipType(),
		pluckType(), compactType(), indexOfType(),
	}
}

func listIn(doc string) nodes.Port {
	return nodes.Port{Name: "list", Type: nodes.List, Required: true, Doc: doc}
}

func optionalPath(doc string) nodes.Port {
	return nodes.Port{Name: "path", Type: nodes.String, Doc: doc + " " + pathDoc}
}

// itemProgram compiles an item expression input.
func itemProgram(c *nodes.Call, port string) (*expr.Program, error) {
	p, err := expr.Bare(c.Str(port))
	if err != nil {
		return nil, nodes.Errorf(port, "%v", err)
	}
	return p, nil
}

// eachItem runs prog for every element, calling yield with the result; it stops early when
// yield returns false and looks at ctx as it goes.
func eachItem(ctx context.Context, prog *expr.Program, port string, list []any, yield func(i int, v any) bool) error {
	for i, item := range list {
		if i%listCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		v, err := prog.Run(map[string]any{"item": item, "index": i, "items": list})
		if err != nil {
			return nodes.Errorf(port, "item %d: %v", i, err)
		}
		if !yield(i, v) {
			return nil
		}
	}
	return nil
}

func exprPort(doc, example string) nodes.Port {
	return nodes.Port{Name: "expression", Type: nodes.String, Required: true, Literal: true, Editor: nodes.EditCode,
		Check: nodes.CheckExpression, Default: example, Doc: doc}
}

func filterType() *nodes.Type {
	return &nodes.Type{
		ID: "list.filter", Category: catData, Name: "Filter list", Icon: "filter",
		Doc: "Keeps the elements of `list` for which `expression` is truthy; the others go to `rejected`. " + exprDoc +
			"\n\nExample: list `[{\"n\": 1}, {\"n\": 5}]`, expression `item.n > 2` → items `[{\"n\": 5}]`.",
		Inputs: []nodes.Port{
			listIn("The list to filter."),
			exprPort("A condition over `item`, `index`, `items`.", "item != nil"),
		},
		Outputs: []nodes.Port{
			{Name: "items", Type: nodes.List, Doc: "The elements that matched, in order."},
			{Name: "rejected", Type: nodes.List, Doc: "The elements that did not."},
			{Name: "count", Type: nodes.Integer, Doc: "How many matched."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			prog, err := itemProgram(c, "expression")
			if err != nil {
				return nil, err
			}
			kept, rejected := []any{}, []any{}
			err = eachItem(ctx, prog, "expression", list, func(i int, v any) bool {
				if nodes.Truthy(v) {
					kept = append(kept, nodes.Clone(list[i]))
				} else {
					rejected = append(rejected, nodes.Clone(list[i]))
				}
				return true
			})
			if err != nil {
				return nil, err
			}
			return nodes.Out{"items": kept, "rejected": rejected, "count": num(len(kept))}, nil
		},
	}
}

func mapType() *nodes.Type {
	return &nodes.Type{
		ID: "list.map", Category: catData, Name: "Map list", Icon: "arrow-right-left",
		Doc: "Replaces every element of `list` with the result of `expression`. " + exprDoc +
			"\n\nExample: list `[{\"price\": 2, \"qty\": 3}]`, expression `{sku: \"A\", total: item.price * item.qty}` → " +
			"`[{\"sku\": \"A\", \"total\": 6}]`.",
		Inputs: []nodes.Port{
			listIn("The list to transform."),
			exprPort("The new value for `item`.", "item"),
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The results, in order."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			prog, err := itemProgram(c, "expression")
			if err != nil {
				return nil, err
			}
			out := make([]any, 0, len(list))
			err = eachItem(ctx, prog, "expression", list, func(_ int, v any) bool {
				out = append(out, nodes.Clone(nodes.Normalize(v)))
				return true
			})
			if err != nil {
				return nil, err
			}
			return nodes.Out{"items": out}, nil
		},
	}
}

func findType() *nodes.Type {
	return &nodes.Type{
		ID: "list.find", Category: catData, Name: "Find in list", Icon: "scan-search",
		Doc: "Returns the first element of `list` for which `expression` is truthy, with its index. When none " +
			"matches, `item` is null, `index` is -1 and `found` is false. " + exprDoc +
			"\n\nExample: expression `item.id == \"b\"` over `[{\"id\": \"a\"}, {\"id\": \"b\"}]` → item `{\"id\": \"b\"}`, index 1.",
		Inputs: []nodes.Port{
			listIn("The list to search."),
			exprPort("A condition over `item`, `index`, `items`.", "item != nil"),
		},
		Outputs: []nodes.Port{
			{Name: "item", Type: nodes.Any, Doc: "The first matching element."},
			{Name: "index", Type: nodes.Integer, Doc: "Its position, or -1."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether an element matched."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			prog, err := itemProgram(c, "expression")
			if err != nil {
				return nil, err
			}
			at := -1
			err = eachItem(ctx, prog, "expression", list, func(i int, v any) bool {
				if nodes.Truthy(v) {
					at = i
					return false
				}
				return true
			})
			if err != nil {
				return nil, err
			}
			if at < 0 {
				return nodes.Out{"item": nil, "index": -1.0, "found": false}, nil
			}
			return nodes.Out{"item": nodes.Clone(list[at]), "index": num(at), "found": true}, nil
		},
	}
}

func sortType() *nodes.Type {
	return &nodes.Type{
		ID: "list.sort", Category: catData, Name: "Sort list", Icon: "arrow-up-down",
		Doc: "Sorts `list` by its elements, or by the value at `path` inside each element. The sort is stable: " +
			"equal elements keep their order. Elements with no value at the path go last in either direction.\n\n" +
			"`compare`:\n- `auto` (default): numbers and numeric text by value, other text in natural order " +
			"(`item2` before `item10`, case-insensitive); booleans, then numbers, then text, then lists and objects.\n" +
			"- `number`: every value must be a number or numeric text.\n- `text`: by the values as text, byte order.\n\n" +
			"Example: `[{\"n\": \"10\"}, {\"n\": 9}]` by path `n` → `[{\"n\": 9}, {\"n\": \"10\"}]`.",
		Inputs: []nodes.Port{
			listIn("The list to sort."),
			optionalPath("Sort by this value inside each element; empty sorts by the elements themselves."),
			{Name: "direction", Type: nodes.String, Default: "asc", Options: []string{"asc", "desc"}, Doc: "Ascending or descending."},
			{Name: "compare", Type: nodes.String, Default: compareAuto, Options: []string{compareAuto, compareNumber, compareText}, Doc: "How values compare."},
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The sorted list."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			dir, err := oneOf(c, "direction", "asc", "desc")
			if err != nil {
				return nil, err
			}
			mode, err := oneOf(c, "compare", compareAuto, compareNumber, compareText)
			if err != nil {
				return nil, err
			}
			type keyed struct {
				i       int
				key     any
				num     float64
				missing bool
			}
			ks := make([]keyed, len(list))
			for i, e := range list {
				v, ok := path.Get(e, p)
				k := keyed{i: i, key: v, missing: !ok || v == nil}
				if mode == compareNumber && !k.missing {
					f, ok := autoNumber(v)
					if !ok {
						return nil, itemError("list", i, "%s is not a number", nodes.Describe(v))
					}
					k.num = f
				}
				if mode == compareText {
					k.key = nodes.ToString(v)
				}
				ks[i] = k
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			slices.SortStableFunc(ks, func(a, b keyed) int {
				if a.missing || b.missing {
					switch {
					case a.missing && b.missing:
						return 0
					case a.missing:
						return 1
					}
					return -1
				}
				var r int
				switch mode {
				case compareNumber:
					r = cmpFloat(a.num, b.num)
				case compareText:
					r = strings.Compare(a.key.(string), b.key.(string))
				default:
					r = compareAutoValues(a.key, b.key)
				}
				if dir == "desc" {
					r = -r
				}
				return r
			})
			out := make([]any, len(ks))
			for j, k := range ks {
				out[j] = nodes.Clone(list[k.i])
			}
			return nodes.Out{"items": out}, nil
		},
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func uniqueType() *nodes.Type {
	return &nodes.Type{
		ID: "list.unique", Category: catData, Name: "Unique", Icon: "fingerprint",
		Doc: "Removes repeated elements of `list`, keeping the first of each. With `path`, elements count as " +
			"repeats when the values at that path are equal (elements without it share one group). Elements are " +
			"repeats when Compare's `eq` holds between them, as in Index of and List contains: numbers and numeric " +
			"text by value (`1`, `1.0` and `\"1\"` are repeats), dates as instants, a boolean only a boolean, other " +
			"text exactly, lists and objects element by element.\n\n" +
			"Example: `[{\"id\": 1, \"v\": \"a\"}, {\"id\": 1, \"v\": \"b\"}]` by path `id` → `[{\"id\": 1, \"v\": \"a\"}]`.",
		Inputs: []nodes.Port{
			listIn("The list."),
			optionalPath("Compare this value inside each element; empty compares whole elements."),
		},
		Outputs: []nodes.Port{
			{Name: "items", Type: nodes.List, Doc: "The list without repeats."},
			{Name: "duplicates", Type: nodes.Integer, Doc: "How many elements were removed."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{}
			out := []any{}
			for _, e := range list {
				v, _ := path.Get(e, p)
				k := nodes.EqualKey(v)
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, nodes.Clone(e))
			}
			return nodes.Out{"items": out, "duplicates": num(len(list) - len(out))}, nil
		},
	}
}

func chunkType() *nodes.Type {
	return &nodes.Type{
		ID: "list.chunk", Category: catData, Name: "Chunk list", Icon: "layout-grid",
		Doc: "Splits `list` into lists of `size` elements (the last may be shorter) — for batching API calls.\n\n" +
			"Example: `[1, 2, 3, 4, 5]`, size 2 → `[[1, 2], [3, 4], [5]]`.",
		Inputs: []nodes.Port{
			listIn("The list to split."),
			{Name: "size", Type: nodes.Integer, Default: 10.0, Required: true, Min: nodes.Bound(1), Doc: "Elements per chunk (at least 1)."},
		},
		Outputs: []nodes.Port{
			{Name: "chunks", Type: nodes.List, Doc: "The chunks."},
			{Name: "count", Type: nodes.Integer, Doc: "How many chunks."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			size, err := c.Int("size") // refuses sizes below the port's Min
			if err != nil {
				return nil, err
			}
			chunks := []any{}
			for start := 0; start < len(list); start += size {
				end := min(start+size, len(list))
				chunks = append(chunks, nodes.Clone(list[start:end]))
			}
			return nodes.Out{"chunks": chunks, "count": num(len(chunks))}, nil
		},
	}
}

func flattenList(list []any, depth int, out []any) []any {
	for _, e := range list {
		if inner, ok := e.([]any); ok && depth != 0 {
			out = flattenList(inner, depth-1, out)
			continue
		}
		out = append(out, nodes.Clone(e))
	}
	return out
}

func flattenType() *nodes.Type {
	return &nodes.Type{
		ID: "list.flatten", Category: catData, Name: "Flatten list", Icon: "layers",
		Doc: "Replaces nested lists inside `list` by their elements, `depth` levels deep (default 1; -1 flattens " +
			"completely; 0 leaves the list as it is).\n\nExample: `[1, [2, [3]]]` → depth 1 `[1, 2, [3]]`, depth -1 `[1, 2, 3]`.",
		Inputs: []nodes.Port{
			listIn("The list to flatten."),
			{Name: "depth", Type: nodes.Integer, Default: 1.0, Doc: "How many levels to flatten; -1 for all."},
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The flattened list."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			depth, err := c.IntOr("depth", 1)
			if err != nil {
				return nil, err
			}
			if depth < -1 {
				return nil, nodes.Errorf("depth", "must be -1 (all levels) or more, got %d", depth)
			}
			return nodes.Out{"items": flattenList(list, depth, []any{})}, nil
		},
	}
}

func countPort() nodes.Port {
	return nodes.Port{Name: "count", Type: nodes.Integer, Default: 1.0, Doc: "How many elements `items` holds (at least 0)."}
}

func endType(id, name, icon, which string, fromEnd bool) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: catData, Name: name, Icon: icon,
		Doc: "Returns the " + which + " element of `list` as `item`, and the " + which + " `count` elements as `items`. " +
			"On an empty list `item` is null and `found` is false.\n\nExample: `[1, 2, 3]` with count 2 → item `" +
			map[bool]string{false: "1", true: "3"}[fromEnd] + "`, items `" + map[bool]string{false: "[1, 2]", true: "[2, 3]"}[fromEnd] + "`.",
		Inputs: []nodes.Port{listIn("The list."), countPort()},
		Outputs: []nodes.Port{
			{Name: "item", Type: nodes.Any, Doc: "The " + which + " element."},
			{Name: "items", Type: nodes.List, Doc: "The " + which + " `count` elements."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether the list had an element."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := listOrEmpty(c, "list")
			if err != nil {
				return nil, err
			}
			n, err := c.IntOr("count", 1)
			if err != nil {
				return nil, err
			}
			if n < 0 {
				return nil, nodes.Errorf("count", "must be 0 or more, got %d", n)
			}
			n = min(n, len(list))
			var item any
			var items []any
			if fromEnd {
				items = list[len(list)-n:]
				if len(list) > 0 {
					item = list[len(list)-1]
				}
			} else {
				items = list[:n]
				if len(list) > 0 {
					item = list[0]
				}
			}
			return nodes.Out{"item": nodes.Clone(item), "items": nodes.Clone(items), "found": len(list) > 0}, nil
		},
	}
}

func firstType() *nodes.Type {
	return endType("list.first", "First element", "arrow-up-to-line", "first", false)
}
func lastType() *nodes.Type {
	return endType("list.last", "Last element", "arrow-down-to-line", "last", true)
}

func nthType() *nodes.Type {
	return &nodes.Type{
		ID: "list.nth", Category: catData, Name: "Element at index", Icon: "list-ordered",
		Doc: "Returns the element of `list` at `index` (from 0; negative counts from the end, -1 is the last). " +
			"Out of range gives null and `found` false.\n\nExample: `[\"a\", \"b\", \"c\"]`, index -2 → `\"b\"`.",
		Inputs: []nodes.Port{
			listIn("The list."),
			{Name: "index", Type: nodes.Integer, Default: 0.0, Required: true, Doc: "The position; negative counts from the end."},
		},
		Outputs: []nodes.Port{
			{Name: "item", Type: nodes.Any, Doc: "The element."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether the index was in range."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := listOrEmpty(c, "list")
			if err != nil {
				return nil, err
			}
			i, err := c.Int("index")
			if err != nil {
				return nil, err
			}
			if i < 0 {
				i += len(list)
			}
			if i < 0 || i >= len(list) {
				return nodes.Out{"item": nil, "found": false}, nil
			}
			return nodes.Out{"item": nodes.Clone(list[i]), "found": true}, nil
		},
	}
}

// indexOf finds value in list (comparing the values at p) with nodes.Equal, Compare's eq.
func indexOf(list []any, p path.Path, value any) int {
	for i, e := range list {
		v, ok := path.Get(e, p)
		if ok && nodes.Equal(v, value) {
			return i
		}
	}
	return -1
}

func containsType() *nodes.Type {
	return &nodes.Type{
		ID: "list.contains", Category: catData, Name: "List contains", Icon: "list-checks",
		Doc: "Takes `true_path` when `list` contains `value`, otherwise `false_path`; both carry the value. " +
			"With `path`, the value at that path inside each element is compared. Values compare as Compare's " +
			"`eq` compares them (and as Index of and Unique do): numbers and numeric text by value (`\"3\"` and " +
			"`\"3.0\"` equal `3`), dates as instants, a boolean only a boolean, other text exactly, lists and " +
			"objects element by element. When `list` is text, it tests for a substring.\n\n" +
			"Example: list `[{\"role\": \"admin\"}]`, path `role`, value `admin` → true path.",
		Inputs: []nodes.Port{
			{Name: "list", Type: nodes.Any, Required: true, Doc: "The list (or text) to search."},
			{Name: "value", Type: nodes.Any, Doc: "What to look for."},
			optionalPath("Compare this value inside each element."),
		},
		Outputs: []nodes.Port{
			{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when the value is in the list."},
			{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when it is not."},
			{Name: "result", Type: nodes.Boolean, Doc: "Whether the value is in the list."},
			{Name: "index", Type: nodes.Integer, Doc: "Where it was found, or -1."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			value := nodes.Clone(c.Get("value"))
			at := -1
			switch s := c.Get("list").(type) {
			case nil:
			case string:
				at = strings.Index(s, nodes.ToString(value))
			default:
				list, err := c.List("list")
				if err != nil {
					return nil, nodes.Errorf("list", "expected a list or text, got %s", nodes.Describe(c.Get("list")))
				}
				p, err := parsePath(c, "path")
				if err != nil {
					return nil, err
				}
				at = indexOf(list, p, value)
			}
			out := nodes.Out{"result": at >= 0, "index": num(at)}
			if at >= 0 {
				out[nodes.PortTruePath] = value
			} else {
				out[nodes.PortFalsePath] = value
			}
			return out, nil
		},
	}
}

func addType(id, name, icon, where string, front bool) *nodes.Type {
	return &nodes.Type{
		ID: id, Category: catData, Name: name, Icon: icon,
		Doc: "Returns a copy of `list` with `item` added " + where + " (an empty list input starts a new list). " +
			"To add several elements use **Concatenate lists**.\n\nExample: list `[1, 2]`, item `3` → `" +
			map[bool]string{false: "[1, 2, 3]", true: "[3, 1, 2]"}[front] + "`.",
		Inputs: []nodes.Port{
			{Name: "list", Type: nodes.List, Doc: "The list (empty means a new list)."},
			{Name: "item", Type: nodes.Any, Doc: "The element to add."},
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The new list."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := listOrEmpty(c, "list")
			if err != nil {
				return nil, err
			}
			out := make([]any, 0, len(list)+1)
			if front {
				out = append(out, nodes.Clone(c.Get("item")))
			}
			for _, e := range list {
				out = append(out, nodes.Clone(e))
			}
			if !front {
				out = append(out, nodes.Clone(c.Get("item")))
			}
			return nodes.Out{"items": out}, nil
		},
	}
}

func appendType() *nodes.Type {
	return addType("list.append", "Append to list", "list-end", "at the end", false)
}
func prependType() *nodes.Type {
	return addType("list.prepend", "Prepend to list", "list-start", "at the front", true)
}

func concatType() *nodes.Type {
	return &nodes.Type{
		ID: "list.concat", Category: catData, Name: "Concatenate lists", Icon: "list-plus",
		Doc: "Joins lists end to end. Connect several lists to `lists` (in connection order), or give one list " +
			"of lists. Nulls are skipped; any other non-list is an error.\n\nExample: `[[1, 2], [3], []]` → `[1, 2, 3]`.",
		Inputs: []nodes.Port{{Name: "lists", Type: nodes.List, Multi: true, Required: true, Doc: "The lists to join."}},
		Outputs: []nodes.Port{
			{Name: "items", Type: nodes.List, Doc: "The joined list."},
			{Name: "count", Type: nodes.Integer, Doc: "Its length."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			lists, err := c.List("lists")
			if err != nil {
				return nil, err
			}
			out := []any{}
			for i, l := range lists {
				if l == nil {
					continue
				}
				inner, ok := nodes.ToList(l)
				if !ok {
					return nil, itemError("lists", i, "expected a list, got %s", nodes.Describe(l))
				}
				for _, e := range inner {
					out = append(out, nodes.Clone(e))
				}
			}
			return nodes.Out{"items": out, "count": num(len(out))}, nil
		},
	}
}

func lengthType() *nodes.Type {
	return &nodes.Type{
		ID: "list.length", Category: catData, Name: "Length", Icon: "ruler",
		Doc: "Counts the elements of a list, the keys of an object, or the characters of text as a reader sees " +
			"them, like Text length (not bytes or code points: an emoji sequence 👍🏽 or a letter with combining " +
			"accents counts 1). Null counts 0.\n\nExample: `[1, 2, 3]` → 3; `\"héllo\"` → 5.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "A list, object or text."}},
		Outputs: []nodes.Port{{Name: "length", Type: nodes.Integer, Doc: "The count."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			var n int
			switch v := c.Get("value").(type) {
			case nil:
			case string:
				n = uniseg.GraphemeClusterCount(v) // as Text length counts: 👍🏽 is 1
			case []byte:
				n = len(v)
			default:
				if m, ok := asMap(v); ok {
					n = len(m)
				} else if l, ok := nodes.ToList(v); ok {
					n = len(l)
				} else {
					return nil, nodes.Errorf("value", "expected a list, object or text, got %s", nodes.Describe(v))
				}
			}
			return nodes.Out{"length": num(n)}, nil
		},
	}
}

// sliceBounds resolves Python-style slice bounds (negative from the end, clamped).
func sliceBounds(n, start, end int) (int, int) {
	if start < 0 {
		start = max(start+n, 0)
	}
	if end < 0 {
		end = max(end+n, 0)
	}
	start, end = min(start, n), min(end, n)
	if end < start {
		end = start
	}
	return start, end
}

func sliceType() *nodes.Type {
	return &nodes.Type{
		ID: "list.slice", Category: catData, Name: "Slice list", Icon: "scissors",
		Doc: "Returns the elements of `list` from `start` up to (not including) `end`. Negative positions count " +
			"from the end; an empty `end` means to the end; positions past the ends are clamped.\n\n" +
			"Example: `[1, 2, 3, 4]`, start 1, end -1 → `[2, 3]`.",
		Inputs: []nodes.Port{
			listIn("The list."),
			{Name: "start", Type: nodes.Integer, Default: 0.0, Doc: "First position (from 0; negative from the end)."},
			{Name: "end", Type: nodes.Integer, Doc: "Position to stop before; empty means the end."},
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The slice."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			start, err := c.IntOr("start", 0)
			if err != nil {
				return nil, err
			}
			end, err := c.IntOr("end", len(list))
			if err != nil {
				return nil, err
			}
			s, e := sliceBounds(len(list), start, end)
			return nodes.Out{"items": nodes.Clone(append([]any{}, list[s:e]...))}, nil
		},
	}
}

func reverseType() *nodes.Type {
	return &nodes.Type{
		ID: "list.reverse", Category: catData, Name: "Reverse list", Icon: "undo-2",
		Doc:     "Returns `list` in reverse order.\n\nExample: `[1, 2, 3]` → `[3, 2, 1]`.",
		Inputs:  []nodes.Port{listIn("The list.")},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The reversed list."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			out := make([]any, len(list))
			for i, e := range list {
				out[len(list)-1-i] = nodes.Clone(e)
			}
			return nodes.Out{"items": out}, nil
		},
	}
}

// maxRange bounds how many numbers list.range makes.
const maxRange = 100000

func rangeType() *nodes.Type {
	return &nodes.Type{
		ID: "list.range", Category: catData, Name: "Number range", Icon: "list-ordered",
		Doc: fmtDoc("Makes the numbers from `start` up to (not including) `stop`, `step` apart; a negative step "+
			"counts down. At most %d numbers.\n\nExample: start 0, stop 10, step 3 → `[0, 3, 6, 9]`.", maxRange),
		Inputs: []nodes.Port{
			{Name: "start", Type: nodes.Number, Default: 0.0, Doc: "The first number."},
			{Name: "stop", Type: nodes.Number, Required: true, Doc: "The number to stop before."},
			{Name: "step", Type: nodes.Number, Default: 1.0, Check: nodes.CheckNonZero, Doc: "The distance between numbers (not 0)."},
		},
		Outputs: []nodes.Port{
			{Name: "items", Type: nodes.List, Doc: "The numbers."},
			{Name: "count", Type: nodes.Integer, Doc: "How many."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			start, err := c.Float("start")
			if err != nil {
				return nil, err
			}
			stop, err := c.Float("stop")
			if err != nil {
				return nil, err
			}
			step, err := c.Float("step")
			if err != nil {
				return nil, err
			}
			if step == 0 {
				return nil, nodes.Errorf("step", "must be a number other than 0")
			}
			// counted in the decimals start and step are written with (see nodes.Stepper)
			st := nodes.NewStepper(start, step)
			before := func(x float64) bool { return (step > 0 && x < stop) || (step < 0 && x > stop) }
			n := math.Ceil((stop - start) / step)
			if n < 0 || math.IsNaN(n) {
				n = 0
			}
			if n > maxRange {
				return nil, nodes.Errorf("stop", "the range would have %.0f numbers; at most %d are allowed", n, maxRange)
			}
			if n > 0 && !before(st.At(n-1)) {
				n-- // 1 by 0.1 up to 1.3: the float quotient 3.0000000000000004 rounds up past it
			} else if n < maxRange && before(st.At(n)) {
				n++
			}
			out := make([]any, int(n))
			for i := range out {
				x := st.At(float64(i))
				if i > 0 && x == out[i-1] {
					// past 2^53 a step of 1 no longer changes the number
					return nil, nodes.Errorf("step", "%v is too small a step for numbers as large as %v: they would repeat", step, x)
				}
				out[i] = x
			}
			return nodes.Out{"items": out, "count": n}, nil
		},
	}
}

func groupByType() *nodes.Type {
	return &nodes.Type{
		ID: "list.group_by", Category: catData, Name: "Group by", Icon: "group",
		Doc: "Groups the elements of `list` by the value at `path`: `groups` maps each value (as text) to the " +
			"list of its elements, `keys` lists the group names in order of first appearance. Elements without " +
			"the path go to the group `\"\"`.\n\nExample: `[{\"t\": \"a\", \"n\": 1}, {\"t\": \"b\"}, {\"t\": \"a\", \"n\": 2}]` " +
			"by `t` → groups `{\"a\": [two elements], \"b\": [one]}`, keys `[\"a\", \"b\"]`.",
		Inputs: []nodes.Port{
			listIn("The list to group."),
			{Name: "path", Type: nodes.String, Required: true, Doc: "The value to group by. " + pathDoc},
		},
		Outputs: []nodes.Port{
			{Name: "groups", Type: nodes.Object, Doc: "Group name → elements."},
			{Name: "keys", Type: nodes.List, Doc: "Group names in order of first appearance."},
			{Name: "counts", Type: nodes.Object, Doc: "Group name → number of elements."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			groups, counts := map[string]any{}, map[string]any{}
			keys := []any{}
			for _, e := range list {
				v, _ := path.Get(e, p)
				k := nodes.ToString(v)
				g, ok := groups[k].([]any)
				if !ok {
					keys = append(keys, k)
				}
				groups[k] = append(g, nodes.Clone(e))
				counts[k] = num(len(g) + 1)
			}
			return nodes.Out{"groups": groups, "keys": keys, "counts": counts}, nil
		},
	}
}

func sumByType() *nodes.Type {
	return &nodes.Type{
		ID: "list.sum_by", Category: catData, Name: "Sum and statistics", Icon: "sigma",
		Doc: "Adds up the numbers in `list` (or the values at `path` inside each element) and gives their count, " +
			"average, minimum and maximum. Nulls and missing values are skipped; numeric text counts as a number. " +
			"Any other value is an error unless `skip_invalid` is on. With nothing to add, sum and count are 0 " +
			"and the others null.\n\nExample: `[{\"price\": 2}, {\"price\": \"3.5\"}]` by `price` → sum 5.5, average 2.75.",
		Inputs: []nodes.Port{
			listIn("The list."),
			optionalPath("Add up this value inside each element."),
			{Name: "skip_invalid", Type: nodes.Boolean, Default: false, Doc: "Skip values that are not numbers instead of failing."},
		},
		Outputs: []nodes.Port{
			{Name: "sum", Type: nodes.Number, Doc: "The total."},
			{Name: "count", Type: nodes.Integer, Doc: "How many numbers were added."},
			{Name: "average", Type: nodes.Number, Doc: "The mean (null when there are none)."},
			{Name: "min", Type: nodes.Number, Doc: "The smallest (null when there are none)."},
			{Name: "max", Type: nodes.Number, Doc: "The largest (null when there are none)."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			skip := c.Bool("skip_invalid")
			var sum float64
			var n int
			var lo, hi float64
			for i, e := range list {
				v, ok := path.Get(e, p)
				if !ok || v == nil {
					continue
				}
				f, ok := autoNumber(v)
				if !ok {
					if skip {
						continue
					}
					return nil, itemError("list", i, "%s is not a number", nodes.Describe(v))
				}
				if n == 0 || f < lo {
					lo = f
				}
				if n == 0 || f > hi {
					hi = f
				}
				sum += f
				if math.IsInf(sum, 0) {
					return nil, itemError("list", i, "the sum passes the largest number JSON can hold (about 1.8e308)")
				}
				n++
			}
			out := nodes.Out{"sum": sum, "count": num(n), "average": nil, "min": nil, "max": nil}
			if n > 0 {
				out["average"], out["min"], out["max"] = sum/float64(n), lo, hi
			}
			return out, nil
		},
	}
}

func zipType() *nodes.Type {
	return &nodes.Type{
		ID: "list.zip", Category: catData, Name: "Zip lists", Icon: "merge",
		Doc: "Pairs up lists element by element: the result's n-th element is a list of every input's n-th " +
			"element. Connect several lists to `lists` or give one list of lists. `mode` `shortest` (default) stops " +
			"at the shortest list; `longest` pads the shorter ones with null.\n\n" +
			"Example: `[[1, 2, 3], [\"a\", \"b\"]]` → `[[1, \"a\"], [2, \"b\"]]`.",
		Inputs: []nodes.Port{
			{Name: "lists", Type: nodes.List, Multi: true, Required: true, Doc: "The lists to pair up."},
			{Name: "mode", Type: nodes.String, Default: "shortest", Options: []string{"shortest", "longest"}, Doc: "Stop at the shortest or pad to the longest."},
		},
		Outputs: []nodes.Port{{Name: "items", Type: nodes.List, Doc: "The tuples."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			lists, err := c.List("lists")
			if err != nil {
				return nil, err
			}
			mode, err := oneOf(c, "mode", "shortest", "longest")
			if err != nil {
				return nil, err
			}
			ls := make([][]any, len(lists))
			n := -1
			for i, l := range lists {
				inner, ok := nodes.ToList(l)
				if !ok {
					return nil, itemError("lists", i, "expected a list, got %s", nodes.Describe(l))
				}
				ls[i] = inner
				if n < 0 || (mode == "shortest" && len(inner) < n) || (mode == "longest" && len(inner) > n) {
					n = len(inner)
				}
			}
			out := make([]any, 0, max(n, 0))
			for j := 0; j < n; j++ {
				tuple := make([]any, len(ls))
				for i, l := range ls {
					if j < len(l) {
						tuple[i] = nodes.Clone(l[j])
					}
				}
				out = append(out, tuple)
			}
			return nodes.Out{"items": out}, nil
		},
	}
}

func pluckType() *nodes.Type {
	return &nodes.Type{
		ID: "list.pluck", Category: catData, Name: "Pluck values", Icon: "pipette",
		Doc: "Takes the value at `path` out of every element of `list`. Elements without it give null, or are " +
			"left out with `skip_missing`.\n\nExample: `[{\"id\": 1}, {\"id\": 2}, {}]` by `id` → `[1, 2, null]`.",
		Inputs: []nodes.Port{
			listIn("The list of objects."),
			{Name: "path", Type: nodes.String, Required: true, Doc: "The value to take. " + pathDoc},
			{Name: "skip_missing", Type: nodes.Boolean, Default: false, Doc: "Leave out elements without the path."},
		},
		Outputs: []nodes.Port{{Name: "values", Type: nodes.List, Doc: "The values, in order."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			skip := c.Bool("skip_missing")
			out := []any{}
			for _, e := range list {
				v, ok := path.Get(e, p)
				if !ok && skip {
					continue
				}
				out = append(out, nodes.Clone(v))
			}
			return nodes.Out{"values": out}, nil
		},
	}
}

func compactType() *nodes.Type {
	return &nodes.Type{
		ID: "list.compact", Category: catData, Name: "Compact list", Icon: "list-x",
		Doc: "Removes null elements from `list`; with `remove_empty` also blank text, empty lists and empty " +
			"objects. `0` and `false` stay.\n\nExample: `[1, null, \"\", 0]` → `[1, \"\", 0]`; with remove_empty → `[1, 0]`.",
		Inputs: []nodes.Port{
			listIn("The list."),
			{Name: "remove_empty", Type: nodes.Boolean, Default: false, Doc: "Also remove blank text and empty lists/objects."},
		},
		Outputs: []nodes.Port{
			{Name: "items", Type: nodes.List, Doc: "The list without them."},
			{Name: "removed", Type: nodes.Integer, Doc: "How many were removed."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			empty := c.Bool("remove_empty")
			out := []any{}
			for _, e := range list {
				if e == nil || (empty && isEmpty(e)) {
					continue
				}
				out = append(out, nodes.Clone(e))
			}
			return nodes.Out{"items": out, "removed": num(len(list) - len(out))}, nil
		},
	}
}

func indexOfType() *nodes.Type {
	return &nodes.Type{
		ID: "list.index_of", Category: catData, Name: "Index of", Icon: "locate",
		Doc: "Finds the position of the first element of `list` equal to `value` (or whose value at `path` is). " +
			"Values compare as Compare's `eq` compares them (and as List contains and Unique do): numbers and " +
			"numeric text by value (`1` finds `\"1\"` and `\"1.0\"`), dates as instants, a boolean only a boolean, " +
			"other text exactly, lists and objects element by element. Not found gives -1.\n\nExample: `[\"a\", \"b\"]`, value `b` → 1.",
		Inputs: []nodes.Port{
			listIn("The list to search."),
			{Name: "value", Type: nodes.Any, Doc: "What to look for."},
			optionalPath("Compare this value inside each element."),
		},
		Outputs: []nodes.Port{
			{Name: "index", Type: nodes.Integer, Doc: "The position, or -1."},
			{Name: "found", Type: nodes.Boolean, Doc: "Whether it was found."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			list, err := c.List("list")
			if err != nil {
				return nil, err
			}
			p, err := parsePath(c, "path")
			if err != nil {
				return nil, err
			}
			i := indexOf(list, p, c.Get("value"))
			return nodes.Out{"index": num(i), "found": i >= 0}, nil
		},
	}
}
