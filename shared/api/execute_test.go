package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"polysynergy/shared/schedule"
	"polysynergy/shared/store"
)

type startedRuns struct {
	mu       sync.Mutex
	payloads []map[string]any
}

func (s *startedRuns) StartRun(_ context.Context, payload []byte) error {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return err
	}
	s.mu.Lock()
	s.payloads = append(s.payloads, m)
	s.mu.Unlock()
	return nil
}

func TestStartAndResumeRuns(t *testing.T) {
	e := newEnv(t)
	runner := &startedRuns{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, _ := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "Play", "document": chainDoc(t, 2, "play")})

	var started StartedRun
	e.do(http.MethodPost, path+"/runs", u.token, map[string]any{"start": "log_1", "input": map[string]any{"method": "GET"}}).
		status(http.StatusAccepted).ok(&started)
	if !validULID(started.RunID) || len(runner.payloads) != 1 {
		t.Fatalf("started %+v, payloads %v", started, runner.payloads)
	}
	p := runner.payloads[0]
	if p["kind"] != "editor" || p["flow"] != f.ID || p["stage"] != "mock" || p["run_id"] != started.RunID || p["start"] != "log_1" {
		t.Fatalf("payload %v", p)
	}
	wantFields(t, e.do(http.MethodPost, path+"/runs", u.token, map[string]any{"stage": "nope"}).problem(422), "body.stage")
	for body, field := range map[string]string{
		`{"stage": "mock", "sub_stage": "prod"}`: "body.sub_stage",
		`{"sub_stage": "Bad!"}`:                  "body.sub_stage",
		`{"version": 99}`:                        "body.version",
		`{"start": "nosuch"}`:                    "body.start",
		`{"version": 1, "start": "start"}`:       "body.version",
	} {
		wantFields(t, e.do(http.MethodPost, path+"/runs", u.token, json.RawMessage(body)).problem(422), field)
	}
	if n := len(runner.payloads); n != 1 {
		t.Fatalf("refused runs reached the runner: %d payloads", n)
	}
	e.do(http.MethodPost, path+"/runs", u.token, map[string]any{"start": "n1"}).status(http.StatusAccepted) // a node's id does too

	// resume: only a paused run of this flow
	pk := store.ProjectKey{Tenant: u.tenant, Project: f.Project}
	run, err := e.db.Store.CreateRun(context.Background(), store.Run{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID, Stage: "mock", Trigger: "editor", Status: "paused",
		Summary: json.RawMessage(`{"paused_at":["ask"],"paused_ids":["n7"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"ask", "n7"} {
		e.do(http.MethodPost, path+"/runs/"+run.ID+"/resume", u.token, map[string]any{"node": node, "input": map[string]any{"approved": true}}).
			status(http.StatusAccepted).ok(&started)
		if last := runner.payloads[len(runner.payloads)-1]; last["kind"] != "resume" || last["run_id"] != run.ID || last["node"] != node {
			t.Fatalf("resume payload %v", last)
		}
	}
	before := len(runner.payloads)
	p422 := e.do(http.MethodPost, path+"/runs/"+run.ID+"/resume", u.token, map[string]any{"node": "zzz"}).problem(422)
	wantFields(t, p422, "body.node")
	if !strings.Contains(p422.Detail, `not paused at "zzz"; it waits at ask`) || len(runner.payloads) != before {
		t.Fatalf("resume at a node that is not paused: %+v (payloads %d → %d)", p422, before, len(runner.payloads))
	}
	done, _ := e.db.Store.CreateRun(context.Background(), store.Run{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID, Stage: "mock", Trigger: "editor", Status: "success"})
	wantFields(t, e.do(http.MethodPost, path+"/runs/"+done.ID+"/resume", u.token, map[string]any{"node": "ask"}).problem(409), "path.run")
	wantFields(t, e.do(http.MethodPost, path+"/runs/"+run.ID+"/resume", u.token, map[string]any{}).problem(422), "body.node")

	// without a runner the endpoints say so
	e.h.cfg.Runner = nil
	if pr := e.do(http.MethodPost, path+"/runs", u.token, map[string]any{}).problem(503); !strings.Contains(pr.Detail, "no runner") {
		t.Fatalf("no runner: %+v", pr)
	}
}

// fakeScheduler speaks enough of EventBridge Scheduler's REST-JSON API for the SDK.
type fakeScheduler struct {
	mu       sync.Mutex
	calls    []string
	bodies   []map[string]any
	existing map[string]bool
	// fail answers requests of a method with a 500 InternalServerException once pass more
	// of them have been answered (the SDK client does not retry: RetryMaxAttempts 1).
	fail map[string]*injected
}

type injected struct{ pass, fail int }

// failNext makes n requests of method fail after the next pass ones.
func (f *fakeScheduler) failNext(method string, pass, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = &injected{pass: pass, fail: n}
}

// has reports whether the named schedule exists.
func (f *fakeScheduler) has(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.existing[name]
}

func (f *fakeScheduler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := strings.TrimPrefix(r.URL.Path, "/schedules/")
	f.calls = append(f.calls, r.Method+" "+name)
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	f.bodies = append(f.bodies, m)
	w.Header().Set("Content-Type", "application/json")
	if in := f.fail[r.Method]; in != nil && in.pass > 0 {
		in.pass--
	} else if in != nil && in.fail > 0 {
		in.fail--
		w.Header().Set("X-Amzn-Errortype", "InternalServerException")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"Message":"injected failure"}`))
		return
	}
	switch r.Method {
	case http.MethodPost:
		if f.existing[name] {
			w.Header().Set("X-Amzn-Errortype", "ConflictException")
			w.WriteHeader(409)
			_, _ = w.Write([]byte(`{"Message":"exists"}`))
			return
		}
		f.existing[name] = true
		_, _ = w.Write([]byte(`{"ScheduleArn":"arn:aws:scheduler:us-east-1:1:schedule/g/` + name + `"}`))
	case http.MethodPut:
		_, _ = w.Write([]byte(`{"ScheduleArn":"arn:aws:scheduler:us-east-1:1:schedule/g/` + name + `"}`))
	case http.MethodDelete:
		if !f.existing[name] {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"Message":"Schedule ` + name + ` does not exist."}`))
			return
		}
		delete(f.existing, name)
		_, _ = w.Write([]byte(`{}`))
	}
}

// fakeScheduler points the API's schedule syncing at a fake EventBridge Scheduler (its wire
// format over HTTP), closed when the test ends.
func (e *env) fakeScheduler() *fakeScheduler {
	fake := &fakeScheduler{existing: map[string]bool{}, fail: map[string]*injected{}}
	srv := httptest.NewServer(fake)
	e.t.Cleanup(srv.Close)
	client := scheduler.New(scheduler.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), RetryMaxAttempts: 1})
	e.h.cfg.Scheduler = schedule.NewSyncer(client, "polysynergy", quietLogger())
	e.h.cfg.SchedulerTarget = SchedulerTarget{Group: "polysynergy", RunnerARN: "arn:aws:lambda:us-east-1:1:function:runner", RoleARN: "arn:aws:iam::1:role/sched"}
	return fake
}

// publishedNightly signs alice in with the fake scheduler, and publishes her schedule flow
// "Nightly" (weekdays 9:30 in Amsterdam) to the stage prod of her project "Schedules": it
// returns the scheduler, alice, the project's and the flow's paths and the schedule's name.
func (e *env) publishedNightly(t *testing.T) (fake *fakeScheduler, u user, proj, path, name string) {
	t.Helper()
	fake = e.fakeScheduler()
	u = e.signIn("alice")
	proj, _ = e.project(u, "Schedules")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	path, f := e.flow(u, proj, map[string]any{"kind": "schedule", "name": "Nightly", "document": chainDoc(t, 2, "n"),
		"schedule": map[string]any{"cron": "30 9 * * 1-5", "timezone": "Europe/Amsterdam", "enabled": true}})
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).status(http.StatusOK)
	name = schedule.Name(u.tenant, f.Project, f.ID, "prod")
	return fake, u, proj, path, name
}

func TestPublishedSchedulesReachEventBridgeScheduler(t *testing.T) {
	e := newEnv(t)
	fake, u, _, path, name := e.publishedNightly(t)
	if len(fake.calls) != 1 || fake.calls[0] != "POST "+name {
		t.Fatalf("calls %v", fake.calls)
	}
	body := fake.bodies[0]
	target, _ := body["Target"].(map[string]any)
	if body["ScheduleExpression"] != "cron(30 9 ? * 2-6 *)" || body["ScheduleExpressionTimezone"] != "Europe/Amsterdam" ||
		body["State"] != "ENABLED" || target["Arn"] != "arn:aws:lambda:us-east-1:1:function:runner" ||
		!strings.Contains(target["Input"].(string), `"kind":"schedule"`) || !strings.Contains(target["Input"].(string), "<aws.scheduler.scheduled-time>") {
		t.Fatalf("schedule sent %v", body)
	}
	// editing the published schedule updates it
	e.do(http.MethodPut, path+"/schedule", u.token, map[string]any{"cron": "@daily", "timezone": "UTC", "enabled": false}).status(http.StatusOK)
	last := fake.bodies[len(fake.bodies)-1]
	if fake.calls[len(fake.calls)-1] != "PUT "+name || last["ScheduleExpression"] != "cron(0 0 * * ? *)" || last["State"] != "DISABLED" {
		t.Fatalf("update: %v %v", fake.calls, last)
	}
	// unpublishing deletes it
	e.do(http.MethodDelete, path+"/publications/prod", u.token, nil).status(http.StatusNoContent)
	if fake.calls[len(fake.calls)-1] != "DELETE "+name {
		t.Fatalf("unpublish: %v", fake.calls)
	}
}

// An answer a paused Human approval does not accept (not true, false or {"approved": bool})
// is refused with 422 naming body.input and the accepted forms, before the runner is asked:
// the run stays paused for a proper answer instead of failing on it.
func TestResumeRefusesAnInvalidApprovalAnswer(t *testing.T) {
	e := newEnv(t)
	runner := &startedRuns{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, _ := e.project(u, "Approvals")
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "Ask", "document": chainDoc(t, 2, "ask")})
	pk := store.ProjectKey{Tenant: u.tenant, Project: f.Project}
	run, err := e.db.Store.CreateRun(context.Background(), store.Run{Tenant: pk.Tenant, Project: pk.Project, Flow: f.ID, Stage: "mock", Trigger: "editor", Status: "paused",
		Summary: json.RawMessage(`{"paused_at":["ask","wait"],"paused_ids":["n7","n8"],"paused_types":{"ask":"control.approval","n7":"control.approval","wait":"ai.agent","n8":"ai.agent"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	resume := path + "/runs/" + run.ID + "/resume"
	for _, node := range []string{"ask", "n7"} {
		for _, input := range []string{`"maybe"`, `1`, `{"approved": "maybe"}`, `{"comment": "ok"}`, `null`, ``} {
			body := map[string]any{"node": node}
			if input != "" {
				body["input"] = json.RawMessage(input)
			}
			p := e.do(http.MethodPost, resume, u.token, body).problem(http.StatusUnprocessableEntity)
			wantFields(t, p, "body.input")
			if !strings.Contains(p.Detail, `{"approved": true|false`) || !strings.Contains(p.Detail, "still paused") {
				t.Errorf("%s %s: %+v", node, input, p)
			}
		}
	}
	if len(runner.payloads) != 0 {
		t.Fatalf("refused answers reached the runner: %v", runner.payloads)
	}
	for _, input := range []string{`true`, `false`, `"TRUE"`, `{"approved": false, "comment": "no"}`, `{"approved": "true"}`} {
		e.do(http.MethodPost, resume, u.token, map[string]any{"node": "ask", "input": json.RawMessage(input)}).status(http.StatusAccepted)
	}
	// another node that pauses takes what it takes; the runner decides
	e.do(http.MethodPost, resume, u.token, map[string]any{"node": "wait", "input": json.RawMessage(`"maybe"`)}).status(http.StatusAccepted)
	if len(runner.payloads) != 6 {
		t.Fatalf("accepted answers: %d payloads", len(runner.payloads))
	}
}

// An editor run of a draft that does not validate is refused like publishing it: 422
// flow-invalid listing every problem by JSON pointer (value: the node), before the runner is
// asked, so no run is ever listed for it. A version run is checked the same way.
func TestStartRunOfInvalidDraft(t *testing.T) {
	e := newEnv(t)
	runner := &startedRuns{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, _ := e.project(u, "Invalid runs")
	doc := json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[
		{"id":"in","handle":"input","type":"flow.input","position":{"x":0,"y":0}},
		{"id":"sum","handle":"add","type":"math.add","position":{"x":200,"y":0}}],
		"connections":[{"id":"c1","from":{"node":"in","port":"true_path"},"to":{"node":"sum","port":"node"}}]}`)
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "Adder", "document": doc})

	pub := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock"}).problem(http.StatusUnprocessableEntity)
	for _, body := range []string{`{}`, `{"start": "add"}`, `{"stage": "mock", "input": {"x": 1}}`} {
		p := e.do(http.MethodPost, path+"/runs", u.token, json.RawMessage(body)).problem(http.StatusUnprocessableEntity)
		if p.Type != TypeFlowInvalid || len(p.Errors) != 2 {
			t.Fatalf("run %s of an invalid draft: %+v", body, p)
		}
		wantFields(t, p, "/nodes/1/values/a", "/nodes/1/values/b")
		for _, fe := range p.Errors {
			if fe.Value != "add" || !strings.Contains(fe.Message, "neither a value nor a connection") {
				t.Errorf("run %s: problem %+v does not name node add", body, fe)
			}
		}
		// the same problems publishing lists
		if mustJSON(t, p.Errors) != mustJSON(t, pub.Errors) || p.Detail != pub.Detail {
			t.Errorf("run %s: %+v\npublish: %+v", body, p, pub)
		}
	}
	// a version snapshotted from it is refused the same way
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{}).status(http.StatusCreated)
	if p := e.do(http.MethodPost, path+"/runs", u.token, map[string]any{"version": 1}).problem(422); p.Type != TypeFlowInvalid || mustJSON(t, p.Errors) != mustJSON(t, pub.Errors) {
		t.Errorf("run of version 1: %+v", p)
	}
	// a start node the draft does not have is still named as such
	wantFields(t, e.do(http.MethodPost, path+"/runs", u.token, map[string]any{"start": "nosuch"}).problem(422), "body.start")
	if n := len(runner.payloads); n != 0 {
		t.Fatalf("refused runs reached the runner: %v", runner.payloads)
	}
	var runs List[RunView]
	e.do(http.MethodGet, path+"/runs", u.token, nil).ok(&runs)
	if len(runs.Items) != 0 {
		t.Fatalf("refused runs are listed: %+v", runs.Items)
	}

	// filled in, the draft runs
	fixed := strings.Replace(string(doc), `"type":"math.add",`, `"type":"math.add","values":{"a":2,"b":3},`, 1)
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": json.RawMessage(fixed), "revision": 1}).ok(nil)
	var started StartedRun
	e.do(http.MethodPost, path+"/runs", u.token, map[string]any{}).status(http.StatusAccepted).ok(&started)
	if len(runner.payloads) != 1 || runner.payloads[0]["run_id"] != started.RunID {
		t.Fatalf("valid draft: started %+v, payloads %v", started, runner.payloads)
	}
}

// routeDoc is a route flow: an HTTP route (or Mock route) trigger and a log of its path.
func routeDoc(trigger string) json.RawMessage {
	return json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[
		{"id":"r","handle":"route","type":"` + trigger + `","values":{"method":"POST","path":"/hello"},"position":{"x":0,"y":0}},
		{"id":"l","handle":"log","type":"debug.log","values":{"message":"{{ route.path }}","level":"info"},"position":{"x":200,"y":0}}],
		"connections":[{"id":"c","from":{"node":"r","port":"true_path"},"to":{"node":"l","port":"node"}}]}`)
}

// An editor run of a route flow whose input the route trigger cannot read as an HTTP
// request (a string, a number, headers that are not an object…) is refused with 422 at
// body.input saying what it takes; it was accepted (202) and the run failed at its trigger.
func TestRunInputMustBeARouteRequest(t *testing.T) {
	e := newEnv(t)
	runner := &startedRuns{}
	e.h.cfg.Runner = runner
	u := e.signIn("alice")
	proj, _ := e.project(u, "Runs")
	route, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Route", "document": routeDoc("trigger.route")})
	mock, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "Mock", "document": routeDoc("trigger.mock_route")})
	for _, tc := range []struct {
		path, body, want string
	}{
		{route, `{"input": "string"}`, "string"},
		{route, `{"input": 42}`, "number"},
		{route, `{"input": [1, 2]}`, "list"},
		{route, `{"input": {"method": "POST", "headers": "x"}}`, "headers"},
		{mock, `{"input": "string"}`, "string"},
		{route, `{"start": "route", "input": true}`, "boolean"},
	} {
		r := e.do(http.MethodPost, tc.path+"/runs", u.token, tc.body)
		p := r.problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "body.input")
		msg := p.Errors[0].Message
		if !strings.Contains(msg, "is not an HTTP request for the") || !strings.Contains(msg, `"route"`) ||
			!strings.Contains(msg, `{"method": "POST", "path": "/users/7"`) || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message %q does not say what is wrong and what the trigger takes", tc.body, msg)
		}
	}
	if len(runner.payloads) != 0 {
		t.Fatalf("refused runs were handed to the runner: %v", runner.payloads)
	}
	// what the trigger reads is accepted: a request object (any part of it), no input
	// (the Mock route plays its own inputs; the HTTP route says to use one), and any input
	// for a run that starts past the trigger
	for _, tc := range []struct{ path, body string }{
		{route, `{"input": {"method": "POST", "path": "/hello", "headers": {"X-A": ["1", "2"]}, "body": {"name": "Ada"}}}`},
		{route, `{"input": {}}`},
		{route, `{}`},
		{mock, `{"input": null}`},
		{mock, `{"input": {"path": "/hello?x=1", "query": {"y": ["1"]}}}`},
		{route, `{"start": "log", "input": "string"}`},
	} {
		e.do(http.MethodPost, tc.path+"/runs", u.token, tc.body).status(http.StatusAccepted)
	}
}
