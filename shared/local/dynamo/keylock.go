package dynamo

import (
	"hash/maphash"
	"slices"
	"sync"

	"github.com/valyala/fastjson"
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
	parsers fastjson.ParserPool
}

// keyStripes is how many locks the items share (by a hash of their key).
const keyStripes = 256

func newKeyLocks(pk, sk string) *keyLocks {
	return &keyLocks{seed: maphash.MakeSeed(), pk: pk, sk: sk}
}

// stripesOf lists, ascending and without repeats, the stripes of the items a write request
// touches (PutItem's Item, DeleteItem's and UpdateItem's Key, BatchWriteItem's requests,
// TransactWriteItems' items); ok is false when the request does not say (it then takes
// every stripe). It reads the body with a pooled fastjson parser: every write passes here,
// and decoding whole items into maps cost more than a twentieth of a busy server's time.
func (l *keyLocks) stripesOf(body []byte) (out []int, ok bool) {
	p := l.parsers.Get()
	defer l.parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		return nil, false
	}
	var buf []byte
	add := func(table []byte, attrs *fastjson.Value) bool {
		if attrs == nil || attrs.Type() != fastjson.TypeObject {
			return false
		}
		pk := attrs.Get(l.pk)
		if pk == nil {
			return false
		}
		var h maphash.Hash
		h.SetSeed(l.seed)
		_, _ = h.Write(table)
		_ = h.WriteByte(0)
		buf = pk.MarshalTo(buf[:0])
		_, _ = h.Write(buf)
		_ = h.WriteByte(0)
		if sk := attrs.Get(l.sk); sk != nil {
			buf = sk.MarshalTo(buf[:0])
			_, _ = h.Write(buf)
		}
		out = append(out, int(h.Sum64()%keyStripes))
		return true
	}
	table := v.GetStringBytes("TableName")
	switch {
	case present(v.Get("Item")):
		ok = add(table, v.Get("Item"))
	case present(v.Get("Key")):
		ok = add(table, v.Get("Key"))
	case present(v.Get("RequestItems")):
		tables := v.GetObject("RequestItems")
		ok = tables != nil
		if tables == nil {
			break
		}
		tables.Visit(func(table []byte, reqs *fastjson.Value) {
			list, err := reqs.Array()
			if err != nil {
				ok = false
				return
			}
			for _, r := range list {
				switch {
				case present(r.Get("PutRequest")):
					ok = ok && add(table, r.Get("PutRequest", "Item"))
				case present(r.Get("DeleteRequest")):
					ok = ok && add(table, r.Get("DeleteRequest", "Key"))
				default:
					ok = false
				}
			}
		})
	case present(v.Get("TransactItems")):
		list, err := v.Get("TransactItems").Array()
		ok = err == nil
		for _, t := range list {
			switch {
			case present(t.Get("Put")):
				ok = ok && add(t.GetStringBytes("Put", "TableName"), t.Get("Put", "Item"))
			case present(t.Get("Update")):
				ok = ok && add(t.GetStringBytes("Update", "TableName"), t.Get("Update", "Key"))
			case present(t.Get("Delete")):
				ok = ok && add(t.GetStringBytes("Delete", "TableName"), t.Get("Delete", "Key"))
			case present(t.Get("ConditionCheck")):
				ok = ok && add(t.GetStringBytes("ConditionCheck", "TableName"), t.Get("ConditionCheck", "Key"))
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

// present is whether a member is there and not null (a null member counts as left out, as
// when it is decoded into a Go map or pointer).
func present(v *fastjson.Value) bool { return v != nil && v.Type() != fastjson.TypeNull }

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
