package scheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/local/scheduler"
	"polysynergy/shared/schedule"
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

// everyMinute publishes an every-minute schedule to stage prod of a new project.
func everyMinute(t *testing.T, st *store.Store) store.FlowKey {
	t.Helper()
	ctx := context.Background()
	ten, err := st.CreateTenant(ctx, store.CreateTenantInput{Name: "T", OwnerSub: "o", OwnerEmail: "o@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateProject(ctx, ten.ID, store.CreateProjectInput{Name: "P", Slug: "p-every"})
	if err != nil {
		t.Fatal(err)
	}
	pk := store.ProjectKey{Tenant: ten.ID, Project: p.ID}
	if _, err := st.CreateStage(ctx, pk, "prod", 1); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}})
	f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "every minute", Document: doc,
		Schedule: &store.ScheduleConfig{Cron: "* * * * *", Timezone: "UTC", Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	fk := store.FlowKey{Tenant: ten.ID, Project: p.ID, Flow: f.ID}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: fk, Stage: "prod", By: "o"}); err != nil {
		t.Fatal(err)
	}
	return fk
}

// Ticks that overlap (the clock's and a test's, or a slow tick and the next) fire each time
// once: they both read the time of the last tick before either moved it on, and the
// schedule fired twice.
func TestConcurrentTicksFireEachTimeOnce(t *testing.T) {
	st, _ := storetest.New(t)
	everyMinute(t, st)
	var fired atomic.Int32
	start := time.Date(2026, 1, 10, 7, 59, 30, 0, time.UTC)
	s := scheduler.New(st, func(context.Context, scheduler.Firing) error { fired.Add(1); return nil }, start, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Tick(context.Background(), start.Add(45*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := fired.Load(); n != 1 {
		t.Fatalf("08:00 fired %d times by 8 overlapping ticks, want once", n)
	}
}

// After the machine slept for three hours, an every-minute schedule fires for the last
// minute only, not 180 times at once on waking.
func TestTimesMissedWhileAsleepAreNotCaughtUp(t *testing.T) {
	st, _ := storetest.New(t)
	everyMinute(t, st)
	var at []time.Time
	start := time.Date(2026, 1, 10, 7, 59, 30, 0, time.UTC)
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing) error { at = append(at, f.At); return nil }, start, nil)
	wake := start.Add(3 * time.Hour) // 10:59:30
	n, err := s.Tick(context.Background(), wake)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || !at[0].Equal(time.Date(2026, 1, 10, 10, 59, 0, 0, time.UTC)) {
		t.Fatalf("on waking: %d firings (the first at %v); want one, at 10:59 (at most %s late)", n, at[:min(len(at), 3)], scheduler.MaxLate)
	}
	// a time exactly MaxLate ago still fires
	at = nil
	if n, err := s.Tick(context.Background(), time.Date(2026, 1, 10, 11, 1, 0, 0, time.UTC)); err != nil || n != 2 {
		t.Fatalf("11:00 and 11:01 from a tick at 11:01: %d %v (%v)", n, err, at)
	}
}

// Around clock changes the scheduler fires what the preview (schedule.Cron.Next, which the
// API's next_runs use) lists, as EventBridge Scheduler does: a 02:30 daily schedule in
// Europe/Amsterdam does not fire on the night clocks go forward (02:30 does not exist) and
// fires once, not twice, on the night they go back.
func TestDaylightSavingNightsFireAsPreviewed(t *testing.T) {
	ctx := context.Background()
	st, _ := storetest.New(t)
	ten, _ := st.CreateTenant(ctx, store.CreateTenantInput{Name: "T", OwnerSub: "o", OwnerEmail: "o@example.com"})
	p, _ := st.CreateProject(ctx, ten.ID, store.CreateProjectInput{Name: "P", Slug: "p-dst"})
	pk := store.ProjectKey{Tenant: ten.ID, Project: p.ID}
	if _, err := st.CreateStage(ctx, pk, "prod", 1); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}})
	f, err := st.CreateFlow(ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: "night", Document: doc,
		Schedule: &store.ScheduleConfig{Cron: "30 2 * * *", Timezone: "Europe/Amsterdam", Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: store.FlowKey{Tenant: ten.ID, Project: p.ID, Flow: f.ID}, Stage: "prod", By: "o"}); err != nil {
		t.Fatal(err)
	}
	cron, _ := schedule.Parse("30 2 * * *")
	loc, _ := schedule.LoadZone("Europe/Amsterdam")
	for _, night := range []struct {
		name  string
		from  time.Time
		fires []time.Time
	}{
		// 2026-03-29 02:00 CET becomes 03:00 CEST
		{"spring forward", time.Date(2026, 3, 27, 23, 0, 0, 0, time.UTC), []time.Time{
			time.Date(2026, 3, 28, 1, 30, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC)}},
		// 2026-10-25 03:00 CEST becomes 02:00 CET: 02:30 happens twice
		{"fall back", time.Date(2026, 10, 23, 22, 0, 0, 0, time.UTC), []time.Time{
			time.Date(2026, 10, 24, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
			time.Date(2026, 10, 26, 1, 30, 0, 0, time.UTC)}},
	} {
		var fired []time.Time
		s := scheduler.New(st, func(_ context.Context, f scheduler.Firing) error { fired = append(fired, f.At); return nil }, night.from, nil)
		// a tick a minute from 00:00 to 03:00 UTC (MaxLate: each time fires from the tick
		// after it), every half hour the rest of the day (nothing is due then)
		end := night.from.Add(52 * time.Hour)
		step := func(now time.Time) time.Duration {
			if now.Hour() < 3 {
				return time.Minute
			}
			return 30 * time.Minute
		}
		for now := night.from; !now.After(end); now = now.Add(step(now)) {
			if _, err := s.Tick(ctx, now); err != nil {
				t.Fatal(err)
			}
		}
		preview := cron.Next(night.from, loc, len(night.fires))
		if len(fired) != len(night.fires) || len(preview) != len(night.fires) {
			t.Fatalf("%s: fired %v, previewed %v, want %v", night.name, fired, preview, night.fires)
		}
		for i, want := range night.fires {
			if !fired[i].Equal(want) || !preview[i].Equal(want) {
				t.Errorf("%s: firing %d at %v (previewed %v), want %v", night.name, i, fired[i], preview[i], want)
			}
		}
	}
}

// The scheduler reads the published schedules at every tick: a changed expression, a
// disabled schedule and an unpublished flow take effect at the next tick, and a firing that
// fails (the runner could not be invoked) neither stops the others due then nor later ones.
func TestChangesTakeEffectAndAFailedFiringDoesNotStopIt(t *testing.T) {
	ctx := context.Background()
	st, _ := storetest.New(t)
	fk := everyMinute(t, st)
	if _, err := st.CreateStage(ctx, fk.ProjectKey(), "test", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Publish(ctx, store.PublishInput{Flow: fk, Stage: "test", By: "o"}); err != nil {
		t.Fatal(err)
	}
	var fired []string
	failProd := true
	start := time.Date(2026, 1, 10, 8, 0, 30, 0, time.UTC)
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing) error {
		if f.Stage == "prod" && failProd {
			return errors.New("runner unavailable")
		}
		fired = append(fired, f.Stage+" "+f.At.Format("15:04"))
		return nil
	}, start, nil)
	tick := func(at time.Time) []string {
		t.Helper()
		fired = nil
		_, _ = s.Tick(ctx, at)
		return fired
	}
	minute := func(m int) time.Time { return time.Date(2026, 1, 10, 8, m, 30, 0, time.UTC) }
	if got, err := s.Tick(ctx, minute(1)); err == nil || got != 1 || len(fired) != 1 || fired[0] != "test 08:01" {
		t.Fatalf("08:01 with prod failing: %d %v %v, want test fired and the error", got, err, fired)
	}
	failProd = false
	if got := tick(minute(2)); len(got) != 2 {
		t.Fatalf("08:02 after a failure: %v, want both stages", got)
	}
	// every other minute from now on
	if _, err := st.UpdateSchedule(ctx, fk, store.ScheduleConfig{Cron: "*/2 * * * *", Timezone: "UTC", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if got := tick(minute(3)); len(got) != 0 {
		t.Fatalf("08:03 after changing to */2: %v", got)
	}
	if got := tick(minute(4)); len(got) != 2 {
		t.Fatalf("08:04: %v", got)
	}
	if err := st.Unpublish(ctx, fk, "test"); err != nil {
		t.Fatal(err)
	}
	if got := tick(minute(6)); len(got) != 1 || got[0] != "prod 08:06" {
		t.Fatalf("08:06 after unpublishing test: %v", got)
	}
	if _, err := st.UpdateSchedule(ctx, fk, store.ScheduleConfig{Cron: "*/2 * * * *", Timezone: "UTC", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if got := tick(minute(8)); len(got) != 0 {
		t.Fatalf("08:08 disabled: %v", got)
	}
}
