package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

type edgeState int8

const (
	edgePending edgeState = iota
	edgeLive
	edgeDead
)

func (s edgeState) String() string {
	switch s {
	case edgeLive:
		return "live"
	case edgeDead:
		return "dead"
	}
	return "pending"
}

type nodeStatus uint8

const (
	nsPending nodeStatus = iota
	nsQueued
	nsRunning
	nsDone
	nsError
	nsSkipped
	nsPaused
)

// scope executes the members of one body: the top of the flow, or one iteration of a loop.
type scope struct {
	r       *runState
	header  int // -1 for the top scope
	iterIdx []int
	status  []nodeStatus
	gen     []uint32
	out     []nodes.Out
	errs    []*NodeError
	edges   []edgeState
	waiting []int32
	member  []bool
	env     map[string]any
	jumps   map[int]int
	queue   []int
	running int
	timers  int
	done    chan completion
	wake    chan int
	stop    bool
	// loop iteration control (body scopes)
	broken    bool
	collected any
	hasValue  bool
}

type completion struct {
	node   int
	gen    uint32
	out    nodes.Out
	err    error
	result NodeResult
	// composite (loop) completions
	loop *loopResult
}

func (r *runState) topScope() *scope {
	n, m := len(r.plan.Nodes), len(r.plan.Edges)
	s := &scope{r: r, header: -1,
		status: make([]nodeStatus, n), gen: make([]uint32, n), out: make([]nodes.Out, n), errs: make([]*NodeError, n),
		edges: make([]edgeState, m), waiting: make([]int32, n), member: make([]bool, n),
		env: make(map[string]any, n+3), jumps: map[int]int{},
		done: make(chan completion, 16), wake: make(chan int, 16)}
	for _, e := range r.plan.Edges {
		if !r.inRun[e.From] {
			s.edges[e.Index] = edgeDead
		}
	}
	for _, pn := range r.plan.Nodes {
		s.member[pn.Index] = r.inRun[pn.Index] && pn.Scope < 0
	}
	return s
}

// waitEdges are the edges a member waits for before it can be decided.
func (s *scope) waitEdges(pn *flow.PlanNode, fn func(e *flow.Edge)) {
	for _, e := range pn.In {
		fn(e)
	}
	for _, e := range pn.ExtIn {
		fn(e)
	}
}

// initWaiting counts each pending member's unresolved edges and queues the ready ones.
func (s *scope) initWaiting() {
	var ready []int
	for i, pn := range s.r.plan.Nodes {
		if !s.member[i] || s.status[i] != nsPending {
			continue
		}
		var w int32
		s.waitEdges(pn, func(e *flow.Edge) {
			if s.edges[e.Index] == edgePending {
				w++
			}
		})
		s.waiting[i] = w
		if w == 0 || (pn.Type.Control == nodes.ControlBarrier && s.anyLive(pn)) {
			ready = append(ready, i)
		}
	}
	for _, i := range ready {
		s.enqueue(i)
	}
}

func (s *scope) anyLive(pn *flow.PlanNode) bool {
	for _, e := range pn.In {
		if s.edges[e.Index] == edgeLive {
			return true
		}
	}
	return false
}

func (s *scope) enqueue(n int) {
	if s.status[n] != nsPending {
		return
	}
	s.status[n] = nsQueued
	if len(s.queue) == 0 {
		s.queue = s.queue[:0:cap(s.queue)]
	}
	s.queue = append(s.queue, n)
}

// waiter finds the member of this scope that waits for an edge into node t.
func (s *scope) waiter(t int) int {
	nodesOf := s.r.plan.Nodes
	if nodesOf[t].Scope == s.header {
		return t
	}
	for x := nodesOf[t].Scope; x >= 0; x = nodesOf[x].Scope {
		if nodesOf[x].Scope == s.header {
			return x
		}
	}
	return -1
}

// resolve sets an edge's state and wakes whoever waits for it.
func (s *scope) resolve(e *flow.Edge, st edgeState) {
	if s.edges[e.Index] != edgePending {
		return
	}
	s.edges[e.Index] = st
	if e.Back {
		return
	}
	w := s.waiter(e.To)
	if w < 0 || !s.member[w] || s.status[w] != nsPending {
		return
	}
	s.waiting[w]--
	pn := s.r.plan.Nodes[w]
	if s.waiting[w] <= 0 || (st == edgeLive && pn.Type.Control == nodes.ControlBarrier && w == e.To) {
		s.enqueue(w)
	}
}

func (s *scope) halted() bool { return s.stop || s.r.halt.Load() }

// loop runs the scope until nothing is ready or running.
func (s *scope) loop(ctx context.Context) {
	for {
		if s.r.halt.Load() {
			s.stop = true
		}
		for len(s.queue) > 0 && !s.halted() && (s.r.sem == nil || s.needsNoSlot(s.queue[0])) {
			if !s.checkCtx(ctx) {
				break
			}
			n := s.queue[0]
			s.queue = s.queue[1:]
			s.dispatch(ctx, n, false)
		}
		if s.running == 0 && s.timers == 0 && (len(s.queue) == 0 || s.halted()) {
			return
		}
		var sem chan struct{}
		if len(s.queue) > 0 && !s.halted() && s.r.sem != nil {
			sem = s.r.sem
		}
		select {
		case c := <-s.done:
			s.running--
			s.complete(ctx, c)
		case n := <-s.wake:
			s.timers--
			if s.status[n] == nsPending && !s.halted() {
				s.enqueue(n)
			}
		case sem <- struct{}{}:
			n := s.queue[0]
			s.queue = s.queue[1:]
			s.dispatch(ctx, n, true)
		case <-ctx.Done():
			s.checkCtx(ctx)
			s.stop = true
			// keep draining running nodes; they see the cancelled context
			for s.running > 0 {
				c := <-s.done
				s.running--
				s.complete(ctx, c)
			}
			for s.timers > 0 {
				<-s.wake
				s.timers--
			}
			return
		}
	}
}

// needsNoSlot reports nodes that run inline without a concurrency slot.
func (s *scope) needsNoSlot(n int) bool {
	pn := s.r.plan.Nodes[n]
	switch pn.Type.Control {
	case nodes.ControlNone, nodes.ControlBarrier:
		return pn.Node.FlowState == flow.StateDisabled || s.deadInput(pn)
	}
	return true
}

func (s *scope) checkCtx(ctx context.Context) bool {
	err := ctx.Err()
	if err == nil {
		return true
	}
	ne := &NodeError{Type: ErrKindDeadline, Error: fmt.Sprintf("the run did not finish within its deadline of %s", s.r.eng.opt.Deadline)}
	if errors.Is(err, context.Canceled) {
		ne = &NodeError{Type: ErrKindCancelled, Error: "the run was cancelled"}
	}
	s.r.fail(ne)
	s.stop = true
	return false
}

// deadInput reports whether some connected input of the node has only dead connections.
func (s *scope) deadInput(pn *flow.PlanNode) bool {
	if len(pn.In) == 0 {
		return false
	}
	if pn.Type.Control == nodes.ControlBarrier {
		return !s.anyLive(pn)
	}
	for i, e := range pn.In {
		// first edge of each port decides for its port
		first := true
		for _, p := range pn.In[:i] {
			if p.ToPort == e.ToPort {
				first = false
				break
			}
		}
		if !first {
			continue
		}
		live := false
		for _, p := range pn.In[i:] {
			if p.ToPort == e.ToPort && s.edges[p.Index] != edgeDead {
				live = true
				break
			}
		}
		if !live {
			return true
		}
	}
	return false
}

// dispatch decides and starts a ready node. holdsSlot says a concurrency slot was taken.
func (s *scope) dispatch(ctx context.Context, n int, holdsSlot bool) {
	pn := s.r.plan.Nodes[n]
	if pn.Type.Control == nodes.ControlLoopEnd && s.header == pn.Header {
		s.free(&holdsSlot)
		if s.deadInput(pn) {
			s.status[n] = nsSkipped // nothing to collect in this iteration
			return
		}
		s.collect(ctx, pn)
		return
	}
	if pn.Node.FlowState == flow.StateDisabled || s.deadInput(pn) {
		s.free(&holdsSlot)
		s.skip(ctx, pn)
		return
	}
	if pn.LoopEnd >= 0 || pn.Type.Control == nodes.ControlForEach || pn.Type.Control == nodes.ControlCounter {
		s.free(&holdsSlot)
		s.startLoop(ctx, pn)
		return
	}
	if s.r.budget.Add(1) > int64(s.r.maxRuns) {
		s.free(&holdsSlot)
		s.r.fail(&NodeError{Type: ErrKindBudget, Node: pn.Handle(),
			Error: fmt.Sprintf("the run exceeded its budget of %d node executions (every run of a node counts, each loop iteration's too) at node %q; the flow's settings.max_node_runs raises it (up to %d)", s.r.maxRuns, pn.Handle(), flow.MaxNodeRuns)})
		s.stop = true
		return
	}
	s.status[n] = nsRunning
	order := int(s.r.order.Add(1))
	start := s.r.now()
	in, notes, ierr := s.inputsNoting(ctx, pn)
	res := NodeResult{NodeID: pn.Node.ID, Handle: pn.Handle(), Type: pn.Type.ID, Order: order, StartedAt: start,
		Inputs: in, Iteration: s.iterIdx}
	for _, m := range notes { // exec publishes them as the node's first log lines
		res.Logs = append(res.Logs, LogLine{Time: start, Level: "warn", Message: m})
	}
	s.r.publish(ctx, Event{Type: EventNodeStart, Node: pn.Handle(), NodeID: pn.Node.ID, NodeType: pn.Type.ID, Order: order, Iteration: s.iterIdx})
	if ierr != nil {
		s.free(&holdsSlot)
		s.complete(ctx, completion{node: n, gen: s.gen[n], err: ierr, result: res})
		return
	}
	switch pn.Type.Control {
	case nodes.ControlExit, nodes.ControlBreak, nodes.ControlContinue, nodes.ControlJump:
		s.free(&holdsSlot)
		s.control(ctx, pn, in, res)
		return
	}
	var resume *nodes.Resume
	s.r.mu.Lock()
	if ri := s.r.resume; ri != nil && ri.node == n {
		resume = &nodes.Resume{Input: ri.input, Payload: ri.payload}
		s.r.resume = nil
	}
	s.r.mu.Unlock()
	gen := s.gen[n]
	if s.r.sem == nil || s.running == 0 && s.timers == 0 && len(s.queue) == 0 {
		// nothing else in this scope can start, finish or wake while the node runs (or the
		// engine runs one node at a time): run it here instead of on a goroutine of its own,
		// which saves a hand-over to the scheduler and back for each node of a straight flow
		out, err, rec := s.r.exec(ctx, pn, in, resume, res)
		s.free(&holdsSlot)
		s.complete(ctx, completion{node: n, gen: gen, out: out, err: err, result: rec})
		return
	}
	s.running++
	go s.execAsync(ctx, pn, in, resume, res, gen, holdsSlot)
}

// free gives back a concurrency slot if one is held.
func (s *scope) free(held *bool) {
	if *held {
		<-s.r.sem
		*held = false
	}
}

// execAsync runs a node on its own goroutine and reports to the scope.
func (s *scope) execAsync(ctx context.Context, pn *flow.PlanNode, in map[string]any, resume *nodes.Resume, res NodeResult, gen uint32, held bool) {
	out, err, rec := s.r.exec(ctx, pn, in, resume, res)
	s.free(&held)
	s.done <- completion{node: pn.Index, gen: gen, out: out, err: err, result: rec}
}

// skip marks a node skipped and its paths dead.
func (s *scope) skip(ctx context.Context, pn *flow.PlanNode) {
	n := pn.Index
	s.status[n] = nsSkipped
	s.r.record(ctx, NodeResult{NodeID: pn.Node.ID, Handle: pn.Handle(), Type: pn.Type.ID, Status: StatusSkipped, Iteration: s.iterIdx})
	for _, e := range pn.Out {
		s.resolve(e, edgeDead)
	}
	if pn.LoopEnd >= 0 {
		end := s.r.plan.Nodes[pn.LoopEnd]
		s.status[end.Index] = nsSkipped
		s.r.record(ctx, NodeResult{NodeID: end.Node.ID, Handle: end.Handle(), Type: end.Type.ID, Status: StatusSkipped, Iteration: s.iterIdx})
		for _, e := range end.Out {
			s.resolve(e, edgeDead)
		}
	}
}

// complete applies a node's outcome: its outputs, its paths, and the run's fate.
func (s *scope) complete(ctx context.Context, c completion) {
	if c.loop != nil {
		s.finishLoop(ctx, c)
		return
	}
	n := c.node
	if c.gen != s.gen[n] {
		return // a jump reset this node while it ran
	}
	pn := s.r.plan.Nodes[n]
	res := c.result
	res.DurationMS = durMS(s.r.now().Sub(res.StartedAt))
	if c.err == nil {
		s.status[n] = nsDone
		res.Status = StatusSuccess
		res.Outputs = c.out
		s.setOut(pn, c.out)
		s.emit(pn, c.out)
		s.r.record(ctx, res)
		return
	}
	pause := new(nodes.PauseError)
	switch {
	case errors.As(c.err, &pause):
		if s.header >= 0 {
			ne := &NodeError{Type: ErrKindNode, Node: pn.Handle(), Error: fmt.Sprintf("node %q cannot pause inside a loop", pn.Handle())}
			s.fail(ctx, pn, ne, &res)
			break
		}
		s.status[n] = nsPaused
		res.Status = StatusPaused
		res.Outputs = map[string]any{"pause": pause.Payload}
		s.r.mu.Lock()
		if s.r.paused == nil {
			s.r.paused = map[int]any{}
		}
		s.r.paused[n] = pause.Payload
		s.r.mu.Unlock()
		s.r.halt.Store(true)
	default:
		ne := s.r.nodeError(pn, c.err)
		s.fail(ctx, pn, ne, &res)
	}
	s.r.record(ctx, res)
}

// fail applies a node's error: false_path when connected, else its on_error policy.
func (s *scope) fail(ctx context.Context, pn *flow.PlanNode, ne *NodeError, res *NodeResult) {
	n := pn.Index
	s.status[n] = nsError
	s.errs[n] = ne
	res.Status = StatusError
	res.Error = ne
	fatal := ne.Type == ErrKindDeadline || ne.Type == ErrKindCancelled
	switch {
	case pn.HasFalsePath && !fatal:
		out := nodes.Out{nodes.PortFalsePath: ne.Object()}
		s.setOut(pn, out)
		for _, e := range pn.Out {
			if e.FromPort == nodes.PortFalsePath {
				s.resolve(e, edgeLive)
			} else {
				s.resolve(e, edgeDead)
			}
		}
	case pn.Node.Settings.OnError == flow.OnErrorContinue && !fatal:
		s.setOut(pn, nodes.Out{})
		for _, e := range pn.Out {
			if e.FromPort == nodes.PortFalsePath {
				s.resolve(e, edgeDead)
			} else {
				s.resolve(e, edgeLive)
			}
		}
	default:
		s.r.fail(ne)
		s.stop = true
	}
}

func (s *scope) setOut(pn *flow.PlanNode, out nodes.Out) {
	s.out[pn.Index] = out
	s.env[pn.Handle()] = map[string]any(out)
}

// emit resolves a successful node's outgoing edges: data ports are live; of the branch
// ports, those the node named are live, or true_path when it named none.
func (s *scope) emit(pn *flow.PlanNode, out nodes.Out) {
	explicit := false
	for _, b := range pn.Branches {
		if _, ok := out[b]; ok {
			explicit = true
			break
		}
	}
	if !explicit && pn.DynamicBranch {
		for k := range out {
			base, _ := flow.SplitPort(k)
			if p, ok := pn.Type.Output(base); ok && p.Branch {
				explicit = true
				break
			}
		}
	}
	for _, e := range pn.Out {
		if e.Back {
			continue
		}
		live := true
		if e.FromBranch {
			if explicit {
				_, live = out[e.OutName]
			} else {
				live = e.FromPort == nodes.PortTruePath
			}
		}
		if live {
			s.resolve(e, edgeLive)
		} else {
			s.resolve(e, edgeDead)
		}
	}
}

// edgeValue is the value an edge carries from its (finished) source.
func (s *scope) edgeValue(e *flow.Edge) any {
	out := s.out[e.From]
	if e.FromPort == nodes.PortTruePath {
		if v, ok := out[nodes.PortTruePath]; ok {
			return v
		}
		if s.status[e.From] == nsError {
			return nil // a failed node going on (on_error continue): its true_path carries null
		}
		return map[string]any(out)
	}
	if v, ok := out[e.OutName]; ok {
		return v
	}
	if e.FromSub != "" {
		if m, ok := out[e.FromPort].(map[string]any); ok {
			return m[e.FromSub]
		}
		return nil
	}
	return out[e.FromPort]
}

// inputs resolves a node's input values: connections, then values (templates evaluated),
// then defaults.
func (s *scope) inputs(ctx context.Context, pn *flow.PlanNode) (map[string]any, error) {
	in, _, err := s.inputsNoting(ctx, pn)
	return in, err
}

// inputsNoting is inputs that also says which expressions read a field their object does
// not have (each is the node's warning: such a value renders as nothing).
func (s *scope) inputsNoting(ctx context.Context, pn *flow.PlanNode) (map[string]any, []string, error) {
	var notes []string
	in := make(map[string]any, len(pn.Inputs))
	var resolver = s.r.req.Resolver
	for _, pi := range pn.Inputs {
		name := pi.Port.Name
		var v any
		set := false
		var subs map[string]any
		for _, e := range pi.Edges {
			if s.edges[e.Index] != edgeLive {
				continue
			}
			val := s.edgeValue(e)
			if e.ToSub != "" {
				if subs == nil {
					subs = map[string]any{}
				}
				subs[e.ToSub] = val
				continue
			}
			if pi.Port.Multi && (pi.Port.Type == nodes.List || pi.Port.Type.IsService()) {
				// a multi list input collects every live value; so does a multi service
				// input (an agent's tools): the consumer gets a list of the instances
				l, _ := v.([]any)
				v = append(l, val)
				set = true
				continue
			}
			if !set {
				v, set = val, true
			}
		}
		if !set && pi.HasValue {
			var err error
			v, err = pi.Value.Eval(ctx, s.env, resolver, s.r.onSecret)
			if err != nil {
				if why := s.unrun(pn, pi.Value); len(why) > 0 {
					err = fmt.Errorf("%w (%s)", err, strings.Join(why, "; "))
				}
				return in, notes, s.valueError(name, err)
			}
			for _, m := range pi.Value.Missing(s.env) {
				notes = append(notes, fmt.Sprintf("input %q: %s", name, m))
			}
			set = true
		}
		if !set && pi.Port.Default != nil {
			v = pi.Port.Default
		}
		if pi.Port.Dynamic {
			v = rowsToMap(v, subs)
		}
		in[name] = coerce(pi.Port.Type, v)
	}
	return in, notes, nil
}

// unrun explains why nodes a value reads have no outputs where pn reads them: not part of
// the run, skipped, or not run yet because pn does not wait for them. Nodes of other scopes
// (a loop body's, read from outside it) are validation's business and left out.
func (s *scope) unrun(pn *flow.PlanNode, v *flow.Value) []string {
	var why []string
	seen := map[string]bool{}
	v.Templates(func(t *expr.Template) {
		for _, ref := range t.Refs() {
			if seen[ref] {
				continue
			}
			seen[ref] = true
			if _, has := s.env[ref]; has {
				continue
			}
			src, ok := s.r.plan.Node(ref)
			if !ok || src.Handle() != ref || src == pn {
				continue
			}
			switch {
			case !s.r.inRun[src.Index]:
				why = append(why, fmt.Sprintf("node %q is not part of this run: the node the run started from does not lead to it", ref))
			case !s.member[src.Index]:
			case s.status[src.Index] == nsSkipped:
				why = append(why, fmt.Sprintf("node %q was skipped (a branch before it was not taken); write %s to read null when it is skipped",
					ref, optionalRead(t.Source(), ref)))
			case (s.status[src.Index] == nsPending || s.status[src.Index] == nsQueued) && leadsTo(s.r.plan, pn, src):
				why = append(why, fmt.Sprintf("node %q runs after %q (%q leads to it), so it has no outputs yet", ref, pn.Handle(), pn.Handle()))
			case s.status[src.Index] == nsPending || s.status[src.Index] == nsQueued || s.status[src.Index] == nsRunning:
				why = append(why, fmt.Sprintf("node %q has not run yet: %q does not wait for it (connect %q to %q, or to a node before it)",
					ref, pn.Handle(), ref, pn.Handle()))
			}
		}
	})
	return why
}

// optionalRead suggests the optional-chaining form of the first field read of ref in src
// (maybe?.value), for merging alternative branches with {{ a?.x ?? b.x }}.
func optionalRead(src, ref string) string {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_.?])` + regexp.QuoteMeta(ref) + `\.([A-Za-z_][A-Za-z0-9_]*)`)
	if m := re.FindStringSubmatch(src); m != nil {
		return ref + "?." + m[2]
	}
	return ref + "?.…"
}

// leadsTo reports whether to is downstream of from (jump back-edges not followed).
func leadsTo(p *flow.Plan, from, to *flow.PlanNode) bool {
	seen := make([]bool, len(p.Nodes))
	stack := []int{from.Index}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range p.Nodes[n].Out {
			if e.Back || seen[e.To] {
				continue
			}
			if e.To == to.Index {
				return true
			}
			seen[e.To] = true
			stack = append(stack, e.To)
		}
	}
	return false
}

func (s *scope) valueError(port string, err error) error {
	kind := ErrKindExpression
	var me *expr.MissingError
	switch {
	case errors.As(err, &me) && errors.Is(err, ErrUnavailable):
		kind = ErrKindUnavailable
		err = fmt.Errorf("%s %q could not be read on stage %q: %w", me.Placeholder.Kind, me.Placeholder.Key, s.r.req.Stage, me.Err)
	case errors.As(err, &me):
		kind = ErrKindSecret
		err = fmt.Errorf("%s %q is not set on stage %q: %w", me.Placeholder.Kind, me.Placeholder.Key, s.r.req.Stage, me.Err)
	case errors.Is(err, ErrUnavailable):
		kind = ErrKindUnavailable
	}
	return &evalError{kind: kind, port: port, err: err}
}

// rowsToMap turns dict rows [{key, value, type}] into an object, with connected
// sub-ports overriding rows.
func rowsToMap(v any, subs map[string]any) any {
	out := map[string]any{}
	switch x := v.(type) {
	case []any:
		for _, r := range x {
			row, ok := r.(map[string]any)
			if !ok {
				continue
			}
			k, _ := row["key"].(string)
			if k == "" {
				continue
			}
			out[k] = castRow(row["type"], row["value"])
		}
	case map[string]any:
		for k, e := range x {
			out[k] = e
		}
	case nil:
	default:
		return v
	}
	for k, e := range subs {
		out[k] = e
	}
	return out
}

func castRow(t, v any) any {
	ts, _ := t.(string)
	return coerce(nodes.PortType(ts), v)
}

// coerce converts strings arriving on number and boolean inputs.
func coerce(t nodes.PortType, v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch t {
	case nodes.Number, nodes.Integer:
		if f, ok := nodes.ToFloat(s); ok {
			return f
		}
	case nodes.Boolean:
		switch s {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
	}
	return v
}

// control runs the structural nodes the engine implements itself.
func (s *scope) control(ctx context.Context, pn *flow.PlanNode, in map[string]any, res NodeResult) {
	n := pn.Index
	out := nodes.Out{}
	switch pn.Type.Control {
	case nodes.ControlExit:
		s.r.mu.Lock()
		s.r.exited, s.r.exitValue = true, in["value"]
		s.r.mu.Unlock()
		s.r.halt.Store(true)
		out["value"] = in["value"]
	case nodes.ControlBreak:
		s.broken, s.stop = true, true
	case nodes.ControlContinue:
		s.stop = true
	case nodes.ControlJump:
		max, delay, err := jumpSettings(pn.Type, in)
		if err != nil {
			s.complete(ctx, completion{node: n, gen: s.gen[n], err: err, result: res})
			return
		}
		count := s.jumps[n] + 1
		if count > max {
			// attempt counts the jumps that fired; this time it does not
			out["attempt"] = count - 1
			out["exhausted"] = map[string]any{"attempts": count - 1}
			s.finishControl(ctx, pn, out, res)
			return
		}
		s.jumps[n] = count
		s.finishControl(ctx, pn, nodes.Out{"attempt": count, nodes.PortTruePath: nil}, res)
		s.jumpBack(pn, delay)
		return
	}
	s.finishControl(ctx, pn, out, res)
}

// jumpSettings reads a jump's max_retries (default 3) and delay_ms (default 0), within the
// bounds its type declares on those ports (which validation applies to literal values).
func jumpSettings(t *nodes.Type, in map[string]any) (int, time.Duration, error) {
	max, delay := 3.0, 0.0
	if v, set := in["max_retries"]; set && v != nil {
		f, ok := nodes.ToFloat(v)
		if !ok || f != math.Trunc(f) {
			return 0, 0, nodes.Errorf("max_retries", "must be a whole number, got %s", nodes.Describe(v))
		}
		if err := t.CheckInput("max_retries", f); err != nil {
			return 0, 0, err
		}
		if f < 0 || f > MaxIterations { // whatever the type declares
			return 0, 0, nodes.Errorf("max_retries", "must be a whole number from 0 to %d, got %s", MaxIterations, nodes.Describe(v))
		}
		max = f
	}
	if v, set := in["delay_ms"]; set && v != nil {
		f, ok := nodes.ToFloat(v)
		if !ok || math.IsNaN(f) {
			return 0, 0, nodes.Errorf("delay_ms", "must be a number of milliseconds, got %s", nodes.Describe(v))
		}
		if err := t.CheckInput("delay_ms", f); err != nil {
			return 0, 0, err
		}
		if f < 0 || f > float64(maxJumpDelay/time.Millisecond) { // whatever the type declares
			return 0, 0, nodes.Errorf("delay_ms", "must be a number of milliseconds from 0 to %d, got %s", maxJumpDelay/time.Millisecond, nodes.Describe(v))
		}
		delay = f
	}
	return int(max), time.Duration(delay * float64(time.Millisecond)), nil
}

// maxJumpDelay bounds one jump's wait; the run's deadline bounds them all.
const maxJumpDelay = 15 * time.Minute

func (s *scope) finishControl(ctx context.Context, pn *flow.PlanNode, out nodes.Out, res NodeResult) {
	s.status[pn.Index] = nsDone
	res.Status = StatusSuccess
	res.Outputs = out
	res.DurationMS = durMS(s.r.now().Sub(res.StartedAt))
	s.setOut(pn, out)
	if pn.Type.Control != nodes.ControlJump || out["exhausted"] != nil {
		s.emit(pn, out)
	}
	s.r.record(ctx, res)
}

// jumpBack resets the jump's region and starts its `to` node again after delay.
func (s *scope) jumpBack(j *flow.PlanNode, delay time.Duration) {
	region := map[int]bool{}
	for _, n := range j.Region {
		region[n] = true
	}
	for _, n := range j.Region {
		pn := s.r.plan.Nodes[n]
		s.gen[n]++
		s.status[n] = nsPending
		s.out[n] = nil
		delete(s.env, pn.Handle())
		for _, e := range pn.Out {
			s.edges[e.Index] = edgePending
		}
		if pn.LoopEnd >= 0 {
			end := s.r.plan.Nodes[pn.LoopEnd]
			s.status[end.Index] = nsPending
			s.out[end.Index] = nil
			delete(s.env, end.Handle())
			for _, e := range end.Out {
				s.edges[e.Index] = edgePending
			}
		}
	}
	s.queue = slices.DeleteFunc(s.queue, func(n int) bool { return region[n] })
	for _, n := range j.Region {
		if !s.member[n] {
			continue
		}
		var w int32
		s.waitEdges(s.r.plan.Nodes[n], func(e *flow.Edge) {
			if s.edges[e.Index] == edgePending {
				w++
			}
		})
		s.waiting[n] = w
	}
	to := j.JumpTo
	if delay <= 0 {
		s.enqueue(to)
		return
	}
	s.timers++
	time.AfterFunc(delay, func() { s.wake <- to })
}

// sortedKeys lists a map's keys in order (deterministic iteration).
func sortedKeys(m map[int]any) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
