package store_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/store"
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
