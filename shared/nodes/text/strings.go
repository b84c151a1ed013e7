package text

import (
	"context"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gosimple/slug"
	"github.com/rivo/uniseg"
	"golang.org/x/text/cases"

	"polysynergy/shared/nodes"
)

// maxParts bounds the list Split and Split lines make: each part costs some 80 bytes besides
// its text, so splitting 8 MB into characters would otherwise take over 600 MB.
const maxParts = 1_000_000

// tooManyParts is the error for a split past maxParts.
func tooManyParts(port, what string) error {
	return nodes.Errorf(port, "splits into more than %d %s, which is more than a flow should hold in one list; set limit, or split in steps", maxParts, what)
}

// maxPadWidth bounds text.pad so a width typo cannot allocate gigabytes.
const maxPadWidth = 1 << 20

// keepNullsIn is Join's and Concatenate's switch for null parts.
func keepNullsIn() nodes.Port {
	return nodes.Port{Name: "keep_nulls", Type: nodes.Boolean, Default: false,
		Doc: "Write each null as an empty part (between separators) instead of skipping it."}
}

// joinParts writes parts as text with sep between them, skipping nulls unless keepNulls.
func joinParts(parts []any, sep string, keepNulls bool) string {
	strs := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != nil || keepNulls {
			strs = append(strs, nodes.ToString(p))
		}
	}
	return strings.Join(strs, sep)
}

func stringTypes() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "text.concatenate", Category: category, Name: "Concatenate", Icon: "combine",
			Doc: "Joins `values` into one text with `separator` between them. Connect several outputs to `values` " +
				"(or give a list); lists among them are flattened one level. Null values are skipped, as Join skips " +
				"them; with `keep_nulls` each is an empty part instead (`a,,b`). Numbers print without a trailing " +
				"`.0`, objects as JSON.\n\n**Outputs**: `text`.\n\n" +
				"**Example**: values `[\"Order\", 42, \"shipped\"]`, separator `\" \"` → `Order 42 shipped`.",
			Inputs: []nodes.Port{
				{Name: "values", Type: nodes.List, Multi: true, Doc: "The parts, in order."},
				{Name: "separator", Type: nodes.String, Default: "", Doc: "Put between parts."},
				keepNullsIn(),
			},
			Outputs: []nodes.Port{textOut("The joined text.")},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				return nodes.Out{"text": joinParts(flatten(c, "values"), c.Str("separator"), c.Bool("keep_nulls"))}, nil
			},
		},
		{
			ID: "text.split", Category: category, Name: "Split", Icon: "split",
			Doc: "Splits `text` at every `separator` into a list. An empty separator splits into characters as a " +
				"reader sees them (like Length: an emoji sequence, a flag or a letter with accents is one). " +
				"`limit` > 0 caps the number of parts (the last part keeps the rest); `trim` strips spaces around " +
				"each part and `skip_empty` drops empty parts. More than 1,000,000 parts (before `skip_empty`) is an " +
				"error naming `text`; set `limit` to take fewer.\n\n**Outputs**: `parts` (list of strings), `count`.\n\n" +
				"**Example**: `a, b,,c` with separator `,`, trim and skip_empty → `[\"a\", \"b\", \"c\"]`.",
			Inputs: []nodes.Port{
				textIn("The text to split."),
				{Name: "separator", Type: nodes.String, Default: ",", Doc: "Where to split; empty splits into characters."},
				{Name: "limit", Type: nodes.Integer, Default: 0.0, Doc: "At most this many parts (0: no limit)."},
				{Name: "trim", Type: nodes.Boolean, Default: false, Doc: "Strip whitespace around each part."},
				{Name: "skip_empty", Type: nodes.Boolean, Default: false, Doc: "Drop empty parts."},
			},
			Outputs: []nodes.Port{
				{Name: "parts", Type: nodes.List, Doc: "The parts."},
				{Name: "count", Type: nodes.Integer, Doc: "How many parts."},
			},
			Run: runSplit,
		},
		{
			ID: "text.join", Category: category, Name: "Join", Icon: "link",
			Doc: "Joins the elements of `list` into text with `separator` between them. Null elements are skipped, " +
				"as Concatenate skips them (`[\"a\", null, \"b\"]` → `a, b`); with `keep_nulls` each is an empty " +
				"element instead (`a, , b`), keeping positions. Numbers print without a trailing `.0`, objects as " +
				"JSON.\n\n**Outputs**: `text`.\n\n" +
				"**Example**: `[\"red\", \"green\", \"blue\"]` with separator `, ` → `red, green, blue`.",
			Inputs: []nodes.Port{
				{Name: "list", Type: nodes.List, Required: true, Doc: "The elements to join."},
				{Name: "separator", Type: nodes.String, Default: ", ", Doc: "Put between elements."},
				keepNullsIn(),
			},
			Outputs: []nodes.Port{textOut("The joined text.")},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				l, err := c.List("list")
				if err != nil {
					return nil, err
				}
				return nodes.Out{"text": joinParts(l, c.Str("separator"), c.Bool("keep_nulls"))}, nil
			},
		},
		{
			ID: "text.replace", Category: category, Name: "Replace", Icon: "replace",
			Doc: "Replaces occurrences of `find` in `text` with `replace` — every occurrence (`mode` all) or only the " +
				"first. `find` is plain text (use **Regex replace** for patterns); `case_insensitive` matches " +
				"regardless of case with Unicode's full case folding, as Text contains compares: `straße` finds `STRASSE`, " +
				"`FFI` finds `ﬃ`; a match takes whole characters only (`s` is not found inside `ß`). A result larger than 8 MB fails the node.\n\n**Outputs**: `text`, `count` (replacements made).\n\n" +
				"**Example**: `Hello World, hello!` with find `hello`, replace `bye`, case-insensitive → " +
				"`bye World, bye!`, count 2.",
			Inputs: []nodes.Port{
				textIn("The text to change."),
				{Name: "find", Type: nodes.String, Required: true, Doc: "The text to look for (not empty)."},
				{Name: "replace", Type: nodes.String, Default: "", Doc: "What to put instead."},
				{Name: "mode", Type: nodes.String, Default: "all", Options: []string{"all", "first"}, Doc: "Replace every occurrence or the first."},
				{Name: "case_insensitive", Type: nodes.Boolean, Default: false, Doc: "Ignore case, with Unicode case folding: `straße` finds `STRASSE`."},
			},
			Outputs: []nodes.Port{
				textOut("The changed text."),
				{Name: "count", Type: nodes.Integer, Doc: "How many replacements were made."},
			},
			Run: runReplace,
		},
		{
			ID: "text.case", Category: category, Name: "Change case", Icon: "case-sensitive",
			Doc: "Changes the case of `text`: `upper`, `lower`, `title` (every word capitalised), `capitalize` " +
				"(first letter upper, the rest lower), or rewrites it as an identifier: `snake` (`order_total`), " +
				"`kebab` (`order-total`), `camel` (`orderTotal`), `pascal` (`OrderTotal`). Identifier modes split words " +
				"at spaces, punctuation and case changes (`HTTPServer` → `http_server`). Case changes use Unicode's full " +
				"case mapping, as JavaScript and Python do: `straße` in upper case is `STRASSE`, and a final `Σ` " +
				"lower-cases to `ς`.\n\n**Outputs**: `text`.\n\n" +
				"**Example**: `Order total (EUR)` with mode `snake` → `order_total_eur`.",
			Inputs: []nodes.Port{
				textIn("The text to change."),
				{Name: "mode", Type: nodes.String, Default: "upper", Required: true,
					Options: []string{"upper", "lower", "title", "capitalize", "snake", "camel", "kebab", "pascal"}, Doc: "The case to produce."},
			},
			Outputs: []nodes.Port{textOut("The changed text.")},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				mode, err := option(c, "mode")
				if err != nil {
					return nil, err
				}
				return nodes.Out{"text": changeCase(c.Str("text"), mode)}, nil
			},
		},
		{
			ID: "text.trim", Category: category, Name: "Trim", Icon: "scissors",
			Doc: "Removes whitespace — or any of the given `characters` — from both ends of `text`, or only the " +
				"left or right end. Characters count as a reader sees them (an emoji sequence or a letter with " +
				"accents is one and is removed whole or not at all).\n\n**Outputs**: `text`.\n\n**Example**: `--abc--` with characters `-` and side " +
				"`left` → `abc--`.",
			Inputs: []nodes.Port{
				textIn("The text to trim."),
				{Name: "side", Type: nodes.String, Default: "both", Options: []string{"both", "left", "right"}, Doc: "Which end(s) to trim."},
				{Name: "characters", Type: nodes.String, Default: "", Doc: "The characters to remove (empty: whitespace)."},
			},
			Outputs: []nodes.Port{textOut("The trimmed text.")},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				side, err := option(c, "side")
				if err != nil {
					return nil, err
				}
				s, chars := c.Str("text"), c.Str("characters")
				left, right := side != "right", side != "left"
				if chars == "" {
					if left {
						s = strings.TrimLeftFunc(s, unicode.IsSpace)
					}
					if right {
						s = strings.TrimRightFunc(s, unicode.IsSpace)
					}
				} else {
					s = trimCharacters(s, chars, left, right)
				}
				return nodes.Out{"text": s}, nil
			},
		},
		{
			ID: "text.slugify", Category: category, Name: "Slugify", Icon: "link-2",
			Doc: "Turns `text` into a URL-safe slug: accents transliterated (`é` → `e`, with language-specific rules " +
				"such as German `ü` → `ue` when `language` is `de`), lower case, everything else replaced by the " +
				"separator. `max_length` > 0 shortens the slug at a word boundary.\n\n**Outputs**: `slug`.\n\n" +
				"**Example**: `Crème Brûlée & Co!` → `creme-brulee-and-co`.",
			Inputs: []nodes.Port{
				textIn("The text to slugify."),
				{Name: "separator", Type: nodes.String, Default: "-", Doc: "Between words."},
				{Name: "max_length", Type: nodes.Integer, Default: 0.0, Doc: "Longest slug (0: no limit)."},
				{Name: "language", Type: nodes.String, Default: "en", Doc: "Transliteration language (en, de, fr, nl, es, …)."},
			},
			Outputs: []nodes.Port{{Name: "slug", Type: nodes.String, Doc: "The slug."}},
			Run:     runSlugify,
		},
		{
			ID: "text.length", Category: category, Name: "Length", Icon: "ruler",
			Doc: "Measures `text`: `length` counts characters as a reader sees them, like Substring and Truncate " +
				"(an emoji sequence 👨‍👩‍👧, a flag 🇳🇱 or a letter with combining accents counts 1), `code_points` " +
				"counts Unicode code points and `bytes` its UTF-8 size.\n\n" +
				"**Example**: `héllo` → length 5, bytes 6; `👨‍👩‍👧` → length 1, code_points 5, bytes 18.",
			Inputs: []nodes.Port{textIn("The text to measure.")},
			Outputs: []nodes.Port{
				{Name: "length", Type: nodes.Integer, Doc: "Number of characters as a reader sees them."},
				{Name: "code_points", Type: nodes.Integer, Doc: "Number of Unicode code points."},
				{Name: "bytes", Type: nodes.Integer, Doc: "Number of UTF-8 bytes."},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				s := c.Str("text")
				return nodes.Out{"length": float64(uniseg.GraphemeClusterCount(s)),
					"code_points": float64(utf8.RuneCountInString(s)), "bytes": float64(len(s))}, nil
			},
		},
		{
			ID: "text.substring", Category: category, Name: "Substring", Icon: "text-cursor",
			Doc: "Cuts characters `start` (inclusive) to `end` (exclusive) out of `text`, counting characters as a " +
				"reader sees them, not bytes or code points: an emoji sequence (👨‍👩‍👧, 👍🏽), a flag (🇳🇱) or a letter with " +
				"combining accents is one character and is never split. Negative positions count from the end (`-1` " +
				"is the last character); an empty `end` means to the end. Positions outside the text are clamped.\n\n" +
				"**Outputs**: `text`.\n\n" +
				"**Example**: `2024-05-17` with start `-5` → `05-17`; start 0, end 4 → `2024`.",
			Inputs: []nodes.Port{
				textIn("The text to cut from."),
				{Name: "start", Type: nodes.Integer, Default: 0.0, Doc: "First character (from 0; negative counts from the end; an emoji sequence or flag counts 1)."},
				{Name: "end", Type: nodes.Integer, Doc: "Stop before this character (empty: to the end)."},
			},
			Outputs: []nodes.Port{textOut("The cut-out text.")},
			Run:     runSubstring,
		},
		{
			ID: "text.pad", Category: category, Name: "Pad", Icon: "align-justify",
			Doc: "Pads `text` with `char` to `width` characters: on the `left` (right-aligns, e.g. numbers), the " +
				"`right`, or `both` (centres). Text already as wide is returned unchanged. Characters are counted " +
				"as a reader sees them, like Length: an emoji sequence or a flag counts 1.\n\n**Outputs**: `text`.\n\n" +
				"**Example**: `42` with width 5, char `0`, side left → `00042`.",
			Inputs: []nodes.Port{
				textIn("The text to pad."),
				{Name: "width", Type: nodes.Integer, Required: true, Min: nodes.Bound(0), Max: nodes.Bound(maxPadWidth),
					Doc: "The width to reach, in characters (at most 1048576)."},
				{Name: "side", Type: nodes.String, Default: "left", Options: []string{"left", "right", "both"}, Doc: "Where to add padding."},
				{Name: "char", Type: nodes.String, Default: " ", Doc: "The padding character (exactly one)."},
			},
			Outputs: []nodes.Port{textOut("The padded text.")},
			Run:     runPad,
		},
		{
			ID: "text.truncate", Category: category, Name: "Truncate", Icon: "text-select",
			Doc: "Shortens `text` to at most `max` characters, ending with `ellipsis` when it had to cut (the " +
				"ellipsis counts towards `max`). Characters are counted as a reader sees them: an emoji sequence " +
				"(👨‍👩‍👧, 👍🏽), a flag (🇳🇱) or a letter with combining accents counts 1 and is never cut in half. With " +
				"`word_boundary` the cut moves back to the last space so no word is split.\n\n**Outputs**: `text`, " +
				"`truncated` (whether it was cut).\n\n" +
				"**Example**: `The quick brown fox` with max 12 and word_boundary → `The quick…`.",
			Inputs: []nodes.Port{
				textIn("The text to shorten."),
				{Name: "max", Type: nodes.Integer, Required: true, Min: nodes.Bound(0), Doc: "Longest result, in characters (an emoji sequence or flag counts 1)."},
				{Name: "ellipsis", Type: nodes.String, Default: "…", Doc: "Appended when the text was cut."},
				{Name: "word_boundary", Type: nodes.Boolean, Default: false, Doc: "Cut at a space rather than mid-word."},
			},
			Outputs: []nodes.Port{
				textOut("The shortened text."),
				{Name: "truncated", Type: nodes.Boolean, Doc: "True when the text was cut."},
			},
			Run: runTruncate,
		},
		{
			ID: "text.contains", Category: category, Name: "Text contains", Icon: "search",
			Doc: "Tests whether `text` contains `search` (or, by `mode`, starts or ends with it) and takes " +
				"`true_path` or `false_path` accordingly, carrying `text`. `case_insensitive` compares with Unicode " +
				"case folding (as for search in most apps): `ß` matches `ss`, `ς` matches `σ`.\n\n**Outputs**: `result` (boolean), " +
				"`true_path`, `false_path`.\n\n**Example**: `Invoice #123 paid` contains `PAID` case-insensitively → " +
				"true_path.",
			Inputs: []nodes.Port{
				textIn("The text to test."),
				{Name: "search", Type: nodes.String, Required: true, Doc: "What to look for."},
				{Name: "mode", Type: nodes.String, Default: "contains", Options: []string{"contains", "starts_with", "ends_with"}, Doc: "Where search must occur."},
				{Name: "case_insensitive", Type: nodes.Boolean, Default: false, Doc: "Ignore case, with Unicode case folding: `STRASSE` contains `straße`."},
			},
			Outputs: append([]nodes.Port{{Name: "result", Type: nodes.Boolean, Doc: "Whether the text matched."}}, branchPorts("`text`")...),
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				mode, err := option(c, "mode")
				if err != nil {
					return nil, err
				}
				s, search := c.Str("text"), c.Str("search")
				if c.Bool("case_insensitive") {
					s, search = foldCase(s), foldCase(search)
				}
				var ok bool
				switch mode {
				case "starts_with":
					ok = strings.HasPrefix(s, search)
				case "ends_with":
					ok = strings.HasSuffix(s, search)
				default:
					ok = strings.Contains(s, search)
				}
				return branch(nodes.Out{"result": ok}, ok, c.Str("text")), nil
			},
		},
		{
			ID: "text.split_lines", Category: category, Name: "Split lines", Icon: "list",
			Doc: "Splits `text` into its lines (at `\\n`, `\\r\\n` or `\\r`); a final line break does not add an " +
				"empty line. `trim` strips each line, `skip_empty` drops blank lines. More than 1,000,000 lines is an error.\n\n**Outputs**: `lines`, " +
				"`count`.\n\n**Example**: `a\\r\\n\\nb\\n` → `[\"a\", \"\", \"b\"]`; with skip_empty → `[\"a\", \"b\"]`.",
			Inputs: []nodes.Port{
				textIn("The text to split."),
				{Name: "trim", Type: nodes.Boolean, Default: false, Doc: "Strip whitespace around each line."},
				{Name: "skip_empty", Type: nodes.Boolean, Default: false, Doc: "Drop empty lines."},
			},
			Outputs: []nodes.Port{
				{Name: "lines", Type: nodes.List, Doc: "The lines."},
				{Name: "count", Type: nodes.Integer, Doc: "How many lines."},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				lines, ok := splitLines(c.Str("text"))
				if !ok {
					return nil, nodes.Errorf("text", "has more than %d lines, which is more than a flow should hold in one list", maxParts)
				}
				out := make([]any, 0, len(lines))
				for _, l := range lines {
					if c.Bool("trim") {
						l = strings.TrimSpace(l)
					}
					if c.Bool("skip_empty") && strings.TrimSpace(l) == "" {
						continue
					}
					out = append(out, l)
				}
				return nodes.Out{"lines": out, "count": float64(len(out))}, nil
			},
		},
		{
			ID: "text.word_count", Category: category, Name: "Word count", Icon: "whole-word",
			Doc: "Counts the words in `text`: runs of characters between whitespace that contain at least one letter " +
				"or digit (so a lone `-` or `…` is not a word).\n\n**Outputs**: `count`, `words` (the words, " +
				"punctuation included as written).\n\n**Example**: `Hello, world — again!` → 3.",
			Inputs: []nodes.Port{textIn("The text to count.")},
			Outputs: []nodes.Port{
				{Name: "count", Type: nodes.Integer, Doc: "Number of words."},
				{Name: "words", Type: nodes.List, Doc: "The words."},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				words := []any{}
				for _, f := range strings.Fields(c.Str("text")) {
					if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
						words = append(words, f)
					}
				}
				return nodes.Out{"count": float64(len(words)), "words": words}, nil
			},
		},
	}
}

func runSplit(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	s, sep := c.Str("text"), c.Str("separator")
	limit, err := c.IntOr("limit", 0)
	if err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, nodes.Errorf("limit", "must be 0 (no limit) or more, got %d", limit)
	}
	if limit == 0 {
		limit = -1
	}
	var parts []string
	switch {
	case s == "":
		parts = nil
	case sep == "":
		// characters as a reader sees them (as Length counts them): 👍🏽 and e + ◌́ stay whole;
		// counted first, so too many fail before the list is made
		n, state, rest := 0, -1, s
		for rest != "" && n <= maxParts && (limit <= 0 || n < limit) {
			_, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
			n++
		}
		if n > maxParts {
			return nil, tooManyParts("text", "characters")
		}
		parts = make([]string, 0, n)
		state, rest = -1, s
		for rest != "" {
			if limit > 0 && len(parts) == limit-1 {
				parts = append(parts, rest)
				break
			}
			var g string
			g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
			parts = append(parts, g)
		}
	default:
		if n := strings.Count(s, sep) + 1; n > maxParts && (limit <= 0 || limit > maxParts) {
			return nil, tooManyParts("text", "parts")
		}
		parts = strings.SplitN(s, sep, limit)
	}
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		if c.Bool("trim") {
			p = strings.TrimSpace(p)
		}
		if c.Bool("skip_empty") && p == "" {
			continue
		}
		out = append(out, p)
	}
	return nodes.Out{"parts": out, "count": float64(len(out))}, nil
}

func runReplace(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	s, find, repl := c.Str("text"), c.Str("find"), c.Str("replace")
	if find == "" {
		return nil, nodes.Errorf("find", "must not be empty")
	}
	mode, err := option(c, "mode")
	if err != nil {
		return nil, err
	}
	n := -1
	if mode == "first" {
		n = 1
	}
	// each calls f with the start and end of every match, in order, without keeping them:
	// a list of millions of match positions would take hundreds of megabytes
	index := func(s string) (int, int) {
		j := strings.Index(s, find)
		return j, j + len(find)
	}
	each := func(f func(a, b int)) int {
		count := 0
		for i := 0; i <= len(s) && (n < 0 || count < n); count++ {
			j, k := index(s[i:])
			if j < 0 {
				break
			}
			f(i+j, i+k)
			i += k
		}
		return count
	}
	if c.Bool("case_insensitive") {
		// full case folding, as Text contains compares: "straße" finds "STRASSE" and "ǅ"
		// finds "ǆ", which Go's (?i), folding one character to one character, does not
		ft, ff := newFolded(s), foldText(find)
		each = func(f func(a, b int)) int {
			count := 0
			for i := 0; n < 0 || count < n; count++ {
				a, b, next := ft.index(ff, i)
				if a < 0 {
					break
				}
				f(a, b)
				i = next
			}
			return count
		}
	}
	size := len(s)
	count := each(func(a, b int) { size += len(repl) - (b - a) })
	if size > maxResultBytes { // as Regex replace: "a" by 100 kB in 100 kB of a's was 10 GB
		return nil, nodes.Errorf("replace", "the result would be larger than %d bytes", maxResultBytes)
	}
	var b strings.Builder
	b.Grow(size)
	last := 0
	each(func(from, to int) {
		b.WriteString(s[last:from])
		b.WriteString(repl)
		last = to
	})
	b.WriteString(s[last:])
	return nodes.Out{"text": b.String(), "count": float64(count)}, nil
}

// words splits text into words for identifier cases: at non-letters/digits, at a lower
// case letter or digit followed by an upper case one, and before the last upper case
// letter of a run followed by a lower case one ("HTTPServer" → HTTP, Server).
func words(s string) []string {
	rs := []rune(s)
	var out []string
	start := -1
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if start >= 0 {
				out = append(out, string(rs[start:i]))
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		if unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev) ||
			unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			out = append(out, string(rs[start:i]))
			start = i
		}
	}
	if start >= 0 {
		out = append(out, string(rs[start:]))
	}
	return out
}

// capitalize gives the first letter its title case and lower-cases the rest, with Unicode's
// full case mapping ("ßa" → "Ssa", as Python's capitalize).
func capitalize(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return nodes.TitleFirst(s[:n]) + nodes.Lower(s[n:])
}

func changeCase(s, mode string) string {
	switch mode {
	case "lower":
		return nodes.Lower(s)
	case "title":
		// a character after a letter, digit or apostrophe is lowered; any other starts a word
		// and gets its title case. Lowering whole runs keeps a final sigma final.
		var b strings.Builder
		run, prev := 0, ' '
		for i, r := range s {
			if !(unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '\'' || prev == '’') {
				b.WriteString(nodes.Lower(s[run:i]))
				n := utf8.RuneLen(r)
				if r == utf8.RuneError {
					_, n = utf8.DecodeRuneInString(s[i:])
				}
				b.WriteString(nodes.TitleFirst(s[i : i+n]))
				run = i + n
			}
			prev = r
		}
		b.WriteString(nodes.Lower(s[run:]))
		return b.String()
	case "capitalize":
		return capitalize(s)
	case "snake", "kebab":
		ws := words(s)
		for i, w := range ws {
			ws[i] = nodes.Lower(w)
		}
		sep := "_"
		if mode == "kebab" {
			sep = "-"
		}
		return strings.Join(ws, sep)
	case "camel", "pascal":
		ws := words(s)
		for i, w := range ws {
			if i == 0 && mode == "camel" {
				ws[i] = nodes.Lower(w)
			} else {
				ws[i] = capitalize(w)
			}
		}
		return strings.Join(ws, "")
	}
	return nodes.Upper(s)
}

func runSlugify(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	max, err := c.IntOr("max_length", 0)
	if err != nil {
		return nil, err
	}
	if max < 0 {
		return nil, nodes.Errorf("max_length", "must be 0 (no limit) or more, got %d", max)
	}
	lang := c.Str("language")
	if lang == "" {
		lang = "en"
	}
	s := slug.MakeLang(c.Str("text"), lang)
	sep := c.Str("separator")
	if sep != "-" {
		s = strings.ReplaceAll(s, "-", sep)
	}
	if max > 0 && len(s) > max {
		cut := s[:max]
		if sep != "" && !strings.HasPrefix(s[max:], sep) {
			if i := strings.LastIndex(cut, sep); i > 0 {
				cut = cut[:i]
			}
		}
		if sep != "" {
			cut = strings.TrimSuffix(cut, sep)
		}
		s = cut
	}
	return nodes.Out{"slug": s}, nil
}

// clampIndex turns a possibly negative index into a position within [0, n].
func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

func runSubstring(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	s := c.Str("text")
	start, err := c.IntOr("start", 0)
	if err != nil {
		return nil, err
	}
	end, err := c.IntOr("end", math.MaxInt)
	if err != nil {
		return nil, err
	}
	// the count is needed only for positions from the end; the cut is found by walking the
	// characters once and slicing the text (a list of every character took hundreds of
	// megabytes for a few megabytes of text)
	n := math.MaxInt
	if start < 0 || end < 0 {
		n = uniseg.GraphemeClusterCount(s)
	}
	start, end = clampIndex(start, n), clampIndex(end, n)
	if start >= end {
		return nodes.Out{"text": ""}, nil
	}
	from, to := -1, len(s)
	pos, i, state, rest := 0, 0, -1, s
	for rest != "" {
		if i == start {
			from = pos
		}
		if i == end {
			to = pos
			break
		}
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		pos += len(g)
		i++
	}
	if from < 0 {
		return nodes.Out{"text": ""}, nil // start is past the end
	}
	return nodes.Out{"text": s[from:to]}, nil
}

func runPad(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	width, err := c.Int("width") // refuses widths outside the port's Min and Max
	if err != nil {
		return nil, err
	}
	side, err := option(c, "side")
	if err != nil {
		return nil, err
	}
	ch := c.Str("char")
	if uniseg.GraphemeClusterCount(ch) != 1 {
		return nil, nodes.Errorf("char", "must be exactly one character, got %q", ch)
	}
	s := c.Str("text")
	missing := width - uniseg.GraphemeClusterCount(s)
	if missing <= 0 {
		return nodes.Out{"text": s}, nil
	}
	// one character may be many bytes (a letter with a thousand accents is one)
	if len(s)+missing*len(ch) > maxResultBytes {
		return nil, nodes.Errorf("char", "the padded text would be larger than %d bytes", maxResultBytes)
	}
	switch side {
	case "right":
		s += strings.Repeat(ch, missing)
	case "both":
		s = strings.Repeat(ch, missing/2) + s + strings.Repeat(ch, missing-missing/2)
	default:
		s = strings.Repeat(ch, missing) + s
	}
	return nodes.Out{"text": s}, nil
}

func runTruncate(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	max, err := c.Int("max") // refuses a negative max (the port's Min)
	if err != nil {
		return nil, err
	}
	s := c.Str("text")
	gs := graphemes(s, max+1) // enough to tell whether it fits
	if len(gs) <= max {
		return nodes.Out{"text": s, "truncated": false}, nil
	}
	ell := c.Str("ellipsis")
	nell := uniseg.GraphemeClusterCount(ell)
	if nell >= max {
		return nodes.Out{"text": strings.Join(gs[:max], ""), "truncated": true}, nil
	}
	keep := gs[:max-nell]
	if c.Bool("word_boundary") && !isSpace(gs[len(keep)]) {
		for i := len(keep) - 1; i > 0; i-- {
			if isSpace(keep[i]) {
				keep = keep[:i]
				break
			}
		}
	}
	return nodes.Out{"text": strings.TrimRightFunc(strings.Join(keep, ""), unicode.IsSpace) + ell, "truncated": true}, nil
}

// graphemes splits s into user-perceived characters (Unicode extended grapheme clusters,
// UAX #29): an emoji ZWJ sequence (👨‍👩‍👧), a flag, or a letter with its combining marks
// is one element, so cutting between elements never splits a character. With limit >= 0 it
// stops after that many.
func graphemes(s string, limit int) []string {
	var out []string
	state := -1
	for s != "" && (limit < 0 || len(out) < limit) {
		var g string
		g, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		out = append(out, g)
	}
	return out
}

// trimCharacters removes the characters of set from the ends of s, counting characters as a
// reader sees them: trimming "e" leaves "é" (e + ◌́) whole, where a cut set of code points
// left a lone accent, and "👍🏽" trims that emoji, not every 👍 and skin tone on its own.
func trimCharacters(s, set string, left, right bool) string {
	in := map[string]bool{}
	for _, g := range graphemes(set, -1) {
		in[g] = true
	}
	// one pass, no list: where the first kept character starts and the last one ends
	from, to := -1, 0
	pos, state, rest := 0, -1, s
	for rest != "" {
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if !in[g] {
			if from < 0 {
				from = pos
			}
			to = pos + len(g)
		}
		pos += len(g)
	}
	if from < 0 {
		return "" // every character is in the set
	}
	if !left {
		from = 0
	}
	if !right {
		to = len(s)
	}
	return s[from:to]
}

// isSpace reports whether the character g is white space.
func isSpace(g string) bool {
	r, _ := utf8.DecodeRuneInString(g)
	return unicode.IsSpace(r)
}

// splitLines splits at \r\n, \n and \r; a final line break ends the last line. It reports
// false, before making the list, when there would be more than maxParts lines.
func splitLines(s string) ([]string, bool) {
	n := 0
	eachLine(s, func(string) { n++ })
	if n > maxParts {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	out := make([]string, 0, n)
	eachLine(s, func(l string) { out = append(out, l) })
	return out, true
}

// eachLine calls f with each line of s, as splitLines cuts them.
func eachLine(s string, f func(string)) {
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			f(s[start:i])
			start = i + 1
		case '\r':
			f(s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(s) {
		f(s[start:])
	}
}

// foldCase maps s to its Unicode case folding (full folding: "ß" and "SS" both become "ss"),
// for comparing text without case.
func foldCase(s string) string { return cases.Fold().String(s) }
