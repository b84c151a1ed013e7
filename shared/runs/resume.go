package runs

import (
	"context"
	"errors"
	"fmt"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// Resume continues a paused run at job.Node with job.Input, exactly once: the run's state
// is claimed atomically, so of concurrent resumes one runs and the others fail with
// ErrAlreadyResumed. A run that never paused (or whose state expired) fails with
// ErrNotPaused. When the resume cannot proceed after the claim (the node is not paused,
// a secret it used is gone, the store is unavailable), the state is put back so the run
// can be resumed again. The run continues on the plan it paused on, with its stage,
// policy and held-back results, and is finished like Execute's runs (it may pause again).
func (x *Executor) Resume(ctx context.Context, job ResumeJob) (*engine.Run, error) {
	if err := job.validate(); err != nil {
		return nil, err
	}
	key := store.RunKey{Tenant: job.Tenant, Project: job.Project, Run: job.RunID}
	raw, err := x.st.ClaimResume(ctx, key)
	switch {
	case errors.Is(err, store.ErrAlreadyClaimed):
		return nil, fmt.Errorf("resume run %s: %w", job.RunID, ErrAlreadyResumed)
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("resume run %s: %w", job.RunID, ErrNotPaused)
	case err != nil:
		return nil, fmt.Errorf("resume run %s: %w", job.RunID, err)
	}
	// From here on the claim is ours: give it back when the run does not go ahead.
	putBack := func(cause error) error {
		if perr := x.retry(context.WithoutCancel(ctx), func(ctx context.Context) error {
			return x.st.SaveRunState(ctx, key, raw)
		}); perr != nil {
			x.log.ErrorContext(ctx, "paused run state not restored after a failed resume", "run", job.RunID, "err", perr)
			return errors.Join(cause, fmt.Errorf("restore state of run %s: %w", job.RunID, perr))
		}
		return cause
	}
	ss, err := decodeSavedState(raw)
	if err != nil {
		return nil, putBack(fmt.Errorf("resume run %s: %w", job.RunID, err))
	}
	if ss.Flow != job.Flow {
		return nil, putBack(jobErr("flow", "run %s belongs to flow %s, not %s", job.RunID, ss.Flow, job.Flow))
	}
	fk := store.FlowKey{Tenant: job.Tenant, Project: job.Project, Flow: job.Flow}
	var comp *compiled
	if ss.Version == 0 {
		comp, err = compile(x.comp, ss.Draft)
		if err != nil {
			err = fmt.Errorf("compile the draft run %s paused on: %w", job.RunID, err)
		}
	} else {
		comp, _, err = x.loadPlan(ctx, fk, ss.Version)
	}
	if err != nil {
		return nil, putBack(fmt.Errorf("resume run %s: %w", job.RunID, err))
	}
	effStage := ss.Stage
	if ss.SubStage != "" {
		effStage = ss.SubStage
	}
	res := newResolver(x.st, x.box, fk.ProjectKey(), effStage)
	vals := make(map[string]string, len(ss.Masked))
	for _, k := range ss.Masked {
		v, err := res.Secret(ctx, k)
		if err != nil {
			return nil, putBack(fmt.Errorf("resume run %s: the run used secret %q before it paused: %w", job.RunID, k, err))
		}
		vals[k] = v
	}
	st, err := unmaskState(ss.Engine, vals)
	if err != nil {
		return nil, putBack(fmt.Errorf("resume run %s: %w", job.RunID, err))
	}
	if pn, ok := comp.plan.Node(job.Node); !ok || !hasKey(st.Paused, pn.Handle()) {
		return nil, putBack(fmt.Errorf("resume run %s: %w at %q (paused at %v)", job.RunID, ErrNotPaused, job.Node, st.PausedNodes()))
	}
	if ss.Recorded {
		if err := x.st.UpdateRun(ctx, key, store.RunUpdate{Status: engine.StatusRunning}); err != nil {
			x.log.WarnContext(ctx, "mark resumed run running", "run", job.RunID, "err", err)
		}
	}
	mode := sinkDiscard
	switch ss.Save {
	case store.SaveAll:
		mode = sinkWrite
	case store.SaveErrors:
		mode = sinkBuffer
	}
	a := &active{key: key, fk: fk, kind: ss.Kind, version: ss.Version, draft: ss.Draft, stage: ss.Stage,
		subStage: ss.SubStage, save: ss.Save, recorded: ss.Recorded, keep: x.opt.Retention, res: res, counts: ss.Counts, answer: ss.Answer,
		sink: newSink(ctx, x, key, mode, ss.Skips, ss.Pending)}
	res.wrote = a.sink.hasWritten
	a.pub = x.publisher(ctx, job.Publisher, RunRef{Kind: KindResume, Tenant: job.Tenant, Project: job.Project,
		Flow: job.Flow, RunID: job.RunID})
	defer x.closePublisher(ctx, a.pub)
	var r engine.Resolver = res
	if !comp.readsEnv {
		r = noEnv{res}
	}
	runCtx := ctx
	if !job.Deadline.IsZero() {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, job.Deadline)
		defer cancel()
	}
	run, err := x.engine(a).Resume(runCtx, comp.plan, st, job.Node, job.Input, engine.Request{Resolver: r, Secrets: &comp.secrets,
		Tenant: job.Tenant, Project: job.Project,
		Flows: x.flowLoader(fk.ProjectKey(), ss.Kind, ss.Stage, res), DenyPrivateNetwork: !x.privateNetwork(ctx, fk.ProjectKey(), nil)})
	if err != nil {
		a.sink.flush(false, nil)
		if ss.Recorded {
			if uerr := x.st.UpdateRun(context.WithoutCancel(ctx), key, store.RunUpdate{Status: engine.StatusPaused}); uerr != nil {
				x.log.WarnContext(ctx, "mark run paused again", "run", job.RunID, "err", uerr)
			}
		}
		cause := fmt.Errorf("resume run %s at %q: %w", job.RunID, job.Node, err)
		if errors.Is(err, engine.ErrNotPaused) {
			cause = fmt.Errorf("resume run %s: %w: %w", job.RunID, ErrNotPaused, err)
		}
		return nil, putBack(cause)
	}
	return x.finish(ctx, a, run)
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
