package runs

import (
	"context"
	"errors"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes/subflow"
	"polysynergy/shared/store"
)

// errorFlowTimeout bounds an error flow's run.
const errorFlowTimeout = 5 * time.Minute

// runErrorFlow starts, in the background, the failed flow's error flow (when it has one): the
// version published on the failed run's stage, from its Flow input node, with
// {flow: {id, name}, run: {id, stage, version, trigger, started_at}, error: {error, type,
// node, …}}. The error flow's own failures start nothing more. Problems are logged: the
// failed run's answer does not wait for them.
func (x *Executor) runErrorFlow(ctx context.Context, job Job, failed *engine.Run) {
	x.bgStart()
	go func() {
		defer x.bgDone()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), errorFlowTimeout)
		defer cancel()
		fk := store.FlowKey{Tenant: job.Tenant, Project: job.Project, Flow: job.Flow}
		f, err := x.st.GetFlow(ctx, fk)
		if err != nil {
			x.log.WarnContext(ctx, "read the failed flow's error flow", "flow", job.Flow, "run", failed.ID, "err", err)
			return
		}
		if f.ErrorFlow == "" {
			return
		}
		efk := store.FlowKey{Tenant: job.Tenant, Project: job.Project, Flow: f.ErrorFlow}
		b, err := x.st.GetBinding(ctx, efk, job.Stage)
		if errors.Is(err, store.ErrNotFound) {
			x.log.WarnContext(ctx, "the error flow is not published on the failed run's stage", "flow", job.Flow,
				"error_flow", f.ErrorFlow, "stage", job.Stage, "run", failed.ID)
			return
		}
		if err != nil {
			x.log.WarnContext(ctx, "find the error flow's version", "error_flow", f.ErrorFlow, "stage", job.Stage, "err", err)
			return
		}
		// it starts at its Flow input (it may have other triggers for playing in the editor)
		comp, _, err := x.loadPlan(ctx, efk, b.Version)
		if err != nil {
			x.log.WarnContext(ctx, "load the error flow", "error_flow", f.ErrorFlow, "version", b.Version, "err", err)
			return
		}
		var start []string
		for _, pn := range comp.plan.Nodes {
			if pn.Type.ID == subflow.InputID {
				start = append(start, pn.Handle())
			}
		}
		if len(start) != 1 {
			x.log.WarnContext(ctx, "the error flow needs exactly one Flow input node", "error_flow", f.ErrorFlow,
				"version", b.Version, "flow_inputs", len(start))
			return
		}
		var cause any
		if failed.Error != nil {
			cause = failed.Error.Object()
		}
		trigger := map[string]any{
			"flow": map[string]any{"id": f.ID, "name": f.Name},
			"run": map[string]any{"id": failed.ID, "stage": job.Stage, "version": float64(job.Version), "trigger": string(job.Kind),
				"started_at": failed.StartedAt.UTC().Format(time.RFC3339Nano)},
			"error": cause,
		}
		run, err := x.Execute(ctx, Job{Kind: KindError, Tenant: job.Tenant, Project: job.Project, Flow: f.ErrorFlow,
			Version: b.Version, Stage: job.Stage, Start: start[0], Trigger: trigger})
		switch {
		case err != nil:
			x.log.WarnContext(ctx, "run the error flow", "flow", job.Flow, "error_flow", f.ErrorFlow, "run", failed.ID, "err", err)
		case run.Status == engine.StatusError:
			x.log.WarnContext(ctx, "the error flow failed too", "flow", job.Flow, "error_flow", f.ErrorFlow, "run", failed.ID,
				"error_run", run.ID)
		}
	}()
}
