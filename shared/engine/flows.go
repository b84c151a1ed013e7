package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// MaxFlowDepth is how deeply flow calls may nest (a run calling a flow that calls a
// flow …); deeper calls fail, so a loop of flows calling each other cannot run away.
const MaxFlowDepth = 4

// LoadedFlow is a flow a run may call: its compiled plan and the version it is (0 for a
// draft).
type LoadedFlow struct {
	Plan    *flow.Plan
	Version int
	// Resolver, when set, resolves the called flow's secrets and variables instead of the
	// caller's (the same stage's values: a loader may offer a called flow that reads `env`
	// the variables its caller's resolver left out, as its caller reads none).
	Resolver Resolver
}

// FlowLoader loads another flow of the run's project: the version bound to the run's
// stage, or the draft for editor runs. The caller of Run supplies it in Request.Flows.
type FlowLoader func(ctx context.Context, flowID string) (LoadedFlow, error)

var _ nodes.FlowCaller = (*host)(nil)

// FlowNodeValues implements nodes.FlowCaller.
func (h *host) FlowNodeValues(ctx context.Context, flowID, typeID string) ([]map[string]any, error) {
	lf, err := h.r.loadFlow(ctx, flowID)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, pn := range lf.Plan.Nodes {
		if pn.Type.ID == typeID {
			out = append(out, pn.Node.Values)
		}
	}
	return out, nil
}

// CallFlow implements nodes.FlowCaller.
func (h *host) CallFlow(ctx context.Context, call nodes.FlowCall) (any, error) {
	return h.r.callFlow(ctx, call)
}

// loadFlow loads a flow through the request's loader, refusing recursion and runaway depth.
func (r *runState) loadFlow(ctx context.Context, flowID string) (LoadedFlow, error) {
	if strings.TrimSpace(flowID) == "" {
		return LoadedFlow{}, &nodes.FlowIDError{Err: errors.New("call flow: no flow id given")}
	}
	if r.req.Flows == nil {
		return LoadedFlow{}, fmt.Errorf("call flow %s: this run cannot call other flows (no flow loader is configured)", flowID)
	}
	chain := append(slices.Clone(r.req.callers), r.req.FlowID)
	if slices.Contains(chain, flowID) {
		return LoadedFlow{}, &nodes.FlowIDError{Err: fmt.Errorf("call flow %s: refused, it would call itself: %s → %s", flowID, strings.Join(chain, " → "), flowID)}
	}
	if len(chain) > MaxFlowDepth {
		return LoadedFlow{}, &nodes.FlowIDError{Err: fmt.Errorf("call flow %s: refused, flow calls nest deeper than %d: %s → %s", flowID, MaxFlowDepth, strings.Join(chain, " → "), flowID)}
	}
	lf, err := r.req.Flows(ctx, flowID)
	if err != nil {
		err = fmt.Errorf("call flow %s: %w", flowID, err)
		if _, named := errors.AsType[*nodes.FlowIDError](err); named || errors.Is(err, nodes.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return LoadedFlow{}, &nodes.FlowIDError{Err: err}
		}
		return LoadedFlow{}, err
	}
	if lf.Plan == nil {
		return LoadedFlow{}, fmt.Errorf("call flow %s: the loader returned no plan", flowID)
	}
	return lf, nil
}

// callFlow runs another flow as a nested run: same stage, resolver, templates and flow
// loader, within the caller's context (so within its deadline), without publishing
// events or recording results of its own. It returns the nested run's exit value, or the
// response it set when it did not exit.
func (r *runState) callFlow(ctx context.Context, call nodes.FlowCall) (any, error) {
	lf, err := r.loadFlow(ctx, call.FlowID)
	if err != nil {
		return nil, err
	}
	start := ""
	if call.StartType != "" {
		var found []string
		for _, pn := range lf.Plan.Nodes {
			if pn.Type.ID == call.StartType && pn.Type.Trigger {
				found = append(found, pn.Handle())
			}
		}
		switch len(found) {
		case 0:
			return nil, &nodes.FlowIDError{Err: fmt.Errorf("call flow %s: it has no %s node to start from", call.FlowID, call.StartType)}
		case 1:
			start = found[0]
		default:
			return nil, &nodes.FlowIDError{Err: fmt.Errorf("call flow %s: it has %d %s nodes (%s); keep one", call.FlowID, len(found), call.StartType, strings.Join(found, ", "))}
		}
	}
	sub := &Engine{opt: r.eng.opt}
	sub.opt.Publisher, sub.opt.Sink = nil, nil
	res := r.req.Resolver
	if lf.Resolver != nil {
		res = lf.Resolver
	}
	req := Request{RunID: fmt.Sprintf("%s.%d", r.req.RunID, r.calls.Add(1)), FlowID: call.FlowID, Version: lf.Version,
		Stage: r.req.Stage, Tenant: r.req.Tenant, Project: r.req.Project, Start: start, Trigger: call.Input, Resolver: res, Templates: r.req.Templates,
		Concurrency: r.conc, Flows: r.req.Flows, DenyPrivateNetwork: r.req.DenyPrivateNetwork,
		callers: append(slices.Clone(r.req.callers), r.req.FlowID)}
	nr, err := sub.newRun(lf.Plan, req)
	if err != nil {
		return nil, fmt.Errorf("call flow %s: %w", call.FlowID, err)
	}
	if err := nr.selectNodes(start); err != nil {
		return nil, fmt.Errorf("call flow %s: %w", call.FlowID, err)
	}
	run, err := nr.execute(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("call flow %s: %w", call.FlowID, err)
	}
	nr.mu.Lock()
	secrets := make(map[string]string, len(nr.secrets))
	for v, k := range nr.secrets {
		secrets[v] = k
	}
	exited, value, response := nr.exited, nr.exitValue, nr.response
	var paused []string
	for n := range nr.paused {
		paused = append(paused, fmt.Sprintf("%q (%s)", lf.Plan.Nodes[n].Handle(), lf.Plan.Nodes[n].Type.Name))
	}
	nr.mu.Unlock()
	slices.Sort(paused)
	for v, k := range secrets {
		r.onSecret(k, v)
	}
	switch run.Status {
	case StatusError:
		msg := "unknown error"
		if run.Error != nil {
			msg = run.Error.Error
		}
		return nil, fmt.Errorf("call flow %s: the flow failed: %s", call.FlowID, msg)
	case StatusPaused:
		// its state is dropped: nothing could resume it inside the caller's node
		return nil, fmt.Errorf("call flow %s: the flow paused at %s; nodes that pause cannot run inside a called flow (move them into the calling flow)",
			call.FlowID, strings.Join(paused, ", "))
	}
	if exited {
		return value, nil
	}
	return response, nil
}
