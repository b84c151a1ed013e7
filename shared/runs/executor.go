package runs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// Options configure an Executor.
type Options struct {
	// Store is where flows are read and runs recorded (required).
	Store Store
	// Secrets opens the stage's secret values; nil means secrets are unavailable (a run
	// reading one fails naming the key).
	Secrets *secrets.Box
	// Compiler compiles documents, caching plans by content hash (required).
	Compiler *flow.Compiler
	// Engine configures the engine; its Publisher, Sink, Logger and Now are set per run.
	Engine engine.Options
	// Publishers returns a run's publisher when the job brings none (nil: no events).
	Publishers PublisherFunc
	Logger     *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ClaimTTL is how long the record of an idempotent run with policy none lives
	// (default 24 h: longer than Lambda retries an event).
	ClaimTTL time.Duration
	// Retention overrides the flow's retention setting when > 0.
	Retention int
	// RetentionInterval is the least time between two retention passes over one flow's
	// runs (default 1 minute; negative: a pass after every kept run). Between passes a
	// flow may hold a few more runs than it keeps; they go at the next pass.
	RetentionInterval time.Duration
	// RetentionEvery starts a pass before the interval is up once this many runs of a
	// flow were kept since its last pass (default 50), or as many as the flow keeps when
	// that is more (up to 5,000), so a busy flow's runs stay within about twice its
	// retention instead of piling up for a whole interval.
	RetentionEvery int
	// PlanCacheSize bounds the compiled versions kept (default 512).
	PlanCacheSize int
	// WriteConcurrency bounds the node-result writes of one run in flight (default 8).
	WriteConcurrency int
	// WriteAttempts is how often a store write is tried while the store is unavailable
	// (default 3); WriteBackoff the first pause between attempts (default 50 ms).
	WriteAttempts int
	WriteBackoff  time.Duration
}

// maxRetentionEvery bounds the runs kept between two passes over a flow that keeps many.
const maxRetentionEvery = 5000

// Executor executes flows for the runner and the router. It is safe for concurrent use.
type Executor struct {
	opt   Options
	st    Store
	box   *secrets.Box
	comp  *flow.Compiler
	log   *slog.Logger
	now   func() time.Time
	plans *planCache
	ids   *ulid.LockedMonotonicReader

	// background work (retention passes) in flight; bgIdle closes when it reaches 0
	bgMu     sync.Mutex
	bgN      int
	bgIdle   chan struct{}
	retMu    sync.Mutex
	retBusy  map[store.FlowKey]bool
	retAgain map[store.FlowKey]bool
	retLast  map[store.FlowKey]time.Time
	retKept  map[store.FlowKey]int // runs kept since the flow's last pass
	retKeep  map[store.FlowKey]int // how many runs the flow keeps, as its last pass said
}

// New returns an executor.
func New(opt Options) (*Executor, error) {
	if opt.Store == nil {
		return nil, errors.New("new executor: Store is required")
	}
	if opt.Compiler == nil {
		return nil, errors.New("new executor: Compiler is required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ClaimTTL <= 0 {
		opt.ClaimTTL = 24 * time.Hour
	}
	if opt.WriteConcurrency <= 0 {
		opt.WriteConcurrency = 8
	}
	if opt.WriteAttempts <= 0 {
		opt.WriteAttempts = 3
	}
	if opt.RetentionInterval == 0 {
		opt.RetentionInterval = time.Minute
	}
	if opt.RetentionEvery <= 0 {
		opt.RetentionEvery = 50
	}
	if opt.WriteBackoff <= 0 {
		opt.WriteBackoff = 50 * time.Millisecond
	}
	if opt.Retention < 0 || opt.Retention > store.MaxRetention {
		return nil, fmt.Errorf("new executor: Retention: must be 0 (the flow's setting) to %d, got %d", store.MaxRetention, opt.Retention)
	}
	return &Executor{
		opt: opt, st: opt.Store, box: opt.Secrets, comp: opt.Compiler, log: opt.Logger, now: opt.Now,
		plans:    newPlanCache(opt.PlanCacheSize),
		ids:      &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)},
		retBusy:  map[store.FlowKey]bool{},
		retAgain: map[store.FlowKey]bool{},
		retLast:  map[store.FlowKey]time.Time{},
		retKept:  map[store.FlowKey]int{},
		retKeep:  map[store.FlowKey]int{},
	}, nil
}

// NewRunID returns a new run id (a ULID at the executor's clock), for callers that hand
// out the id before the run starts (the API's 202, the router's hand-off).
func (x *Executor) NewRunID() string {
	return ulid.MustNew(ulid.Timestamp(x.now()), x.ids).String()
}

// active is one run in progress: what finishing it needs.
type active struct {
	key        store.RunKey
	fk         store.FlowKey
	kind       Kind
	version    int
	draft      []byte
	stage      string
	subStage   string
	save       store.RunSaving
	recorded   bool
	creating   chan error // the run record being created in the background
	keep       int        // retention (0: the flow's setting)
	sink       *sink
	batch      bool // router run with policy all: record and results are written together at the end
	batchTried bool // that write was attempted (and may have landed even if it seemed to fail)
	res        *resolver
	pub        engine.Publisher
	counts     map[string]int // node results by status before a resume
	answer     *Answer        // what the run's caller was answered (Job.Answer, Job.Answered; kept across a pause)
}

// Execute runs a job and returns the run record (secrets redacted, values truncated).
//
//   - A job that is invalid fails with a *JobError (errors.Is ErrInvalidJob).
//   - A job whose RunID exists already is not run again: the stored record is returned
//     with an error wrapping ErrDuplicateRun.
//   - A flow that cannot be loaded, compiled or started gives an error (and, when the run
//     is recorded, a run record with status error).
//   - A run that executed but whose record or results could not be fully stored returns
//     the run and an error.
//
// A flow that fails is not an error: the run's Status is "error" with its Error set.
func (x *Executor) Execute(ctx context.Context, job Job) (*engine.Run, error) {
	if err := job.normalize(); err != nil {
		return nil, err
	}
	fk := store.FlowKey{Tenant: job.Tenant, Project: job.Project, Flow: job.Flow}
	if job.Kind == KindSchedule {
		// a trashed project serves nothing: its schedules are taken down when it is trashed,
		// but a firing under way then (or one whose removal failed) still arrives
		p, err := x.st.GetProject(ctx, fk.ProjectKey())
		if err != nil {
			return nil, fmt.Errorf("load project %s: %w", fk.Project, err)
		}
		if p.TrashedAt != nil {
			return nil, fmt.Errorf("%w: the firing of flow %s is not run", ErrProjectInTrash, fk.Flow)
		}
		if job.AllowPrivateNetwork == nil {
			// the project just read says it: not read again for the run
			allow := p.AllowPrivateNetwork
			job.AllowPrivateNetwork = &allow
		}
		if job.Fired {
			if err := x.stillFires(ctx, fk, job.Stage); err != nil {
				return nil, err
			}
		}
	}
	a := &active{fk: fk, kind: job.Kind, version: job.Version, stage: job.Stage, subStage: job.SubStage,
		save: job.Save, keep: x.opt.Retention}
	if job.Answer == nil && job.Answered != nil {
		// answered before the run: a run that cannot start is recorded with it too
		a.answer = &Answer{Status: job.Answered.Status, ContentType: job.Answered.ContentType}
	}
	if a.save == "" {
		// The flow's own setting. A flow that does not exist (or cannot be read) gets no
		// run record: nothing is claimed, so a retry may succeed.
		f, err := x.st.GetFlow(ctx, fk)
		if err != nil {
			return nil, fmt.Errorf("load flow %s: %w", fk.Flow, err)
		}
		a.save = f.RunSaving
		if a.save == "" {
			a.save = store.SaveAll
		}
		if a.keep == 0 {
			a.keep = f.Retention
		}
	}
	comp, draft, loadErr := x.loadPlan(ctx, fk, job.Version)
	a.draft = draft
	if loadErr != nil && errors.Is(loadErr, store.ErrUnavailable) {
		return nil, loadErr // nothing claimed yet: the caller may retry
	}
	runID := job.RunID
	if runID == "" {
		runID = x.NewRunID()
	}
	a.key = store.RunKey{Tenant: job.Tenant, Project: job.Project, Run: runID}
	started := x.now()

	// a router run lasts one request (≤ 29 s): its record is written once, when it ends;
	// longer runs show as "running" while they run
	if (a.save == store.SaveAll && job.Kind != KindRouter) || job.RunID != "" {
		rec := store.Run{Tenant: job.Tenant, Project: job.Project, ID: runID, Flow: job.Flow, Stage: job.Stage,
			Version: job.Version, Trigger: string(job.Kind), Status: engine.StatusRunning, StartedAt: started,
			Summary: rawJSON(summary{Start: job.Start, SubStage: job.SubStage, Save: a.save})}
		if a.save == store.SaveNone {
			rec.ExpiresAt = started.Add(x.opt.ClaimTTL)
		}
		if job.RunID != "" {
			// the record is the claim on the id: it must exist before the flow runs
			if _, err := x.st.CreateRun(ctx, rec); err != nil {
				if errors.Is(err, store.ErrExists) {
					return x.existing(ctx, a.key)
				}
				return nil, fmt.Errorf("record run %s: %w", runID, err)
			}
		} else {
			// a fresh id claims nothing: write the "running" record while the flow runs
			ch := make(chan error, 1)
			a.creating = ch
			go func() {
				_, err := x.st.CreateRun(context.WithoutCancel(ctx), rec)
				ch <- err
			}()
		}
		a.recorded = true
	}
	// a duplicate has returned above: from here on the run's events are published
	a.pub = x.publisher(ctx, job.Publisher, RunRef{Kind: job.Kind, Tenant: job.Tenant, Project: job.Project, Flow: job.Flow, RunID: runID})
	defer x.closePublisher(ctx, a.pub)
	if loadErr != nil {
		return nil, x.failStart(ctx, a, started, loadErr)
	}

	mode := sinkDiscard
	switch a.save {
	case store.SaveAll:
		mode = sinkWrite
		if !a.recorded && job.Kind == KindRouter {
			// one batch write when the request ends instead of a write per node
			mode, a.batch = sinkBuffer, true
		}
	case store.SaveErrors:
		mode = sinkBuffer
	}
	a.sink = newSink(ctx, x, a.key, mode, 0, nil)
	effStage := job.Stage
	if job.SubStage != "" {
		effStage = job.SubStage
	}
	a.res = newResolver(x.st, x.box, fk.ProjectKey(), effStage)
	a.res.wrote = a.sink.hasWritten
	var res engine.Resolver = a.res
	if !comp.readsEnv {
		res = noEnv{a.res}
	}
	runCtx := ctx
	if !job.Deadline.IsZero() {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, job.Deadline)
		defer cancel()
	}
	run, err := x.engine(a).Run(runCtx, comp.plan, engine.Request{RunID: runID, FlowID: job.Flow, Version: job.Version,
		Stage: job.Stage, Tenant: job.Tenant, Project: job.Project, Start: job.Start, Trigger: job.Trigger, Fired: job.Kind.fired(), Resolver: res, Secrets: &comp.secrets, Flows: x.flowLoader(fk.ProjectKey(), job.Kind, job.Stage, a.res),
		DenyPrivateNetwork: !x.privateNetwork(ctx, fk.ProjectKey(), job.AllowPrivateNetwork), Finish: a.answering(job.answer()), Caller: job.Caller})
	if err != nil {
		a.sink.flush(false, nil)
		return nil, x.failStart(ctx, a, started, fmt.Errorf("start run %s: %w", runID, err))
	}
	out, err := x.finish(ctx, a, run)
	if out != nil && out.Status == engine.StatusError && (job.Kind == KindRouter || job.Kind == KindSchedule) {
		x.runErrorFlow(ctx, job, out)
	}
	return out, err
}

// answering returns the engine's Finish hook for a job answered over HTTP (nil for
// others): it keeps what the caller was answered, and fails a successful run whose caller
// got an error instead of the flow's response.
func (a *active) answering(answer func(*engine.Run) Answer) func(*engine.Run) {
	if answer == nil {
		return nil
	}
	return func(run *engine.Run) {
		ans := answer(run)
		a.answer = &ans
		if ans.Error != "" && run.Status == engine.StatusSuccess {
			run.Status = engine.StatusError
			run.Error = &engine.NodeError{Type: engine.ErrKindResponse,
				Error: fmt.Sprintf("the caller was answered %d instead of the flow's response: %s", ans.Status, ans.Error)}
		}
	}
}

// privateNetwork is whether the project lets its flows reach private
// networks: known is the caller's copy of the setting; without it the project
// is read. A project that cannot be read denies (the safe answer).
// stillFires checks that the schedule of fk still fires on stage: Scheduler may deliver a
// firing late, or one under way when the schedule was disabled, unpublished from the stage
// or its flow deleted (the schedule's removal follows those writes, and may fail).
func (x *Executor) stillFires(ctx context.Context, fk store.FlowKey, stage string) error {
	sc, err := x.st.GetSchedule(ctx, fk)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: flow %s is gone; the firing is not run", ErrScheduleWithdrawn, fk.Flow)
	case err != nil:
		return fmt.Errorf("load schedule of flow %s: %w", fk.Flow, err)
	case !sc.Enabled:
		return fmt.Errorf("%w: the schedule of flow %s is disabled; the firing is not run", ErrScheduleWithdrawn, fk.Flow)
	case sc.Bindings[stage] == 0:
		return fmt.Errorf("%w: flow %s is not published on stage %s; the firing is not run", ErrScheduleWithdrawn, fk.Flow, stage)
	}
	return nil
}

func (x *Executor) privateNetwork(ctx context.Context, pk store.ProjectKey, known *bool) bool {
	if known != nil {
		return *known
	}
	p, err := x.st.GetProject(ctx, pk)
	if err != nil {
		x.log.WarnContext(ctx, "read project's private network setting; denying", "project", pk.Project, "err", err)
		return false
	}
	return p.AllowPrivateNetwork
}

// engine returns an engine wired to one run's publisher and sink.
func (x *Executor) engine(a *active) *engine.Engine {
	eo := x.opt.Engine
	eo.Publisher = a.pub
	eo.Sink = nil
	if a.sink.mode != sinkDiscard {
		eo.Sink = a.sink
	}
	eo.Logger = x.log
	eo.Now = x.now
	return engine.New(eo)
}

// closer is implemented by publishers that hold resources until the run is done.
type closer interface {
	Close(ctx context.Context) error
}

// closePublisher closes a publisher that can be closed, once the executor is done with it.
func (x *Executor) closePublisher(ctx context.Context, p engine.Publisher) {
	if c, ok := p.(closer); ok {
		if err := c.Close(context.WithoutCancel(ctx)); err != nil {
			x.log.WarnContext(ctx, "close run publisher", "err", err)
		}
	}
}

func (x *Executor) publisher(ctx context.Context, p engine.Publisher, ref RunRef) engine.Publisher {
	if p != nil {
		return p
	}
	if x.opt.Publishers != nil {
		return x.opt.Publishers(ctx, ref)
	}
	return nil
}

// settle waits for the run record written in the background; when that failed, the
// outcome is recorded with a new record instead.
func (x *Executor) settle(ctx context.Context, a *active) {
	if a.creating == nil {
		return
	}
	err := <-a.creating
	a.creating = nil
	if err != nil {
		x.log.WarnContext(ctx, "record running run", "run", a.key.Run, "err", err)
		a.recorded = false
	}
}

// failStart records and announces a run that could not start, and returns cause.
func (x *Executor) failStart(ctx context.Context, a *active, started time.Time, cause error) error {
	x.settle(ctx, a)
	dctx := context.WithoutCancel(ctx)
	if a.pub != nil {
		a.pub.Publish(dctx, engine.Event{Type: engine.EventRunEnd, RunID: a.key.Run, FlowID: a.fk.Flow, Seq: 1,
			Time: x.now(), Status: engine.StatusError,
			Data: map[string]any{"status": engine.StatusError, "error": cause.Error()}})
	}
	dur := x.now().Sub(started)
	sum := summary{SubStage: a.subStage, Save: a.save, Saved: a.save != store.SaveNone, ErrorType: "start_error"}
	if a.answer != nil {
		// what the caller was answered before the run (a route's 202)
		sum.Response = &responseSummary{Status: a.answer.Status, ContentType: a.answer.ContentType}
	}
	var err error
	switch {
	case a.recorded:
		err = x.retry(dctx, func(ctx context.Context) error {
			return x.st.UpdateRun(ctx, a.key, store.RunUpdate{Status: engine.StatusError, Duration: nonZero(dur),
				Error: cause.Error(), Summary: rawJSON(sum)})
		})
	case a.save != store.SaveNone:
		_, err = x.st.CreateRun(dctx, store.Run{Tenant: a.key.Tenant, Project: a.key.Project, ID: a.key.Run,
			Flow: a.fk.Flow, Stage: a.stage, Version: a.version, Trigger: string(a.kind), Status: engine.StatusError,
			StartedAt: started, Duration: nonZero(dur), Error: cause.Error(), Summary: rawJSON(sum)})
	}
	if err != nil {
		x.log.ErrorContext(ctx, "run failure not recorded", "run", a.key.Run, "err", err)
	}
	return cause
}

// finish stores a run's outcome: its state when it paused, otherwise its record and the
// results its policy keeps; then applies retention to a kept run in the background.
func (x *Executor) finish(ctx context.Context, a *active, run *engine.Run) (*engine.Run, error) {
	dctx := context.WithoutCancel(ctx)
	x.settle(dctx, a)
	if a.res != nil {
		redactRun(run, a.res.known())
	}
	if run.Status == engine.StatusPaused {
		lost := a.sink.flush(false, nil)
		if err := x.savePaused(dctx, a, run); err != nil {
			x.recordOutcome(dctx, a, run, lost, fmt.Sprintf("the run paused but its state could not be saved: %v", err))
			return run, err
		}
		if err := x.recordOutcome(dctx, a, run, lost, ""); err != nil {
			return run, err
		}
		return run, nil
	}
	keep := a.save == store.SaveAll || a.save == store.SaveErrors && run.Status == engine.StatusError
	if a.batch && run.Status != engine.StatusPaused {
		a.batchTried = true
		err := x.recordBatch(dctx, a, run)
		switch {
		case err == nil:
			x.retain(dctx, a.fk, a.keep)
			return run, nil
		case errors.Is(err, store.ErrUnavailable):
			// the store is failing or overloaded even after retries: writing the same run in
			// more requests would only add to its load
			x.log.ErrorContext(dctx, "record run: the store is unavailable; the run is not kept", "run", a.key.Run, "err", err)
			return run, fmt.Errorf("record run %s: %w", a.key.Run, err)
		default:
			x.log.WarnContext(dctx, "record run in one batch; writing it piece by piece", "run", a.key.Run, "err", err)
		}
	}
	var known map[string]string
	if keep && a.res != nil {
		known = a.res.known()
	}
	lost := a.sink.flush(keep, known)
	if keep && a.res != nil && a.res.readLate() {
		// results written before the run read a secret may hold its value
		if err := x.redactStored(dctx, a.key, a.res.known()); err != nil {
			x.log.ErrorContext(dctx, "redact secrets read late from stored results", "run", a.key.Run, "err", err)
		}
	}
	if err := x.recordOutcome(dctx, a, run, lost, ""); err != nil {
		return run, err
	}
	if keep {
		x.retain(dctx, a.fk, a.keep)
	}
	if lost > 0 {
		return run, fmt.Errorf("run %s: %d node results could not be stored", a.key.Run, lost)
	}
	return run, nil
}

// savePaused stores a paused run's state (always, whatever the policy: resuming needs it).
func (x *Executor) savePaused(ctx context.Context, a *active, run *engine.Run) error {
	known := map[string]string{}
	if a.res != nil {
		known = a.res.known()
	}
	eng, masked, err := maskState(run.State, known)
	if err != nil {
		return err
	}
	ss := savedState{Format: stateFormat, Kind: a.kind, Flow: a.fk.Flow, Version: a.version, Stage: a.stage,
		SubStage: a.subStage, Save: a.save, Recorded: a.recorded || a.save == store.SaveAll, Skips: a.sink.skipCount(),
		Pending: a.sink.buffered(), Counts: resultCounts(a, run), Masked: masked, Engine: eng, Answer: a.answer}
	if a.version == 0 {
		ss.Draft = a.draft
	}
	raw := rawJSON(ss)
	return x.retry(ctx, func(ctx context.Context) error {
		if err := x.st.SaveRunState(ctx, a.key, raw); err != nil {
			return fmt.Errorf("save state of paused run %s: %w", a.key.Run, err)
		}
		return nil
	})
}

// recordOutcome updates (or, for a run kept only now, creates) the run record.
func (x *Executor) recordOutcome(ctx context.Context, a *active, run *engine.Run, lost int, failure string) error {
	status := run.Status
	paused := status == engine.StatusPaused
	failed := status == engine.StatusError
	keep := a.save == store.SaveAll || a.save == store.SaveErrors && failed
	if failure != "" {
		status, keep = engine.StatusError, a.save != store.SaveNone
	}
	if !a.recorded && !keep {
		return nil
	}
	sum := summarize(a, run, keep && !paused || a.save == store.SaveAll, lost)
	msg := failure
	if msg == "" && run.Error != nil {
		msg = run.Error.Error
	}
	dur := durationOf(run.DurationMS)
	var err error
	if a.recorded {
		err = x.retry(ctx, func(ctx context.Context) error {
			return x.st.UpdateRun(ctx, a.key, store.RunUpdate{Status: status, Duration: nonZero(dur), Error: msg,
				Summary: rawJSON(sum)})
		})
		if errors.Is(err, store.ErrNotFound) {
			// deleted from the history while it ran: the outcome has nowhere to go. Not an
			// error, which would have the runner's invocation retried and the flow run again.
			x.log.InfoContext(ctx, "run deleted while it ran; its outcome is not recorded", "run", a.key.Run,
				"status", status)
			return nil
		}
	} else {
		err = x.retry(ctx, func(ctx context.Context) error {
			_, err := x.st.CreateRun(ctx, store.Run{Tenant: a.key.Tenant, Project: a.key.Project, ID: a.key.Run,
				Flow: a.fk.Flow, Stage: a.stage, Version: a.version, Trigger: string(a.kind), Status: status,
				StartedAt: run.StartedAt, Duration: nonZero(dur), Error: msg, Summary: rawJSON(sum)})
			return err
		})
		if errors.Is(err, store.ErrExists) && a.batchTried {
			// the batch that seemed to fail (a timeout, say) did write the run: its id is
			// fresh, so the record is this run's own; bring its outcome up to date
			err = x.retry(ctx, func(ctx context.Context) error {
				return x.st.UpdateRun(ctx, a.key, store.RunUpdate{Status: status, Duration: nonZero(dur), Error: msg,
					Summary: rawJSON(sum)})
			})
		}
		if err == nil {
			a.recorded = true
		}
	}
	if err != nil {
		return fmt.Errorf("record outcome of run %s: %w", a.key.Run, err)
	}
	return nil
}

// retry runs a store write, again while the store is unavailable.
func (x *Executor) retry(ctx context.Context, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !errors.Is(err, store.ErrUnavailable) || attempt >= x.opt.WriteAttempts {
			return err
		}
		select {
		case <-time.After(x.opt.WriteBackoff * time.Duration(attempt)):
		case <-ctx.Done():
			return err
		}
	}
}

// nonZero keeps a duration from being "left alone" by UpdateRun.
func nonZero(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return time.Millisecond
	}
	return d
}

// retain applies the flow's retention in the background: at most one pass per flow at a
// time (a run kept meanwhile asks for one more) and, with a RetentionInterval, at most one
// per interval. Errors are logged; the next pass makes up for a failed one.
func (x *Executor) retain(ctx context.Context, fk store.FlowKey, keep int) {
	now := x.now()
	x.retMu.Lock()
	if iv := x.opt.RetentionInterval; iv > 0 {
		x.retKept[fk]++
		// a pass reads every kept run: a flow keeping many is passed over less often, so
		// what passes read stays near two runs per run kept
		every := max(x.opt.RetentionEvery, min(x.retKeep[fk], maxRetentionEvery))
		if last, ok := x.retLast[fk]; ok && now.Sub(last) < iv && x.retKept[fk] < every {
			x.retMu.Unlock()
			return
		}
		x.retLast[fk] = now
		delete(x.retKept, fk)
		if len(x.retLast) > 4096 { // forget flows not seen for an interval
			for k, t := range x.retLast {
				if now.Sub(t) >= iv {
					delete(x.retLast, k)
					delete(x.retKept, k)
					delete(x.retKeep, k)
				}
			}
		}
	}
	if x.retBusy[fk] {
		x.retAgain[fk] = true
		x.retMu.Unlock()
		return
	}
	x.retBusy[fk] = true
	x.retMu.Unlock()
	x.bgStart()
	go func() {
		defer x.bgDone()
		for {
			rctx, cancel := context.WithTimeout(ctx, time.Minute)
			pass, err := x.st.ApplyRetention(rctx, fk, keep)
			cancel()
			if err != nil {
				x.log.WarnContext(ctx, "apply run retention", "flow", fk.Flow, "err", err)
			} else if pass.Deleted > 0 {
				x.log.DebugContext(ctx, "run retention", "flow", fk.Flow, "deleted", pass.Deleted, "read", pass.Read, "requests", pass.Reads)
			}
			x.retMu.Lock()
			if pass.Keep > 0 {
				x.retKeep[fk] = pass.Keep
			}
			if !x.retAgain[fk] {
				delete(x.retBusy, fk)
				x.retMu.Unlock()
				return
			}
			delete(x.retAgain, fk)
			x.retMu.Unlock()
		}
	}()
}

// Wait blocks until the executor's background work (retention) is done or ctx ends. It
// may be called while runs go on. A Lambda handler need not call it: work frozen with the
// sandbox continues on the next invocation, and a lost pass is made up by the next kept run.
func (x *Executor) Wait(ctx context.Context) error {
	x.bgMu.Lock()
	if x.bgN == 0 {
		x.bgMu.Unlock()
		return nil
	}
	idle := x.bgIdle
	x.bgMu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bgStart counts one piece of background work in, bgDone out.
func (x *Executor) bgStart() {
	x.bgMu.Lock()
	if x.bgN == 0 {
		x.bgIdle = make(chan struct{})
	}
	x.bgN++
	x.bgMu.Unlock()
}

func (x *Executor) bgDone() {
	x.bgMu.Lock()
	if x.bgN--; x.bgN == 0 {
		close(x.bgIdle)
	}
	x.bgMu.Unlock()
}

// recordBatch writes a finished router run and its buffered results together.
func (x *Executor) recordBatch(ctx context.Context, a *active, run *engine.Run) error {
	buf := a.sink.buffered()
	var known map[string]string
	if a.res != nil {
		known = a.res.known()
	}
	red := newResultRedactor(known)
	results := make([]store.NodeResult, len(buf))
	for i, r := range buf {
		results[i] = red.result(toStoreResult(r))
	}
	msg := ""
	if run.Error != nil {
		msg = run.Error.Error
	}
	sum := summarize(a, run, true, 0)
	sum.Saved = true // the buffered results are written with the record
	return x.retry(ctx, func(ctx context.Context) error {
		_, err := x.st.RecordRun(ctx, store.Run{Tenant: a.key.Tenant, Project: a.key.Project, ID: a.key.Run,
			Flow: a.fk.Flow, Stage: a.stage, Version: a.version, Trigger: string(a.kind), Status: run.Status,
			StartedAt: run.StartedAt, Duration: nonZero(durationOf(run.DurationMS)), Error: msg, Summary: rawJSON(sum)}, results)
		return err
	})
}
