package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/schedule"
	"polysynergy/shared/store"
)

// RunStarter hands a run to the runner without waiting for it (an asynchronous Lambda
// invocation in AWS and in the local cloud). The payload is the runner's JSON.
type RunStarter interface {
	StartRun(ctx context.Context, payload []byte) error
}

// ScheduleSync keeps EventBridge Scheduler in step with published schedules.
type ScheduleSync interface {
	Upsert(ctx context.Context, spec schedule.ScheduleSpec) error
	Delete(ctx context.Context, name string) error
}

// SchedulerTarget is what a schedule invokes: the runner, with the role Scheduler assumes.
type SchedulerTarget struct {
	Group     string
	RunnerARN string
	RoleARN   string
}

// StartRunBody starts an editor run.
type StartRunBody struct {
	Start string `json:"start,omitempty" maxLength:"100" doc:"Handle or id of the node to play from (default: the flow's trigger)"`
	// Input is the trigger's test input (a mock request, manual play input…).
	Input json.RawMessage `json:"input,omitempty" doc:"Test input handed to the trigger. A run that starts at an HTTP route or Mock route takes an HTTP request object {method, path, headers, query, params, body} (every field optional); input it could not read as one is refused with 422 at body.input"`
	Stage string          `json:"stage,omitempty" maxLength:"32" doc:"Stage to run on (default mock)"`
	// SubStage lends another stage's secrets and variables to a mock run.
	SubStage string `json:"sub_stage,omitempty" maxLength:"32" doc:"With stage mock: whose secrets and variables to use"`
	Version  int    `json:"version,omitempty" minimum:"0" doc:"Run this version instead of the draft"`
}

// ResumeRunBody continues a paused run.
type ResumeRunBody struct {
	Node  string          `json:"node" minLength:"1" maxLength:"100" doc:"The paused node (handle or id)"`
	Input json.RawMessage `json:"input,omitempty" doc:"The paused node's answer (an approval: {\"approved\": true})"`
}

// StartedRun is the answer to a started run: its events stream over the WebSocket.
type StartedRun struct {
	RunID  string `json:"run_id"`
	Status string `json:"status" doc:"accepted: the run is starting"`
}

func (h *Handler) registerExecute() {
	const tag = "Runs"
	base := "/tenants/{tenant}/projects/{project}/flows/{flow}/runs"
	register(h, endpoint{id: "startRun", method: http.MethodPost, path: base,
		summary: "Run the flow now (editor play); answers at once, events stream over the WebSocket; a document that does not validate is refused with 422 listing every problem, as publishing does", tag: tag,
		scope: ScopeTenant, action: auth.ActionRunStart, status: http.StatusAccepted, maxBody: MaxDocumentBody},
		func(ctx context.Context, in *struct {
			FlowPath
			Body StartRunBody
		}) (*Out[StartedRun], error) {
			b := in.Body
			if b.Stage == "" {
				b.Stage = "mock"
			}
			if store.ValidateStageName(b.Stage) != nil && b.Stage != "mock" {
				return nil, invalidField("body.stage", "no stage %q", b.Stage)
			}
			if b.SubStage != "" && b.Stage != "mock" {
				return nil, invalidField("body.sub_stage", "only mock runs borrow another stage's values")
			}
			if len(b.Input) > 0 && !json.Valid(b.Input) {
				return nil, invalidField("body.input", "is not JSON")
			}
			k := in.key()
			if _, err := h.st.GetFlow(ctx, k); err != nil {
				return nil, err
			}
			for _, st := range []struct{ field, name string }{{"body.stage", b.Stage}, {"body.sub_stage", b.SubStage}} {
				if st.name == "" || st.name == "mock" {
					continue
				}
				if store.ValidateStageName(st.name) != nil {
					return nil, invalidField(st.field, "no stage %q", st.name)
				}
				if _, err := h.st.GetStage(ctx, k.ProjectKey(), st.name); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return nil, invalidField(st.field, "the project has no stage %q", st.name)
					}
					return nil, err
				}
			}
			if err := h.checkRunStart(ctx, k, b.Version, b.Start, b.Input); err != nil {
				return nil, err
			}
			if h.cfg.Runner == nil {
				return nil, noRunner()
			}
			id := ulid.Make().String()
			payload, _ := json.Marshal(map[string]any{"kind": "editor", "tenant": k.Tenant, "project": k.Project,
				"flow": k.Flow, "version": b.Version, "stage": b.Stage, "sub_stage": b.SubStage, "run_id": id,
				"start": b.Start, "input": rawOrNull(b.Input)})
			if err := h.cfg.Runner.StartRun(ctx, payload); err != nil {
				h.log.Error("start run", "flow", k.Flow, "err", err)
				return nil, unavailable()
			}
			return ok(StartedRun{RunID: id, Status: "accepted"})
		})
	register(h, endpoint{id: "resumeRun", method: http.MethodPost, path: base + "/{run}/resume",
		summary: "Continue a paused run with the paused node's answer (exactly once)", tag: tag,
		scope: ScopeTenant, action: auth.ActionRunStart, status: http.StatusAccepted},
		func(ctx context.Context, in *struct {
			RunPath
			Body ResumeRunBody
		}) (*Out[StartedRun], error) {
			if len(in.Body.Input) > 0 && !json.Valid(in.Body.Input) {
				return nil, invalidField("body.input", "is not JSON")
			}
			run, err := h.st.GetRun(ctx, in.key())
			if err != nil {
				return nil, err
			}
			if run.Flow != in.Flow { // another flow's run: not found here, as getRun says
				return nil, notFound("run")
			}
			if run.Status != "paused" {
				return nil, conflict(TypeConflict, fmt.Sprintf("run %s is %s, not paused", run.ID, run.Status),
					FieldError{Location: "path.run", Message: fmt.Sprintf("is %s, not paused", run.Status)})
			}
			var sum struct {
				PausedAt  []string `json:"paused_at"`
				PausedIDs []string `json:"paused_ids"`
				// PausedTypes maps the paused nodes' handles and ids to their types.
				PausedTypes map[string]string `json:"paused_types"`
			}
			_ = json.Unmarshal(run.Summary, &sum)
			// a record from before paused_ids, or from a runner that did not say, is left to the runner
			if len(sum.PausedAt) > 0 && !slices.Contains(sum.PausedAt, in.Body.Node) && !slices.Contains(sum.PausedIDs, in.Body.Node) {
				return nil, invalidField("body.node", "run %s is not paused at %q; it waits at %s", run.ID, in.Body.Node, strings.Join(sum.PausedAt, ", "))
			}
			// a Human approval fails on an answer it does not take, and a run resumes once: refuse
			// the answer here, with the run still paused (a record without types is left to the runner)
			if sum.PausedTypes[in.Body.Node] == control.ApprovalID {
				var ans any
				if len(in.Body.Input) > 0 {
					_ = json.Unmarshal(in.Body.Input, &ans) // valid JSON, checked above
				}
				if _, _, err := control.ApprovalAnswer(ans); err != nil {
					msg := err.Error()
					if !strings.Contains(msg, control.ApprovalForms) {
						msg += " (it takes " + control.ApprovalForms + ")"
					}
					return nil, invalidField("body.input", "node %q is a Human approval: %s; the run is still paused at it", in.Body.Node, msg)
				}
			}
			if h.cfg.Runner == nil {
				return nil, noRunner()
			}
			// a run resumes once: of requests racing for it one is handed to the runner, the
			// others are refused here rather than accepted and dropped by the runner's claim
			// (a state the store does not have is left to the runner, as before)
			requested := true
			switch err := h.st.RequestResume(ctx, in.key()); {
			case errors.Is(err, store.ErrAlreadyClaimed):
				return nil, conflict(TypeConflict, fmt.Sprintf("run %s is already being resumed", run.ID),
					FieldError{Location: "path.run", Message: "is already being resumed"})
			case errors.Is(err, store.ErrNotFound):
				requested = false
			case err != nil:
				return nil, err
			}
			payload, _ := json.Marshal(map[string]any{"kind": "resume", "tenant": in.Tenant, "project": in.Project,
				"flow": in.Flow, "run_id": run.ID, "node": in.Body.Node, "input": rawOrNull(in.Body.Input)})
			if err := h.cfg.Runner.StartRun(ctx, payload); err != nil {
				h.log.Error("resume run", "run", run.ID, "err", err)
				if requested {
					if cerr := h.st.CancelResumeRequest(context.WithoutCancel(ctx), in.key()); cerr != nil {
						h.log.Error("take back resume request", "run", run.ID, "err", cerr)
					}
				}
				return nil, unavailable()
			}
			return ok(StartedRun{RunID: run.ID, Status: "accepted"})
		})
}

// checkRunStart refuses an editor run of a version the flow does not have, from a node the
// run's document (the draft, or that version) does not have, or of a document that does not
// validate: the runner would compile it and fail the run, so the same check publishing makes
// (compile) answers 422 flow-invalid listing every problem by JSON pointer (value: the node),
// before the runner is asked and any run is recorded.
func (h *Handler) checkRunStart(ctx context.Context, k store.FlowKey, version int, start string, input json.RawMessage) error {
	var raw json.RawMessage
	what := "draft"
	if version > 0 {
		v, err := h.st.GetVersion(ctx, k, version)
		if errors.Is(err, store.ErrNotFound) {
			return invalidField("body.version", "the flow has no version %d", version)
		}
		if err != nil {
			return err
		}
		raw, what = v.Document, fmt.Sprintf("version %d", version)
	} else {
		d, err := h.st.GetDraft(ctx, k)
		if err != nil {
			return err
		}
		raw = d.Document
	}
	if start != "" {
		// a document that cannot be read is left to compile, which says why
		if doc, err := flow.Decode(raw); err == nil && !slices.ContainsFunc(doc.Nodes, func(n flow.Node) bool { return n.ID == start || n.Handle == start }) {
			return invalidField("body.start", "the flow's %s has no node %q (give a node's handle or id)", what, start)
		}
	}
	if err := h.compile(raw); err != nil {
		return err
	}
	return h.checkRouteInput(raw, start, input)
}

// routeInputShape is what an editor run hands an HTTP route (or Mock route) trigger as its
// request.
const routeInputShape = `an HTTP request object such as {"method": "POST", "path": "/users/7", ` +
	`"headers": {"content-type": "application/json"}, "query": {"page": "2"}, "params": {"id": 7}, "body": "{\"name\": \"Ada\"}"} ` +
	`(every field optional; an object or list body is sent as JSON)`

// checkRouteInput refuses the input of an editor run that starts at an HTTP route or Mock
// route trigger when that trigger could not read it as an HTTP request (a string, a
// number, a header that is not text…): the run would be accepted and fail at its first
// node. No input is left to the trigger (a Mock route plays its own inputs).
// The start node is found as the engine finds it: the node named by start, else the
// flow's only trigger. raw has compiled, so it decodes.
func (h *Handler) checkRouteInput(raw json.RawMessage, start string, input json.RawMessage) error {
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil
	}
	var node *flow.Node
	var triggers []*flow.Node
	for i := range doc.Nodes {
		n := &doc.Nodes[i]
		if start != "" && (n.ID == start || n.Handle == start) {
			node = n
			break
		}
		if t, ok := h.reg().Lookup(n.Type); ok && t.Trigger {
			triggers = append(triggers, n)
		}
	}
	if start == "" && len(triggers) == 1 {
		node = triggers[0]
	}
	if node == nil || (node.Type != routeTrigger && node.Type != mockRouteTrigger) {
		return nil
	}
	name := "HTTP route"
	if node.Type == mockRouteTrigger {
		name = "Mock route"
	}
	var v any
	if len(input) > 0 {
		_ = json.Unmarshal(input, &v) // valid JSON, checked before
	}
	if v == nil {
		// no input: a Mock route plays its own inputs; an HTTP route fails its node saying to
		// use a Mock route, which the editor shows on the canvas
		return nil
	}
	if _, err := trigger.RequestFromTrigger(v); err != nil {
		reason := err.Error()
		if re, ok := errors.AsType[*nodes.RequestError](err); ok {
			reason = re.Reason
			if re.Field != "request" {
				reason = fmt.Sprintf("input.%s: %s", re.Field, re.Reason)
			}
		}
		return invalidField("body.input", "is not an HTTP request for the %s %q the run starts at (%s); give %s",
			name, node.Handle, reason, routeInputShape)
	}
	return nil
}

// The trigger types whose input is an HTTP request.
const (
	routeTrigger     = "trigger.route"
	mockRouteTrigger = "trigger.mock_route"
)

// noRunner answers when this deployment cannot start runs.
func noRunner() *Problem {
	p := newProblem(http.StatusServiceUnavailable, TypeUnavailable, "runs cannot be started here: no runner is configured")
	return p
}

func rawOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// syncSchedule puts the flow's schedule for stage into EventBridge Scheduler (no-op without
// a Scheduler, as in the local cloud, whose scheduler reads the store).
func (h *Handler) syncSchedule(ctx context.Context, k store.FlowKey, stage string) error {
	if h.cfg.Scheduler == nil {
		return nil
	}
	f, err := h.st.GetFlow(ctx, k)
	if err != nil || f.Kind != store.KindSchedule {
		return err
	}
	sc, err := h.st.GetSchedule(ctx, k)
	if err != nil {
		return err
	}
	b, err := h.st.GetBinding(ctx, k, stage)
	if err != nil {
		return err
	}
	name := schedule.Name(k.Tenant, k.Project, k.Flow, stage)
	// Scheduler fills in <aws.scheduler.…> in the target input, so they must stay literal
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"kind": "schedule", "tenant": k.Tenant, "project": k.Project, "flow": k.Flow,
		"version": b.Version, "stage": stage, "schedule_id": name, "cron": sc.Cron, "timezone": sc.Timezone,
		"scheduled_time": "<aws.scheduler.scheduled-time>", "execution_id": "<aws.scheduler.execution-id>"})
	input := bytes.TrimSpace(buf.Bytes())
	t := h.cfg.SchedulerTarget
	spec := schedule.ScheduleSpec{Name: name, GroupName: t.Group, Cron: sc.Cron, TimeZone: orDefault(sc.Timezone, "UTC"),
		Start: sc.Start, End: sc.End, Enabled: sc.Enabled, TargetARN: t.RunnerARN, RoleARN: t.RoleARN, Input: string(input)}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := h.cfg.Scheduler.Upsert(ctx, spec); err != nil {
		return fmt.Errorf("sync schedule %s: %w", name, err)
	}
	return nil
}

// unsyncSchedule removes the flow's schedule for stage from EventBridge Scheduler.
func (h *Handler) unsyncSchedule(ctx context.Context, k store.FlowKey, stage string) error {
	if h.cfg.Scheduler == nil {
		return nil
	}
	if err := h.cfg.Scheduler.Delete(ctx, schedule.Name(k.Tenant, k.Project, k.Flow, stage)); err != nil {
		return fmt.Errorf("remove schedule of %s on %s: %w", k.Flow, stage, err)
	}
	return nil
}

// schedulerUnavailable is the 503 of a change whose schedule EventBridge Scheduler did not
// take (or whose schedule could not be read to send it). The request can be retried: a
// schedule is removed from Scheduler before the store lets go of it.
func schedulerUnavailable() *Problem {
	p := unavailable()
	p.Detail = "EventBridge Scheduler (or the database) did not answer; retry after the time in Retry-After"
	return p
}

// restoreSchedule puts a flow's schedule for stage back into EventBridge Scheduler after it
// was removed ahead of a store write (unpublishing, deleting the flow or the stage) that then
// failed. syncSchedule reads the store, so it is put back only where the flow is still
// published. A failure is logged: the store write's error is what the caller answers.
func (h *Handler) restoreSchedule(ctx context.Context, k store.FlowKey, stage string) {
	if h.cfg.Scheduler == nil {
		return
	}
	err := h.syncSchedule(context.WithoutCancel(ctx), k, stage)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.log.ErrorContext(ctx, "put back the schedule of a flow still published", "flow", k.Flow, "stage", stage, "err", err)
	}
}

// unsyncDeletedSchedule removes the schedules of a schedule flow about to be deleted from
// EventBridge Scheduler, one per stage it is published to (bs): deleting the flow unpublishes
// it as DELETE …/publications/{stage} does, and its schedules must stop firing as they do
// then. It runs before the store deletes anything, so that a failure (logged and answered
// 503, as unpublishing's) leaves the flow and its publications for a retry to find; a
// schedule already gone counts as removed.
func (h *Handler) unsyncDeletedSchedule(ctx context.Context, k store.FlowKey, kind store.FlowKind, bs []store.Binding) error {
	if kind != store.KindSchedule {
		return nil
	}
	for _, b := range bs {
		if err := h.unsyncSchedule(ctx, k, b.Stage); err != nil {
			h.log.Error("delete flow: schedule sync", "flow", k.Flow, "stage", b.Stage, "err", err)
			return schedulerUnavailable()
		}
	}
	return nil
}

// resyncSchedule updates every stage a schedule flow is published to.
func (h *Handler) resyncSchedule(ctx context.Context, k store.FlowKey) error {
	if h.cfg.Scheduler == nil {
		return nil
	}
	bs, err := h.st.ListFlowBindings(ctx, k)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if err := h.syncSchedule(ctx, k, b.Stage); err != nil {
			return err
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
