package aws

import (
	"context"
	"net/http/httptest"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	"polysynergy/shared/store/storetest"
)

// dynamoEnv starts the embedded DynamoDB with a user table `users` (pk S, sk N) and a
// global index `by_email`, behind a request recorder.
func dynamoEnv(t *testing.T) (*recorder, string) {
	t.Helper()
	rec := &recorder{next: server.NewServer()}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	cl := storetest.NewClient(srv.URL)
	_, err := cl.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: sdkaws.String("users"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: sdkaws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: sdkaws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: sdkaws.String("email"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: sdkaws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: sdkaws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:             sdkaws.String("by_email"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: sdkaws.String("email"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeAll},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: sdkaws.Int64(1), WriteCapacityUnits: sdkaws.Int64(1)},
		}},
		BillingMode:           types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: sdkaws.Int64(1), WriteCapacityUnits: sdkaws.Int64(1)},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return rec, srv.URL
}

func TestDynamoDB(t *testing.T) {
	r := registry(t)
	rec, url := dynamoEnv(t)
	// Steps run in order against one table: later steps see earlier writes.
	steps := []struct {
		name    string
		id      string
		in      map[string]any
		want    map[string]any
		wantErr string
		target  string         // X-Amz-Target of the request sent ("" = no request)
		sent    map[string]any // fields of the request body
	}{
		{name: "put new", id: "aws.dynamodb_put",
			in:     map[string]any{"table": "users", "item": map[string]any{"pk": "u#1", "sk": 1.0, "name": "Ada", "email": "ada@example.com", "tags": []any{"a", "b"}}},
			want:   map[string]any{"item": map[string]any{"pk": "u#1", "sk": 1.0, "name": "Ada", "email": "ada@example.com", "tags": []any{"a", "b"}}},
			target: "DynamoDB_20120810.PutItem",
			sent: map[string]any{"TableName": "users",
				"Item": map[string]any{"pk": map[string]any{"S": "u#1"}, "sk": map[string]any{"N": "1"}, "name": map[string]any{"S": "Ada"},
					"email": map[string]any{"S": "ada@example.com"}, "tags": map[string]any{"L": []any{map[string]any{"S": "a"}, map[string]any{"S": "b"}}}}}},
		{name: "put second", id: "aws.dynamodb_put",
			in:     map[string]any{"table": "users", "item": map[string]any{"pk": "u#1", "sk": 2.0, "name": "Bob", "email": "bob@example.com"}},
			want:   map[string]any{"item": map[string]any{"pk": "u#1", "sk": 2.0, "name": "Bob", "email": "bob@example.com"}},
			target: "DynamoDB_20120810.PutItem"},
		{name: "put conditional fails", id: "aws.dynamodb_put",
			in: map[string]any{"table": "users", "item": map[string]any{"pk": "u#1", "sk": 1.0}, "condition_expression": "attribute_not_exists(#p)",
				"names": map[string]any{"#p": "pk"}},
			wantErr: "condition_expression not met", target: "DynamoDB_20120810.PutItem",
			sent: map[string]any{"ConditionExpression": "attribute_not_exists(#p)", "ExpressionAttributeNames": map[string]any{"#p": "pk"}}},
		{name: "get found", id: "aws.dynamodb_get",
			in:     map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 1.0}, "consistent_read": true},
			want:   map[string]any{"found": true, "item": map[string]any{"pk": "u#1", "sk": 1.0, "name": "Ada", "email": "ada@example.com", "tags": []any{"a", "b"}}},
			target: "DynamoDB_20120810.GetItem",
			sent:   map[string]any{"TableName": "users", "ConsistentRead": true, "Key": map[string]any{"pk": map[string]any{"S": "u#1"}, "sk": map[string]any{"N": "1"}}}},
		{name: "get missing", id: "aws.dynamodb_get",
			in:   map[string]any{"table": "users", "key": map[string]any{"pk": "u#9", "sk": 1.0}},
			want: map[string]any{"found": false, "item": nil}, target: "DynamoDB_20120810.GetItem"},
		{name: "get no table", id: "aws.dynamodb_get", in: map[string]any{"key": map[string]any{"pk": "x"}}, wantErr: `input "table": required`},
		{name: "get key not object", id: "aws.dynamodb_get", in: map[string]any{"table": "users", "key": "u#1"}, wantErr: `input "key": expected an object`},
		{name: "get unknown table", id: "aws.dynamodb_get", in: map[string]any{"table": "nope", "key": map[string]any{"pk": "x", "sk": 1.0}},
			wantErr: "dynamodb get item on nope", target: "DynamoDB_20120810.GetItem"},
		{name: "query descending with limit", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "key_condition": "pk = :pk", "values": map[string]any{":pk": "u#1"}, "limit": 1.0, "descending": true},
			want: map[string]any{"count": 1.0, "items": []any{map[string]any{"pk": "u#1", "sk": 2.0, "name": "Bob", "email": "bob@example.com"}},
				"next_key": map[string]any{"pk": "u#1", "sk": 2.0}},
			target: "DynamoDB_20120810.Query",
			sent: map[string]any{"TableName": "users", "KeyConditionExpression": "pk = :pk", "Limit": 1.0, "ScanIndexForward": false,
				"ExpressionAttributeValues": map[string]any{":pk": map[string]any{"S": "u#1"}}}},
		{name: "query continues from start_key", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "key_condition": "pk = :pk", "values": map[string]any{":pk": "u#1"}, "descending": true,
				"start_key": map[string]any{"pk": "u#1", "sk": 2.0}},
			want:   map[string]any{"count": 1.0, "next_key": nil},
			target: "DynamoDB_20120810.Query",
			sent:   map[string]any{"ExclusiveStartKey": map[string]any{"pk": map[string]any{"S": "u#1"}, "sk": map[string]any{"N": "2"}}}},
		{name: "query index", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "index": "by_email", "key_condition": "#e = :e", "names": map[string]any{"#e": "email"},
				"values": map[string]any{":e": "bob@example.com"}},
			want:   map[string]any{"count": 1.0, "items": []any{map[string]any{"pk": "u#1", "sk": 2.0, "name": "Bob", "email": "bob@example.com"}}},
			target: "DynamoDB_20120810.Query", sent: map[string]any{"IndexName": "by_email", "ScanIndexForward": true}},
		{name: "query bad values key", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "key_condition": "pk = :pk", "values": map[string]any{"pk": "u#1"}}, wantErr: `input "values": key "pk" must start with ':'`},
		{name: "query bad names key", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "key_condition": "pk = :pk", "names": map[string]any{"p": "pk"}}, wantErr: `input "names": key "p" must start with '#'`},
		{name: "query negative limit", id: "aws.dynamodb_query",
			in: map[string]any{"table": "users", "key_condition": "pk = :pk", "limit": -1.0}, wantErr: `input "limit": must not be negative`},
		{name: "query no condition", id: "aws.dynamodb_query", in: map[string]any{"table": "users"}, wantErr: `input "key_condition": required`},
		{name: "update add", id: "aws.dynamodb_update",
			in: map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 1.0}, "update_expression": "SET #n = :n ADD visits :one",
				"names": map[string]any{"#n": "name"}, "values": map[string]any{":n": "Ada L.", ":one": 1.0}},
			want:   map[string]any{"item": map[string]any{"pk": "u#1", "sk": 1.0, "name": "Ada L.", "email": "ada@example.com", "tags": []any{"a", "b"}, "visits": 1.0}},
			target: "DynamoDB_20120810.UpdateItem",
			sent: map[string]any{"UpdateExpression": "SET #n = :n ADD visits :one", "ReturnValues": "ALL_NEW",
				"ExpressionAttributeValues": map[string]any{":n": map[string]any{"S": "Ada L."}, ":one": map[string]any{"N": "1"}}}},
		{name: "update updated_new", id: "aws.dynamodb_update",
			in: map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 1.0}, "update_expression": "ADD visits :one",
				"values": map[string]any{":one": 2.0}, "return_values": "updated_new"},
			want:   map[string]any{"item": map[string]any{"visits": 3.0}},
			target: "DynamoDB_20120810.UpdateItem", sent: map[string]any{"ReturnValues": "UPDATED_NEW"}},
		{name: "update bad return_values", id: "aws.dynamodb_update",
			in:      map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 1.0}, "update_expression": "ADD v :one", "return_values": "SOME"},
			wantErr: `input "return_values": must be one of`},
		{name: "update no expression", id: "aws.dynamodb_update",
			in: map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 1.0}}, wantErr: `input "update_expression": required`},
		{name: "delete conditional fails", id: "aws.dynamodb_delete",
			in: map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 2.0}, "condition_expression": "visits > :v",
				"values": map[string]any{":v": 5.0}},
			wantErr: "condition_expression not met", target: "DynamoDB_20120810.DeleteItem"},
		{name: "delete existing", id: "aws.dynamodb_delete",
			in:     map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 2.0}},
			want:   map[string]any{"deleted": true, "old_item": map[string]any{"pk": "u#1", "sk": 2.0, "name": "Bob", "email": "bob@example.com"}},
			target: "DynamoDB_20120810.DeleteItem", sent: map[string]any{"ReturnValues": "ALL_OLD"}},
		{name: "delete again", id: "aws.dynamodb_delete",
			in:   map[string]any{"table": "users", "key": map[string]any{"pk": "u#1", "sk": 2.0}},
			want: map[string]any{"deleted": false, "old_item": nil}, target: "DynamoDB_20120810.DeleteItem"},
		{name: "delete empty key", id: "aws.dynamodb_delete",
			in: map[string]any{"table": "users", "key": map[string]any{}}, wantErr: `input "key": must not be empty`},
	}
	for _, s := range steps {
		before := rec.count()
		out, err := run(t, lookup(t, r, s.id), url, s.in)
		if !checkErr(t, err, s.wantErr) {
			subset(t, s.name, out, s.want)
		}
		if s.target == "" {
			if rec.count() != before {
				t.Errorf("%s: sent a request, want none", s.name)
			}
			continue
		}
		req := rec.last(t)
		if got := req.Header.Get("X-Amz-Target"); got != s.target {
			t.Errorf("%s: X-Amz-Target = %q, want %q", s.name, got, s.target)
		}
		subset(t, s.name+" request", req.JSON(t), s.sent)
	}
}
