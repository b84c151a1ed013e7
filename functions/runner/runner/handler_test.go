package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"polysynergy/functions/runner/runner"
	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

const eventsDir = "../../../events/runner"

type node struct {
	id, typ string
	values  map[string]any
}

// doc builds a flow whose nodes run one after another (true_path → node), except for
// extra connections given as from.port>to.port.
func doc(t *testing.T, ns []node, extra ...string) json.RawMessage {
	t.Helper()
	d := flow.Document{Schema: flow.Schema}
	for i, n := range ns {
		d.Nodes = append(d.Nodes, flow.Node{ID: n.id, Handle: n.id, Type: n.typ, Values: n.values,
			Position: flow.Position{X: float64(i) * 200}})
	}
	link := func(from, fromPort, to, toPort string) {
		d.Connections = append(d.Connections, flow.Connection{From: flow.Endpoint{Node: from, Port: fromPort},
			To: flow.Endpoint{Node: to, Port: toPort}})
	}
	if len(extra) == 0 {
		for i := 0; i+1 < len(ns); i++ {
			link(ns[i].id, "true_path", ns[i+1].id, "node")
		}
	}
	for _, e := range extra {
		var from, fromPort, to, toPort string
		l, r, _ := strings.Cut(e, ">")
		from, fromPort, _ = strings.Cut(l, ".")
		to, toPort, _ = strings.Cut(r, ".")
		link(from, fromPort, to, toPort)
	}
	b, err := flow.Encode(&d)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if _, err := flow.Compile(&d, catalog.Default()); err != nil {
		t.Fatalf("test flow does not compile: %v", err)
	}
	return b
}

type fixture struct {
	ctx context.Context
	st  *store.Store
	box *secrets.Box
	pk  store.ProjectKey
	x   *runs.Executor
	h   *runner.Handler
	pub *events
	// flows counts the flows made, to name each one (names are unique in a project)
	flows int
}

type events struct{ types []string }

func (e *events) Publish(_ context.Context, ev engine.Event) { e.types = append(e.types, ev.Type) }

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), pub: &events{}}
	f.st, _ = storetest.New(t)
	w, err := secrets.NewLocalWrapper(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatalf("wrapper: %v", err)
	}
	if f.box, err = secrets.NewBox(w); err != nil {
		t.Fatalf("box: %v", err)
	}
	tn, err := f.st.CreateTenant(f.ctx, store.CreateTenantInput{Name: "Acme", OwnerSub: "o", OwnerEmail: "o@example.com"})
	if err != nil {
		t.Fatalf("tenant: %v", err)
	}
	p, err := f.st.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: "Shop", Slug: "shop"})
	if err != nil {
		t.Fatalf("project: %v", err)
	}
	f.pk = p.Key()
	if _, err := f.st.CreateStage(f.ctx, f.pk, "prod", 1); err != nil {
		t.Fatalf("stage: %v", err)
	}
	f.x, err = runs.New(runs.Options{Store: f.st, Secrets: f.box, Compiler: flow.NewCompiler(catalog.Default(), 0),
		Engine: engine.Options{Concurrency: 1}, RetentionInterval: -1,
		Publishers: func(context.Context, runs.RunRef) engine.Publisher { return f.pub }})
	if err != nil {
		t.Fatalf("executor: %v", err)
	}
	f.h = runner.New(f.x, runner.Options{})
	return f
}

// flow creates a flow and its version 1.
func (f *fixture) flow(t *testing.T, kind store.FlowKind, d json.RawMessage) store.FlowKey {
	t.Helper()
	f.flows++
	fl, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: kind, Name: fmt.Sprintf("Flow %d", f.flows), Document: d,
		Schedule: &store.ScheduleConfig{Cron: "0 2 * * *", Timezone: "Europe/Amsterdam", Enabled: true}})
	if err != nil {
		t.Fatalf("flow: %v", err)
	}
	if _, _, err := f.st.CreateVersion(f.ctx, fl.Key(), "o", "v1"); err != nil {
		t.Fatalf("version: %v", err)
	}
	if kind == store.KindSchedule { // the samples fire on prod
		if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod", Version: 1, By: "o"}); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	return fl.Key()
}

// replay reads a sample event, points it at the seeded flow (and version 1), applies
// edits, and hands the JSON to the handler as Lambda would.
func (f *fixture) replay(t *testing.T, name string, fk store.FlowKey, edits map[string]any) (runner.Response, error) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("sample %s: %v", name, err)
	}
	ev["tenant"], ev["project"], ev["flow"] = fk.Tenant, fk.Project, fk.Flow
	if _, ok := ev["version"]; ok {
		ev["version"] = 1
	}
	for k, v := range edits {
		ev[k] = v
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return f.h.Handle(f.ctx, b)
}

func (f *fixture) results(t *testing.T, runID string) map[string]store.NodeResult {
	t.Helper()
	rs, err := f.st.ListNodeResults(f.ctx, f.pk.Run(runID))
	if err != nil {
		t.Fatalf("results: %v", err)
	}
	m := map[string]store.NodeResult{}
	for _, r := range rs {
		m[r.NodeID+":"+r.Status] = r
	}
	return m
}

func (f *fixture) run(t *testing.T, runID string) store.Run {
	t.Helper()
	r, err := f.st.GetRun(f.ctx, f.pk.Run(runID))
	if err != nil {
		t.Fatalf("get run %s: %v", runID, err)
	}
	return r
}

func inputs(t *testing.T, r store.NodeResult) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Inputs, &m); err != nil {
		t.Fatalf("inputs of %s: %v", r.NodeID, err)
	}
	return m
}

func TestReplaySchedule(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindSchedule, doc(t, []node{
		{"tick", "trigger.schedule", nil},
		{"log", "debug.log", map[string]any{"message": "{{ tick.schedule_id }} at {{ tick.fired_at }} ({{ tick.cron }}, {{ tick.timezone }}; {{ tick.fired_at_local }})"}},
	}))
	resp, err := f.replay(t, "schedule.json", fk, nil)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if resp.Kind != "schedule" || resp.Status != "success" || resp.Duplicate || resp.RunID == "" {
		t.Fatalf("response = %+v, want a successful schedule run", resp)
	}
	if id, err := ulid.Parse(resp.RunID); err != nil || !ulid.Time(id.Time()).Equal(time.Date(2025, 3, 22, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("run id %s (%v) does not carry the scheduled time", resp.RunID, err)
	}
	rec := f.run(t, resp.RunID)
	if rec.Trigger != "schedule" || rec.Stage != "prod" || rec.Version != 1 || rec.Status != "success" {
		t.Errorf("stored run = %+v, want a successful schedule run of v1 on prod", rec)
	}
	rs := f.results(t, resp.RunID)
	if len(rs) != 2 {
		t.Fatalf("results = %v, want tick and log", rs)
	}
	// fired_at in UTC, fired_at_local on the schedule's clock (02:00 in Amsterdam, CET)
	if got := inputs(t, rs["log:success"])["message"]; got != "nightly-report at 2025-03-22T01:00:00Z (0 2 * * *, Europe/Amsterdam; 2025-03-22T02:00:00+01:00)" {
		t.Errorf("log message = %q, want the schedule id and the scheduled time, in UTC and on the schedule's clock", got)
	}

	// Scheduler (or Lambda) delivers the same firing again: it does not run twice
	again, err := f.replay(t, "schedule.json", fk, map[string]any{"execution_id": "another-attempt"})
	if err != nil {
		t.Fatalf("second delivery: %v", err)
	}
	if !again.Duplicate || again.RunID != resp.RunID || again.Status != "success" {
		t.Errorf("second delivery = %+v, want a duplicate of %s", again, resp.RunID)
	}
	if n := strings.Count(strings.Join(f.pub.types, ","), "run_start"); n != 1 {
		t.Errorf("run_start events = %d, want 1", n)
	}
	// the next firing is another run
	next, err := f.replay(t, "schedule.json", fk, map[string]any{"scheduled_time": "2025-03-23T01:00:00Z"})
	if err != nil || next.Duplicate || next.RunID == resp.RunID {
		t.Errorf("next firing = %+v, %v; want a new run", next, err)
	}
}

// A schedule firing for a project in the trash (its schedules are taken down when it is
// trashed, but a firing under way then, or one whose removal failed, still arrives) runs
// nothing and is answered without an error, so Scheduler does not retry it. It ran the flow.
func TestReplayScheduleOfTrashedProjectIsSkipped(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindSchedule, doc(t, []node{{"tick", "trigger.schedule", nil}, {"log", "debug.log", map[string]any{"message": "ran"}}}))
	if err := f.st.TrashProject(f.ctx, fk.ProjectKey()); err != nil {
		t.Fatal(err)
	}
	resp, err := f.replay(t, "schedule.json", fk, nil)
	if err != nil || resp.Status != runner.StatusSkipped || !strings.Contains(resp.Error, "the project is in the trash") {
		t.Fatalf("firing for a trashed project: %+v, %v; want skipped without an error", resp, err)
	}
	if page, err := f.st.ListRuns(f.ctx, fk, store.ListRunsOptions{}); err != nil || len(page.Items) != 0 {
		t.Errorf("runs after a skipped firing: %+v, %v; want none", page.Items, err)
	}
	if len(f.pub.types) != 0 {
		t.Errorf("events of a skipped firing: %v", f.pub.types)
	}
}

// A firing Scheduler delivers late, or sent just before the schedule was taken down, is not
// run once the schedule no longer fires on its stage: disabled, unpublished from the stage,
// or the flow deleted. It is answered "skipped" without an error, so it is not retried.
func TestReplayScheduleNoLongerFiringIsSkipped(t *testing.T) {
	for _, tc := range []struct {
		name, why string
		change    func(f *fixture, fk store.FlowKey) error
	}{
		{"disabled", "is disabled", func(f *fixture, fk store.FlowKey) error {
			_, err := f.st.UpdateSchedule(f.ctx, fk, store.ScheduleConfig{Cron: "0 2 * * *", Timezone: "Europe/Amsterdam"})
			return err
		}},
		{"unpublished", "is not published on stage prod", func(f *fixture, fk store.FlowKey) error {
			return f.st.Unpublish(f.ctx, fk, "prod")
		}},
		{"deleted", "is gone", func(f *fixture, fk store.FlowKey) error {
			if err := f.st.Unpublish(f.ctx, fk, "prod"); err != nil {
				return err
			}
			return f.st.DeleteFlow(f.ctx, fk)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			fk := f.flow(t, store.KindSchedule, doc(t, []node{{"tick", "trigger.schedule", nil}, {"log", "debug.log", map[string]any{"message": "ran"}}}))
			if err := tc.change(f, fk); err != nil {
				t.Fatal(err)
			}
			resp, err := f.replay(t, "schedule.json", fk, nil)
			if err != nil || resp.Status != runner.StatusSkipped || !strings.Contains(resp.Error, tc.why) {
				t.Fatalf("firing: %+v, %v; want skipped without an error, saying it %s", resp, err, tc.why)
			}
			if page, err := f.st.ListRuns(f.ctx, fk, store.ListRunsOptions{}); err != nil || len(page.Items) != 0 {
				t.Errorf("runs after a skipped firing: %+v, %v; want none", page.Items, err)
			}
			if len(f.pub.types) != 0 {
				t.Errorf("events of a skipped firing: %v", f.pub.types)
			}
		})
	}
	// published on prod only: a firing for another stage is not run either
	f := setup(t)
	fk := f.flow(t, store.KindSchedule, doc(t, []node{{"tick", "trigger.schedule", nil}}))
	if resp, err := f.replay(t, "schedule.json", fk, map[string]any{"stage": "dev"}); err != nil || resp.Status != runner.StatusSkipped {
		t.Fatalf("firing on a stage it is not published on: %+v, %v", resp, err)
	}
	if resp, err := f.replay(t, "schedule.json", fk, nil); err != nil || resp.Status != "success" {
		t.Fatalf("firing on prod: %+v, %v; want it run", resp, err)
	}
}

func TestReplayScheduleWithoutScheduledTimeUsesInvocationTime(t *testing.T) {
	f := setup(t)
	at := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	f.h = runner.New(f.x, runner.Options{Now: func() time.Time { return at }})
	fk := f.flow(t, store.KindSchedule, doc(t, []node{
		{"tick", "trigger.schedule", nil},
		{"log", "debug.log", map[string]any{"message": "{{ tick.fired_at }}"}},
	}))
	resp, err := f.replay(t, "schedule.json", fk, map[string]any{"scheduled_time": ""})
	if err != nil || resp.Status != "success" {
		t.Fatalf("handle = %+v, %v", resp, err)
	}
	if got := inputs(t, f.results(t, resp.RunID)["log:success"])["message"]; got != "2025-06-01T09:30:00Z" {
		t.Errorf("fired_at = %q, want the invocation time", got)
	}
}

func TestReplayEditor(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindBlueprint, doc(t, []node{{"start", "trigger.manual", nil}}))
	// the editor runs the draft, which differs from version 1
	draft := doc(t, []node{
		{"start", "trigger.manual", nil},
		{"sec", "variable.secret", map[string]any{"key": "STRIPE_KEY"}},
		{"log", "debug.log", map[string]any{"message": "refund {{ start.input.refund }} to {{ start.input.customer }} with {{ sec.value }} in {{ env.REGION }}"}},
	})
	if _, err := f.st.SaveDraft(f.ctx, fk, draft, 1); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	sealed, err := f.box.Seal(f.ctx, []byte("sk_live_abc"), secrets.SecretContext(fk.Tenant, fk.Project, "prod", "STRIPE_KEY"))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if err := f.st.SetSecret(f.ctx, f.pk, "STRIPE_KEY", "prod", sealed.Encode()); err != nil {
		t.Fatalf("secret: %v", err)
	}
	if err := f.st.SetEnvVar(f.ctx, f.pk, "REGION", "prod", "eu-west-1"); err != nil {
		t.Fatalf("env: %v", err)
	}
	resp, err := f.replay(t, "editor.json", fk, map[string]any{"version": 0})
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if resp.Status != "success" || resp.RunID != "01JQ9A0B1C2D3E4F5G6H7J8K9M" {
		t.Fatalf("response = %+v, want success of the sample's run id", resp)
	}
	rec := f.run(t, resp.RunID)
	if rec.Trigger != "editor" || rec.Stage != "mock" || rec.Version != 0 {
		t.Errorf("stored run = %+v, want an editor run of the draft on mock", rec)
	}
	rs := f.results(t, resp.RunID)
	if got := inputs(t, rs["log:success"])["message"]; got != "refund 120 to ada with <secret:STRIPE_KEY> in eu-west-1" {
		t.Errorf("log message = %q, want the input, the borrowed secret redacted and the borrowed env var", got)
	}
	want := []string{"run_start", "node_start", "node_end", "node_start", "node_end", "node_start", "node_log", "node_end", "run_end"}
	if strings.Join(f.pub.types, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", f.pub.types, want)
	}
}

func TestReplayResume(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindBlueprint, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"ask", "control.approval", map[string]any{"message": "Refund {{ start.input.refund }} to {{ start.input.customer }}?"}},
		{"done", "control.exit", map[string]any{"value": "refunded: {{ ask.comment }}"}},
		{"no", "control.exit", map[string]any{"value": "declined"}},
	}, "start.true_path>ask.node", "ask.true_path>done.node", "ask.false_path>no.node"))
	paused, err := f.replay(t, "editor.json", fk, map[string]any{"version": 1, "sub_stage": ""})
	if err != nil {
		t.Fatalf("editor run: %v", err)
	}
	if paused.Status != "paused" || len(paused.PausedAt) != 1 || paused.PausedAt[0] != "ask" {
		t.Fatalf("editor run = %+v, want paused at ask", paused)
	}
	resp, err := f.replay(t, "resume.json", fk, nil)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if resp.Kind != "resume" || resp.Status != "success" || resp.RunID != paused.RunID {
		t.Fatalf("resume = %+v, want success of %s", resp, paused.RunID)
	}
	if rec := f.run(t, resp.RunID); rec.Status != "success" {
		t.Errorf("stored run status = %s, want success", rec.Status)
	}
	rs := f.results(t, resp.RunID)
	for _, k := range []string{"start:success", "ask:paused", "ask:success", "done:success"} {
		if _, ok := rs[k]; !ok {
			t.Errorf("results %v lack %s", rs, k)
		}
	}
	again, err := f.replay(t, "resume.json", fk, nil)
	if err != nil || again.Status != runner.StatusAlreadyResumed {
		t.Errorf("second resume = %+v, %v; want already_resumed", again, err)
	}
	never, err := f.replay(t, "resume.json", fk, map[string]any{"run_id": "01JQ9Z0000000000000000000X"})
	if err != nil || never.Status != runner.StatusNotPaused {
		t.Errorf("resume of an unknown run = %+v, %v; want not_paused", never, err)
	}
}

func TestReplayRouterHandOff(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindRoute, doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/orders/{id:number}"}},
		{"set", "variable.string", map[string]any{"value": "order {{ route.params.id }}: {{ route.json.qty }} × {{ route.json.item }} (tags {{ route.query_all.tag }})"}},
		{"reply", "http.response", map[string]any{"status": 201, "body": "{{ set.value }}"}},
	}))
	resp, err := f.replay(t, "router.json", fk, nil)
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if resp.Status != "success" || resp.RunID != "01JQ9B1C2D3E4F5G6H7J8K9M0N" {
		t.Fatalf("response = %+v, want success of the handed-over run id", resp)
	}
	rec := f.run(t, resp.RunID)
	if rec.Trigger != "router" || rec.Stage != "prod" || rec.Status != "success" {
		t.Errorf("stored run = %+v, want a successful router run on prod", rec)
	}
	// the caller got the router's 202: a payload that does not say it (router.json, as a
	// router older than the answered field sends) is recorded as that, the flow's 201 beside it
	var sum struct {
		Response struct {
			Status      int    `json:"status"`
			ContentType string `json:"content_type"`
			FlowStatus  int    `json:"flow_status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(rec.Summary, &sum); err != nil || sum.Response.Status != 202 ||
		sum.Response.ContentType != "application/json" || sum.Response.FlowStatus != 201 {
		t.Errorf("summary response = %+v (%v), want status 202 with flow_status 201", sum.Response, err)
	}
	rs := f.results(t, resp.RunID)
	if got := inputs(t, rs["set:success"])["value"]; got != `order 42: 2 × book (tags ["a","b"])` {
		t.Errorf("set value = %q, want the request decoded", got)
	}
	if again, err := f.replay(t, "router.json", fk, nil); err != nil || !again.Duplicate {
		t.Errorf("redelivery = %+v, %v; want a duplicate", again, err)
	}
}

func TestPayloadErrorsNameTheField(t *testing.T) {
	f := setup(t)
	tests := []struct {
		name, payload, field string
	}{
		{"not json", `[1`, "payload"},
		{"not an object", `"schedule"`, "payload"},
		{"no kind", `{"tenant":"t"}`, "kind"},
		{"unknown kind", `{"kind":"cron"}`, "kind"},
		{"schedule without flow", `{"kind":"schedule","tenant":"t","project":"p","version":1,"stage":"prod","schedule_id":"s"}`, "flow"},
		{"schedule without version", `{"kind":"schedule","tenant":"t","project":"p","flow":"f","stage":"prod","schedule_id":"s"}`, "version"},
		{"schedule without schedule id", `{"kind":"schedule","tenant":"t","project":"p","flow":"f","version":1,"stage":"prod"}`, "schedule_id"},
		{"schedule with a bad time", `{"kind":"schedule","tenant":"t","project":"p","flow":"f","version":1,"stage":"prod","schedule_id":"s","scheduled_time":"<aws.scheduler.scheduled-time>"}`, "scheduled_time"},
		{"editor without run id", `{"kind":"editor","tenant":"t","project":"p","flow":"f"}`, "run_id"},
		{"editor with a string version", `{"kind":"editor","tenant":"t","project":"p","flow":"f","run_id":"r","version":"2"}`, "version"},
		{"editor with a bad policy", `{"kind":"editor","tenant":"t","project":"p","flow":"f","run_id":"r","save":"most"}`, "save"},
		{"editor borrowing off mock", `{"kind":"editor","tenant":"t","project":"p","flow":"f","run_id":"r","stage":"prod","sub_stage":"test"}`, "sub_stage"},
		{"unknown field", `{"kind":"editor","tenant":"t","project":"p","flow":"f","run_id":"r","colour":"red"}`, "colour"},
		{"resume without node", `{"kind":"resume","tenant":"t","project":"p","flow":"f","run_id":"r"}`, "node"},
		{"router without method", `{"kind":"router","tenant":"t","project":"p","flow":"f","version":1,"stage":"prod","run_id":"r","request":{"path":"/"}}`, "request.method"},
		{"router with a bad answer", `{"kind":"router","tenant":"t","project":"p","flow":"f","version":1,"stage":"prod","run_id":"r","request":{"method":"GET","path":"/"},"answered":{"status":2}}`, "answered.status"},
		{"router without stage", `{"kind":"router","tenant":"t","project":"p","flow":"f","version":1,"run_id":"r","request":{"method":"GET","path":"/"}}`, "stage"},
		{"trailing data", `{"kind":"resume","tenant":"t","project":"p","flow":"f","run_id":"r","node":"n"} {}`, "payload"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.h.Handle(f.ctx, json.RawMessage(tc.payload))
			var pe *runner.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PayloadError", err)
			}
			if pe.Field != tc.field {
				t.Errorf("field = %q (%v), want %q", pe.Field, err, tc.field)
			}
		})
	}
	// a payload that decodes but names an invalid stage is refused by the executor
	_, err := f.h.Handle(f.ctx, json.RawMessage(`{"kind":"schedule","tenant":"t","project":"p","flow":"f","version":1,"stage":"Prod!","schedule_id":"s"}`))
	var je *runs.JobError
	if !errors.As(err, &je) || je.Field != "stage" {
		t.Errorf("bad stage: %v, want a *runs.JobError on stage", err)
	}
}

func TestScheduleInputIsFilledInByScheduler(t *testing.T) {
	in, err := runner.ScheduleInput(runner.SchedulePayload{Tenant: "t", Project: "p", Flow: "f", Version: 2, Stage: "prod",
		ScheduleID: "s1", Cron: "*/5 * * * *", Timezone: "UTC"})
	if err != nil {
		t.Fatalf("schedule input: %v", err)
	}
	for _, want := range []string{`"kind":"schedule"`, `"scheduled_time":"<aws.scheduler.scheduled-time>"`, `"execution_id":"<aws.scheduler.execution-id>"`} {
		if !strings.Contains(in, want) {
			t.Errorf("input %s lacks %s", in, want)
		}
	}
	// what Scheduler sends at a firing decodes
	fired := strings.NewReplacer("<aws.scheduler.scheduled-time>", "2025-01-01T00:05:00Z", "<aws.scheduler.execution-id>", "x1").Replace(in)
	p, err := runner.Decode([]byte(fired))
	if err != nil {
		t.Fatalf("decode a firing: %v", err)
	}
	if sp, ok := p.(*runner.SchedulePayload); !ok || sp.ScheduledTime != "2025-01-01T00:05:00Z" || sp.Version != 2 {
		t.Errorf("decoded %+v, want the schedule payload with the firing's time", p)
	}
	if _, err := runner.ScheduleInput(runner.SchedulePayload{Tenant: "t", Project: "p", Flow: "f", Stage: "prod", ScheduleID: "s"}); err == nil ||
		!strings.Contains(err.Error(), "version") {
		t.Errorf("schedule input without a version: %v, want an error naming version", err)
	}
}

// capture is an Executor that records the jobs it is given.
type capture struct {
	job    runs.Job
	resume runs.ResumeJob
	err    error
}

func (c *capture) Execute(_ context.Context, j runs.Job) (*engine.Run, error) {
	c.job = j
	return &engine.Run{ID: j.RunID, Status: "success"}, c.err
}

func (c *capture) Resume(_ context.Context, j runs.ResumeJob) (*engine.Run, error) {
	c.resume = j
	return nil, c.err
}

func TestDeadlineLeavesMarginAndStoreErrorsAreReturned(t *testing.T) {
	c := &capture{}
	h := runner.New(c, runner.Options{Margin: 2 * time.Second})
	dl := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	defer cancel()
	payload := json.RawMessage(`{"kind":"router","tenant":"t","project":"p","flow":"f","version":1,"stage":"prod","run_id":"r1","request":{"method":"GET","path":"/x"}}`)
	if _, err := h.Handle(ctx, payload); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if !c.job.Deadline.Equal(dl.Add(-2 * time.Second)) {
		t.Errorf("job deadline = %v, want the invocation deadline less 2s (%v)", c.job.Deadline, dl.Add(-2*time.Second))
	}
	if c.job.Kind != runs.KindRouter || c.job.RunID != "r1" {
		t.Errorf("job = %+v, want the router run r1", c.job)
	}
	c.err = store.ErrUnavailable
	if _, err := h.Handle(ctx, payload); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("store unavailable: handle err = %v, want it returned for a retry", err)
	}
	if _, err := h.Handle(ctx, json.RawMessage(`{"kind":"resume","tenant":"t","project":"p","flow":"f","run_id":"r","node":"n"}`)); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("resume with store unavailable: err = %v, want it returned", err)
	}
}

// A hand-off whose flow cannot be started (its version is gone) is recorded as failed with
// the answer its caller got (the payload's), not without one.
func TestRouterHandOffThatCannotStartRecordsTheAnswer(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, store.KindRoute, doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "POST", "path": "/orders/{id:number}"}},
		{"reply", "http.response", map[string]any{"status": 201, "body": "ok"}},
	}))
	resp, err := f.replay(t, "router.json", fk, map[string]any{"version": 9,
		"answered": map[string]any{"status": 202, "content_type": "application/json; charset=utf-8"}})
	if err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("handle: %+v %v; want the load's error", resp, err)
	}
	rec := f.run(t, "01JQ9B1C2D3E4F5G6H7J8K9M0N")
	var sum struct {
		ErrorType string `json:"error_type"`
		Response  *struct {
			Status      int    `json:"status"`
			ContentType string `json:"content_type"`
		} `json:"response"`
	}
	if err := json.Unmarshal(rec.Summary, &sum); err != nil || rec.Status != "error" || sum.ErrorType != "start_error" ||
		sum.Response == nil || sum.Response.Status != 202 || sum.Response.ContentType != "application/json; charset=utf-8" {
		t.Fatalf("stored run %s %s (%v)", rec.Status, rec.Summary, err)
	}
}
