package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// SchedulerAPI is the part of the EventBridge Scheduler client a [Syncer]
// uses. *scheduler.Client implements it.
type SchedulerAPI interface {
	CreateSchedule(ctx context.Context, in *scheduler.CreateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *scheduler.UpdateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *scheduler.DeleteScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
}

// ScheduleSpec is the desired state of one EventBridge Scheduler schedule.
type ScheduleSpec struct {
	// Name is the schedule name, usually from [Name]: 1-64 characters of [0-9a-zA-Z-_.].
	Name string
	// GroupName is the schedule group; empty means the Syncer's group.
	GroupName string
	// Cron is the 5-field cron expression or macro; it is converted with [ToEventBridge].
	Cron string
	// TimeZone is the IANA zone the expression is evaluated in; empty means UTC.
	TimeZone string
	// Start and End optionally bound when the schedule may fire.
	Start, End *time.Time
	// Enabled maps to the schedule state ENABLED or DISABLED.
	Enabled bool
	// TargetARN is the runner Lambda's ARN.
	TargetARN string
	// RoleARN is the role EventBridge Scheduler assumes to invoke the target.
	RoleARN string
	// Input is the JSON payload passed to the target; empty sends none.
	Input string
}

// Syncer creates, updates and deletes schedules in EventBridge Scheduler.
type Syncer struct {
	client SchedulerAPI
	group  string
	log    *slog.Logger
	now    func() time.Time
}

// NewSyncer returns a Syncer using client. group is the schedule group used
// when a spec names none and by [Syncer.Delete] (empty: the account's
// "default" group). A nil logger discards logs.
func NewSyncer(client SchedulerAPI, group string, logger *slog.Logger) *Syncer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Syncer{client: client, group: group, log: logger, now: time.Now}
}

// maxDescriptionLen is the API's limit on a schedule description.
const maxDescriptionLen = 512

// request is the validated, converted form of a ScheduleSpec.
type request struct {
	name, group, expression, zone, description string
	start, end                                 *time.Time
	state                                      types.ScheduleState
	target                                     *types.Target
}

func (s *Syncer) prepare(spec ScheduleSpec) (*request, error) {
	r := &request{name: spec.Name, group: spec.GroupName, start: spec.Start, end: spec.End, state: types.ScheduleStateDisabled}
	if r.group == "" {
		r.group = s.group
	}
	if !validName(spec.Name) {
		return nil, &Error{Field: "Name", Value: spec.Name, Reason: "must be 1-64 characters of 0-9, a-z, A-Z, '-', '_' and '.'"}
	}
	if r.group != "" && !validName(r.group) {
		return nil, &Error{Field: "GroupName", Value: r.group, Reason: "must be 1-64 characters of 0-9, a-z, A-Z, '-', '_' and '.'"}
	}
	c, err := Parse(spec.Cron)
	if err != nil {
		return nil, err
	}
	if r.expression, err = c.EventBridge(); err != nil {
		return nil, err
	}
	r.zone = spec.TimeZone
	if r.zone == "" {
		r.zone = "UTC"
	}
	if _, err := LoadZone(r.zone); err != nil {
		return nil, err
	}
	if spec.Start != nil && spec.End != nil && !spec.End.After(*spec.Start) {
		return nil, &Error{Field: "End", Value: spec.End.Format(time.RFC3339), Reason: "must be after Start " + spec.Start.Format(time.RFC3339)}
	}
	if r.start != nil && !r.start.After(s.now()) {
		// EventBridge refuses a StartDate more than 5 minutes ago ("cannot be earlier than
		// 5 minutes ago"), so a schedule whose start has passed could no longer be updated
		// (every publish after the start date failed); a start that has passed restricts
		// nothing, so it is left out
		r.start = nil
	}
	if spec.TargetARN == "" {
		return nil, &Error{Field: "TargetARN", Value: "", Reason: "is required"}
	}
	if spec.RoleARN == "" {
		return nil, &Error{Field: "RoleARN", Value: "", Reason: "is required"}
	}
	if spec.Input != "" && !json.Valid([]byte(spec.Input)) {
		v := spec.Input
		if len(v) > 64 {
			v = v[:64] + "…"
		}
		return nil, &Error{Field: "Input", Value: v, Reason: "is not valid JSON"}
	}
	if spec.Enabled {
		r.state = types.ScheduleStateEnabled
	}
	r.description = fmt.Sprintf("PolySynergy: %s (%s)", c.Describe(), r.zone)
	if len(r.description) > maxDescriptionLen {
		r.description = r.description[:maxDescriptionLen]
	}
	r.target = &types.Target{Arn: aws.String(spec.TargetARN), RoleArn: aws.String(spec.RoleARN)}
	if spec.Input != "" {
		r.target.Input = aws.String(spec.Input)
	}
	return r, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (r *request) create() *scheduler.CreateScheduleInput {
	return &scheduler.CreateScheduleInput{
		Name:                       aws.String(r.name),
		GroupName:                  optional(r.group),
		ScheduleExpression:         aws.String(r.expression),
		ScheduleExpressionTimezone: aws.String(r.zone),
		StartDate:                  r.start,
		EndDate:                    r.end,
		State:                      r.state,
		Description:                aws.String(r.description),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:                     r.target,
	}
}

func (r *request) update() *scheduler.UpdateScheduleInput {
	return &scheduler.UpdateScheduleInput{
		Name:                       aws.String(r.name),
		GroupName:                  optional(r.group),
		ScheduleExpression:         aws.String(r.expression),
		ScheduleExpressionTimezone: aws.String(r.zone),
		StartDate:                  r.start,
		EndDate:                    r.end,
		State:                      r.state,
		Description:                aws.String(r.description),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:                     r.target,
	}
}

// Upsert makes the schedule match spec: it creates the schedule and, when
// one of that name already exists in the group, replaces it with
// UpdateSchedule. Invalid specs are rejected before any call, with an
// [*Error] or an error wrapping [ErrNotExpressible].
func (s *Syncer) Upsert(ctx context.Context, spec ScheduleSpec) error {
	r, err := s.prepare(spec)
	if err != nil {
		return fmt.Errorf("upsert schedule %q: %w", spec.Name, err)
	}
	// Two rounds cover a schedule deleted between a conflicting create and
	// the update that follows it.
	for range 2 {
		_, err := s.client.CreateSchedule(ctx, r.create())
		if err == nil {
			s.log.InfoContext(ctx, "schedule created", "name", r.name, "group", r.group, "expression", r.expression, "timezone", r.zone, "state", r.state)
			return nil
		}
		if _, ok := errors.AsType[*types.ConflictException](err); !ok {
			return fmt.Errorf("create schedule %q in group %q: %w", r.name, groupLabel(r.group), err)
		}
		_, err = s.client.UpdateSchedule(ctx, r.update())
		if err == nil {
			s.log.InfoContext(ctx, "schedule updated", "name", r.name, "group", r.group, "expression", r.expression, "timezone", r.zone, "state", r.state)
			return nil
		}
		if _, ok := errors.AsType[*types.ResourceNotFoundException](err); !ok {
			return fmt.Errorf("update schedule %q in group %q: %w", r.name, groupLabel(r.group), err)
		}
	}
	return fmt.Errorf("upsert schedule %q in group %q: it kept conflicting on create and vanishing on update", r.name, groupLabel(r.group))
}

// Delete deletes the named schedule from the Syncer's group. A schedule that
// does not exist is not an error.
func (s *Syncer) Delete(ctx context.Context, name string) error {
	return s.DeleteFromGroup(ctx, s.group, name)
}

// DeleteFromGroup deletes the named schedule from group (empty: "default").
// A schedule that does not exist is not an error.
func (s *Syncer) DeleteFromGroup(ctx context.Context, group, name string) error {
	if !validName(name) {
		return fmt.Errorf("delete schedule: %w", &Error{Field: "Name", Value: name, Reason: "must be 1-64 characters of 0-9, a-z, A-Z, '-', '_' and '.'"})
	}
	_, err := s.client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: optional(group)})
	if _, ok := errors.AsType[*types.ResourceNotFoundException](err); ok {
		s.log.InfoContext(ctx, "schedule already absent", "name", name, "group", group)
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete schedule %q in group %q: %w", name, groupLabel(group), err)
	}
	s.log.InfoContext(ctx, "schedule deleted", "name", name, "group", group)
	return nil
}

func groupLabel(g string) string {
	if g == "" {
		return "default"
	}
	return g
}
