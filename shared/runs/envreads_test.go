package runs_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// dynamoLog sits in front of the embedded DynamoDB and records each request the real SDK
// client sends: its operation and, for a Query, the sort key prefix it asks for, for a
// GetItem the sort key.
type dynamoLog struct {
	next http.Handler
	mu   sync.Mutex
	ops  []string
}

func (d *dynamoLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	var in struct {
		ExpressionAttributeValues map[string]map[string]any
		Key                       map[string]map[string]any
	}
	_ = json.Unmarshal(body, &in)
	if p, ok := in.ExpressionAttributeValues[":skp"]["S"].(string); ok {
		op += " " + p
	}
	if sk, ok := in.Key["SK"]["S"].(string); ok && op == "GetItem" {
		op += " " + sk
	}
	d.mu.Lock()
	d.ops = append(d.ops, op)
	d.mu.Unlock()
	d.next.ServeHTTP(w, r)
}

// take returns the requests recorded since the last take.
func (d *dynamoLog) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.ops
	d.ops = nil
	return out
}

func count(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

// recorded returns an executor like f's whose store's requests go through a dynamoLog.
func (f *fixture) recorded(t *testing.T) (*runs.Executor, *dynamoLog) {
	t.Helper()
	log := &dynamoLog{next: f.env.Server}
	srv := httptest.NewServer(log)
	t.Cleanup(srv.Close)
	st := store.New(storetest.NewClient(srv.URL), f.env.Table)
	x, err := runs.New(runs.Options{Store: st, Secrets: f.box, Compiler: f.comp, WriteBackoff: time.Millisecond,
		RetentionInterval: -1, Engine: engine.Options{Concurrency: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Wait(f.ctx) })
	return x, log
}

// A run reads the stage's environment variables (one Query) only when a flow it runs can
// read them: an expression naming `env`, a placeholder, a node reading one by key, in the
// flow itself or in a flow it calls (whose plan is checked when it is called; the list is
// read once for the run). Text that only looks like it (a literal value, a note) reads
// nothing. Each run gets the values it asks for.
func TestRunReadsTheStagesVariablesOnlyWhenItMay(t *testing.T) {
	f := setup(t)
	f.envVar(t, "REGION", "prod", "eu-west-1")
	x, log := f.recorded(t)
	exitWith := func(value any, extra ...node) json.RawMessage {
		ns := append([]node{{"start", "trigger.manual", nil}}, extra...)
		ids := []string{"start"}
		for _, n := range extra {
			ids = append(ids, n.id)
		}
		ns = append(ns, node{"done", "control.exit", map[string]any{"value": value}})
		return doc(t, ns, chain(append(ids, "done")...)...)
	}
	// a called flow reading `env` (its caller names no env at all)
	callee, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Region", Document: doc(t, []node{
		{"input", "flow.input", map[string]any{"test_input": map[string]any{}}},
		{"out", "control.exit", map[string]any{"value": "{{ env.REGION }}"}},
	}, chain("input", "out")...)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: callee.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	quiet, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Quiet", Document: doc(t, []node{
		{"input", "flow.input", map[string]any{"test_input": map[string]any{}}},
		{"out", "control.exit", map[string]any{"value": "{{ run.stage }}"}},
	}, chain("input", "out")...)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: quiet.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	// a called flow reading none, which calls the one reading `env`
	middle, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Middle", Document: doc(t, []node{
		{"input", "flow.input", map[string]any{"test_input": map[string]any{}}},
		{"inner", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{}}},
		{"out", "control.exit", map[string]any{"value": "{{ inner.result }}"}},
	}, chain("input", "inner", "out")...)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: middle.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	escaped := bytes.ReplaceAll(exitWith("{{ env.REGION }}"), []byte("{{ env."), []byte(`{{ \u0065nv.`))
	if bytes.Contains(escaped, []byte("env")) {
		t.Fatalf("the escaped document still says env: %s", escaped)
	}
	literal := exitWith("the environment is not read", node{"note", "debug.log", map[string]any{"message": "env: none"}})
	var d map[string]any
	_ = json.Unmarshal(literal, &d)
	d["nodes"].([]any)[0].(map[string]any)["notes"] = "reads no env"
	literal, _ = json.Marshal(d)

	tests := []struct {
		name    string
		doc     json.RawMessage
		want    any
		queries int // Queries of the stage's variables
	}{
		{"an expression", exitWith("{{ env.REGION }}"), "eu-west-1", 1},
		{"a placeholder", exitWith("<env:REGION>"), "eu-west-1", 1},
		{"a node by key", exitWith("{{ v.value }}", node{"v", "variable.env", map[string]any{"key": "REGION"}}), "eu-west-1", 1},
		{"an expression written with a JSON escape", escaped, "eu-west-1", 1},
		{"a called flow", exitWith("{{ call.result }}", node{"call", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{}}}), "eu-west-1", 1},
		{"a called flow, twice", exitWith("{{ call.result }} {{ again.result }}",
			node{"call", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{}}},
			node{"again", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{}}}), "eu-west-1 eu-west-1", 1},
		{"a flow called by a called flow", exitWith("{{ call.result }}", node{"call", "flow.call", map[string]any{"flow_id": middle.ID, "input": map[string]any{}}}), "eu-west-1", 1},
		{"a called flow reading none", exitWith("{{ call.result }}", node{"call", "flow.call", map[string]any{"flow_id": quiet.ID, "input": map[string]any{}}}), "prod", 0},
		{"env only in literal text and a note", literal, "the environment is not read", 0},
		{"no env at all", exitWith("{{ run.stage }}"), "prod", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fk := f.flow(t, tc.doc, store.SaveNone, 0)
			log.take()
			run, err := x.Execute(f.ctx, f.job(fk, runs.KindSchedule))
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != engine.StatusSuccess || run.Output != tc.want {
				t.Fatalf("run %s with output %#v (error %+v), want %#v", run.Status, run.Output, run.Error, tc.want)
			}
			ops := log.take()
			if got := count(ops, "Query ENV#"); got != tc.queries {
				t.Fatalf("%d Queries of the stage's variables, want %d (requests: %v)", got, tc.queries, ops)
			}
		})
	}
}
