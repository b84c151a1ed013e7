package dynamo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/local/dynamo"
)

// A put that leaves an item without the index keys it had, and the item's deletion after
// it, take the item out of the index without a trace: a Query of the index still lists every
// other item (the embedded server kept a stale entry that made it skip the items after it).
func TestDroppedIndexKeysLeaveNoStaleEntry(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	key := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"PK": s(id), "SK": s("x")}
	}
	bare := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"PK": s(id), "SK": s("x"), "note": s("no index keys")}
	}
	drops := map[string]func(ctx context.Context, c *dynamodb.Client, table, id string) error{
		"PutItem": func(ctx context.Context, c *dynamodb.Client, table, id string) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: bare(id)})
			return err
		},
		"TransactWriteItems Put": func(ctx context.Context, c *dynamodb.Client, table, id string) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: bare(id), ConditionExpression: aws.String("attribute_exists(PK)")}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key("X2"), ConditionExpression: aws.String("attribute_exists(PK)")}},
			}})
			return err
		},
		"BatchWriteItem": func(ctx context.Context, c *dynamodb.Client, table, id string) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				table: {{PutRequest: &types.PutRequest{Item: bare(id)}}}}})
			return err
		},
	}
	for name, drop := range drops {
		for _, kept := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "", true: " kept"}[kept], func(t *testing.T) {
				ctx := context.Background()
				opt := dynamo.Options{Table: "t"}
				if kept {
					opt.Dir = t.TempDir()
				}
				db, err := dynamo.Start(ctx, opt)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close(context.Background()) })
				c := dynamo.NewClient(db.URL())
				ids := []string{"X1", "X2", "X3", "X4", "X5"}
				for _, id := range ids {
					it := key(id)
					it["GSI2PK"], it["GSI2SK"] = s("SCHED"), s(id)
					if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
						t.Fatal(err)
					}
				}
				if err := drop(ctx, c, "t", "X1"); err != nil {
					t.Fatalf("drop the index keys: %v", err)
				}
				if got := queryIDs(t, c); !slices.Equal(got, ids[1:]) {
					t.Fatalf("index after the write = %v, want %v", got, ids[1:])
				}
				if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("X1")}); err != nil {
					t.Fatal(err)
				}
				if got := queryIDs(t, c); !slices.Equal(got, ids[1:]) {
					t.Fatalf("index after the delete = %v, want %v", got, ids[1:])
				}
				// the index goes on working: an item put into it again is listed in its place
				it := key("X1")
				it["GSI2PK"], it["GSI2SK"] = s("SCHED"), s("X1")
				if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
					t.Fatal(err)
				}
				if got := queryIDs(t, c); !slices.Equal(got, ids) {
					t.Fatalf("index after putting X1 back = %v, want %v", got, ids)
				}
			})
		}
	}
}

func queryIDs(t *testing.T, c *dynamodb.Client) []string {
	t.Helper()
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("GSI2"),
		KeyConditionExpression:    aws.String("GSI2PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "SCHED"}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range out.Items {
		ids = append(ids, it["PK"].(*types.AttributeValueMemberS).Value)
	}
	return ids
}
