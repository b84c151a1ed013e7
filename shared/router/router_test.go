package router_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/router"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

type fixture struct {
	st      *store.Store
	env     *storetest.Env
	r       *router.Router
	pk      store.ProjectKey
	flow    store.FlowKey
	handoff chan runs.Job
	box     *secrets.Box
	x       *runs.Executor
}

func node(h, typ string, values map[string]any) map[string]any {
	return map[string]any{"id": h, "handle": h, "type": typ, "position": map[string]any{"x": 0, "y": 0}, "values": values}
}

func conn(a, ap, b, bp string) map[string]any {
	return map[string]any{"from": map[string]any{"node": a, "port": ap}, "to": map[string]any{"node": b, "port": bp}}
}

// helloFlow: route → response with a greeting, a secret header and the typed id.
func helloFlow() json.RawMessage {
	doc := map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{
				"status": 200,
				"body": map[string]any{"hello": "{{ route.params.name }}", "n": "{{ route.params.n }}", "q": "{{ route.query_all.tag }}",
					"json": "{{ route.json }}", "cookie": "{{ route.cookies.session }}", "token": "<secret:TOKEN>"},
				"cookies": []any{"seen=1; Path=/"},
			}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}}
	b, _ := json.Marshal(doc)
	return b
}

func setup(t *testing.T, saving store.RunSaving, mode string, requireKey bool, doc json.RawMessage) *fixture {
	t.Helper()
	return setupTB(t, saving, mode, requireKey, doc)
}

func setupTB(t testing.TB, saving store.RunSaving, mode string, requireKey bool, doc json.RawMessage) *fixture {
	t.Helper()
	ctx := context.Background()
	env := storetest.Start(t)
	st := env.Store
	pk := storetest.Project(t, st, "my-shop", "dev")
	f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindRoute, Name: "hello", Document: doc, RunSaving: saving,
		Route: &store.RouteConfig{Method: "GET", ResponseMode: mode, RequireAPIKey: requireKey, CORSOrigins: []string{"https://app.example"}, Segments: []store.Segment{
			{Kind: "static", Value: "hello"}, {Kind: "variable", Name: "name", Type: "string"}, {Kind: "variable", Name: "n", Type: "number"}}}})
	if err != nil {
		t.Fatal(err)
	}
	fk := store.FlowKey{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: fk, Stage: "dev", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	lw, _ := secrets.NewLocalWrapper(key)
	box, _ := secrets.NewBox(lw)
	sealed, err := box.Seal(ctx, []byte("tok-123-secret"), secrets.SecretContext(pk.Tenant, pk.Project, "dev", "TOKEN"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSecret(ctx, pk, "TOKEN", "dev", sealed.Encode()); err != nil {
		t.Fatal(err)
	}
	x, err := runs.New(runs.Options{Store: st, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0)})
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{st: st, env: env, pk: pk, flow: fk, handoff: make(chan runs.Job, 1), box: box, x: x}
	fx.r, err = router.New(router.Config{Store: st, Executor: x, BaseDomain: "example.com", CacheTTL: time.Millisecond,
		HandOff: func(_ context.Context, j runs.Job) error { fx.handoff <- j; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Wait(context.Background()) })
	return fx
}

func request(method, host, rawPath, query string, headers map[string]string, body string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"host": host}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: rawPath, RawQueryString: query,
		Headers: h, Body: body, Cookies: []string{"session=s1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: host,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath, SourceIP: "1.2.3.4"}}}
}

func TestPublishedRouteAnswersAndRecordsTheRun(t *testing.T) {
	fx := setup(t, store.SaveAll, router.ModeWait, false, helloFlow())
	ctx := context.Background()
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/42", "tag=a&tag=b", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Headers["x-run-id"] == "" || len(resp.Cookies) != 1 {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["hello"] != "ada" || body["n"] != 42.0 || body["cookie"] != "s1" || body["token"] != "<secret:TOKEN>" {
		t.Fatalf("body %v", body)
	}
	if tags, _ := body["q"].([]any); len(tags) != 2 {
		t.Fatalf("repeated query keys: %v", body["q"])
	}
	run, err := fx.st.GetRun(ctx, store.RunKey{Tenant: fx.pk.Tenant, Project: fx.pk.Project, Run: resp.Headers["x-run-id"]})
	if err != nil || run.Status != "success" || run.Stage != "dev" {
		t.Fatalf("stored run %+v %v", run, err)
	}
	results, err := fx.st.ListNodeResults(ctx, store.RunKey{Tenant: fx.pk.Tenant, Project: fx.pk.Project, Run: run.ID})
	if err != nil || len(results) != 2 {
		t.Fatalf("node results %d %v", len(results), err)
	}
	raw, _ := json.Marshal(results)
	if strings.Contains(string(raw), "tok-123-secret") {
		t.Fatal("the secret reached the stored results")
	}
	// a query with a pair that does not parse keeps the others as they were sent
	bad := request("GET", "my-shop-dev.example.com", "/hello/ada/42", "x=%zz&tag=a,b&tag=c", nil, "")
	bad.QueryStringParameters = map[string]string{"x": "%zz", "tag": "a,b,c"}
	resp, _ = fx.r.Handle(ctx, bad)
	if !strings.Contains(resp.Body, `"q":["a,b","c"]`) {
		t.Fatalf("query with a bad pair: %d %s", resp.StatusCode, resp.Body)
	}
	// the path form reaches the same route
	resp, _ = fx.r.Handle(ctx, request("GET", "abc123.execute-api.us-east-1.amazonaws.com", "/my-shop/dev/hello/grace/7", "", nil, ""))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"grace"`) {
		t.Fatalf("path form: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestRoutingErrors(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	ctx := context.Background()
	for _, tc := range []struct {
		name, method, host, path string
		status                   int
		want                     string
	}{
		{"unknown project", "GET", "nope-dev.example.com", "/hello/a/1", 404, "nothing published"},
		{"unknown stage", "GET", "my-shop-prod.example.com", "/hello/a/1", 404, "nothing published"},
		{"no route", "GET", "my-shop-dev.example.com", "/bye", 404, "no route matches"},
		{"typed variable", "GET", "my-shop-dev.example.com", "/hello/a/notanumber", 404, "no route matches"},
		{"wrong method", "POST", "my-shop-dev.example.com", "/hello/a/1", 405, "use GET"},
		{"bad host", "GET", "nohyphen.example.com", "/x", 400, "cannot tell the project"},
	} {
		resp, err := fx.r.Handle(ctx, request(tc.method, tc.host, tc.path, "", nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) || resp.Headers["content-type"] != "application/problem+json" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, resp.Body)
		}
		if tc.status == 405 && !strings.Contains(resp.Headers["allow"], "GET") {
			t.Errorf("405 without Allow: %v", resp.Headers)
		}
	}
	// a plain OPTIONS (no preflight) is answered with what the path allows
	resp, _ := fx.r.Handle(ctx, request("OPTIONS", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if resp.StatusCode != 204 || resp.Headers["allow"] != "GET, HEAD, OPTIONS" {
		t.Fatalf("plain OPTIONS: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	pre := map[string]string{"origin": "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "content-type"}
	resp, _ = fx.r.Handle(ctx, request("OPTIONS", "my-shop-dev.example.com", "/hello/a/1", "", pre, ""))
	if resp.StatusCode != 204 || resp.Headers["access-control-allow-origin"] != "https://app.example" ||
		!strings.Contains(resp.Headers["access-control-allow-methods"], "GET") || resp.Headers["access-control-allow-headers"] != "content-type" {
		t.Fatalf("preflight %d %v", resp.StatusCode, resp.Headers)
	}
	pre["origin"] = "https://evil.example"
	if resp, _ := fx.r.Handle(ctx, request("OPTIONS", "my-shop-dev.example.com", "/hello/a/1", "", pre, "")); resp.StatusCode != 403 || resp.Headers["access-control-allow-origin"] != "" {
		t.Fatalf("preflight from another origin: %d %v", resp.StatusCode, resp.Headers)
	}
	resp, _ = fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", map[string]string{"origin": "https://app.example"}, ""))
	if resp.StatusCode != 200 || resp.Headers["access-control-allow-origin"] != "https://app.example" || resp.Headers["vary"] != "Origin" {
		t.Fatalf("CORS on the answer: %d %v", resp.StatusCode, resp.Headers)
	}
	// DynamoDB failing → 503 with Retry-After, once the cached table is too old to serve
	// while it is read again
	fx.env.SetFault(func(op string) *storetest.Fault { return &storetest.Fault{Status: 500, Type: "InternalServerError"} })
	time.Sleep(30 * time.Millisecond)
	resp, _ = fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if resp.StatusCode != 503 || resp.Headers["retry-after"] == "" {
		t.Fatalf("store down: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}

func TestAPIKeysAsyncModeAndMissingResponse(t *testing.T) {
	fx := setup(t, store.SaveAll, router.ModeWait, true, helloFlow())
	ctx := context.Background()
	plain, stored, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := fx.st.CreateAPIKey(ctx, fx.pk, store.CreateAPIKeyInput{Label: "ci", Prefix: stored.Prefix, Hash: stored.Hash})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		headers map[string]string
		status  int
	}{
		{nil, 401},
		{map[string]string{"x-api-key": "psk_wrong"}, 401},
		{map[string]string{"x-api-key": plain}, 200},
		{map[string]string{"authorization": "Bearer " + plain}, 200},
	} {
		resp, _ := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", tc.headers, ""))
		if resp.StatusCode != tc.status {
			t.Errorf("%v: %d %s", tc.headers, resp.StatusCode, resp.Body)
		}
		if resp.StatusCode != 200 {
			continue
		}
		// the key is the platform's credential: the run (readable by viewers) never holds it
		results, err := fx.st.ListNodeResults(ctx, fx.pk.Run(resp.Headers["x-run-id"]))
		raw, _ := json.Marshal(results)
		if err != nil || len(results) == 0 || !strings.Contains(string(raw), `"method"`) || strings.Contains(string(raw), plain) {
			t.Errorf("%v: the run's results hold the API key (or none were stored: %v): %s", tc.headers, err, raw)
		}
	}
	got, err := fx.st.GetAPIKey(ctx, fx.pk, k.ID)
	if err != nil || got.LastUsed == nil {
		t.Fatalf("last used not recorded: %+v %v", got, err)
	}

	// a flow without a response node: 500 naming the flow
	noResp, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{node("route", "trigger.route", nil)}, "connections": []any{}})
	fx2 := setup(t, store.SaveErrors, router.ModeWait, false, noResp)
	resp, _ := fx2.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, "ended without an HTTP response") || !strings.Contains(resp.Body, fx2.flow.Flow) {
		t.Fatalf("no response: %d %s", resp.StatusCode, resp.Body)
	}

	fx3 := setup(t, store.SaveAll, router.ModeAsync, false, helloFlow())
	resp, _ = fx3.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if resp.StatusCode != 202 || !strings.Contains(resp.Body, "run_id") {
		t.Fatalf("async: %d %s", resp.StatusCode, resp.Body)
	}
	job := <-fx3.handoff
	if job.Kind != runs.KindRouter || job.Flow != fx3.flow.Flow || job.RunID != resp.Headers["x-run-id"] {
		t.Fatalf("handed off %+v", job)
	}
	// the hand-off carries the 202 for the run's record
	if job.Answered == nil || job.Answered.Status != resp.StatusCode || job.Answered.ContentType != resp.Headers["content-type"] {
		t.Fatalf("handed off answer %+v, the caller got %d %s", job.Answered, resp.StatusCode, resp.Headers["content-type"])
	}
}

func TestBinaryBodiesAndDeadline(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{
		node("route", "trigger.route", nil),
		node("reply", "http.response", map[string]any{"body": "{{ route.body }}", "body_type": "base64",
			"headers": []any{map[string]any{"key": "content-type", "value": "image/png"}}}),
	}, "connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	png := base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G', 0, 1})
	ev := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "image/png"}, png)
	ev.IsBase64Encoded = true
	resp, _ := fx.r.Handle(context.Background(), ev)
	if resp.StatusCode != 200 || !resp.IsBase64Encoded || resp.Body != png || resp.Headers["content-type"] != "image/png" {
		t.Fatalf("binary: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}

	// a large answer comes back whole (it used to be cut at the 64 KiB recording limit, and
	// answered as an empty 200)
	large := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789"), 20<<10))
	ev = request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "image/png"}, large)
	ev.IsBase64Encoded = true
	resp, _ = fx.r.Handle(context.Background(), ev)
	if resp.StatusCode != 200 || resp.Body != large {
		t.Fatalf("a 200 KB answer: %d, %d of %d base64 bytes", resp.StatusCode, len(resp.Body), len(large))
	}

	// a body that is not what its content type says is the caller's fault: 400, naming why
	bad := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "application/json"}, "{bad")
	resp, _ = fx.r.Handle(context.Background(), bad)
	if resp.StatusCode != 400 || resp.Headers["x-run-id"] == "" ||
		!strings.Contains(resp.Body, `the request's body: content-type application/json but the body is not valid JSON`) {
		t.Fatalf("malformed JSON body: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}

	// a flow failing before it answers: 500 pointing at the run, without the error's text
	failing, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{
		node("route", "trigger.route", nil), node("boom", "debug.fail", map[string]any{"message": "db at 10.1.2.3:5432 refused"}),
	}, "connections": []any{conn("route", "true_path", "boom", "node")}})
	fx3 := setup(t, store.SaveErrors, router.ModeWait, false, failing)
	resp, _ = fx3.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	runID := resp.Headers["x-run-id"]
	if resp.StatusCode != 500 || runID == "" || strings.Contains(resp.Body, "10.1.2.3") || strings.Contains(resp.Body, "boom") ||
		!strings.Contains(resp.Body, "failed (node_error) before answering; run "+runID+" has the details") {
		t.Fatalf("failing flow: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	if stored, err := fx3.st.GetRun(context.Background(), fx3.pk.Run(runID)); err != nil || stored.Status != "error" {
		t.Fatalf("the failed run is kept for its owners: %+v %v", stored, err)
	}

	slow, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{
		node("route", "trigger.route", nil), node("wait", "control.delay", map[string]any{"ms": 60000}),
	}, "connections": []any{conn("route", "true_path", "wait", "node")}})
	fx2 := setup(t, store.SaveAll, router.ModeWait, false, slow)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, _ = fx2.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	}()
	wg.Wait()
	if resp.StatusCode != 504 {
		t.Fatalf("deadline: %d %s", resp.StatusCode, resp.Body)
	}
}

// countingStore counts route table reads and makes each take a while.
type countingStore struct {
	router.Store
	slugs, tables atomic.Int64
	delay         time.Duration
}

func (c *countingStore) ResolveSlug(ctx context.Context, slug string) (store.SlugLookup, error) {
	c.slugs.Add(1)
	return c.Store.ResolveSlug(ctx, slug)
}

func (c *countingStore) GetRouteTable(ctx context.Context, k store.ProjectKey, stage string) (store.RouteTable, error) {
	c.tables.Add(1)
	time.Sleep(c.delay)
	return c.Store.GetRouteTable(ctx, k, stage)
}

// Requests arriving together at a stage nobody asked for yet share one read of its route
// table; once it expires, one request reads it again while the others are answered from
// the old one, and a change is served from then on.
func TestRouteTableIsReadOnceAtATime(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	ctx := context.Background()
	cs := &countingStore{Store: fx.st, delay: 20 * time.Millisecond}
	r, err := router.New(router.Config{Store: cs, Executor: fx.x, BaseDomain: "example.com", CacheTTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	burst := func() []int {
		var wg sync.WaitGroup
		codes := make([]int, 30)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
				if err == nil {
					codes[i] = resp.StatusCode
				}
			}()
		}
		wg.Wait()
		return codes
	}
	for _, c := range burst() {
		if c != 200 {
			t.Fatalf("first burst: status %d", c)
		}
	}
	if s, tb := cs.slugs.Load(), cs.tables.Load(); s != 1 || tb != 1 {
		t.Fatalf("first burst read the slug %d and the table %d times, want once each", s, tb)
	}
	time.Sleep(350 * time.Millisecond) // expired, still within the time it is served while read again
	for _, c := range burst() {
		if c != 200 {
			t.Fatalf("burst after expiry: status %d", c)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for cs.tables.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond) // the background read ends
	if s, tb := cs.slugs.Load(), cs.tables.Load(); s != 2 || tb != 2 {
		t.Fatalf("after expiry the slug was read %d and the table %d times in all, want twice each", s, tb)
	}
	// a route published meanwhile is served once the refreshed table is in
	if err := fx.st.Unpublish(ctx, fx.flow, "dev"); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(2 * time.Second)
	for {
		resp, err := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unpublished route still answers %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A flow that ran answers even when its record cannot be stored (the store failing its
// writes): the caller gets the flow's answer, not a 503 that would make it run the flow
// again, and nothing of the run is half-written.
func TestAnswerWhenTheRecordCannotBeStored(t *testing.T) {
	fx := setup(t, store.SaveAll, router.ModeWait, false, helloFlow())
	ctx := context.Background()
	fx.env.SetFault(func(op string) *storetest.Fault {
		if op == "PutItem" || op == "BatchWriteItem" {
			return &storetest.Fault{Status: 500, Type: "InternalServerError"}
		}
		return nil
	})
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "ada") || resp.Headers["x-run-id"] == "" {
		t.Fatalf("answer = %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	fx.env.SetFault(nil)
	p, err := fx.st.ListRuns(ctx, fx.flow, store.ListRunsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 0 {
		t.Fatalf("runs = %+v, want none stored", p.Items)
	}
	if _, err := fx.st.GetRun(ctx, fx.pk.Run(resp.Headers["x-run-id"])); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get run: %v, want not found", err)
	}
}

// A flow whose secret cannot be read because the store is failing answers 503 with
// Retry-After (try again), not 500, and the answer names the run, not the store's error.
func TestUnavailableSecretAnswers503(t *testing.T) {
	fx := setup(t, store.SaveNone, router.ModeWait, false, helloFlow())
	ctx := context.Background()
	// the route table stays cached: only the run meets the failing store
	r, err := router.New(router.Config{Store: fx.st, Executor: fx.x, BaseDomain: "example.com", CacheTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, "")); resp.StatusCode != 200 {
		t.Fatalf("before: %d %s", resp.StatusCode, resp.Body)
	}
	fx.env.SetFault(func(op string) *storetest.Fault {
		if op == "GetItem" {
			return &storetest.Fault{Status: 400, Type: "ProvisionedThroughputExceededException"}
		}
		return nil
	})
	resp, err := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || resp.Headers["retry-after"] == "" || resp.Headers["x-run-id"] == "" ||
		!strings.Contains(resp.Body, "unavailable") || strings.Contains(resp.Body, "DynamoDB") || strings.Contains(resp.Body, "TOKEN") {
		t.Fatalf("answer = %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}

// A request too large for a background run gets 413, not a 503 that asks the caller to retry
// what can never succeed; any other hand-off failure stays a 503 with Retry-After.
func TestAsyncHandOffTooLargeIs413(t *testing.T) {
	fx := setup(t, store.SaveAll, router.ModeAsync, false, helloFlow())
	ctx := context.Background()
	for _, tc := range []struct {
		err    error
		status int
		retry  string
	}{
		{fmt.Errorf("hand off run: the payload is 2000000 bytes, over 1048576: %w", router.ErrTooLarge), 413, ""},
		{errors.New("connection reset"), 503, "1"},
	} {
		r, err := router.New(router.Config{Store: fx.st, Executor: fx.x, BaseDomain: "example.com", CacheTTL: time.Millisecond,
			HandOff: func(context.Context, runs.Job) error { return tc.err }})
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"origin": "https://app.example"}, ""))
		if resp.StatusCode != tc.status || resp.Headers["retry-after"] != tc.retry ||
			resp.Headers["content-type"] != "application/problem+json" || resp.Headers["access-control-allow-origin"] != "https://app.example" {
			t.Fatalf("%v: %d %v %s", tc.err, resp.StatusCode, resp.Headers, resp.Body)
		}
		if tc.status == 413 && !strings.Contains(resp.Body, "at most 1 MB") {
			t.Fatalf("413 detail: %s", resp.Body)
		}
	}
}

// A route flow that also has a Manual play trigger (to try it in the editor) answers its HTTP
// requests from the route node; it failed every request with "the flow has 2 triggers".
func TestRouteFlowWithAManualTriggerToo(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": []any{
		node("try", "trigger.manual", nil),
		node("tried", "http.response", map[string]any{"status": 418, "body": "from the manual trigger"}),
		node("route", "trigger.route", nil),
		node("reply", "http.response", map[string]any{"body": "hello {{ route.params.name }}"}),
	}, "connections": []any{conn("try", "true_path", "tried", "node"), conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
	resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/ada/1", "", nil, ""))
	if err != nil || resp.StatusCode != 200 || resp.Body != "hello ada" {
		t.Fatalf("%v: %d %s", err, resp.StatusCode, resp.Body)
	}
}
