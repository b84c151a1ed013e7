package scheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
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
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing, _ func(error)) error {
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
	s2 := scheduler.New(st, func(context.Context, scheduler.Firing, func(error)) error { t.Fatal("missed times fire"); return nil }, start.Add(time.Hour), nil)
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
	s := scheduler.New(st, func(context.Context, scheduler.Firing, func(error)) error { fired.Add(1); return nil }, start, nil)
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
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing, _ func(error)) error { at = append(at, f.At); return nil }, start, nil)
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
		s := scheduler.New(st, func(_ context.Context, f scheduler.Firing, _ func(error)) error {
			fired = append(fired, f.At)
			return nil
		}, night.from, nil)
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
	s := scheduler.New(st, func(_ context.Context, f scheduler.Firing, _ func(error)) error {
		if f.Stage == "prod" && failProd {
			return errors.New("runner unavailable")
		}
		fired = append(fired, f.Stage+" "+f.At.Format("15:04"))
		return nil
	}, start, nil)
	s.Retry = scheduler.RetryPolicy{} // a failed firing is not retried here (TestFailedFiringsAreRetried)
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

// tracker counts goroutines under way; wait returns once none is.
type tracker struct {
	mu sync.Mutex
	n  int
	c  *sync.Cond
}

func (t *tracker) cond() *sync.Cond {
	if t.c == nil {
		t.c = sync.NewCond(&t.mu)
	}
	return t.c
}

func (t *tracker) add() { t.mu.Lock(); t.n++; t.mu.Unlock() }

func (t *tracker) done() {
	t.mu.Lock()
	if t.n--; t.n == 0 {
		t.cond().Broadcast()
	}
	t.mu.Unlock()
}

func (t *tracker) wait() {
	t.mu.Lock()
	for t.n > 0 {
		t.cond().Wait()
	}
	t.mu.Unlock()
}

// syncBuffer is a log destination safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A firing the runner does not take, or takes and fails (the runner returns an error), is
// delivered again with backoff, a bounded number of times, as EventBridge Scheduler retries
// a target invocation (and Lambda a failed asynchronous one). The local scheduler tried
// once: a runner that failed once lost the firing.
func TestFailedFiringsAreRetried(t *testing.T) {
	st, _ := storetest.New(t)
	everyMinute(t, st)
	start := time.Date(2026, 1, 10, 7, 59, 30, 0, time.UTC)
	due := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	policy := scheduler.RetryPolicy{MaxRetries: 4, MaxEventAge: time.Hour, FirstDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

	// runner fails the first failures attempts: refused (the invocation) or, once taken,
	// failing (its result, reported from the background as the local cloud's Lambda does)
	type outcome struct {
		calls int
		times []time.Time
		log   string
	}
	run := func(t *testing.T, failures int, refuse bool, tick time.Time, p scheduler.RetryPolicy) outcome {
		t.Helper()
		var (
			mu    sync.Mutex
			calls int
			times []time.Time
			runs  tracker // the runs in the background (a WaitGroup must not grow from 0 while waited on)
		)
		logs := &syncBuffer{}
		s := scheduler.New(st, func(_ context.Context, f scheduler.Firing, result func(error)) error {
			mu.Lock()
			calls++
			n := calls
			times = append(times, f.At)
			mu.Unlock()
			if refuse && n <= failures {
				return errors.New("runner unavailable")
			}
			runs.add()
			go func() {
				defer runs.done()
				if n <= failures {
					result(errors.New("runner failed: the database did not answer"))
					return
				}
				result(nil)
			}()
			return nil
		}, start, slog.New(slog.NewTextHandler(logs, nil)))
		s.Retry = p
		if _, err := s.Tick(context.Background(), tick); (err != nil) != (refuse && failures > 0) {
			t.Fatalf("tick: %v", err)
		}
		// until neither a run nor a retry is left: a pass that delivered nothing
		for prev := -1; ; {
			runs.wait()
			s.Wait()
			mu.Lock()
			n := calls
			mu.Unlock()
			if n == prev {
				break
			}
			prev = n
		}
		return outcome{calls: calls, times: times, log: logs.String()}
	}

	for _, refuse := range []bool{true, false} {
		name := map[bool]string{true: "refused", false: "failed"}[refuse]
		t.Run(name+" twice, then delivered", func(t *testing.T) {
			o := run(t, 2, refuse, start.Add(45*time.Second), policy)
			if o.calls != 3 {
				t.Fatalf("%d deliveries, want 3 (two failures, then it went through)", o.calls)
			}
			for _, at := range o.times {
				if !at.Equal(due) {
					t.Errorf("a retry delivered the firing of %v, want the scheduled time %v", at, due)
				}
			}
			if strings.Count(o.log, "schedule firing failed: retrying") != 2 || !strings.Contains(o.log, "delivered on a retry") {
				t.Errorf("log:\n%s", o.log)
			}
		})
		t.Run(name+" every time: retried MaxRetries times, then left", func(t *testing.T) {
			o := run(t, 100, refuse, start.Add(45*time.Second), policy)
			if o.calls != 1+policy.MaxRetries {
				t.Fatalf("%d deliveries, want %d", o.calls, 1+policy.MaxRetries)
			}
			if !strings.Contains(o.log, "the retries are spent") || !strings.Contains(o.log, "level=ERROR") {
				t.Errorf("log:\n%s", o.log)
			}
		})
	}
	t.Run("not retried past the maximum event age", func(t *testing.T) {
		// the tick comes 30 s - 2 ms after the scheduled time: the first retry (1 ms later)
		// is within 30 s, the second (2 ms after that) would not be
		p := policy
		p.MaxEventAge = 30 * time.Second
		o := run(t, 100, false, due.Add(30*time.Second-2*time.Millisecond), p)
		if o.calls != 2 || !strings.Contains(o.log, "it would be too late") {
			t.Fatalf("%d deliveries, want 2; log:\n%s", o.calls, o.log)
		}
	})
}

// The retries back off exponentially up to the policy's cap; the default's numbers are the
// documented ones (docs/schedules.md).
func TestRetryPolicyDelays(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, scheduler.DefaultRetry.Delay(n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute}
	if !slices.Equal(got, want) {
		t.Fatalf("default delays %v, want %v", got, want)
	}
	if d := scheduler.DefaultRetry; d.MaxRetries != 5 || d.MaxEventAge != 10*time.Minute {
		t.Fatalf("default policy %+v", d)
	}
	capped := scheduler.RetryPolicy{FirstDelay: 3 * time.Second, MaxDelay: 10 * time.Second}
	if d := capped.Delay(3); d != 10*time.Second {
		t.Fatalf("capped third delay %v, want 10s", d)
	}
}
