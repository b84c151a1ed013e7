package router_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// storedAnswer is the part of a stored run record that says what its caller got.
type storedAnswer struct {
	Status    string
	Error     string
	ErrorType string
	Response  struct {
		Status      int    `json:"status"`
		ContentType string `json:"content_type"`
		FlowStatus  int    `json:"flow_status"`
	}
	Saved bool
}

// readAnswer reads the run the router answered resp for back from the store.
func readAnswer(t *testing.T, fx *fixture, runID string) storedAnswer {
	t.Helper()
	if runID == "" {
		t.Fatal("the answer names no run")
	}
	run, err := fx.st.GetRun(context.Background(), fx.pk.Run(runID))
	if err != nil {
		t.Fatalf("read run %s: %v", runID, err)
	}
	var sum struct {
		ErrorType string `json:"error_type"`
		Saved     bool   `json:"saved"`
		Response  *struct {
			Status      int    `json:"status"`
			ContentType string `json:"content_type"`
			FlowStatus  int    `json:"flow_status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(run.Summary, &sum); err != nil {
		t.Fatalf("run summary %s: %v", run.Summary, err)
	}
	out := storedAnswer{Status: run.Status, Error: run.Error, ErrorType: sum.ErrorType, Saved: sum.Saved}
	if sum.Response == nil {
		t.Fatalf("run %s records no answer: %s", runID, run.Summary)
	}
	out.Response = *sum.Response
	return out
}

// A flow whose answer is over Lambda's 6 MB limit gets its caller a 500; its run record said
// status success and response 200. It says what the caller got: status error with why, and
// response 500 (the flow's 200 beside it). A flow keeping only its failed runs keeps it, so
// the run the 500 points at exists.
func TestAnswerOverLimitIsRecordedAsTheCallerGotIt(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "{{ route.body }}{{ route.body }}", "body_type": "text"}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	for _, saving := range []store.RunSaving{store.SaveAll, store.SaveErrors} {
		t.Run(string(saving), func(t *testing.T) {
			fx := setup(t, saving, router.ModeWait, false, doc)
			ev := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "text/plain"},
				strings.Repeat("x", 3_300_000))
			resp, err := fx.r.Handle(context.Background(), ev)
			if err != nil || resp.StatusCode != 500 {
				t.Fatalf("%d %.300s %v", resp.StatusCode, resp.Body, err)
			}
			got := readAnswer(t, fx, resp.Headers["x-run-id"])
			if got.Status != "error" || got.ErrorType != "response_error" || got.Response.Status != 500 ||
				got.Response.ContentType != "application/problem+json" || got.Response.FlowStatus != 200 || !got.Saved ||
				!strings.Contains(got.Error, "answered 500") || !strings.Contains(got.Error, "6 MB") {
				t.Fatalf("stored run %+v", got)
			}
			results, err := fx.st.ListNodeResults(context.Background(), fx.pk.Run(resp.Headers["x-run-id"]))
			if err != nil || len(results) != 2 {
				t.Fatalf("node results of the failed answer: %d %v", len(results), err)
			}
			// an answer under the limit is recorded as the success it is
			ev.Body = strings.Repeat("x", 1000)
			resp, _ = fx.r.Handle(context.Background(), ev)
			if resp.StatusCode != 200 {
				t.Fatalf("small answer: %d", resp.StatusCode)
			}
			if saving == store.SaveAll {
				got = readAnswer(t, fx, resp.Headers["x-run-id"])
				if got.Status != "success" || got.Error != "" || got.Response.Status != 200 || got.Response.FlowStatus != 0 ||
					got.Response.ContentType != "text/plain; charset=utf-8" {
					t.Fatalf("stored run of a small answer %+v", got)
				}
			}
		})
	}
}

// A flow that ends without setting a response gets its caller a 500; its run was recorded
// as a success with no answer at all.
func TestNoResponseIsRecordedAsTheCallerGotIt(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes":       []any{node("route", "trigger.route", nil), node("wait", "control.delay", map[string]any{"ms": 0})},
		"connections": []any{conn("route", "true_path", "wait", "node")}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
	resp, err := fx.r.Handle(context.Background(), request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if err != nil || resp.StatusCode != 500 || !strings.Contains(resp.Body, "ended without an HTTP response") {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	got := readAnswer(t, fx, resp.Headers["x-run-id"])
	if got.Status != "error" || got.ErrorType != "response_error" || got.Response.Status != 500 || got.Response.FlowStatus != 0 ||
		!strings.Contains(got.Error, "without an HTTP response") {
		t.Fatalf("stored run %+v", got)
	}
}

// A response the router cannot send as the flow set it (here a cookie that is the value
// of a secret, which the run's redaction turns into <secret:KEY>, no longer a name=value
// pair) gets its caller a 500; its run was recorded as answering 201.
func TestInvalidResponseIsRecordedAsTheCallerGotIt(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 201, "body": "ok", "cookies": []any{"<secret:SID>"}}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
	ctx := context.Background()
	sealed, err := fx.box.Seal(ctx, []byte("sid=s3cr3t-value"), secrets.SecretContext(fx.pk.Tenant, fx.pk.Project, "dev", "SID"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.st.SetSecret(ctx, fx.pk, "SID", "dev", sealed.Encode()); err != nil {
		t.Fatal(err)
	}
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if err != nil || resp.StatusCode != 500 || !strings.Contains(resp.Body, "invalid response") {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	got := readAnswer(t, fx, resp.Headers["x-run-id"])
	if got.Status != "error" || got.ErrorType != "response_error" || got.Response.Status != 500 || got.Response.FlowStatus != 201 ||
		!strings.Contains(got.Error, "invalid response") || strings.Contains(got.Error, "s3cr3t-value") {
		t.Fatalf("stored run %+v", got)
	}
}

// A flow that set its response and then ran past the deadline gets its caller a 504, not
// that response; its run was recorded as answering the response's 200.
func TestDeadlineAfterResponseIsRecordedAsTheCallerGotIt(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": "early"}),
			node("wait", "control.delay", map[string]any{"ms": 60000}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node"), conn("reply", "true_path", "wait", "node")}})
	fx := setup(t, store.SaveAll, router.ModeWait, false, doc)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if err != nil || resp.StatusCode != 504 {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	got := readAnswer(t, fx, resp.Headers["x-run-id"])
	if got.Status != "error" || got.ErrorType != "deadline_exceeded" || got.Response.Status != 504 || got.Response.FlowStatus != 200 {
		t.Fatalf("stored run %+v", got)
	}
}
