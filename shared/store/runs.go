package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Run is one execution of a flow.
type Run struct {
	Tenant  string `dynamodbav:"tenant"`
	Project string `dynamodbav:"project"`
	// ID is a ULID (sorts by start time); CreateRun assigns one when empty.
	ID      string `dynamodbav:"run"`
	Flow    string `dynamodbav:"flow"`
	Stage   string `dynamodbav:"stage"`
	Version int    `dynamodbav:"version"`
	// Trigger is what started the run: route, schedule, editor, resume, ….
	Trigger   string        `dynamodbav:"trigger"`
	Status    string        `dynamodbav:"status"`
	StartedAt time.Time     `dynamodbav:"started_at"`
	Duration  time.Duration `dynamodbav:"-"`
	Error     string        `dynamodbav:"error"`
	// Summary is a small JSON document (counts, trigger info, …).
	Summary   json.RawMessage `dynamodbav:"-"`
	ExpiresAt time.Time       `dynamodbav:"-"`
}

// Key returns the run's key.
func (r Run) Key() RunKey { return RunKey{Tenant: r.Tenant, Project: r.Project, Run: r.ID} }

type runRec struct {
	Item       string `dynamodbav:"kind"`
	GSI1PK     string `dynamodbav:"GSI1PK"`
	GSI1SK     string `dynamodbav:"GSI1SK"`
	DurationMS int64  `dynamodbav:"duration_ms"`
	ExpiresAt  int64  `dynamodbav:"expires_at"`
	Run
}

// NodeResult is the record of one node execution in a run. Inputs,
// Outputs, Error and Logs are JSON; together they are stored as one blob,
// compressed when large.
type NodeResult struct {
	NodeID    string
	Order     int
	Status    string
	StartedAt time.Time
	Duration  time.Duration
	Inputs    json.RawMessage
	Outputs   json.RawMessage
	Error     json.RawMessage
	Logs      json.RawMessage
}

type nodeRec struct {
	Item       string    `dynamodbav:"kind"`
	NodeID     string    `dynamodbav:"node"`
	Order      int       `dynamodbav:"order"`
	Status     string    `dynamodbav:"status"`
	StartedAt  time.Time `dynamodbav:"started_at"`
	DurationMS int64     `dynamodbav:"duration_ms"`
	ExpiresAt  int64     `dynamodbav:"expires_at"`
}

type nodeBlob struct {
	Inputs  json.RawMessage `json:"inputs,omitempty"`
	Outputs json.RawMessage `json:"outputs,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
	Logs    json.RawMessage `json:"logs,omitempty"`
}

// Run state status values (a paused run's record has status "paused" too).
const (
	statePaused  = "paused"
	stateResumed = "resumed"
)

// runStatusRunning is the status of a run record while its run goes on.
const runStatusRunning = "running"

func checkStatus(field, v string) error {
	if v == "" || len(v) > 32 {
		return invalid(field, "must be 1–32 characters")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return invalid(field, "must be lowercase letters and '_', got %q", v)
		}
	}
	return nil
}

// CreateRun stores a new run. Empty ID gets a ULID at StartedAt (default
// now); ExpiresAt defaults to StartedAt plus the run TTL.
func (s *Store) CreateRun(ctx context.Context, r Run) (Run, error) {
	op := "create run"
	if r.StartedAt.IsZero() {
		r.StartedAt = s.clock()
	}
	r.StartedAt = r.StartedAt.UTC()
	if r.ID == "" {
		id, err := s.newIDAt(r.StartedAt)
		if err != nil {
			return Run{}, fmt.Errorf("%s: %w", op, err)
		}
		r.ID = id
	}
	if err := r.Key().validate(); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("flow", r.Flow); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(r.Stage); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkStatus("trigger", r.Trigger); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkStatus("status", r.Status); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(r.Summary) > 0 {
		if err := checkJSON("summary", r.Summary); err != nil {
			return Run{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = r.StartedAt.Add(s.runTTL)
	}
	r.ExpiresAt = time.Unix(r.ExpiresAt.Unix(), 0).UTC()
	it, err := s.runItem(r)
	if err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if _, ok := isConditionFailed(err); ok {
		return Run{}, fmt.Errorf("%s: run %s %w", op, r.ID, ErrExists)
	}
	if err != nil {
		return Run{}, wrap(op, err)
	}
	return r, nil
}

func decodeRun(op string, it item) (Run, error) {
	var rec runRec
	if err := unmarshal(it, &rec); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	r := rec.Run
	r.Duration = time.Duration(rec.DurationMS) * time.Millisecond
	r.ExpiresAt = time.Unix(rec.ExpiresAt, 0).UTC()
	sum, err := decodeBlob("summary", it["summary"])
	if err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	r.Summary = sum
	return r, nil
}

// GetRun reads a run.
func (s *Store) GetRun(ctx context.Context, k RunKey) (Run, error) {
	op := fmt.Sprintf("get run %s", k.Run)
	if err := k.validate(); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "run", key(runPK(k), skRun), true)
	if err != nil {
		return Run{}, err
	}
	return decodeRun(op, it)
}

// RunUpdate changes a run; zero fields are left alone.
type RunUpdate struct {
	Status   string
	Duration time.Duration
	Error    string
	Summary  json.RawMessage
}

// UpdateRun records a run's progress or outcome.
func (s *Store) UpdateRun(ctx context.Context, k RunKey, u RunUpdate) error {
	op := fmt.Sprintf("update run %s", k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	set := ""
	n := names{}
	v := vals{}
	add := func(expr string) {
		if set != "" {
			set += ", "
		}
		set += expr
	}
	if u.Status != "" {
		if err := checkStatus("status", u.Status); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		add("#status = :status")
		n["#status"] = "status"
		v[":status"] = avS(u.Status)
		if u.Status == runStatusRunning {
			// a resumed run runs again from now: DeleteRun's stale rule counts from here
			add(attrRunningAt + " = :runningAt")
			v[":runningAt"] = avN(s.clock().Unix())
		}
	}
	if u.Duration != 0 {
		add("duration_ms = :d")
		v[":d"] = avN(u.Duration.Milliseconds())
	}
	if u.Error != "" {
		add("#error = :e")
		n["#error"] = "error"
		v[":e"] = avS(u.Error)
	}
	if len(u.Summary) > 0 {
		if err := checkJSON("summary", u.Summary); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		b, err := s.encodeBlob("summary", u.Summary)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		add("summary = :sum")
		v[":sum"] = b
	}
	if set == "" {
		return nil
	}
	return s.updateExisting(ctx, op, "run", key(runPK(k), skRun), "SET "+set, n, v)
}

// ListRunsOptions selects runs of a flow.
type ListRunsOptions struct {
	ListOptions
	// Stage and Status keep only matching runs ("" for all).
	Stage  string
	Status string
}

// runListAttrs are the attributes a run list reads: the run's fields and the index
// position (for cursors), without its node results.
var runListAttrs = []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK, "kind", "duration_ms", "expires_at", "summary",
	"tenant", "project", "run", "flow", "stage", "version", "trigger", "status", "started_at", "error"}

// ListRuns lists a flow's runs, newest first.
func (s *Store) ListRuns(ctx context.Context, k FlowKey, o ListRunsOptions) (Page[Run], error) {
	op := fmt.Sprintf("list runs of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Page[Run]{}, fmt.Errorf("%s: %w", op, err)
	}
	// a run's GSI1SK is its id: a cursor's run deleted since stays a place in the list
	q := query{index: IndexGSI1, pk: flowRunsPK(k), names: names{}, values: vals{}, uniqueSK: true}
	// everything of the run but the node results some runs carry
	proj := make([]string, len(runListAttrs))
	for i, a := range runListAttrs {
		proj[i] = fmt.Sprintf("#l%d", i)
		q.names[proj[i]] = a
	}
	q.projection = strings.Join(proj, ", ")
	if o.Stage != "" {
		if err := ValidateStageName(o.Stage); err != nil {
			return Page[Run]{}, fmt.Errorf("%s: %w", op, err)
		}
		q.filter = "stage = :stage"
		q.values[":stage"] = avS(o.Stage)
	}
	if o.Status != "" {
		if err := checkStatus("status", o.Status); err != nil {
			return Page[Run]{}, fmt.Errorf("%s: %w", op, err)
		}
		if q.filter != "" {
			q.filter += " AND "
		}
		q.filter += "#status = :status"
		q.names["#status"] = "status"
		q.values[":status"] = avS(o.Status)
	}
	return listPage(ctx, s, op, q, o.ListOptions, decodeRun)
}

// PutNodeResult stores (or replaces) the result of one node execution,
// keyed by its order in the run. Large results are compressed; a result
// that cannot fit even compressed is an ErrTooLarge error, never dropped.
func (s *Store) PutNodeResult(ctx context.Context, k RunKey, nr NodeResult) error {
	op := fmt.Sprintf("put result of node %s in run %s", nr.NodeID, k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("node", nr.NodeID); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if nr.Order < 0 || nr.Order > 99_999_999 {
		return fmt.Errorf("%s: %w", op, invalid("order", "must be between 0 and 99999999, got %d", nr.Order))
	}
	if err := checkStatus("status", nr.Status); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, f := range []struct {
		name string
		v    json.RawMessage
	}{{"inputs", nr.Inputs}, {"outputs", nr.Outputs}, {"error", nr.Error}, {"logs", nr.Logs}} {
		if len(f.v) > 0 && !json.Valid(f.v) {
			return fmt.Errorf("%s: %w", op, invalid(f.name, "is not valid JSON"))
		}
	}
	it, err := s.nodeItem(k, nr)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return wrap(op, err)
}

// runItem builds a run's item (its expiry and id already set).
func (s *Store) runItem(r Run) (item, error) {
	fk := r.Key().ProjectKey().Flow(r.Flow)
	it, err := marshal(runRec{Item: kindRun, GSI1PK: flowRunsPK(fk), GSI1SK: r.ID, DurationMS: r.Duration.Milliseconds(),
		ExpiresAt: r.ExpiresAt.Unix(), Run: r}, runPK(r.Key()), skRun)
	if err != nil {
		return nil, err
	}
	// when it went (last) running: the stale rule of DeleteRun counts from it
	it[attrRunningAt] = avN(r.StartedAt.Unix())
	if len(r.Summary) > 0 {
		if it["summary"], err = s.encodeBlob("summary", r.Summary); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// nodeItem builds a node result's item.
func (s *Store) nodeItem(k RunKey, nr NodeResult) (item, error) {
	blob, err := json.Marshal(nodeBlob{Inputs: nr.Inputs, Outputs: nr.Outputs, Error: nr.Error, Logs: nr.Logs})
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	it, err := marshal(nodeRec{Item: kindNode, NodeID: nr.NodeID, Order: nr.Order, Status: nr.Status,
		StartedAt: nr.StartedAt.UTC(), DurationMS: nr.Duration.Milliseconds(),
		ExpiresAt: s.clock().Add(s.runTTL).Unix()}, runPK(k), nodeSK(nr.Order))
	if err != nil {
		return nil, err
	}
	if it["data"], err = s.encodeBlob("node result", blob); err != nil {
		return nil, err
	}
	return it, nil
}

// RecordRun writes a finished run and its node results in as few requests as DynamoDB
// allows (batches of 25), for runs recorded only once they end (the router's). The run
// must not exist yet; results are validated like PutNodeResult's.
func (s *Store) RecordRun(ctx context.Context, r Run, results []NodeResult) (Run, error) {
	op := "record run"
	if r.StartedAt.IsZero() {
		r.StartedAt = s.clock()
	}
	r.StartedAt = r.StartedAt.UTC()
	if r.ID == "" {
		id, err := s.newIDAt(r.StartedAt)
		if err != nil {
			return Run{}, fmt.Errorf("%s: %w", op, err)
		}
		r.ID = id
	}
	if err := r.Key().validate(); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("flow", r.Flow); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(r.Stage); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkStatus("status", r.Status); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = r.StartedAt.Add(s.runTTL)
	}
	r.ExpiresAt = time.Unix(r.ExpiresAt.Unix(), 0).UTC()
	it, err := s.runItem(r)
	if err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	}
	for _, nr := range results {
		if err := checkID("node", nr.NodeID); err != nil {
			return Run{}, fmt.Errorf("%s: %w", op, err)
		}
		if nr.Order < 0 || nr.Order > 99_999_999 {
			return Run{}, fmt.Errorf("%s: %w", op, invalid("order", "must be between 0 and 99999999, got %d", nr.Order))
		}
		if err := checkStatus("status", nr.Status); err != nil {
			return Run{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	// small results travel on the run's own item: one write, one item to delete
	if blob, ok, err := s.inlineResults(results); err != nil {
		return Run{}, fmt.Errorf("%s: %w", op, err)
	} else if ok {
		it[attrResults] = blob
		it[attrNodeOrders] = avS(noNodeOrders)
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
		if err != nil {
			return Run{}, wrap(op, err)
		}
		return r, nil
	}
	// the run's partition is known in full: retention deletes it without reading it first
	orders := make([]string, len(results))
	for i, nr := range results {
		orders[i] = strconv.Itoa(nr.Order)
	}
	it[attrNodeOrders] = avS(cmp.Or(strings.Join(orders, ","), noNodeOrders))
	reqs := []types.WriteRequest{{PutRequest: &types.PutRequest{Item: it}}}
	for _, nr := range results {
		nit, err := s.nodeItem(r.Key(), nr)
		if err != nil {
			return Run{}, fmt.Errorf("%s: node %s: %w", op, nr.NodeID, err)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: nit}})
	}
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		if err := s.batchWrite(ctx, op, reqs[:n]); err != nil {
			return Run{}, err
		}
		reqs = reqs[n:]
	}
	return r, nil
}

// ListNodeResults returns every node result of a run in execution order.
func (s *Store) ListNodeResults(ctx context.Context, k RunKey) ([]NodeResult, error) {
	op := fmt.Sprintf("list node results of run %s", k.Run)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []NodeResult
	// the node items and the run's own item (NODE#… < RUN), which holds small results itself
	var inline []NodeResult
	err := s.queryAll(ctx, op, query{pk: runPK(k), skBetween: [2]string{preNode, skRun}, forward: true, consistent: true}, func(it item) error {
		if getS(it, attrSK) == skRun {
			var err error
			inline, err = decodeInlineResults(it[attrResults])
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			return nil
		}
		var rec nodeRec
		if err := unmarshal(it, &rec); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		raw, err := decodeBlob("node result", it["data"])
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		var b nodeBlob
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("%s: decode node %s: %w", op, rec.NodeID, err)
			}
		}
		out = append(out, NodeResult{NodeID: rec.NodeID, Order: rec.Order, Status: rec.Status, StartedAt: rec.StartedAt,
			Duration: time.Duration(rec.DurationMS) * time.Millisecond,
			Inputs:   b.Inputs, Outputs: b.Outputs, Error: b.Error, Logs: b.Logs})
		return nil
	})
	if err != nil || len(inline) == 0 {
		return out, err
	}
	// results written one by one after the run (a retried write) take the place of their
	// inline copies
	have := make(map[int]bool, len(out))
	for _, r := range out {
		have[r.Order] = true
	}
	for _, r := range inline {
		if !have[r.Order] {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b NodeResult) int { return cmp.Compare(a.Order, b.Order) })
	return out, nil
}

// SaveRunState stores the state of a paused run (replacing an earlier one),
// ready to be claimed once by ClaimResume.
func (s *Store) SaveRunState(ctx context.Context, k RunKey, state json.RawMessage) error {
	op := fmt.Sprintf("save state of run %s", k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkJSON("state", state); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	it := key(runPK(k), skRunState)
	it["kind"] = avS(kindRunState)
	it["status"] = avS(statePaused)
	it["paused_at"] = avTime(now)
	it[attrTTL] = avN(now.Add(s.runTTL).Unix())
	var err error
	if it["data"], err = s.encodeBlob("run state", state); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return wrap(op, err)
}

// ClaimResume atomically marks a paused run's state as resumed and returns
// it. Of any number of concurrent claims exactly one succeeds; the others
// get ErrAlreadyClaimed. ErrNotFound when the run never paused.
func (s *Store) ClaimResume(ctx context.Context, k RunKey) (json.RawMessage, error) {
	op := fmt.Sprintf("claim resume of run %s", k.Run)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	in := updateInput(s.table, key(runPK(k), skRunState), "SET #status = :resumed, resumed_at = :now",
		"#status = :paused", names{"#status": "status"},
		vals{":resumed": avS(stateResumed), ":paused": avS(statePaused), ":now": avTime(s.clock())})
	in.ReturnValues = "ALL_NEW"
	in.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	out, err := s.db.UpdateItem(ctx, in)
	if ccf, ok := isConditionFailed(err); ok {
		if len(ccf.Item) == 0 {
			return nil, fmt.Errorf("%s: run state %w", op, ErrNotFound)
		}
		return nil, fmt.Errorf("%s: %w", op, ErrAlreadyClaimed)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	state, err := decodeBlob("run state", out.Attributes["data"])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return state, nil
}

// ResumeRequestTTL is how long a resume request holds a paused run for the runner it was
// handed to; past it (a hand-off that never reached a runner) the run takes another.
const ResumeRequestTTL = 15 * time.Minute

// RequestResume marks a paused run's state as asked to resume, once: of concurrent
// requests one succeeds and the others get ErrAlreadyClaimed, as do requests once a runner
// claimed the state (ClaimResume). The mark goes with the state when it is saved again (a
// resume that could not go ahead puts it back; the run paused again), is taken back by
// CancelResumeRequest, or is ignored after ResumeRequestTTL. ErrNotFound when the run has
// no paused state.
func (s *Store) RequestResume(ctx context.Context, k RunKey) error {
	op := fmt.Sprintf("request resume of run %s", k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	in := updateInput(s.table, key(runPK(k), skRunState), "SET resume_requested = :now",
		"#status = :paused AND (attribute_not_exists(resume_requested) OR resume_requested < :stale)",
		names{"#status": "status"}, vals{":paused": avS(statePaused), ":now": avN(now.UnixNano()),
			":stale": avN(now.Add(-ResumeRequestTTL).UnixNano())})
	in.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	_, err := s.db.UpdateItem(ctx, in)
	if ccf, ok := isConditionFailed(err); ok {
		if len(ccf.Item) == 0 {
			return fmt.Errorf("%s: run state %w", op, ErrNotFound)
		}
		return fmt.Errorf("%s: %w", op, ErrAlreadyClaimed)
	}
	return wrap(op, err)
}

// CancelResumeRequest takes back a resume request whose hand-off failed, so the run can
// be resumed again at once.
func (s *Store) CancelResumeRequest(ctx context.Context, k RunKey) error {
	op := fmt.Sprintf("cancel resume request of run %s", k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// set to 0 rather than REMOVEd: the embedded server left the attribute in place
	_, err := s.db.UpdateItem(ctx, updateInput(s.table, key(runPK(k), skRunState), "SET resume_requested = :none",
		"#status = :paused", names{"#status": "status"}, vals{":paused": avS(statePaused), ":none": avN(0)}))
	if _, ok := isConditionFailed(err); ok {
		return nil // claimed or gone meanwhile: nothing to take back
	}
	return wrap(op, err)
}

// RetentionPass is what one retention pass over a flow's runs did.
type RetentionPass struct {
	Deleted int // runs deleted
	Spared  int // older runs left because they are still running or paused
	Keep    int // the number of runs kept (the flow's setting when none was given)
	Read    int // runs read
	Reads   int // requests that read them
}

// ApplyRetention keeps the newest keep runs of a flow and deletes the rest
// with their node results and state; keep 0 uses the flow's retention
// setting. An older run that is still running or paused (waiting to be resumed)
// is spared: its record and state are still to be written or read, and a later
// pass deletes it once it has ended (its expiry removes one that never ends).
func (s *Store) ApplyRetention(ctx context.Context, k FlowKey, keep int) (RetentionPass, error) {
	op := fmt.Sprintf("apply retention to flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return RetentionPass{}, fmt.Errorf("%s: %w", op, err)
	}
	if keep < 0 {
		return RetentionPass{}, fmt.Errorf("%s: %w", op, invalid("keep", "must not be negative"))
	}
	if keep == 0 {
		f, err := s.GetFlow(ctx, k)
		if err != nil {
			return RetentionPass{}, err
		}
		keep = f.Retention
	}
	var old []runParts
	seen, spared := 0, 0
	// read in pages that grow: a pass over the usual few hundred runs stays a few short
	// requests, so writes to the table are not held up (DynamoDB Local and the embedded
	// server handle one request at a time), and one over a flow that has fallen far behind
	// (thousands of runs) takes a few dozen requests, not hundreds, each of which the
	// embedded server answers in time that grows with the table
	reads, err := s.queryPages(ctx, op, query{index: IndexGSI1, pk: flowRunsPK(k), projection: "#run, #status, " + attrNodeOrders,
		names: names{"#run": "run", "#status": "status"}, pageSize: retentionPage, pageMax: retentionPageMax}, func(it item) error {
		seen++
		if seen <= keep {
			return nil
		}
		if st := getS(it, "status"); st == runStatusRunning || st == statePaused {
			spared++
			return nil
		}
		old = append(old, partsOf(it))
		return nil
	})
	pass := RetentionPass{Keep: keep, Read: seen, Reads: reads}
	if err != nil {
		return pass, err
	}
	pass.Spared = spared
	if err := s.deleteRuns(ctx, op, k.ProjectKey(), old); err != nil {
		return pass, err
	}
	pass.Deleted = len(old)
	return pass, nil
}

// retentionPage is how many runs the first request of a retention pass reads, and
// retentionPageMax the most one request reads: each request reads twice as many as the
// one before. The first pages are small because the embedded server holds every write
// back while it answers one (a page of 250 held them for 10–25 ms under load), and the
// later ones large because it sorts the whole index for every request (hundreds of small
// requests over a flow with thousands of runs kept it busy for seconds). In DynamoDB a
// pass of a few hundred runs takes a few requests either way, in the background.
const (
	retentionPage    = 25
	retentionPageMax = 800
)

// attrResults holds, on the item of a run recorded in one go, its node results when
// they are small (inlineResultsMax encoded): the run is then that one item.
const (
	attrResults      = "results"
	inlineResultsMax = 8 << 10
)

// inlineResult is a node result kept on its run's item.
type inlineResult struct {
	NodeID     string          `json:"node"`
	Order      int             `json:"order"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS int64           `json:"duration_ms"`
	Inputs     json.RawMessage `json:"inputs,omitempty"`
	Outputs    json.RawMessage `json:"outputs,omitempty"`
	Error      json.RawMessage `json:"error,omitempty"`
	Logs       json.RawMessage `json:"logs,omitempty"`
}

// inlineResults encodes results for the run's own item; ok is false when they are too
// large (they are then items of their own).
func (s *Store) inlineResults(results []NodeResult) (types.AttributeValue, bool, error) {
	l := make([]inlineResult, len(results))
	for i, nr := range results {
		l[i] = inlineResult{NodeID: nr.NodeID, Order: nr.Order, Status: nr.Status, StartedAt: nr.StartedAt.UTC(),
			DurationMS: nr.Duration.Milliseconds(), Inputs: nr.Inputs, Outputs: nr.Outputs, Error: nr.Error, Logs: nr.Logs}
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return nil, false, fmt.Errorf("encode node results: %w", err)
	}
	if len(raw) > 8*inlineResultsMax { // would not compress enough: skip the work
		return nil, false, nil
	}
	v, err := s.encodeBlob("node results", raw)
	if err != nil {
		return nil, false, err
	}
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v, len(v.Value) <= inlineResultsMax, nil
	case *types.AttributeValueMemberB:
		return v, len(v.Value) <= inlineResultsMax, nil
	}
	return nil, false, nil
}

// decodeInlineResults reads the results kept on a run's item (none when v is nil).
func decodeInlineResults(v types.AttributeValue) ([]NodeResult, error) {
	raw, err := decodeBlob("node results", v)
	if err != nil || len(raw) == 0 {
		return nil, err
	}
	var l []inlineResult
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("decode node results: %w", err)
	}
	out := make([]NodeResult, len(l))
	for i, r := range l {
		out[i] = NodeResult{NodeID: r.NodeID, Order: r.Order, Status: r.Status, StartedAt: r.StartedAt,
			Duration: time.Duration(r.DurationMS) * time.Millisecond, Inputs: r.Inputs, Outputs: r.Outputs, Error: r.Error, Logs: r.Logs}
	}
	return out, nil
}

// attrNodeOrders lists, on the item of a run recorded in one go (RecordRun), the
// orders of its node results, everything its partition holds: "0,1,3", or
// noNodeOrders for none.
const (
	attrNodeOrders = "node_orders"
	noNodeOrders   = "none"
)

// runParts is a run to delete and, when its item lists them, its node results.
type runParts struct {
	run    string
	known  bool
	orders []int
}

// partsOf reads a run item's id and node result orders.
func partsOf(it item) runParts {
	p := runParts{run: getS(it, "run")}
	v := getS(it, attrNodeOrders)
	if v == "" {
		return p
	}
	if v != noNodeOrders {
		for f := range strings.SplitSeq(v, ",") {
			o, err := strconv.Atoi(f)
			if err != nil || o < 0 {
				return runParts{run: p.run} // not ours: read the partition instead
			}
			p.orders = append(p.orders, o)
		}
	}
	p.known = true
	return p
}

// deleteRuns deletes runs with everything in their partitions: first the
// node results and state, then the run items, so a partial delete is found
// again through the flow's run list.
func (s *Store) deleteRuns(ctx context.Context, op string, pk ProjectKey, runs []runParts) error {
	var parts, heads []item
	for _, r := range runs {
		rk := pk.Run(r.run)
		if r.known {
			// recorded in one go: its partition is the run item and the listed results
			for _, o := range r.orders {
				parts = append(parts, key(runPK(rk), nodeSK(o)))
			}
			heads = append(heads, key(runPK(rk), skRun))
			continue
		}
		err := s.queryAll(ctx, op, query{pk: runPK(rk), forward: true, consistent: true, projection: "PK, SK"},
			func(it item) error {
				if getS(it, attrSK) == skRun {
					heads = append(heads, keyOf(it))
				} else {
					parts = append(parts, keyOf(it))
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	if err := s.deleteKeys(ctx, op, parts); err != nil {
		return err
	}
	return s.deleteKeys(ctx, op, heads)
}

// RunMaxDuration is the longest a run can go on: the runner Lambda's timeout (900 s),
// which bounds a run, and each resumed part of a paused run, whatever its deadline (the
// engine's default is 5 minutes; the router's runs last one request, at most 29 s). A
// run still "running" this long after it started (or was last resumed) has stopped
// without recording its end (its runner crashed or timed out): nothing writes to it
// any more, and DeleteRun deletes it.
const RunMaxDuration = 15 * time.Minute

// attrRunningAt is, on a run's item, when the run last went running (Unix seconds): when
// it started, or when it was last resumed (UpdateRun to "running").
const attrRunningAt = "running_at"

// ErrRunActive: the run has not ended (running or paused); see RunActiveError.
var ErrRunActive = errors.New("the run has not ended")

// RunActiveError is DeleteRun's refusal of a run that has not ended.
type RunActiveError struct {
	// Status is the run's: "running" or "paused" (waiting to be resumed).
	Status string
	// DeletableAt is, for a running run, when it is taken to have stopped if it has not
	// recorded its end by then (RunMaxDuration after it went running).
	DeletableAt time.Time
	// ExpiresAt is when the run's record expires (is removed whether it ended or not).
	ExpiresAt time.Time
}

// Error implements error.
func (e *RunActiveError) Error() string { return "the run is " + e.Status + ": it has not ended" }

// Is makes errors.Is(err, ErrRunActive) true.
func (e *RunActiveError) Is(target error) bool { return target == ErrRunActive }

// claimRunDelete checks, in one conditional write on the run's item, that the run of
// flow has ended (its status is neither "running" nor "paused") or has been running
// longer than RunMaxDuration, and marks it as being deleted; it answers the run's
// parts. A run that has ended never runs again (only a paused run is resumed), so
// nothing writes to its partition after the check. ErrNotFound when the run does not
// exist or is another flow's; a *RunActiveError when it has not ended.
func (s *Store) claimRunDelete(ctx context.Context, op string, k RunKey, flow string) (runParts, error) {
	now := s.clock()
	cutoff := now.Add(-RunMaxDuration)
	in := updateInput(s.table, key(runPK(k), skRun), "SET deleting_at = :now",
		"attribute_exists(PK) AND #flow = :flow AND ((#status <> :running AND #status <> :paused) OR "+
			"(#status = :running AND ("+attrRunningAt+" < :cutoff OR (attribute_not_exists("+attrRunningAt+") AND started_at < :cutoffT))))",
		names{"#flow": "flow", "#status": "status"},
		vals{":now": avTime(now), ":flow": avS(flow), ":running": avS(runStatusRunning), ":paused": avS(statePaused),
			":cutoff": avN(cutoff.Unix()), ":cutoffT": avTime(cutoff)})
	in.ReturnValues = "ALL_NEW"
	in.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	out, err := s.db.UpdateItem(ctx, in)
	if ccf, ok := isConditionFailed(err); ok {
		old := item(ccf.Item)
		if len(old) == 0 || getS(old, "flow") != flow {
			return runParts{}, fmt.Errorf("%s: run %w", op, ErrNotFound)
		}
		e := &RunActiveError{Status: getS(old, "status"), ExpiresAt: time.Unix(getN(old, "expires_at"), 0).UTC()}
		if e.Status == runStatusRunning {
			since := time.Unix(getN(old, attrRunningAt), 0).UTC()
			if _, ok := old[attrRunningAt]; !ok {
				since, _ = time.Parse(time.RFC3339Nano, getS(old, "started_at"))
			}
			e.DeletableAt = since.Add(RunMaxDuration).UTC()
		}
		return runParts{}, fmt.Errorf("%s: %w", op, e)
	}
	if err != nil {
		return runParts{}, wrap(op, err)
	}
	return partsOf(out.Attributes), nil
}

// DeleteRun deletes a run of flow with its node results and state, once it has ended:
// a run that is still running, or paused waiting to be resumed, is refused with a
// *RunActiveError (matching ErrRunActive), checked in the delete's first, conditional
// write, so a run is never deleted in part while its runner writes to it. A run that
// has been running longer than RunMaxDuration has stopped without recording its end
// and is deleted. ErrNotFound when the run does not exist or is another flow's. An
// interrupted delete leaves the run's item, and deleting it again finishes.
func (s *Store) DeleteRun(ctx context.Context, k RunKey, flow string) error {
	op := fmt.Sprintf("delete run %s", k.Run)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	p, err := s.claimRunDelete(ctx, op, k, flow)
	if err != nil {
		return err
	}
	return s.deleteRuns(ctx, op, k.ProjectKey(), []runParts{p})
}

// FlowRunsDeleted is what DeleteFlowRuns did.
type FlowRunsDeleted struct {
	Deleted int // runs deleted
	Skipped int // runs left because they have not ended (running or paused)
}

// DeleteFlowRuns deletes every run of a flow that has ended, as DeleteRun does each, and
// counts those it left because they have not.
func (s *Store) DeleteFlowRuns(ctx context.Context, k FlowKey) (FlowRunsDeleted, error) {
	op := fmt.Sprintf("delete runs of flow %s", k.Flow)
	var res FlowRunsDeleted
	if err := k.validate(); err != nil {
		return res, fmt.Errorf("%s: %w", op, err)
	}
	var ids []string
	err := s.queryAll(ctx, op, query{index: IndexGSI1, pk: flowRunsPK(k), projection: "#run", names: names{"#run": "run"}},
		func(it item) error {
			if id := getS(it, "run"); id != "" {
				ids = append(ids, id)
			}
			return nil
		})
	if err != nil {
		return res, err
	}
	var parts []runParts
	for _, id := range ids {
		p, err := s.claimRunDelete(ctx, op, k.ProjectKey().Run(id), k.Flow)
		switch {
		case errors.Is(err, ErrRunActive):
			res.Skipped++
			continue
		case errors.Is(err, ErrNotFound):
			continue // gone meanwhile (deleted, or expired)
		case err != nil:
			return res, err
		}
		parts = append(parts, p)
	}
	if err := s.deleteRuns(ctx, op, k.ProjectKey(), parts); err != nil {
		return res, err
	}
	res.Deleted = len(parts)
	return res, nil
}
