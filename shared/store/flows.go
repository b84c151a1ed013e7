package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// FlowKind is what triggers a flow.
type FlowKind string

// Flow kinds.
const (
	KindRoute     FlowKind = "route"
	KindSchedule  FlowKind = "schedule"
	KindBlueprint FlowKind = "blueprint"
	KindService   FlowKind = "service"
)

// RunSaving says which runs of a flow are stored.
type RunSaving string

// Run saving settings.
const (
	SaveAll    RunSaving = "all"
	SaveErrors RunSaving = "errors"
	SaveNone   RunSaving = "none"
)

// Flow is a flow's metadata. Its document lives in the draft and versions.
type Flow struct {
	Tenant    string    `dynamodbav:"tenant"`
	Project   string    `dynamodbav:"project"`
	ID        string    `dynamodbav:"flow"`
	Kind      FlowKind  `dynamodbav:"flow_kind"`
	Name      string    `dynamodbav:"name"`
	RunSaving RunSaving `dynamodbav:"run_saving"`
	// Retention is how many runs are kept (newest first).
	Retention int `dynamodbav:"retention"`
	// ErrorFlow is the flow of the project that runs when a published run of this one
	// fails ("" for none).
	ErrorFlow string `dynamodbav:"error_flow,omitempty"`
	// LatestVersion is the highest version number (0: none yet).
	LatestVersion int       `dynamodbav:"latest_version"`
	CreatedAt     time.Time `dynamodbav:"created_at"`
	UpdatedAt     time.Time `dynamodbav:"updated_at"`
}

// Key returns the flow's key.
func (f Flow) Key() FlowKey { return FlowKey{Tenant: f.Tenant, Project: f.Project, Flow: f.ID} }

type flowRec struct {
	Item       string `dynamodbav:"kind"`
	State      string `dynamodbav:"state"`
	LatestHash string `dynamodbav:"latest_hash"`
	Flow
}

// Draft is a flow's editable document with its revision (1 on creation,
// +1 on every save).
type Draft struct {
	Document  json.RawMessage
	Revision  int
	UpdatedAt time.Time
}

type draftRec struct {
	Item      string    `dynamodbav:"kind"`
	Revision  int       `dynamodbav:"revision"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// Version is an immutable, numbered snapshot of a flow's document.
type Version struct {
	Number    int       `dynamodbav:"version"`
	Hash      string    `dynamodbav:"hash"`
	Author    string    `dynamodbav:"author"`
	Message   string    `dynamodbav:"message"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	// Document is only filled by GetVersion.
	Document json.RawMessage `dynamodbav:"-"`
}

type versionRec struct {
	Item string `dynamodbav:"kind"`
	Version
}

// Segment is one part of a route path: a static text or a typed variable.
type Segment struct {
	// Kind is "static" or "variable".
	Kind string `json:"kind,omitempty" dynamodbav:"kind,omitempty"`
	// Value is a static segment's text.
	Value string `json:"value,omitempty" dynamodbav:"value,omitempty"`
	// Name is a variable's name.
	Name string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	// Type is a variable's type: string, number, uuid or any.
	Type string `json:"type,omitempty" dynamodbav:"type,omitempty"`
}

// RouteConfig is how a route flow is triggered over HTTP.
type RouteConfig struct {
	Method        string    `dynamodbav:"method"`
	Segments      []Segment `dynamodbav:"segments,omitempty"`
	RequireAPIKey bool      `dynamodbav:"require_api_key"`
	Description   string    `dynamodbav:"description"`
	// ResponseMode is "wait" (answer with the flow's response) or "async"
	// (answer 202 with a run id).
	ResponseMode string `dynamodbav:"response_mode"`
	// CORSOrigins are the browser origins allowed to call the route ("*" for any);
	// none means no CORS headers.
	CORSOrigins []string `dynamodbav:"cors_origins,omitempty"`
}

// Route is a route flow's trigger configuration.
type Route struct {
	ID   string `dynamodbav:"route"`
	Flow string `dynamodbav:"flow"`
	RouteConfig
	UpdatedAt time.Time `dynamodbav:"updated_at"`
	// Rev counts the route's changes (0 as created): what a conditional write expects.
	Rev int `dynamodbav:"rev,omitempty"`
}

type routeRec struct {
	Item string `dynamodbav:"kind"`
	Route
}

// ScheduleConfig is when a schedule flow fires.
type ScheduleConfig struct {
	// Cron is a 5-field cron expression.
	Cron     string     `dynamodbav:"cron"`
	Timezone string     `dynamodbav:"timezone"`
	Start    *time.Time `dynamodbav:"start,omitempty"`
	End      *time.Time `dynamodbav:"end,omitempty"`
	Enabled  bool       `dynamodbav:"enabled"`
}

// Schedule is a schedule flow's configuration and where it is published.
type Schedule struct {
	Tenant  string `dynamodbav:"tenant"`
	Project string `dynamodbav:"project"`
	Flow    string `dynamodbav:"flow"`
	ScheduleConfig
	// Bindings maps stage → published version.
	Bindings  map[string]int `dynamodbav:"bindings,omitempty"`
	UpdatedAt time.Time      `dynamodbav:"updated_at"`
}

// Key returns the schedule's flow key.
func (sc Schedule) Key() FlowKey {
	return FlowKey{Tenant: sc.Tenant, Project: sc.Project, Flow: sc.Flow}
}

type scheduleRec struct {
	Item   string `dynamodbav:"kind"`
	Rev    int    `dynamodbav:"rev"`
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	Schedule
}

// CreateFlowInput creates a flow.
type CreateFlowInput struct {
	Kind     FlowKind
	Name     string
	Document json.RawMessage
	// RunSaving defaults to "all".
	RunSaving RunSaving
	// Retention defaults to DefaultRetention.
	Retention int
	// Route configures a route flow (default: GET /, wait).
	Route *RouteConfig
	// RouteRevision, with a route, is the project's route revision the caller checked the
	// route against: the flow is written only while it is still that revision
	// (ErrRoutesChanged otherwise). nil writes whatever the revision.
	RouteRevision *int
	// Schedule configures a schedule flow (required for that kind).
	Schedule *ScheduleConfig
}

func checkKind(k FlowKind) error {
	return checkOneOf("kind", string(k), string(KindRoute), string(KindSchedule), string(KindBlueprint), string(KindService))
}

func checkRunSaving(r RunSaving) error {
	return checkOneOf("run_saving", string(r), string(SaveAll), string(SaveErrors), string(SaveNone))
}

func checkRetention(n int) error {
	if n < 1 || n > MaxRetention {
		return invalid("retention", "must be between 1 and %d, got %d", MaxRetention, n)
	}
	return nil
}

// normRoute checks a route configuration and fills defaults.
func normRoute(r RouteConfig) (RouteConfig, error) {
	r.Method = strings.ToUpper(r.Method)
	if r.Method == "" {
		r.Method = "GET"
	}
	if err := checkOneOf("route.method", r.Method, "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"); err != nil {
		return r, err
	}
	if r.ResponseMode == "" {
		r.ResponseMode = "wait"
	}
	if err := checkOneOf("route.response_mode", r.ResponseMode, "wait", "async"); err != nil {
		return r, err
	}
	if len(r.Segments) > 32 {
		return r, invalid("route.segments", "more than 32 segments")
	}
	if len(r.Description) > 1000 {
		return r, invalid("route.description", "longer than 1000 bytes")
	}
	seen := map[string]bool{}
	for i, sg := range r.Segments {
		f := fmt.Sprintf("route.segments[%d]", i)
		switch sg.Kind {
		case "static":
			if sg.Value == "" || strings.ContainsAny(sg.Value, "/?#") || len(sg.Value) > 200 {
				return r, invalid(f+".value", "must be 1–200 characters without '/', '?' or '#'")
			}
		case "variable":
			if !identifier(sg.Name, 64) {
				return r, invalid(f+".name", "must match [A-Za-z_][A-Za-z0-9_]*, got %q", sg.Name)
			}
			if seen[sg.Name] {
				return r, invalid(f+".name", "duplicate variable %q", sg.Name)
			}
			seen[sg.Name] = true
			if err := checkOneOf(f+".type", sg.Type, "string", "number", "uuid", "any"); err != nil {
				return r, err
			}
		default:
			return r, invalid(f+".kind", "must be static or variable, got %q", sg.Kind)
		}
	}
	if r.Segments == nil {
		r.Segments = []Segment{}
	}
	return r, nil
}

// normSchedule checks a schedule configuration and fills defaults. Cron
// semantics are checked by the schedule package; here only its shape.
func normSchedule(c ScheduleConfig) (ScheduleConfig, error) {
	c.Cron = strings.Join(strings.Fields(c.Cron), " ")
	if n := len(strings.Fields(c.Cron)); n != 5 {
		return c, invalid("schedule.cron", "must have 5 fields, got %d", n)
	}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if len(c.Timezone) > 64 {
		return c, invalid("schedule.timezone", "longer than 64 bytes")
	}
	if c.Start != nil && c.End != nil && !c.End.After(*c.Start) {
		return c, invalid("schedule.end", "must be after start")
	}
	return c, nil
}

// docHash is the content hash of a flow document.
func docHash(doc []byte) string {
	h := sha256.Sum256(doc)
	return hex.EncodeToString(h[:])
}

// CreateFlow creates a flow with its draft (revision 1) and its route or
// schedule item, atomically, in an active project.
func (s *Store) CreateFlow(ctx context.Context, k ProjectKey, in CreateFlowInput) (Flow, error) {
	op := fmt.Sprintf("create flow in project %s", k.Project)
	if err := k.validate(); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkKind(in.Kind); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("name", in.Name, 200); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	in.Name = NormName(in.Name)
	if err := checkJSON("document", in.Document); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if in.RunSaving == "" {
		in.RunSaving = SaveAll
	}
	if err := checkRunSaving(in.RunSaving); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	if in.Retention == 0 {
		in.Retention = s.defaultRetained
	}
	if err := checkRetention(in.Retention); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	id, err := s.newIDAt(now)
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	f := Flow{Tenant: k.Tenant, Project: k.Project, ID: id, Kind: in.Kind, Name: in.Name,
		RunSaving: in.RunSaving, Retention: in.Retention, CreatedAt: now, UpdatedAt: now}
	fk := f.Key()
	fIt, err := marshal(flowRec{Item: kindFlow, State: stateActive, Flow: f}, projectPK(k), flowSK(id))
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	dIt, err := s.draftItem(fk, in.Document, 1, now)
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	s.checkProjectActive(&tx, k)
	tx.put(s.table, fIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("flow %w", ErrExists))
	tx.put(s.table, dIt, "", nil, nil, nil)
	switch in.Kind {
	case KindRoute:
		rc := RouteConfig{}
		if in.Route != nil {
			rc = *in.Route
		}
		if rc, err = normRoute(rc); err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		rid, err := s.newIDAt(now)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		rIt, err := marshal(routeRec{Item: kindRoute, Route: Route{ID: rid, Flow: id, RouteConfig: rc, UpdatedAt: now}},
			flowPK(fk), skRoute)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		tx.put(s.table, rIt, "", nil, nil, nil)
		rev := -1
		if in.RouteRevision != nil {
			rev = *in.RouteRevision
		}
		s.bumpRouteRev(&tx, k, rev)
	case KindSchedule:
		if in.Schedule == nil {
			return Flow{}, fmt.Errorf("%s: %w", op, invalid("schedule", "required for schedule flows"))
		}
		sc, err := normSchedule(*in.Schedule)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		sIt, err := s.scheduleItem(Schedule{Tenant: k.Tenant, Project: k.Project, Flow: id, ScheduleConfig: sc,
			Bindings: map[string]int{}, UpdatedAt: now}, 1)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		tx.put(s.table, sIt, "", nil, nil, nil)
	}
	nIt, err := flowNameItem(k, id, in.Name)
	if err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	tx.put(s.table, nIt, "attribute_not_exists(PK)", nil, nil, errNameClaimed)
	if err := s.commitNamed(ctx, op, &tx, k, in.Name, ""); err != nil {
		return Flow{}, err
	}
	return f, nil
}

// commitNamed commits a transaction that claims name for flow self ("" for a
// new flow) after making sure no flow written before claims existed has it.
// A claim held by an active flow is a *NameTakenError; a stale one is removed
// and the transaction tried again.
func (s *Store) commitNamed(ctx context.Context, op string, tx *txn, k ProjectKey, name, self string) error {
	taken, err := s.flowNamedIn(ctx, op, k, FoldName(name), self)
	if err != nil {
		return err
	}
	if taken != nil {
		taken.Name = name
		return fmt.Errorf("%s: %w", op, taken)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		err := s.commit(ctx, op, tx)
		if !errors.Is(err, errNameClaimed) {
			return err
		}
		if err := s.claimTaken(ctx, op, k, name); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "flow name"})
}

func (s *Store) draftItem(fk FlowKey, doc []byte, rev int, now time.Time) (item, error) {
	it, err := marshal(draftRec{Item: kindDraft, Revision: rev, UpdatedAt: now}, flowPK(fk), skDraft)
	if err != nil {
		return nil, err
	}
	if it["doc"], err = s.encodeBlob("document", doc); err != nil {
		return nil, err
	}
	return it, nil
}

func (s *Store) scheduleItem(sc Schedule, rev int) (item, error) {
	rec := scheduleRec{Item: kindSchedule, Rev: rev, Schedule: sc}
	if len(sc.Bindings) > 0 {
		rec.GSI2PK = gsiSchedules
		rec.GSI2SK = flowPK(sc.Key())
	}
	return marshal(rec, flowPK(sc.Key()), skSchedule)
}

// getFlowRec reads a flow's metadata in any state.
func (s *Store) getFlowRec(ctx context.Context, op string, k FlowKey, consistent bool) (flowRec, error) {
	it, err := s.get(ctx, op, "flow", key(projectPK(k.ProjectKey()), flowSK(k.Flow)), consistent)
	if err != nil {
		return flowRec{}, err
	}
	var rec flowRec
	if err := unmarshal(it, &rec); err != nil {
		return flowRec{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec, nil
}

// GetFlow reads a flow's metadata.
func (s *Store) GetFlow(ctx context.Context, k FlowKey) (Flow, error) {
	op := fmt.Sprintf("get flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getFlowRec(ctx, op, k, false)
	if err != nil {
		return Flow{}, err
	}
	if rec.State != stateActive {
		return Flow{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	return rec.Flow, nil
}

// ListFlowsOptions selects flows.
type ListFlowsOptions struct {
	ListOptions
	// Kind keeps only flows of that kind ("" for all).
	Kind FlowKind
}

// ListFlows lists a project's flows in creation order.
func (s *Store) ListFlows(ctx context.Context, k ProjectKey, o ListFlowsOptions) (Page[Flow], error) {
	op := fmt.Sprintf("list flows of project %s", k.Project)
	if err := k.validate(); err != nil {
		return Page[Flow]{}, fmt.Errorf("%s: %w", op, err)
	}
	q := query{pk: projectPK(k), skPrefix: preFlow, forward: true, filter: "#state = :active",
		names: names{"#state": "state"}, values: vals{":active": avS(stateActive)}}
	if o.Kind != "" {
		if err := checkKind(o.Kind); err != nil {
			return Page[Flow]{}, fmt.Errorf("%s: %w", op, err)
		}
		q.filter += " AND flow_kind = :kind"
		q.values[":kind"] = avS(string(o.Kind))
	}
	return listPage(ctx, s, op, q, o.ListOptions, func(op string, it item) (Flow, error) {
		var rec flowRec
		if err := unmarshal(it, &rec); err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		return rec.Flow, nil
	})
}

// FlowUpdate changes a flow's settings; nil fields are left alone.
type FlowUpdate struct {
	Name      *string
	RunSaving *RunSaving
	Retention *int
	// ErrorFlow sets the flow run when a published run fails ("" removes it).
	ErrorFlow *string
	// Match, when set, makes the update conditional: it happens only while the flow is
	// still as read (ErrChanged otherwise).
	Match *FlowMatch
}

// UpdateFlow changes a flow's name or run settings. Published route tables
// keep the run saving setting they were published with until republished.
func (s *Store) UpdateFlow(ctx context.Context, k FlowKey, u FlowUpdate) (Flow, error) {
	op := fmt.Sprintf("update flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	set := []string{"updated_at = :now"}
	n := names{"#state": "state"}
	v := vals{":now": avTime(s.clock()), ":active": avS(stateActive)}
	if u.Name != nil {
		if err := checkName("name", *u.Name, 200); err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		name := NormName(*u.Name)
		u.Name = &name
		set = append(set, "#n = :n")
		n["#n"] = "name"
		v[":n"] = avS(name)
	}
	if u.RunSaving != nil {
		if err := checkRunSaving(*u.RunSaving); err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		set = append(set, "run_saving = :rs")
		v[":rs"] = avS(string(*u.RunSaving))
	}
	if u.Retention != nil {
		if err := checkRetention(*u.Retention); err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		set = append(set, "retention = :ret")
		v[":ret"] = avN(int64(*u.Retention))
	}
	expr := "SET " + strings.Join(set, ", ")
	if u.ErrorFlow != nil {
		switch *u.ErrorFlow {
		case "":
			expr += ", error_flow = :ef" // an empty string, not REMOVE: the embedded server mishandles SET … REMOVE
			v[":ef"] = avS("")
		case k.Flow:
			return Flow{}, fmt.Errorf("%s: %w", op, invalid("error_flow", "a flow cannot be its own error flow"))
		default:
			if err := checkID("error_flow", *u.ErrorFlow); err != nil {
				return Flow{}, fmt.Errorf("%s: %w", op, err)
			}
			expr += ", error_flow = :ef"
			v[":ef"] = avS(*u.ErrorFlow)
		}
	}
	if u.Name != nil {
		return s.renameFlow(ctx, op, k, *u.Name, expr, n, v, u.Match)
	}
	return s.updateFlowItem(ctx, op, k, expr, n, v, u.Match)
}

// updateFlowItem applies an update expression to an active flow's metadata; with m, only
// while the flow is as m says (in one transaction with the draft's check).
func (s *Store) updateFlowItem(ctx context.Context, op string, k FlowKey, expr string, n names, v vals, m *FlowMatch) (Flow, error) {
	if m != nil {
		n, v = maps.Clone(n), maps.Clone(v)
		cond := "#state = :active AND " + m.flowCond(n, v)
		var tx txn
		tx.update(s.table, key(projectPK(k.ProjectKey()), flowSK(k.Flow)), expr, cond, n, v, ErrChanged)
		m.draftCheck(s, &tx, k)
		if err := s.commit(ctx, op, &tx); err != nil {
			return Flow{}, err
		}
		rec, err := s.getFlowRec(ctx, op, k, true)
		if err != nil {
			return Flow{}, err
		}
		return rec.Flow, nil
	}
	in := updateInput(s.table, key(projectPK(k.ProjectKey()), flowSK(k.Flow)), expr,
		"#state = :active", n, v)
	in.ReturnValues = "ALL_NEW"
	out, err := s.db.UpdateItem(ctx, in)
	if _, ok := isConditionFailed(err); ok {
		return Flow{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	if err != nil {
		return Flow{}, wrap(op, err)
	}
	var rec flowRec
	if err := unmarshal(out.Attributes, &rec); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Flow, nil
}

// renameFlow applies an update expression that sets the flow's name, moving
// its name claim in the same transaction: the old name is released and the
// new one claimed (a change of case or spaces only keeps the claim).
func (s *Store) renameFlow(ctx context.Context, op string, k FlowKey, name, expr string, n names, v vals, m *FlowMatch) (Flow, error) {
	pk := k.ProjectKey()
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		cur, err := s.getFlowRec(ctx, op, k, true)
		if err != nil {
			return Flow{}, err
		}
		if cur.State != stateActive {
			return Flow{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
		}
		if cur.Name == name {
			return s.updateFlowItem(ctx, op, k, expr, n, v, m)
		}
		// the condition's :old goes into a copy: a retry that finds the name
		// already set updates with v alone, which must hold no unused value
		tv := maps.Clone(v)
		tv[":old"] = avS(cur.Name)
		tn := n
		cond := "#state = :active AND #n = :old"
		var changed error // nil: a concurrent rename, read again and retry
		if m != nil {
			tn = maps.Clone(n)
			cond += " AND " + m.flowCond(tn, tv)
			changed = ErrChanged
		}
		var tx txn
		tx.update(s.table, key(projectPK(pk), flowSK(k.Flow)), expr, cond, tn, tv, changed)
		if m != nil {
			m.draftCheck(s, &tx, k)
		}
		nIt, err := flowNameItem(pk, k.Flow, name)
		if err != nil {
			return Flow{}, fmt.Errorf("%s: %w", op, err)
		}
		if FoldName(cur.Name) == FoldName(name) {
			tx.put(s.table, nIt, "attribute_not_exists(PK) OR #flow = :self", names{"#flow": "flow"},
				vals{":self": avS(k.Flow)}, errNameClaimed)
		} else {
			if err := s.releaseFlowName(ctx, op, &tx, k, cur.Name); err != nil {
				return Flow{}, err
			}
			tx.put(s.table, nIt, "attribute_not_exists(PK)", nil, nil, errNameClaimed)
		}
		err = s.commitNamed(ctx, op, &tx, pk, name, k.Flow)
		if isRetry(err) {
			continue
		}
		if err != nil {
			return Flow{}, err
		}
		rec, err := s.getFlowRec(ctx, op, k, true)
		if err != nil {
			return Flow{}, err
		}
		return rec.Flow, nil
	}
	return Flow{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "flow"})
}

// GetDraft reads a flow's draft (strongly consistent: the editor reloads
// after saving).
func (s *Store) GetDraft(ctx context.Context, k FlowKey) (Draft, error) {
	op := fmt.Sprintf("get draft of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Draft{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "draft", key(flowPK(k), skDraft), true)
	if err != nil {
		return Draft{}, err
	}
	return decodeDraft(op, it)
}

func decodeDraft(op string, it item) (Draft, error) {
	var rec draftRec
	if err := unmarshal(it, &rec); err != nil {
		return Draft{}, fmt.Errorf("%s: %w", op, err)
	}
	doc, err := decodeBlob("document", it["doc"])
	if err != nil {
		return Draft{}, fmt.Errorf("%s: %w", op, err)
	}
	return Draft{Document: doc, Revision: rec.Revision, UpdatedAt: rec.UpdatedAt}, nil
}

// errStaleDraft marks a failed revision condition inside SaveDraft.
var errStaleDraft = errors.New("stale draft revision")

// SaveDraft replaces the draft's document if the stored revision is
// expectedRevision, and returns the new revision. A stale expectedRevision
// is a *ConflictError carrying the current revision.
func (s *Store) SaveDraft(ctx context.Context, k FlowKey, doc json.RawMessage, expectedRevision int) (int, error) {
	return s.SaveDraftIf(ctx, k, doc, expectedRevision, nil)
}

// SaveDraftIf is SaveDraft that, with m, saves only while the flow (its metadata and
// draft) is as m says: ErrChanged otherwise, before a stale expectedRevision is reported.
func (s *Store) SaveDraftIf(ctx context.Context, k FlowKey, doc json.RawMessage, expectedRevision int, m *FlowMatch) (int, error) {
	op := fmt.Sprintf("save draft of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkJSON("document", doc); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if expectedRevision < 1 {
		return 0, fmt.Errorf("%s: %w", op, invalid("revision", "must be at least 1, got %d", expectedRevision))
	}
	now := s.clock()
	it, err := s.draftItem(k, doc, expectedRevision+1, now)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	// The draft and the flow's "updated" time change together in one
	// transaction (one round trip; the draft is compressed, so its write
	// units stay small).
	var t txn
	draftCond, dv := "revision = :exp", vals{":exp": avN(int64(expectedRevision))}
	flowCond, fn, fv, flowFail := "attribute_exists(PK)", names{}, vals{":now": avTime(now)}, error(ErrNotFound)
	if m != nil {
		// the draft item takes one condition: both revisions (the one the body is based
		// on and the one the caller read); which of them failed is told below
		draftCond += " AND revision = :mRev"
		dv[":mRev"] = avN(int64(m.DraftRevision))
		flowCond = m.flowCond(fn, fv)
		flowFail = ErrChanged
	}
	t.put(s.table, it, draftCond, nil, dv, errStaleDraft)
	t.update(s.table, key(projectPK(k.ProjectKey()), flowSK(k.Flow)), "SET updated_at = :now", flowCond,
		fn, fv, flowFail)
	err = s.commit(ctx, op, &t)
	if errors.Is(err, errStaleDraft) {
		// Tell "missing" from "stale" by reading the current revision.
		resp, gerr := s.db.GetItem(ctx, getInput(s.table, key(flowPK(k), skDraft), "revision", nil))
		if gerr != nil {
			return 0, wrap(op, gerr)
		}
		if len(resp.Item) == 0 {
			return 0, fmt.Errorf("%s: draft %w", op, ErrNotFound)
		}
		cur := int(getN(resp.Item, "revision"))
		if m != nil && cur != m.DraftRevision {
			return 0, fmt.Errorf("%s: draft %w", op, ErrChanged)
		}
		return 0, fmt.Errorf("%s: %w", op, &ConflictError{What: "draft", Current: cur})
	}
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	return expectedRevision + 1, nil
}

// versionProjection reads a version without its document.
const versionProjection = "PK, SK, version, #hash, author, message, created_at"

// ListVersions lists a flow's versions, newest first, without documents.
func (s *Store) ListVersions(ctx context.Context, k FlowKey, o ListOptions) (Page[Version], error) {
	op := fmt.Sprintf("list versions of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Page[Version]{}, fmt.Errorf("%s: %w", op, err)
	}
	q := query{pk: flowPK(k), skPrefix: preVersion, projection: versionProjection, names: names{"#hash": "hash"}}
	return listPage(ctx, s, op, q, o, decodeVersion)
}

func decodeVersion(op string, it item) (Version, error) {
	var rec versionRec
	if err := unmarshal(it, &rec); err != nil {
		return Version{}, fmt.Errorf("%s: %w", op, err)
	}
	doc, err := decodeBlob("document", it["doc"])
	if err != nil {
		return Version{}, fmt.Errorf("%s: %w", op, err)
	}
	rec.Version.Document = doc
	return rec.Version, nil
}

// GetVersion reads version n of a flow with its document.
func (s *Store) GetVersion(ctx context.Context, k FlowKey, n int) (Version, error) {
	op := fmt.Sprintf("get version %d of flow %s", n, k.Flow)
	if err := k.validate(); err != nil {
		return Version{}, fmt.Errorf("%s: %w", op, err)
	}
	if n < 1 {
		return Version{}, fmt.Errorf("%s: %w", op, invalid("version", "must be at least 1, got %d", n))
	}
	it, err := s.get(ctx, op, "version", key(flowPK(k), versionSK(n)), false)
	if err != nil {
		return Version{}, err
	}
	return decodeVersion(op, it)
}

// GetRoute reads a route flow's route configuration.
func (s *Store) GetRoute(ctx context.Context, k FlowKey) (Route, error) {
	op := fmt.Sprintf("get route of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Route{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.getRoute(ctx, op, k, false)
}

func (s *Store) getRoute(ctx context.Context, op string, k FlowKey, consistent bool) (Route, error) {
	it, err := s.get(ctx, op, "route", key(flowPK(k), skRoute), consistent)
	if err != nil {
		return Route{}, err
	}
	var rec routeRec
	if err := unmarshal(it, &rec); err != nil {
		return Route{}, fmt.Errorf("%s: %w", op, err)
	}
	if rec.Segments == nil {
		rec.Segments = []Segment{}
	}
	return rec.Route, nil
}

// UpdateRoute changes a route flow's trigger configuration. Stages serve the
// configuration that was published until the flow is published again.
func (s *Store) UpdateRoute(ctx context.Context, k FlowKey, rc RouteConfig) (Route, error) {
	return s.UpdateRouteAt(ctx, k, rc, -1)
}

// UpdateRouteAt is UpdateRoute written only while the project's route revision is still
// rev, the one the caller checked the route against (ErrRoutesChanged otherwise); a
// negative rev writes whatever the revision.
func (s *Store) UpdateRouteAt(ctx context.Context, k FlowKey, rc RouteConfig, rev int) (Route, error) {
	return s.UpdateRouteIf(ctx, k, rc, rev, nil)
}

// UpdateRouteIf is UpdateRouteAt that, with match, writes only while the route is still
// at match's Rev (the route as the caller read it): ErrChanged otherwise.
func (s *Store) UpdateRouteIf(ctx context.Context, k FlowKey, rc RouteConfig, rev int, match *Route) (Route, error) {
	op := fmt.Sprintf("update route of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Route{}, fmt.Errorf("%s: %w", op, err)
	}
	rc, err := normRoute(rc)
	if err != nil {
		return Route{}, fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		cur, err := s.getRoute(ctx, op, k, true)
		if err != nil {
			return Route{}, err
		}
		if match != nil && (match.Rev != cur.Rev || match.ID != cur.ID) {
			return Route{}, fmt.Errorf("%s: route %w", op, ErrChanged)
		}
		// every write moves the revision on, and only from the one it read
		r := Route{ID: cur.ID, Flow: cur.Flow, RouteConfig: rc, UpdatedAt: s.clock(), Rev: cur.Rev + 1}
		it, err := marshal(routeRec{Item: kindRoute, Route: r}, flowPK(k), skRoute)
		if err != nil {
			return Route{}, fmt.Errorf("%s: %w", op, err)
		}
		cond, v := "#route = :id AND rev = :rev", vals{":id": avS(cur.ID), ":rev": avN(int64(cur.Rev))}
		if cur.Rev == 0 {
			cond, v = "#route = :id AND attribute_not_exists(rev)", vals{":id": avS(cur.ID)}
		}
		var changed error // nil: written meanwhile, read again
		if match != nil {
			changed = fmt.Errorf("route %w", ErrChanged)
		}
		var tx txn
		tx.put(s.table, it, cond, names{"#route": "route"}, v, changed)
		s.bumpRouteRev(&tx, k.ProjectKey(), rev)
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		if err != nil {
			return Route{}, err
		}
		return r, nil
	}
	return Route{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "route"})
}

// GetSchedule reads a schedule flow's schedule.
func (s *Store) GetSchedule(ctx context.Context, k FlowKey) (Schedule, error) {
	op := fmt.Sprintf("get schedule of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Schedule{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getScheduleRec(ctx, op, k, false)
	return rec.Schedule, err
}

func (s *Store) getScheduleRec(ctx context.Context, op string, k FlowKey, consistent bool) (scheduleRec, error) {
	it, err := s.get(ctx, op, "schedule", key(flowPK(k), skSchedule), consistent)
	if err != nil {
		return scheduleRec{}, err
	}
	return decodeScheduleRec(op, it)
}

func decodeScheduleRec(op string, it item) (scheduleRec, error) {
	var rec scheduleRec
	if err := unmarshal(it, &rec); err != nil {
		return scheduleRec{}, fmt.Errorf("%s: %w", op, err)
	}
	if rec.Bindings == nil {
		rec.Bindings = map[string]int{}
	}
	return rec, nil
}

// UpdateSchedule changes when a schedule flow fires; its published stages
// are kept.
func (s *Store) UpdateSchedule(ctx context.Context, k FlowKey, c ScheduleConfig) (Schedule, error) {
	return s.UpdateScheduleIf(ctx, k, c, nil)
}

// ScheduleMatch is what a conditional schedule write expects: the revision the caller read
// (ScheduleState).
type ScheduleMatch struct{ Rev int }

// ScheduleState reads a schedule with a strongly consistent read, with its revision (every
// change to it, publishing included, makes a new one).
func (s *Store) ScheduleState(ctx context.Context, k FlowKey) (Schedule, ScheduleMatch, error) {
	op := fmt.Sprintf("get schedule of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Schedule{}, ScheduleMatch{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getScheduleRec(ctx, op, k, true)
	return rec.Schedule, ScheduleMatch{Rev: rec.Rev}, err
}

// UpdateScheduleIf is UpdateSchedule that, with m, writes only while the schedule is still
// at m's revision: ErrChanged otherwise.
func (s *Store) UpdateScheduleIf(ctx context.Context, k FlowKey, c ScheduleConfig, m *ScheduleMatch) (Schedule, error) {
	op := fmt.Sprintf("update schedule of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Schedule{}, fmt.Errorf("%s: %w", op, err)
	}
	c, err := normSchedule(c)
	if err != nil {
		return Schedule{}, fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getScheduleRec(ctx, op, k, true)
		if err != nil {
			return Schedule{}, err
		}
		if m != nil && rec.Rev != m.Rev {
			return Schedule{}, fmt.Errorf("%s: schedule %w", op, ErrChanged)
		}
		rec.ScheduleConfig = c
		rec.UpdatedAt = s.clock()
		it, err := s.scheduleItem(rec.Schedule, rec.Rev+1)
		if err != nil {
			return Schedule{}, fmt.Errorf("%s: %w", op, err)
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("rev = :rev"),
			ExpressionAttributeValues: vals{":rev": avN(int64(rec.Rev))},
		})
		if _, ok := isConditionFailed(err); ok {
			continue
		}
		if err != nil {
			return Schedule{}, wrap(op, err)
		}
		return rec.Schedule, nil
	}
	return Schedule{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "schedule"})
}
