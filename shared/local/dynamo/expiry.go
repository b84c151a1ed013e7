package dynamo

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fastjson"

	"polysynergy/shared/store"
)

// expiries indexes the items that have an expires_at by when they expire, so that the
// sweep deletes what has expired without a Scan (which holds every request of the embedded
// server back while it copies every item). It is kept from the states the write log records
// and from what a start restores, so only with a data dir; without one the sweep scans.
type expiries struct {
	mu   sync.Mutex
	at   map[string]expiryEntry // item → its current expiry
	heap expiryHeap             // by expiry; entries no longer current are skipped
}

type expiryEntry struct {
	at    int64
	id    string          // itemKey
	table string          // the item's table
	key   json.RawMessage // its key attributes
}

type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newExpiries() *expiries { return &expiries{at: map[string]expiryEntry{}} }

// note records an item's expiry (at 0: it has none, or is gone).
func (e *expiries) note(table, id string, key []byte, at int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if at <= 0 {
		delete(e.at, id)
		return
	}
	if cur, ok := e.at[id]; ok && cur.at == at {
		return
	}
	x := expiryEntry{at: at, id: id, table: table, key: key}
	e.at[id] = x
	heap.Push(&e.heap, x)
	if len(e.heap) > 2*len(e.at)+1024 {
		// entries of expiries that changed since: build the heap again from the current ones
		e.heap = e.heap[:0]
		for _, c := range e.at {
			e.heap = append(e.heap, c)
		}
		heap.Init(&e.heap)
	}
}

// noteItem records the expiry of item (a state the log holds, or one a start restored), or
// with item nil that the item keyed key is gone.
func (d *DB) noteItem(p *fastjson.Parser, table string, item, key []byte) {
	if d.exp == nil {
		return
	}
	raw := item
	if raw == nil {
		raw = key
	}
	v, err := p.ParseBytes(raw)
	if err != nil {
		return
	}
	id, ok := d.itemKey(table, v)
	if !ok {
		return
	}
	var at int64
	if item != nil {
		if exp := v.GetStringBytes(store.TableSchema().TTLAttribute, "N"); exp != nil {
			at, _ = strconv.ParseInt(string(exp), 10, 64)
		}
	}
	var k []byte
	if at > 0 {
		k = append(k, '{')
		for i, name := range []string{d.keys.pk, d.keys.sk} {
			if a := v.Get(name); a != nil {
				if i > 0 {
					k = append(k, ',')
				}
				k = strconv.AppendQuote(k, name)
				k = append(k, ':')
				k = a.MarshalTo(k)
			}
		}
		k = append(k, '}')
	}
	d.exp.note(table, id, k, at)
}

// due takes the items whose expiry is before now out of the index.
func (e *expiries) due(now int64) []expiryEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []expiryEntry
	for len(e.heap) > 0 && e.heap[0].at < now {
		x := heap.Pop(&e.heap).(expiryEntry)
		if cur, ok := e.at[x.id]; ok && cur.at == x.at {
			out = append(out, x)
			delete(e.at, x.id)
		}
	}
	return out
}

// sweepIndexed deletes the items the index says have expired. A deletion holds only while
// the item still has the expiry it was indexed with: one written again since then stays.
func (d *DB) sweepIndexed() error {
	var errs []error
	ttl := store.TableSchema().TTLAttribute
	for _, x := range d.exp.due(d.opt.Now().Unix()) {
		n := strconv.FormatInt(x.at, 10)
		_, err := d.call("DeleteItem", map[string]any{"TableName": x.table, "Key": x.key,
			"ConditionExpression":       "#ttl = :ttl",
			"ExpressionAttributeNames":  map[string]string{"#ttl": ttl},
			"ExpressionAttributeValues": map[string]any{":ttl": map[string]string{"N": n}}})
		if err != nil && !strings.Contains(err.Error(), "ConditionalCheckFailed") {
			errs = append(errs, fmt.Errorf("delete expired item: %w", err))
		}
	}
	return errors.Join(errs...)
}
