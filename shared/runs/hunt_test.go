package runs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/engine"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// A run deleted from the history while it runs (DELETE …/runs/{run}) ends without an
// error: its outcome has no record to go to and is dropped. It failed with "run not
// found", which made the runner's invocation fail, and Lambda's retry of it ran the flow
// again under the same id (the deleted record no longer claimed it).
func TestRunDeletedWhileRunningEndsQuietly(t *testing.T) {
	f := setup(t)
	d := doc(t, []node{
		{"start", "trigger.manual", nil},
		{"wait", "control.delay", map[string]any{"ms": 300}},
		{"done", "control.exit", map[string]any{"value": "yes"}},
	}, chain("start", "wait", "done")...)
	fk := f.flow(t, d, store.SaveAll, 0)
	job := f.job(fk, runs.KindSchedule)
	job.RunID = f.x.NewRunID()
	type result struct {
		run *engine.Run
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := f.x.Execute(f.ctx, job)
		done <- result{run, err}
	}()
	k := f.runKey(job.RunID)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := f.st.GetRun(f.ctx, k); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run was never recorded as running")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err := f.env.Client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.env.Table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "T#" + k.Tenant + "#P#" + k.Project + "#R#" + k.Run},
			"SK": &types.AttributeValueMemberS{Value: "RUN"}}})
	if err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("execute of a run deleted while running: %v", res.err)
	}
	if res.run == nil || res.run.Status != engine.StatusSuccess {
		t.Fatalf("run = %+v, want it to have finished", res.run)
	}
	f.wait(t)
	if l := f.listRuns(t, fk); len(l) != 0 {
		t.Fatalf("runs = %+v, want the deleted run to stay deleted", l)
	}
}

// A run written node by node (a schedule's or an editor run with policy all) whose early
// result held a secret's value before the run read that secret has that result redacted
// when the run ends, as a route's batch has: the trigger's outputs held it in clear.
func TestSecretReadLateIsRedactedInWrittenResults(t *testing.T) {
	f := setup(t)
	f.secret(t, "HOOK_TOKEN", "prod", secretValue)
	d := doc(t, []node{
		{"start", "trigger.manual", nil},
		{"sec", "variable.secret", map[string]any{"key": "HOOK_TOKEN"}},
		{"done", "control.exit", map[string]any{"value": "checked"}},
	}, chain("start", "sec", "done")...)
	fk := f.flow(t, d, store.SaveAll, 0)
	job := f.job(fk, runs.KindSchedule)
	job.Trigger = map[string]any{"token": secretValue}
	run, err := f.x.Execute(f.ctx, job)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	f.wait(t)
	if rs := f.results(t, run.ID); len(rs) != 3 {
		t.Fatalf("results = %d, want 3", len(rs))
	}
	if hits := f.scanFor(t, secretValue); len(hits) != 0 {
		t.Fatalf("the secret is stored in %d items:\n%s", len(hits), strings.Join(hits, "\n---\n"))
	}
	// a run that reads its secret before anything holds it is not read back
	job.Trigger = map[string]any{"token": "nothing secret"}
	if _, err := f.x.Execute(f.ctx, job); err != nil {
		t.Fatalf("execute: %v", err)
	}
}
