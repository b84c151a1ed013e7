package runner

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// Executor runs jobs; *runs.Executor implements it.
type Executor interface {
	Execute(ctx context.Context, job runs.Job) (*engine.Run, error)
	Resume(ctx context.Context, job runs.ResumeJob) (*engine.Run, error)
}

var _ Executor = (*runs.Executor)(nil)

// Options configure a Handler.
type Options struct {
	Logger *slog.Logger
	// Now is the clock, for fired_at of schedule payloads without a scheduled time.
	Now func() time.Time
	// Margin is kept free before the invocation's deadline so a run that runs out of time
	// still records its outcome (default 3 s).
	Margin time.Duration
}

// Handler handles runner invocations.
type Handler struct {
	x   Executor
	opt Options
}

// New returns a handler executing through x.
func New(x Executor, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Margin <= 0 {
		opt.Margin = 3 * time.Second
	}
	return &Handler{x: x, opt: opt}
}

// Response is what an invocation returns.
type Response struct {
	Kind  string `json:"kind"`
	RunID string `json:"run_id,omitempty"`
	// Status is the run's status (success, error, paused, running for a duplicate of a run
	// in progress), already_resumed / not_paused for resumes that cannot proceed, or skipped
	// for a schedule of a project in the trash or one that no longer fires on its stage.
	Status string `json:"status"`
	// Duplicate is set when the run id had run already: it was not run again.
	Duplicate  bool     `json:"duplicate,omitempty"`
	Error      string   `json:"error,omitempty"`
	PausedAt   []string `json:"paused_at,omitempty"`
	DurationMS float64  `json:"duration_ms,omitempty"`
}

// Response statuses besides the run statuses.
const (
	StatusAlreadyResumed = "already_resumed"
	// StatusSkipped: a schedule fired for a project in the trash, or for a flow that no
	// longer fires on the stage (unpublished, disabled, deleted); nothing ran.
	StatusSkipped   = "skipped"
	StatusNotPaused = "not_paused"
)

// Handle decodes a payload and runs it. Errors are returned for payloads that cannot be
// run (*PayloadError, *runs.JobError) and for failures worth a retry (the store being
// unavailable, a run whose outcome could not be recorded); a Lambda retry of a run that
// started is answered from its record (Duplicate). Outcomes a retry cannot change — a flow
// that failed, a duplicate, a resume of a run already resumed — are responses.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Response, error) {
	p, err := Decode(raw)
	if err != nil {
		h.opt.Logger.WarnContext(ctx, "rejected runner payload", "err", err)
		return Response{}, err
	}
	switch p := p.(type) {
	case *SchedulePayload:
		return h.schedule(ctx, p)
	case *EditorPayload:
		return h.execute(ctx, KindEditor, runs.Job{Kind: runs.KindEditor, Tenant: p.Tenant, Project: p.Project,
			Flow: p.Flow, Version: p.Version, Stage: p.Stage, SubStage: p.SubStage, RunID: p.RunID, Start: p.Start,
			Trigger: jsonValue(p.Input), Save: store.RunSaving(p.Save)})
	case *RouterPayload:
		h.opt.Logger.InfoContext(ctx, "router hand-off", "run", p.RunID, "route", p.Route)
		answered := handOffAnswer
		if p.Answered != nil {
			answered = *p.Answered
		}
		return h.execute(ctx, KindRouter, runs.Job{Kind: runs.KindRouter, Tenant: p.Tenant, Project: p.Project,
			Flow: p.Flow, Version: p.Version, Stage: p.Stage, RunID: p.RunID, Trigger: p.Request.Map(),
			Save: store.RunSaving(p.Save), Answered: &runs.Answer{Status: answered.Status, ContentType: answered.ContentType}})
	case *ResumePayload:
		return h.resume(ctx, p)
	}
	return Response{}, payloadErr("kind", "unhandled kind %q", p.PayloadKind())
}

func (h *Handler) schedule(ctx context.Context, p *SchedulePayload) (Response, error) {
	fired := h.opt.Now().UTC()
	runID := p.RunID
	if p.ScheduledTime != "" {
		t, _ := time.Parse(time.RFC3339, p.ScheduledTime) // checked by Decode
		fired = t.UTC()
		if runID == "" {
			runID = scheduleRunID(p, fired)
		}
	}
	h.opt.Logger.InfoContext(ctx, "schedule fired", "schedule", p.ScheduleID, "flow", p.Flow, "stage", p.Stage,
		"fired_at", fired, "execution", p.ExecutionID, "run", runID)
	ev := trigger.ScheduleEvent{FiredAt: fired, Cron: p.Cron, Timezone: p.Timezone, ScheduleID: p.ScheduleID}
	return h.execute(ctx, KindSchedule, runs.Job{Kind: runs.KindSchedule, Fired: true, Tenant: p.Tenant, Project: p.Project,
		Flow: p.Flow, Version: p.Version, Stage: p.Stage, RunID: runID, Trigger: ev.Map()})
}

func (h *Handler) execute(ctx context.Context, kind string, job runs.Job) (Response, error) {
	job.Deadline = h.deadline(ctx)
	run, err := h.x.Execute(ctx, job)
	resp := respond(kind, run)
	if resp.RunID == "" {
		resp.RunID = job.RunID
	}
	if errors.Is(err, runs.ErrProjectInTrash) || errors.Is(err, runs.ErrScheduleWithdrawn) {
		// answered without an error, so that Scheduler does not retry it
		resp.Status, resp.Error = StatusSkipped, err.Error()
		h.opt.Logger.InfoContext(ctx, "not run", "kind", kind, "flow", job.Flow, "why", err.Error())
		return resp, nil
	}
	if errors.Is(err, runs.ErrDuplicateRun) && run != nil {
		resp.Duplicate = true
		h.opt.Logger.InfoContext(ctx, "run already exists: not run again", "run", run.ID, "status", run.Status)
		return resp, nil
	}
	if err != nil {
		h.opt.Logger.ErrorContext(ctx, "run", "kind", kind, "flow", job.Flow, "run", resp.RunID, "err", err)
		return resp, err
	}
	h.opt.Logger.InfoContext(ctx, "run finished", "kind", kind, "flow", job.Flow, "run", run.ID, "status", run.Status,
		"duration_ms", run.DurationMS)
	if run.Status == engine.StatusError {
		// the flow's error flow runs in the background: finish it before the sandbox freezes
		if w, ok := h.x.(interface{ Wait(context.Context) error }); ok {
			if err := w.Wait(ctx); err != nil {
				h.opt.Logger.WarnContext(ctx, "wait for the error flow", "run", run.ID, "err", err)
			}
		}
	}
	return resp, nil
}

func (h *Handler) resume(ctx context.Context, p *ResumePayload) (Response, error) {
	run, err := h.x.Resume(ctx, runs.ResumeJob{Tenant: p.Tenant, Project: p.Project, Flow: p.Flow, RunID: p.RunID,
		Node: p.Node, Input: jsonValue(p.Input), Deadline: h.deadline(ctx)})
	resp := respond(KindResume, run)
	resp.RunID = p.RunID
	switch {
	case errors.Is(err, runs.ErrAlreadyResumed):
		resp.Status, resp.Error = StatusAlreadyResumed, err.Error()
		return resp, nil
	case errors.Is(err, runs.ErrNotPaused):
		resp.Status, resp.Error = StatusNotPaused, err.Error()
		return resp, nil
	case err != nil:
		h.opt.Logger.ErrorContext(ctx, "resume", "run", p.RunID, "err", err)
		return resp, err
	}
	return resp, nil
}

// deadline leaves Margin before the invocation's deadline (zero without one).
func (h *Handler) deadline(ctx context.Context) time.Time {
	dl, ok := ctx.Deadline()
	if !ok {
		return time.Time{}
	}
	return dl.Add(-h.opt.Margin)
}

func respond(kind string, run *engine.Run) Response {
	r := Response{Kind: kind}
	if run == nil {
		return r
	}
	r.RunID, r.Status, r.DurationMS = run.ID, run.Status, run.DurationMS
	if run.Error != nil {
		r.Error = run.Error.Error
	}
	if run.State != nil {
		r.PausedAt = run.State.PausedNodes()
	}
	return r
}

// jsonValue decodes optional JSON input (nil when absent).
func jsonValue(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	v, err := jsonvalue.Unmarshal(raw) // big whole numbers stay exact
	if err != nil {
		return nil
	}
	return v
}
