package scheduler_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/local/scheduler"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func TestSchedulesFireInTheirZoneAndWindow(t *testing.T) {
	ctx := context.Background()
	st, _ := storetest.New(t)
	ten, _ := st.CreateTenant(ctx, store.CreateTenantInput{Name: "T", OwnerSub: "o", OwnerEmail: "o@example.com"})
	p, _ := st.CreateProject(ctx, ten.ID, store.CreateProjectInput{Name: "P", Slug: "p-one"})
	pk := store.ProjectKey{Tenant: ten.ID, Project: p.ID}
	if _, err := st.CreateStage(ctx, pk, "prod", 1); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}})
	mk := func(name, cron, zone string, enabled bool, end *time.Time) store.FlowKey {
		f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: name, Document: doc,
			Schedule: &store.ScheduleConfig{Cron: cron, Timezone: zone, Enabled: enabled, End: end}})
		if err != nil {
			t.Fatal(err)
		}
		fk := store.FlowKey{Tenant: ten.ID, Project: p.ID, Flow: f.ID}
		if _, err := st.Publish(ctx, store.PublishInput{Flow: fk, Stage: "prod", By: "o"}); err != nil {
			t.Fatal(err)
		}
		return fk
	}
	// 09:00 in Amsterdam is 08:00 UTC in winter
	morning := mk("morning", "0 9 * * *", "Europe/Amsterdam", true, nil)
	mk("disabled", "* * * * *", "UTC", false, nil)
	past := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk("ended", "* * * * *", "UTC", true, &past)

	var mu sync.Mutex
	var fired []scheduler.Firing
	start := time.Date(2026, 1, 10, 7, 58, 0, 0, time.UTC)
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing) error {
		mu.Lock()
		fired = append(fired, f)
		mu.Unlock()
		return nil
	}, start, nil)
	if n, err := s.Tick(ctx, start.Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("nothing due at 07:59 UTC: %d %v", n, err)
	}
	n, err := s.Tick(ctx, start.Add(3*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("08:00 UTC: %d %v", n, err)
	}
	f := fired[0]
	if f.Flow != morning.Flow || f.Stage != "prod" || f.Version != 1 || !f.At.Equal(time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)) || f.ScheduleID == "" {
		t.Fatalf("firing %+v", f)
	}
	// no catch-up: a scheduler started later does not fire what it missed
	s2 := scheduler.New(st, func(context.Context, scheduler.Firing) error { t.Fatal("missed times fire"); return nil }, start.Add(time.Hour), nil)
	if n, _ := s2.Tick(ctx, start.Add(time.Hour+time.Second)); n != 0 {
		t.Fatal("fired")
	}
}
