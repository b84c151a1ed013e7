package schedule

import (
	"errors"
	"fmt"
)

// Field names used in [Error.Field].
const (
	FieldExpression = "expression"
	FieldMinute     = "minute"
	FieldHour       = "hour"
	FieldDayOfMonth = "day-of-month"
	FieldMonth      = "month"
	FieldDayOfWeek  = "day-of-week"
	FieldTimeZone   = "time zone"
)

// Error reports invalid input: which field, the text the user gave for it and
// why it was rejected. Its message is a readable sentence meant for the editor,
// e.g. `hour field "25": value 25 is out of range 0-23`.
type Error struct {
	// Field is one of the Field* constants, or the name of a ScheduleSpec field.
	Field string
	// Value is the text of the offending field as given.
	Value string
	// Reason says what is wrong with Value.
	Reason string
}

// Error implements error.
func (e *Error) Error() string {
	switch e.Field {
	case FieldExpression:
		return fmt.Sprintf("cron expression %q: %s", e.Value, e.Reason)
	case FieldTimeZone:
		return fmt.Sprintf("time zone %q: %s", e.Value, e.Reason)
	default:
		return fmt.Sprintf("%s field %q: %s", e.Field, e.Value, e.Reason)
	}
}

// ErrNotExpressible is wrapped by the error [ToEventBridge] returns when a
// valid cron expression has no EventBridge Scheduler equivalent.
var ErrNotExpressible = errors.New("cannot be expressed as an EventBridge Scheduler cron expression")
