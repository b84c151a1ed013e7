package dynamo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"polysynergy/shared/store"
)

// Persistence. Every write is logged as the state it left its items in, not as the request:
// a PutItem of each item written (its whole item, read back after an UpdateItem while the
// item is still locked) or a DeleteItem of each item deleted; a write touching several items
// is one BatchWriteItem line. Replaying such a line twice, or over a snapshot that already
// holds it, builds the same items, which a request such as "ADD rev 1" would not.
//
// So a snapshot needs nothing from the table, and holds no write back: it cuts the log
// (the lines so far go to walCut, later ones to a fresh walFile; writes wait only for a
// buffer swap), then merges the previous snapshot with walCut's lines into a new snapshot
// file (written to a temporary file, synced, renamed over the old one) and removes walCut.
// A crash at any point leaves the previous snapshot whole, and the lines after it in walCut
// and walFile; a start replays both over whichever snapshot it finds. The embedded server
// takes one lock for every request, and a Scan holds it while it copies every item: the
// snapshot taken under the store's lock each time the log grew large held every request back
// for a time that grew with the table (80,000 items: 11 s).

// stateLine returns the log line for a write the server applied: the state it left the
// items it touched in. It is called while those items are locked.
func (d *DB) stateLine(op string, body []byte) ([]byte, error) {
	type state struct {
		table     string
		item, key []byte // item nil: the item keyed key is gone
	}
	var states []state
	var reads []state // items an update changed, read back below
	p := d.keys.parsers.Get()
	v, err := p.ParseBytes(body)
	if err != nil {
		d.keys.parsers.Put(p)
		return nil, fmt.Errorf("read %s: %w", op, err)
	}
	put := func(table []byte, item *fastjson.Value) {
		states = append(states, state{table: string(table), item: item.MarshalTo(nil)})
	}
	del := func(table []byte, key *fastjson.Value) {
		states = append(states, state{table: string(table), key: key.MarshalTo(nil)})
	}
	upd := func(table []byte, key *fastjson.Value) {
		reads = append(reads, state{table: string(table), key: key.MarshalTo(nil)})
	}
	table := v.GetStringBytes("TableName")
	switch op {
	case "PutItem":
		put(table, v.Get("Item"))
	case "DeleteItem":
		del(table, v.Get("Key"))
	case "UpdateItem":
		upd(table, v.Get("Key"))
	case "BatchWriteItem":
		v.GetObject("RequestItems").Visit(func(table []byte, reqs *fastjson.Value) {
			for _, r := range reqs.GetArray() {
				switch {
				case present(r.Get("PutRequest")):
					put(table, r.Get("PutRequest", "Item"))
				case present(r.Get("DeleteRequest")):
					del(table, r.Get("DeleteRequest", "Key"))
				}
			}
		})
	case "TransactWriteItems":
		for _, t := range v.GetArray("TransactItems") {
			switch {
			case present(t.Get("Put")):
				put(t.GetStringBytes("Put", "TableName"), t.Get("Put", "Item"))
			case present(t.Get("Update")):
				upd(t.GetStringBytes("Update", "TableName"), t.Get("Update", "Key"))
			case present(t.Get("Delete")):
				del(t.GetStringBytes("Delete", "TableName"), t.Get("Delete", "Key"))
			}
		}
	}
	d.keys.parsers.Put(p)
	for _, r := range reads {
		out, err := d.call("GetItem", map[string]any{"TableName": r.table, "Key": json.RawMessage(r.key), "ConsistentRead": true})
		if err != nil {
			return nil, fmt.Errorf("read back an item %s changed: %w", op, err)
		}
		var got struct {
			Item json.RawMessage `json:"Item"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			return nil, fmt.Errorf("read back an item %s changed: %w", op, err)
		}
		if len(got.Item) > 0 && string(got.Item) != "null" {
			r.item = got.Item
		}
		states = append(states, r)
	}
	if len(states) == 0 {
		return nil, nil
	}
	if d.exp != nil {
		p := d.keys.parsers.Get()
		for _, st := range states {
			d.noteItem(p, st.table, st.item, st.key)
		}
		d.keys.parsers.Put(p)
	}
	quote := func(b *bytes.Buffer, s string) {
		q, _ := json.Marshal(s)
		b.Write(q)
	}
	var b bytes.Buffer
	if len(states) == 1 {
		st := states[0]
		if st.item != nil {
			b.WriteString(`{"op":"PutItem","body":{"TableName":`)
			quote(&b, st.table)
			b.WriteString(`,"Item":`)
			b.Write(st.item)
		} else {
			b.WriteString(`{"op":"DeleteItem","body":{"TableName":`)
			quote(&b, st.table)
			b.WriteString(`,"Key":`)
			b.Write(st.key)
		}
		b.WriteString("}}\n")
		return b.Bytes(), nil
	}
	b.WriteString(`{"op":"BatchWriteItem","body":{"RequestItems":{`)
	done := make([]bool, len(states))
	for i := range states {
		if done[i] {
			continue
		}
		if i > 0 && b.Bytes()[b.Len()-1] != '{' {
			b.WriteByte(',')
		}
		quote(&b, states[i].table)
		b.WriteString(":[")
		first := true
		for j := i; j < len(states); j++ {
			if done[j] || states[j].table != states[i].table {
				continue
			}
			done[j] = true
			if !first {
				b.WriteByte(',')
			}
			first = false
			if states[j].item != nil {
				b.WriteString(`{"PutRequest":{"Item":`)
				b.Write(states[j].item)
			} else {
				b.WriteString(`{"DeleteRequest":{"Key":`)
				b.Write(states[j].key)
			}
			b.WriteString("}}")
		}
		b.WriteByte(']')
	}
	b.WriteString("}}}\n")
	return b.Bytes(), nil
}

// replay applies the writes logged since the last snapshot (walCut's, then walFile's) and
// opens the log for appending. When it found any, it writes a snapshot of the table before
// the server is used (the files may end in a line cut short by a crash, or hold requests
// logged by an earlier version, which are not states) and empties the log.
func (d *DB) replay() error {
	if d.opt.Dir == "" {
		return nil
	}
	path, cut := filepath.Join(d.opt.Dir, walFile), filepath.Join(d.opt.Dir, walCut)
	if d.opt.Reset {
		_ = os.Remove(path)
		_ = os.Remove(cut)
	}
	found := false
	n := 0
	for _, p := range []string{cut, path} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("local dynamodb: open write log: %w", err)
		}
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
			found = true
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var e walEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				break // a line cut short by a crash ends the file
			}
			for _, body := range splitBatch(e) {
				if _, err := d.call(e.Op, body); err != nil {
					d.opt.Log.Warn("local dynamodb replay", "op", e.Op, "err", err)
				}
			}
			n++
		}
		f.Close()
	}
	if n > 0 {
		d.opt.Log.Info("local dynamodb replayed writes", "count", n)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("local dynamodb: open write log: %w", err)
	}
	d.wal, d.walBuf = f, &bytes.Buffer{}
	if !found {
		return nil
	}
	pages, err := d.scanPages()
	if err != nil {
		return fmt.Errorf("local dynamodb: snapshot after replay: %w", err)
	}
	items, err := d.live(pages)
	if err != nil {
		return fmt.Errorf("local dynamodb: snapshot after replay: %w", err)
	}
	// the replayed writes did not pass the index: index the table as it is now
	d.exp = newExpiries()
	var p fastjson.Parser
	for _, it := range items {
		d.noteItem(&p, d.opt.Table, it, nil)
	}
	if err := d.writeSnapshot(items); err != nil {
		return fmt.Errorf("local dynamodb: snapshot after replay: %w", err)
	}
	if err := d.wal.Truncate(0); err != nil {
		return fmt.Errorf("local dynamodb: empty write log: %w", err)
	}
	if err := os.Remove(cut); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("local dynamodb: remove %s: %w", cut, err)
	}
	return nil
}

// splitBatch returns a log line's request body, a BatchWriteItem's in parts the server
// takes (25 writes each: a transaction's may hold more).
func splitBatch(e walEntry) []any {
	var body any
	_ = json.Unmarshal(e.Body, &body)
	if e.Op != "BatchWriteItem" {
		return []any{body}
	}
	var in struct {
		RequestItems map[string][]json.RawMessage `json:"RequestItems"`
	}
	if json.Unmarshal(e.Body, &in) != nil {
		return []any{body}
	}
	var out []any
	for table, reqs := range in.RequestItems {
		for i := 0; i < len(reqs); i += 25 {
			out = append(out, map[string]any{"RequestItems": map[string]any{table: reqs[i:min(i+25, len(reqs))]}})
		}
	}
	return out
}

// syncWAL writes the logged lines to the file and syncs it. Writes wait only for the moment
// the buffer is swapped for an empty one, never for the file system.
func (d *DB) syncWAL() error {
	d.fileMu.Lock()
	defer d.fileMu.Unlock()
	return d.syncWALLocked()
}

func (d *DB) syncWALLocked() error {
	d.walMu.Lock()
	if d.walBuf == nil || d.walBuf.Len() == 0 {
		d.walMu.Unlock()
		return nil
	}
	// two buffers take turns: one collects lines while the other is written, so a busy
	// server allocates (and the kernel zeroes) no new megabytes every interval
	lines, next := d.walBuf, d.walFree
	if next == nil {
		next = bytes.NewBuffer(make([]byte, 0, lines.Cap()))
	}
	d.walBuf, d.walFree = next, nil
	d.walMu.Unlock()
	size, err := d.wal.Seek(0, io.SeekEnd)
	if err != nil {
		d.restoreLines(lines)
		return err
	}
	if _, err := d.wal.Write(lines.Bytes()); err != nil {
		// the lines go back to the buffer for the next try, and a part written is cut off
		// (a replay stops at a broken line, and would miss every line after it)
		_ = d.wal.Truncate(size)
		d.restoreLines(lines)
		return err
	}
	lines.Reset()
	d.walFree = lines
	return d.wal.Sync()
}

// restoreLines puts lines taken from the buffer for a write that failed back in front of
// those logged since, so the log still has them.
func (d *DB) restoreLines(lines *bytes.Buffer) {
	if lines == nil || lines.Len() == 0 {
		return
	}
	d.walMu.Lock()
	defer d.walMu.Unlock()
	_, _ = lines.Write(d.walBuf.Bytes())
	d.walBuf = lines
}

// Flush puts the writes logged so far on disk (at most a second after they happened), and
// compacts the log into a snapshot once it has grown large (see Options.CompactAt).
func (d *DB) Flush() error {
	if d.opt.Dir == "" {
		return nil
	}
	if err := d.syncWAL(); err != nil {
		return fmt.Errorf("local dynamodb: write log: %w", err)
	}
	if d.compactDue() {
		return d.Snapshot()
	}
	return nil
}

// compactDue reports whether the log has grown enough to be compacted.
func (d *DB) compactDue() bool {
	d.walMu.Lock()
	n := d.walN
	d.walMu.Unlock()
	quiet := time.Since(time.Unix(0, d.lastLog.Load())) >= d.opt.QuietFor
	return n > d.opt.CompactMax || n > d.opt.CompactAt && quiet
}

// cut moves the lines logged so far to walCut and starts walFile afresh; the lines logged
// meanwhile wait in the buffer for the new file. It does nothing while walCut is there (a
// snapshot that did not finish: the next one takes it first).
func (d *DB) cut() error {
	d.fileMu.Lock()
	defer d.fileMu.Unlock()
	path, cut := filepath.Join(d.opt.Dir, walFile), filepath.Join(d.opt.Dir, walCut)
	if _, err := os.Stat(cut); err == nil {
		return nil
	}
	d.walMu.Lock()
	d.walN = 0
	d.walMu.Unlock()
	if err := d.syncWALLocked(); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	if fi, err := d.wal.Stat(); err != nil || fi.Size() == 0 {
		return err
	}
	if err := os.Rename(path, cut); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		// the lines logged from now on would have no file: put the old one back
		if rerr := os.Rename(cut, path); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	old := d.wal
	d.wal = f
	_ = old.Close()
	return syncDir(d.opt.Dir)
}

// Snapshot cuts the write log and merges what it held into the snapshot file (see the
// package's persistence notes). Writes go on meanwhile.
func (d *DB) Snapshot() error {
	if d.opt.Dir == "" {
		return nil
	}
	d.snapMu.Lock()
	defer d.snapMu.Unlock()
	if err := d.cut(); err != nil {
		return fmt.Errorf("local dynamodb: cut write log: %w", err)
	}
	if afterCut != nil {
		afterCut()
	}
	cut := filepath.Join(d.opt.Dir, walCut)
	f, err := os.Open(cut)
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing written since the last snapshot
	}
	if err != nil {
		return fmt.Errorf("local dynamodb: snapshot: %w", err)
	}
	items, err := d.merge(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("local dynamodb: snapshot: %w", err)
	}
	if err := d.writeSnapshot(items); err != nil {
		return fmt.Errorf("local dynamodb: save: %w", err)
	}
	if err := os.Remove(cut); err != nil {
		return fmt.Errorf("local dynamodb: remove %s: %w", cut, err)
	}
	return nil
}

// afterCut, when set (by tests), runs in Snapshot once the log is cut, before the merge.
var afterCut func()

// merge returns the items of the snapshot file with the logged states of log applied, less
// those whose expires_at has passed.
func (d *DB) merge(log io.Reader) ([]json.RawMessage, error) {
	var snap snapshot
	if data, err := os.ReadFile(d.path()); err == nil {
		if err := json.Unmarshal(data, &snap); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", d.path(), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var p fastjson.Parser
	ttl := store.TableSchema().TTLAttribute
	byKey := make(map[string]int, len(snap.Items)) // key → index in items
	items := snap.Items
	expires := make([]int64, len(items)) // each item's expires_at (0: none)
	expiry := func(item *fastjson.Value) int64 {
		if exp := item.GetStringBytes(ttl, "N"); exp != nil {
			n, _ := strconv.ParseInt(string(exp), 10, 64)
			return n
		}
		return 0
	}
	set := func(table string, item *fastjson.Value, key *fastjson.Value) error {
		k, ok := d.itemKey(table, key)
		if !ok {
			return fmt.Errorf("an item of table %s has no key", table)
		}
		var raw json.RawMessage
		var exp int64
		if item != nil {
			raw, exp = item.MarshalTo(nil), expiry(item)
		}
		if i, seen := byKey[k]; seen {
			items[i], expires[i] = raw, exp // nil: deleted
			return nil
		}
		if item != nil {
			byKey[k] = len(items)
			items, expires = append(items, raw), append(expires, exp)
		}
		return nil
	}
	for i, it := range items {
		v, err := p.ParseBytes(it)
		if err != nil {
			return nil, fmt.Errorf("%s holds an item that is not JSON: %w", d.path(), err)
		}
		k, ok := d.itemKey(d.opt.Table, v)
		if _, twice := byKey[k]; !ok || twice {
			return nil, fmt.Errorf("%s holds an item without a key, or one twice", d.path())
		}
		byKey[k], expires[i] = i, expiry(v)
	}
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		v, err := p.ParseBytes(sc.Bytes())
		if err != nil {
			break // a line cut short by a crash ends the log
		}
		body := v.Get("body")
		switch op := string(v.GetStringBytes("op")); op {
		case "PutItem":
			err = set(string(body.GetStringBytes("TableName")), body.Get("Item"), body.Get("Item"))
		case "DeleteItem":
			err = set(string(body.GetStringBytes("TableName")), nil, body.Get("Key"))
		case "BatchWriteItem":
			body.GetObject("RequestItems").Visit(func(table []byte, reqs *fastjson.Value) {
				for _, r := range reqs.GetArray() {
					if err != nil {
						return
					}
					if present(r.Get("PutRequest")) {
						err = set(string(table), r.Get("PutRequest", "Item"), r.Get("PutRequest", "Item"))
					} else {
						err = set(string(table), nil, r.Get("DeleteRequest", "Key"))
					}
				}
			})
		default:
			err = fmt.Errorf("the write log holds a %s, not an item's state", op)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	now := d.opt.Now().Unix()
	live := items[:0]
	for i, it := range items {
		if it == nil || expires[i] > 0 && expires[i] < now {
			continue // deleted, or expired (the sweep deletes it from the table)
		}
		live = append(live, it)
	}
	return live, nil
}

// itemKey names an item (or a key) of table by its key attributes' types and values.
func (d *DB) itemKey(table string, attrs *fastjson.Value) (string, bool) {
	if attrs == nil {
		return "", false
	}
	k := table
	for _, name := range []string{d.keys.pk, d.keys.sk} {
		a := attrs.GetObject(name)
		if a == nil {
			if name == d.keys.pk {
				return "", false
			}
			continue
		}
		a.Visit(func(typ []byte, v *fastjson.Value) {
			k += "\x00" + string(typ) + ":" + string(v.GetStringBytes())
		})
	}
	return k, true
}

// writeSnapshot replaces the snapshot file with items: written to a temporary file and
// synced first, so that a crash leaves the previous file whole.
func (d *DB) writeSnapshot(items []json.RawMessage) error {
	// written as snapshot encodes, without encoding/json checking every item again (they
	// are the server's or the log's JSON)
	head, err := json.Marshal(snapshot{Table: d.opt.Table, Saved: d.opt.Now().UTC()})
	if err != nil {
		return err
	}
	if !bytes.HasSuffix(head, []byte(`"items":null}`)) {
		return fmt.Errorf("snapshot head %s", head)
	}
	head = bytes.TrimSuffix(head, []byte(`"items":null}`))
	tmp := d.path() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.Write(head)
	_, _ = w.WriteString(`"items":[`)
	for i, it := range items {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		_, _ = w.Write(it)
	}
	_, _ = w.WriteString("]}")
	werr := w.Flush()
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return err
	}
	if err := os.Rename(tmp, d.path()); err != nil {
		return err
	}
	return syncDir(d.opt.Dir)
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (d *DB) flusher() {
	defer close(d.done)
	t := time.NewTicker(d.opt.Flush)
	defer t.Stop()
	sweep := time.NewTicker(d.opt.SweepInterval)
	defer sweep.Stop()
	flush := func() {
		if err := d.syncWAL(); err != nil {
			d.opt.Log.Error("local dynamodb flush", "err", err)
		}
		// a snapshot takes time in proportion to the table: it runs beside the flusher,
		// which goes on writing the log every interval
		if d.compactDue() && d.busy.CompareAndSwap(false, true) {
			d.bg.Add(1)
			go func() {
				defer d.bg.Done()
				defer d.busy.Store(false)
				if err := d.Snapshot(); err != nil {
					d.opt.Log.Error("local dynamodb snapshot", "err", err)
				}
			}()
		}
	}
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			flush()
		case <-d.walKick:
			flush()
		case <-sweep.C:
			// scan deletes what has expired (DynamoDB's TTL); writes go on meanwhile
			if err := d.sweep(); err != nil {
				d.opt.Log.Error("local dynamodb expiry sweep", "err", err)
			}
		}
	}
}

// Close writes the data a last time and stops the server.
func (d *DB) Close(ctx context.Context) error {
	if !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(d.stop)
	<-d.done
	serr := d.http.Shutdown(ctx)
	d.bg.Wait()
	ferr := d.syncWAL()
	if ferr == nil {
		ferr = d.Snapshot()
	}
	if d.wal != nil {
		_ = d.wal.Close()
	}
	return errors.Join(ferr, serr)
}
