package flow

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"polysynergy/shared/nodes"
)

// A Jinja template (the Template node's template) is not a flow expression: it sees only
// the node's context and variables, so `{{ start.input.name }}` written there as in any
// other field renders nothing (or fails reading a field of it). templateReads warns when a
// literal template reads a name that is a node of the flow and neither the context nor a
// variable row provides it, nor the template binds it itself ({% set %}, {% for %}, macro
// parameters, imports).
func (b *builder) templateReads() {
	for _, pn := range b.plan.Nodes {
		if disabled(pn) {
			continue
		}
		for _, in := range pn.Inputs {
			if in.Port.Check != nodes.CheckJinja || !in.HasValue || !in.Value.static || len(in.Edges) > 0 {
				continue
			}
			src, ok := in.Value.lit.(string)
			if !ok {
				continue
			}
			provided, known := templateVariables(pn)
			if !known {
				continue
			}
			reads, bound := jinjaNames(src)
			for _, name := range reads {
				t := b.plan.byHandle[name]
				if t == nil || provided[name] || bound[name] {
					continue
				}
				path := fmt.Sprintf("/nodes/%d/values/%s", b.docIndex(pn), escape(in.Port.Name))
				b.warn(path, pn.Handle(), in.Port.Name,
					"the template reads %q, a node of this flow, but a template sees only its context and variables, so %q is undefined when it renders; "+
						"add a variables row %q with the value {{ %s }} (or name it in context)", name, name, name, name)
			}
		}
	}
}

// templateVariables returns the names a template node's context (a literal object) and
// variables rows provide; known is false when the context comes from an expression or a
// connection, whose names are not known before the run.
func templateVariables(pn *PlanNode) (map[string]bool, bool) {
	names := map[string]bool{}
	if ctx := pn.input("context"); ctx != nil {
		if len(ctx.Edges) > 0 {
			return nil, false
		}
		if ctx.HasValue {
			if !ctx.Value.static {
				return nil, false
			}
			m, ok := ctx.Value.lit.(map[string]any)
			if !ok && ctx.Value.lit != nil {
				return nil, false
			}
			for k := range m {
				names[k] = true
			}
		}
	}
	if vars := pn.input("variables"); vars != nil {
		if len(vars.Edges) > 0 && !vars.Port.Dynamic {
			return nil, false
		}
		for k := range rowKeys(pn.Node, "variables") {
			names[k] = true
		}
	}
	return names, true
}

var (
	jinjaNoteRE  = regexp.MustCompile(`(?s)\{#.*?#\}`)
	jinjaTagRE   = regexp.MustCompile(`(?s)\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}`)
	jinjaSetRE   = regexp.MustCompile(`^\s*set\s+([\w\s,]+?)\s*(?:=|$)`)
	jinjaForRE   = regexp.MustCompile(`^\s*for\s+([\w\s,]+?)\s+in\b`)
	jinjaMacroRE = regexp.MustCompile(`^\s*(?:macro|call)\s*(\w*)\s*\(([^)]*)\)`)
	jinjaWithRE  = regexp.MustCompile(`^\s*with\s+(.*)$`)
	jinjaAsRE    = regexp.MustCompile(`\bas\s+(\w+)`)
	jinjaFromRE  = regexp.MustCompile(`^\s*from\s+.*?\bimport\s+(.*)$`)
	jinjaWordRE  = regexp.MustCompile(`[A-Za-z_]\w*`)
)

// jinjaWords are names Jinja itself gives meaning to (read only).
var jinjaWords = wordSet(`if elif else endif for in endfor set endset macro endmacro call endcall filter endfilter
	block endblock extends include import from as with endwith without context not and or is true false none True False None
	loop range namespace dict lipsum cycler joiner do raw endraw recursive ignore missing super self caller varargs kwargs
	autoescape endautoescape`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// jinjaNames lists the root names a template reads, in order, and the names it binds.
func jinjaNames(src string) (reads []string, bound map[string]bool) {
	bound = map[string]bool{}
	bind := func(list string) {
		for _, part := range strings.Split(list, ",") {
			name, _, _ := strings.Cut(part, "=")
			if w := strings.TrimSpace(name); jinjaWordRE.MatchString(w) && jinjaWordRE.FindString(w) == w {
				bound[w] = true
			}
		}
	}
	src = jinjaNoteRE.ReplaceAllString(src, "")
	for _, m := range jinjaTagRE.FindAllStringSubmatch(src, -1) {
		body := m[1]
		if body == "" {
			body = m[2]
			if s := jinjaSetRE.FindStringSubmatch(body); s != nil {
				bind(s[1])
			}
			if s := jinjaForRE.FindStringSubmatch(body); s != nil {
				bind(s[1])
			}
			if s := jinjaMacroRE.FindStringSubmatch(body); s != nil {
				bind(s[1])
				bind(s[2])
			}
			if s := jinjaWithRE.FindStringSubmatch(body); s != nil {
				bind(s[1])
			}
			if s := jinjaFromRE.FindStringSubmatch(body); s != nil {
				for _, part := range strings.Split(s[1], ",") {
					f := strings.Fields(part)
					if len(f) > 0 {
						bound[f[len(f)-1]] = true // `a` or `a as b`
					}
				}
			}
			for _, s := range jinjaAsRE.FindAllStringSubmatch(body, -1) {
				bound[s[1]] = true
			}
		}
		for _, name := range rootNames(body) {
			if !slices.Contains(reads, name) {
				reads = append(reads, name)
			}
		}
	}
	return reads, bound
}

// rootNames lists the names in a tag's body that are read as variables: not attributes
// (after .), filters (after |) or tests (after is), not inside strings, not Jinja's words.
func rootNames(body string) []string {
	var out []string
	prev, prevWord := byte(0), ""
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(body) && body[j] != c {
				if body[j] == '\\' {
					j++
				}
				j++
			}
			i, prev, prevWord = j+1, c, ""
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			w := jinjaWordRE.FindString(body[i:])
			if prev != '.' && prev != '|' && prevWord != "is" && !jinjaWords[w] {
				out = append(out, w)
			}
			i, prev, prevWord = i+len(w), 'a', w
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			if c >= '0' && c <= '9' {
				for i < len(body) && (body[i] >= '0' && body[i] <= '9' || body[i] == '.' || body[i] == '_') {
					i++
				}
				prev, prevWord = '0', ""
				continue
			}
			i, prev, prevWord = i+1, c, ""
		}
	}
	return out
}
