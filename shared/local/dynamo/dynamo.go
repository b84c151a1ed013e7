// Package dynamo runs the local cloud's DynamoDB: the embedded DynamoDB-compatible server
// (github.com/truora/minidyn) on loopback, with the store's table, data kept under the data
// dir across restarts (written at most a second after a change, and on close), DynamoDB's TTL
// emulated, and failures injectable for fault tests.
package dynamo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
)

// SnapshotFile is the data file under the data dir.
const SnapshotFile = "dynamodb.json"

// Options configure the local DynamoDB.
type Options struct {
	Dir   string        // where data is kept; "" keeps nothing
	Table string        // table name
	Reset bool          // start empty, discarding kept data
	Flush time.Duration // how soon a change reaches the disk (default 1 s)
	// SweepInterval is how often items past their expires_at are deleted (default 1 min;
	// DynamoDB itself takes up to days).
	SweepInterval time.Duration
	// The write log is compacted into a snapshot once it has passed CompactAt and the
	// writes have paused for QuietFor, or once it has passed CompactMax while they go on.
	// A snapshot holds writes back while it copies the items, so a busy server is not
	// interrupted for one every few seconds; a replay after a crash reads at most
	// CompactMax of log (defaults 32 MB, 250 ms, 128 MB).
	CompactAt, CompactMax int64
	QuietFor              time.Duration
	Now                   func() time.Time
	Log                   *slog.Logger
}

// DB is a running local DynamoDB.
type DB struct {
	opt   Options
	srv   *server.Server
	http  *http.Server
	ln    net.Listener
	url   string
	dirty atomic.Bool
	mu    sync.RWMutex // writers of the data vs the snapshot
	keys  *keyLocks    // orders the writes to each item with their log lines
	walMu sync.Mutex   // guards walBuf and walN
	// walBuf collects log lines in memory: a write never waits for the file system. The
	// flusher hands them to the file (fileMu held) within Flush's interval, or sooner once
	// walKick says the buffer has grown large.
	walBuf  *bytes.Buffer
	walFree *bytes.Buffer // the buffer written last, emptied for the next swap (fileMu held)
	walN    int64         // bytes logged since the last snapshot
	lastLog atomic.Int64  // when the last write was logged (Unix nanoseconds)
	walKick chan struct{}
	fileMu  sync.Mutex // the log file: its writes, syncs and truncation
	wal     *os.File
	fault   atomic.Pointer[Fault]
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool
}

// Fault makes matching operations fail as DynamoDB does when throttling or failing.
type Fault struct {
	// Ops lists the operations that fail (e.g. "PutItem"); empty means every operation.
	Ops []string `json:"ops,omitempty"`
	// Kind is "throttle" (400 ProvisionedThroughputExceededException) or "error" (500).
	Kind string `json:"kind"`
}

// Start runs the server on a loopback port, creates the table and loads kept data.
func Start(ctx context.Context, opt Options) (*DB, error) {
	if opt.Table == "" {
		return nil, errors.New("local dynamodb: a table name is required")
	}
	if opt.Flush <= 0 {
		opt.Flush = time.Second
	}
	if opt.SweepInterval <= 0 {
		opt.SweepInterval = time.Minute
	}
	if opt.CompactAt <= 0 {
		opt.CompactAt = 32 << 20
	}
	if opt.CompactMax < opt.CompactAt {
		opt.CompactMax = max(opt.CompactAt, 128<<20)
	}
	if opt.QuietFor <= 0 {
		opt.QuietFor = 250 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	schema := store.TableSchema()
	d := &DB{opt: opt, srv: server.NewServer(), keys: newKeyLocks(schema.PartitionKey.Name, schema.SortKey.Name),
		stop: make(chan struct{}), done: make(chan struct{}), walKick: make(chan struct{}, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("local dynamodb: listen: %w", err)
	}
	d.ln, d.url = ln, "http://"+ln.Addr().String()
	d.http = &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.http.Serve(ln) }()
	if err := store.CreateTable(ctx, NewClient(d.url), opt.Table); err != nil {
		d.http.Close()
		return nil, fmt.Errorf("local dynamodb: create table: %w", err)
	}
	if opt.Reset && opt.Dir != "" {
		if err := os.Remove(d.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.http.Close()
			return nil, fmt.Errorf("local dynamodb: reset: %w", err)
		}
	}
	if err := d.load(); err != nil {
		d.http.Close()
		return nil, err
	}
	if err := d.replay(); err != nil {
		d.http.Close()
		return nil, err
	}
	go d.flusher()
	return d, nil
}

// URL is the endpoint to point DynamoDB clients at.
func (d *DB) URL() string { return d.url }

// NewClient returns a DynamoDB client for a local endpoint.
func NewClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   &http.Client{Transport: store.OwnedBodyTransport{Base: localTransport()}},
		// the embedded server's CRC32 headers do not match the SDK's expectations
		DisableValidateResponseChecksum: true,
	})
}

// localTransport keeps many loopback connections warm (the default keeps 2 per host, so a
// busy server would open and close a connection per request).
func localTransport() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return tr
}

// SetFault installs (or with nil removes) an injected failure.
func (d *DB) SetFault(f *Fault) { d.fault.Store(f) }

var writeOps = map[string]bool{"PutItem": true, "DeleteItem": true, "UpdateItem": true, "BatchWriteItem": true, "TransactWriteItems": true}

func (d *DB) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	if f := d.fault.Load(); f != nil && (len(f.Ops) == 0 || contains(f.Ops, op)) {
		status, typ := http.StatusInternalServerError, "InternalServerError"
		if f.Kind == "throttle" {
			status, typ = http.StatusBadRequest, "ProvisionedThroughputExceededException"
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": "injected failure (" + f.Kind + ")"})
		return
	}
	if writeOps[op] && d.opt.Dir != "" {
		// sized from Content-Length at once (one allocation instead of a doubling series)
		n := r.ContentLength
		if n < 0 || n > 16<<20 {
			n = 0
		}
		buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
		_, err := buf.ReadFrom(r.Body)
		body := buf.Bytes()
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.mu.RLock()
		defer d.mu.RUnlock()
		// the writes to an item are applied and logged one at a time, so a replay applies
		// them in order; writes to other items go on meanwhile
		defer d.keys.lock(body)()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		d.srv.ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			d.walMu.Lock()
			d.logWrite(op, body)
			d.walMu.Unlock()
		}
		return
	}
	d.srv.ServeHTTP(w, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// walFile is the log of writes since the last snapshot.
const walFile = "dynamodb.wal"

// logWrite appends a successful write to the log (flushed to disk within Flush's interval).
func (d *DB) logWrite(op string, body []byte) {
	if d.walBuf == nil {
		return
	}
	// one line per write: {"op":…,"body":…} with the body as it came (accepted by the
	// server, so valid JSON), compacted only if it spans lines
	if bytes.ContainsAny(body, "\r\n") {
		var c bytes.Buffer
		if json.Compact(&c, body) != nil {
			return
		}
		body = c.Bytes()
	}
	n, _ := fmt.Fprintf(d.walBuf, "{\"op\":%q,\"body\":%s}\n", op, body)
	d.walN += int64(n)
	d.lastLog.Store(time.Now().UnixNano())
	d.dirty.Store(true)
	if d.walBuf.Len() >= walHandOff {
		select {
		case d.walKick <- struct{}{}:
		default:
		}
	}
}

// walHandOff is how much logged data makes the flusher write it before its interval is up.
const walHandOff = 4 << 20

type walEntry struct {
	Op   string          `json:"op"`
	Body json.RawMessage `json:"body"`
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func (d *DB) path() string { return filepath.Join(d.opt.Dir, SnapshotFile) }

// call sends one DynamoDB JSON request straight to the embedded server.
func (d *DB) call(op string, body any) ([]byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	d.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", op, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return rec.Body.Bytes(), nil
}

type snapshot struct {
	Table string            `json:"table"`
	Saved time.Time         `json:"saved"`
	Items []json.RawMessage `json:"items"`
}

// load restores kept items.
func (d *DB) load() error {
	if d.opt.Dir == "" {
		return nil
	}
	data, err := os.ReadFile(d.path())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local dynamodb: read %s: %w", d.path(), err)
	}
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("local dynamodb: %s is damaged (%v); start with --reset to begin empty", d.path(), err)
	}
	for i := 0; i < len(snap.Items); i += 25 {
		end := min(i+25, len(snap.Items))
		var reqs []any
		for _, it := range snap.Items[i:end] {
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": it}})
		}
		if _, err := d.call("BatchWriteItem", map[string]any{"RequestItems": map[string]any{d.opt.Table: reqs}}); err != nil {
			return fmt.Errorf("local dynamodb: restore: %w", err)
		}
	}
	d.opt.Log.Info("local dynamodb restored", "items", len(snap.Items), "file", d.path())
	return nil
}

// replay applies the writes logged since the last snapshot and opens the log for appending.
func (d *DB) replay() error {
	if d.opt.Dir == "" {
		return nil
	}
	path := filepath.Join(d.opt.Dir, walFile)
	if d.opt.Reset {
		_ = os.Remove(path)
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		n := 0
		for sc.Scan() {
			var e walEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				break // a line cut short by a crash ends the log
			}
			var body any
			_ = json.Unmarshal(e.Body, &body)
			if _, err := d.call(e.Op, body); err != nil {
				d.opt.Log.Warn("local dynamodb replay", "op", e.Op, "err", err)
			}
			n++
		}
		f.Close()
		if n > 0 {
			d.opt.Log.Info("local dynamodb replayed writes", "count", n)
			d.dirty.Store(true)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("local dynamodb: open write log: %w", err)
	}
	d.wal, d.walBuf = f, &bytes.Buffer{}
	return nil
}

// syncWAL writes the logged lines to the file and syncs it. Writes wait only for the moment
// the buffer is swapped for an empty one, never for the file system.
func (d *DB) syncWAL() error {
	d.fileMu.Lock()
	defer d.fileMu.Unlock()
	d.walMu.Lock()
	if d.walBuf == nil {
		d.walMu.Unlock()
		return nil
	}
	if d.walBuf.Len() == 0 {
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

// scanPages reads every item as the embedded server answers Scan: one response per page.
// It only copies: a snapshot holds writes back while it runs.
func (d *DB) scanPages() ([][]byte, error) {
	var pages [][]byte
	var start json.RawMessage
	for {
		in := map[string]any{"TableName": d.opt.Table}
		if start != nil {
			in["ExclusiveStartKey"] = start
		}
		out, err := d.call("Scan", in)
		if err != nil {
			return nil, err
		}
		pages = append(pages, out)
		var page struct {
			LastEvaluatedKey json.RawMessage `json:"LastEvaluatedKey"`
		}
		if err := json.Unmarshal(out, &page); err != nil {
			return nil, err
		}
		if len(page.LastEvaluatedKey) == 0 || string(page.LastEvaluatedKey) == "null" {
			return pages, nil
		}
		start = page.LastEvaluatedKey
	}
}

// live returns the items of Scan pages whose expires_at has not passed, and deletes the
// others (DynamoDB's TTL). A deletion holds only while the item still has the expiry it was
// read with: one written again since then stays.
func (d *DB) live(pages [][]byte) ([]json.RawMessage, error) {
	var items []json.RawMessage
	now := d.opt.Now().Unix()
	ttl := store.TableSchema().TTLAttribute
	for _, out := range pages {
		var page struct {
			Items []json.RawMessage `json:"Items"`
		}
		if err := json.Unmarshal(out, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			var attrs map[string]map[string]json.RawMessage
			if json.Unmarshal(it, &attrs) == nil {
				if exp, ok := attrs[ttl]["N"]; ok {
					var s string
					_ = json.Unmarshal(exp, &s)
					if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < now {
						_, err := d.call("DeleteItem", map[string]any{"TableName": d.opt.Table,
							"Key":                       map[string]any{"PK": attrs["PK"], "SK": attrs["SK"]},
							"ConditionExpression":       "#ttl = :ttl",
							"ExpressionAttributeNames":  map[string]string{"#ttl": ttl},
							"ExpressionAttributeValues": map[string]any{":ttl": map[string]string{"N": s}}})
						if err != nil {
							d.opt.Log.Debug("local dynamodb expiry: item kept", "err", err)
						}
						continue
					}
				}
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// sweep deletes the items whose expires_at has passed; writes go on meanwhile.
func (d *DB) sweep() error {
	pages, err := d.scanPages()
	if err != nil {
		return err
	}
	_, err = d.live(pages)
	return err
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
	d.walMu.Lock()
	n := d.walN
	d.walMu.Unlock()
	quiet := time.Since(time.Unix(0, d.lastLog.Load())) >= d.opt.QuietFor
	if n > d.opt.CompactMax || n > d.opt.CompactAt && quiet {
		return d.Snapshot()
	}
	return nil
}

// Snapshot writes every item to the snapshot file and empties the write log.
func (d *DB) Snapshot() error {
	if d.opt.Dir == "" || !d.dirty.Load() {
		return nil
	}
	// the log file is not written while the snapshot is taken and the file emptied: the lines
	// logged before the scan are in the snapshot, those after it stay in the buffer
	d.fileMu.Lock()
	defer d.fileMu.Unlock()
	d.mu.Lock() // no writes while the items are copied: only that part holds them back
	d.dirty.Store(false)
	pages, err := d.scanPages()
	var pending *bytes.Buffer
	if err == nil {
		d.walMu.Lock()
		pending = d.walBuf
		if d.walBuf != nil {
			d.walBuf = &bytes.Buffer{}
		}
		d.walMu.Unlock()
	}
	d.mu.Unlock()
	var items []json.RawMessage
	if err == nil {
		// an expired item left out here is deleted too; writes logged after the copy
		// follow the snapshot in the log, as they follow it in the table
		items, err = d.live(pages)
	}
	if err != nil {
		d.dirty.Store(true)
		d.restoreLines(pending)
		return fmt.Errorf("local dynamodb: snapshot: %w", err)
	}
	// on failure from here the lines go back to the log, which still needs them
	fail := func(err error) error {
		d.dirty.Store(true)
		d.restoreLines(pending)
		return fmt.Errorf("local dynamodb: save: %w", err)
	}
	data, err := json.Marshal(snapshot{Table: d.opt.Table, Saved: d.opt.Now().UTC(), Items: items})
	if err != nil {
		return fail(err)
	}
	tmp := d.path() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, d.path()); err != nil {
		return fail(err)
	}
	// the snapshot holds everything logged before its scan: start the log afresh
	if d.wal != nil {
		if err := d.wal.Truncate(0); err != nil {
			// the snapshot holds the taken lines; the file's older lines stay and would be
			// replayed over it, as before this snapshot
			return fmt.Errorf("local dynamodb: truncate write log: %w", err)
		}
		d.walMu.Lock()
		d.walN = int64(d.walBuf.Len())
		d.walMu.Unlock()
	}
	return nil
}

// restoreLines puts lines taken from the buffer for a snapshot that failed back in front of
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

func (d *DB) flusher() {
	defer close(d.done)
	t := time.NewTicker(d.opt.Flush)
	defer t.Stop()
	sweep := time.NewTicker(d.opt.SweepInterval)
	defer sweep.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			if err := d.Flush(); err != nil {
				d.opt.Log.Error("local dynamodb flush", "err", err)
			}
		case <-d.walKick:
			if err := d.Flush(); err != nil {
				d.opt.Log.Error("local dynamodb flush", "err", err)
			}
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
	ferr := d.Flush()
	if ferr == nil {
		ferr = d.Snapshot()
	}
	if d.wal != nil {
		_ = d.wal.Close()
	}
	return errors.Join(ferr, serr)
}
