package runs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// calleeFlow starts with Flow input and exits with the input's n times factor, and with the
// API_KEY secret's length (so a secret passes through the called flow).
func calleeFlow(t testing.TB, factor string) []byte {
	return doc(t, []node{
		{"input", "flow.input", map[string]any{"test_input": map[string]any{"n": 1}}},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"out", "control.exit", map[string]any{"value": map[string]any{"n": "{{ input.input.n * " + factor + " }}",
			"key": "{{ sec.value }}"}}},
	}, chain("input", "sec", "out")...)
}

// callerFlow calls flow target with {n: 21} and exits with its result.
func callerFlow(t testing.TB, target string) []byte {
	return doc(t, []node{
		{"start", "trigger.manual", nil},
		{"call", "flow.call", map[string]any{"flow_id": target, "input": map[string]any{"n": 21}}},
		{"done", "control.exit", map[string]any{"value": "{{ call.result.n }}"}},
	}, chain("start", "call", "done")...)
}

// A Call flow node runs the called flow's draft in editor runs and the version published on
// the run's stage otherwise; a secret read inside the called flow is redacted in the
// caller's stored results like one read by the caller.
func TestCallFlowThroughTheStore(t *testing.T) {
	f := setup(t)
	f.secret(t, "API_KEY", "prod", secretValue)
	callee, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Double", Document: calleeFlow(t, "2")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: callee.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	// the draft moves on after publishing: it now triples
	draft, err := f.st.GetDraft(f.ctx, callee.Key())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveDraft(f.ctx, callee.Key(), calleeFlow(t, "3"), draft.Revision); err != nil {
		t.Fatal(err)
	}
	fk := f.flow(t, callerFlow(t, callee.ID), store.SaveAll, 100)

	for _, tc := range []struct {
		kind runs.Kind
		want float64
	}{{runs.KindEditor, 63}, {runs.KindSchedule, 42}} {
		job := f.job(fk, tc.kind)
		if tc.kind == runs.KindEditor {
			job.Version = 0
		}
		run, err := f.x.Execute(f.ctx, job)
		if err != nil {
			t.Fatalf("%s run: %v", tc.kind, err)
		}
		if run.Status != "success" || run.Output != tc.want {
			t.Fatalf("%s run = %s with output %#v (error %+v), want %v", tc.kind, run.Status, run.Output, run.Error, tc.want)
		}
		call := byNode(f.results(t, run.ID))["call"]
		var out struct {
			Result struct {
				Key string  `json:"key"`
				N   float64 `json:"n"`
			} `json:"result"`
		}
		if err := json.Unmarshal(call.Outputs, &out); err != nil {
			t.Fatalf("%s run: call node outputs %s: %v", tc.kind, call.Outputs, err)
		}
		if call.Status != "success" || out.Result.Key != "<secret:API_KEY>" || out.Result.N != tc.want {
			t.Fatalf("%s run: call node result = %s %s, want success with the secret redacted", tc.kind, call.Status, call.Outputs)
		}
	}
	f.wait(t)
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the secret is stored in %d items: %v", len(hits), hits)
	}

	// a stage the called flow is not published on: the call fails and says why
	if _, err := f.st.CreateStage(f.ctx, f.pk, "beta", 2); err != nil {
		t.Fatal(err)
	}
	job := f.job(fk, runs.KindSchedule)
	job.Stage = "beta"
	run, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "error" || run.Error == nil || !strings.Contains(run.Error.Error, `published on stage "beta"`) {
		t.Fatalf("run on beta = %s %+v, want an error naming the stage", run.Status, run.Error)
	}
}

// A Call flow node naming a flow the project does not have fails as an input error on
// flow_id in editor and published runs alike, as it does in the CLI (nodes.FlowIDError);
// so does a published run calling a flow not published on its stage.
func TestCallFlowMissingIsFlowIDError(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, callerFlow(t, "no-such-flow"), store.SaveAll, 100)
	for _, kind := range []runs.Kind{runs.KindEditor, runs.KindSchedule} {
		job := f.job(fk, kind)
		if kind == runs.KindEditor {
			job.Version = 0
		}
		run, err := f.x.Execute(f.ctx, job)
		if err != nil {
			t.Fatalf("%s run: %v", kind, err)
		}
		if run.Status != "error" || run.Error == nil {
			t.Fatalf("%s run = %s %+v, want an error", kind, run.Status, run.Error)
		}
		if run.Error.Node != "call" || run.Error.Type != "input_error" || run.Error.Port != "flow_id" ||
			!strings.Contains(run.Error.Error, "no-such-flow") {
			t.Errorf("%s run error = %+v, want an input error on call's flow_id naming the flow", kind, run.Error)
		}
	}

	// a flow that exists but is not published on the run's stage
	callee, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Unpublished", Document: calleeFlow(t, "2")})
	if err != nil {
		t.Fatal(err)
	}
	fk2 := f.flow(t, callerFlow(t, callee.ID), store.SaveAll, 100)
	run, err := f.x.Execute(f.ctx, f.job(fk2, runs.KindSchedule))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "error" || run.Error == nil || run.Error.Type != "input_error" || run.Error.Port != "flow_id" ||
		!strings.Contains(run.Error.Error, `published on stage "prod"`) {
		t.Errorf("unpublished callee: run error = %+v, want an input error on flow_id naming the stage", run.Error)
	}
	f.wait(t)
}

// A published schedule fires at the flow's Schedule node even when the flow also has a
// Manual play trigger to try it; it failed every firing with "the flow has 2 triggers".
func TestScheduleRunStartsAtTheScheduleNode(t *testing.T) {
	f := setup(t)
	fk := f.flow(t, doc(t, []node{
		{"try", "trigger.manual", nil},
		{"tried", "control.exit", map[string]any{"value": "manual"}},
		{"tick", "trigger.schedule", nil},
		{"ticked", "control.exit", map[string]any{"value": "schedule"}},
	}, append(chain("try", "tried"), chain("tick", "ticked")...)...), store.SaveAll, 100)
	run, err := f.x.Execute(f.ctx, f.job(fk, runs.KindSchedule))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "success" || run.Output != "schedule" {
		t.Fatalf("schedule run = %s, output %#v, error %+v", run.Status, run.Output, run.Error)
	}
	f.wait(t)
}
