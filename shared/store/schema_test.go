package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func TestTableSchema(t *testing.T) {
	sc := store.TableSchema()
	if sc.PartitionKey != (store.Attribute{Name: "PK", Type: "S"}) || sc.SortKey != (store.Attribute{Name: "SK", Type: "S"}) {
		t.Fatalf("keys = %+v %+v", sc.PartitionKey, sc.SortKey)
	}
	if sc.TTLAttribute != "expires_at" || sc.BillingMode != "PAY_PER_REQUEST" || !sc.PointInTimeRecovery {
		t.Fatalf("schema = %+v", sc)
	}
	want := map[string][2]string{"GSI1": {"GSI1PK", "GSI1SK"}, "GSI2": {"GSI2PK", "GSI2SK"}}
	if len(sc.Indexes) != len(want) {
		t.Fatalf("indexes = %+v", sc.Indexes)
	}
	for _, ix := range sc.Indexes {
		w, ok := want[ix.Name]
		if !ok || ix.PartitionKey.Name != w[0] || ix.SortKey.Name != w[1] || ix.Projection != "ALL" {
			t.Fatalf("index %+v", ix)
		}
	}
	in := sc.CreateTableInput("orders")
	if aws.ToString(in.TableName) != "orders" || len(in.AttributeDefinitions) != 6 || len(in.GlobalSecondaryIndexes) != 2 ||
		in.BillingMode != "PAY_PER_REQUEST" || len(in.KeySchema) != 2 || aws.ToString(in.KeySchema[0].AttributeName) != "PK" {
		t.Fatalf("CreateTableInput = %+v", in)
	}
	for _, g := range in.GlobalSecondaryIndexes {
		if g.Projection == nil || g.Projection.ProjectionType != "ALL" {
			t.Fatalf("index %s projection %+v", aws.ToString(g.IndexName), g.Projection)
		}
	}
}

func TestEnsureTableAndDeleteTable(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	c := env.Client

	// the table exists with the schema's shape: EnsureTable accepts it and keeps its items
	tenant, err := env.Store.CreateTenant(ctx, store.CreateTenantInput{Name: "One", OwnerSub: "u1", OwnerEmail: "u1@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureTable(ctx, c, env.Table); err != nil {
		t.Fatalf("EnsureTable on the existing table: %v", err)
	}
	if _, err := env.Store.GetTenant(ctx, tenant.ID); err != nil {
		t.Fatalf("the existing table lost its items: %v", err)
	}

	// a missing table is created
	if err := store.EnsureTable(ctx, c, "fresh"); err != nil {
		t.Fatalf("EnsureTable on a missing table: %v", err)
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("fresh")})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.TableSchema().Check(out.Table); err != nil {
		t.Fatalf("the created table does not match the schema: %v", err)
	}

	// deleting removes the table and its items; deleting again is not an error
	if err := store.DeleteTable(ctx, c, env.Table); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	var missing *types.ResourceNotFoundException
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(env.Table)}); !errors.As(err, &missing) {
		t.Fatalf("the deleted table is still described: %v", err)
	}
	if err := store.DeleteTable(ctx, c, env.Table); err != nil {
		t.Fatalf("DeleteTable of a missing table: %v", err)
	}
	if err := store.EnsureTable(ctx, c, env.Table); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.GetTenant(ctx, tenant.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a recreated table still has the old items: %v", err)
	}

	// a table of another shape is refused, naming what differs
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("other"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}})
	if err != nil {
		t.Fatal(err)
	}
	err = store.EnsureTable(ctx, c, "other")
	if err == nil {
		t.Fatal("EnsureTable accepted a table of another shape")
	}
	for _, want := range []string{`table "other" exists with another shape`, "its key is id (HASH), want PK (HASH), SK (RANGE)",
		`no global secondary index "GSI1"`, `no global secondary index "GSI2"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestSchemaCheck(t *testing.T) {
	sc := store.TableSchema()
	in := sc.CreateTableInput("t")
	good := &types.TableDescription{KeySchema: in.KeySchema}
	for _, ix := range in.GlobalSecondaryIndexes {
		good.GlobalSecondaryIndexes = append(good.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{IndexName: ix.IndexName, KeySchema: ix.KeySchema})
	}
	// an index the schema does not have is the table's own business
	good.GlobalSecondaryIndexes = append(good.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{IndexName: aws.String("extra"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("x"), KeyType: types.KeyTypeHash}}})
	if err := sc.Check(good); err != nil {
		t.Fatalf("Check(matching table) = %v", err)
	}
	swapped := *good
	swapped.GlobalSecondaryIndexes = append([]types.GlobalSecondaryIndexDescription(nil), good.GlobalSecondaryIndexes...)
	swapped.GlobalSecondaryIndexes[0].KeySchema = []types.KeySchemaElement{{AttributeName: aws.String("GSI1SK"), KeyType: types.KeyTypeHash}}
	if err := sc.Check(&swapped); err == nil || !strings.Contains(err.Error(), `index "GSI1" has the key GSI1SK (HASH), want GSI1PK (HASH), GSI1SK (RANGE)`) {
		t.Fatalf("Check(index with another key) = %v", err)
	}
	if err := sc.Check(nil); err == nil {
		t.Fatal("Check(nil) = nil")
	}
}
