// Package runs is the platform's way to execute a flow: it loads the flow's version (or
// draft), compiles it through the cached compiler, resolves the stage's secrets and
// environment variables, runs it on the engine, publishes its events, and records the run
// and its node results in the store according to the flow's run-saving setting (all,
// errors, none). The runner Lambda (schedules, editor runs, resumes, router hand-offs)
// and the HTTP router both execute flows through an Executor.
//
// # Records
//
// A run whose policy keeps it gets a run record: created with status "running" when the
// run starts (policy all), or when it ends (policy errors, only if it failed). Node results
// are written as nodes finish (all) or buffered and written only if the run fails (errors);
// the buffer survives a pause inside the saved run state. With policy none nothing is
// written except what idempotency and resuming need.
//
// # Idempotency
//
// A Job with a RunID is idempotent: the run record is created first, conditionally, as a
// claim on the id, whatever the policy (with policy none it carries no results and expires
// after Options.ClaimTTL). A second Execute with the same id does not run the flow: it
// returns the stored record and ErrDuplicateRun. A Job without a RunID gets a fresh ULID
// and no claim (the router's inline runs, which nobody retries).
//
// # Pause and resume
//
// A paused run's state is always saved (whatever the policy), with the values of the
// secrets it used masked out; Resume claims it exactly once (store.ClaimResume), re-resolves
// the secrets, and continues on the same version's plan. A second claim fails with
// ErrAlreadyResumed.
package runs
