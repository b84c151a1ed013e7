package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"sync"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// maxBackoff caps the wait between retries.
const maxBackoff = time.Minute

// host is what a running node sees of the engine.
type host struct {
	r    *runState
	pn   *flow.PlanNode
	ctx  context.Context
	iter []int
	mu   sync.Mutex
	logs []LogLine
}

func (h *host) Log(level, msg string) {
	line := LogLine{Time: h.r.now(), Level: level, Message: msg}
	h.mu.Lock()
	if len(h.logs) < 1000 {
		h.logs = append(h.logs, line)
	}
	h.mu.Unlock()
	if h.r.eng.opt.Publisher != nil {
		c := h.r.cleaner()
		line.Message = c.cutString(line.Message)
		h.r.publish(h.ctx, Event{Type: EventNodeLog, Node: h.pn.Handle(), NodeID: h.pn.Node.ID, Iteration: h.iter, Data: line})
	}
}

func (h *host) Stream(chunk any) {
	if h.r.eng.opt.Publisher == nil {
		return
	}
	// a model may repeat a secret it was given: chunks are redacted like results
	h.r.publish(h.ctx, Event{Type: EventStream, Node: h.pn.Handle(), NodeID: h.pn.Node.ID, Iteration: h.iter, Data: h.r.cleaner().value(chunk)})
}

// Redact implements nodes.Redactor: v with the secrets the run has read replaced, as its
// records are, but not cut.
func (h *host) Redact(v any) any { return h.r.cleaner().uncut().value(v) }

func (h *host) SetResponse(resp any) {
	h.r.mu.Lock()
	h.r.response = resp
	h.r.mu.Unlock()
}

func (h *host) Secret(ctx context.Context, key string) (string, error) {
	res := h.r.req.Resolver
	if res == nil {
		return "", fmt.Errorf("secret %q: no secrets are configured for stage %q", key, h.r.req.Stage)
	}
	v, err := res.Secret(ctx, key)
	if err != nil {
		return "", fmt.Errorf("secret %q on stage %q: %w", key, h.r.req.Stage, err)
	}
	h.r.onSecret(key, v)
	return v, nil
}

func (h *host) Env(ctx context.Context, key string) (string, error) {
	res := h.r.req.Resolver
	if res == nil {
		return "", fmt.Errorf("environment variable %q: none are configured for stage %q", key, h.r.req.Stage)
	}
	v, err := res.Env(ctx, key)
	if err != nil {
		return "", fmt.Errorf("environment variable %q on stage %q: %w", key, h.r.req.Stage, err)
	}
	return v, nil
}

// exec runs a node's code with its retries, timeout and panic recovery.
func (r *runState) exec(ctx context.Context, pn *flow.PlanNode, in map[string]any, resume *nodes.Resume, res NodeResult) (nodes.Out, error, NodeResult) {
	x := &struct {
		h    host
		call nodes.Call
	}{}
	h, call := &x.h, &x.call
	h.r, h.pn, h.ctx, h.iter = r, pn, ctx, res.Iteration
	for _, l := range res.Logs { // warnings found while resolving the inputs
		h.Log(l.Level, l.Message)
	}
	if r.req.DenyPrivateNetwork {
		if v, ok := in[nodes.PortAllowPrivateNetwork]; ok && v != false {
			in = maps.Clone(in)
			in[nodes.PortAllowPrivateNetwork] = false
		}
	}
	*call = nodes.Call{NodeID: pn.Node.ID, Handle: pn.Handle(), Type: pn.Type, In: in, Values: pn.Node.Values,
		Trigger: r.req.Trigger, Run: r.info, Resume: resume, Host: h}
	settings := pn.Node.Settings
	attempts := 1 + settings.Retries
	timeout := time.Duration(settings.TimeoutMS) * time.Millisecond
	var (
		out nodes.Out
		err error
	)
	for a := 1; ; a++ {
		call.Attempt = a
		out, err = attempt(ctx, pn, call, timeout)
		res.Attempts = a
		if err == nil || a >= attempts || ctx.Err() != nil || isPause(err) {
			break
		}
		wait := time.Duration(settings.BackoffMS) * time.Millisecond << (a - 1)
		if wait > maxBackoff || wait < 0 {
			wait = maxBackoff
		}
		h.Log("warn", fmt.Sprintf("attempt %d of %d failed: %v; retrying in %s", a, attempts, err, wait))
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
	}
	h.mu.Lock()
	res.Logs = h.logs
	h.mu.Unlock()
	return out, err, res
}

func isPause(err error) bool {
	var pause *nodes.PauseError
	return errors.As(err, &pause)
}

// attempt runs the node's code once, recovering panics and enforcing its timeout.
func attempt(ctx context.Context, pn *flow.PlanNode, call *nodes.Call, timeout time.Duration) (nodes.Out, error) {
	if pn.Type.Run == nil {
		return nodes.Out{}, nil
	}
	if timeout <= 0 {
		return safeRun(ctx, pn, call)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		out nodes.Out
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := safeRun(tctx, pn, call)
		ch <- result{out, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && errors.Is(r.err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, &timeoutError{d: timeout}
		}
		return r.out, r.err
	case <-tctx.Done():
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &timeoutError{d: timeout}
	}
}

func safeRun(ctx context.Context, pn *flow.PlanNode, call *nodes.Call) (out nodes.Out, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, &panicError{value: v}
			_ = debug.Stack()
		}
	}()
	out, err = pn.Type.Run(ctx, call)
	if err == nil && out == nil {
		out = nodes.Out{}
	}
	return out, err
}
