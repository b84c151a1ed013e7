package engine

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// MaxIterations bounds one loop's iterations (the run's node budget bounds the rest).
const MaxIterations = 100000

type loopResult struct {
	results    []any
	iterations int
	broken     bool
	lastEdges  []edgeState
	res        NodeResult
}

// frozen is a read-only copy of a scope's state that iterations start from.
type frozen struct {
	status []nodeStatus
	out    []nodes.Out
	edges  []edgeState
	env    map[string]any
}

func (s *scope) freeze() *frozen {
	return &frozen{status: slices.Clone(s.status), out: slices.Clone(s.out), edges: slices.Clone(s.edges), env: maps.Clone(s.env)}
}

// startLoop runs a for-each or counter loop as one step of this scope.
func (s *scope) startLoop(ctx context.Context, h *flow.PlanNode) {
	n := h.Index
	if s.r.budget.Add(1) > int64(s.r.maxRuns) {
		s.r.fail(&NodeError{Type: ErrKindBudget, Node: h.Handle(),
			Error: fmt.Sprintf("the run exceeded its budget of %d node executions (every run of a node counts, each loop iteration's too) at node %q; the flow's settings.max_node_runs raises it (up to %d)", s.r.maxRuns, h.Handle(), flow.MaxNodeRuns)})
		s.stop = true
		return
	}
	s.status[n] = nsRunning
	order := int(s.r.order.Add(1))
	res := NodeResult{NodeID: h.Node.ID, Handle: h.Handle(), Type: h.Type.ID, Order: order, StartedAt: s.r.now(), Iteration: s.iterIdx}
	s.r.publish(ctx, Event{Type: EventNodeStart, Node: h.Handle(), NodeID: h.Node.ID, NodeType: h.Type.ID, Order: order, Iteration: s.iterIdx})
	in, err := s.inputs(ctx, h)
	res.Inputs = in
	var items []any
	if err == nil {
		items, err = loopItems(h, in)
	}
	if err != nil {
		ne := s.r.nodeError(h, err)
		res.DurationMS = durMS(s.r.now().Sub(res.StartedAt))
		s.fail(ctx, h, ne, &res)
		s.r.record(ctx, res)
		if h.LoopEnd >= 0 && !s.stop {
			end := s.r.plan.Nodes[h.LoopEnd]
			s.status[end.Index] = nsSkipped
			s.r.record(ctx, NodeResult{NodeID: end.Node.ID, Handle: end.Handle(), Type: end.Type.ID, Status: StatusSkipped, Iteration: s.iterIdx})
			for _, e := range end.Out {
				s.resolve(e, edgeDead)
			}
		}
		return
	}
	conc := h.Node.Settings.Concurrency
	if c, ok := nodes.ToFloat(in["concurrency"]); ok && c > 0 {
		conc = int(c)
	}
	if conc <= 0 || s.r.sem == nil {
		conc = 1
	}
	snap := s.freeze()
	gen := s.gen[n]
	if s.r.sem == nil {
		lr := s.iterate(ctx, h, items, snap, conc)
		lr.res = res
		s.finishLoop(ctx, completion{node: n, gen: gen, loop: lr})
		return
	}
	s.running++
	go func() {
		lr := s.iterate(ctx, h, items, snap, conc)
		lr.res = res
		s.done <- completion{node: n, gen: gen, loop: lr}
	}()
}

func loopItems(h *flow.PlanNode, in map[string]any) ([]any, error) {
	if h.Type.Control == nodes.ControlCounter {
		from, ok1 := nodes.ToFloat(in["from"])
		to, ok2 := nodes.ToFloat(in["to"])
		step := 1.0
		if in["step"] != nil {
			st, ok := nodes.ToFloat(in["step"])
			if !ok || st == 0 {
				return nil, nodes.Errorf("step", "must be a number other than 0")
			}
			step = st
		}
		if !ok1 {
			return nil, nodes.Errorf("from", "expected a number, got %s", nodes.Describe(in["from"]))
		}
		if !ok2 {
			return nil, nodes.Errorf("to", "expected a number, got %s", nodes.Describe(in["to"]))
		}
		for _, b := range []struct {
			port string
			v    float64
		}{{"from", from}, {"to", to}, {"step", step}} {
			if math.IsNaN(b.v) || math.IsInf(b.v, 0) {
				return nil, nodes.Errorf(b.port, "must be a finite number, got %v", b.v)
			}
		}
		if (step > 0 && from > to) || (step < 0 && from < to) {
			return []any{}, nil
		}
		// values are counted in the decimals from and step are written with, so 0.1 by 0.1
		// gives 0.3 and reaches a bound of 0.3 (the float sum is 0.30000000000000004)
		st := nodes.NewStepper(from, step)
		at := st.At
		// compared as a float first: a huge span would overflow the int conversion
		n := math.Floor((to-from)/step) + 1
		if next := at(n); st.Rounds() && !math.IsInf(n, 0) && ((step > 0 && next <= to) || (step < 0 && next >= to)) {
			n++
		}
		if math.IsInf(n, 0) || n > MaxIterations {
			return nil, nodes.Errorf("to", "the loop would run %.6g times; the limit is %d", n, MaxIterations)
		}
		count := int(n)
		items := make([]any, count)
		for i := range items {
			items[i] = at(float64(i))
		}
		return items, nil
	}
	v := in["list"]
	if m, ok := v.(map[string]any); ok {
		// iterate an object's entries in key order
		keys := slices.Sorted(maps.Keys(m))
		items := make([]any, len(keys))
		for i, k := range keys {
			items[i] = map[string]any{"key": k, "value": m[k]}
		}
		return items, nil
	}
	items, ok := nodes.ToList(v)
	if !ok {
		return nil, nodes.Errorf("list", "expected a list, got %s", nodes.Describe(v))
	}
	if len(items) > MaxIterations {
		return nil, nodes.Errorf("list", "the list has %d items; the limit is %d", len(items), MaxIterations)
	}
	return items, nil
}

// iterate runs the loop body once per item, up to conc at a time, in index order of results.
func (s *scope) iterate(ctx context.Context, h *flow.PlanNode, items []any, snap *frozen, conc int) *loopResult {
	lr := &loopResult{}
	values := make([]any, len(items))
	has := make([]bool, len(items))
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		broken bool
	)
	sem := make(chan struct{}, conc)
	for i, item := range items {
		mu.Lock()
		stop := broken
		mu.Unlock()
		if stop || s.r.halt.Load() || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		run := func(i int, item any) {
			defer wg.Done()
			defer func() { <-sem }()
			c := s.child(h, snap, i, item)
			c.loop(ctx)
			mu.Lock()
			defer mu.Unlock()
			lr.iterations++
			if c.hasValue {
				values[i], has[i] = c.collected, true
			}
			if c.broken {
				broken = true
			}
			lr.lastEdges = c.edges
		}
		if conc == 1 {
			run(i, item)
		} else {
			go run(i, item)
		}
	}
	wg.Wait()
	lr.broken = broken
	lr.results = []any{}
	for i := range values {
		if has[i] {
			lr.results = append(lr.results, values[i])
		}
	}
	return lr
}

// child creates the scope of one iteration.
func (s *scope) child(h *flow.PlanNode, snap *frozen, idx int, item any) *scope {
	plan := s.r.plan
	c := &scope{r: s.r, header: h.Index, iterIdx: append(slices.Clone(s.iterIdx), idx),
		status: slices.Clone(snap.status), gen: make([]uint32, len(plan.Nodes)), out: slices.Clone(snap.out),
		errs: make([]*NodeError, len(plan.Nodes)), edges: slices.Clone(snap.edges),
		waiting: make([]int32, len(plan.Nodes)), member: make([]bool, len(plan.Nodes)),
		env: maps.Clone(snap.env), jumps: map[int]int{}, done: make(chan completion, 16), wake: make(chan int, 16)}
	for _, m := range h.Body {
		pn := plan.Nodes[m]
		c.member[m] = true
		c.status[m] = nsPending
		c.out[m] = nil
		delete(c.env, pn.Handle())
		for _, e := range pn.Out {
			c.edges[e.Index] = edgePending
		}
	}
	iter := nodes.Out{"item": item, "index": idx}
	if h.Type.Control == nodes.ControlCounter {
		iter = nodes.Out{"index": idx, "value": item}
	}
	c.status[h.Index] = nsDone
	c.out[h.Index] = iter
	c.env[h.Handle()] = map[string]any(iter)
	for _, e := range h.Out {
		if e.FromPort == nodes.PortFalsePath {
			c.edges[e.Index] = edgeDead
		} else {
			c.edges[e.Index] = edgeLive
		}
	}
	c.initWaiting()
	return c
}

// collect is the loop end's step inside an iteration: it keeps the iteration's value.
func (s *scope) collect(ctx context.Context, end *flow.PlanNode) {
	in, err := s.inputs(ctx, end)
	if err != nil {
		s.r.fail(s.r.nodeError(end, err))
		s.stop = true
		return
	}
	s.status[end.Index] = nsDone
	s.collected, s.hasValue = in["value"], true
}

// finishLoop completes a loop header and its loop end in this scope.
func (s *scope) finishLoop(ctx context.Context, c completion) {
	h := s.r.plan.Nodes[c.node]
	if c.gen != s.gen[c.node] {
		return
	}
	lr := c.loop
	res := lr.res
	res.Status = StatusSuccess
	res.DurationMS = durMS(s.r.now().Sub(res.StartedAt))
	hout := nodes.Out{"iterations": lr.iterations, "broken": lr.broken}
	res.Outputs = hout
	s.status[h.Index] = nsDone
	s.setOut(h, hout)
	if lr.lastEdges != nil {
		for _, m := range h.Body {
			for _, e := range s.r.plan.Nodes[m].In {
				s.edges[e.Index] = lr.lastEdges[e.Index]
			}
		}
	}
	for _, e := range h.Out {
		if e.FromPort == nodes.PortFalsePath {
			s.resolve(e, edgeDead)
		} else if lr.iterations > 0 {
			s.edges[e.Index] = edgeLive
		} else {
			s.edges[e.Index] = edgeDead
		}
	}
	s.r.record(ctx, res)
	if h.LoopEnd < 0 {
		return
	}
	end := s.r.plan.Nodes[h.LoopEnd]
	if s.r.halt.Load() && !s.r.exitedOnly() {
		return
	}
	eout := nodes.Out{"results": lr.results, "count": len(lr.results)}
	s.status[end.Index] = nsDone
	s.setOut(end, eout)
	order := int(s.r.order.Add(1))
	s.r.record(ctx, NodeResult{NodeID: end.Node.ID, Handle: end.Handle(), Type: end.Type.ID, Status: StatusSuccess,
		Order: order, StartedAt: s.r.now(), Outputs: eout, Iteration: s.iterIdx})
	s.emit(end, eout)
}

// exitedOnly reports a halt caused only by an exit node (the loop end may still record).
func (r *runState) exitedOnly() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exited && r.failure == nil && len(r.paused) == 0
}
