// Package nodetest runs a single node type's code the way the engine would, for the node
// families' table tests.
package nodetest

import (
	"context"
	"sync"

	"polysynergy/shared/nodes"
)

// Host records what a node did besides returning outputs.
type Host struct {
	mu       sync.Mutex
	Logs     []string
	Streamed []any
	Response any
	Secrets  map[string]string
	EnvVars  map[string]string
}

func (h *Host) Log(level, msg string) {
	h.mu.Lock()
	h.Logs = append(h.Logs, level+": "+msg)
	h.mu.Unlock()
}
func (h *Host) Stream(c any)      { h.mu.Lock(); h.Streamed = append(h.Streamed, c); h.mu.Unlock() }
func (h *Host) SetResponse(r any) { h.mu.Lock(); h.Response = r; h.mu.Unlock() }
func (h *Host) Secret(_ context.Context, k string) (string, error) {
	if v, ok := h.Secrets[k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}
func (h *Host) Env(_ context.Context, k string) (string, error) {
	if v, ok := h.EnvVars[k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}

// Options adjust a Run.
type Options struct {
	Values  map[string]any // the node's literal values (for dynamic rows)
	Trigger any
	Host    *Host
	Resume  *nodes.Resume
	// Run describes the run (nil: run1 of flow1 on mock, outside any project).
	Run *nodes.RunInfo
}

// Run executes node type t with the given inputs; missing inputs take the port defaults,
// as the engine does. It returns the outputs, the error and the host (logs, response).
func Run(ctx context.Context, t *nodes.Type, in map[string]any, opt Options) (nodes.Out, error, *Host) {
	full := map[string]any{}
	for _, p := range t.Inputs {
		if p.Control {
			continue
		}
		if v, ok := in[p.Name]; ok {
			full[p.Name] = v
		} else if p.Default != nil {
			full[p.Name] = p.Default
		} else {
			full[p.Name] = nil
		}
	}
	for k, v := range in {
		full[k] = v
	}
	h := opt.Host
	if h == nil {
		h = &Host{}
	}
	info := opt.Run
	if info == nil {
		info = &nodes.RunInfo{ID: "run1", FlowID: "flow1", Stage: "mock"}
	}
	c := &nodes.Call{NodeID: "n1", Handle: "node", Type: t, In: full, Values: opt.Values, Trigger: opt.Trigger,
		Run: info, Attempt: 1, Resume: opt.Resume, Host: h}
	out, err := t.Run(ctx, c)
	return out, err, h
}
