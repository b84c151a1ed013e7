package runs

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

// compiled is a plan with what the executor learned about its document.
type compiled struct {
	plan *flow.Plan
	// readsEnv is false when the document never mentions `env`: no expression can then
	// read the stage's variables as a whole, and the run skips listing them.
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
	return &compiled{plan: plan, readsEnv: bytes.Contains(doc, []byte("env")), secrets: engine.PlanSecrets(plan)}, nil
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
