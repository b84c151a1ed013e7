package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store/storetest"
)

// TestManyLargeReads guards the client against the request-body close race
// described on store.OwnedBodyTransport: hundreds of 80 KB reads in a row.
func TestManyLargeReads(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	k := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "b"}}
	doc := strings.Repeat("x", 80000)
	it := map[string]types.AttributeValue{"PK": k["PK"], "SK": k["SK"], "doc": &types.AttributeValueMemberS{Value: doc}}
	if _, err := env.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(env.Table), Item: it}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		out, err := env.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(env.Table), Key: k})
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got := out.Item["doc"].(*types.AttributeValueMemberS).Value; got != doc {
			t.Fatalf("read %d returned %d bytes", i, len(got))
		}
	}
}
