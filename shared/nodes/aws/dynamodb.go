package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/nodes"
)

// dynamo builds a DynamoDB client for the call's region and endpoint.
func (f *family) dynamo(ctx context.Context, c *nodes.Call) (*dynamodb.Client, error) {
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(t.cfg, func(o *dynamodb.Options) {
		if t.endpoint != nil {
			o.BaseEndpoint = t.endpoint
			// custom endpoints (LocalStack, embedded servers) do not all send CRC32s
			o.DisableValidateResponseChecksum = true
		}
	}), nil
}

// Shared DynamoDB port declarations.
var (
	dynTable = nodes.Port{Name: "table", Type: nodes.String, Required: true, Doc: "Table name or ARN."}
	dynKey   = nodes.Port{Name: "key", Type: nodes.Object, Required: true,
		Doc: "The item's primary key as a plain object, e.g. `{\"pk\": \"user#1\", \"sk\": 0}`."}
	dynCond = nodes.Port{Name: "condition_expression", Type: nodes.String,
		Doc: "Optional condition the write must meet, e.g. `attribute_not_exists(pk)`."}
	dynNames = nodes.Port{Name: "names", Type: nodes.Object,
		Doc: "Expression attribute names, e.g. `{\"#s\": \"status\"}` (keys start with #)."}
	dynValues = nodes.Port{Name: "values", Type: nodes.Object,
		Doc: "Expression attribute values as plain JSON, e.g. `{\":pk\": \"user#1\"}` (keys start with :)."}
)

func (f *family) dynamoTypes() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "aws.dynamodb_get", Category: category, Name: "DynamoDB get item", Icon: "database",
			Doc: "Reads one item from a DynamoDB table by its primary key.\n\n" +
				"**Inputs**: `table`, `key` (plain object), `consistent_read`.\n\n" +
				"**Outputs**: `item` (the item as a plain JSON object, or null), `found`.\n\n" +
				"Example: table `orders`, key `{\"pk\": \"order#42\"}` → `item` `{\"pk\": \"order#42\", \"total\": 12.5}`.",
			Inputs: withCommon(dynTable, dynKey,
				nodes.Port{Name: "consistent_read", Type: nodes.Boolean, Default: false, Doc: "Strongly consistent read."}),
			Outputs: []nodes.Port{
				{Name: "item", Type: nodes.Object, Doc: "The item, or null when there is none."},
				{Name: "found", Type: nodes.Boolean, Doc: "Whether the item exists."},
			},
			Run: f.dynamoGet,
		},
		{
			ID: "aws.dynamodb_put", Category: category, Name: "DynamoDB put item", Icon: "database",
			Doc: "Writes (creates or replaces) one item in a DynamoDB table.\n\n" +
				"**Inputs**: `table`, `item` (plain object including the key attributes), an optional " +
				"`condition_expression` with `names`/`values`.\n\n" +
				"**Outputs**: `item` (what was written).\n\n" +
				"Example: item `{\"pk\": \"user#1\", \"name\": \"Ada\"}` with condition `attribute_not_exists(pk)` " +
				"creates the user only once; a second put fails.",
			Inputs: withCommon(dynTable,
				nodes.Port{Name: "item", Type: nodes.Object, Required: true, Doc: "The item as a plain JSON object."},
				dynCond, dynNames, dynValues),
			Outputs: []nodes.Port{
				{Name: "item", Type: nodes.Object, Doc: "The item written."},
			},
			Run: f.dynamoPut,
		},
		{
			ID: "aws.dynamodb_query", Category: category, Name: "DynamoDB query", Icon: "database",
			Doc: "Queries a DynamoDB table or index by key condition.\n\n" +
				"**Inputs**: `table`, `key_condition` (e.g. `pk = :pk AND begins_with(sk, :p)`), `values`, `names`, " +
				"`index`, `filter`, `limit`, `descending`, `start_key` (from a previous `next_key`).\n\n" +
				"**Outputs**: `items` (plain objects), `count`, `next_key` (null on the last page).\n\n" +
				"Example: key_condition `pk = :pk`, values `{\":pk\": \"user#1\"}`, limit 10.",
			Inputs: withCommon(dynTable,
				nodes.Port{Name: "key_condition", Type: nodes.String, Required: true, Doc: "Key condition expression."},
				dynValues, dynNames,
				nodes.Port{Name: "index", Type: nodes.String, Doc: "Secondary index name (empty: the table)."},
				nodes.Port{Name: "filter", Type: nodes.String, Doc: "Optional filter expression applied after the key condition."},
				nodes.Port{Name: "limit", Type: nodes.Integer, Doc: "Most items to evaluate (empty: no limit)."},
				nodes.Port{Name: "descending", Type: nodes.Boolean, Default: false, Doc: "Sort key order descending."},
				nodes.Port{Name: "start_key", Type: nodes.Object, Doc: "Continue after this key (a previous `next_key`)."},
				nodes.Port{Name: "consistent_read", Type: nodes.Boolean, Default: false, Doc: "Strongly consistent read (not on global indexes)."}),
			Outputs: []nodes.Port{
				{Name: "items", Type: nodes.List, Doc: "The items found."},
				{Name: "count", Type: nodes.Integer, Doc: "How many items were returned."},
				{Name: "next_key", Type: nodes.Object, Doc: "Key to continue from, or null when done."},
			},
			Run: f.dynamoQuery,
		},
		{
			ID: "aws.dynamodb_update", Category: category, Name: "DynamoDB update item", Icon: "database",
			Doc: "Updates attributes of one item with an update expression (creating the item when it does not exist, " +
				"unless a condition says otherwise).\n\n" +
				"**Inputs**: `table`, `key`, `update_expression` (e.g. `SET #n = :n ADD visits :one`), `names`, " +
				"`values`, `condition_expression`, `return_values`.\n\n" +
				"**Outputs**: `item` (the attributes selected by `return_values`, by default the whole new item).\n\n" +
				"Example: update `ADD visits :one` with values `{\":one\": 1}` counts visits.",
			Inputs: withCommon(dynTable, dynKey,
				nodes.Port{Name: "update_expression", Type: nodes.String, Required: true, Doc: "The update expression."},
				dynNames, dynValues, dynCond,
				nodes.Port{Name: "return_values", Type: nodes.String, Default: "ALL_NEW",
					Options: []string{"ALL_NEW", "UPDATED_NEW", "ALL_OLD", "UPDATED_OLD", "NONE"},
					Doc:     "Which attributes `item` holds."}),
			Outputs: []nodes.Port{{Name: "item", Type: nodes.Object, Doc: "Attributes chosen by return_values (null for NONE)."}},
			Run:     f.dynamoUpdate,
		},
		{
			ID: "aws.dynamodb_delete", Category: category, Name: "DynamoDB delete item", Icon: "database",
			Doc: "Deletes one item by its primary key.\n\n" +
				"**Inputs**: `table`, `key`, optional `condition_expression` with `names`/`values`.\n\n" +
				"**Outputs**: `deleted` (whether an item existed), `old_item` (the deleted item, or null).\n\n" +
				"Example: key `{\"pk\": \"session#9\"}` removes the session.",
			Inputs: withCommon(dynTable, dynKey, dynCond, dynNames, dynValues),
			Outputs: []nodes.Port{
				{Name: "deleted", Type: nodes.Boolean, Doc: "Whether an item was there to delete."},
				{Name: "old_item", Type: nodes.Object, Doc: "The deleted item, or null."},
			},
			Run: f.dynamoDelete,
		},
	}
}

// attrMap converts a plain object input to DynamoDB attribute values.
func attrMap(c *nodes.Call, port string, must bool) (map[string]types.AttributeValue, error) {
	var m map[string]any
	var err error
	if must {
		m, err = c.Map(port)
	} else {
		m, err = optionalMap(c, port)
	}
	if err != nil || m == nil {
		return nil, err
	}
	if must && len(m) == 0 {
		return nil, nodes.Errorf(port, "must not be empty")
	}
	av, err := attributevalue.MarshalMap(m)
	if err != nil {
		return nil, nodes.Errorf(port, "cannot convert to DynamoDB attributes: %v", err)
	}
	return av, nil
}

// exprValues converts the `values` input (keys starting with ':').
func exprValues(c *nodes.Call) (map[string]types.AttributeValue, error) {
	av, err := attrMap(c, "values", false)
	if err != nil {
		return nil, err
	}
	for k := range av {
		if !strings.HasPrefix(k, ":") {
			return nil, nodes.Errorf("values", "key %q must start with ':'", k)
		}
	}
	if len(av) == 0 {
		return nil, nil
	}
	return av, nil
}

// exprNames converts the `names` input (keys starting with '#', string values).
func exprNames(c *nodes.Call) (map[string]string, error) {
	m, err := optionalMap(c, "names")
	if err != nil || len(m) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !strings.HasPrefix(k, "#") {
			return nil, nodes.Errorf("names", "key %q must start with '#'", k)
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, nodes.Errorf("names", "%q must name an attribute, got %s", k, nodes.Describe(v))
		}
		out[k] = s
	}
	return out, nil
}

// plain converts DynamoDB attributes to a plain JSON object (nil for no item).
func plain(av map[string]types.AttributeValue) (any, error) {
	if av == nil {
		return nil, nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(av, &m); err != nil {
		return nil, fmt.Errorf("decode DynamoDB item: %w", err)
	}
	return nodes.Normalize(m), nil
}

func optStr(c *nodes.Call, name string) *string {
	if s := strings.TrimSpace(c.Str(name)); s != "" {
		return &s
	}
	return nil
}

// dynamoErr wraps a DynamoDB failure with what was being done, naming a failed condition.
func dynamoErr(op, table string, err error) error {
	var cond *types.ConditionalCheckFailedException
	if errors.As(err, &cond) {
		return fmt.Errorf("dynamodb %s on %s: condition_expression not met: %w", op, table, err)
	}
	return fmt.Errorf("dynamodb %s on %s: %w", op, table, err)
}

func (f *family) dynamoGet(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	table, err := required(c, "table")
	if err != nil {
		return nil, err
	}
	key, err := attrMap(c, "key", true)
	if err != nil {
		return nil, err
	}
	cl, err := f.dynamo(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key,
		ConsistentRead: sdkaws.Bool(c.Bool("consistent_read"))})
	if err != nil {
		return nil, dynamoErr("get item", table, err)
	}
	item, err := plain(out.Item)
	if err != nil {
		return nil, err
	}
	return nodes.Out{"item": item, "found": item != nil}, nil
}

func (f *family) dynamoPut(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	table, err := required(c, "table")
	if err != nil {
		return nil, err
	}
	item, err := attrMap(c, "item", true)
	if err != nil {
		return nil, err
	}
	names, err := exprNames(c)
	if err != nil {
		return nil, err
	}
	values, err := exprValues(c)
	if err != nil {
		return nil, err
	}
	cl, err := f.dynamo(ctx, c)
	if err != nil {
		return nil, err
	}
	_, err = cl.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item,
		ConditionExpression: optStr(c, "condition_expression"), ExpressionAttributeNames: names,
		ExpressionAttributeValues: values})
	if err != nil {
		return nil, dynamoErr("put item", table, err)
	}
	written, err := plain(item)
	if err != nil {
		return nil, err
	}
	return nodes.Out{"item": written}, nil
}

func (f *family) dynamoQuery(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	table, err := required(c, "table")
	if err != nil {
		return nil, err
	}
	cond, err := required(c, "key_condition")
	if err != nil {
		return nil, err
	}
	names, err := exprNames(c)
	if err != nil {
		return nil, err
	}
	values, err := exprValues(c)
	if err != nil {
		return nil, err
	}
	start, err := attrMap(c, "start_key", false)
	if err != nil {
		return nil, err
	}
	limit, err := c.IntOr("limit", 0)
	if err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, nodes.Errorf("limit", "must not be negative, got %d", limit)
	}
	in := &dynamodb.QueryInput{TableName: &table, KeyConditionExpression: &cond,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		IndexName: optStr(c, "index"), FilterExpression: optStr(c, "filter"),
		ScanIndexForward: sdkaws.Bool(!c.Bool("descending")), ExclusiveStartKey: start}
	if c.Bool("consistent_read") {
		in.ConsistentRead = sdkaws.Bool(true)
	}
	if limit > 0 {
		in.Limit = sdkaws.Int32(int32(min(limit, 1<<31-1)))
	}
	cl, err := f.dynamo(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.Query(ctx, in)
	if err != nil {
		return nil, dynamoErr("query", table, err)
	}
	items := make([]any, 0, len(out.Items))
	for _, it := range out.Items {
		p, err := plain(it)
		if err != nil {
			return nil, err
		}
		items = append(items, p)
	}
	var next any
	if len(out.LastEvaluatedKey) > 0 {
		if next, err = plain(out.LastEvaluatedKey); err != nil {
			return nil, err
		}
	}
	return nodes.Out{"items": items, "count": float64(len(items)), "next_key": next}, nil
}

func (f *family) dynamoUpdate(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	table, err := required(c, "table")
	if err != nil {
		return nil, err
	}
	key, err := attrMap(c, "key", true)
	if err != nil {
		return nil, err
	}
	expr, err := required(c, "update_expression")
	if err != nil {
		return nil, err
	}
	names, err := exprNames(c)
	if err != nil {
		return nil, err
	}
	values, err := exprValues(c)
	if err != nil {
		return nil, err
	}
	rv := types.ReturnValue(strings.ToUpper(strings.TrimSpace(c.Str("return_values"))))
	if rv == "" {
		rv = types.ReturnValueAllNew
	}
	valid := false
	for _, v := range rv.Values() {
		valid = valid || v == rv
	}
	if !valid {
		return nil, nodes.Errorf("return_values", "must be one of ALL_NEW, UPDATED_NEW, ALL_OLD, UPDATED_OLD, NONE; got %q", rv)
	}
	cl, err := f.dynamo(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: &expr,
		ConditionExpression: optStr(c, "condition_expression"), ExpressionAttributeNames: names,
		ExpressionAttributeValues: values, ReturnValues: rv})
	if err != nil {
		return nil, dynamoErr("update item", table, err)
	}
	item, err := plain(out.Attributes)
	if err != nil {
		return nil, err
	}
	return nodes.Out{"item": item}, nil
}

func (f *family) dynamoDelete(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	table, err := required(c, "table")
	if err != nil {
		return nil, err
	}
	key, err := attrMap(c, "key", true)
	if err != nil {
		return nil, err
	}
	names, err := exprNames(c)
	if err != nil {
		return nil, err
	}
	values, err := exprValues(c)
	if err != nil {
		return nil, err
	}
	cl, err := f.dynamo(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key,
		ConditionExpression: optStr(c, "condition_expression"), ExpressionAttributeNames: names,
		ExpressionAttributeValues: values, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return nil, dynamoErr("delete item", table, err)
	}
	old, err := plain(out.Attributes)
	if err != nil {
		return nil, err
	}
	return nodes.Out{"deleted": old != nil, "old_item": old}, nil
}
