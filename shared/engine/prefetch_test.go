package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
)

// countingSecrets is a map resolver that counts its reads and may list its keys or fail.
type countingSecrets struct {
	secrets
	list bool  // implements SecretKeys (through listingSecrets)
	fail error // every read fails with it
	mu   sync.Mutex
	read []string
}

func (c *countingSecrets) Secret(ctx context.Context, k string) (string, error) {
	c.mu.Lock()
	c.read = append(c.read, k)
	c.mu.Unlock()
	if c.fail != nil {
		return "", c.fail
	}
	return c.secrets.Secret(ctx, k)
}

func (c *countingSecrets) reads() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.read)
}

type listingSecrets struct{ *countingSecrets }

func (l listingSecrets) SecretKeys(context.Context) ([]string, error) {
	var out []string
	for k := range l.sec {
		out = append(out, k)
	}
	return out, nil
}

// addSecretNodes registers a node that reads the secret its key input names (as the
// Secret node does) and one that names a flow to call.
func addSecretNodes(t *testing.T, tn *testNodes) {
	t.Helper()
	doc := "A node made for engine tests."
	err := tn.reg.Register(
		&nodes.Type{ID: "test.secretkey", Category: "Test", Name: "Secret by key", Doc: doc,
			Inputs:  []nodes.Port{{Name: "key", Type: nodes.String, Editor: nodes.EditSecret}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Secret}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				v, err := c.Host.Secret(ctx, c.Str("key"))
				return nodes.Out{"value": v}, err
			}},
		&nodes.Type{ID: "test.callflow", Category: "Test", Name: "Call flow", Doc: doc,
			Inputs:  []nodes.Port{{Name: "flow_id", Type: nodes.String, Editor: nodes.EditFlow}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(context.Context, *nodes.Call) (nodes.Out, error) {
				return nodes.Out{"value": nil}, nil
			}},
	)
	if err != nil {
		t.Fatal(err)
	}
}

const hookToken = "tok-5f2a9c1e77"

func hookTrigger() map[string]any {
	return map[string]any{"headers": map[string]any{"x-hook-token": hookToken}}
}

func noLeak(t *testing.T, what string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), hookToken) {
		t.Fatalf("%s holds the secret's value in clear: %s", what, raw)
	}
}

func eventsOf(rec *recorder, typ, node string) []engine.Event {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []engine.Event
	for _, e := range rec.events {
		if e.Type == typ && (node == "" || e.Node == node) {
			out = append(out, e)
		}
	}
	return out
}

// A webhook's shared token arrives in the trigger's request and is compared with
// <secret:HOOK_TOKEN> later: the trigger's node_end event went out with the token in
// clear, since the run had not read the secret yet when the trigger ended.
func TestEventsBeforeTheSecretIsReadAreRedacted(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("trig", "test.trigger", nil).
		node("echo", "test.pass", map[string]any{"value": "{{ trig.data.headers['x-hook-token'] }}"}).
		node("check", "test.log", map[string]any{"message": "{{ echo.value }} vs <secret:HOOK_TOKEN>"}).
		chain("trig", "echo", "check")
	res := &countingSecrets{secrets: secrets{sec: map[string]string{"HOOK_TOKEN": hookToken}}}
	rec := &recorder{}
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), p, engine.Request{Resolver: res, Trigger: hookTrigger()})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
	ends := eventsOf(rec, engine.EventNodeEnd, "trig")
	if len(ends) != 1 {
		t.Fatalf("trigger's node_end events: %+v", ends)
	}
	noLeak(t, "the trigger's node_end event", ends[0])
	if got := fmt.Sprint(ends[0].Data.(engine.NodeResult).Outputs["data"]); !strings.Contains(got, "<secret:HOOK_TOKEN>") {
		t.Fatalf("the trigger's outputs in its event: %s, want the token as <secret:HOOK_TOKEN>", got)
	}
	noLeak(t, "the events", rec.events)
	noLeak(t, "the run's results", r.Nodes)
	if got := res.reads(); !slices.Equal(got, []string{"HOOK_TOKEN", "HOOK_TOKEN"}) {
		// once before the first event, once by the node (a run's resolver caches: the
		// platform's reads the store once)
		t.Fatalf("reads %v", got)
	}

	// a failing node's error event, and the run's end, before the secret is read
	b = newFlow().
		node("trig", "test.trigger", nil).
		node("bad", "test.fail", map[string]any{"message": "token {{ trig.data.headers['x-hook-token'] }} refused"}).
		node("check", "test.log", map[string]any{"message": "<secret:HOOK_TOKEN>"}).
		chain("trig", "bad", "check")
	rec = &recorder{}
	r = run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b), engine.Request{Resolver: res, Trigger: hookTrigger()})
	if r.Status != engine.StatusError || r.Error == nil || !strings.Contains(r.Error.Error, "<secret:HOOK_TOKEN>") {
		t.Fatalf("run %s %+v, want the error naming <secret:HOOK_TOKEN>", r.Status, r.Error)
	}
	if len(eventsOf(rec, engine.EventNodeEnd, "bad")) != 1 || len(eventsOf(rec, engine.EventRunEnd, "")) != 1 {
		t.Fatalf("events %v", rec.types())
	}
	noLeak(t, "the error events", rec.events)
	noLeak(t, "the failed run's results", r.Nodes)
	noLeak(t, "the failed run's error", r.Error)
}

// A paused run's events and state, and the resumed run's events, are redacted with the
// secrets it reads only after the pause.
func TestPausedAndResumedEventsBeforeTheSecretIsRead(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("trig", "test.trigger", nil).
		node("ask", "test.approve", map[string]any{"question": "let {{ trig.data.headers['x-hook-token'] }} in?"}).
		node("check", "test.log", map[string]any{"message": "{{ ask.answer }} <secret:HOOK_TOKEN>"}).
		chain("trig", "ask", "check")
	res := secrets{sec: map[string]string{"HOOK_TOKEN": hookToken}}
	rec := &recorder{}
	p := compile(t, tn.reg, b)
	eng := engine.New(engine.Options{Concurrency: 1, Publisher: rec})
	r := run(t, eng, p, engine.Request{Resolver: res, Trigger: hookTrigger()})
	if r.Status != engine.StatusPaused || len(eventsOf(rec, engine.EventRunPaused, "")) != 1 {
		t.Fatalf("%s %v", r.Status, rec.types())
	}
	noLeak(t, "the paused run's events", rec.events)
	noLeak(t, "the paused run's results", r.Nodes)
	st, err := json.Marshal(r.State)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(st), hookToken) {
		t.Fatalf("the paused state holds the token: %s", st)
	}
	var state engine.State
	if err := json.Unmarshal(st, &state); err != nil {
		t.Fatal(err)
	}
	rec2 := &recorder{}
	r2, err := engine.New(engine.Options{Concurrency: 1, Publisher: rec2}).Resume(context.Background(), p, &state, "ask", hookToken, engine.Request{Resolver: res})
	if err != nil || r2.Status != engine.StatusSuccess {
		t.Fatalf("resume: %v %+v", err, r2)
	}
	if len(eventsOf(rec2, engine.EventNodeEnd, "ask")) != 1 {
		t.Fatalf("resumed events %v", rec2.types())
	}
	noLeak(t, "the resumed run's events", rec2.events)
	noLeak(t, "the resumed run's results", r2.Nodes)
	noLeak(t, "the resumed run's response", r2.Response)
}

// Secrets the flow names but never reaches are read up front for redaction only: one
// without a value does not fail the run; a flow naming none reads nothing.
func TestSecretsReadUpFront(t *testing.T) {
	tn := newTestNodes(t)
	addSecretNodes(t, tn)
	b := newFlow().
		node("trig", "test.trigger", nil).
		node("ok", "test.pass", map[string]any{"value": "{{ trig.data }}"}).
		node("never", "test.log", map[string]any{"message": "<secret:NOT_SET> <secret:HOOK_TOKEN>"}).
		node("named", "test.secretkey", map[string]any{"key": "NAMED"}).
		chain("trig", "ok") // never and named are not part of the run
	refs := engine.PlanSecrets(compile(t, tn.reg, b))
	if !slices.Equal(refs.Keys, []string{"HOOK_TOKEN", "NAMED", "NOT_SET"}) || refs.Open {
		t.Fatalf("PlanSecrets = %+v", refs)
	}
	res := &countingSecrets{secrets: secrets{sec: map[string]string{"HOOK_TOKEN": hookToken, "NAMED": "named-value-77"}}}
	rec := &recorder{}
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b),
		engine.Request{Resolver: res, Trigger: map[string]any{"a": hookToken, "b": "named-value-77"}})
	if r.Status != engine.StatusSuccess || statusOf(r, "never") != "" || statusOf(r, "named") != "" {
		t.Fatalf("%s %+v %v", r.Status, r.Error, handles(r))
	}
	noLeak(t, "the events", rec.events)
	if raw, _ := json.Marshal(rec.events); strings.Contains(string(raw), "named-value-77") {
		t.Fatal("the secret a Secret node names literally leaked")
	}
	if got := res.reads(); len(got) != 3 {
		t.Fatalf("reads %v, want the three named keys once", got)
	}

	// nothing named: nothing read
	res = &countingSecrets{secrets: secrets{sec: map[string]string{"HOOK_TOKEN": hookToken}}}
	b = newFlow().node("trig", "test.trigger", nil).node("ok", "test.pass", map[string]any{"value": "{{ trig.data }}"}).chain("trig", "ok")
	run(t, engine.New(engine.Options{Concurrency: 1, Publisher: &recorder{}}), compile(t, tn.reg, b), engine.Request{Resolver: res})
	if got := res.reads(); len(got) != 0 {
		t.Fatalf("a flow naming no secret read %v", got)
	}
}

// A key the plan cannot know (computed by an expression, or a flow call's) has every secret
// of the stage read up front when the resolver can list them.
func TestOpenSecretKeysReadEverySecret(t *testing.T) {
	tn := newTestNodes(t)
	addSecretNodes(t, tn)
	for name, b := range map[string]*fb{
		"computed key": newFlow().
			node("trig", "test.trigger", nil).
			node("echo", "test.pass", map[string]any{"value": "{{ trig.data.headers['x-hook-token'] }}"}).
			node("read", "test.secretkey", map[string]any{"key": "{{ 'HOOK_' + 'TOKEN' }}"}).
			chain("trig", "echo", "read"),
		"connected key": newFlow().
			node("trig", "test.trigger", nil).
			node("echo", "test.pass", map[string]any{"value": "{{ trig.data.headers['x-hook-token'] }}"}).
			node("read", "test.secretkey", nil).
			chain("trig", "echo").conn("trig", "data", "read", "key"),
		"flow call": newFlow().
			node("trig", "test.trigger", nil).
			node("echo", "test.pass", map[string]any{"value": "{{ trig.data.headers['x-hook-token'] }}"}).
			node("call", "test.callflow", map[string]any{"flow_id": "other"}).
			chain("trig", "echo", "call"),
	} {
		t.Run(name, func(t *testing.T) {
			p := compile(t, tn.reg, b)
			if refs := engine.PlanSecrets(p); !refs.Open {
				t.Fatalf("PlanSecrets = %+v, want open", refs)
			}
			res := listingSecrets{&countingSecrets{secrets: secrets{sec: map[string]string{"HOOK_TOKEN": hookToken}}}}
			rec := &recorder{}
			r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), p, engine.Request{Resolver: res, Trigger: hookTrigger()})
			if r.Status == engine.StatusRunning {
				t.Fatalf("%s", r.Status)
			}
			noLeak(t, "the events", eventsOf(rec, engine.EventNodeEnd, "echo"))
			noLeak(t, "the trigger's event", eventsOf(rec, engine.EventNodeEnd, "trig"))
		})
	}
}

// A resolver that is unavailable before the first event fails the run (as unavailable,
// which may pass) before any node runs: the values it holds could otherwise go out in clear.
func TestSecretsUnavailableAtStartFailTheRun(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("trig", "test.trigger", nil).
		node("check", "test.log", map[string]any{"message": "<secret:HOOK_TOKEN>"}).
		chain("trig", "check")
	res := &countingSecrets{fail: fmt.Errorf("throttled: %w", engine.ErrUnavailable)}
	rec := &recorder{}
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b), engine.Request{Resolver: res, Trigger: hookTrigger()})
	if r.Status != engine.StatusError || r.Error == nil || r.Error.Type != engine.ErrKindUnavailable || tn.count("trig") != 0 {
		t.Fatalf("%s %+v; trigger ran %d times", r.Status, r.Error, tn.count("trig"))
	}
	if got := rec.types(); !slices.Equal(got, []string{engine.EventRunStart, engine.EventRunEnd}) {
		t.Fatalf("events %v", got)
	}
	// any other failure is left for the node reading the secret
	res = &countingSecrets{fail: errors.New("no such secret")}
	r = run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{Resolver: res, Trigger: hookTrigger()})
	if r.Status != engine.StatusError || r.Error == nil || r.Error.Node != "check" {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
}

// A secret the run could not know before its first event (a node type reading one by a
// name it does not declare, a resolver that cannot list) is logged by key, never value.
func TestSecretReadAfterEventsIsLogged(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("trig", "test.trigger", nil).
		node("read", "test.secret", map[string]any{"key": "UNDECLARED"}).
		chain("trig", "read")
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	res := secrets{sec: map[string]string{"UNDECLARED": "undeclared-value-42"}}
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: &recorder{}, Logger: log}), compile(t, tn.reg, b), engine.Request{Resolver: res})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
	mu.Lock()
	got := logs.String()
	mu.Unlock()
	if !strings.Contains(got, "secret read after the run's first events") || !strings.Contains(got, "UNDECLARED") ||
		strings.Contains(got, "undeclared-value-42") {
		t.Fatalf("log: %s", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
