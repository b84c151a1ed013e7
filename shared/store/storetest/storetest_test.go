package storetest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func TestNewCreatesTable(t *testing.T) {
	s, c := storetest.New(t)
	out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(s.Table())})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if got := len(out.Table.GlobalSecondaryIndexes); got != len(store.TableSchema().Indexes) {
		t.Fatalf("indexes = %d, want %d", got, len(store.TableSchema().Indexes))
	}
	if err := store.CreateTable(context.Background(), c, s.Table()); err == nil {
		t.Fatal("creating the table twice: want an error")
	}
}
