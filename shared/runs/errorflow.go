package runs

import (
	"context"
	"errors"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// errorFlowTimeout bounds an error flow's run.
const errorFlowTimeout = 5 * time.Minute

// runErrorFlow starts, in the background, the failed flow's error flow (when it has one): the
// version published on the failed run's stage, from its trigger (a Flow input), with
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
			Version: b.Version, Stage: job.Stage, Trigger: trigger})
		switch {
		case err != nil:
			x.log.WarnContext(ctx, "run the error flow", "flow", job.Flow, "error_flow", f.ErrorFlow, "run", failed.ID, "err", err)
		case run.Status == engine.StatusError:
			x.log.WarnContext(ctx, "the error flow failed too", "flow", job.Flow, "error_flow", f.ErrorFlow, "run", failed.ID,
				"error_run", run.ID)
		}
	}()
}
