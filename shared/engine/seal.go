package engine

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"polysynergy/shared/nodes"
)

// A paused run's State never holds a secret's value. snapshot replaces each value the run
// resolved, in every form secretEncodings writes, by a marker that names the key and the
// form: <secret:KEY@MARK> or <secret:KEY~FORM@MARK>. MARK is random per state, so data a
// caller sends cannot pose as a marker. Resume resolves the keys again and writes each
// value back in the form it was found in.

// secretEncoding is one way a flow commonly writes a secret on the way out.
type secretEncoding struct {
	name string
	enc  func(string) string
}

// secretEncodings: as written; inside a JSON string, once and twice (a JSON document put
// in a string), by encoders that escape <, > and & ("h") and by ones that do not; in a
// URL's query and path, as JavaScript's encodeURI and encodeURIComponent, Python's quote
// and Jinja's urlencode write it; and in base64 (standard and URL-safe; without the
// padding, which follows the marker, so a value cut from a longer text matches too).
var secretEncodings = []secretEncoding{
	{"", func(s string) string { return s }},
	{"json", jsonEscaper(false)},
	{"jsonh", jsonEscaper(true)},
	{"json.json", func(s string) string { return jsonEscaper(false)(jsonEscaper(false)(s)) }},
	{"json.jsonh", func(s string) string { return jsonEscaper(true)(jsonEscaper(false)(s)) }},
	{"jsonh.json", func(s string) string { return jsonEscaper(false)(jsonEscaper(true)(s)) }},
	{"jsonh.jsonh", func(s string) string { return jsonEscaper(true)(jsonEscaper(true)(s)) }},
	{"query", url.QueryEscape},
	{"path", url.PathEscape},
	{"uri", percentEncoder(";,/?:@&=+$#-_.!~*'()")},
	{"uric", percentEncoder("-_.!~*'()")},
	{"quote", percentEncoder("/_.-~")},
	{"base", func(s string) string { return strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "=") }},
	{"baseurl", func(s string) string { return strings.TrimRight(base64.URLEncoding.EncodeToString([]byte(s)), "=") }},
}

// percentEncoder returns an encoder that keeps ASCII letters, digits and the bytes of keep,
// and writes every other byte of the UTF-8 text as %XX.
func percentEncoder(keep string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
				b.WriteByte(c)
				continue
			}
			fmt.Fprintf(&b, "%%%02X", c)
		}
		return b.String()
	}
}

// jsonEscaper returns s as it appears between the quotes of a JSON string.
func jsonEscaper(html bool) func(string) string {
	return func(s string) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if err := enc.Encode(s); err != nil {
			return s // a Go string always encodes; kept total for safety
		}
		q := strings.TrimSuffix(b.String(), "\n")
		return q[1 : len(q)-1]
	}
}

// secretForms returns a secret's distinct forms, as written first.
func secretForms(v string) []string {
	forms := make([]string, 0, len(secretEncodings))
	for _, e := range secretEncodings {
		if f := e.enc(v); f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

func sealMarker(key, form, mark string) string {
	if form == "" {
		return "<secret:" + key + "@" + mark + ">"
	}
	return "<secret:" + key + "~" + form + "@" + mark + ">"
}

// sealer builds the replacer that swaps values (value → key) for markers, longest form
// first so a secret that contains another is replaced whole.
func sealer(secrets map[string]string, mark string) *strings.Replacer {
	type pair struct{ form, marker string }
	var pairs []pair
	for v, k := range secrets {
		if v == "" {
			continue
		}
		var seen []string
		for _, e := range secretEncodings {
			f := e.enc(v)
			if f == "" || slices.Contains(seen, f) {
				continue
			}
			seen = append(seen, f)
			pairs = append(pairs, pair{f, sealMarker(k, e.name, mark)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].form) != len(pairs[j].form) {
			return len(pairs[i].form) > len(pairs[j].form)
		}
		return pairs[i].form < pairs[j].form
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.form, p.marker)
	}
	return strings.NewReplacer(args...)
}

// unsealer builds the replacer that writes resolved values (key → value) back.
func unsealer(values map[string]string, mark string) *strings.Replacer {
	var args []string
	for k, v := range values {
		for _, e := range secretEncodings {
			args = append(args, sealMarker(k, e.name, mark), e.enc(v))
		}
	}
	return strings.NewReplacer(args...)
}

func newSealMark() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("engine: no randomness for a state mark: %v", err)) // crypto/rand never fails on supported systems
	}
	return hex.EncodeToString(b)
}

// seal replaces the secret values in st's outputs, paused payloads and trigger.
func (st *State) seal(secrets map[string]string) {
	if len(secrets) == 0 || len(secrets) == 1 && secrets[""] != "" {
		return
	}
	st.SecretMark = newSealMark()
	st.rewrite(sealer(secrets, st.SecretMark).Replace)
}

// unseal writes the values back. A marker whose key has no value (the secret could not be
// resolved) is an error naming the key.
func (st *State) unseal(values map[string]string, missing map[string]error) error {
	if st.SecretMark == "" {
		return nil
	}
	rep := unsealer(values, st.SecretMark)
	left := regexp.MustCompile(`<secret:([A-Za-z0-9_.\-/]+)(?:~[a-z.]+)?@` + regexp.QuoteMeta(st.SecretMark) + `>`)
	var lost string
	st.rewrite(func(s string) string {
		s = rep.Replace(s)
		if lost == "" {
			if m := left.FindStringSubmatch(s); m != nil {
				lost = m[1]
			}
		}
		return s
	})
	if lost != "" {
		why := "it is not among the keys the run used"
		if err := missing[lost]; err != nil {
			why = err.Error()
		}
		return &RunError{Message: fmt.Sprintf("resuming needs the value of secret %q, which could not be resolved: %s", lost, why)}
	}
	st.SecretMark = ""
	return nil
}

func (st *State) rewrite(f func(string) string) {
	for h, ns := range st.Nodes {
		if ns.Outputs != nil {
			ns.Outputs, _ = rewriteValue(ns.Outputs, f).(map[string]any)
			st.Nodes[h] = ns
		}
	}
	for h, p := range st.Paused {
		st.Paused[h] = rewriteValue(nodes.Normalize(p), f)
	}
	if st.Trigger != nil {
		st.Trigger = rewriteValue(nodes.Normalize(st.Trigger), f)
	}
}

// rewriteValue returns a copy of a JSON-shaped value with f applied to every string and
// map key.
func rewriteValue(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[f(k)] = rewriteValue(e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rewriteValue(e, f)
		}
		return out
	}
	return v
}
