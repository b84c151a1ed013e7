package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"polysynergy/functions/runner/runner"
	"polysynergy/shared/flow"
	"polysynergy/shared/local/apigw"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/router"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func asyncNode(h, typ string, values map[string]any) map[string]any {
	return map[string]any{"id": h, "handle": h, "type": typ, "position": map[string]any{"x": 0, "y": 0}, "values": values}
}

// A route answering at once gets its caller a 202 and runs the flow on the runner; the
// run's record said the status the flow set (or none), not the 202 the caller got. Through
// the real path — the router's hand-off, the runner payload over the Lambda Invoke API, the
// runner's handler, the record read back from the store — the record says response 202
// (application/json, the router's answer) and flow_status what the flow set.
func TestAsyncRouteRecordsTheAnswerItsCallerGot(t *testing.T) {
	tests := []struct {
		name       string
		nodes      []any
		flowStatus int
	}{
		{"flow sets 201", []any{asyncNode("route", "trigger.route", nil),
			asyncNode("reply", "http.response", map[string]any{"status": 201, "body": "made"})}, 201},
		{"flow sets 500", []any{asyncNode("route", "trigger.route", nil),
			asyncNode("reply", "http.response", map[string]any{"status": 500, "body": "oops"})}, 500},
		// a background run need not answer: it is no response_error
		{"flow sets none", []any{asyncNode("route", "trigger.route", nil),
			asyncNode("wait", "control.delay", map[string]any{"ms": 0})}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conns := []any{map[string]any{"from": map[string]any{"node": "route", "port": "true_path"},
				"to": map[string]any{"node": tc.nodes[1].(map[string]any)["id"], "port": "node"}}}
			doc, _ := json.Marshal(map[string]any{"schema": flow.Schema, "nodes": tc.nodes, "connections": conns})
			a := setupAsyncRoute(t, doc)
			resp := a.post(t)
			got := a.read(t, resp.Headers["x-run-id"])
			if got.Status != "success" || got.Trigger != "router" || got.ErrorType != "" {
				t.Fatalf("stored run %s %s %s", got.Status, got.Error, got.Summary)
			}
			if got.Response.Status != 202 || got.Response.ContentType != resp.Headers["content-type"] || got.Response.FlowStatus != tc.flowStatus {
				t.Fatalf("stored response %+v; want 202 %s with flow_status %d", *got.Response, resp.Headers["content-type"], tc.flowStatus)
			}
		})
	}
}

// A background run that pauses (an approval) and is resumed later still says the 202 its
// caller got, not only the status the flow set after the resume.
func TestAsyncRouteRecordsTheAnswerAcrossAResume(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{asyncNode("route", "trigger.route", nil),
			asyncNode("ask", "control.approval", map[string]any{"message": "ok?"}),
			asyncNode("reply", "http.response", map[string]any{"status": 201, "body": "done"})},
		"connections": []any{
			map[string]any{"from": map[string]any{"node": "route", "port": "true_path"}, "to": map[string]any{"node": "ask", "port": "node"}},
			map[string]any{"from": map[string]any{"node": "ask", "port": "true_path"}, "to": map[string]any{"node": "reply", "port": "node"}}}})
	a := setupAsyncRoute(t, doc)
	resp := a.post(t)
	runID := resp.Headers["x-run-id"]
	if got := a.read(t, runID); got.Status != "paused" || got.Response.Status != 202 || got.Response.FlowStatus != 0 {
		t.Fatalf("paused run %s %+v", got.Status, *got.Response)
	}
	payload, _ := json.Marshal(map[string]any{"kind": "resume", "tenant": a.pk.Tenant, "project": a.pk.Project,
		"flow": a.fk.Flow, "run_id": runID, "node": "ask", "input": map[string]any{"approved": true}})
	out, err := a.h.Handle(context.Background(), payload)
	if err != nil || out.Status != "success" {
		t.Fatalf("resume: %+v %v", out, err)
	}
	got := a.read(t, runID)
	if got.Status != "success" || got.Response.Status != 202 || got.Response.ContentType != "application/json" || got.Response.FlowStatus != 201 {
		t.Fatalf("resumed run %s %+v", got.Status, *got.Response)
	}
}

// asyncRoute is a route answering at once, published on dev, whose hand-offs reach the
// runner's handler through the local Lambda Invoke API.
type asyncRoute struct {
	st *store.Store
	pk store.ProjectKey
	r  *router.Router
	l  *apigw.Lambda
	h  *runner.Handler
	fk store.FlowKey
}

func setupAsyncRoute(t *testing.T, doc json.RawMessage) *asyncRoute {
	t.Helper()
	ctx := context.Background()
	env := storetest.Start(t)
	st := env.Store
	pk := storetest.Project(t, st, "my-shop", "dev")
	f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindRoute, Name: "hello", Document: doc, RunSaving: store.SaveAll,
		Route: &store.RouteConfig{Method: "POST", ResponseMode: router.ModeAsync, Segments: []store.Segment{{Kind: "static", Value: "hello"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: store.FlowKey{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID}, Stage: "dev", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	x, err := runs.New(runs.Options{Store: st, Compiler: flow.NewCompiler(catalog.Default(), 0), RetentionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Wait(context.Background()) })

	// the runner function behind the local Lambda Invoke API
	l := apigw.NewLambda(ctx, nil)
	h := runner.New(x, runner.Options{})
	l.Register("runner", func(ctx context.Context, payload []byte) ([]byte, error) {
		resp, err := h.Handle(ctx, payload)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	})
	mux := http.NewServeMux()
	l.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	lc := lambda.New(lambda.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	r, err := router.New(router.Config{Store: st, Executor: x, BaseDomain: "example.com",
		HandOff: func(ctx context.Context, job runs.Job) error { return invokeRunner(ctx, lc, "runner", job) }})
	if err != nil {
		t.Fatal(err)
	}

	return &asyncRoute{st: st, pk: pk, r: r, l: l, h: h, fk: store.FlowKey{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID}}
}

// post sends POST /hello, expects the 202 and waits for the handed-off run to end.
func (a *asyncRoute) post(t *testing.T) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ctx := context.Background()
	host := "my-shop-dev.example.com"
	resp, err := a.r.Handle(ctx, events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: "/hello",
		Headers: map[string]string{"host": host}, Body: "{}",
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: host,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/hello", SourceIP: "1.2.3.4"}}})
	if err != nil || resp.StatusCode != 202 || resp.Headers["x-run-id"] == "" {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.l.Wait(wctx); err != nil {
		t.Fatalf("wait for the runner: %v", err)
	}
	return resp
}

type storedRun struct {
	store.Run
	ErrorType string
	Response  *struct {
		Status      int    `json:"status"`
		ContentType string `json:"content_type"`
		FlowStatus  int    `json:"flow_status"`
	}
}

// read reads a run back from the store.
func (a *asyncRoute) read(t *testing.T, runID string) storedRun {
	t.Helper()
	run, err := a.st.GetRun(context.Background(), a.pk.Run(runID))
	if err != nil {
		t.Fatalf("read the run back: %v", err)
	}
	var sum struct {
		ErrorType string `json:"error_type"`
		Response  *struct {
			Status      int    `json:"status"`
			ContentType string `json:"content_type"`
			FlowStatus  int    `json:"flow_status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(run.Summary, &sum); err != nil {
		t.Fatalf("summary %s: %v", run.Summary, err)
	}
	if sum.Response == nil {
		t.Fatalf("run %s records no answer: %s", runID, run.Summary)
	}
	return storedRun{Run: run, ErrorType: sum.ErrorType, Response: sum.Response}
}
