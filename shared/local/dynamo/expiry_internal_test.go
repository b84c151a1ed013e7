package dynamo

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// An item read as expired but written again (with a new expiry) before the expiry pass
// deletes it stays: the pass works on a copy taken earlier, while writes went on.
func TestExpiryKeepsAnItemWrittenAgainSinceItWasRead(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	db, err := Start(ctx, Options{Table: "t", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(ctx) })
	c := NewClient(db.URL())
	put := func(pk string, expires time.Time) {
		t.Helper()
		item := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "x"},
			"expires_at": &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)}}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(pk string) bool {
		t.Helper()
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: "x"}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item != nil
	}
	put("stale", now.Add(-time.Minute))
	put("renewed", now.Add(-time.Minute))
	put("fresh", now.Add(time.Hour))
	pages, err := db.scanPages()
	if err != nil {
		t.Fatal(err)
	}
	put("renewed", now.Add(time.Hour)) // written while the pass works on its copy
	items, err := db.live(pages)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, it := range items {
		var a struct {
			PK struct{ S string } `json:"PK"`
		}
		if err := json.Unmarshal(it, &a); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, a.PK.S)
	}
	if len(kept) != 1 || kept[0] != "fresh" {
		t.Errorf("live items of the copy = %v, want [fresh]", kept)
	}
	if exists("stale") {
		t.Error("an expired item was not deleted")
	}
	if !exists("renewed") {
		t.Error("an item written again with a new expiry was deleted with its old expiry")
	}
	if !exists("fresh") {
		t.Error("an item that has not expired was deleted")
	}
}
