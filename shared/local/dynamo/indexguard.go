package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
)

// IndexGuard serves the embedded server (minidyn) and keeps its secondary indexes right
// where minidyn does not: a put of an item without an index's keys which the item had
// (PutItem, or a put in BatchWriteItem or TransactWriteItems) leaves the item's old entry in
// minidyn's index, and once the item is deleted that entry stays for good and makes every
// later Query of the index skip the items sorted after it. After such a put the guard puts
// the item once more with its old index keys, deletes it (which takes it out of the index)
// and puts it as the write left it, all before any other request is served, so no reader
// sees the steps.
//
// Not handled, as minidyn or the store never does it: an UpdateItem that REMOVEs an index's
// keys (minidyn leaves REMOVEd attributes in place, see store's doc.go), and one that gives
// an existing item an index's keys which it did not have (minidyn then overwrites another
// item's entry; the store's updates only change keys an item has).
type IndexGuard struct {
	srv     *server.Server
	log     *slog.Logger
	mu      sync.RWMutex // held exclusively by a write that may drop index keys
	pk, sk  string
	indexes [][2]string // each secondary index's partition and sort key attributes
}

// NewIndexGuard guards srv, whose tables have the store's schema (store.TableSchema).
func NewIndexGuard(srv *server.Server, log *slog.Logger) *IndexGuard {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := store.TableSchema()
	g := &IndexGuard{srv: srv, log: log, pk: sc.PartitionKey.Name, sk: sc.SortKey.Name}
	for _, ix := range sc.Indexes {
		g.indexes = append(g.indexes, [2]string{ix.PartitionKey.Name, ix.SortKey.Name})
	}
	return g
}

type rawItem = map[string]json.RawMessage

// guardWrite is one item a write request puts.
type guardWrite struct {
	table string
	key   rawItem
	item  rawItem
}

type guardPut struct {
	TableName string  `json:"TableName"`
	Item      rawItem `json:"Item"`
}

// ServeHTTP answers one DynamoDB JSON request.
func (g *IndexGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	switch op {
	case "PutItem", "BatchWriteItem", "TransactWriteItems":
	default:
		g.mu.RLock()
		defer g.mu.RUnlock()
		g.srv.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	writes := g.writes(op, body)
	if len(writes) == 0 {
		g.mu.RLock()
		defer g.mu.RUnlock()
		g.srv.ServeHTTP(w, r)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	// the items as they were, where the write may take index keys away
	type before struct {
		w   guardWrite
		old rawItem
	}
	var at []before
	for _, wr := range writes {
		old, err := g.get(wr.table, wr.key)
		if err != nil {
			g.log.Error("local dynamodb: index guard: read item", "err", err)
			continue
		}
		if old != nil && g.dropped(old, wr.item) != nil {
			at = append(at, before{wr, old})
		}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	g.srv.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		return
	}
	for _, b := range at {
		if err := g.repair(b.w, b.old); err != nil {
			g.log.Error("local dynamodb: index guard: repair index", "table", b.w.table, "err", err)
		}
	}
}

// writes lists the items of a write request whose index keys the write may remove: puts of
// items without some index's keys.
func (g *IndexGuard) writes(op string, body []byte) []guardWrite {
	var out []guardWrite
	put := func(p *guardPut) {
		if p == nil || p.Item == nil || g.dropped(nil, p.Item) == nil {
			return
		}
		out = append(out, guardWrite{table: p.TableName, key: rawItem{g.pk: p.Item[g.pk], g.sk: p.Item[g.sk]}, item: p.Item})
	}
	switch op {
	case "PutItem":
		var p guardPut
		if json.Unmarshal(body, &p) == nil {
			put(&p)
		}
	case "BatchWriteItem":
		var b struct {
			RequestItems map[string][]struct {
				PutRequest *struct {
					Item rawItem `json:"Item"`
				} `json:"PutRequest"`
			} `json:"RequestItems"`
		}
		if json.Unmarshal(body, &b) == nil {
			for table, reqs := range b.RequestItems {
				for _, rq := range reqs {
					if rq.PutRequest != nil {
						put(&guardPut{TableName: table, Item: rq.PutRequest.Item})
					}
				}
			}
		}
	case "TransactWriteItems":
		var t struct {
			TransactItems []struct {
				Put *guardPut `json:"Put"`
			} `json:"TransactItems"`
		}
		if json.Unmarshal(body, &t) == nil {
			for _, it := range t.TransactItems {
				put(it.Put)
			}
		}
	}
	return out
}

// dropped returns the key attributes of the indexes old has keys for and item does not
// (with old nil: those item has no keys for; with item nil: those old has keys for).
func (g *IndexGuard) dropped(old, item rawItem) []string {
	var attrs []string
	for _, ix := range g.indexes {
		has := func(it rawItem) bool { return it[ix[0]] != nil && it[ix[1]] != nil }
		if (old == nil || has(old)) && (item == nil || !has(item)) {
			attrs = append(attrs, ix[0], ix[1])
		}
	}
	return attrs
}

// repair takes the item out of the indexes whose keys the put removed: put again with
// the old keys (the index entry stays as it is), deleted (which removes the entry), put as
// the write left it (without an entry).
func (g *IndexGuard) repair(wr guardWrite, old rawItem) error {
	cur, err := g.get(wr.table, wr.key)
	if err != nil || cur == nil {
		return err
	}
	gone := g.dropped(old, nil)
	var restore []string
	for _, a := range gone {
		if cur[a] == nil {
			restore = append(restore, a)
		}
	}
	if len(restore) == 0 {
		return nil
	}
	tmp := maps.Clone(cur)
	for _, a := range restore {
		tmp[a] = old[a]
	}
	if _, err := g.call("PutItem", map[string]any{"TableName": wr.table, "Item": tmp}); err != nil {
		return err
	}
	if _, err := g.call("DeleteItem", map[string]any{"TableName": wr.table, "Key": wr.key}); err != nil {
		return err
	}
	_, err = g.call("PutItem", map[string]any{"TableName": wr.table, "Item": cur})
	return err
}

// get reads an item (nil if there is none).
func (g *IndexGuard) get(table string, key rawItem) (rawItem, error) {
	out, err := g.call("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	if err != nil {
		return nil, err
	}
	var res struct {
		Item rawItem `json:"Item"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("GetItem: %w", err)
	}
	return res.Item, nil
}

// call sends one request straight to the server (the caller holds mu).
func (g *IndexGuard) call(op string, body any) ([]byte, error) { return callJSON(g.srv, op, body) }

// callJSON sends one DynamoDB JSON request to h in process and returns the answer's body;
// an answer other than 200 is an error naming op.
func callJSON(h http.Handler, op string, body any) ([]byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", op, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return rec.Body.Bytes(), nil
}
