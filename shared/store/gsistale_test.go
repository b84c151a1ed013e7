package store_test

import (
	"fmt"
	"testing"

	"polysynergy/shared/store"
)

// Deleting a published schedule flow rewrites its schedule item without the GSI2 keys and
// then deletes it: the schedules sorted after it stay listed (the embedded DynamoDB once kept
// a stale index entry that made every later Query of GSI2 skip them).
func TestDeletedScheduleFlowLeavesTheOthersListed(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)
	for i := range 3 {
		fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: fmt.Sprintf("Nightly %d", i),
			Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 3 * * *", Enabled: true}}))
		must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"}))
	}
	before := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})).Items
	if len(before) != 3 {
		t.Fatalf("published schedules = %+v, want 3", before)
	}
	noErr(t, f.s.DeleteFlow(f.ctx, before[0].Key()))
	after := must[store.Page[store.Schedule]](t)(f.s.ListPublishedSchedules(f.ctx, store.ListOptions{})).Items
	if len(after) != 2 || after[0].Flow != before[1].Flow || after[1].Flow != before[2].Flow {
		t.Fatalf("published schedules after deleting %s = %+v, want %s and %s", before[0].Flow, after, before[1].Flow, before[2].Flow)
	}
}
