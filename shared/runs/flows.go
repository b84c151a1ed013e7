package runs

import (
	"context"
	"fmt"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// flowLoader loads the flows a run may call (flow tools): editor runs call the other
// flows' drafts; other runs call the version each flow has bound to the run's stage.
func (x *Executor) flowLoader(pk store.ProjectKey, kind Kind, stage string) engine.FlowLoader {
	return func(ctx context.Context, flowID string) (engine.LoadedFlow, error) {
		fk := store.FlowKey{Tenant: pk.Tenant, Project: pk.Project, Flow: flowID}
		version := 0
		if kind != KindEditor {
			b, err := x.st.GetBinding(ctx, fk, stage)
			if err != nil {
				return engine.LoadedFlow{}, fmt.Errorf("find the version of flow %s published on stage %q: %w", flowID, stage, err)
			}
			version = b.Version
		}
		c, _, err := x.loadPlan(ctx, fk, version)
		if err != nil {
			return engine.LoadedFlow{}, err
		}
		return engine.LoadedFlow{Plan: c.plan, Version: version}, nil
	}
}
