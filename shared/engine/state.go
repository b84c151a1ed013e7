package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

// StateVersion is the format version of serialised run state.
const StateVersion = 1

// State is everything a paused run needs to continue in another process. It serialises
// to JSON. Secret values are never in it: only the keys used and markers where their
// values were, resolved again on resume.
type State struct {
	Version     int                  `json:"version"`
	PlanHash    string               `json:"plan_hash"`
	RunID       string               `json:"run_id"`
	FlowID      string               `json:"flow_id,omitempty"`
	FlowVersion int                  `json:"flow_version,omitempty"`
	Stage       string               `json:"stage,omitempty"`
	Start       string               `json:"start,omitempty"`
	Trigger     any                  `json:"trigger,omitempty"`
	StartedAt   time.Time            `json:"started_at"`
	InRun       []string             `json:"in_run"`
	Nodes       map[string]NodeState `json:"nodes"`
	Edges       map[string]string    `json:"edges"`
	Paused      map[string]any       `json:"paused"`
	Jumps       map[string]int       `json:"jumps,omitempty"`
	Order       int64                `json:"order"`
	Seq         int64                `json:"seq"`
	Budget      int64                `json:"budget"`
	SecretKeys  []string             `json:"secret_keys,omitempty"`
	// SecretMark is the random part of the markers standing in for secret values (see
	// seal.go); empty when the state holds none.
	SecretMark string `json:"secret_mark,omitempty"`
}

// NodeState is a finished node in a paused run.
type NodeState struct {
	Status  string         `json:"status"`
	Outputs map[string]any `json:"outputs,omitempty"`
}

// PausedNodes lists the handles the run is paused at, in order.
func (st *State) PausedNodes() []string {
	out := make([]string, 0, len(st.Paused))
	for h := range st.Paused {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

var statusNames = map[nodeStatus]string{nsDone: StatusSuccess, nsError: StatusError, nsSkipped: StatusSkipped}

func (r *runState) snapshot(s *scope) *State {
	st := &State{Version: StateVersion, PlanHash: r.plan.Hash, RunID: r.req.RunID, FlowID: r.req.FlowID,
		FlowVersion: r.req.Version, Stage: r.req.Stage, Start: r.startHandle(), Trigger: r.req.Trigger,
		StartedAt: r.started, Nodes: map[string]NodeState{}, Edges: map[string]string{}, Paused: map[string]any{},
		Jumps: map[string]int{}, Order: r.order.Load(), Seq: r.seq.Load(), Budget: r.budget.Load()}
	for i, pn := range r.plan.Nodes {
		if r.inRun[i] {
			st.InRun = append(st.InRun, pn.Handle())
		}
		name, ok := statusNames[s.status[i]]
		if !ok {
			continue
		}
		st.Nodes[pn.Handle()] = NodeState{Status: name, Outputs: jsonable(s.out[i])}
	}
	for _, e := range r.plan.Edges {
		if s.edges[e.Index] != edgePending {
			st.Edges[e.ID] = s.edges[e.Index].String()
		}
	}
	r.mu.Lock()
	for n, p := range r.paused {
		st.Paused[r.plan.Nodes[n].Handle()] = p
	}
	seen := map[string]bool{}
	for _, k := range r.secrets {
		if !seen[k] {
			seen[k] = true
			st.SecretKeys = append(st.SecretKeys, k)
		}
	}
	secrets := maps.Clone(r.secrets)
	r.mu.Unlock()
	sort.Strings(st.SecretKeys)
	st.seal(secrets)
	for n, c := range s.jumps {
		st.Jumps[r.plan.Nodes[n].Handle()] = c
	}
	return st
}

// jsonable keeps only outputs that survive JSON (service instances do not: their providers
// run again on resume).
func jsonable(out nodes.Out) map[string]any {
	if out == nil {
		return nil
	}
	m := make(map[string]any, len(out))
	for k, v := range out {
		m[k] = nodes.Normalize(v)
	}
	return m
}

// Resume continues a paused run at node with the given input. The node runs again with
// Call.Resume set. req supplies the resolver, templates and concurrency; the run's ids,
// stage and trigger come from the state. Service providers run again before their consumers.
func (e *Engine) Resume(ctx context.Context, plan *flow.Plan, st *State, node string, input any, req Request) (*Run, error) {
	if st == nil || st.Version != StateVersion {
		return nil, &RunError{Message: "no resumable state (unknown state version)"}
	}
	if st.PlanHash != plan.Hash {
		return nil, &RunError{Message: "the flow changed since the run paused; it can only resume on the same version"}
	}
	pn, ok := plan.Node(node)
	if !ok {
		return nil, fmt.Errorf("%w: node %q is not in the flow", ErrNotPaused, node)
	}
	payload, ok := st.Paused[pn.Handle()]
	if !ok {
		return nil, fmt.Errorf("%w: %q (paused at %v)", ErrNotPaused, node, st.PausedNodes())
	}
	values, missing := map[string]string{}, map[string]error{}
	for _, k := range st.SecretKeys {
		if req.Resolver == nil {
			missing[k] = errors.New("the resume has no secret resolver")
			continue
		}
		v, err := req.Resolver.Secret(ctx, k)
		if err != nil {
			missing[k] = err
			continue
		}
		values[k] = v
	}
	if st.SecretMark != "" { // unseal a copy: the caller's state stays as it was
		c := *st
		c.Nodes, c.Paused = maps.Clone(st.Nodes), maps.Clone(st.Paused)
		st = &c
	}
	if err := st.unseal(values, missing); err != nil {
		return nil, err
	}
	payload = st.Paused[pn.Handle()]
	req.RunID, req.FlowID, req.Version, req.Stage, req.Trigger = st.RunID, st.FlowID, st.FlowVersion, st.Stage, st.Trigger
	r, err := e.newRun(plan, req)
	if err != nil {
		return nil, err
	}
	r.started = st.StartedAt
	r.order.Store(st.Order)
	r.seq.Store(st.Seq)
	r.budget.Store(st.Budget)
	r.start = -1
	if st.Start != "" {
		if sn, ok := plan.Node(st.Start); ok {
			r.start = sn.Index
		}
	}
	for _, h := range st.InRun {
		if n, ok := plan.Node(h); ok {
			r.inRun[n.Index] = true
		}
	}
	for k, v := range values {
		r.onSecret(k, v)
	}
	r.resume = &resumeInfo{node: pn.Index, input: input, payload: payload}
	r.paused = map[int]any{}
	for h, p := range st.Paused {
		if n, ok := plan.Node(h); ok && n.Index != pn.Index {
			r.paused[n.Index] = p
		}
	}
	s := r.topScope()
	for _, e := range plan.Edges {
		switch st.Edges[e.ID] {
		case "live":
			s.edges[e.Index] = edgeLive
		case "dead":
			s.edges[e.Index] = edgeDead
		default:
			s.edges[e.Index] = edgePending
		}
	}
	for h, ns := range st.Nodes {
		n, ok := plan.Node(h)
		if !ok {
			return nil, &RunError{Message: fmt.Sprintf("state names node %q, which the flow does not have", h)}
		}
		switch ns.Status {
		case StatusSuccess:
			s.status[n.Index] = nsDone
		case StatusError:
			s.status[n.Index] = nsError
		case StatusSkipped:
			s.status[n.Index] = nsSkipped
		}
		s.setOut(n, ns.Outputs)
	}
	for n := range r.paused {
		s.status[n] = nsPaused // still paused elsewhere: not run now
	}
	// service providers hand out live instances: run them again for their consumers
	for _, n := range plan.Nodes {
		if n.Type.Service != "" && s.status[n.Index] == nsDone {
			s.status[n.Index] = nsPending
			s.out[n.Index] = nil
			delete(s.env, n.Handle())
			for _, e := range n.Out {
				s.edges[e.Index] = edgePending
			}
		}
	}
	s.status[pn.Index] = nsPending
	s.initWaiting()
	return r.execute(ctx, s)
}

// UnmarshalJSON decodes a serialised state, reading the flow's values (trigger, node
// outputs, pause payloads) through jsonvalue, so whole numbers beyond 2^53 stay exact int64
// across a pause (9007199254740993 came back as 9007199254740992).
func (st *State) UnmarshalJSON(b []byte) error {
	type plain State // without this method
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	var err error
	if p.Trigger, err = jsonvalue.Numbers(p.Trigger); err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	if _, err = jsonvalue.Numbers(p.Paused); err != nil {
		return fmt.Errorf("paused: %w", err)
	}
	for h, ns := range p.Nodes {
		if _, err = jsonvalue.Numbers(ns.Outputs); err != nil {
			return fmt.Errorf("nodes.%s: %w", h, err)
		}
	}
	*st = State(p)
	return nil
}
