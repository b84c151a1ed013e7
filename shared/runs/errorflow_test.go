package runs_test

import (
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// A published run that fails starts its flow's error flow (the version published on the run's
// stage) with {flow, run, error}; editor runs and the error flow's own failures start nothing.
func TestErrorFlow(t *testing.T) {
	f := setup(t)
	f.secret(t, "API_KEY", "prod", secretValue)
	failing := f.flow(t, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"boom", "debug.fail", map[string]any{"message": "no stock (key {{ sec.value }})"}},
	}, chain("start", "sec", "boom")...), store.SaveAll, 100)
	// the error flow also has a trigger to play it by hand: the run starts at its Flow input
	handler, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "On failure", Document: doc(t, []node{
		{"play", "trigger.manual", nil},
		{"input", "flow.input", nil},
		{"log", "debug.log", map[string]any{"message": "{{ input.input.flow.name }} failed at {{ input.input.error.node }}: {{ input.input.error.error }}"}},
	}, conn{"play", "true_path", "log", "node"}, conn{"input", "true_path", "log", "node"})})
	if err != nil {
		t.Fatal(err)
	}
	ef := handler.ID
	if _, err := f.st.UpdateFlow(f.ctx, failing, store.FlowUpdate{ErrorFlow: &ef}); err != nil {
		t.Fatal(err)
	}

	// not published on prod yet: nothing runs (a warning is logged)
	if run, err := f.x.Execute(f.ctx, f.job(failing, runs.KindSchedule)); err != nil || run.Status != "error" {
		t.Fatalf("failing run = %v, %v", run, err)
	}
	f.wait(t)
	if runs := f.listRuns(t, handler.Key()); len(runs) != 0 {
		t.Fatalf("an unpublished error flow ran: %+v", runs)
	}

	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: handler.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	failed, err := f.x.Execute(f.ctx, f.job(failing, runs.KindSchedule))
	if err != nil || failed.Status != "error" {
		t.Fatalf("failing run = %v, %v", failed, err)
	}
	f.wait(t)
	got := f.listRuns(t, handler.Key())
	if len(got) != 1 || got[0].Trigger != "error" || got[0].Status != "success" || got[0].Stage != "prod" || got[0].Version != 1 {
		t.Fatalf("error flow runs = %+v, want one successful error run on prod", got)
	}
	var in struct {
		Input struct {
			Flow  struct{ ID, Name string }
			Run   struct{ ID, Stage, Trigger string }
			Error struct{ Node, Error, Type string }
		}
	}
	res := byNode(f.results(t, got[0].ID))
	if err := json.Unmarshal(res["input"].Outputs, &in); err != nil {
		t.Fatalf("error flow input %s: %v", res["input"].Outputs, err)
	}
	if in.Input.Flow.ID != failing.Flow || in.Input.Run.ID != failed.ID || in.Input.Run.Trigger != "schedule" || in.Input.Run.Stage != "prod" ||
		in.Input.Error.Node != "boom" || !strings.Contains(in.Input.Error.Error, "no stock") {
		t.Fatalf("error flow input = %+v", in.Input)
	}
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the secret is stored in %d items: %v", len(hits), hits)
	}

	// an editor run's failure starts nothing
	job := f.job(failing, runs.KindEditor)
	job.Version = 0
	if run, err := f.x.Execute(f.ctx, job); err != nil || run.Status != "error" {
		t.Fatalf("editor run = %v, %v", run, err)
	}
	f.wait(t)
	if n := len(f.listRuns(t, handler.Key())); n != 1 {
		t.Fatalf("an editor run's failure started the error flow (%d runs)", n)
	}

	// an error flow that fails does not start its own error flow, even pointing back
	bad := doc(t, []node{{"input", "flow.input", nil}, {"boom", "debug.fail", map[string]any{"message": "handler broke"}}}, chain("input", "boom")...)
	d, err := f.st.GetDraft(f.ctx, handler.Key())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveDraft(f.ctx, handler.Key(), bad, d.Revision); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: handler.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	back := failing.Flow
	if _, err := f.st.UpdateFlow(f.ctx, handler.Key(), store.FlowUpdate{ErrorFlow: &back}); err != nil {
		t.Fatal(err)
	}
	before := len(f.listRuns(t, failing))
	if _, err := f.x.Execute(f.ctx, f.job(failing, runs.KindSchedule)); err != nil {
		t.Fatal(err)
	}
	f.wait(t)
	hr := f.listRuns(t, handler.Key())
	if len(hr) != 2 || hr[0].Status != "error" {
		t.Fatalf("error flow runs = %+v, want a second, failed one", hr)
	}
	if after := len(f.listRuns(t, failing)); after != before+1 {
		t.Fatalf("the failing flow ran %d times, want once (no loop through error flows)", after-before)
	}
}
