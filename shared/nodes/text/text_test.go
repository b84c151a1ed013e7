package text

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// nodeCase is one run of a node type: its inputs and what must come out.
type nodeCase struct {
	name      string
	id        string
	in        map[string]any
	templates map[string]string // named templates of the run (text.template)
	want      nodes.Out         // outputs that must be present with these values
	path      string            // the branch port that must be live, if any
	errPort   string            // the port a failure must name; "" means success
	errHas    string            // text the error message must contain
}

// family is 👨‍👩‍👧: five code points (three emoji joined by ZWJs), one character to a reader.
const family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"

func registry(t testing.TB) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

// run executes a node like nodetest.Run, with the run's named templates.
func run(ctx context.Context, typ *nodes.Type, in map[string]any, templates map[string]string) (nodes.Out, error) {
	if templates == nil {
		out, err, _ := nodetest.Run(ctx, typ, in, nodetest.Options{})
		return out, err
	}
	full := map[string]any{}
	for _, p := range typ.Inputs {
		if !p.Control {
			full[p.Name] = p.Default
		}
	}
	for k, v := range in {
		full[k] = v
	}
	c := &nodes.Call{NodeID: "n1", Handle: "node", Type: typ, In: full, Host: &nodetest.Host{}, Attempt: 1,
		Run: &nodes.RunInfo{ID: "run1", FlowID: "flow1", Stage: "mock", Templates: templates}}
	return typ.Run(ctx, c)
}

func runCases(t *testing.T, cases []nodeCase) {
	t.Helper()
	r := registry(t)
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			typ, ok := r.Lookup(tc.id)
			if !ok {
				t.Fatalf("node type %s is not registered", tc.id)
			}
			out, err := run(context.Background(), typ, tc.in, tc.templates)
			check(t, tc, out, err)
		})
	}
}

func check(t *testing.T, tc nodeCase, out nodes.Out, err error) {
	t.Helper()
	if tc.errPort != "" {
		var ie *nodes.InputError
		if !errors.As(err, &ie) {
			t.Fatalf("want an error naming %q, got %v (outputs %v)", tc.errPort, err, out)
		}
		if ie.Port != tc.errPort {
			t.Fatalf("error names port %q, want %q: %v", ie.Port, tc.errPort, err)
		}
		if tc.errHas != "" && !strings.Contains(err.Error(), tc.errHas) {
			t.Fatalf("error %q does not mention %q", err, tc.errHas)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	for k, want := range tc.want {
		got, ok := out[k]
		if !ok {
			t.Fatalf("output %q missing from %v", k, out)
		}
		if !reflect.DeepEqual(nodes.Normalize(got), nodes.Normalize(want)) {
			t.Errorf("output %q = %#v, want %#v", k, got, want)
		}
	}
	if tc.path != "" {
		other := nodes.PortFalsePath
		if tc.path == nodes.PortFalsePath {
			other = nodes.PortTruePath
		}
		if _, ok := out[tc.path]; !ok {
			t.Errorf("branch %s is not live: %v", tc.path, out)
		}
		if _, ok := out[other]; ok {
			t.Errorf("branch %s is live too: %v", other, out)
		}
	}
}

func txt(s string) nodes.Out { return nodes.Out{"text": s} }

func stringCases() []nodeCase {
	tp, fp := nodes.PortTruePath, nodes.PortFalsePath
	return []nodeCase{
		{name: "parts", id: "text.concatenate", in: map[string]any{"values": []any{"Order", 42.0, "shipped"}, "separator": " "}, want: txt("Order 42 shipped")},
		{name: "flattens and skips null", id: "text.concatenate", in: map[string]any{"values": []any{[]any{"a", "b"}, nil, map[string]any{"k": 1.0}}}, want: txt(`ab{"k":1}`)},
		{name: "nothing", id: "text.concatenate", in: map[string]any{}, want: txt("")},
		{name: "nulls kept", id: "text.concatenate", in: map[string]any{"values": []any{"a", nil, "b"}, "separator": ",", "keep_nulls": true}, want: txt("a,,b")},

		{name: "comma", id: "text.split", in: map[string]any{"text": "a,b,,c"}, want: nodes.Out{"parts": []any{"a", "b", "", "c"}, "count": 4.0}},
		{name: "trim and skip", id: "text.split", in: map[string]any{"text": "a, b,,c ", "trim": true, "skip_empty": true}, want: nodes.Out{"parts": []any{"a", "b", "c"}}},
		{name: "limit", id: "text.split", in: map[string]any{"text": "k=v=w", "separator": "=", "limit": 2.0}, want: nodes.Out{"parts": []any{"k", "v=w"}}},
		{name: "characters", id: "text.split", in: map[string]any{"text": "héj", "separator": ""}, want: nodes.Out{"parts": []any{"h", "é", "j"}}},
		{name: "characters limited", id: "text.split", in: map[string]any{"text": "héj", "separator": "", "limit": 2.0}, want: nodes.Out{"parts": []any{"h", "éj"}}},
		{name: "empty text", id: "text.split", in: map[string]any{"text": ""}, want: nodes.Out{"parts": []any{}, "count": 0.0}},
		// characters as Length, Pad and Truncate count them: an emoji with its skin tone, a letter
		// with a combining accent and a flag stay whole
		{name: "characters as a reader sees them", id: "text.split", in: map[string]any{"text": "👍🏽é🇳🇱x", "separator": ""},
			want: nodes.Out{"parts": []any{"👍🏽", "é", "🇳🇱", "x"}, "count": 4.0}},
		{name: "characters as a reader sees them, limited", id: "text.split", in: map[string]any{"text": "👍🏽é🇳🇱x", "separator": "", "limit": 2.0},
			want: nodes.Out{"parts": []any{"👍🏽", "é🇳🇱x"}}},
		{name: "negative limit", id: "text.split", in: map[string]any{"text": "a", "limit": -1.0}, errPort: "limit"},

		{name: "elements", id: "text.join", in: map[string]any{"list": []any{"red", 2.0, nil, true}}, want: txt("red, 2, true")},
		{name: "nulls kept", id: "text.join", in: map[string]any{"list": []any{"red", nil, "blue"}, "keep_nulls": true}, want: txt("red, , blue")},
		{name: "separator", id: "text.join", in: map[string]any{"list": []any{"a", "b"}, "separator": "|"}, want: txt("a|b")},
		{name: "not a list", id: "text.join", in: map[string]any{"list": "a,b"}, errPort: "list"},

		{name: "all", id: "text.replace", in: map[string]any{"text": "a.b.c", "find": ".", "replace": "/"}, want: nodes.Out{"text": "a/b/c", "count": 2.0}},
		{name: "first", id: "text.replace", in: map[string]any{"text": "a.b.c", "find": ".", "replace": "", "mode": "first"}, want: nodes.Out{"text": "ab.c", "count": 1.0}},
		{name: "case-insensitive", id: "text.replace", in: map[string]any{"text": "Hello World, hello!", "find": "hello", "replace": "bye", "case_insensitive": true}, want: nodes.Out{"text": "bye World, bye!", "count": 2.0}},
		{name: "pattern characters are literal", id: "text.replace", in: map[string]any{"text": "1+1=2", "find": "+", "replace": " plus ", "case_insensitive": true}, want: txt("1 plus 1=2")},
		// case_insensitive folds fully, as Text contains does: Go's (?i) maps one character to one
		{name: "case folding ß", id: "text.replace", in: map[string]any{"text": "Große STRASSE, strasse, Straße", "find": "straße", "replace": "Str.", "case_insensitive": true},
			want: nodes.Out{"text": "Große Str., Str., Str.", "count": 3.0}},
		{name: "case folding the other way", id: "text.replace", in: map[string]any{"text": "die Straße", "find": "STRASSE", "replace": "road", "case_insensitive": true},
			want: nodes.Out{"text": "die road", "count": 1.0}},
		{name: "case folding ligature and iota", id: "text.replace", in: map[string]any{"text": "oﬃce ᾳ", "find": "FFI", "replace": "ffi", "case_insensitive": true},
			want: nodes.Out{"text": "office ᾳ", "count": 1.0}},
		{name: "case folding digraph", id: "text.replace", in: map[string]any{"text": "Ǆ ǅ ǆ", "find": "ǆ", "replace": "dz", "case_insensitive": true},
			want: nodes.Out{"text": "dz dz dz", "count": 3.0}},
		{name: "no part of a character", id: "text.replace", in: map[string]any{"text": "Maß, MASS", "find": "s", "replace": "_", "case_insensitive": true},
			want: nodes.Out{"text": "Maß, MA__", "count": 2.0}},
		{name: "case folding first only", id: "text.replace", in: map[string]any{"text": "ΣΊΣΥΦΟΣ σίσυφος", "find": "σίσυφοσ", "replace": "x", "mode": "first", "case_insensitive": true},
			want: nodes.Out{"text": "x σίσυφος", "count": 1.0}},
		{name: "not UTF-8", id: "text.replace", in: map[string]any{"text": "a\xffB\xff", "find": "b", "replace": "c", "case_insensitive": true},
			want: nodes.Out{"text": "a\xffc\xff", "count": 1.0}},
		{name: "not found", id: "text.replace", in: map[string]any{"text": "abc", "find": "x", "replace": "y"}, want: nodes.Out{"text": "abc", "count": 0.0}},
		{name: "empty find", id: "text.replace", in: map[string]any{"text": "abc", "find": ""}, errPort: "find"},
		{name: "bad mode", id: "text.replace", in: map[string]any{"text": "abc", "find": "a", "mode": "some"}, errPort: "mode"},

		{name: "upper", id: "text.case", in: map[string]any{"text": "école", "mode": "upper"}, want: txt("ÉCOLE")},
		{name: "lower", id: "text.case", in: map[string]any{"text": "ÉCOLE", "mode": "lower"}, want: txt("école")},
		{name: "title", id: "text.case", in: map[string]any{"text": "hELLO wide-world it's", "mode": "title"}, want: txt("Hello Wide-World It's")},
		{name: "capitalize", id: "text.case", in: map[string]any{"text": "hELLO World", "mode": "capitalize"}, want: txt("Hello world")},
		{name: "snake", id: "text.case", in: map[string]any{"text": "Order total (EUR)", "mode": "snake"}, want: txt("order_total_eur")},
		{name: "snake from camel", id: "text.case", in: map[string]any{"text": "HTTPServerError2Count", "mode": "snake"}, want: txt("http_server_error2_count")},
		{name: "kebab", id: "text.case", in: map[string]any{"text": "userId", "mode": "kebab"}, want: txt("user-id")},
		{name: "camel", id: "text.case", in: map[string]any{"text": "first_name-value", "mode": "camel"}, want: txt("firstNameValue")},
		{name: "pascal", id: "text.case", in: map[string]any{"text": "HTTP server", "mode": "pascal"}, want: txt("HttpServer")},
		// full case mapping, as JavaScript and Python: ß → SS, final sigma stays final
		{name: "upper sharp s", id: "text.case", in: map[string]any{"text": "Straße ﬁ", "mode": "upper"}, want: txt("STRASSE FI")},
		{name: "lower final sigma", id: "text.case", in: map[string]any{"text": "ΟΔΟΣ ΟΔΟΣ.", "mode": "lower"}, want: txt("οδος οδος.")},
		{name: "title sharp s and sigma", id: "text.case", in: map[string]any{"text": "ßAB ΟΔΟΣ", "mode": "title"}, want: txt("Ssab Οδος")},
		{name: "capitalize sharp s", id: "text.case", in: map[string]any{"text": "ßAB", "mode": "capitalize"}, want: txt("Ssab")},
		{name: "bad mode", id: "text.case", in: map[string]any{"text": "x", "mode": "shout"}, errPort: "mode"},

		{name: "whitespace", id: "text.trim", in: map[string]any{"text": " \t x y \n"}, want: txt("x y")},
		{name: "left characters", id: "text.trim", in: map[string]any{"text": "--abc--", "characters": "-", "side": "left"}, want: txt("abc--")},
		{name: "right", id: "text.trim", in: map[string]any{"text": "  abc  ", "side": "right"}, want: txt("  abc")},
		{name: "characters are whole", id: "text.trim", in: map[string]any{"text": "e\u0301xe", "characters": "e"}, want: txt("e\u0301x")},
		{name: "emoji characters", id: "text.trim", in: map[string]any{"text": "👍🏽👍a👍🏽", "characters": "👍🏽"}, want: txt("👍a")},
		{name: "all trimmed", id: "text.trim", in: map[string]any{"text": "--", "characters": "-"}, want: txt("")},
		{name: "blow-up", id: "text.replace", in: map[string]any{"text": strings.Repeat("a", 1000), "find": "a", "replace": strings.Repeat("x", 10000)}, errPort: "replace", errHas: "larger than"},
		{name: "pad blow-up", id: "text.pad", in: map[string]any{"text": "x", "width": 1048576.0, "char": "a" + strings.Repeat("\u0301", 100)},
			errPort: "char", errHas: "larger than"},
		{name: "bad side", id: "text.trim", in: map[string]any{"text": "x", "side": "middle"}, errPort: "side"},

		{name: "accents", id: "text.slugify", in: map[string]any{"text": "Crème Brûlée & Co!"}, want: nodes.Out{"slug": "creme-brulee-and-co"}},
		{name: "german", id: "text.slugify", in: map[string]any{"text": "Grüße aus Köln", "language": "de"}, want: nodes.Out{"slug": "gruesse-aus-koeln"}},
		{name: "separator", id: "text.slugify", in: map[string]any{"text": "Hello World", "separator": "_"}, want: nodes.Out{"slug": "hello_world"}},
		{name: "max length at a word", id: "text.slugify", in: map[string]any{"text": "the quick brown fox", "max_length": 12.0}, want: nodes.Out{"slug": "the-quick"}},
		{name: "max length exact word end", id: "text.slugify", in: map[string]any{"text": "the quick brown", "max_length": 9.0}, want: nodes.Out{"slug": "the-quick"}},
		{name: "negative max", id: "text.slugify", in: map[string]any{"text": "x", "max_length": -1.0}, errPort: "max_length"},

		{name: "runes and bytes", id: "text.length", in: map[string]any{"text": "héllo😀"}, want: nodes.Out{"length": 6.0, "code_points": 6.0, "bytes": 10.0}},
		{name: "empty", id: "text.length", in: map[string]any{}, want: nodes.Out{"length": 0.0, "code_points": 0.0, "bytes": 0.0}},
		{name: "emoji sequence, flag, combining accent", id: "text.length", in: map[string]any{"text": "👨\u200d👩\u200d👧🇳🇱e\u0301"},
			want: nodes.Out{"length": 3.0, "code_points": 9.0, "bytes": 29.0}},

		{name: "negative start", id: "text.substring", in: map[string]any{"text": "2024-05-17", "start": -5.0}, want: txt("05-17")},
		{name: "start and end", id: "text.substring", in: map[string]any{"text": "2024-05-17", "start": 0.0, "end": 4.0}, want: txt("2024")},
		{name: "runes", id: "text.substring", in: map[string]any{"text": "añb😀c", "start": 1.0, "end": -1.0}, want: txt("ñb😀")},
		{name: "clamped", id: "text.substring", in: map[string]any{"text": "abc", "start": -10.0, "end": 99.0}, want: txt("abc")},
		{name: "empty range", id: "text.substring", in: map[string]any{"text": "abc", "start": 2.0, "end": 1.0}, want: txt("")},
		{name: "fractional start", id: "text.substring", in: map[string]any{"text": "abc", "start": 1.5}, errPort: "start"},
		// positions count user-perceived characters (grapheme clusters): a ZWJ family, a flag and a
		// letter with a combining accent are one each and are never split
		{name: "ZWJ sequence is one character", id: "text.substring", in: map[string]any{"text": "a" + family + "b", "start": 1.0, "end": 2.0}, want: txt(family)},
		{name: "after a ZWJ sequence", id: "text.substring", in: map[string]any{"text": "a" + family + "bc", "start": 2.0}, want: txt("bc")},
		{name: "flags from the end", id: "text.substring", in: map[string]any{"text": "🇳🇱🇧🇪🇩🇪", "start": -2.0, "end": -1.0}, want: txt("🇧🇪")},
		{name: "combining mark stays", id: "text.substring", in: map[string]any{"text": "ne\u0301e", "start": 1.0, "end": 2.0}, want: txt("e\u0301")},
		{name: "skin tone modifier stays", id: "text.substring", in: map[string]any{"text": "👍🏽x", "start": 0.0, "end": 1.0}, want: txt("👍🏽")},

		{name: "left zeros", id: "text.pad", in: map[string]any{"text": "42", "width": 5.0, "char": "0"}, want: txt("00042")},
		{name: "right", id: "text.pad", in: map[string]any{"text": "ab", "width": 4.0, "side": "right", "char": "·"}, want: txt("ab··")},
		{name: "both", id: "text.pad", in: map[string]any{"text": "ab", "width": 5.0, "side": "both", "char": "*"}, want: txt("*ab**")},
		{name: "already wide", id: "text.pad", in: map[string]any{"text": "abcdef", "width": 3.0}, want: txt("abcdef")},
		{name: "emoji counts one", id: "text.pad", in: map[string]any{"text": "👍🏽", "width": 3.0, "char": "-"}, want: txt("--👍🏽")},
		{name: "flag as the char", id: "text.pad", in: map[string]any{"text": "a", "width": 2.0, "side": "right", "char": "🇳🇱"}, want: txt("a🇳🇱")},
		{name: "two characters", id: "text.pad", in: map[string]any{"text": "a", "width": 3.0, "char": "ab"}, errPort: "char"},
		{name: "huge width", id: "text.pad", in: map[string]any{"text": "a", "width": 1e12}, errPort: "width"},
		{name: "no width", id: "text.pad", in: map[string]any{"text": "a"}, errPort: "width"},

		{name: "word boundary", id: "text.truncate", in: map[string]any{"text": "The quick brown fox", "max": 12.0, "word_boundary": true}, want: nodes.Out{"text": "The quick…", "truncated": true}},
		{name: "mid-word", id: "text.truncate", in: map[string]any{"text": "The quick brown fox", "max": 12.0, "ellipsis": "..."}, want: nodes.Out{"text": "The quick...", "truncated": true}},
		{name: "fits", id: "text.truncate", in: map[string]any{"text": "short", "max": 5.0}, want: nodes.Out{"text": "short", "truncated": false}},
		{name: "tiny max", id: "text.truncate", in: map[string]any{"text": "abcdef", "max": 2.0, "ellipsis": "..."}, want: nodes.Out{"text": "ab", "truncated": true}},
		{name: "negative max", id: "text.truncate", in: map[string]any{"text": "abc", "max": -1.0}, errPort: "max"},
		{name: "ZWJ sequences count one", id: "text.truncate", in: map[string]any{"text": family + family + family, "max": 2.0, "ellipsis": ""}, want: nodes.Out{"text": family + family, "truncated": true}},
		{name: "ZWJ sequence fits", id: "text.truncate", in: map[string]any{"text": family, "max": 1.0}, want: nodes.Out{"text": family, "truncated": false}},
		{name: "flags not split", id: "text.truncate", in: map[string]any{"text": "🇳🇱🇧🇪🇩🇪", "max": 2.0}, want: nodes.Out{"text": "🇳🇱…", "truncated": true}},
		{name: "combining marks not split", id: "text.truncate", in: map[string]any{"text": "ce\u0301le\u0301bre", "max": 4.0}, want: nodes.Out{"text": "ce\u0301l…", "truncated": true}},
		{name: "emoji ellipsis counts one", id: "text.truncate", in: map[string]any{"text": "abcdef", "max": 3.0, "ellipsis": family}, want: nodes.Out{"text": "ab" + family, "truncated": true}},
		{name: "word boundary with emoji", id: "text.truncate", in: map[string]any{"text": "hi " + family + family + " there", "max": 6.0, "word_boundary": true}, want: nodes.Out{"text": "hi " + family + family + "…", "truncated": true}},

		{name: "contains", id: "text.contains", in: map[string]any{"text": "Invoice #123 paid", "search": "PAID", "case_insensitive": true}, want: nodes.Out{"result": true, tp: "Invoice #123 paid"}, path: tp},
		{name: "case folding ß", id: "text.contains", in: map[string]any{"text": "Große STRASSE 1", "search": "straße", "case_insensitive": true}, want: nodes.Out{"result": true}, path: tp},
		{name: "case folding starts_with", id: "text.contains", in: map[string]any{"text": "straße 1", "search": "STRASSE", "mode": "starts_with", "case_insensitive": true}, want: nodes.Out{"result": true}, path: tp},
		{name: "case folding keeps ß without the flag", id: "text.contains", in: map[string]any{"text": "STRASSE", "search": "straße"}, want: nodes.Out{"result": false}, path: fp},
		{name: "case matters", id: "text.contains", in: map[string]any{"text": "Invoice paid", "search": "PAID"}, want: nodes.Out{"result": false, fp: "Invoice paid"}, path: fp},
		{name: "starts_with", id: "text.contains", in: map[string]any{"text": "ERR: disk", "search": "ERR", "mode": "starts_with"}, want: nodes.Out{"result": true}, path: tp},
		{name: "ends_with", id: "text.contains", in: map[string]any{"text": "report.csv", "search": ".pdf", "mode": "ends_with"}, want: nodes.Out{"result": false}, path: fp},
		{name: "bad mode", id: "text.contains", in: map[string]any{"text": "x", "search": "x", "mode": "near"}, errPort: "mode"},

		{name: "mixed breaks", id: "text.split_lines", in: map[string]any{"text": "a\r\n\nb\rc\n"}, want: nodes.Out{"lines": []any{"a", "", "b", "c"}, "count": 4.0}},
		{name: "trim and skip", id: "text.split_lines", in: map[string]any{"text": " a \n  \n b", "trim": true, "skip_empty": true}, want: nodes.Out{"lines": []any{"a", "b"}}},
		{name: "empty", id: "text.split_lines", in: map[string]any{"text": ""}, want: nodes.Out{"lines": []any{}, "count": 0.0}},

		{name: "punctuation is not a word", id: "text.word_count", in: map[string]any{"text": "Hello, world — again!"}, want: nodes.Out{"count": 3.0, "words": []any{"Hello,", "world", "again!"}}},
		{name: "empty", id: "text.word_count", in: map[string]any{"text": "  "}, want: nodes.Out{"count": 0.0}},
	}
}

func TestStringNodes(t *testing.T) { runCases(t, stringCases()) }

func regexCases() []nodeCase {
	tp, fp := nodes.PortTruePath, nodes.PortFalsePath
	return []nodeCase{
		{name: "named group", id: "text.regex_match", in: map[string]any{"pattern": `order-(?P<id>\d+)`, "text": "see order-1234"},
			want: nodes.Out{"matched": true, "match": "order-1234", "index": 4.0, "end": 14.0, "groups": map[string]any{"1": "1234", "id": "1234"}, tp: "see order-1234"}, path: tp},
		{name: "rune index", id: "text.regex_match", in: map[string]any{"pattern": `b`, "text": "ééb"}, want: nodes.Out{"index": 2.0, "end": 3.0}, path: tp},
		// positions count characters as Substring does: 👍🏽 (two code points) and e + ◌́ are one each
		{name: "index after an emoji with a skin tone", id: "text.regex_match", in: map[string]any{"pattern": `a`, "text": "👍🏽a"},
			want: nodes.Out{"index": 1.0, "end": 2.0}, path: tp},
		{name: "index after a combining accent", id: "text.regex_match", in: map[string]any{"pattern": `x`, "text": "e\u0301x"},
			want: nodes.Out{"index": 1.0, "end": 2.0}, path: tp},
		{name: "match inside a character widens to it", id: "text.regex_match", in: map[string]any{"pattern": "\u0301", "text": "ae\u0301x"},
			want: nodes.Out{"match": "\u0301", "index": 1.0, "end": 2.0}, path: tp},
		// (?i) folds one character to one, as the nodes' docs say: the Kelvin sign and the
		// digraphs are found, ß for SS is not
		{name: "case folding one for one", id: "text.regex_match", in: map[string]any{"pattern": `k ǆ σ`, "text": "\u212a ǅ ς", "case_insensitive": true},
			want: nodes.Out{"matched": true}, path: tp},
		{name: "no case folding one for several", id: "text.regex_match", in: map[string]any{"pattern": `straße`, "text": "STRASSE", "case_insensitive": true},
			want: nodes.Out{"matched": false}, path: fp},
		{name: "both spellings spelled out", id: "text.regex_match", in: map[string]any{"pattern": `stra(ß|ss)e`, "text": "STRASSE", "case_insensitive": true},
			want: nodes.Out{"matched": true}, path: tp},
		{name: "optional group absent", id: "text.regex_match", in: map[string]any{"pattern": `a(x)?`, "text": "a"}, want: nodes.Out{"groups": map[string]any{"1": nil}}, path: tp},
		{name: "no match", id: "text.regex_match", in: map[string]any{"pattern": `\d`, "text": "abc"},
			want: nodes.Out{"matched": false, "match": "", "index": -1.0, "end": -1.0, "groups": map[string]any{}, fp: "abc"}, path: fp},
		{name: "flags", id: "text.regex_match", in: map[string]any{"pattern": `^b.c$`, "text": "a\nB\nC", "case_insensitive": true, "multiline": true, "dot_all": true}, want: nodes.Out{"match": "B\nC"}, path: tp},
		{name: "bad pattern", id: "text.regex_match", in: map[string]any{"pattern": `(unclosed`, "text": "x"}, errPort: "pattern", errHas: "missing closing )"},
		{name: "no backreferences", id: "text.regex_match", in: map[string]any{"pattern": `(a)\1`, "text": "aa"}, errPort: "pattern"},

		{name: "all with groups", id: "text.regex_extract", in: map[string]any{"pattern": `(\w+)@(?P<host>\w+)\.com`, "text": "ann@acme.com, bob@example.com", "group": "2"},
			want: nodes.Out{"count": 2.0, "values": []any{"acme", "example"}, "matches": []any{
				map[string]any{"match": "ann@acme.com", "index": 0.0, "end": 12.0, "groups": map[string]any{"1": "ann", "2": "acme", "host": "acme"}},
				map[string]any{"match": "bob@example.com", "index": 14.0, "end": 29.0, "groups": map[string]any{"1": "bob", "2": "example", "host": "example"}},
			}}},
		{name: "group by name, limited", id: "text.regex_extract", in: map[string]any{"pattern": `(?P<n>\d+)`, "text": "é1 é22 é333", "group": "n", "limit": 2.0},
			want: nodes.Out{"values": []any{"1", "22"}, "count": 2.0}},
		{name: "whole matches", id: "text.regex_extract", in: map[string]any{"pattern": `\d+`, "text": "a1b22"}, want: nodes.Out{"values": []any{"1", "22"}}},
		{name: "positions in characters", id: "text.regex_extract", in: map[string]any{"pattern": `[a-z]+`, "text": "👍🏽ab " + family + "e\u0301x 🇳🇱cd"},
			want: nodes.Out{"matches": []any{
				map[string]any{"match": "ab", "index": 1.0, "end": 3.0, "groups": map[string]any{}},
				map[string]any{"match": "e", "index": 5.0, "end": 6.0, "groups": map[string]any{}},
				map[string]any{"match": "x", "index": 6.0, "end": 7.0, "groups": map[string]any{}},
				map[string]any{"match": "cd", "index": 9.0, "end": 11.0, "groups": map[string]any{}},
			}}},
		{name: "none", id: "text.regex_extract", in: map[string]any{"pattern": `\d`, "text": "abc"}, want: nodes.Out{"matches": []any{}, "values": []any{}, "count": 0.0}},
		{name: "unknown group", id: "text.regex_extract", in: map[string]any{"pattern": `(a)`, "text": "a", "group": "year"}, errPort: "group"},
		{name: "group out of range", id: "text.regex_extract", in: map[string]any{"pattern": `(a)`, "text": "a", "group": "2"}, errPort: "group"},
		{name: "bad pattern", id: "text.regex_extract", in: map[string]any{"pattern": `[z-a]`, "text": "a"}, errPort: "pattern"},
		{name: "too many matches", id: "text.regex_extract", in: map[string]any{"pattern": `a`, "text": strings.Repeat("a", maxMatches+1)},
			errPort: "limit", errHas: "matches more than 100000 times"},
		{name: "limited many matches", id: "text.regex_extract", in: map[string]any{"pattern": `a`, "text": strings.Repeat("a", maxMatches+1), "limit": 2.0},
			want: nodes.Out{"values": []any{"a", "a"}, "count": 2.0}},
		{name: "exactly the most matches", id: "text.regex_extract", in: map[string]any{"pattern": `a`, "text": strings.Repeat("a", maxMatches)},
			want: nodes.Out{"count": float64(maxMatches)}},
		{name: "limit above the most", id: "text.regex_extract", in: map[string]any{"pattern": `a`, "text": "a", "limit": float64(maxMatches + 1)}, errPort: "limit"},
		{name: "negative limit", id: "text.regex_extract", in: map[string]any{"pattern": `a`, "text": "a", "limit": -2.0}, errPort: "limit"},

		{name: "groups", id: "text.regex_replace", in: map[string]any{"pattern": `(\d{4})-(\d{2})-(\d{2})`, "replacement": "$3/$2/$1", "text": "due 2024-05-17"},
			want: nodes.Out{"text": "due 17/05/2024", "count": 1.0}},
		{name: "named and limited", id: "text.regex_replace", in: map[string]any{"pattern": `(?P<d>\d)`, "replacement": "<${d}>", "text": "1 2 3", "limit": 2.0},
			want: nodes.Out{"text": "<1> <2> 3", "count": 2.0}},
		{name: "literal", id: "text.regex_replace", in: map[string]any{"pattern": `\d+`, "replacement": "$1 cost", "literal": true, "text": "a 10"},
			want: txt("a $1 cost")},
		{name: "case-insensitive delete", id: "text.regex_replace", in: map[string]any{"pattern": `secret`, "text": "a SECRET b", "case_insensitive": true}, want: txt("a  b")},
		{name: "bad pattern", id: "text.regex_replace", in: map[string]any{"pattern": `*`, "text": "a"}, errPort: "pattern"},
		{name: "blow-up", id: "text.regex_replace", in: map[string]any{"pattern": ``, "text": strings.Repeat("a", 1000), "replacement": strings.Repeat("x", 10000)}, errPort: "replacement"},
	}
}

func TestRegexNodes(t *testing.T) { runCases(t, regexCases()) }

func markdownCases() []nodeCase {
	return []nodeCase{
		{name: "basic", id: "text.markdown_to_html", in: map[string]any{"markdown": "# Hi\n\n**bold** <b>x</b>"},
			want: nodes.Out{"html": "<h1>Hi</h1>\n<p><strong>bold</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"}},
		{name: "html block escaped", id: "text.markdown_to_html", in: map[string]any{"markdown": "<script>alert(1)</script>\n\nafter"},
			want: nodes.Out{"html": "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>after</p>\n"}},
		{name: "javascript link dropped", id: "text.markdown_to_html", in: map[string]any{"markdown": "[x](javascript:alert(1))"},
			want: nodes.Out{"html": "<p><a href=\"\">x</a></p>\n"}},
		{name: "html allowed", id: "text.markdown_to_html", in: map[string]any{"markdown": "a <b>x</b>", "allow_html": true},
			want: nodes.Out{"html": "<p>a <b>x</b></p>\n"}},
		{name: "gfm", id: "text.markdown_to_html", in: map[string]any{"markdown": "| a |\n|---|\n| b |\n\n~~old~~"},
			want: nodes.Out{"html": "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>b</td>\n</tr>\n</tbody>\n</table>\n<p><del>old</del></p>\n"}},
		{name: "hard wraps", id: "text.markdown_to_html", in: map[string]any{"markdown": "a\nb", "hard_wraps": true}, want: nodes.Out{"html": "<p>a<br>\nb</p>\n"}},
		{name: "too large", id: "text.markdown_to_html", in: map[string]any{"markdown": strings.Repeat("a", maxMarkdownBytes+1)}, errPort: "markdown"},
		// nesting goldmark takes quadratic time over (200,000 '- ' did not finish in minutes)
		{name: "quotes nested too deep", id: "text.markdown_to_html", in: map[string]any{"markdown": "ok\n" + strings.Repeat(">", 200_000) + " a"}, errPort: "markdown",
			errHas: "line 2 nests block quotes and lists more than 100 levels deep"},
		{name: "lists nested too deep", id: "text.markdown_to_html", in: map[string]any{"markdown": strings.Repeat("- ", 200_000) + "a"}, errPort: "markdown",
			errHas: "line 1 nests block quotes and lists more than 100 levels deep"},
		{name: "lists nested by indentation too deep", id: "text.markdown_to_html", in: map[string]any{"markdown": nestedList(120)}, errPort: "markdown",
			errHas: "nests block quotes and lists more than 100 levels deep"},
	}
}

func TestMarkdown(t *testing.T) { runCases(t, markdownCases()) }

// Reasonable nesting, and lines that only look like markers ("-1", "*emph*"), are not refused.
func TestMarkdownNestingThatIsFine(t *testing.T) {
	src := "> > - 1. x\n\n-1 and *emph* - not a list\n\n" + strings.Repeat("> ", 90) + "deep quote\n\n" + nestedList(20)
	if err := markdownNesting(src); err != nil {
		t.Fatal(err)
	}
	html, err := markdownToHTML(src, false, false)
	if err != nil || !strings.Contains(html, "<blockquote>\n<blockquote>\n<ul>\n<li>\n<ol>\n<li>x</li>") || !strings.Contains(html, "<p>-1 and <em>emph</em> - not a list</p>") {
		t.Fatalf("%v\n%s", err, html)
	}
}

// nestedList is a list nested depth levels deep by indentation.
func nestedList(depth int) string {
	var b strings.Builder
	for k := range depth {
		b.WriteString(strings.Repeat("  ", k) + "- item\n")
	}
	return b.String()
}

// TestFamilyDeclarations checks that every type is documented, categorised and tested.
func TestFamilyDeclarations(t *testing.T) {
	r := registry(t)
	covered := map[string]bool{}
	for _, cases := range [][]nodeCase{stringCases(), regexCases(), markdownCases(), templateCases(), htmlCases()} {
		for _, c := range cases {
			covered[c.id] = true
		}
	}
	for _, typ := range r.Types() {
		if typ.Category != category {
			t.Errorf("%s: category %q", typ.ID, typ.Category)
		}
		if typ.Family() != "text" {
			t.Errorf("%s: not in the text family", typ.ID)
		}
		if len(typ.Doc) < 80 || !strings.Contains(typ.Doc, "Example") {
			t.Errorf("%s: documentation too thin (needs an example): %q", typ.ID, typ.Doc)
		}
		if typ.Icon == "" || typ.Name == "" {
			t.Errorf("%s: name or icon missing", typ.ID)
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
		if !covered[typ.ID] {
			t.Errorf("%s: no test case", typ.ID)
		}
		delete(covered, typ.ID)
	}
	for id := range covered {
		t.Errorf("test cases for unregistered type %s", id)
	}
	if r.Len() < 19 {
		t.Errorf("only %d text types registered", r.Len())
	}
	tpl, _ := r.Lookup("text.template")
	if p, _ := tpl.Input("template"); p.Templated || p.Editor != nodes.EditTemplate {
		t.Errorf("text.template's template input must be literal with the template editor: %+v", p)
	}
}

// TestRegexPositionsFeedSubstring cuts each match out again with Substring at the regex
// node's index and end: both count the same characters.
func TestRegexPositionsFeedSubstring(t *testing.T) {
	r := registry(t)
	extract, _ := r.Lookup("text.regex_extract")
	substring, _ := r.Lookup("text.substring")
	ctx := context.Background()
	for _, s := range []string{"👍🏽x👍🏽yz", "e\u0301xe\u0301y", family + "🇳🇱zz", "plain xy"} {
		out, err := run(ctx, extract, map[string]any{"pattern": `[x-z]+`, "text": s}, nil)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		for _, m := range out["matches"].([]any) {
			m := m.(map[string]any)
			sub, err := run(ctx, substring, map[string]any{"text": s, "start": m["index"], "end": m["end"]}, nil)
			if err != nil {
				t.Fatalf("%q: substring: %v", s, err)
			}
			if sub["text"] != m["match"] {
				t.Errorf("%q: Substring(%v, %v) = %q, the match was %q", s, m["index"], m["end"], sub["text"], m["match"])
			}
		}
	}
}

// TestSubstringOfLongText: cutting a few characters out of long text does not build a list
// of every character (a few megabytes of text took hundreds of megabytes).
func TestSubstringOfLongText(t *testing.T) {
	typ, _ := registry(t).Lookup("text.substring")
	long := strings.Repeat("ab👍🏽", 50000) // 150000 characters, 500 kB
	for _, in := range []map[string]any{{"start": 2.0, "end": 4.0}, {"start": -2.0}, {"start": 1.0, "end": -149997.0}} {
		in["text"] = long
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, err := run(context.Background(), typ, in, nil)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 200<<10 {
			t.Errorf("%v: allocated %d bytes to cut from 500 kB of text", in["start"], n)
		}
		if want := map[float64]string{2: "👍🏽a", -2: "b👍🏽", 1: "b👍🏽"}[in["start"].(float64)]; out["text"] != want {
			t.Errorf("%v: %q, want %q", in["start"], out["text"], want)
		}
	}
}

// Folding character by character, as Replace does to map matches back, gives the same text
// as folding the whole text.
func TestFoldedIsTheFullFolding(t *testing.T) {
	for _, s := range []string{"Straße ΣΊΣΥΦΟΣ", "ǄǅǆDŽ", "ﬃ ᾼ ᾳ İı K ſ", "ŉ ẞ ΐ", "plain ASCII", "mixed Ünïcödé ÅNGSTRÖM Å"} {
		f := newFolded(s)
		if want := foldCase(s); f.text != want {
			t.Errorf("%q: folded %q, want %q", s, f.text, want)
		}
		// every character boundary of the text maps back to itself
		for i := range s {
			a := -1
			for j := 0; j <= len(f.text); j++ {
				if f.boundary(j) && f.orig(j) == i {
					a = j
					break
				}
			}
			if a < 0 {
				t.Errorf("%q: offset %d is not reached from the folded text", s, i)
			}
		}
	}
}
