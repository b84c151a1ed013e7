package runs

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"polysynergy/shared/engine"
	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/store"
)

// compiled is a plan with what the executor learned about its document.
type compiled struct {
	plan *flow.Plan
	// readsEnv is false when the plan cannot read the stage's variables as a whole or by a
	// node's key (see planReadsEnv): its runs then skip listing them up front.
	readsEnv bool
	// secrets are the secrets the plan may read, resolved before a run's first event.
	secrets engine.SecretRefs
}

// versionKey names an immutable flow version.
type versionKey struct {
	tenant, project, flow string
	version               int
}

// planCache keeps compiled versions. Versions never change, so an entry stays valid;
// the cache is bounded and forgets its oldest entries first.
type planCache struct {
	mu    sync.Mutex
	max   int
	m     map[versionKey]*compiled
	order []versionKey
}

func newPlanCache(max int) *planCache {
	if max <= 0 {
		max = 512
	}
	return &planCache{max: max, m: map[versionKey]*compiled{}}
}

func (c *planCache) get(k versionKey) *compiled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *planCache) put(k versionKey, p *compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	for len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = p
	c.order = append(c.order, k)
}

func compile(comp *flow.Compiler, doc []byte) (*compiled, error) {
	plan, err := comp.CompileJSON(doc)
	if err != nil {
		return nil, err
	}
	return &compiled{plan: plan, readsEnv: planReadsEnv(plan), secrets: engine.PlanSecrets(plan)}, nil
}

// planReadsEnv reports whether a run of plan may read the stage's environment variables
// through the resolver's list of them: an expression evaluated against the run's scope
// reads them as `env`, so any template whose text holds "env" counts (<env:KEY> placeholders and words such as "environment" too:
// the check may say yes when no read comes, never the other way); so does a node that
// reads one by key (an input edited as an environment variable's name, variable.env), as
// before, so its variables are read when the run starts. A flow the plan calls (Call flow,
// Tool) is checked when it is loaded: it gets the list when its own plan reads it
// (flowLoader).
//
// It reads the compiled plan, not the document's bytes: a document may write "env" as
// "\u0065nv" inside a JSON string, and text outside templates (notes, names, literal
// values) reads nothing.
func planReadsEnv(plan *flow.Plan) bool {
	for _, pn := range plan.Nodes {
		for _, p := range pn.Type.Inputs {
			if p.Editor == nodes.EditEnv {
				return true
			}
		}
		for _, pi := range pn.Inputs {
			if !pi.HasValue {
				continue
			}
			reads := false
			pi.Value.Templates(func(t *expr.Template) {
				reads = reads || strings.Contains(t.Source(), "env")
			})
			if reads {
				return true
			}
		}
	}
	return false
}

// loadPlan returns the compiled plan of a flow version, or of the draft for version 0
// (with the draft's document, which a paused draft run keeps to resume on).
func (x *Executor) loadPlan(ctx context.Context, fk store.FlowKey, version int) (*compiled, []byte, error) {
	if version == 0 {
		d, err := x.st.GetDraft(ctx, fk)
		if err != nil {
			return nil, nil, fmt.Errorf("load draft of flow %s: %w", fk.Flow, err)
		}
		c, err := compile(x.comp, d.Document)
		if err != nil {
			return nil, nil, fmt.Errorf("compile draft of flow %s: %w", fk.Flow, err)
		}
		return c, d.Document, nil
	}
	k := versionKey{fk.Tenant, fk.Project, fk.Flow, version}
	if c := x.plans.get(k); c != nil {
		return c, nil, nil
	}
	v, err := x.st.GetVersion(ctx, fk, version)
	if err != nil {
		return nil, nil, fmt.Errorf("load version %d of flow %s: %w", version, fk.Flow, err)
	}
	c, err := compile(x.comp, v.Document)
	if err != nil {
		return nil, nil, fmt.Errorf("compile version %d of flow %s: %w", version, fk.Flow, err)
	}
	x.plans.put(k, c)
	return c, nil, nil
}
