package api

import (
	"context"
	"fmt"
	"slices"

	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

// stageWarnings lists the secrets and environment variables the published document names
// literally that have no value on the stage: each node reading one fails when it runs,
// naming the key, so publishing says so first (a warning: the value may be set next). A
// store that cannot be read gives no warnings rather than failing the publish.
func (h *Handler) stageWarnings(ctx context.Context, k store.ProjectKey, stage string, raw []byte) []DocumentProblem {
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil
	}
	plan, err := flow.Compile(doc, h.reg())
	if err != nil {
		return nil
	}
	refs := plan.References()
	if len(refs) == 0 {
		return nil
	}
	var secrets map[string]bool
	var env map[string]string
	var out []DocumentProblem
	for _, r := range refs {
		switch r.Kind {
		case expr.SecretPlaceholder:
			if secrets == nil {
				infos, err := h.st.ListSecrets(ctx, k)
				if err != nil {
					h.log.WarnContext(ctx, "publish: secrets not checked", "err", err)
					return out
				}
				secrets = map[string]bool{}
				for _, si := range infos {
					if slices.Contains(si.Stages, stage) {
						secrets[si.Key] = true
					}
				}
			}
			if !secrets[r.Key] {
				out = append(out, DocumentProblem{Path: r.Path, Node: r.Node, Port: r.Port, Message: fmt.Sprintf(
					"secret %q has no value on stage %q: %q fails when it reads it; set the secret for %q in the project's secrets", r.Key, stage, r.Node, stage)})
			}
		case expr.EnvPlaceholder:
			if env == nil {
				env, err = h.st.StageEnv(ctx, k, stage)
				if err != nil {
					h.log.WarnContext(ctx, "publish: environment variables not checked", "err", err)
					return out
				}
				if env == nil {
					env = map[string]string{}
				}
			}
			if _, ok := env[r.Key]; !ok {
				out = append(out, DocumentProblem{Path: r.Path, Node: r.Node, Port: r.Port, Message: fmt.Sprintf(
					"environment variable %q has no value on stage %q: %q fails when it reads it; set it for %q in the project's environment variables", r.Key, stage, r.Node, stage)})
			}
		}
	}
	return out
}
