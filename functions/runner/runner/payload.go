// Package runner is the runner Lambda's handler: it decodes the payloads the runner is
// invoked with — schedule firings from EventBridge Scheduler, editor runs and resumes from
// the API, hand-offs from the router — and executes them through a runs.Executor.
package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/store"
)

// Payload kinds (the "kind" field of every payload).
const (
	KindSchedule = "schedule"
	KindEditor   = "editor"
	KindResume   = "resume"
	KindRouter   = "router"
)

// Payload is one of *SchedulePayload, *EditorPayload, *ResumePayload, *RouterPayload.
type Payload interface {
	// PayloadKind returns the payload's kind.
	PayloadKind() string
	validate() error
}

// SchedulePayload is a schedule firing: the target input EventBridge Scheduler sends.
// Build it with ScheduleInput so Scheduler fills in the firing's time.
type SchedulePayload struct {
	Kind       string `json:"kind"`
	Tenant     string `json:"tenant"`
	Project    string `json:"project"`
	Flow       string `json:"flow"`
	Version    int    `json:"version"`
	Stage      string `json:"stage"`
	ScheduleID string `json:"schedule_id"`
	// Cron and Timezone are handed to the flow's schedule trigger (informational).
	Cron     string `json:"cron,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	// ScheduledTime is Scheduler's <aws.scheduler.scheduled-time> (RFC 3339). It is the
	// trigger's fired_at and makes the run id deterministic, so a retried delivery of one
	// firing runs once. Without it fired_at is the invocation time and the id is fresh.
	ScheduledTime string `json:"scheduled_time,omitempty"`
	// ExecutionID is Scheduler's <aws.scheduler.execution-id> (logged).
	ExecutionID string `json:"execution_id,omitempty"`
	// RunID overrides the derived run id.
	RunID string `json:"run_id,omitempty"`
}

// EditorPayload is a run started in the editor (the API answered 202 with RunID).
type EditorPayload struct {
	Kind    string `json:"kind"`
	Tenant  string `json:"tenant"`
	Project string `json:"project"`
	Flow    string `json:"flow"`
	// Version 0 (or absent) runs the current draft.
	Version int `json:"version,omitempty"`
	// Stage defaults to "mock"; SubStage (mock only) lends its secrets and variables.
	Stage    string `json:"stage,omitempty"`
	SubStage string `json:"sub_stage,omitempty"`
	RunID    string `json:"run_id"`
	// Start is the node to start from ("" = the flow's trigger).
	Start string `json:"start,omitempty"`
	// Input is the test input, handed to the run as trigger data.
	Input json.RawMessage `json:"input,omitempty"`
	// Save overrides the run-saving policy (default all for editor runs).
	Save string `json:"save,omitempty"`
}

// ResumePayload continues a paused run.
type ResumePayload struct {
	Kind    string          `json:"kind"`
	Tenant  string          `json:"tenant"`
	Project string          `json:"project"`
	Flow    string          `json:"flow"`
	RunID   string          `json:"run_id"`
	Node    string          `json:"node"`
	Input   json.RawMessage `json:"input,omitempty"`
}

// RouterPayload is an HTTP request the router answered with 202 and handed over.
type RouterPayload struct {
	Kind    string `json:"kind"`
	Tenant  string `json:"tenant"`
	Project string `json:"project"`
	Flow    string `json:"flow"`
	Version int    `json:"version"`
	Stage   string `json:"stage"`
	RunID   string `json:"run_id"`
	// Route is the matched route's id (logged).
	Route string `json:"route,omitempty"`
	// Request is the HTTP request, the run's trigger data.
	Request trigger.HTTPRequest `json:"request"`
	// Save is the route's run-saving policy ("" reads the flow's setting).
	Save string `json:"save,omitempty"`
	// Answered is what the router answered the request's caller (its 202), which the run's
	// record says as its response, with the status the flow set as flow_status. Absent (a
	// payload from a router older than the field): 202 application/json, the router's
	// answer to every hand-off.
	Answered *Answered `json:"answered,omitempty"`
}

// Answered is what a router payload's request was answered.
type Answered struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
}

// handOffAnswer is the router's answer to a hand-off, for payloads that do not say it.
var handOffAnswer = Answered{Status: 202, ContentType: "application/json"}

// PayloadKind implements Payload.
func (*SchedulePayload) PayloadKind() string { return KindSchedule }

// PayloadKind implements Payload.
func (*EditorPayload) PayloadKind() string { return KindEditor }

// PayloadKind implements Payload.
func (*ResumePayload) PayloadKind() string { return KindResume }

// PayloadKind implements Payload.
func (*RouterPayload) PayloadKind() string { return KindRouter }

// PayloadError is a payload that cannot be run: Field names what is wrong.
type PayloadError struct {
	Field  string
	Reason string
}

func (e *PayloadError) Error() string {
	return fmt.Sprintf("runner payload: %s: %s", e.Field, e.Reason)
}

func payloadErr(field, format string, args ...any) error {
	return &PayloadError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Decode reads a payload by its kind, rejecting unknown fields, and checks its required
// fields. Errors are *PayloadError values naming the field.
func Decode(raw []byte) (Payload, error) {
	var env struct {
		Kind *string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, payloadErr("payload", "not a JSON object: %v", err)
	}
	if env.Kind == nil || *env.Kind == "" {
		return nil, payloadErr("kind", "is required (schedule, editor, resume or router)")
	}
	var p Payload
	switch *env.Kind {
	case KindSchedule:
		p = &SchedulePayload{}
	case KindEditor:
		p = &EditorPayload{}
	case KindResume:
		p = &ResumePayload{}
	case KindRouter:
		p = &RouterPayload{}
	default:
		return nil, payloadErr("kind", "unknown kind %q (want schedule, editor, resume or router)", *env.Kind)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(p); err != nil {
		return nil, decodeErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, payloadErr("payload", "unexpected data after the JSON object")
	}
	// the request's values (path variables, query, body) as the flow sees them: a whole
	// number beyond 2^53 stays exact
	if err := jsonvalue.NumbersIn(p); err != nil {
		return nil, payloadErr("payload", "%v", err)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeErr names the field of a JSON decoding error.
func decodeErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "payload"
		}
		return payloadErr(field, "expected %s, got JSON %s", te.Type, te.Value)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		name := strings.TrimPrefix(msg, "json: unknown field ")
		if field := strings.Trim(name, `"`); field != "" {
			return payloadErr(field, "unknown field")
		}
		return payloadErr("payload", "unknown field %s", name)
	}
	return payloadErr("payload", "%v", err)
}

// required names the first missing field among name/value pairs.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return payloadErr(pairs[i], "is required")
		}
	}
	return nil
}

func checkSave(s string) error {
	switch store.RunSaving(s) {
	case "", store.SaveAll, store.SaveErrors, store.SaveNone:
		return nil
	}
	return payloadErr("save", "unknown policy %q (want all, errors or none)", s)
}

func (p *SchedulePayload) validate() error {
	if err := required("tenant", p.Tenant, "project", p.Project, "flow", p.Flow, "stage", p.Stage,
		"schedule_id", p.ScheduleID); err != nil {
		return err
	}
	if p.Version < 1 {
		return payloadErr("version", "must be a published version (1 or more), got %d", p.Version)
	}
	if p.ScheduledTime != "" {
		if _, err := time.Parse(time.RFC3339, p.ScheduledTime); err != nil {
			return payloadErr("scheduled_time", "expected an RFC 3339 time such as 2025-03-22T18:59:00Z, got %q", p.ScheduledTime)
		}
	}
	return nil
}

func (p *EditorPayload) validate() error {
	if err := required("tenant", p.Tenant, "project", p.Project, "flow", p.Flow, "run_id", p.RunID); err != nil {
		return err
	}
	if p.Version < 0 {
		return payloadErr("version", "must be 0 (the draft) or a version number, got %d", p.Version)
	}
	if p.SubStage != "" && p.Stage != "" && p.Stage != store.MockStage {
		return payloadErr("sub_stage", "only runs on the %q stage may borrow another stage's values", store.MockStage)
	}
	if len(p.Input) > 0 && !json.Valid(p.Input) {
		return payloadErr("input", "is not valid JSON")
	}
	return checkSave(p.Save)
}

func (p *ResumePayload) validate() error {
	return required("tenant", p.Tenant, "project", p.Project, "flow", p.Flow, "run_id", p.RunID, "node", p.Node)
}

func (p *RouterPayload) validate() error {
	if err := required("tenant", p.Tenant, "project", p.Project, "flow", p.Flow, "stage", p.Stage, "run_id", p.RunID,
		"request.method", p.Request.Method, "request.path", p.Request.Path); err != nil {
		return err
	}
	if p.Version < 1 {
		return payloadErr("version", "must be a published version (1 or more), got %d", p.Version)
	}
	if p.Answered != nil && (p.Answered.Status < 100 || p.Answered.Status > 599) {
		return payloadErr("answered.status", "must be an HTTP status (100 to 599), got %d", p.Answered.Status)
	}
	return checkSave(p.Save)
}

// ScheduleInput returns the target input of a schedule for EventBridge Scheduler (the
// schedule package's TargetSpec.Input): the payload with Scheduler's context attributes
// for the firing's time and execution id, filled in by Scheduler at every firing.
func ScheduleInput(p SchedulePayload) (string, error) {
	p.Kind = KindSchedule
	p.ScheduledTime = "<aws.scheduler.scheduled-time>"
	p.ExecutionID = "<aws.scheduler.execution-id>"
	p.RunID = ""
	if err := required("tenant", p.Tenant, "project", p.Project, "flow", p.Flow, "stage", p.Stage,
		"schedule_id", p.ScheduleID); err != nil {
		return "", err
	}
	if p.Version < 1 {
		return "", payloadErr("version", "must be a published version (1 or more), got %d", p.Version)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Scheduler replaces the literal <aws.scheduler.…> keywords
	if err := enc.Encode(p); err != nil {
		return "", fmt.Errorf("encode schedule input: %w", err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// scheduleRunID derives a firing's run id: a ULID at the scheduled time whose random
// part is a hash of the schedule and the time, so every delivery of one firing gets the
// same id.
func scheduleRunID(p *SchedulePayload, at time.Time) string {
	h := sha256.Sum256([]byte(strings.Join([]string{p.Tenant, p.Project, p.Flow, p.Stage, p.ScheduleID,
		fmt.Sprint(p.Version), at.UTC().Format(time.RFC3339Nano)}, "\x00")))
	var id ulid.ULID
	if err := id.SetTime(ulid.Timestamp(at)); err != nil {
		return ""
	}
	if err := id.SetEntropy(h[:10]); err != nil {
		return ""
	}
	return id.String()
}
