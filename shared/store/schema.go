package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Attribute is a key attribute: its name and DynamoDB scalar type ("S").
type Attribute struct {
	Name string
	Type string
}

// GlobalIndex is a global secondary index of the table.
type GlobalIndex struct {
	Name         string
	PartitionKey Attribute
	SortKey      Attribute
	// Projection is "ALL" for every index.
	Projection string
}

// Schema is the table definition, independent of the table's name. The CDK
// stack and the local cloud both build the table from this value.
type Schema struct {
	PartitionKey Attribute
	SortKey      Attribute
	Indexes      []GlobalIndex
	// TTLAttribute holds epoch seconds after which DynamoDB deletes the item.
	TTLAttribute string
	// BillingMode is "PAY_PER_REQUEST" (on demand).
	BillingMode string
	// PointInTimeRecovery is enabled on deployed tables.
	PointInTimeRecovery bool
}

// TableSchema returns the table's schema.
func TableSchema() Schema {
	s := func(name string) Attribute { return Attribute{Name: name, Type: "S"} }
	return Schema{
		PartitionKey: s(attrPK),
		SortKey:      s(attrSK),
		Indexes: []GlobalIndex{
			{Name: IndexGSI1, PartitionKey: s(attrGSI1PK), SortKey: s(attrGSI1SK), Projection: "ALL"},
			{Name: IndexGSI2, PartitionKey: s(attrGSI2PK), SortKey: s(attrGSI2SK), Projection: "ALL"},
		},
		TTLAttribute:        attrTTL,
		BillingMode:         string(types.BillingModePayPerRequest),
		PointInTimeRecovery: true,
	}
}

// AttributeDefinitions lists every key attribute of the table and its indexes.
func (sc Schema) AttributeDefinitions() []types.AttributeDefinition {
	defs := []types.AttributeDefinition{
		{AttributeName: aws.String(sc.PartitionKey.Name), AttributeType: types.ScalarAttributeType(sc.PartitionKey.Type)},
		{AttributeName: aws.String(sc.SortKey.Name), AttributeType: types.ScalarAttributeType(sc.SortKey.Type)},
	}
	for _, ix := range sc.Indexes {
		defs = append(defs,
			types.AttributeDefinition{AttributeName: aws.String(ix.PartitionKey.Name), AttributeType: types.ScalarAttributeType(ix.PartitionKey.Type)},
			types.AttributeDefinition{AttributeName: aws.String(ix.SortKey.Name), AttributeType: types.ScalarAttributeType(ix.SortKey.Type)},
		)
	}
	return defs
}

// CreateTableInput returns the CreateTable request for a table of this schema.
func (sc Schema) CreateTableInput(table string) *dynamodb.CreateTableInput {
	ks := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: sc.AttributeDefinitions(),
		KeySchema:            ks(sc.PartitionKey.Name, sc.SortKey.Name),
		BillingMode:          types.BillingMode(sc.BillingMode),
	}
	for _, ix := range sc.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  ks(ix.PartitionKey.Name, ix.SortKey.Name),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(ix.Projection)},
		})
	}
	return in
}

// TableAdmin is the part of the DynamoDB client CreateTable needs.
type TableAdmin interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// CreateTable creates the table from TableSchema, waits until it is active
// and enables TTL on expires_at. An endpoint that does not implement TTL (the
// embedded server) is tolerated (logged at debug level); deployed tables get TTL and
// point-in-time recovery from the CDK stack. A table that already exists is an
// ErrExists error.
func CreateTable(ctx context.Context, client TableAdmin, table string) error {
	sc := TableSchema()
	if _, err := client.CreateTable(ctx, sc.CreateTableInput(table)); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return fmt.Errorf("create table %q: %w", table, ErrExists)
		}
		return wrap(fmt.Sprintf("create table %q", table), err)
	}
	if err := waitActive(ctx, client, table); err != nil {
		return err
	}
	_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(sc.TTLAttribute), Enabled: aws.Bool(true),
		},
	})
	if err != nil {
		if ttlUnsupported(err) {
			slog.DebugContext(ctx, "dynamodb endpoint does not support TTL; expired items stay until deleted",
				"table", table)
			return nil
		}
		return wrap(fmt.Sprintf("enable ttl on %q", table), err)
	}
	return nil
}

// waitActive polls DescribeTable until the table (and its indexes) are
// active. An empty status (embedded servers) counts as active.
func waitActive(ctx context.Context, client TableAdmin, table string) error {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return wrap(fmt.Sprintf("describe table %q", table), err)
		}
		if tableActive(out.Table) {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for table %q: %w", table, ctx.Err())
		case <-t.C:
		}
	}
}

func tableActive(d *types.TableDescription) bool {
	if d == nil {
		return false
	}
	if d.TableStatus != "" && d.TableStatus != types.TableStatusActive {
		return false
	}
	for _, ix := range d.GlobalSecondaryIndexes {
		if ix.IndexStatus != "" && ix.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// ttlUnsupported recognises an endpoint without the UpdateTimeToLive
// operation: a 4xx answer that is not a DynamoDB error document, or an
// unknown-operation error.
func ttlUnsupported(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "UnknownOperationException", "UnsupportedOperation", "NotImplemented":
			return true
		}
		return false
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500
}
