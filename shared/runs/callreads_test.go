package runs_test

import (
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// A run that calls the same flow more than once reads which version the run's stage has
// bound once, and calls that version each time; the next run reads it again, so a version
// published meanwhile is what it calls.
func TestRunReadsACalledFlowsBindingOnce(t *testing.T) {
	f := setup(t)
	x, log := f.recorded(t)
	times := func(n string) []byte {
		return doc(t, []node{
			{"input", "flow.input", map[string]any{"test_input": map[string]any{"n": 1}}},
			{"out", "control.exit", map[string]any{"value": "{{ input.input.n * " + n + " }}"}},
		}, chain("input", "out")...)
	}
	callee, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindService, Name: "Times", Document: times("2")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: callee.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	fk := f.flow(t, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"call_a", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{"n": 1}}},
		{"call_b", "flow.call", map[string]any{"flow_id": callee.ID, "input": map[string]any{"n": 2}}},
		{"done", "control.exit", map[string]any{"value": "{{ call_a.result }} {{ call_b.result }}"}},
	}, chain("start", "call_a", "call_b", "done")...), store.SaveNone, 0)

	run := func(want string) []string {
		t.Helper()
		log.take()
		r, err := x.Execute(f.ctx, f.job(fk, runs.KindSchedule))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != engine.StatusSuccess || r.Output != want {
			t.Fatalf("run %s with output %#v (error %+v), want %q", r.Status, r.Output, r.Error, want)
		}
		return log.take()
	}
	if ops := run("2 4"); count(ops, "GetItem BIND#prod") != 1 {
		t.Fatalf("the called flow's binding was read %d times, want once (requests: %v)", count(ops, "GetItem BIND#prod"), ops)
	}

	// version 2 triples: the next run calls it
	draft, err := f.st.GetDraft(f.ctx, callee.Key())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SaveDraft(f.ctx, callee.Key(), times("3"), draft.Revision); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Publish(f.ctx, store.PublishInput{Flow: callee.Key(), Stage: "prod", By: "owner"}); err != nil {
		t.Fatal(err)
	}
	if ops := run("3 6"); count(ops, "GetItem BIND#prod") != 1 {
		t.Fatalf("the called flow's binding was read %d times, want once (requests: %v)", count(ops, "GetItem BIND#prod"), ops)
	}
}

// A schedule's firing reads its project once: whether it is in the trash and whether its
// flows may reach private networks come from the same read.
func TestScheduleRunReadsItsProjectOnce(t *testing.T) {
	f := setup(t)
	x, log := f.recorded(t)
	fk := f.flow(t, okFlow(t), store.SaveNone, 0)
	log.take()
	run, err := x.Execute(f.ctx, f.job(fk, runs.KindSchedule))
	if err != nil || run.Status != engine.StatusSuccess {
		t.Fatalf("run: %v %+v", err, run)
	}
	if ops := log.take(); count(ops, "GetItem PROJECT") != 1 {
		t.Fatalf("the project was read %d times, want once (requests: %v)", count(ops, "GetItem PROJECT"), ops)
	}
}
