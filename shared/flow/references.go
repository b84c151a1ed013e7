package flow

import (
	"fmt"

	"polysynergy/shared/expr"
	"polysynergy/shared/nodes"
)

// Reference is a secret or environment variable a flow names literally: `<secret:KEY>`,
// `<env:KEY>`, `{{ env.KEY }}`, or an input naming the secret it reads. Publishing checks
// them against the stage (a key with no value there fails the node that reads it).
type Reference struct {
	Kind expr.PlaceholderKind // expr.SecretPlaceholder or expr.EnvPlaceholder
	Key  string
	// Path is the JSON pointer of the value naming it; Node and Port say whose it is.
	Path, Node, Port string
}

// References lists the secrets and environment variables the plan's nodes name literally,
// once per value that names them, in node order. Keys computed at run time are not known.
func (p *Plan) References() []Reference {
	var out []Reference
	index := map[*Node]int{}
	for i := range p.Doc.Nodes {
		index[&p.Doc.Nodes[i]] = i
	}
	for _, pn := range p.Nodes {
		if pn.Node.FlowState == StateDisabled {
			continue
		}
		for _, in := range pn.Inputs {
			if !in.HasValue {
				continue
			}
			path := fmt.Sprintf("/nodes/%d/values/%s", index[pn.Node], escape(in.Port.Name))
			seen := map[Reference]bool{}
			add := func(kind expr.PlaceholderKind, key string) {
				r := Reference{Kind: kind, Key: key, Path: path, Node: pn.Handle(), Port: in.Port.Name}
				if key != "" && !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
			in.Value.Templates(func(t *expr.Template) {
				for _, ph := range t.Placeholders() {
					add(ph.Kind, ph.Key)
				}
				for _, f := range t.Fields() {
					if f.Root == "env" {
						add(expr.EnvPlaceholder, f.Name)
					}
				}
			})
			// an input naming the secret or variable it reads (a Secret or Environment variable node's key)
			if in.Port.Type != nodes.Secret && in.Value.Static() && len(in.Edges) == 0 {
				if k, ok := in.Value.Literal().(string); ok {
					switch in.Port.Editor {
					case nodes.EditSecret:
						add(expr.SecretPlaceholder, k)
					case nodes.EditEnv:
						add(expr.EnvPlaceholder, k)
					}
				}
			}
		}
	}
	return out
}
