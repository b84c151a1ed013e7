package stack

import (
	"errors"
	"fmt"
	"slices"

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
	Table   awsdynamodb.Table
	Key     awskms.Key
	indexes []string // the schema's index names
}

// TableAccess is what one function may do with the table: item actions on
// the table itself, and Query on the named global secondary indexes.
type TableAccess struct {
	Actions []string
	Indexes []string
}

// StoreAccess is every item operation shared/store performs: single-item reads
// and writes, queries, batch reads (a run's secrets) and batch writes, and
// transactions, which IAM authorises per item through PutItem, UpdateItem,
// DeleteItem and ConditionCheckItem. The
// deployed functions query GSI1 only; GSI2 (published schedules across the
// deployment) is read by the local scheduler, never in AWS.
func StoreAccess() TableAccess {
	return TableAccess{
		Actions: []string{
			"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
			"dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
		},
		Indexes: []string{store.IndexGSI1},
	}
}

// ConnectionAccess is what the WebSocket function's store calls need: it reads
// memberships and projects, puts and deletes connections and subscriptions (a
// subscription is a transaction checking the connection and the flow, then a
// put; a connection's subscriptions go in batch deletes) and lists a
// connection's subscriptions and a user's tenants on GSI1. It never updates an
// item.
func ConnectionAccess() TableAccess {
	return TableAccess{
		Actions: []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
			"dynamodb:ConditionCheckItem"},
		Indexes: []string{store.IndexGSI1},
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
// the stored secrets could never be decrypted again) and the table has
// deletion protection.
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
		// with retain, a delete outside CloudFormation (console, CLI) is refused too
		DeletionProtection: jsii.Bool(retain),
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
	d := &Data{Table: table, Key: key}
	for _, ix := range schema.Indexes {
		d.indexes = append(d.indexes, ix.Name)
	}
	return d, nil
}

// Grant lets grantee perform access's actions on the table and Query the
// indexes it names, each by its own ARN (no table/index/* wildcard). An index
// the schema lacks is an error.
func (d *Data) Grant(grantee awsiam.IGrantable, access TableAccess) error {
	// not Table.Grant, which adds table/index/* for every action
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(access.Actions...),
		Resources: &[]*string{d.Table.TableArn()},
	}))
	if len(access.Indexes) == 0 {
		return nil
	}
	var arns []*string
	for _, name := range access.Indexes {
		if !slices.Contains(d.indexes, name) {
			return fmt.Errorf("table grant: index %q is not in the store schema (%v)", name, d.indexes)
		}
		arns = append(arns, awscdk.Fn_Join(jsii.String("/"), &[]*string{d.Table.TableArn(), jsii.String("index"), jsii.String(name)}))
	}
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:Query"),
		Resources: &arns,
	}))
	return nil
}
