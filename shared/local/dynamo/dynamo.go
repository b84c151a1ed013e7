// Package dynamo runs the local cloud's DynamoDB: the embedded DynamoDB-compatible server
// (github.com/truora/minidyn) on loopback, with the store's table, data kept under the data
// dir across restarts (written at most a second after a change, and on close), DynamoDB's TTL
// emulated, and failures injectable for fault tests.
package dynamo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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
	"github.com/valyala/fastjson"

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
	// A snapshot holds no write back (see persist.go), but it reads and writes the whole
	// snapshot file, work in proportion to the table, so a busy server does not spend it
	// every few seconds; a replay after a crash reads at most CompactMax of log (defaults
	// 32 MB, 250 ms, 128 MB).
	CompactAt, CompactMax int64
	QuietFor              time.Duration
	Now                   func() time.Time
	Log                   *slog.Logger
}

// DB is a running local DynamoDB.
type DB struct {
	opt   Options
	srv   *server.Server
	guard *IndexGuard // every request goes through it to srv
	http  *http.Server
	ln    net.Listener
	url   string
	keys  *keyLocks  // orders the writes to each item with their log lines
	walMu sync.Mutex // guards walBuf and walN
	// walBuf collects log lines in memory: a write never waits for the file system. The
	// flusher hands them to the file (fileMu held) within Flush's interval, or sooner once
	// walKick says the buffer has grown large.
	walBuf  *bytes.Buffer
	walFree *bytes.Buffer // the buffer written last, emptied for the next swap (fileMu held)
	walN    int64         // bytes logged since the last snapshot
	lastLog atomic.Int64  // when the last write was logged (Unix nanoseconds)
	walKick chan struct{}
	fileMu  sync.Mutex // the log file: its writes, syncs and the cut that starts a new one
	wal     *os.File
	snapMu  sync.Mutex     // one snapshot at a time
	bg      sync.WaitGroup // a snapshot the flusher started
	busy    atomic.Bool    // that snapshot is under way
	fault   atomic.Pointer[Fault]
	exp     *expiries    // items by expiry, for the sweep (nil without a data dir: it scans)
	scans   atomic.Int64 // Scans of the whole table (tests)
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
	srv := server.NewServer()
	d := &DB{opt: opt, srv: srv, guard: NewIndexGuard(srv, opt.Log), keys: newKeyLocks(schema.PartitionKey.Name, schema.SortKey.Name),
		stop: make(chan struct{}), done: make(chan struct{}), walKick: make(chan struct{}, 1)}
	if opt.Dir != "" {
		d.exp = newExpiries()
	}
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
		// the writes to an item are applied and logged one at a time, so a replay applies
		// them in order; writes to other items go on meanwhile
		defer d.keys.lock(body)()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		d.guard.ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			// what the write left (read while its items are still locked), not the request:
			// see logState
			line, err := d.stateLine(op, body)
			if err != nil {
				d.opt.Log.Error("local dynamodb: log write", "op", op, "err", err)
				return
			}
			d.walMu.Lock()
			d.logLine(line)
			d.walMu.Unlock()
		}
		return
	}
	d.guard.ServeHTTP(w, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// walFile is the log of writes since the last snapshot; walCut is the log a snapshot is
// being made of (the writes before its cut).
const (
	walFile = "dynamodb.wal"
	walCut  = "dynamodb.wal.cut"
)

// logLine appends a write's line to the log (flushed to disk within Flush's interval).
func (d *DB) logLine(line []byte) {
	if d.walBuf == nil || line == nil {
		return
	}
	d.walBuf.Write(line)
	d.walN += int64(len(line))
	d.lastLog.Store(time.Now().UnixNano())
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

// call sends one DynamoDB JSON request straight to the embedded server (through the guard).
func (d *DB) call(op string, body any) ([]byte, error) { return callJSON(d.guard, op, body) }

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
	var p fastjson.Parser
	for _, it := range snap.Items {
		d.noteItem(&p, d.opt.Table, it, nil)
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

// scanPages reads every item as the embedded server answers Scan: one response per page.
// The embedded server holds every request back while it answers a Scan: only the expiry
// sweep and a start that found a write log scan the table.
func (d *DB) scanPages() ([][]byte, error) {
	d.scans.Add(1)
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

// sweep deletes the items whose expires_at has passed: those the index holds, or without a
// data dir (no index) those a Scan finds, which holds every request back while it copies the
// table.
func (d *DB) sweep() error {
	if d.exp != nil {
		return d.sweepIndexed()
	}
	pages, err := d.scanPages()
	if err != nil {
		return err
	}
	_, err = d.live(pages)
	return err
}
