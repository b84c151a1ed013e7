package trigger

import (
	"math"
	"time"
	_ "time/tzdata" // fired_at_local needs the IANA zones on any runtime

	"polysynergy/shared/nodes"
)

// ScheduleEvent is the trigger data of a run started by a cron schedule.
type ScheduleEvent struct {
	// FiredAt is when the schedule fired.
	FiredAt time.Time `json:"fired_at"`
	// Cron is the schedule's 5-field cron expression.
	Cron string `json:"cron"`
	// Timezone is the IANA time zone the cron expression is read in.
	Timezone string `json:"timezone"`
	// ScheduleID identifies the schedule.
	ScheduleID string `json:"schedule_id"`
}

// Map returns the event as trigger data, with fired_at in RFC 3339 ("" when unset) and
// fired_at_local, the same instant on the schedule's wall clock: RFC 3339 with the time
// zone's offset at that instant (UTC when the zone is empty or unknown; "" when unset).
// fired_at is kept as it was for the flows that read it.
func (e ScheduleEvent) Map() map[string]any {
	fired, local := "", ""
	if !e.FiredAt.IsZero() {
		fired = e.FiredAt.Format(time.RFC3339Nano)
		local = e.FiredAt.In(zone(e.Timezone)).Format(time.RFC3339Nano)
	}
	return map[string]any{
		"fired_at":       fired,
		"fired_at_local": local,
		"cron":           e.Cron,
		"timezone":       e.Timezone,
		"schedule_id":    e.ScheduleID,
	}
}

// zone is the IANA zone name's location; UTC for an empty or unknown name (a schedule's zone
// is checked when it is saved).
func zone(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ScheduleFromTrigger reads a schedule event from trigger data: a ScheduleEvent, its Map
// form or anything whose JSON has that shape. fired_at may be an RFC 3339 string, a
// time.Time or Unix seconds; a missing fired_at leaves FiredAt zero. Errors name the field.
func ScheduleFromTrigger(v any) (ScheduleEvent, error) {
	switch x := v.(type) {
	case ScheduleEvent:
		return x, nil
	case *ScheduleEvent:
		if x == nil {
			return ScheduleEvent{}, fieldErr("schedule", "expected a schedule event, got nothing")
		}
		return *x, nil
	case nil:
		return ScheduleEvent{}, fieldErr("schedule", "expected a schedule event, got nothing")
	}
	m, ok := v.(map[string]any)
	if !ok {
		if o, isOut := v.(nodes.Out); isOut {
			m, ok = map[string]any(o), true
		} else {
			m, ok = nodes.Normalize(v).(map[string]any)
		}
	}
	if !ok {
		return ScheduleEvent{}, fieldErr("schedule", "expected an object holding a schedule event, got %s", nodes.Describe(v))
	}
	var e ScheduleEvent
	var err error
	switch f := m["fired_at"].(type) {
	case nil:
	case time.Time:
		e.FiredAt = f
	case string:
		if f != "" {
			if e.FiredAt, err = time.Parse(time.RFC3339Nano, f); err != nil {
				return e, fieldErr("fired_at", "expected an RFC 3339 time such as 2024-05-01T08:00:00Z, got %q", f)
			}
		}
	default:
		secs, ok := nodes.ToFloat(f)
		if !ok || !nodes.IsNumber(f) || math.Abs(secs) > 1e11 {
			return e, fieldErr("fired_at", "expected an RFC 3339 time or Unix seconds, got %s", nodes.Describe(f))
		}
		e.FiredAt = time.Unix(0, int64(secs*1e9)).UTC()
	}
	if e.Cron, err = optString(m, "cron"); err != nil {
		return e, err
	}
	if e.Timezone, err = optString(m, "timezone"); err != nil {
		return e, err
	}
	if e.ScheduleID, err = optString(m, "schedule_id"); err != nil {
		return e, err
	}
	return e, nil
}
