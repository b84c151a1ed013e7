package dynamo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func keyOf(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": sv(pk), "SK": sv("x")}
}

// kept starts a server on dir whose log reaches the disk only when asked (Flush), and
// which the test may leave running as if it had crashed.
func kept(t *testing.T, dir string) (*DB, *dynamodb.Client) {
	t.Helper()
	db, err := Start(context.Background(), Options{Dir: dir, Table: "t", Flush: time.Hour, SweepInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db, NewClient(db.URL())
}

// state reads what the test's items hold: each present item's "v" or counter "n".
func state(t *testing.T, c *dynamodb.Client, keys ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range keys {
		got, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: keyOf(k), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Item == nil:
			out[k] = "-"
		case got.Item["n"] != nil:
			out[k] = "n=" + got.Item["n"].(*types.AttributeValueMemberN).Value
		case got.Item["v"] != nil:
			out[k] = got.Item["v"].(*types.AttributeValueMemberS).Value
		default:
			out[k] = "?"
		}
	}
	return out
}

// writeAll makes writes of every kind: puts, a counter added to (which a replay of the
// request would add to again), an update, a delete, a batch and a transaction.
func writeAll(t *testing.T, c *dynamodb.Client, round int) {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	r := fmt.Sprint(round)
	must(c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": sv("put"), "SK": sv("x"), "v": sv("put" + r)}}))
	must(c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: keyOf("counter"), UpdateExpression: aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}))
	must(c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: keyOf("upd"), UpdateExpression: aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": sv("upd" + r)}}))
	must(c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": sv("gone"), "SK": sv("x"), "v": sv("here")}}))
	must(c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: keyOf("gone")}))
	must(c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"PK": sv("batch" + r), "SK": sv("x"), "v": sv("b")}}},
		{DeleteRequest: &types.DeleteRequest{Key: keyOf("tx-gone")}},
	}}}))
	must(c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": sv("tx-gone"), "SK": sv("x"), "v": sv("tx")}}},
		{Update: &types.Update{TableName: aws.String("t"), Key: keyOf("tx-counter"), UpdateExpression: aws.String("ADD n :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
	}}))
}

var testKeys = []string{"put", "counter", "upd", "gone", "batch0", "batch1", "batch2", "tx-gone", "tx-counter"}

// Writes of every kind survive a restart after Close, and a crash (no Close) after they
// were flushed, with snapshots taken between them: the table holds the same items, counters
// included (the log holds each write's result, so replaying it over a snapshot that already
// holds it adds nothing).
func TestRestartFindsEveryWrite(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash=%v", crash), func(t *testing.T) {
			dir := t.TempDir()
			db, c := kept(t, dir)
			writeAll(t, c, 0)
			if err := db.Snapshot(); err != nil {
				t.Fatal(err)
			}
			writeAll(t, c, 1)
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
			writeAll(t, c, 2)
			want := state(t, c, testKeys...)
			if want["counter"] != "n=3" || want["tx-counter"] != "n=3" || want["gone"] != "-" {
				t.Fatalf("before the restart: %v", want)
			}
			if crash {
				if err := db.Flush(); err != nil {
					t.Fatal(err)
				}
			} else if err := db.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, c2 := kept(t, dir)
			if got := state(t, c2, testKeys...); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("after the restart:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// A crash loses only the writes not flushed yet (at most Flush's interval of them): what was
// flushed before and after a snapshot is found, what came after the last flush is not.
func TestCrashLosesOnlyWhatWasNotFlushed(t *testing.T) {
	dir := t.TempDir()
	db, c := kept(t, dir)
	ctx := context.Background()
	put := func(pk string) {
		t.Helper()
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": sv(pk), "SK": sv("x"), "v": sv(pk)}}); err != nil {
			t.Fatal(err)
		}
	}
	put("before-snapshot")
	if err := db.Snapshot(); err != nil {
		t.Fatal(err)
	}
	put("after-snapshot")
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	put("not-flushed")
	// the crash: the files as they are, the server never closed
	_, c2 := kept(t, dir)
	got := state(t, c2, "before-snapshot", "after-snapshot", "not-flushed")
	if want := fmt.Sprint(map[string]string{"before-snapshot": "before-snapshot", "after-snapshot": "after-snapshot", "not-flushed": "-"}); fmt.Sprint(got) != want {
		t.Fatalf("after the crash %v, want %v", got, want)
	}
}

// A snapshot cut short by a crash loses nothing: cut off after the log was cut (its lines
// in walCut) with a half-written snapshot file beside the previous one, or after the new
// snapshot replaced the old one but before walCut was removed (its lines are then replayed
// over a snapshot that holds them: counters do not count twice).
func TestSnapshotCutShortLosesNothing(t *testing.T) {
	for _, stage := range []string{"half-written", "not-cleaned-up"} {
		t.Run(stage, func(t *testing.T) {
			dir := t.TempDir()
			db, c := kept(t, dir)
			writeAll(t, c, 0)
			if err := db.Snapshot(); err != nil {
				t.Fatal(err)
			}
			writeAll(t, c, 1)
			want := state(t, c, testKeys...)
			if err := db.cut(); err != nil {
				t.Fatal(err)
			}
			switch stage {
			case "half-written":
				if err := os.WriteFile(db.path()+".tmp", []byte(`{"table":"t","items":[{"PK":{"S":"ha`), 0o600); err != nil {
					t.Fatal(err)
				}
			case "not-cleaned-up":
				f, err := os.Open(filepath.Join(dir, walCut))
				if err != nil {
					t.Fatal(err)
				}
				items, err := db.merge(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if err := db.writeSnapshot(items); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, walCut)); err != nil {
				t.Fatalf("the cut log: %v", err)
			}
			_, c2 := kept(t, dir)
			if got := state(t, c2, testKeys...); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("after the crash:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// Writes go on while a snapshot is made: one sent after the log was cut, before the merge,
// is answered before the snapshot ends (the snapshot under the store's lock held it until
// then), and is kept.
func TestWritesGoOnDuringASnapshot(t *testing.T) {
	dir := t.TempDir()
	db, c := kept(t, dir)
	writeAll(t, c, 0)
	var werr error
	wrote := false
	afterCut = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, werr = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"PK": sv("during"), "SK": sv("x"), "v": sv("during")}})
		wrote = true
	}
	t.Cleanup(func() { afterCut = nil })
	if err := db.Snapshot(); err != nil {
		t.Fatal(err)
	}
	afterCut = nil
	if !wrote || werr != nil {
		t.Fatalf("a write during the snapshot: wrote %v, %v", wrote, werr)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	_, c2 := kept(t, dir)
	if got := state(t, c2, "during", "put"); got["during"] != "during" || got["put"] != "put0" {
		t.Fatalf("after a crash: %v", got)
	}
}

// BenchmarkSnapshotCut times the part of a snapshot that shares a lock with the writes: the
// cut of the log (writes wait for its buffer swap, nothing else). It is measured on tables of
// growing size with the same writes since the last snapshot each time; the merge that follows
// (which takes no lock a write needs) is left out of the timing.
func BenchmarkSnapshotCut(b *testing.B) {
	for _, n := range []int{2000, 20000, 80000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db, err := Start(ctx, Options{Dir: b.TempDir(), Table: "t", Flush: time.Hour, SweepInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close(ctx)
			c := NewClient(db.URL())
			batch := func(prefix string, count int) {
				for i := 0; i < count; i += 25 {
					var reqs []types.WriteRequest
					for j := i; j < min(i+25, count); j++ {
						reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
							"PK": sv(fmt.Sprintf("%s%07d", prefix, j)), "SK": sv("x"), "data": sv(fmt.Sprintf("%0256d", j))}}})
					}
					if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": reqs}}); err != nil {
						b.Fatal(err)
					}
				}
			}
			batch("item", n)
			if err := db.Snapshot(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				batch(fmt.Sprintf("w%d-", i), 50)
				b.StartTimer()
				if err := db.cut(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := db.Snapshot(); err != nil { // the merge of what was cut
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// With a data dir the expiry sweep deletes what has expired without a Scan (which holds
// every request back while it copies the table): from an index of the items' expiries kept
// from the write log's states and from what a start restores. An item written again with a
// later expiry, and one deleted, are not touched; one without expires_at stays.
func TestSweepDeletesExpiredItemsWithoutAScan(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(1_000_000)
	start := func() (*DB, *dynamodb.Client) {
		t.Helper()
		db, err := Start(ctx, Options{Dir: dir, Table: "t", Flush: time.Hour, SweepInterval: time.Hour,
			Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close(ctx) })
		return db, NewClient(db.URL())
	}
	db, c := start()
	put := func(pk string, expires int64) {
		t.Helper()
		item := map[string]types.AttributeValue{"PK": sv(pk), "SK": sv("x"), "v": sv(pk)}
		if expires > 0 {
			item["expires_at"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)}
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	put("expires", 1_000_010)
	put("renewed", 1_000_010)
	put("deleted", 1_000_010)
	put("kept", 0)
	put("restored", 1_000_060)
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: keyOf("renewed"), UpdateExpression: aws.String("SET expires_at = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberN{Value: "1000100"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: keyOf("deleted")}); err != nil {
		t.Fatal(err)
	}
	clock.Store(1_000_050)
	scans := db.scans.Load()
	if err := db.sweep(); err != nil {
		t.Fatal(err)
	}
	if n := db.scans.Load() - scans; n != 0 {
		t.Errorf("the sweep scanned the table %d times", n)
	}
	keys := []string{"expires", "renewed", "deleted", "kept", "restored"}
	want := map[string]string{"expires": "-", "renewed": "renewed", "deleted": "-", "kept": "kept", "restored": "restored"}
	if got := state(t, c, keys...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the sweep %v, want %v", got, want)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// restored from the snapshot, then expired: the next start's index has it
	clock.Store(1_000_070)
	db2, c2 := start()
	scans = db2.scans.Load()
	if err := db2.sweep(); err != nil {
		t.Fatal(err)
	}
	if n := db2.scans.Load() - scans; n != 0 {
		t.Errorf("the sweep after a restart scanned the table %d times", n)
	}
	want["restored"] = "-"
	if got := state(t, c2, keys...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after a restart and a sweep %v, want %v", got, want)
	}
}

// A data dir written by an earlier version, whose log holds the requests (an UpdateItem that
// adds to a counter, say) rather than states, is read as before: the requests are replayed
// once over its snapshot, which is then written anew from the table and the log emptied, so a
// later replay never applies them again.
func TestEarlierRequestLogIsReplayedOnce(t *testing.T) {
	dir := t.TempDir()
	db, c := kept(t, dir)
	writeAll(t, c, 0)
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := `{"op":"UpdateItem","body":{"TableName":"t","Key":{"PK":{"S":"counter"},"SK":{"S":"x"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}
{"op":"PutItem","body":{"TableName":"t","Item":{"PK":{"S":"put"},"SK":{"S":"x"},"v":{"S":"legacy"}}}}
`
	if err := os.WriteFile(filepath.Join(dir, walFile), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second start finds the log emptied: the counter is not added to again
		db, c := kept(t, dir)
		if got := state(t, c, "counter", "put"); got["counter"] != "n=2" || got["put"] != "legacy" {
			t.Fatalf("after replaying the earlier log: %v", got)
		}
		if err := db.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
