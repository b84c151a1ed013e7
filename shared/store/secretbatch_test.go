package store_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// opCounter counts the DynamoDB requests the embedded server receives, by operation.
type opCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func countOps(f *fixture) *opCounter {
	c := &opCounter{n: map[string]int{}}
	f.env.SetFault(func(op string) *storetest.Fault {
		c.mu.Lock()
		c.n[op]++
		c.mu.Unlock()
		return nil
	})
	return c
}

func (c *opCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// A run's secrets are read in BatchGetItem calls of at most 100 keys: 250 keys (a
// duplicate, keys without a value on the stage, one with a value on another stage only)
// take three calls and no single reads.
func TestGetSecretValuesBatches(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	f.stage(t, pk, "qa", 2)
	var keys []string
	want := map[string]string{}
	for i := range 250 {
		k := fmt.Sprintf("KEY_%03d", i)
		keys = append(keys, k)
		if i%10 != 0 { // every tenth key has no value on prod
			want[k] = "ct-" + k
			noErr(t, f.s.SetSecret(f.ctx, pk, k, "prod", []byte(want[k])))
		}
	}
	noErr(t, f.s.SetSecret(f.ctx, pk, "KEY_000", "qa", []byte("ct-qa")))
	keys = append(keys, "KEY_001") // asked twice, read once

	ops := countOps(f)
	got := must[map[string][]byte](t)(f.s.GetSecretValues(f.ctx, pk, "prod", keys))
	if n := ops.take(); n["BatchGetItem"] != 3 || len(n) != 1 {
		t.Fatalf("DynamoDB calls %v; want 3 BatchGetItem (250 keys, 100 a call)", n)
	}
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Fatalf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["KEY_000"]; ok {
		t.Fatal("KEY_000 has a value on qa only, yet one was returned for prod")
	}

	// a few keys: one call
	got = must[map[string][]byte](t)(f.s.GetSecretValues(f.ctx, pk, "qa", []string{"KEY_000", "KEY_001"}))
	if n := ops.take(); n["BatchGetItem"] != 1 || len(n) != 1 || len(got) != 1 || string(got["KEY_000"]) != "ct-qa" {
		t.Fatalf("qa: %q with calls %v", got, n)
	}
	// no keys: no call
	got = must[map[string][]byte](t)(f.s.GetSecretValues(f.ctx, pk, "prod", nil))
	if n := ops.take(); len(n) != 0 || len(got) != 0 {
		t.Fatalf("no keys: %q with calls %v", got, n)
	}

	_, err := f.s.GetSecretValues(f.ctx, pk, "prod", []string{"KEY_001", "bad-key"})
	wantField(t, err, "keys[1]")
	_, err = f.s.GetSecretValues(f.ctx, pk, "Bad Stage", []string{"KEY_001"})
	wantErr(t, err, store.ErrInvalid)
	if n := ops.take(); len(n) != 0 {
		t.Fatalf("bad input reached DynamoDB: %v", n)
	}
}

// Keys DynamoDB leaves unprocessed are asked for again until every one is read; keys
// never processed make the read fail as unavailable after the store's attempts.
func TestGetSecretValuesUnprocessedKeys(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	var keys []string
	for i := range 120 {
		k := fmt.Sprintf("KEY_%03d", i)
		keys = append(keys, k)
		noErr(t, f.s.SetSecret(f.ctx, pk, k, "prod", []byte("ct-"+k)))
	}
	ops := countOps(f)

	// the first call of each batch leaves its odd keys unprocessed (30 in all, of 120)
	var left atomic.Int32
	left.Store(60)
	f.env.Server.EmulateUnprocessedItems(f.env.Table, func(n int, _ map[string]*server.AttributeValue) bool {
		return n%2 == 1 && left.Add(-1) >= 0
	})
	got := must[map[string][]byte](t)(f.s.GetSecretValues(f.ctx, pk, "prod", keys))
	f.env.Server.ClearUnprocessedItems()
	if len(got) != len(keys) {
		t.Fatalf("%d values after unprocessed keys, want %d", len(got), len(keys))
	}
	for _, k := range keys {
		if string(got[k]) != "ct-"+k {
			t.Fatalf("%s = %q", k, got[k])
		}
	}
	if n := ops.take(); n["BatchGetItem"] < 3 {
		t.Fatalf("DynamoDB calls %v; want the unprocessed keys asked for again", n)
	}

	f.env.Server.EmulateUnprocessedItems(f.env.Table, func(int, map[string]*server.AttributeValue) bool { return true })
	_, err := f.s.GetSecretValues(f.ctx, pk, "prod", keys[:3])
	f.env.Server.ClearUnprocessedItems()
	wantErr(t, err, store.ErrUnavailable)
	if !strings.Contains(err.Error(), "3 reads still unprocessed after 8 attempts") || !strings.Contains(err.Error(), `get 3 secrets for stage "prod"`) {
		t.Fatalf("error does not say what was being done: %v", err)
	}
	if n := ops.take(); n["BatchGetItem"] != 8 {
		t.Fatalf("DynamoDB calls %v; want 8 attempts", n)
	}
}

// A throttled BatchGetItem is ErrUnavailable, naming the read.
func TestGetSecretValuesThrottled(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	f.env.SetFault(func(op string) *storetest.Fault {
		if op == "BatchGetItem" {
			return &storetest.Fault{Status: 400, Type: "ProvisionedThroughputExceededException"}
		}
		return nil
	})
	_, err := f.s.GetSecretValues(f.ctx, pk, "prod", []string{"A", "B"})
	wantErr(t, err, store.ErrUnavailable)
	if !strings.Contains(err.Error(), "get 2 secrets") {
		t.Fatalf("error does not say what was being done: %v", err)
	}
}
