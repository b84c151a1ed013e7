// Package scheduler is the local cloud's stand-in for EventBridge Scheduler: while the
// server runs, published schedules fire at their times in their time zones, within their
// start/end window, through the same payload the runner gets in AWS. Missed times are not
// caught up (EventBridge does not either): neither those before the server started nor,
// after the machine slept, those more than MaxLate ago. A firing the runner does not take
// or fails is retried with backoff, a bounded number of times (RetryPolicy).
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"polysynergy/shared/schedule"
	"polysynergy/shared/store"
)

// Store lists published schedules.
type Store interface {
	ListPublishedSchedules(ctx context.Context, o store.ListOptions) (store.Page[store.Schedule], error)
}

// Firing is one schedule firing for one stage.
type Firing struct {
	Tenant, Project, Flow, Stage string
	Version                      int
	Cron, Timezone               string
	ScheduleID                   string
	At                           time.Time
}

// Fire delivers a firing: it starts the runner with the schedule's payload and returns
// once the invocation is accepted, without waiting for the run (EventBridge invokes the
// runner asynchronously), so one schedule's long run never delays another's firing. An
// error means it was not accepted (the runner is unavailable). Once accepted, Fire (or the
// invocation it started) calls result with the runner's outcome when it returns: an error
// there means the runner failed (not the flow: a run that ends in error is a result too).
// Either error has the firing retried (RetryPolicy). result may be left uncalled.
type Fire func(ctx context.Context, f Firing, result func(error)) error

// RetryPolicy bounds the retries of a firing the runner did not take or failed, as
// EventBridge Scheduler's retry policy does a target invocation's. Retry n (1, 2, …) waits
// FirstDelay·2^(n-1), at most MaxDelay; a firing is not retried more than MaxRetries times,
// nor once the retry would come more than MaxEventAge after its scheduled time.
//
// In AWS, EventBridge Scheduler retries an invocation Lambda refuses with its schedule's
// RetryPolicy, by default MaximumRetryAttempts 185 and MaximumEventAgeInSeconds 86400 (24
// hours, with backoff and jitter), which PolySynergy's schedules keep; a run that fails once
// Lambda has taken the event is retried by Lambda's asynchronous invocation, by default
// twice (after about 1 and 2 minutes), within 6 hours. Locally one policy covers both, with
// shorter bounds (DefaultRetry): a process on a laptop is either back within a minute or
// needs someone to look.
type RetryPolicy struct {
	MaxRetries  int
	MaxEventAge time.Duration
	FirstDelay  time.Duration
	MaxDelay    time.Duration
}

// DefaultRetry is the local scheduler's policy: up to 5 retries after 1, 2, 4, 8 and 16
// seconds (31 s in all), within 10 minutes of the scheduled time.
var DefaultRetry = RetryPolicy{MaxRetries: 5, MaxEventAge: 10 * time.Minute, FirstDelay: time.Second, MaxDelay: time.Minute}

// Delay is how long retry n (1 for the first) waits after the attempt before it.
func (p RetryPolicy) Delay(n int) time.Duration {
	d := p.FirstDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d
}

// MaxLate is how late a fire time may still fire: a tick that comes later than that after
// it (the machine slept, the process was stopped) counts it as missed, as EventBridge
// Scheduler, which does not sleep, would have fired it then; it does not fire a night's
// worth of an every-minute schedule at once on waking.
const MaxLate = time.Minute

// Scheduler fires schedules. Tick drives it; Run ticks on a clock. It is safe for
// concurrent use: each fire time fires once, whoever ticks.
type Scheduler struct {
	st   Store
	fire Fire
	log  *slog.Logger

	// Retry is the policy for firings the runner did not take or failed (DefaultRetry);
	// set it before the first tick.
	Retry RetryPolicy

	mu   sync.Mutex
	last time.Time // fire times after this have not been considered yet

	rmu     sync.Mutex
	idle    *sync.Cond // signalled when pending drops to 0
	pending int        // retries waiting or under way
	stopped bool       // Run has ended: no new retries
}

// New returns a scheduler that considers fire times from now on.
func New(st Store, fire Fire, now time.Time, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{st: st, fire: fire, log: log, last: now, Retry: DefaultRetry}
	s.idle = sync.NewCond(&s.rmu)
	return s
}

// ScheduleID is the id a schedule carries in its payload (EventBridge's schedule name).
func ScheduleID(sc store.Schedule, stage string) string {
	return schedule.Name(sc.Tenant, sc.Project, sc.Flow, stage)
}

// Tick fires every schedule due in (last, now] (but not more than MaxLate before now) and
// returns how many fired.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.last
	if !now.After(from) {
		return 0, nil
	}
	var all []store.Schedule
	cursor := ""
	for {
		page, err := s.st.ListPublishedSchedules(ctx, store.ListOptions{Limit: 200, Cursor: cursor})
		if err != nil {
			return 0, fmt.Errorf("list published schedules: %w", err)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	s.last = now
	// fire times before late are missed (the ticks stopped: the machine slept)
	late := now.Add(-MaxLate)
	var missed []string
	fired := 0
	var errs []error
	for _, sc := range all {
		if !sc.Enabled {
			continue
		}
		cron, err := schedule.Parse(sc.Cron)
		if err != nil {
			s.log.Warn("schedule has a bad cron", "flow", sc.Flow, "cron", sc.Cron, "err", err)
			continue
		}
		loc, err := schedule.LoadZone(orUTC(sc.Timezone))
		if err != nil {
			s.log.Warn("schedule has a bad time zone", "flow", sc.Flow, "zone", sc.Timezone, "err", err)
			continue
		}
		start := from
		if from.Before(late) {
			if first := cron.Next(from, loc, 1); len(first) == 1 && first[0].Before(late) && len(sc.Bindings) > 0 &&
				(sc.Start == nil || !first[0].Before(*sc.Start)) && (sc.End == nil || !first[0].After(*sc.End)) {
				missed = append(missed, sc.Flow)
			}
			start = late.Add(-time.Nanosecond)
		}
		for _, at := range cron.Next(start, loc, 1000) {
			if at.After(now) {
				break
			}
			if (sc.Start != nil && at.Before(*sc.Start)) || (sc.End != nil && at.After(*sc.End)) {
				continue
			}
			for stage, version := range sc.Bindings {
				f := Firing{Tenant: sc.Tenant, Project: sc.Project, Flow: sc.Flow, Stage: stage, Version: version,
					Cron: sc.Cron, Timezone: sc.Timezone, ScheduleID: ScheduleID(sc, stage), At: at}
				if err := s.deliver(ctx, f, 0, now); err != nil {
					errs = append(errs, fmt.Errorf("fire %s on %s: %w", sc.Flow, stage, err))
					continue
				}
				fired++
			}
		}
	}
	if len(missed) > 0 {
		s.log.Warn("schedules missed their times: the scheduler did not run (was the machine asleep?); they are not "+
			"caught up, as EventBridge would have fired them then", "flows", missed,
			"from", from.UTC().Format(time.RFC3339), "to", late.UTC().Format(time.RFC3339))
	}
	return fired, errors.Join(errs...)
}

// deliver hands a firing to the runner: attempt 0 is the firing itself, attempt n its n-th
// retry, made at (as the scheduler's clock counts: the tick's time plus the delays since). A
// refusal or a failure of the runner is retried (retry); deliver returns the refusal.
func (s *Scheduler) deliver(ctx context.Context, f Firing, attempt int, at time.Time) error {
	err := s.fire(ctx, f, func(err error) {
		if err != nil {
			s.retry(ctx, f, attempt, at, fmt.Errorf("the runner failed: %w", err))
		} else if attempt > 0 {
			s.log.InfoContext(ctx, "schedule firing delivered on a retry", "flow", f.Flow, "stage", f.Stage,
				"scheduled_time", f.At.UTC().Format(time.RFC3339), "retry", attempt)
		}
	})
	if err != nil {
		s.retry(ctx, f, attempt, at, fmt.Errorf("the runner did not take it: %w", err))
	}
	return err
}

// retry delivers a firing again after attempt failed with err, unless the policy's bounds
// are reached or ctx has ended (the local cloud is stopping); either is logged.
func (s *Scheduler) retry(ctx context.Context, f Firing, attempt int, at time.Time, err error) {
	p := s.Retry
	next := attempt + 1
	delay := p.Delay(next)
	when := at.Add(delay)
	attrs := []any{"flow", f.Flow, "stage", f.Stage, "schedule", f.ScheduleID,
		"scheduled_time", f.At.UTC().Format(time.RFC3339), "attempts", next, "err", err}
	switch {
	case next > p.MaxRetries:
		s.log.ErrorContext(ctx, "schedule firing failed: not retried again (the retries are spent)", append(attrs, "max_retries", p.MaxRetries)...)
		return
	case when.Sub(f.At) > p.MaxEventAge:
		s.log.ErrorContext(ctx, "schedule firing failed: not retried again (it would be too late)", append(attrs, "max_event_age", p.MaxEventAge.String())...)
		return
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.stopped || ctx.Err() != nil {
		s.log.WarnContext(ctx, "schedule firing failed: not retried (the scheduler is stopping)", attrs...)
		return
	}
	s.log.WarnContext(ctx, "schedule firing failed: retrying", append(attrs, "retry", next, "in", delay.String())...)
	s.pending++
	go func() {
		defer func() {
			s.rmu.Lock()
			if s.pending--; s.pending == 0 {
				s.idle.Broadcast()
			}
			s.rmu.Unlock()
		}()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			s.log.WarnContext(ctx, "schedule firing not retried: the scheduler is stopping", attrs...)
			return
		case <-t.C:
		}
		_ = s.deliver(ctx, f, next, when) // a refusal is logged and retried by deliver
	}()
}

// Wait waits until no retry is waiting or under way (those whose context ends give up). A
// retry that a runner's failure reported later asks for is not waited for.
func (s *Scheduler) Wait() {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for s.pending > 0 {
		s.idle.Wait()
	}
}

func orUTC(z string) string {
	if z == "" {
		return "UTC"
	}
	return z
}

// Run ticks every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.rmu.Lock()
			s.stopped = true
			s.rmu.Unlock()
			s.Wait() // they give up with ctx
			return
		case <-t.C:
			if n, err := s.Tick(ctx, now()); err != nil {
				s.log.Error("scheduler tick", "err", err)
			} else if n > 0 {
				s.log.Info("schedules fired", "count", n)
			}
		}
	}
}
