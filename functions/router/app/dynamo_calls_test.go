package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/platform"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// dynamoCall is one request the router's DynamoDB client sent: its operation, table and
// index, and what it asked for (a key condition, a key, the items written).
type dynamoCall struct {
	Op, Index, What string
}

func (c dynamoCall) String() string {
	s := c.Op
	if c.Index != "" {
		s += " on " + c.Index
	}
	return s + " " + c.What
}

// dynamoRecorder sits in front of the embedded DynamoDB and records every request the real
// SDK client sends, as DynamoDB receives it (JSON 1.0 over HTTP).
type dynamoRecorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []dynamoCall
}

func (d *dynamoRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	target := r.Header.Get("X-Amz-Target")
	c := dynamoCall{Op: target[strings.LastIndexByte(target, '.')+1:]}
	var in struct {
		IndexName                 string
		KeyConditionExpression    string
		FilterExpression          string
		ExpressionAttributeValues map[string]map[string]any
		Key                       map[string]map[string]any
		Item                      map[string]map[string]any
		RequestItems              map[string]json.RawMessage
		TransactItems             []json.RawMessage
	}
	_ = json.Unmarshal(body, &in)
	c.Index = in.IndexName
	keyOf := func(k map[string]map[string]any) string {
		return fmt.Sprintf("PK=%v SK=%v", k["PK"]["S"], k["SK"]["S"])
	}
	switch {
	case in.KeyConditionExpression != "":
		var vals []string
		for name, v := range in.ExpressionAttributeValues {
			vals = append(vals, fmt.Sprintf("%s=%v", name, v["S"]))
		}
		sort.Strings(vals)
		c.What = in.KeyConditionExpression + " (" + strings.Join(vals, " ") + ")"
		if in.FilterExpression != "" {
			c.What += " filter " + in.FilterExpression
		}
	case in.Key != nil:
		c.What = keyOf(in.Key)
	case in.Item != nil:
		c.What = keyOf(in.Item)
	case in.RequestItems != nil:
		c.What = fmt.Sprintf("%d bytes of requests", len(body))
	case in.TransactItems != nil:
		c.What = fmt.Sprintf("%d actions", len(in.TransactItems))
	}
	d.mu.Lock()
	d.log = append(d.log, c)
	d.mu.Unlock()
	d.next.ServeHTTP(w, r)
}

// take returns the calls recorded since the last take, and forgets them.
func (d *dynamoRecorder) take() []dynamoCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.log
	d.log = nil
	return out
}

// countedRouter is the router function as main builds it (app.New from a platform.Config,
// with the WebSocket fan-out), whose DynamoDB requests pass through a recorder.
type countedRouter struct {
	app *App
	rec *dynamoRecorder
	st  *store.Store // the same table, not recorded (for setting up and reading back)
	pk  store.ProjectKey
	key string // the secrets key file
}

func startCountedRouter(t *testing.T) *countedRouter {
	t.Helper()
	ctx := context.Background()
	env := storetest.Start(t)
	rec := &dynamoRecorder{next: env.Server}
	db := httptest.NewServer(rec)
	t.Cleanup(db.Close)
	// the Management API: no flow here has subscribers, so nothing is posted
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(ws.Close)
	keyFile := filepath.Join(t.TempDir(), "secrets.key")
	cfg := platform.Config{Table: env.Table, Region: "us-east-1", DynamoEndpoint: db.URL, WSEndpoint: ws.URL,
		SecretsKeyFile: keyFile, BaseDomain: "example.com"}
	pubs, err := LivePublishers(ctx, cfg)
	if err != nil || pubs == nil {
		t.Fatalf("live publishers: %v", err)
	}
	a, err := New(ctx, cfg, pubs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Drain(context.Background()) })
	return &countedRouter{app: a, rec: rec, st: env.Store, pk: storetest.Project(t, env.Store, "shop", "dev"), key: keyFile}
}

// secret sets a secret's value on dev, sealed with the router's key.
func (c *countedRouter) secret(t *testing.T, key, value string) {
	t.Helper()
	ctx := context.Background()
	w, err := secrets.LoadOrCreateKeyFile(c.key)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(w)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal(ctx, []byte(value), secrets.SecretContext(c.pk.Tenant, c.pk.Project, "dev", key))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.st.SetSecret(ctx, c.pk, key, "dev", sealed.Encode()); err != nil {
		t.Fatal(err)
	}
}

// publish creates a GET route flow at /{path}/{id} with doc and publishes it on dev.
func (c *countedRouter) publish(t *testing.T, path string, doc any, saving store.RunSaving) store.FlowKey {
	t.Helper()
	ctx := context.Background()
	raw, _ := json.Marshal(doc)
	f, err := c.st.CreateFlow(ctx, c.pk, store.CreateFlowInput{Kind: store.KindRoute, Name: path, Document: raw, RunSaving: saving,
		Route: &store.RouteConfig{Method: "GET", ResponseMode: "wait", Segments: []store.Segment{
			{Kind: "static", Value: path}, {Kind: "variable", Name: "id", Type: "number"}}}})
	if err != nil {
		t.Fatal(err)
	}
	fk := store.FlowKey{Tenant: c.pk.Tenant, Project: c.pk.Project, Flow: f.ID}
	if _, err := c.st.Publish(ctx, store.PublishInput{Flow: fk, Stage: "dev", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	return fk
}

// get sends GET /{path}/42 to the router and returns the answer.
func (c *countedRouter) get(t *testing.T, path string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	host := "shop-dev.example.com"
	raw := "/" + path + "/42"
	resp, err := c.app.Handle(context.Background(), events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: raw,
		Headers: map[string]string{"host": host},
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: host,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: raw, SourceIP: "1.2.3.4"}}})
	if err != nil {
		t.Fatalf("GET %s: %v", raw, err)
	}
	return resp
}

// callsPerRequest sends n requests one after another to a warm router (the route table, the
// plan and the subscriber list read by earlier requests) and returns the DynamoDB calls they
// made, background work (retention) included.
func (c *countedRouter) callsPerRequest(t *testing.T, path string, n int) []dynamoCall {
	t.Helper()
	_ = c.app.Drain(context.Background())
	c.rec.take()
	for range n {
		if resp := c.get(t, path); resp.StatusCode != 200 {
			t.Fatalf("GET /%s/42: %d %s", path, resp.StatusCode, resp.Body)
		}
	}
	_ = c.app.Drain(context.Background())
	return c.rec.take()
}

func node(h, typ string, values map[string]any) map[string]any {
	return map[string]any{"id": h, "handle": h, "type": typ, "position": map[string]any{"x": 0, "y": 0}, "values": values}
}

func link(a, z string) map[string]any {
	return map[string]any{"from": map[string]any{"node": a, "port": "true_path"}, "to": map[string]any{"node": z, "port": "node"}}
}

// loadFlow is BenchmarkTriggerLoad's flow (shared/local/cloud): route → set → response.
func loadFlow() map[string]any {
	return map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
		node("route", "trigger.route", nil),
		node("item", "data.build_object", map[string]any{"fields": []any{
			map[string]any{"key": "id", "type": "number", "value": "{{ route.params.id }}"},
			map[string]any{"key": "name", "type": "string", "value": "item {{ route.params.id }}"}}}),
		node("reply", "http.response", map[string]any{"body": "{{ item.object }}"}),
	}, "connections": []any{link("route", "item"), link("item", "reply")}}
}

// periodic says whether a call is made once in a while rather than for each request: the
// route table (read again after CacheTTL), the flow's live subscribers (after the
// subscriber TTL) and retention passes (every RetentionEvery kept runs or minute).
func periodic(c dynamoCall) bool {
	switch {
	case c.Op == "GetItem" && (strings.Contains(c.What, "SK=SLUG") || strings.Contains(c.What, "SK=ROUTES#")):
		return true
	case c.Op == "Query" && strings.Contains(c.What, ":skp=SUB#"):
		return true
	case c.Op == "Query" && c.Index == "GSI1" && strings.Contains(c.What, "#RUNS)"),
		c.Op == "GetItem" && strings.Contains(c.What, "SK=FLOW#"), c.Op == "BatchWriteItem":
		return true // a retention pass (reads the flow's retention when the job gives none)
	}
	return false
}

// kinds sums calls by operation and item kind (ids left out).
func kinds(calls []dynamoCall) map[string]int {
	ids := regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`)
	out := map[string]int{}
	for _, c := range calls {
		out[ids.ReplaceAllString(c.String(), "*")]++
	}
	return out
}

func summarize(calls []dynamoCall) string {
	var lines []string
	for k, n := range kinds(calls) {
		lines = append(lines, fmt.Sprintf("%4d %s", n, k))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// What a trigger request costs in DynamoDB, counted as the real SDK client sends it: a warm
// router answering a published GET route makes, for each request, only the calls its flow
// needs — the run's one write when runs are saved (record and results in one item), the
// secrets it names (one GetItem), the stage's variables when an expression reads env (one
// Query) — and nothing else for each request: the route table, the plan, the project's
// settings and the flow's run policy come from the route table's cache, the secrets and
// variables are not read for a flow that names none, and live subscribers are read once
// per subscriber TTL, not per run. Reads made once in a while (the route table, the
// subscriber list, retention passes) are fewer than one for every two requests.
func TestTriggerRequestDynamoCalls(t *testing.T) {
	c := startCountedRouter(t)
	ctx := context.Background()
	if err := c.st.SetEnvVar(ctx, c.pk, "REGION", "dev", "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	c.secret(t, "TOKEN", "tok-0123456789")
	answer := func(body string) map[string]any {
		return map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"body": body}),
		}, "connections": []any{link("route", "reply")}}
	}
	// the secret's length: the answer shows it was read without holding it (which the
	// caller would get redacted)
	secretLength := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{
		node("route", "trigger.route", nil),
		node("sec", "variable.secret", map[string]any{"key": "TOKEN"}),
		node("reply", "http.response", map[string]any{"body": "{{ len(sec.value) }}"}),
	}, "connections": []any{link("route", "sec"), link("sec", "reply")}}
	const n = 20
	run := "PutItem PK=T#*#P#*#R#* SK=RUN"
	tests := []struct {
		path   string
		doc    map[string]any
		saving store.RunSaving
		body   string
		each   []string // the calls each request makes
	}{
		// BenchmarkTriggerLoad's route
		{"items", loadFlow(), store.SaveAll, `{"id":42,"name":"item 42"}`, []string{run}},
		{"unsaved", loadFlow(), store.SaveNone, `{"id":42,"name":"item 42"}`, nil},
		{"errors", loadFlow(), store.SaveErrors, `{"id":42,"name":"item 42"}`, nil},
		{"env", answer("{{ env.REGION }} environment"), store.SaveAll, "eu-west-1 environment",
			[]string{"Query #pk = :pk AND begins_with(#sk, :skp) (:pk=T#*#P#* :skp=ENV# :st=dev) filter stage = :st", run}},
		{"secret", secretLength, store.SaveAll, "14", []string{"GetItem PK=T#*#P#* SK=SECRET#TOKEN#dev", run}},
	}
	for _, tc := range tests {
		c.publish(t, tc.path, tc.doc, tc.saving)
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp := c.get(t, tc.path) // warm: route table, plan, subscribers
			if resp.StatusCode != 200 || !strings.Contains(resp.Body, tc.body) {
				t.Fatalf("GET /%s/42: %d %s, want 200 with %s", tc.path, resp.StatusCode, resp.Body, tc.body)
			}
			_ = c.app.Drain(ctx)
			t.Logf("the first request (and what it started in the background):\n%s", summarize(c.rec.take()))
			calls := c.callsPerRequest(t, tc.path, n)
			var each, rare []dynamoCall
			for _, cl := range calls {
				if periodic(cl) {
					rare = append(rare, cl)
				} else {
					each = append(each, cl)
				}
			}
			want := map[string]int{}
			for _, w := range tc.each {
				want[w] += n
			}
			if got := kinds(each); !maps.Equal(got, want) {
				t.Fatalf("%d requests made\n%s\nwant %d of each of %q", n, summarize(each), n, tc.each)
			}
			for k, m := range kinds(rare) {
				if m >= n/2 {
					t.Fatalf("%d requests made %d of %s, a call meant to be made once in a while", n, m, k)
				}
			}
			t.Logf("%d requests: %d calls for each, %d once in a while:\n%s", n, len(each), len(rare), summarize(calls))
		})
	}
}
