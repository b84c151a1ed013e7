package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// readCounter is the store counting the secret values read (and lists).
type readCounter struct {
	*store.Store
	mu    sync.Mutex
	reads []string
	lists int
}

func (c *readCounter) GetSecretValue(ctx context.Context, k store.ProjectKey, key, stage string) ([]byte, error) {
	c.mu.Lock()
	c.reads = append(c.reads, key)
	c.mu.Unlock()
	return c.Store.GetSecretValue(ctx, k, key, stage)
}

func (c *readCounter) ListSecrets(ctx context.Context, k store.ProjectKey) ([]store.SecretInfo, error) {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.Store.ListSecrets(ctx, k)
}

// countingSetup is setup with the executor's store counting secret reads.
func countingSetup(t *testing.T) (*fixture, *readCounter) {
	t.Helper()
	var rc *readCounter
	f := setup(t, func(o *runs.Options) {
		rc = &readCounter{Store: o.Store.(*store.Store)}
		o.Store = rc
	})
	return f, rc
}

func (c *readCounter) take() (reads []string, lists int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reads, lists = c.reads, c.lists
	c.reads, c.lists = nil, 0
	return reads, lists
}

// hookFlow is a route checking a webhook's shared token (a request header) against a
// secret after the trigger has ended; never is a branch the run does not take.
func hookFlow(t testing.TB, key string) json.RawMessage {
	return doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/hook"}},
		{"check", "control.if_else", map[string]any{"condition": "{{ route.headers['x-hook-token'] != '' }}",
			"value": "<secret:" + key + ">"}},
		{"reply", "http.response", map[string]any{"status": 204}},
		{"never", "http.response", map[string]any{"status": 401, "body": "<secret:NOT_SET_ANYWHERE>"}},
	}, conn{"route", "true_path", "check", "node"}, conn{"check", "true_path", "reply", "node"},
		conn{"check", "false_path", "never", "node"})
}

func hookRequest() trigger.HTTPRequest {
	return trigger.HTTPRequest{Method: "POST", Path: "/hook", Host: "shop-prod.example.com",
		Headers: map[string]string{"x-hook-token": secretValue}}
}

// The route trigger's node_end event carried the webhook's token in clear: the run read
// <secret:HOOK_TOKEN> only in a later node, and events already sent cannot be redacted
// again. The secrets a flow names are now read before its first event (in one round, and
// not at all by a flow naming none); one without a value on a branch not taken does not
// fail the run.
func TestRouteEventsNeverCarryASecretReadLater(t *testing.T) {
	f, rc := countingSetup(t)
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	for _, save := range []store.RunSaving{store.SaveAll, store.SaveNone} {
		fk := f.flow(t, hookFlow(t, "HOOK_TOKEN"), save, 0)
		job := f.job(fk, runs.KindRouter)
		job.Trigger = hookRequest()
		rc.take()
		run, err := f.x.Execute(f.ctx, job)
		if err != nil || run.Status != engine.StatusSuccess {
			t.Fatalf("%s: execute = %+v, %v", save, run, err)
		}
		var ends []engine.Event
		f.pub.mu.Lock()
		evs := append([]engine.Event(nil), f.pub.events...)
		f.pub.mu.Unlock()
		for _, ev := range evs {
			if ev.RunID == run.ID && ev.Type == engine.EventNodeEnd && ev.Node == "route" {
				ends = append(ends, ev)
			}
		}
		if len(ends) != 1 {
			t.Fatalf("%s: route node_end events: %d", save, len(ends))
		}
		raw, _ := json.Marshal(ends[0])
		if strings.Contains(string(raw), secretValue) || !strings.Contains(string(raw), `\u003csecret:HOOK_TOKEN\u003e`) {
			t.Fatalf("%s: the trigger's node_end event: %s", save, raw)
		}
		raw, _ = json.Marshal(evs)
		if strings.Contains(string(raw), secretValue) {
			t.Fatalf("%s: an event holds the token: %s", save, raw)
		}
		reads, lists := rc.take()
		if len(reads) != 2 || lists != 0 {
			// HOOK_TOKEN once (the run's resolver keeps it for the node), NOT_SET_ANYWHERE once
			t.Fatalf("%s: secret reads %v, lists %d", save, reads, lists)
		}
		f.wait(t)
	}
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the token is stored in clear in %d items:\n%s", len(hits), strings.Join(hits, "\n---\n"))
	}

	// a flow naming no secret reads none
	fk := f.flow(t, routeFlow(t), store.SaveNone, 0)
	job := f.job(fk, runs.KindRouter)
	job.Trigger = trigger.HTTPRequest{Method: "GET", Path: "/hello", Host: "shop-prod.example.com"}
	if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute = %+v, %v", run, err)
	}
	if reads, lists := rc.take(); len(reads) != 0 || lists != 0 {
		t.Fatalf("a flow naming no secret read %v, listed %d times", reads, lists)
	}
}

// A Secret node whose key is computed cannot be known before the run: every secret of the
// stage is read up front (one list, then the values).
func TestComputedSecretKeyReadsTheStagesSecretsUpFront(t *testing.T) {
	f, rc := countingSetup(t)
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	f.secret(t, "MOCK_ONLY", "mock", "mock-only-value")
	d := doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/hook"}},
		{"sec", "variable.secret", map[string]any{"key": "{{ 'HOOK_' + 'TOKEN' }}"}},
		{"reply", "http.response", map[string]any{"status": 204}},
	}, chain("route", "sec", "reply")...)
	fk := f.flow(t, d, store.SaveAll, 0)
	job := f.job(fk, runs.KindRouter)
	job.Trigger = hookRequest()
	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute = %+v, %v", run, err)
	}
	f.pub.mu.Lock()
	raw, _ := json.Marshal(f.pub.events)
	f.pub.mu.Unlock()
	if strings.Contains(string(raw), secretValue) {
		t.Fatalf("an event holds the token: %s", raw)
	}
	if reads, lists := rc.take(); len(reads) != 1 || reads[0] != "HOOK_TOKEN" || lists != 1 {
		t.Fatalf("secret reads %v, lists %d; want the prod stage's one secret, listed once", reads, lists)
	}
}

// flakyWrapper is a key service that is throttled (or not) at will.
type flakyWrapper struct {
	secrets.KeyWrapper
	down atomic.Bool
}

func (w *flakyWrapper) UnwrapKey(ctx context.Context, wrapped []byte, aad map[string]string) ([]byte, error) {
	if w.down.Load() {
		return nil, errors.New("ThrottlingException: rate exceeded")
	}
	return w.KeyWrapper.UnwrapKey(ctx, wrapped, aad)
}

// A key service that is throttled when the run reads its secrets up front could answer a
// moment later, after a value went out in an event: the run ends at once as unavailable
// (a route answers 503), before any node runs. A secret that cannot be opened for good is
// left for the node reading it, as before.
func TestSecretsThatMayPassFailTheRunAtStart(t *testing.T) {
	fw := &flakyWrapper{}
	f := setup(t, func(o *runs.Options) {
		w, err := secrets.NewLocalWrapper(bytes.Repeat([]byte{7}, 32)) // the fixture's key
		if err != nil {
			t.Fatal(err)
		}
		fw.KeyWrapper = w
		if o.Secrets, err = secrets.NewBox(fw); err != nil {
			t.Fatal(err)
		}
	})
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	fk := f.flow(t, hookFlow(t, "HOOK_TOKEN"), store.SaveAll, 0)
	job := f.job(fk, runs.KindRouter)
	job.Trigger = hookRequest()
	fw.down.Store(true)
	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusError || run.Error == nil || run.Error.Type != engine.ErrKindUnavailable || len(run.Nodes) != 0 {
		t.Fatalf("execute = %+v, %v; want an unavailable error before any node ran", run, err)
	}
	f.pub.mu.Lock()
	raw, _ := json.Marshal(f.pub.events)
	f.pub.mu.Unlock()
	if strings.Contains(string(raw), secretValue) || strings.Contains(string(raw), `"node_start"`) {
		t.Fatalf("events: %s", raw)
	}
	fw.down.Store(false)
	if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute once the key service answers = %+v, %v", run, err)
	}
	f.wait(t)
}
