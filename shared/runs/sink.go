package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// skipBase is where the store slots of skipped nodes start. Executed nodes are stored
// under their execution order (1, 2, …, bounded by the engine's node budget); skipped
// nodes have no order, so they get slots of their own after every executed one.
const skipBase = 90_000_000

// sinkMode says what the sink does with node results.
type sinkMode int

const (
	sinkDiscard sinkMode = iota // policy none (or errors, once the run succeeded)
	sinkWrite                   // policy all: write as nodes finish
	sinkBuffer                  // policy errors: keep until the run's outcome is known
)

// slotted is a node result with the store slot it is written under.
type slotted struct {
	Slot   int               `json:"slot"`
	Result engine.NodeResult `json:"result"`
}

// sink is one run's engine.ResultSink. Writes go to the store in the background (bounded)
// so the run does not wait on each one; flush waits for them.
type sink struct {
	x    *Executor
	key  store.RunKey
	mode sinkMode
	ctx  context.Context // detached from the run's deadline: results are not dropped

	mu    sync.Mutex
	wrote bool // a result was handed to write
	skips int
	buf   []slotted
	wg    sync.WaitGroup
	sem   chan struct{}
	lost  int
}

func newSink(ctx context.Context, x *Executor, key store.RunKey, mode sinkMode, skips int, buf []slotted) *sink {
	return &sink{x: x, key: key, mode: mode, ctx: context.WithoutCancel(ctx), skips: skips, buf: buf,
		sem: make(chan struct{}, x.opt.WriteConcurrency)}
}

// NodeResult implements engine.ResultSink.
func (s *sink) NodeResult(_ context.Context, _ string, r engine.NodeResult) error {
	s.mu.Lock()
	slot := r.Order
	if slot <= 0 {
		s.skips++
		slot = skipBase + s.skips
	}
	mode := s.mode
	if mode == sinkBuffer {
		s.buf = append(s.buf, slotted{Slot: slot, Result: r})
	}
	if mode == sinkWrite {
		s.wrote = true
	}
	s.mu.Unlock()
	if mode == sinkWrite {
		s.write(slotted{Slot: slot, Result: r}, nil)
	}
	return nil
}

// write stores one result in the background; red (nil: none) redacts it first.
func (s *sink) write(r slotted, red *resultRedactor) {
	s.wg.Add(1)
	s.sem <- struct{}{}
	go func() {
		defer s.wg.Done()
		defer func() { <-s.sem }()
		if err := s.x.putResult(s.ctx, s.key, red.result(toStoreResult(r))); err != nil {
			s.mu.Lock()
			s.lost++
			s.mu.Unlock()
			s.x.log.ErrorContext(s.ctx, "node result not stored", "run", s.key.Run, "node", r.Result.NodeID,
				"slot", r.Slot, "err", err)
		}
	}()
}

// flush waits for the writes in flight; with keep, a buffering sink writes its buffer
// first, redacted with known (the secrets the run read, by key: a value a result held
// before the run read its secret is redacted too). It returns how many results could not
// be stored.
func (s *sink) flush(keep bool, known map[string]string) int {
	s.mu.Lock()
	var pending []slotted
	if keep && s.mode == sinkBuffer {
		pending, s.buf = s.buf, nil
		s.mode = sinkWrite
	}
	s.mu.Unlock()
	red := newResultRedactor(known)
	for _, r := range pending {
		s.write(r, red)
	}
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// hasWritten reports whether results were written as they came (policy all).
func (s *sink) hasWritten() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wrote
}

// redactStored rewrites the run's stored results that hold a value of the secrets in known
// (by key): results written before the run read a secret were redacted without it.
func (x *Executor) redactStored(ctx context.Context, key store.RunKey, known map[string]string) error {
	red := newResultRedactor(known)
	if red == nil {
		return nil
	}
	rs, err := x.st.ListNodeResults(ctx, key)
	if err != nil {
		return fmt.Errorf("read results of run %s to redact them: %w", key.Run, err)
	}
	for _, nr := range rs {
		out := red.result(nr)
		if bytes.Equal(out.Inputs, nr.Inputs) && bytes.Equal(out.Outputs, nr.Outputs) &&
			bytes.Equal(out.Error, nr.Error) && bytes.Equal(out.Logs, nr.Logs) {
			continue
		}
		if err := x.putResult(ctx, key, out); err != nil {
			return fmt.Errorf("redact result of node %s of run %s: %w", nr.NodeID, key.Run, err)
		}
	}
	return nil
}

// buffered returns the results held back (policy errors), for a paused run's state.
func (s *sink) buffered() []slotted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slotted(nil), s.buf...)
}

// writing reports whether the sink stores results (policy all, or errors after a failure).
func (s *sink) writing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode == sinkWrite
}

func (s *sink) skipCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skips
}

// putResult writes a node result, retrying while the store is unavailable; a result too
// large for an item is written with its values replaced by a note rather than dropped.
func (x *Executor) putResult(ctx context.Context, key store.RunKey, nr store.NodeResult) error {
	shrunk := false
	for attempt := 1; ; attempt++ {
		err := x.st.PutNodeResult(ctx, key, nr)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrTooLarge) && !shrunk:
			nr, shrunk = shrinkResult(nr), true
			attempt--
			continue
		case !errors.Is(err, store.ErrUnavailable) || attempt >= x.opt.WriteAttempts:
			return err
		}
		select {
		case <-time.After(x.opt.WriteBackoff * time.Duration(attempt)):
		case <-ctx.Done():
			return err
		}
	}
}

// toStoreResult converts an engine result (already redacted and truncated by the engine).
func toStoreResult(s slotted) store.NodeResult {
	r := s.Result
	nr := store.NodeResult{NodeID: r.NodeID, Order: s.Slot, Status: r.Status, StartedAt: r.StartedAt,
		Duration: time.Duration(r.DurationMS * float64(time.Millisecond))}
	if r.Inputs != nil {
		nr.Inputs = rawJSON(r.Inputs)
	}
	if r.Outputs != nil {
		nr.Outputs = rawJSON(r.Outputs)
	}
	if r.Error != nil {
		nr.Error = rawJSON(r.Error)
	}
	if len(r.Logs) > 0 {
		nr.Logs = rawJSON(r.Logs)
	}
	return nr
}

// rawJSON encodes a recorded value (without HTML escaping, so "<secret:KEY>" reads as
// such); one that does not encode is described instead.
func rawJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		_ = enc.Encode(map[string]any{"$unencodable": fmt.Sprintf("%T: %v", v, err)})
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// shrinkResult replaces the large parts of a result with notes of their size.
func shrinkResult(nr store.NodeResult) store.NodeResult {
	note := func(field string, b json.RawMessage) json.RawMessage {
		if len(b) < 1024 {
			return b
		}
		return rawJSON(map[string]any{"$truncated": true, "field": field, "bytes": len(b),
			"reason": "the result is larger than a stored item can hold"})
	}
	nr.Inputs = note("inputs", nr.Inputs)
	nr.Outputs = note("outputs", nr.Outputs)
	nr.Logs = note("logs", nr.Logs)
	nr.Error = note("error", nr.Error)
	return nr
}
