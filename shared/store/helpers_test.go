package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// fakeClock advances by a millisecond on every read, so timestamps and ids
// are distinct and ordered.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	env   *storetest.Env
	s     *store.Store
	clock *fakeClock
	ctx   context.Context
}

func setup(t testing.TB, opts ...store.Option) *fixture {
	t.Helper()
	c := newClock()
	opts = append([]store.Option{store.WithClock(c.Now), store.WithBatchBackoff(time.Millisecond)}, opts...)
	env := storetest.Start(t, opts...)
	return &fixture{env: env, s: env.Store, clock: c, ctx: context.Background()}
}

func (f *fixture) tenant(t testing.TB, name string) store.Tenant {
	t.Helper()
	tn, err := f.s.CreateTenant(f.ctx, store.CreateTenantInput{Name: name, OwnerSub: "owner-" + strings.ToLower(name), OwnerEmail: strings.ToLower(name) + "@example.com"})
	if err != nil {
		t.Fatalf("create tenant %s: %v", name, err)
	}
	return tn
}

func (f *fixture) project(t testing.TB, tenant, name, slug string) store.Project {
	t.Helper()
	p, err := f.s.CreateProject(f.ctx, tenant, store.CreateProjectInput{Name: name, Slug: slug})
	if err != nil {
		t.Fatalf("create project %s: %v", slug, err)
	}
	return p
}

func (f *fixture) stage(t testing.TB, pk store.ProjectKey, name string, pos int) {
	t.Helper()
	if _, err := f.s.CreateStage(f.ctx, pk, name, pos); err != nil {
		t.Fatalf("create stage %s: %v", name, err)
	}
}

func (f *fixture) routeFlow(t testing.TB, pk store.ProjectKey, name string, path ...string) store.Flow {
	t.Helper()
	var segs []store.Segment
	for _, p := range path {
		if strings.HasPrefix(p, ":") {
			segs = append(segs, store.Segment{Kind: "variable", Name: p[1:], Type: "string"})
		} else {
			segs = append(segs, store.Segment{Kind: "static", Value: p})
		}
	}
	fl, err := f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindRoute, Name: name, Document: flowDoc(3),
		Route: &store.RouteConfig{Method: "POST", Segments: segs}})
	if err != nil {
		t.Fatalf("create flow %s: %v", name, err)
	}
	return fl
}

// flowDoc builds a flow document with n nodes (~500 bytes per node).
func flowDoc(n int) json.RawMessage {
	type node struct {
		ID       string         `json:"id"`
		Handle   string         `json:"handle"`
		Type     string         `json:"type"`
		Version  int            `json:"version"`
		Values   map[string]any `json:"values"`
		Position [2]int         `json:"position"`
		Notes    string         `json:"notes"`
	}
	type conn struct {
		From map[string]string `json:"from"`
		To   map[string]string `json:"to"`
	}
	doc := struct {
		Schema      string `json:"schema"`
		Nodes       []node `json:"nodes"`
		Connections []conn `json:"connections"`
	}{Schema: "polysynergy/flow@1"}
	for i := 0; i < n; i++ {
		doc.Nodes = append(doc.Nodes, node{
			ID: fmt.Sprintf("n%04d", i), Handle: fmt.Sprintf("node_%d", i), Type: "http.request", Version: 1,
			Values: map[string]any{
				"url":     fmt.Sprintf("https://api.example.com/items/{{ node_%d.body.id }}", max(i-1, 0)),
				"method":  "GET",
				"headers": map[string]string{"Accept": "application/json", "X-Trace": fmt.Sprintf("trace-%d", i)},
				"timeout": 30,
			},
			Position: [2]int{i * 40, i * 25},
			Notes:    "fetches one item and hands it to the next node for processing",
		})
		if i > 0 {
			doc.Connections = append(doc.Connections, conn{
				From: map[string]string{"node": fmt.Sprintf("n%04d", i-1), "port": "true_path"},
				To:   map[string]string{"node": fmt.Sprintf("n%04d", i), "port": "node"},
			})
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// scan returns every item of the table.
func (f *fixture) scan(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	in := &dynamodb.ScanInput{TableName: aws.String(f.env.Table)}
	for {
		resp, err := f.env.Client.Scan(f.ctx, in)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, it := range resp.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatalf("decode scanned item: %v", err)
			}
			out = append(out, m)
		}
		if len(resp.LastEvaluatedKey) == 0 {
			return out
		}
		in.ExclusiveStartKey = resp.LastEvaluatedKey
	}
}

// rawItem reads one item with the raw client.
func (f *fixture) rawItem(t testing.TB, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	resp, err := f.env.Client.GetItem(f.ctx, &dynamodb.GetItemInput{TableName: aws.String(f.env.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		t.Fatalf("get raw item: %v", err)
	}
	return resp.Item
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
