// Package scheduler is the local cloud's stand-in for EventBridge Scheduler: while the
// server runs, published schedules fire at their times in their time zones, within their
// start/end window, through the same payload the runner gets in AWS. Missed times are not
// caught up (EventBridge does not either): neither those before the server started nor,
// after the machine slept, those more than MaxLate ago.
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
// runner asynchronously), so one schedule's long run never delays another's firing.
type Fire func(ctx context.Context, f Firing) error

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

	mu   sync.Mutex
	last time.Time // fire times after this have not been considered yet
}

// New returns a scheduler that considers fire times from now on.
func New(st Store, fire Fire, now time.Time, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, fire: fire, log: log, last: now}
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
				if err := s.fire(ctx, f); err != nil {
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
