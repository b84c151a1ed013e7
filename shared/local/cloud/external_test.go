package cloud_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/local/cloud"
	"polysynergy/shared/local/dynamo"
)

// startExternal starts the local cloud on the DynamoDB at url (--dynamodb-endpoint).
func startExternal(t *testing.T, dir, url string, reset bool) (*cloud.Cloud, error) {
	t.Helper()
	return cloud.Start(context.Background(), cloud.Options{DataDir: dir, WebDir: filepath.Join(dir, "no-web"), DynamoEndpoint: url,
		Reset: reset, SchedulerInterval: time.Hour, AllowFaults: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// standIn starts a DynamoDB server that stands in for DynamoDB Local, holding a table of
// someone else's.
func standIn(t *testing.T, table string) *dynamo.DB {
	t.Helper()
	db, err := dynamo.Start(context.Background(), dynamo.Options{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

func TestLocalCloudOnAnExternalDynamoDB(t *testing.T) {
	ctx := context.Background()
	ext := standIn(t, "someone-elses")
	dir := t.TempDir()

	c, err := startExternal(t, dir, ext.URL(), false)
	if err != nil {
		t.Fatalf("first start creates the table: %v", err)
	}
	api := &client{t: t, base: c.URL(), token: signIn(t, c.URL(), "ada@example.com"), seen: &recorder{}}
	var me struct {
		Memberships []struct{ Tenant string } `json:"memberships"`
	}
	api.do("GET", "/me", nil, 200, &me)
	tenant := me.Memberships[0].Tenant
	api.do("POST", "/tenants/"+tenant+"/projects", map[string]any{"name": "Kept", "slug": "kept"}, 201, nil)
	// fault injection works on the embedded DynamoDB only, and says so
	resp, err := http.Post(c.URL()+"/_dev/faults", "application/json", strings.NewReader(`{"dynamodb":{"kind":"throttle"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("faults on an external DynamoDB: %d, want 409", resp.StatusCode)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	projects := func(c *cloud.Cloud) []string {
		api := &client{t: t, base: c.URL(), token: signIn(t, c.URL(), "ada@example.com"), seen: &recorder{}}
		api.do("GET", "/me", nil, 200, &me)
		var page struct{ Items []struct{ Slug string } }
		api.do("GET", "/tenants/"+me.Memberships[0].Tenant+"/projects", nil, 200, &page)
		var slugs []string
		for _, p := range page.Items {
			slugs = append(slugs, p.Slug)
		}
		return slugs
	}

	// a restart finds the table there and everything in it
	c, err = startExternal(t, dir, ext.URL(), false)
	if err != nil {
		t.Fatalf("second start on the existing table: %v", err)
	}
	if got := projects(c); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("projects after a restart: %v, want [kept]", got)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// --reset empties the platform's table and leaves other tables alone
	c, err = startExternal(t, dir, ext.URL(), true)
	if err != nil {
		t.Fatalf("start with reset: %v", err)
	}
	if got := projects(c); len(got) != 0 {
		t.Fatalf("projects after --reset: %v, want none", got)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db := dynamo.NewClient(ext.URL())
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("someone-elses")}); err != nil {
		t.Fatalf("--reset touched another table: %v", err)
	}

	// a table of the platform's name but another shape is refused with the reason
	other := standIn(t, "unrelated")
	_, err = dynamo.NewClient(other.URL()).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(cloud.Table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := startExternal(t, t.TempDir(), other.URL(), false); err == nil {
		_ = c.Close(ctx)
		t.Fatal("the local cloud started on a table of another shape")
	} else if !strings.Contains(err.Error(), "exists with another shape") || !strings.Contains(err.Error(), other.URL()) {
		t.Fatalf("error %q does not name the endpoint and the reason", err)
	}
}
