package llm

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Redactor removes a tool's secrets from what it hands the model: an API may echo the
// credentials it was sent (a request inspector, an error naming the token), and whatever a
// tool answers goes to the model's provider. The zero value redacts nothing.
type Redactor struct {
	secrets []string // longest first
}

// secretRef is a <secret:…> placeholder in a node's literal value.
var secretRef = regexp.MustCompile(`<secret:[^<>]+>`)

// AddResolved adds the values resolved stands in for the <secret:…> placeholders of literal
// (a node's value as written, and as the run resolved it). When the two cannot be matched
// (placeholders mixed with templates), all of resolved is taken as secret.
func (r *Redactor) AddResolved(literal, resolved string) {
	locs := secretRef.FindAllStringIndex(literal, -1)
	if len(locs) == 0 || resolved == "" {
		return
	}
	var pat strings.Builder
	pat.WriteString("^")
	last := 0
	for _, l := range locs {
		pat.WriteString(regexp.QuoteMeta(literal[last:l[0]]) + "(.+?)")
		last = l[1]
	}
	pat.WriteString(regexp.QuoteMeta(literal[last:]) + "$")
	m := regexp.MustCompile(pat.String()).FindStringSubmatch(resolved)
	if m == nil {
		r.Add(resolved)
		return
	}
	r.Add(m[1:]...)
}

// Add adds secret values.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	r.secrets = slices.Compact(r.secrets)
}

// Text replaces the secrets in s with [redacted], as written and as JSON escapes them.
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		forms := []string{sec}
		if b, err := json.Marshal(sec); err == nil {
			esc := string(b[1 : len(b)-1])
			forms = append(forms, esc, strings.ReplaceAll(esc, "/", `\/`))
		}
		for _, f := range forms {
			s = strings.ReplaceAll(s, f, "[redacted]")
		}
	}
	return s
}

// Value replaces the secrets in the strings of a decoded JSON value, in place.
func (r *Redactor) Value(v any) any {
	if r == nil || len(r.secrets) == 0 {
		return v
	}
	switch x := v.(type) {
	case string:
		return r.Text(x)
	case map[string]any:
		for k, e := range x {
			x[k] = r.Value(e)
		}
	case []any:
		for i, e := range x {
			x[i] = r.Value(e)
		}
	}
	return v
}
