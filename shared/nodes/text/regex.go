package text

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"

	"polysynergy/shared/nodes"
)

// maxResultBytes bounds the text regex_replace builds.
const maxResultBytes = 8 << 20

// maxMatches bounds the matches regex_extract lists: each is an object, so a pattern that
// matches every character of a few megabytes would otherwise take gigabytes.
const maxMatches = 100000

// regexPorts are the inputs every regex node shares.
func regexPorts() []nodes.Port {
	return []nodes.Port{
		{Name: "pattern", Type: nodes.String, Required: true, Editor: nodes.EditCode, Check: nodes.CheckRegexp,
			Doc: "Regular expression in RE2 syntax (no backreferences or lookaround; always linear time)."},
		textIn("The text to search."),
		{Name: "case_insensitive", Type: nodes.Boolean, Default: false,
			Doc: "Ignore case (flag i): one character for one (`k` matches `K` and `K`), not `ß` for `SS`."},
		{Name: "multiline", Type: nodes.Boolean, Default: false, Doc: "^ and $ match at line breaks (flag m)."},
		{Name: "dot_all", Type: nodes.Boolean, Default: false, Doc: ". also matches line breaks (flag s)."},
	}
}

const regexDoc = " Patterns use [RE2 syntax](https://github.com/google/re2/wiki/Syntax): `\\d`, `[a-z]+`, `(?P<name>…)` " +
	"named groups, `(?i)` flags; matching always takes linear time. Positions count characters as a reader sees them, like " +
	"Substring (an emoji sequence 👍🏽 or a letter with combining accents is 1), so `index` and `end` can go " +
	"straight into Substring's `start` and `end`. Ignoring case (`case_insensitive` or `(?i)`) matches a character " +
	"with the characters it folds to one for one (`k`, `K` and the Kelvin sign `K`; `ǆ`, `ǅ` and `Ǆ`; `σ` and `ς`), " +
	"not with several: `(?i)straße` does not match `STRASSE`, nor `ﬃ` `FFI` (RE2 folds one character to one). For " +
	"plain text use **Replace** or **Text contains**, which fold fully, or spell both out: `stra(ß|ss)e`."

func regexTypes() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "text.regex_match", Category: category, Name: "Regex match", Icon: "regex",
			Doc: "Tests whether `pattern` matches somewhere in `text` and takes `true_path` or `false_path`, carrying " +
				"`text`. On a match, `match` is the matched text, `index` its position, `end` the position just after it and `groups` the submatches by " +
				"number (`\"1\"`, `\"2\"`, …) and by name (null for groups that did not take part)." + regexDoc +
				"\n\n**Outputs**: `matched`, `match`, `index` and `end` (-1 without a match), `groups`, `true_path`, `false_path`." +
				"\n\n**Example**: pattern `order-(?P<id>\\d+)` on `see order-1234` → matched, match `order-1234`, " +
				"groups `{\"1\": \"1234\", \"id\": \"1234\"}`, index 4, end 14.",
			Inputs: regexPorts(),
			Outputs: append([]nodes.Port{
				{Name: "matched", Type: nodes.Boolean, Doc: "Whether the pattern matched."},
				{Name: "match", Type: nodes.String, Doc: "The matched text (empty without a match)."},
				{Name: "index", Type: nodes.Integer, Doc: "Character position of the match (as Substring counts), or -1."},
				{Name: "end", Type: nodes.Integer, Doc: "Character position just after the match (Substring's end), or -1."},
				{Name: "groups", Type: nodes.Object, Doc: "Submatches by number and name."},
			}, branchPorts("`text`")...),
			Run: runRegexMatch,
		},
		{
			ID: "text.regex_extract", Category: category, Name: "Regex extract", Icon: "text-search",
			Doc: "Finds every match of `pattern` in `text` (at most `limit` when > 0). `matches` lists one object per " +
				"match: `{match, index, end, groups}` with groups by number and name; `values` lists just the text of " +
				"`group` (0: the whole match, or a group number or name) for each match. More than 100000 matches " +
				"fail the node unless `limit` takes the first ones." + regexDoc +
				"\n\n**Outputs**: `matches`, `values`, `count`.\n\n**Example**: pattern `(\\w+)@(\\w+)\\.com`, group `2` " +
				"on `ann@acme.com, bob@example.com` → values `[\"acme\", \"example\"]`.",
			Inputs: append(regexPorts(),
				nodes.Port{Name: "group", Type: nodes.String, Default: "0", Doc: "Which group `values` lists: 0 (whole match), a number or a name."},
				nodes.Port{Name: "limit", Type: nodes.Integer, Default: 0.0, Min: nodes.Bound(0), Max: nodes.Bound(maxMatches),
					Doc: "At most this many matches (0: all, which may be at most 100000)."},
			),
			Outputs: []nodes.Port{
				{Name: "matches", Type: nodes.List, Doc: "One {match, index, end, groups} object per match."},
				{Name: "values", Type: nodes.List, Doc: "The selected group's text per match."},
				{Name: "count", Type: nodes.Integer, Doc: "Number of matches."},
			},
			Run: runRegexExtract,
		},
		{
			ID: "text.regex_replace", Category: category, Name: "Regex replace", Icon: "replace-all",
			Doc: "Replaces matches of `pattern` in `text` with `replacement` — all of them, or the first `limit`. In " +
				"the replacement `$1` or `${name}` insert groups (`$$` is a dollar sign) unless `literal` is set. A result " +
				"over 8 MB is an error naming `replacement`." +
				regexDoc + "\n\n**Outputs**: `text`, `count` (replacements made).\n\n**Example**: pattern " +
				"`(\\d{4})-(\\d{2})-(\\d{2})`, replacement `$3/$2/$1` on `due 2024-05-17` → `due 17/05/2024`.",
			Inputs: append(regexPorts(),
				nodes.Port{Name: "replacement", Type: nodes.String, Default: "", Doc: "What to put instead of each match."},
				nodes.Port{Name: "limit", Type: nodes.Integer, Default: 0.0, Doc: "Replace at most this many matches (0: all)."},
				nodes.Port{Name: "literal", Type: nodes.Boolean, Default: false, Doc: "Insert the replacement as is ($ has no meaning)."},
			),
			Outputs: []nodes.Port{
				textOut("The changed text."),
				{Name: "count", Type: nodes.Integer, Doc: "How many matches were replaced."},
			},
			Run: runRegexReplace,
		},
	}
}

// compile builds the node's regular expression with its flags.
func compile(c *nodes.Call) (*regexp.Regexp, error) {
	flags := ""
	if c.Bool("case_insensitive") {
		flags += "i"
	}
	if c.Bool("multiline") {
		flags += "m"
	}
	if c.Bool("dot_all") {
		flags += "s"
	}
	pattern := c.Str("pattern")
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := nodes.CompileRegexp(pattern) // as validation checks a literal pattern
	if err != nil {
		return nil, nodes.Errorf("pattern", "%v", err)
	}
	return re, nil
}

// charIndex converts byte offsets of s into character positions as Substring counts them
// (grapheme clusters: 👍🏽 or e + ◌́ is one), walking forward only. A match that starts or
// ends inside a character (a pattern for the combining accent alone) is widened to the
// whole character, so Substring(start, end) always returns text containing the match.
type charIndex struct {
	s        string
	pos, idx int // byte offset where character idx starts
	next     int // byte offset where character idx ends (pos when unknown)
	state    int
}

func newCharIndex(s string) *charIndex { return &charIndex{s: s, state: -1} }

// advance moves past every character that ends at or before byte b.
func (c *charIndex) advance(b int) {
	for c.pos < len(c.s) {
		if c.next == c.pos {
			g, _, _, st := uniseg.FirstGraphemeClusterInString(c.s[c.pos:], c.state)
			c.next, c.state = c.pos+len(g), st
		}
		if c.next > b {
			return
		}
		c.pos, c.idx = c.next, c.idx+1
	}
}

// start is the position of the character that holds byte b.
func (c *charIndex) start(b int) int {
	c.advance(b)
	return c.idx
}

// end is the position just after the character that holds byte b-1 (an exclusive end).
func (c *charIndex) end(b int) int {
	c.advance(b)
	if c.pos < b {
		return c.idx + 1
	}
	return c.idx
}

// groups maps a match's submatches by number and by name.
func groups(re *regexp.Regexp, s string, loc []int) map[string]any {
	out := map[string]any{}
	for i, name := range re.SubexpNames() {
		if i == 0 {
			continue
		}
		var v any
		if loc[2*i] >= 0 {
			v = s[loc[2*i]:loc[2*i+1]]
		}
		out[strconv.Itoa(i)] = v
		if name != "" {
			out[name] = v
		}
	}
	return out
}

func runRegexMatch(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	re, err := compile(c)
	if err != nil {
		return nil, err
	}
	s := c.Str("text")
	loc := re.FindStringSubmatchIndex(s)
	out := nodes.Out{"matched": loc != nil, "match": "", "index": -1.0, "end": -1.0, "groups": map[string]any{}}
	if loc != nil {
		out["match"] = s[loc[0]:loc[1]]
		idx := newCharIndex(s)
		out["index"] = float64(idx.start(loc[0]))
		out["end"] = float64(idx.end(loc[1]))
		out["groups"] = groups(re, s, loc)
	}
	return branch(out, loc != nil, s), nil
}

// limitInput reads a limit port: 0 means all (-1 for the regexp package).
func limitInput(c *nodes.Call) (int, error) {
	n, err := c.IntOr("limit", 0)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, nodes.Errorf("limit", "must be 0 (all) or more, got %d", n)
	}
	if n == 0 {
		return -1, nil
	}
	return n, nil
}

func runRegexExtract(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	re, err := compile(c)
	if err != nil {
		return nil, err
	}
	limit, err := limitInput(c)
	if err != nil {
		return nil, err
	}
	group := strings.TrimSpace(c.Str("group"))
	gi := 0
	if group != "" {
		if n, err := strconv.Atoi(group); err == nil {
			gi = n
		} else {
			gi = re.SubexpIndex(group)
		}
		if gi < 0 || gi > re.NumSubexp() {
			return nil, nodes.Errorf("group", "the pattern has no group %q (it has %d)", group, re.NumSubexp())
		}
	}
	s := c.Str("text")
	find := limit
	if find < 0 {
		find = maxMatches + 1 // enough to tell there are too many
	}
	locs := re.FindAllStringSubmatchIndex(s, find)
	if len(locs) > maxMatches {
		return nil, nodes.Errorf("limit", "the pattern matches more than %d times; set limit to take the first ones (at most %d)", maxMatches, maxMatches)
	}
	idx := newCharIndex(s)
	matches, values := []any{}, []any{}
	for _, loc := range locs {
		matches = append(matches, map[string]any{
			"match": s[loc[0]:loc[1]], "index": float64(idx.start(loc[0])), "end": float64(idx.end(loc[1])),
			"groups": groups(re, s, loc),
		})
		var v any
		if loc[2*gi] >= 0 {
			v = s[loc[2*gi]:loc[2*gi+1]]
		}
		values = append(values, v)
	}
	return nodes.Out{"matches": matches, "values": values, "count": float64(len(matches))}, nil
}

func runRegexReplace(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	re, err := compile(c)
	if err != nil {
		return nil, err
	}
	limit, err := limitInput(c)
	if err != nil {
		return nil, err
	}
	s, repl := c.Str("text"), c.Str("replacement")
	literal := c.Bool("literal")
	// Count the matches first without keeping them (ReplaceAllStringFunc hands them out one at
	// a time): listing millions of match locations would take hundreds of megabytes.
	total, matched := 0, 0
	re.ReplaceAllStringFunc(s, func(m string) string {
		total++
		matched += len(m)
		return ""
	})
	n := total
	if limit > 0 && limit < n {
		n = limit
	}
	if n > maxMatches {
		if n < total {
			return nil, nodes.Errorf("limit", "the pattern matches %d times; a limit over %d must take them all (0)", total, maxMatches)
		}
		// Replace them all, streaming, once the result is known to stay within bounds.
		size := len(s) - matched + n*len(repl)
		if !literal {
			size += strings.Count(repl, "$") * matched // a group is at most its match
		}
		if size > maxResultBytes {
			return nil, nodes.Errorf("replacement", "the result of replacing %d matches could be larger than %d bytes", n, maxResultBytes)
		}
		var out string
		if literal {
			out = re.ReplaceAllLiteralString(s, repl)
		} else {
			out = re.ReplaceAllString(s, repl)
		}
		return nodes.Out{"text": out, "count": float64(n)}, nil
	}
	locs := re.FindAllStringSubmatchIndex(s, n)
	var b []byte
	last := 0
	for _, loc := range locs {
		b = append(b, s[last:loc[0]]...)
		if literal {
			b = append(b, repl...)
		} else {
			b = re.ExpandString(b, repl, s, loc)
		}
		last = loc[1]
		if len(b) > maxResultBytes {
			return nil, nodes.Errorf("replacement", "the result would be larger than %d bytes", maxResultBytes)
		}
	}
	b = append(b, s[last:]...)
	return nodes.Out{"text": string(b), "count": float64(len(locs))}, nil
}
