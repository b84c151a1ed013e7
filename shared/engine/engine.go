// Package engine executes compiled flow plans with the semantics of ARCHITECTURE §3:
// readiness, bounded concurrency, true/false paths, dead-path elimination, loops, jumps,
// barriers, exit, limits, services, and pause/resume. It knows nothing of DynamoDB or
// HTTP: results, events and secrets go through the interfaces below.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// Resolver supplies the run's secrets and environment variables for its stage.
type Resolver interface {
	Secret(ctx context.Context, key string) (string, error)
	Env(ctx context.Context, key string) (string, error)
}

// EnvLister is an optional Resolver extension that lists every environment variable, so
// expressions can read `env.KEY`.
type EnvLister interface {
	EnvVars(ctx context.Context) (map[string]string, error)
}

// Publisher receives the run's events as they happen. It must not block for long.
type Publisher interface {
	Publish(ctx context.Context, ev Event)
}

// ResultSink receives each node result when the node ends.
type ResultSink interface {
	NodeResult(ctx context.Context, runID string, r NodeResult) error
}

// Options configure an Engine.
type Options struct {
	// Concurrency bounds how many nodes of one run execute at once (default 4).
	// With 1, the order of execution is fully deterministic.
	Concurrency int
	// Deadline bounds a run's wall time (default 5 minutes); the trigger may shorten it
	// through the context (API Gateway allows 29 s).
	Deadline time.Duration
	// MaxNodeRuns is the node-execution budget of one run (default 10,000).
	MaxNodeRuns int
	// MaxValueBytes truncates each recorded value (default 64 KiB).
	MaxValueBytes int
	Publisher     Publisher
	Sink          ResultSink
	Logger        *slog.Logger
	Now           func() time.Time
}

// Engine runs plans. It is safe for concurrent runs.
type Engine struct{ opt Options }

// New returns an engine with defaults filled in.
func New(opt Options) *Engine {
	if opt.Concurrency <= 0 {
		opt.Concurrency = 4
	}
	if opt.Deadline <= 0 {
		opt.Deadline = 5 * time.Minute
	}
	if opt.MaxNodeRuns <= 0 {
		opt.MaxNodeRuns = flow.DefaultNodeRuns
	}
	if opt.MaxValueBytes <= 0 {
		opt.MaxValueBytes = 64 << 10
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Engine{opt: opt}
}

// Request is what starts a run.
type Request struct {
	RunID   string
	FlowID  string
	Version int
	Stage   string
	// Tenant and Project own the run (empty outside the platform); nodes see them in
	// nodes.RunInfo.
	Tenant  string
	Project string
	// Start is the handle or id of the node the run starts from; empty means the flow's
	// only trigger (or, with no trigger, every node without inputs).
	Start string
	// Trigger is the trigger's data (an HTTP request, a schedule firing, test input).
	Trigger any
	// Fired is the type of trigger node that fired the run (trigger.route for an HTTP
	// request, trigger.schedule for a schedule). Without Start, a flow with several
	// triggers (an HTTP route and a Manual play to try it, say) starts at its only trigger
	// of this type.
	Fired string
	// Resolver resolves <secret:…> and <env:…>; nil means none are configured.
	Resolver Resolver
	// Secrets are the plan's secrets (PlanSecrets), resolved before the run's first event
	// so that every event is redacted; nil: the engine works them out from the plan.
	Secrets *SecretRefs
	// Templates are named templates for text.template's {% extends %} and {% include %}.
	Templates map[string]string
	// Concurrency overrides the engine's per-run concurrency when > 0.
	Concurrency int
	// MaxNodeRuns overrides the node-execution budget for this run when > 0 (before it
	// the flow's settings.max_node_runs, then the engine's).
	MaxNodeRuns int
	// Flows loads other flows of the project for nodes that run them (flow tools);
	// nil: such nodes fail with an error saying the run cannot call flows.
	Flows FlowLoader
	// DenyPrivateNetwork turns every node's allow_private_network input off
	// (nodes.PortAllowPrivateNetwork): the project does not allow its flows
	// to reach loopback, private, link-local or cloud-metadata addresses.
	// False leaves it to the nodes' inputs (the CLI on one's own machine).
	DenyPrivateNetwork bool
	// Finish, when set, is called with the run once it has ended (or paused), before its
	// run_end (or run_paused) event is published: the platform's host settles there what
	// the run's caller was answered (an HTTP route's reply may not be the response the
	// flow set) and may turn a successful run into a failed one (Status and Error) so that
	// its event and record say what the caller got. It must not change a paused run's
	// status. Nested flow calls do not inherit it.
	Finish func(run *Run)
	// Caller returns the texts the run's caller sent, when that caller gets Run.Response (an
	// HTTP route's request: path, query, headers, cookies and body, as sent and decoded); it
	// is called only when the response holds a secret. A secret inside one of them is not
	// redacted in Run.Response where the response repeats that text (the caller holds it
	// already, and redacting it would tell the caller it is a secret); results, events and
	// the trigger are redacted as always. Nested flow calls do not inherit it.
	Caller func() []string

	// callers are the flows of the enclosing runs, outermost first (nested flow calls).
	callers []string
}

// Run statuses.
const (
	StatusRunning = "running"
	StatusSuccess = "success"
	StatusError   = "error"
	StatusPaused  = "paused"
	StatusSkipped = "skipped"
)

// Run is the record of one run.
type Run struct {
	ID         string            `json:"id"`
	FlowID     string            `json:"flow_id,omitempty"`
	Version    int               `json:"version,omitempty"`
	Stage      string            `json:"stage,omitempty"`
	Start      string            `json:"start,omitempty"`
	Trigger    any               `json:"trigger,omitempty"`
	Status     string            `json:"status"`
	Error      *NodeError        `json:"error,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	DurationMS float64           `json:"duration_ms"`
	Nodes      []NodeResult      `json:"nodes"`
	Edges      map[string]string `json:"edges"`
	// Response is what an HTTP response node set, if any.
	Response any `json:"response,omitempty"`
	// Output is the value an exit node ended the run with, if any.
	Output any `json:"output,omitempty"`
	// Exited is set when an exit node stopped the run.
	Exited bool `json:"exited,omitempty"`
	// State is set when the run paused: what Resume needs.
	State *State `json:"state,omitempty"`
}

// NodeError is a node's failure as recorded and as carried on false_path.
type NodeError struct {
	Error   string `json:"error"`
	Type    string `json:"type"`
	Node    string `json:"node"`
	Port    string `json:"port,omitempty"`
	Details any    `json:"details,omitempty"`
}

// Object returns the error as the value false_path carries.
func (e *NodeError) Object() map[string]any {
	m := map[string]any{"error": e.Error, "type": e.Type, "node": e.Node}
	if e.Port != "" {
		m["port"] = e.Port
	}
	if e.Details != nil {
		m["details"] = e.Details
	}
	return m
}

// Error kinds.
const (
	ErrKindNode       = "node_error"
	ErrKindInput      = "input_error"
	ErrKindExpression = "expression_error"
	ErrKindSecret     = "missing_value"
	ErrKindTimeout    = "timeout"
	ErrKindPanic      = "panic"
	ErrKindBudget     = "budget_exceeded"
	ErrKindDeadline   = "deadline_exceeded"
	ErrKindCancelled  = "cancelled"
	// ErrKindUnavailable: something the run depends on (the store holding its secrets, say)
	// was failing or overloaded; the same run may well succeed when tried again.
	ErrKindUnavailable = "unavailable"
	// ErrKindRequest: the data that started the run (a route's HTTP request) could not be
	// read; the caller's fault (see nodes.RequestError).
	ErrKindRequest = "request_error"
	// ErrKindResponse: the run's caller did not get the answer the flow set (it was too
	// large, invalid, or missing), but an error the host answered instead.
	ErrKindResponse = "response_error"
)

// ErrUnavailable is wrapped by resolvers (and nodes) around errors of a service that is
// failing or overloaded, as opposed to a value that does not exist; the node's error is
// then of kind ErrKindUnavailable.
var ErrUnavailable = errors.New("temporarily unavailable")

// ErrNotPaused is returned by Resume for a run that is not paused at the given node.
var ErrNotPaused = errors.New("run is not paused at that node")

// RunError is returned by Run when the run could not start (bad start node and the like).
type RunError struct{ Message string }

func (e *RunError) Error() string { return e.Message }

// Run executes plan for req. The returned run record is complete whatever the outcome;
// the error is non-nil only when the run could not start.
func (e *Engine) Run(ctx context.Context, plan *flow.Plan, req Request) (*Run, error) {
	r, err := e.newRun(plan, req)
	if err != nil {
		return nil, err
	}
	if err := r.selectNodes(req.Start); err != nil {
		return nil, err
	}
	return r.execute(ctx, nil)
}

// newRun prepares the shared state of a run.
func (e *Engine) newRun(plan *flow.Plan, req Request) (*runState, error) {
	if plan == nil {
		return nil, &RunError{Message: "no plan to run"}
	}
	conc := e.opt.Concurrency
	if req.Concurrency > 0 {
		conc = req.Concurrency
	}
	// the request's budget, else the flow's own setting, else the engine's
	maxRuns := e.opt.MaxNodeRuns
	if plan.Doc != nil && plan.Doc.Settings.MaxNodeRuns > 0 {
		maxRuns = plan.Doc.Settings.MaxNodeRuns
	}
	if req.MaxNodeRuns > 0 {
		maxRuns = req.MaxNodeRuns
	}
	r := &runState{
		eng:     e,
		plan:    plan,
		req:     req,
		conc:    conc,
		maxRuns: maxRuns,
		jumps:   map[int]int{},
		secrets: map[string]string{},
		info: &nodes.RunInfo{ID: req.RunID, FlowID: req.FlowID, Stage: req.Stage, Version: req.Version,
			Templates: req.Templates, Tenant: req.Tenant, Project: req.Project},
		inRun: make([]bool, len(plan.Nodes)),
		start: -1,
	}
	if conc > 1 {
		r.sem = make(chan struct{}, conc)
	}
	return r, nil
}

// startNode finds the start node of a request.
func (r *runState) startNode(start string) (*flow.PlanNode, error) {
	if start != "" {
		n, ok := r.plan.Node(start)
		if !ok {
			return nil, &RunError{Message: fmt.Sprintf("start node %q is not in the flow", start)}
		}
		if n.Scope >= 0 {
			return nil, &RunError{Message: fmt.Sprintf("start node %q is inside a loop; start from the loop or before it", start)}
		}
		return n, nil
	}
	trig := r.plan.Triggers()
	switch len(trig) {
	case 0:
		return nil, nil
	case 1:
		return trig[0], nil
	}
	if r.req.Fired == "" {
		return nil, &RunError{Message: fmt.Sprintf("the flow has %d triggers; say which node to start from", len(trig))}
	}
	var fired []string
	var first *flow.PlanNode
	for _, n := range trig {
		if n.Type.ID == r.req.Fired {
			fired = append(fired, n.Node.Handle)
			if first == nil {
				first = n
			}
		}
	}
	switch len(fired) {
	case 1:
		return first, nil
	case 0:
		return nil, &RunError{Message: fmt.Sprintf("the flow has %d triggers and none of type %s to start this run from", len(trig), r.req.Fired)}
	}
	return nil, &RunError{Message: fmt.Sprintf("the flow has %d triggers of type %s (%s); keep one", len(fired), r.req.Fired,
		strings.Join(fired, ", "))}
}

// selectNodes works out which nodes take part: everything the start reaches, plus the
// upstream of those nodes (other triggers excepted).
func (r *runState) selectNodes(start string) error {
	s, err := r.startNode(start)
	if err != nil {
		return err
	}
	nodesOf := r.plan.Nodes
	var q []int
	if s == nil {
		for _, n := range nodesOf {
			if len(n.In) == 0 && !n.Type.Trigger {
				r.inRun[n.Index] = true
				q = append(q, n.Index)
			}
		}
		if len(q) == 0 {
			return &RunError{Message: "the flow has no node to start from"}
		}
	} else {
		r.start = s.Index
		r.info.Version = r.req.Version
		r.inRun[s.Index] = true
		q = append(q, s.Index)
	}
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		for _, e := range nodesOf[n].Out {
			if !e.Back && !r.inRun[e.To] {
				r.inRun[e.To] = true
				q = append(q, e.To)
			}
		}
	}
	// upstream of every selected node
	for i := range nodesOf {
		if r.inRun[i] {
			q = append(q, i)
		}
	}
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		for _, e := range nodesOf[n].In {
			src := nodesOf[e.From]
			if r.inRun[e.From] {
				continue
			}
			if src.Type.Trigger && (s == nil || s.Type.Trigger) {
				continue // another trigger: its paths are dead in this run
			}
			r.inRun[e.From] = true
			q = append(q, e.From)
		}
	}
	return nil
}
