package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	DeleteTable(ctx context.Context, in *dynamodb.DeleteTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteTableOutput, error)
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

// EnsureTable readies table on an endpoint that may have it already (DynamoDB Local
// behind the local cloud's --dynamodb-endpoint): it creates the table as CreateTable does
// or, when the table exists, checks that its keys and indexes are the schema's — a table of
// another shape would fail on the first write instead — and waits until it is active.
func EnsureTable(ctx context.Context, client TableAdmin, table string) error {
	err := CreateTable(ctx, client, table)
	if !errors.Is(err, ErrExists) {
		return err
	}
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return wrap(fmt.Sprintf("describe table %q", table), err)
	}
	if err := TableSchema().Check(out.Table); err != nil {
		return fmt.Errorf("table %q exists with another shape: %w", table, err)
	}
	return waitActive(ctx, client, table)
}

// DeleteTable deletes table and its items and waits until it is gone. A table that does
// not exist is not an error.
func DeleteTable(ctx context.Context, client TableAdmin, table string) error {
	_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil
	}
	if err != nil {
		return wrap(fmt.Sprintf("delete table %q", table), err)
	}
	return pollTable(ctx, client, table, "deleted", func(_ *types.TableDescription, err error) (bool, error) {
		if errors.As(err, &missing) {
			return true, nil
		}
		if err != nil {
			return false, wrap(fmt.Sprintf("describe table %q", table), err)
		}
		return false, nil
	})
}

// Check reports how a described table differs from the schema in its key and its
// global secondary indexes (nil when it has them all; other indexes are its own business).
func (sc Schema) Check(d *types.TableDescription) error {
	if d == nil {
		return errors.New("the endpoint described no table")
	}
	var errs []error
	if got, want := keyString(d.KeySchema), keyString(sc.CreateTableInput("").KeySchema); got != want {
		errs = append(errs, fmt.Errorf("its key is %s, want %s", got, want))
	}
	have := map[string][]types.KeySchemaElement{}
	for _, ix := range d.GlobalSecondaryIndexes {
		have[aws.ToString(ix.IndexName)] = ix.KeySchema
	}
	for _, ix := range sc.CreateTableInput("").GlobalSecondaryIndexes {
		name := aws.ToString(ix.IndexName)
		ks, ok := have[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("it has no global secondary index %q", name))
		case keyString(ks) != keyString(ix.KeySchema):
			errs = append(errs, fmt.Errorf("its index %q has the key %s, want %s", name, keyString(ks), keyString(ix.KeySchema)))
		}
	}
	return errors.Join(errs...)
}

// keyString renders a key schema as "pk (HASH), sk (RANGE)".
func keyString(ks []types.KeySchemaElement) string {
	parts := make([]string, 0, len(ks))
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s (%s)", aws.ToString(k.AttributeName), k.KeyType))
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}

// waitActive polls DescribeTable until the table (and its indexes) are
// active. An empty status (embedded servers) counts as active.
func waitActive(ctx context.Context, client TableAdmin, table string) error {
	return pollTable(ctx, client, table, "active", func(d *types.TableDescription, err error) (bool, error) {
		if err != nil {
			return false, wrap(fmt.Sprintf("describe table %q", table), err)
		}
		return tableActive(d), nil
	})
}

// pollTable describes table, pausing longer each time (up to 2 s), until done reports the
// state named by what, done returns an error, or ctx ends.
func pollTable(ctx context.Context, client TableAdmin, table, what string, done func(*types.TableDescription, error) (bool, error)) error {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		var d *types.TableDescription
		if out != nil {
			d = out.Table
		}
		if ok, err := done(d, err); err != nil || ok {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for table %q to be %s: %w", table, what, ctx.Err())
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
