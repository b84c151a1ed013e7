package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// runState is the state one run shares across its scopes.
type runState struct {
	eng *Engine
	// runErr reports why the run's own context ended (deadline, cancellation), nil while
	// it runs: a node failing with a deadline error of its own is not the run's deadline.
	runErr func() error
	plan   *flow.Plan
	req    Request
	conc   int
	sem    chan struct{}
	info   *nodes.RunInfo
	inRun  []bool
	start  int

	order   atomic.Int64
	calls   atomic.Int64 // nested flow calls, numbering their run ids
	seq     atomic.Int64
	budget  atomic.Int64
	maxRuns int         // the node-execution budget
	halt    atomic.Bool // stop dispatching everywhere: exit, fatal error, pause

	mu      sync.Mutex
	results []NodeResult
	secrets map[string]string // secret value → key, for redaction
	// prefetched is set once the secrets the plan may read were resolved (before the
	// run's first event); a secret first read after that may have gone out in an event
	prefetched bool
	clean      *cleaner // built from secrets; nil when a secret was added since
	jumps      map[int]int
	failure    *NodeError
	exited     bool
	exitValue  any
	response   any
	paused     map[int]any // paused node → payload
	resume     *resumeInfo

	started  time.Time
	envVars  map[string]any
	runEnv   map[string]any
	services map[int]map[string]bool // node → its service-typed input ports
}

type resumeInfo struct {
	node    int
	input   any
	payload any
}

func (r *runState) now() time.Time { return r.eng.opt.Now() }

func (r *runState) fail(ne *NodeError) {
	r.mu.Lock()
	if r.failure == nil {
		r.failure = ne
	}
	r.mu.Unlock()
	r.halt.Store(true)
}

func (r *runState) onSecret(key, value string) {
	r.mu.Lock()
	_, known := r.secrets[value]
	if !known {
		r.secrets[value] = key
		r.clean = nil
	}
	late := !known && r.prefetched && value != ""
	r.mu.Unlock()
	if late && r.eng.opt.Publisher != nil {
		// the plan could not name it and the resolver could not list the stage's secrets:
		// events sent before now were redacted without it (the value is not logged)
		r.eng.opt.Logger.Warn("secret read after the run's first events; they were redacted without it",
			"run", r.req.RunID, "flow", r.req.FlowID, "secret", key)
	}
}

// cleaner returns the run's cleaner (it does not change once built, so it is shared).
func (r *runState) cleaner() *cleaner {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clean == nil {
		r.clean = newCleaner(r.eng.opt.MaxValueBytes, r.secrets)
	}
	return r.clean
}

func (r *runState) publish(ctx context.Context, ev Event) {
	p := r.eng.opt.Publisher
	if p == nil {
		return
	}
	ev.RunID, ev.FlowID = r.req.RunID, r.req.FlowID
	ev.Seq = r.seq.Add(1)
	ev.Time = r.now()
	p.Publish(ctx, ev)
}

// record stores a node result and reports it to the sink and subscribers.
func (r *runState) record(ctx context.Context, res NodeResult) {
	if r.eng.opt.Publisher != nil || r.eng.opt.Sink != nil || len(r.secrets) > 0 {
		c := r.cleaner()
		res.Inputs = c.cleanMap(res.Inputs, r.services[r.nodeIndex(res.NodeID)])
		res.Outputs = c.cleanMap(res.Outputs, nil)
		if res.Error != nil {
			e := *res.Error
			e.Error = c.redact(e.Error)
			e.Details = c.value(e.Details)
			res.Error = &e
		}
		for i := range res.Logs {
			res.Logs[i].Message = c.cutString(res.Logs[i].Message)
		}
	}
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	if s := r.eng.opt.Sink; s != nil {
		if err := s.NodeResult(ctx, r.req.RunID, res); err != nil {
			r.eng.opt.Logger.Warn("store node result", "run", r.req.RunID, "node", res.Handle, "err", err)
		}
	}
	if r.eng.opt.Publisher != nil {
		r.publish(ctx, Event{Type: EventNodeEnd, Node: res.Handle, NodeID: res.NodeID, NodeType: res.Type,
			Order: res.Order, Status: res.Status, Iteration: res.Iteration, Data: res})
	}
}

func (r *runState) nodeIndex(id string) int {
	if n, ok := r.plan.Node(id); ok {
		return n.Index
	}
	return -1
}

// execute runs the top scope (fresh or restored) and builds the run record.
func (r *runState) execute(ctx context.Context, restored *scope) (*Run, error) {
	if r.started.IsZero() {
		r.started = r.now()
	}
	r.info.Started = r.started
	r.services = map[int]map[string]bool{}
	for _, n := range r.plan.Nodes {
		for _, in := range n.Inputs {
			if in.Port.Type.IsService() {
				if r.services[n.Index] == nil {
					r.services[n.Index] = map[string]bool{}
				}
				r.services[n.Index][in.Port.Name] = true
			}
		}
	}
	deadline := r.eng.opt.Deadline
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	r.runErr = ctx.Err
	// the fields flow.RunFields lists (validation warns about reads of others)
	r.runEnv = map[string]any{"id": r.req.RunID, "flow": r.req.FlowID, "stage": r.req.Stage, "version": r.req.Version, "started": r.started}
	r.envVars = map[string]any{}
	if l, ok := r.req.Resolver.(EnvLister); ok {
		vars, err := l.EnvVars(ctx)
		if err != nil {
			return nil, &RunError{Message: fmt.Sprintf("load environment variables: %v", err)}
		}
		for k, v := range vars {
			r.envVars[k] = v
		}
	}
	if err := r.prefetchSecrets(ctx); err != nil {
		// nothing runs: a value a node would pass on could go out before its secret is known
		ne := &NodeError{Type: ErrKindNode, Error: "the run could not start: " + err.Error()}
		if errors.Is(err, ErrUnavailable) {
			ne.Type = ErrKindUnavailable
		}
		r.fail(ne)
	}
	r.mu.Lock()
	r.prefetched = true
	r.mu.Unlock()
	r.results = make([]NodeResult, 0, len(r.plan.Nodes))
	start := map[string]any{"stage": r.req.Stage, "start": r.startHandle(), "version": r.req.Version}
	if restored != nil && r.resume != nil {
		// a resumed run starts again, at the node it paused on, with the seq it left off at
		start["resumed"] = r.plan.Nodes[r.resume.node].Handle()
	}
	r.publish(ctx, Event{Type: EventRunStart, Data: start})
	s := restored
	if s == nil {
		s = r.topScope()
		s.initWaiting()
	}
	s.env["trigger"] = r.req.Trigger
	s.env["run"] = r.runEnv
	s.env["env"] = r.envVars
	s.loop(ctx)

	run := &Run{ID: r.req.RunID, FlowID: r.req.FlowID, Version: r.req.Version, Stage: r.req.Stage,
		Start: r.startHandle(), Trigger: r.req.Trigger, StartedAt: r.started, Edges: map[string]string{}}
	r.mu.Lock()
	run.Nodes = r.results
	run.Response = r.response
	run.Output, run.Exited = r.exitValue, r.exited
	failure := r.failure
	paused := len(r.paused) > 0
	r.mu.Unlock()
	for _, e := range r.plan.Edges {
		run.Edges[e.ID] = s.edges[e.Index].String()
	}
	switch {
	case failure != nil:
		redacted := *failure
		c := r.cleaner()
		redacted.Error = c.redact(redacted.Error)
		redacted.Details = c.value(redacted.Details)
		run.Status, run.Error = StatusError, &redacted
	case paused:
		run.Status = StatusPaused
		run.State = r.snapshot(s)
	default:
		run.Status = StatusSuccess
	}
	run.DurationMS = durMS(r.now().Sub(r.started))
	// the input the run was given is shown with the run (the CLI prints it): a secret's value
	// in it is a secret too, uncut as the caller gave it
	run.Trigger = r.cleaner().uncut().walk(run.Trigger, 0)
	if c := r.cleaner(); run.Response != nil || run.Output != nil {
		// the response is the caller's answer, not a record: secrets go (but for what the
		// caller sent, where the answer repeats it: secrets.go), nothing is cut (the
		// trigger's own limit, 6 MB behind API Gateway, bounds it)
		run.Response = r.redactAnswer(c, run.Response)
		run.Output = c.value(run.Output)
	}
	if r.req.Finish != nil {
		paused := run.Status == StatusPaused
		r.req.Finish(run)
		if paused {
			run.Status = StatusPaused
		}
	}
	if run.Status == StatusPaused {
		var handles []string
		for n := range r.paused {
			handles = append(handles, r.plan.Nodes[n].Handle())
		}
		r.publish(context.WithoutCancel(ctx), Event{Type: EventRunPaused, Status: run.Status, Data: map[string]any{"nodes": handles}})
		run.State.Seq = r.seq.Load() // the resumed run's events follow run_paused
	} else {
		r.publish(context.WithoutCancel(ctx), Event{Type: EventRunEnd, Status: run.Status,
			Data: map[string]any{"status": run.Status, "duration_ms": run.DurationMS, "error": run.Error}})
	}
	return run, nil
}

func (r *runState) startHandle() string {
	if r.start >= 0 && r.start < len(r.plan.Nodes) {
		return r.plan.Nodes[r.start].Handle()
	}
	return ""
}

func durMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// nodeError turns an error from a node (or its inputs) into a NodeError.
func (r *runState) nodeError(pn *flow.PlanNode, err error) *NodeError {
	ne := &NodeError{Error: err.Error(), Type: ErrKindNode, Node: pn.Handle()}
	var ie *nodes.InputError
	var pe *panicError
	var te *timeoutError
	var ee *evalError
	var re *nodes.RequestError
	switch {
	case errors.As(err, &ee):
		ne.Type, ne.Port = ee.kind, ee.port
	case errors.As(err, &ie):
		ne.Type, ne.Port = ErrKindInput, ie.Port
	case errors.As(err, &re):
		ne.Type, ne.Details = ErrKindRequest, map[string]any{"field": re.Field, "reason": re.Reason}
	case errors.Is(err, ErrUnavailable):
		ne.Type = ErrKindUnavailable
	case errors.As(err, &pe):
		ne.Type = ErrKindPanic
	case errors.As(err, &te):
		ne.Type = ErrKindTimeout
	case errors.Is(err, context.DeadlineExceeded) && r.runEnded():
		ne.Type = ErrKindDeadline
		ne.Error = fmt.Sprintf("the run's deadline passed while %q was running", pn.Handle())
	case errors.Is(err, context.Canceled) && r.runEnded():
		ne.Type = ErrKindCancelled
		ne.Error = fmt.Sprintf("the run was cancelled while %q was running", pn.Handle())
	}
	if ne.Port != "" {
		ne.Error = fmt.Sprintf("node %q, input %q: %s", pn.Handle(), ne.Port, trimPrefix(ne.Error, ne.Port))
	} else if ne.Type != ErrKindDeadline && ne.Type != ErrKindCancelled {
		ne.Error = fmt.Sprintf("node %q: %s", pn.Handle(), ne.Error)
	}
	return ne
}

// runEnded reports whether the run's own context has ended (true when unknown).
func (r *runState) runEnded() bool { return r.runErr == nil || r.runErr() != nil }

func trimPrefix(msg, port string) string {
	p := fmt.Sprintf("input %q: ", port)
	if len(msg) >= len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

type panicError struct {
	value any
}

func (e *panicError) Error() string { return fmt.Sprintf("the node crashed: %v", e.value) }

type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("did not finish within %s", e.d) }

type evalError struct {
	kind, port string
	err        error
}

func (e *evalError) Error() string { return fmt.Sprintf("input %q: %v", e.port, e.err) }
func (e *evalError) Unwrap() error { return e.err }
