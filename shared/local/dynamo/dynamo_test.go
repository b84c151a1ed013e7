package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/local/dynamo"
	"polysynergy/shared/store"
)

func put(t *testing.T, c *dynamodb.Client, table, pk string, expires int64) {
	t.Helper()
	item := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "x"}}
	if expires > 0 {
		item["expires_at"] = &types.AttributeValueMemberN{Value: itoa(expires)}
	}
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func has(t *testing.T, c *dynamodb.Client, table, pk string) bool {
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item != nil
}

func TestPersistsAcrossRestartsWithTTLAndReset(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	now := time.Now()
	db, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t", Flush: 20 * time.Millisecond, SweepInterval: 50 * time.Millisecond,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c := dynamo.NewClient(db.URL())
	put(t, c, "t", "keep", 0)
	put(t, c, "t", "expired", now.Add(-time.Minute).Unix())
	put(t, c, "t", "fresh", now.Add(time.Hour).Unix())
	time.Sleep(200 * time.Millisecond) // the flusher writes within its interval, without Close
	if !has(t, c, "t", "keep") || has(t, c, "t", "expired") {
		t.Fatal("TTL sweep: expired items go, others stay")
	}
	// a crash (no Close) loses at most the last interval: start a second server on the same files
	db2, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c2 := dynamo.NewClient(db2.URL())
	if !has(t, c2, "t", "keep") || !has(t, c2, "t", "fresh") {
		t.Fatal("data did not survive")
	}
	put(t, c2, "t", "later", 0)
	if err := db2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// the first server "crashed": it is never closed (the data-dir lock keeps two apart in use)
	db3, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if !has(t, dynamo.NewClient(db3.URL()), "t", "later") {
		t.Fatal("Close flushes")
	}
	_ = db3.Close(ctx)
	db4, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t", Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db4.Close(ctx)
	if has(t, dynamo.NewClient(db4.URL()), "t", "keep") {
		t.Fatal("reset starts empty")
	}
}

func TestInjectedFaultsReachTheStoreAsUnavailable(t *testing.T) {
	ctx := context.Background()
	db, err := dynamo.Start(ctx, dynamo.Options{Table: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	st := store.New(dynamo.NewClient(db.URL()), "t")
	db.SetFault(&dynamo.Fault{Kind: "throttle"})
	_, err = st.GetTenant(ctx, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("throttled: %v", err)
	}
	db.SetFault(nil)
	_, err = st.GetTenant(ctx, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after clearing: %v", err)
	}
}

// Writes from any client reach the write log as one line each, the SDK's compact bodies as
// they came and a client's pretty-printed ones compacted, and a crash replays both.
func TestWriteLogKeepsEveryBodyOnOneLine(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t", Flush: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	put(t, dynamo.NewClient(db.URL()), "t", "compact", 0)
	pretty := "{\n  \"TableName\": \"t\",\n  \"Item\": {\n    \"PK\": {\"S\": \"pretty\"},\n    \"SK\": {\"S\": \"x\"}\n  }\n}"
	req, _ := http.NewRequest(http.MethodPost, db.URL(), strings.NewReader(pretty))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("pretty put: %d", resp.StatusCode)
	}
	time.Sleep(100 * time.Millisecond) // flushed, never closed: a crash
	raw, err := os.ReadFile(filepath.Join(dir, "dynamodb.wal"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) < 2 {
		t.Fatalf("write log has %d lines: %q", len(lines), raw)
	}
	for _, l := range lines {
		var e struct {
			Op   string          `json:"op"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Op != "PutItem" || len(e.Body) == 0 {
			t.Fatalf("log line %q: %v", l, err)
		}
	}
	db2, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close(ctx)
	c2 := dynamo.NewClient(db2.URL())
	if !has(t, c2, "t", "compact") || !has(t, c2, "t", "pretty") {
		t.Fatal("replayed writes missing")
	}
}

// startKept starts a server keeping its data in dir, flushed only when asked (Flush, Snapshot),
// and closed when the test ends; a second one on the same dir reads what the files hold.
func startKept(t *testing.T, dir string) (*dynamo.DB, *dynamodb.Client) {
	t.Helper()
	db, err := dynamo.Start(context.Background(), dynamo.Options{Dir: dir, Table: "t", Flush: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db, dynamo.NewClient(db.URL())
}

// Writes made while snapshots are taken all survive a crash (a restart from the files
// without Close): each line is in the snapshot or stays in the write log, never dropped
// when the log is emptied.
func TestSnapshotsWhileWritingLoseNothing(t *testing.T) {
	dir := t.TempDir()
	db, c := startKept(t, dir)
	const n = 1500
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			put(t, c, "t", fmt.Sprintf("k%03d", i), 0)
		}
	}()
	// snapshots while the writer goes on; the writer outlasts the last one, so writes land
	// between its scan and the emptying of the log
	snapshots := 0
	for snapshots < 5 {
		if err := db.Snapshot(); err != nil {
			t.Fatal(err)
		}
		snapshots++
		time.Sleep(5 * time.Millisecond)
	}
	<-done
	if err := db.Flush(); err != nil { // what the flusher does every second
		t.Fatal(err)
	}
	// a crash: the files as they are, the first server never closed
	_, c2 := startKept(t, dir)
	var missing []string
	for i := range n {
		if k := fmt.Sprintf("k%03d", i); !has(t, c2, "t", k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d writes lost across %d snapshots: %v", len(missing), n, snapshots, missing)
	}
}

// Writes to one item from many clients at once reach the log in the order the table applied
// them, whatever else is written meanwhile: a replay of the log (after a crash, without a
// snapshot) rebuilds the same item. Writes of every kind take part: PutItem, UpdateItem,
// BatchWriteItem and TransactWriteItems, with one item they all touch.
func TestConcurrentWritesToOneItemReplayInOrder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, c := startKept(t, dir)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	hot := map[string]types.AttributeValue{"PK": s("hot"), "SK": s("x")}
	const writers, each = 6, 60
	errs := make(chan error, writers)
	for g := range writers {
		go func() {
			var err error
			for i := range each {
				me := fmt.Sprintf("w%d-%03d", g, i)
				switch i % 4 {
				case 0:
					_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"),
						Item: map[string]types.AttributeValue{"PK": s("hot"), "SK": s("x"), "last": s(me)}})
				case 1:
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: hot,
						UpdateExpression: aws.String("SET #l = :me"), ExpressionAttributeNames: map[string]string{"#l": "last"},
						ExpressionAttributeValues: map[string]types.AttributeValue{":me": s(me)}})
				case 2:
					_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {
						{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"PK": s("hot"), "SK": s("x"), "last": s(me)}}},
						{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"PK": s("other-" + me), "SK": s("x")}}},
					}}})
				case 3:
					_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": s("side-" + me), "SK": s("x")}}},
						{Update: &types.Update{TableName: aws.String("t"), Key: hot, UpdateExpression: aws.String("SET #l = :me"),
							ExpressionAttributeNames: map[string]string{"#l": "last"}, ExpressionAttributeValues: map[string]types.AttributeValue{":me": s(me)}}},
					}})
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	last := func(c *dynamodb.Client) string {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: hot, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := out.Item["last"].(*types.AttributeValueMemberS)
		if v == nil {
			t.Fatalf("the hot item has no last: %v", out.Item)
		}
		return v.Value
	}
	want := last(c)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	// a crash: the log as it is, no snapshot, the first server never closed
	_, c2 := startKept(t, dir)
	if got := last(c2); got != want {
		t.Fatalf("after a replay the hot item's last write is %q; the table had %q", got, want)
	}
	if !has(t, c2, "t", "other-w0-002") || !has(t, c2, "t", "side-w1-003") {
		t.Fatal("items written beside the hot one are missing after the replay")
	}
}

// The write log becomes a snapshot at a pause in the writes once it has passed CompactAt,
// and while writes go on only once it has passed CompactMax; what it held is kept either way.
func TestLogCompactsAtAPauseOrOnceLarge(t *testing.T) {
	ctx := context.Background()
	start := func(dir string, quiet time.Duration) (*dynamo.DB, *dynamodb.Client) {
		t.Helper()
		db, err := dynamo.Start(ctx, dynamo.Options{Dir: dir, Table: "t", Flush: time.Hour, CompactAt: 4 << 10, CompactMax: 64 << 10, QuietFor: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close(ctx) })
		return db, dynamo.NewClient(db.URL())
	}
	size := func(path string) int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			return -1
		}
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	flush := func(db *dynamo.DB) {
		t.Helper()
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}

	// writes that never pause: past CompactAt the log only grows; past CompactMax it is compacted
	busy := t.TempDir()
	db, c := start(busy, time.Hour)
	for i := range 60 {
		put(t, c, "t", fmt.Sprintf("busy%03d", i), 0)
	}
	flush(db)
	if wal := size(filepath.Join(busy, "dynamodb.wal")); wal <= 4<<10 || size(filepath.Join(busy, dynamo.SnapshotFile)) != -1 {
		t.Fatalf("log of %d bytes, past CompactAt while writes go on, was compacted", wal)
	}
	i := 60
	for size(filepath.Join(busy, dynamo.SnapshotFile)) == -1 {
		if wal := size(filepath.Join(busy, "dynamodb.wal")); wal > 64<<10 {
			t.Fatalf("log of %d bytes, past CompactMax, was not compacted", wal)
		}
		for range 50 {
			put(t, c, "t", fmt.Sprintf("busy%03d", i), 0)
			i++
		}
		flush(db)
	}
	if wal := size(filepath.Join(busy, "dynamodb.wal")); wal != 0 {
		t.Fatalf("past CompactMax: the log still holds %d bytes after the snapshot", wal)
	}

	// a pause: past CompactAt the log is compacted at the next flush
	calm := t.TempDir()
	db, c = start(calm, 20*time.Millisecond)
	for i := range 60 {
		put(t, c, "t", fmt.Sprintf("calm%03d", i), 0)
	}
	time.Sleep(100 * time.Millisecond)
	flush(db)
	if wal, snap := size(filepath.Join(calm, "dynamodb.wal")), size(filepath.Join(calm, dynamo.SnapshotFile)); wal != 0 || snap <= 0 {
		t.Fatalf("after a pause: log of %d bytes and snapshot of %d, want the log compacted into the snapshot", wal, snap)
	}

	// both hold every write after a crash (the servers above are never closed before this)
	for dir, keys := range map[string]int{busy: i, calm: 60} {
		_, c := startKept(t, dir)
		prefix := "busy"
		if dir == calm {
			prefix = "calm"
		}
		for k := range keys {
			if key := fmt.Sprintf("%s%03d", prefix, k); !has(t, c, "t", key) {
				t.Fatalf("%s lost", key)
			}
		}
	}
}
