// Package storetest starts an embedded DynamoDB-compatible server (minidyn)
// with the PolySynergy table for tests, spoken to by the real AWS SDK client.
package storetest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"

	"polysynergy/shared/local/dynamo"
	"polysynergy/shared/store"
)

// TableName is the table every Env creates.
const TableName = "polysynergy-test"

// Fault is an error answer the server gives instead of running a request.
type Fault struct {
	// Status is the HTTP status, e.g. 400 for throttling, 500 or 503.
	Status int
	// Type is the DynamoDB error type, e.g.
	// "ProvisionedThroughputExceededException".
	Type string
}

// Env is a running embedded server with the table created.
type Env struct {
	Store  *store.Store
	Client *dynamodb.Client
	Server *server.Server
	guard  *dynamo.IndexGuard // in front of Server, as in the local cloud
	URL    string
	Table  string

	mu    sync.RWMutex
	fault func(op string) *Fault
}

// New starts a server, creates the table and returns a store on it and the
// raw client. Everything is closed when the test ends.
func New(tb testing.TB, opts ...store.Option) (*store.Store, *dynamodb.Client) {
	tb.Helper()
	e := Start(tb, opts...)
	return e.Store, e.Client
}

// Start is New returning the whole environment, for tests that inject
// failures.
func Start(tb testing.TB, opts ...store.Option) *Env {
	tb.Helper()
	srv := server.NewServer()
	e := &Env{Server: srv, guard: dynamo.NewIndexGuard(srv, nil), Table: TableName}
	ts := httptest.NewServer(http.HandlerFunc(e.serve))
	tb.Cleanup(ts.Close)
	e.URL = ts.URL
	e.Client = NewClient(ts.URL)
	if err := store.CreateTable(context.Background(), e.Client, e.Table); err != nil {
		tb.Fatalf("create table: %v", err)
	}
	e.Store = store.New(e.Client, e.Table, opts...)
	return e
}

// NewClient returns a DynamoDB client for an endpoint: static credentials,
// region us-east-1, no SDK retries (so injected failures surface at once),
// and store.OwnedBodyTransport.
func NewClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       store.NewHTTPClient(0),
	})
}

// EmulateFailure switches minidyn's failure emulation (every operation fails
// with a 500 InternalServerError until FailureConditionNone). It waits for
// requests in flight.
func (e *Env) EmulateFailure(c server.FailureCondition) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Server.EmulateFailure(c)
}

// SetFault installs f, which is asked for every request with its operation
// name ("GetItem", "TransactWriteItems", …); a non-nil Fault is answered
// instead of running the request. nil removes the hook.
func (e *Env) SetFault(f func(op string) *Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fault = f
}

func (e *Env) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.fault != nil {
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndexByte(target, '.')+1:]
		if f := e.fault(op); f != nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(f.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"__type":  "com.amazonaws.dynamodb.v20120810#" + f.Type,
				"message": "injected " + f.Type,
			})
			return
		}
	}
	e.guard.ServeHTTP(w, r)
}

// Project creates a tenant "Acme" owned by "owner", its project "Shop" with slug, and the
// project's stage: the fixture most trigger tests start from.
func Project(tb testing.TB, st *store.Store, slug, stage string) store.ProjectKey {
	tb.Helper()
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.CreateTenantInput{Name: "Acme", OwnerSub: "owner", OwnerEmail: "owner@example.com"})
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	p, err := st.CreateProject(ctx, ten.ID, store.CreateProjectInput{Name: "Shop", Slug: slug})
	if err != nil {
		tb.Fatalf("create project: %v", err)
	}
	if _, err := st.CreateStage(ctx, p.Key(), stage, 1); err != nil {
		tb.Fatalf("create stage: %v", err)
	}
	return p.Key()
}
