package runs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
	"polysynergy/shared/store"
)

// flowLoader loads the flows a run may call (flow tools): editor runs call the other
// flows' drafts; other runs call the version each flow has bound to the run's stage.
//
// A flow the project does not have, or one with no version on the run's stage, is a call
// refused for the flow it names (nodes.FlowIDError), as in the CLI: the calling node reports
// it on its flow id input. Other store failures stay plain errors.
//
// The loader belongs to one run (and the flows it calls): the version bound to the stage is
// read once per called flow, the first time the run calls it, and every later call in the
// run (a loop, an agent's tool, describing the tool and then calling it) runs that version
// without reading the binding again. A read that fails is not kept: the next call tries
// again.
//
// res is the run's resolver: a called flow whose expressions read `env` gets it whole, one
// that does not gets it without the list of variables, as a run of that flow would (so a
// caller that reads no variables itself does not read them for a called flow that reads
// none either).
func (x *Executor) flowLoader(pk store.ProjectKey, kind Kind, stage string, res *resolver) engine.FlowLoader {
	var (
		mu    sync.Mutex
		bound = map[string]int{} // flow → the version bound to stage, as this run read it
	)
	return func(ctx context.Context, flowID string) (engine.LoadedFlow, error) {
		fk := store.FlowKey{Tenant: pk.Tenant, Project: pk.Project, Flow: flowID}
		mu.Lock()
		version, known := bound[flowID]
		mu.Unlock()
		if kind != KindEditor && !known {
			b, err := x.st.GetBinding(ctx, fk, stage)
			if err != nil {
				err = fmt.Errorf("find the version of flow %s published on stage %q: %w", flowID, stage, err)
				return engine.LoadedFlow{}, x.flowIDError(ctx, fk, err)
			}
			version = b.Version
			mu.Lock()
			bound[flowID] = version
			mu.Unlock()
		}
		c, _, err := x.loadPlan(ctx, fk, version)
		if err != nil {
			return engine.LoadedFlow{}, x.flowIDError(ctx, fk, err)
		}
		lf := engine.LoadedFlow{Plan: c.plan, Version: version}
		if res != nil {
			lf.Resolver = res
			if !c.readsEnv {
				lf.Resolver = noEnv{res}
			}
		}
		return lf, nil
	}
}

// flowIDError makes a not-found err of loading flow fk a *nodes.FlowIDError, saying so
// plainly when the project has no such flow at all; other errors are returned as they are.
func (x *Executor) flowIDError(ctx context.Context, fk store.FlowKey, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, ferr := x.st.GetFlow(ctx, fk); errors.Is(ferr, store.ErrNotFound) {
		err = fmt.Errorf("the project has no flow %s: %w", fk.Flow, err)
	}
	return &nodes.FlowIDError{Err: err}
}
