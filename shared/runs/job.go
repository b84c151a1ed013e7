package runs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// Kind says what started a run. It is recorded as the run's trigger.
type Kind string

// Job kinds.
const (
	// KindSchedule is a firing of a published schedule (EventBridge Scheduler).
	KindSchedule Kind = "schedule"
	// KindEditor is a run started from the editor: the draft (Version 0) or a version,
	// usually on the mock stage.
	KindEditor Kind = "editor"
	// KindResume continues a paused run (a runner payload kind; use Executor.Resume).
	KindResume Kind = "resume"
	// KindRouter is an HTTP request on a published route, run inline by the router or
	// handed to the runner.
	KindRouter Kind = "router"
	// KindError is a run of a flow's error flow, started because a published run of the
	// flow failed; its trigger data is {flow, run, error}.
	KindError Kind = "error"
)

// Job is one flow execution to perform.
type Job struct {
	Kind    Kind
	Tenant  string
	Project string
	Flow    string
	// Version is the flow version to run; 0 runs the flow's current draft (editor runs only).
	Version int
	// Stage is the run's stage; editor runs default to "mock".
	Stage string
	// SubStage, only with Stage "mock", is the stage whose secrets and environment
	// variables the run borrows ("" uses mock's own).
	SubStage string
	// Fired, with Kind schedule, marks a firing delivered by the scheduler: it is not run
	// (ErrScheduleWithdrawn) when the schedule no longer fires on Stage — disabled,
	// unpublished from it, or the flow deleted since the firing was sent.
	Fired bool
	// RunID, when given, makes the job idempotent: a run with that id runs once. Empty
	// means a new ULID and no idempotency claim.
	RunID string
	// Start is the handle or id of the node to start from ("" = the flow's trigger).
	Start string
	// Trigger is the run's trigger data (an HTTP request, a schedule event, test input).
	Trigger any
	// Save is the run-saving policy; "" reads the flow's setting (editor runs: all).
	Save store.RunSaving
	// Deadline bounds the run's wall time (zero: the engine's default deadline).
	Deadline time.Time
	// Publisher receives the run's events; nil uses Options.Publishers (or none).
	Publisher engine.Publisher
	// AllowPrivateNetwork is the project's setting when the caller already
	// knows it (the router's cached slug lookup); nil reads the project.
	AllowPrivateNetwork *bool
	// Answer, for a run whose caller is answered over HTTP when it ends (the router's
	// inline runs), returns what that caller gets. It is called once the run has ended
	// (or paused), before the run's last event and its record, which then say what the
	// caller got: the answer's status, and for a run that succeeded but whose caller got
	// an error instead of the flow's response (Answer.Error), status error with that
	// error (type response_error). Nil: the record holds the response the flow set.
	Answer func(run *engine.Run) Answer
	// Answered, for a run whose caller was answered before it ran (a route answering at
	// once: 202 and the run id), is that answer; the record says it as it says Answer's,
	// with the status the flow set as flow_status, and a run that set no response is no
	// response_error (Error is ignored). Used when Answer is nil; it travels in the
	// runner's router payload.
	Answered *Answer
	// Caller, for a run whose caller gets the flow's response (Answer), returns the texts
	// that caller sent (its request's parts, as sent and decoded): the secrets inside them
	// are not redacted where the answer repeats them (engine.Request.Caller). Records,
	// events and logs are redacted as always.
	Caller func() []string `json:"-"`
}

// answer is the job's Answer, or one that returns Answered (nil when it has neither).
func (j Job) answer() func(*engine.Run) Answer {
	if j.Answer != nil || j.Answered == nil {
		return j.Answer
	}
	ans := Answer{Status: j.Answered.Status, ContentType: j.Answered.ContentType}
	return func(*engine.Run) Answer { return ans }
}

// Answer is what a run's caller was answered over HTTP (Job.Answer, Job.Answered).
type Answer struct {
	// Status and ContentType are the answer's.
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	// Error says why the caller did not get the response the flow set, "" when it did.
	Error string `json:"error,omitempty"`
}

// ResumeJob continues a paused run.
type ResumeJob struct {
	Tenant  string
	Project string
	Flow    string
	RunID   string
	// Node is the handle or id of the paused node to continue.
	Node string
	// Input is handed to the resumed node (an approval's answer, …).
	Input any
	// Deadline bounds the resumed part's wall time (zero: the engine's default).
	Deadline time.Time
	// Publisher receives the run's events; nil uses Options.Publishers (or none).
	Publisher engine.Publisher
}

// RunRef names a run whose events are about to be published.
type RunRef struct {
	Kind    Kind
	Tenant  string
	Project string
	Flow    string
	RunID   string
}

// PublisherFunc returns the publisher for one run's events (nil for none). The live
// package's WebSocket fan-out is plugged in here. It is asked only for runs that go ahead
// (not for duplicates or resumes refused before they start). A publisher with a method
// Close(ctx) error is closed once the executor is done with the run — after its run_end
// or run_paused event, or after a resume that could not proceed.
type PublisherFunc func(ctx context.Context, run RunRef) engine.Publisher

// Errors.
var (
	// ErrDuplicateRun is returned with the stored record when a Job names a run id that
	// already exists: the flow is not run again.
	ErrDuplicateRun = errors.New("run already exists")
	// ErrProjectInTrash: a schedule fired for a project in the trash, which serves nothing
	// (its schedules are removed when it is trashed; one may fire meanwhile). Not run.
	ErrProjectInTrash = errors.New("the project is in the trash")
	// ErrScheduleWithdrawn: a schedule fired for a flow that no longer fires on that stage
	// (unpublished from it, its schedule disabled, or the flow deleted). Scheduler may deliver
	// a firing late, or one already under way when the schedule was taken down. Not run.
	ErrScheduleWithdrawn = errors.New("the schedule no longer fires on this stage")
	// ErrAlreadyResumed: the paused run was already claimed by another resume.
	ErrAlreadyResumed = errors.New("run already resumed")
	// ErrNotPaused: the run has no paused state to resume (it never paused, or it is gone).
	ErrNotPaused = errors.New("run is not paused")
	// ErrInvalidJob: a Job or ResumeJob field is missing or wrong; the error is a *JobError.
	ErrInvalidJob = errors.New("invalid job")
)

// JobError is a bad Job or ResumeJob field.
type JobError struct {
	Field  string
	Reason string
}

func (e *JobError) Error() string { return fmt.Sprintf("job field %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrInvalidJob) true.
func (e *JobError) Is(target error) bool { return target == ErrInvalidJob }

func jobErr(field, format string, args ...any) error {
	return &JobError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// normalize checks a job and fills its defaults.
func (j *Job) normalize() error {
	switch j.Kind {
	case KindSchedule, KindEditor, KindRouter, KindError:
	case KindResume:
		return jobErr("kind", "resume jobs go through Resume, not Execute")
	case "":
		return jobErr("kind", "is required (schedule, editor or router)")
	default:
		return jobErr("kind", "unknown kind %q (want schedule, editor or router)", j.Kind)
	}
	if err := checkKeys(j.Tenant, j.Project, j.Flow); err != nil {
		return err
	}
	if j.Version < 0 {
		return jobErr("version", "must not be negative, got %d", j.Version)
	}
	if j.Version == 0 && j.Kind != KindEditor {
		return jobErr("version", "is required for %s runs (only editor runs may run the draft)", j.Kind)
	}
	if j.Stage == "" && j.Kind == KindEditor {
		j.Stage = store.MockStage
	}
	if j.Stage == "" {
		return jobErr("stage", "is required")
	}
	if err := store.ValidateStageName(j.Stage); err != nil {
		return jobErr("stage", "%v", err)
	}
	if j.SubStage != "" {
		if j.Stage != store.MockStage {
			return jobErr("sub_stage", "only runs on the %q stage may borrow another stage's values (stage is %q)", store.MockStage, j.Stage)
		}
		if err := store.ValidateStageName(j.SubStage); err != nil {
			return jobErr("sub_stage", "%v", err)
		}
	}
	if j.RunID != "" {
		if err := checkID("run_id", j.RunID); err != nil {
			return err
		}
	}
	switch j.Save {
	case "", store.SaveAll, store.SaveErrors, store.SaveNone:
	default:
		return jobErr("save", "unknown policy %q (want all, errors or none)", j.Save)
	}
	if j.Save == "" && j.Kind == KindEditor {
		j.Save = store.SaveAll
	}
	return nil
}

func (j *ResumeJob) validate() error {
	if err := checkKeys(j.Tenant, j.Project, j.Flow); err != nil {
		return err
	}
	if j.RunID == "" {
		return jobErr("run_id", "is required")
	}
	if err := checkID("run_id", j.RunID); err != nil {
		return err
	}
	if j.Node == "" {
		return jobErr("node", "is required (the paused node's handle or id)")
	}
	return nil
}

func checkKeys(tenant, project, flow string) error {
	for _, f := range []struct{ name, v string }{{"tenant", tenant}, {"project", project}, {"flow", flow}} {
		if f.v == "" {
			return jobErr(f.name, "is required")
		}
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

// checkID accepts what the store accepts inside keys: 1–128 printable bytes without '#'
// or spaces.
func checkID(field, v string) error {
	if len(v) > 128 {
		return jobErr(field, "longer than 128 bytes")
	}
	for _, r := range v {
		if r == '#' || r <= ' ' || r == 0x7f {
			return jobErr(field, "contains %q, which is not allowed", r)
		}
	}
	return nil
}

// fired is the type of trigger node a run of kind k enters by ("" when the kind names none:
// an editor run starts where the editor says).
func (k Kind) fired() string {
	switch k {
	case KindRouter:
		return "trigger.route"
	case KindSchedule:
		return "trigger.schedule"
	}
	return ""
}
