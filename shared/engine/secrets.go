package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// SecretRefs are the secrets a plan may read. A run resolves them before its first event,
// so every event, result and response is redacted from the start: a value that reaches a
// node before the run reads its secret (a webhook's shared token in the trigger's request,
// compared with <secret:KEY> later) is never sent in clear.
type SecretRefs struct {
	// Keys are the keys the plan names literally, sorted: <secret:KEY> placeholders in
	// templated values, and the literal keys of inputs that name a secret (the Secret
	// node's key, a port with editor nodes.EditSecret and type string).
	Keys []string
	// Open is set when the plan may read secrets it does not name literally: a secret's
	// key computed by an expression or arriving on a connection, or a node that runs
	// other flows of the project (a port with editor nodes.EditFlow), whose secrets are
	// theirs. Such runs resolve every secret of their stage (see SecretLister).
	Open bool
}

// SecretLister is an optional Resolver extension that lists the keys of every secret with
// a value on the run's stage. A run of a plan whose SecretRefs are Open resolves them all
// before its first event; without a lister it knows only the keys the plan names.
type SecretLister interface {
	SecretKeys(ctx context.Context) ([]string, error)
}

// SecretBatcher is an optional Resolver extension that reads several secrets in one round
// (rather than one read after another). Keys without a value on the stage are left out of
// the answer; other failures are errors (wrapping ErrUnavailable when they may pass).
type SecretBatcher interface {
	Secrets(ctx context.Context, keys []string) (map[string]string, error)
}

// PlanSecrets works out the secrets a plan may read. It walks every node's values: a
// caller running the same plan often computes it once and passes it in Request.Secrets.
func PlanSecrets(plan *flow.Plan) SecretRefs {
	var refs SecretRefs
	if plan == nil {
		return refs
	}
	seen := map[string]bool{}
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			refs.Keys = append(refs.Keys, k)
		}
	}
	for _, pn := range plan.Nodes {
		for _, p := range pn.Type.Inputs {
			if p.Editor == nodes.EditFlow {
				refs.Open = true // the called flow's secrets are not in this plan
			}
		}
		for _, pi := range pn.Inputs {
			if pi.HasValue {
				pi.Value.Templates(func(t *expr.Template) {
					for _, ph := range t.Placeholders() {
						if ph.Kind == expr.SecretPlaceholder {
							add(ph.Key)
						}
					}
				})
			}
			if pi.Port.Editor != nodes.EditSecret || pi.Port.Type == nodes.Secret {
				continue
			}
			// an input naming the secret to read
			if len(pi.Edges) > 0 {
				refs.Open = true
			}
			if !pi.HasValue {
				continue
			}
			if !pi.Value.Static() {
				refs.Open = true
				continue
			}
			if k, ok := pi.Value.Literal().(string); ok {
				add(k)
			}
		}
	}
	slices.Sort(refs.Keys)
	return refs
}

// prefetchSecrets resolves the secrets the run may read and registers their values for
// redaction, before the run's first event. A key without a value is left for the node
// that reads it to fail on (as without prefetching); a resolver that cannot be reached
// fails the run, since a value it would give later may already have gone out in clear.
func (r *runState) prefetchSecrets(ctx context.Context) error {
	res := r.req.Resolver
	if res == nil || len(r.req.callers) > 0 {
		// a called flow publishes nothing; its caller resolved the stage's secrets already
		return nil
	}
	refs := r.req.Secrets
	if refs == nil {
		pr := PlanSecrets(r.plan)
		refs = &pr
	}
	keys := refs.Keys
	if refs.Open {
		if l, ok := res.(SecretLister); ok {
			all, err := l.SecretKeys(ctx)
			if err != nil {
				return fmt.Errorf("list the secrets of stage %q: %w", r.req.Stage, err)
			}
			keys = append(slices.Clone(keys), all...)
			slices.Sort(keys)
			keys = slices.Compact(keys)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if b, ok := res.(SecretBatcher); ok {
		vals, err := b.Secrets(ctx, keys)
		if err != nil {
			return fmt.Errorf("read the secrets of stage %q: %w", r.req.Stage, err)
		}
		for _, k := range keys {
			if v, ok := vals[k]; ok {
				r.onSecret(k, v)
			}
		}
		return nil
	}
	for _, k := range keys {
		v, err := res.Secret(ctx, k)
		switch {
		case err == nil:
			r.onSecret(k, v)
		case errors.Is(err, ErrUnavailable):
			return fmt.Errorf("read secret %q on stage %q: %w", k, r.req.Stage, err)
		}
		// otherwise (no value, not configured): the node reading it fails, naming the key
	}
	return nil
}
