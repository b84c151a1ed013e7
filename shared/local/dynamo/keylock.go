package dynamo

import (
	"encoding/json"
	"hash/maphash"
	"slices"
	"sync"
)

// keyLocks orders the writes to each item with its log lines: a write holds the stripes of
// the items it touches while it is applied and logged, so two writes to one item reach the
// log in the order the table saw them. Writes to different items go on side by side (their
// order in the log does not change what a replay builds), and the embedded server decodes
// and answers them in parallel instead of one behind the other.
type keyLocks struct {
	seed    maphash.Seed
	pk, sk  string // the table's key attributes
	stripes [keyStripes]sync.Mutex
}

// keyStripes is how many locks the items share (by a hash of their key).
const keyStripes = 256

func newKeyLocks(pk, sk string) *keyLocks {
	return &keyLocks{seed: maphash.MakeSeed(), pk: pk, sk: sk}
}

// writeKeys is what a write request says about the items it touches: PutItem's Item,
// DeleteItem's and UpdateItem's Key, BatchWriteItem's requests, TransactWriteItems' items.
type writeKeys struct {
	TableName     string                     `json:"TableName"`
	Item          map[string]json.RawMessage `json:"Item"`
	Key           map[string]json.RawMessage `json:"Key"`
	RequestItems  map[string][]batchRequest  `json:"RequestItems"`
	TransactItems []transactItem             `json:"TransactItems"`
}

type batchRequest struct {
	PutRequest    *struct{ Item map[string]json.RawMessage } `json:"PutRequest"`
	DeleteRequest *struct{ Key map[string]json.RawMessage }  `json:"DeleteRequest"`
}

type keyedPart struct {
	TableName string                     `json:"TableName"`
	Item      map[string]json.RawMessage `json:"Item"`
	Key       map[string]json.RawMessage `json:"Key"`
}

type transactItem struct {
	Put            *keyedPart `json:"Put"`
	Update         *keyedPart `json:"Update"`
	Delete         *keyedPart `json:"Delete"`
	ConditionCheck *keyedPart `json:"ConditionCheck"`
}

// stripesOf lists, ascending and without repeats, the stripes of the items a write request
// touches; ok is false when the request does not say (it then takes every stripe).
func (l *keyLocks) stripesOf(body []byte) (out []int, ok bool) {
	var w writeKeys
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, false
	}
	add := func(table string, attrs map[string]json.RawMessage) bool {
		pk, ok := attrs[l.pk]
		if !ok {
			return false
		}
		var h maphash.Hash
		h.SetSeed(l.seed)
		_, _ = h.WriteString(table)
		_ = h.WriteByte(0)
		_, _ = h.Write(pk)
		_ = h.WriteByte(0)
		_, _ = h.Write(attrs[l.sk])
		out = append(out, int(h.Sum64()%keyStripes))
		return true
	}
	switch {
	case w.Item != nil:
		ok = add(w.TableName, w.Item)
	case w.Key != nil:
		ok = add(w.TableName, w.Key)
	case w.RequestItems != nil:
		ok = true
		for table, reqs := range w.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					ok = ok && add(table, r.PutRequest.Item)
				case r.DeleteRequest != nil:
					ok = ok && add(table, r.DeleteRequest.Key)
				default:
					ok = false
				}
			}
		}
	case w.TransactItems != nil:
		ok = true
		for _, t := range w.TransactItems {
			switch {
			case t.Put != nil:
				ok = ok && add(t.Put.TableName, t.Put.Item)
			case t.Update != nil:
				ok = ok && add(t.Update.TableName, t.Update.Key)
			case t.Delete != nil:
				ok = ok && add(t.Delete.TableName, t.Delete.Key)
			case t.ConditionCheck != nil:
				ok = ok && add(t.ConditionCheck.TableName, t.ConditionCheck.Key)
			default:
				ok = false
			}
		}
	}
	if !ok || len(out) == 0 {
		return nil, false
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// lock takes the stripes of the items body touches (every stripe when it cannot tell),
// always in ascending order so two writes never wait for each other in a circle, and
// returns the function that lets them go.
func (l *keyLocks) lock(body []byte) (unlock func()) {
	stripes, ok := l.stripesOf(body)
	if !ok {
		stripes = make([]int, keyStripes)
		for i := range stripes {
			stripes[i] = i
		}
	}
	for _, s := range stripes {
		l.stripes[s].Lock()
	}
	return func() {
		for _, s := range stripes {
			l.stripes[s].Unlock()
		}
	}
}
