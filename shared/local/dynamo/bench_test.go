package dynamo_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/local/dynamo"
)

// fill writes n items of about 300 bytes in batches of 25.
func fill(b *testing.B, c *dynamodb.Client, n int) { fillFrom(b, c, "item", n) }

// fillFrom writes n items whose keys start with prefix.
func fillFrom(b *testing.B, c *dynamodb.Client, prefix string, n int) {
	b.Helper()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	pad := fmt.Sprintf("%0256d", 0)
	for i := 0; i < n; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < min(i+25, n); j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"PK": s(fmt.Sprintf("%s%07d", prefix, j)), "SK": s("x"), "data": s(pad)}}})
		}
		if _, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{"t": reqs}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshotHoldsWritesBack measures how long writes wait while a snapshot is taken,
// for tables of growing size: each iteration writes a little (so there is something to
// save), then takes a snapshot while another client keeps writing, and records the slowest
// of those writes. Reported: snapshot-ms (the snapshot's own time, which grows with the
// table) and max-write-ms / p99-write-ms (what a request felt meanwhile, which should not).
func BenchmarkSnapshotHoldsWritesBack(b *testing.B) {
	for _, n := range []int{2000, 20000, 80000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db, err := dynamo.Start(ctx, dynamo.Options{Dir: b.TempDir(), Table: "t", Flush: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close(ctx)
			c := dynamo.NewClient(db.URL())
			fill(b, c, n)
			if err := db.Snapshot(); err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			var snap time.Duration
			b.ResetTimer()
			for i := range b.N {
				fillFrom(b, c, fmt.Sprintf("w%d-", i), 50)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := 0; ; k++ {
						select {
						case <-stop:
							return
						default:
						}
						t0 := time.Now()
						if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
							"PK": &types.AttributeValueMemberS{Value: fmt.Sprintf("during%d-%d", i, k)}, "SK": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
							b.Error(err)
							return
						}
						lat = append(lat, time.Since(t0))
					}
				}()
				time.Sleep(2 * time.Millisecond)
				t0 := time.Now()
				if err := db.Snapshot(); err != nil {
					b.Fatal(err)
				}
				snap += time.Since(t0)
				time.Sleep(2 * time.Millisecond)
				close(stop)
				wg.Wait()
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-write-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-write-ms")
			}
			b.ReportMetric(float64(snap.Microseconds())/1000/float64(b.N), "snapshot-ms")
		})
	}
}
