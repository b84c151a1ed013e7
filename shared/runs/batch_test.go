package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// GetSecretValues counts the keys a batch read reads as reads (readCounter's other
// methods are in prefetch_test.go).
func (c *readCounter) GetSecretValues(ctx context.Context, k store.ProjectKey, stage string, keys []string) (map[string][]byte, error) {
	c.mu.Lock()
	c.reads = append(c.reads, keys...)
	c.mu.Unlock()
	return c.Store.GetSecretValues(ctx, k, stage, keys)
}

// callCounter is the store counting its secret reads: single ones and batches.
type callCounter struct {
	*store.Store
	singles, batches atomic.Int32
}

func (c *callCounter) GetSecretValue(ctx context.Context, k store.ProjectKey, key, stage string) ([]byte, error) {
	c.singles.Add(1)
	return c.Store.GetSecretValue(ctx, k, key, stage)
}

func (c *callCounter) GetSecretValues(ctx context.Context, k store.ProjectKey, stage string, keys []string) (map[string][]byte, error) {
	c.batches.Add(1)
	return c.Store.GetSecretValues(ctx, k, stage, keys)
}

// dynamoOps counts the requests the embedded DynamoDB receives, by operation.
func dynamoOps(env *storetest.Env) (take func() map[string]int) {
	var mu sync.Mutex
	n := map[string]int{}
	env.SetFault(func(op string) *storetest.Fault {
		mu.Lock()
		n[op]++
		mu.Unlock()
		return nil
	})
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := n
		n = map[string]int{}
		return out
	}
}

// manySecretsFlow is a route whose check node names n secrets (S00…); when n > 0 the node
// on a branch not taken names MISSING, which has no value.
func manySecretsFlow(t testing.TB, n int) json.RawMessage {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<secret:S%02d>", i)
	}
	missing := ""
	if n > 0 {
		missing = "<secret:MISSING>"
	}
	return doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/hook"}},
		{"check", "control.if_else", map[string]any{"condition": "{{ route.headers['x-hook-token'] != '' }}",
			"value": b.String()}},
		{"reply", "http.response", map[string]any{"status": 204}},
		{"never", "http.response", map[string]any{"status": 401, "body": missing}},
	}, conn{"route", "true_path", "check", "node"}, conn{"check", "true_path", "reply", "node"},
		conn{"check", "false_path", "never", "node"})
}

// The secrets a run reads before its first event take one BatchGetItem, however many the
// flow names (here 12 and one without a value), not one GetItem each.
func TestRunReadsItsSecretsInOneBatch(t *testing.T) {
	var cc *callCounter
	f := setup(t, func(o *runs.Options) {
		cc = &callCounter{Store: o.Store.(*store.Store)}
		o.Store = cc
	})
	for i := range 12 {
		f.secret(t, fmt.Sprintf("S%02d", i), "prod", fmt.Sprintf("%s-%02d", secretValue, i))
	}
	fk := f.flow(t, manySecretsFlow(t, 12), store.SaveAll, 0)
	job := f.job(fk, runs.KindRouter)
	job.Trigger = hookRequest()

	// the same run with no secret named: the DynamoDB calls a run makes anyway
	plain := f.job(f.flow(t, manySecretsFlow(t, 0), store.SaveAll, 0), runs.KindRouter)
	plain.Trigger = hookRequest()
	if _, err := f.x.Execute(f.ctx, plain); err != nil { // warm the plan caches
		t.Fatal(err)
	}
	if _, err := f.x.Execute(f.ctx, job); err != nil {
		t.Fatal(err)
	}
	f.wait(t)
	take := dynamoOps(f.env)
	if run, err := f.x.Execute(f.ctx, plain); err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("run naming no secret = %+v, %v", run, err)
	}
	f.wait(t)
	base := take()
	cc.singles.Store(0)
	cc.batches.Store(0)

	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute = %+v, %v", run, err)
	}
	f.wait(t)
	got := take()
	if s, b := cc.singles.Load(), cc.batches.Load(); s != 0 || b != 1 {
		t.Fatalf("store secret reads: %d single, %d batches; want one batch", s, b)
	}
	if got["BatchGetItem"] != base["BatchGetItem"]+1 || got["GetItem"] != base["GetItem"] {
		t.Fatalf("DynamoDB calls %v, without the 12 secrets %v; want one BatchGetItem more and no GetItem more", got, base)
	}
	f.pub.mu.Lock()
	raw, _ := json.Marshal(f.pub.events)
	f.pub.mu.Unlock()
	for i := range 12 {
		if v := fmt.Sprintf("%s-%02d", secretValue, i); strings.Contains(string(raw), v) {
			t.Fatalf("an event holds secret S%02d", i)
		}
	}
	if !strings.Contains(string(raw), "<secret:S11>") && !strings.Contains(string(raw), `\u003csecret:S11\u003e`) {
		t.Fatal("the check node's events do not show <secret:S11>: were the secrets read?")
	}
}

// A batch read the store cannot answer now (throttled) ends the run at once as
// unavailable, before any node runs, as a single read did.
func TestThrottledBatchReadFailsTheRunAtStart(t *testing.T) {
	f := setup(t)
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	fk := f.flow(t, hookFlow(t, "HOOK_TOKEN"), store.SaveNone, 0)
	job := f.job(fk, runs.KindRouter)
	job.Trigger = hookRequest()
	f.env.SetFault(func(op string) *storetest.Fault {
		if op == "BatchGetItem" {
			return &storetest.Fault{Status: 400, Type: "ThrottlingException"}
		}
		return nil
	})
	run, err := f.x.Execute(f.ctx, job)
	if err != nil || run.Status != engine.StatusError || run.Error == nil || run.Error.Type != engine.ErrKindUnavailable || len(run.Nodes) != 0 {
		t.Fatalf("execute = %+v, %v; want an unavailable error before any node ran", run, err)
	}
	f.env.SetFault(nil)
	if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("execute once the store answers = %+v, %v", run, err)
	}
	f.wait(t)
}

// slowWrapper is a key service answering each unwrap after a delay, as KMS Decrypt does
// over the network.
type slowWrapper struct {
	secrets.KeyWrapper
	delay time.Duration
}

func (w *slowWrapper) UnwrapKey(ctx context.Context, wrapped []byte, aad map[string]string) ([]byte, error) {
	time.Sleep(w.delay)
	return w.KeyWrapper.UnwrapKey(ctx, wrapped, aad)
}

// BenchmarkExecuteRouteManySecrets is BenchmarkExecuteRouteSecret with a flow naming 12
// secrets and one without a value (manySecretsFlow): they are read before the first
// event. "kms-2ms" opens each with a key service taking 2 ms (one KMS Decrypt a secret).
func BenchmarkExecuteRouteManySecrets(b *testing.B) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		name := "local"
		if delay > 0 {
			name = fmt.Sprintf("kms-%s", delay)
		}
		b.Run(name, func(b *testing.B) {
			f := setup(b, func(o *runs.Options) {
				o.Publishers, o.RetentionInterval = nil, 0
				w, err := secrets.NewLocalWrapper(bytes.Repeat([]byte{7}, 32)) // the fixture's key
				if err != nil {
					b.Fatal(err)
				}
				if o.Secrets, err = secrets.NewBox(&slowWrapper{KeyWrapper: w, delay: delay}); err != nil {
					b.Fatal(err)
				}
			})
			for i := range 12 {
				f.secret(b, fmt.Sprintf("S%02d", i), "prod", secretValue)
			}
			job := f.job(f.flow(b, manySecretsFlow(b, 12), store.SaveNone, 1000), runs.KindRouter)
			job.Trigger = hookRequest()
			b.ReportAllocs()
			for b.Loop() {
				if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != engine.StatusSuccess {
					b.Fatalf("run = %+v, %v", run, err)
				}
			}
			b.StopTimer()
			f.wait(b)
		})
	}
}
