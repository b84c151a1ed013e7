package stack

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"polysynergy/shared/store"
)

// Data is the platform's state: the single DynamoDB table and the KMS key
// that wraps the data keys of secrets.
type Data struct {
	Table awsdynamodb.Table
	Key   awskms.Key
}

// dataActions are the DynamoDB actions the store performs. Transactions are
// authorised per item through PutItem, UpdateItem, DeleteItem and ConditionCheckItem.
func dataActions() []string {
	return []string{
		"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
		"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
	}
}

// tableDefinition is the store schema converted to CDK values.
type tableDefinition struct {
	partitionKey, sortKey *awsdynamodb.Attribute
	indexes               []*awsdynamodb.GlobalSecondaryIndexProps
	ttl                   string
	billing               awsdynamodb.BillingMode
	pitr                  bool
}

// defineTable converts the store's schema; anything the stack cannot express
// is an error naming the schema field.
func defineTable(sc store.Schema) (tableDefinition, error) {
	var errs []error
	attr := func(field string, a store.Attribute) *awsdynamodb.Attribute {
		if a.Name == "" {
			errs = append(errs, fmt.Errorf("table schema %s: attribute name is empty", field))
		}
		var t awsdynamodb.AttributeType
		switch a.Type {
		case "S":
			t = awsdynamodb.AttributeType_STRING
		case "N":
			t = awsdynamodb.AttributeType_NUMBER
		case "B":
			t = awsdynamodb.AttributeType_BINARY
		default:
			errs = append(errs, fmt.Errorf("table schema %s: attribute type %q: want S, N or B", field, a.Type))
		}
		return &awsdynamodb.Attribute{Name: jsii.String(a.Name), Type: t}
	}
	d := tableDefinition{
		partitionKey: attr("PartitionKey", sc.PartitionKey),
		sortKey:      attr("SortKey", sc.SortKey),
		ttl:          sc.TTLAttribute,
		pitr:         sc.PointInTimeRecovery,
	}
	switch sc.BillingMode {
	case "PAY_PER_REQUEST":
		d.billing = awsdynamodb.BillingMode_PAY_PER_REQUEST
	default:
		errs = append(errs, fmt.Errorf("table schema BillingMode %q: the stack deploys on-demand tables only (PAY_PER_REQUEST)", sc.BillingMode))
	}
	if sc.TTLAttribute == "" {
		errs = append(errs, errors.New("table schema TTLAttribute: empty; runs and connections rely on TTL"))
	}
	names := map[string]bool{}
	for i, ix := range sc.Indexes {
		field := fmt.Sprintf("Indexes[%d]", i)
		if ix.Name == "" || names[ix.Name] {
			errs = append(errs, fmt.Errorf("table schema %s.Name %q: want a unique, non-empty index name", field, ix.Name))
		}
		names[ix.Name] = true
		var proj awsdynamodb.ProjectionType
		switch ix.Projection {
		case "ALL":
			proj = awsdynamodb.ProjectionType_ALL
		case "KEYS_ONLY":
			proj = awsdynamodb.ProjectionType_KEYS_ONLY
		default:
			errs = append(errs, fmt.Errorf("table schema %s.Projection %q: want ALL or KEYS_ONLY", field, ix.Projection))
		}
		gsi := &awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   attr(field+".PartitionKey", ix.PartitionKey),
			ProjectionType: proj,
		}
		if ix.SortKey.Name != "" {
			gsi.SortKey = attr(field+".SortKey", ix.SortKey)
		}
		d.indexes = append(d.indexes, gsi)
	}
	return d, errors.Join(errs...)
}

// NewData creates the table from the store's schema and the secrets key.
// With retain, both survive `cdk destroy` (the key must outlive the table, or
// the stored secrets could never be decrypted again).
func NewData(scope constructs.Construct, id string, schema store.Schema, retain bool) (*Data, error) {
	def, err := defineTable(schema)
	if err != nil {
		return nil, err
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	removal := awscdk.RemovalPolicy_DESTROY
	if retain {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	table := awsdynamodb.NewTable(c, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        def.partitionKey,
		SortKey:             def.sortKey,
		BillingMode:         def.billing,
		TimeToLiveAttribute: jsii.String(def.ttl),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(def.pitr),
		},
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: removal,
	})
	for _, gsi := range def.indexes {
		table.AddGlobalSecondaryIndex(gsi)
	}
	key := awskms.NewKey(c, jsii.String("SecretsKey"), &awskms.KeyProps{
		Description:       jsii.String("PolySynergy: wraps the data keys of project secrets"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
		PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
	})
	return &Data{Table: table, Key: key}, nil
}

// GrantData lets grantee perform the store's item operations on the table and its indexes.
func (d *Data) GrantData(grantee awsiam.IGrantable) {
	d.Table.Grant(grantee, *jsii.Strings(dataActions()...)...)
}
