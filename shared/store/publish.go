package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Binding says which version of a flow a stage runs.
type Binding struct {
	Tenant      string    `dynamodbav:"tenant"`
	Project     string    `dynamodbav:"project"`
	Flow        string    `dynamodbav:"flow"`
	FlowKind    FlowKind  `dynamodbav:"flow_kind"`
	Stage       string    `dynamodbav:"stage"`
	Version     int       `dynamodbav:"version"`
	PublishedAt time.Time `dynamodbav:"published_at"`
	By          string    `dynamodbav:"by"`
}

type bindingRec struct {
	Item   string `dynamodbav:"kind"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	Binding
}

// PublishedRoute is one entry of a stage's route table: everything the
// router needs to match a request and run the bound version.
type PublishedRoute struct {
	RouteID       string    `json:"route_id"`
	FlowID        string    `json:"flow_id"`
	Version       int       `json:"version"`
	Method        string    `json:"method"`
	Segments      []Segment `json:"segments"`
	RequireAPIKey bool      `json:"require_api_key"`
	ResponseMode  string    `json:"response_mode"`
	RunSaving     RunSaving `json:"run_saving"`
	CORSOrigins   []string  `json:"cors_origins,omitempty"`
}

// RouteTable is the published routes of one project stage, read by the
// router in one GetItem. Version grows by one on every change (an etag).
type RouteTable struct {
	Tenant    string
	Project   string
	Stage     string
	Version   int64
	Routes    []PublishedRoute
	UpdatedAt time.Time
}

type routeTableRec struct {
	Item      string    `dynamodbav:"kind"`
	Tenant    string    `dynamodbav:"tenant"`
	Project   string    `dynamodbav:"project"`
	Stage     string    `dynamodbav:"stage"`
	Version   int64     `dynamodbav:"published_version"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// PublishInput publishes a flow version to a stage.
type PublishInput struct {
	Flow  FlowKey
	Stage string
	// Version binds an existing version; 0 publishes the current draft
	// (creating a new version unless it equals the latest one).
	Version int
	// ExpectedRevision, when set with Version 0, requires the draft to be
	// at that revision (*ConflictError otherwise).
	ExpectedRevision int
	By               string
	Message          string
	// PublishedAt is the binding's publication time; zero means now. A renamed stage's
	// bindings keep the time their versions were published.
	PublishedAt time.Time
}

// PublishResult tells what Publish did.
type PublishResult struct {
	// Version is the bound version (without document).
	Version Version
	// Created is true when publishing made a new version.
	Created bool
	Binding Binding
}

var (
	errStageMissing = errors.New("stage missing")
	errFlowGone     = errors.New("flow gone")
)

// Publish binds a version to a stage in one transaction: the new version
// (when the draft changed), the binding, the stage's binding count, and
// the stage's route table (route flows) or the schedule's stages (schedule
// flows). Concurrent publishes are retried on fresh reads.
func (s *Store) Publish(ctx context.Context, in PublishInput) (PublishResult, error) {
	op := fmt.Sprintf("publish flow %s to stage %q", in.Flow.Flow, in.Stage)
	if err := in.Flow.validate(); err != nil {
		return PublishResult{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(in.Stage); err != nil {
		return PublishResult{}, fmt.Errorf("%s: %w", op, err)
	}
	if in.Version < 0 {
		return PublishResult{}, fmt.Errorf("%s: %w", op, invalid("version", "must not be negative"))
	}
	if len(in.Message) > 1000 {
		return PublishResult{}, fmt.Errorf("%s: %w", op, invalid("message", "longer than 1000 bytes"))
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		res, err := s.publishOnce(ctx, op, in, true)
		if isRetry(err) {
			continue
		}
		return res, err
	}
	return PublishResult{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "publish"})
}

// CreateVersion snapshots the draft as a new version without publishing it
// (Created is false when the draft equals the latest version).
func (s *Store) CreateVersion(ctx context.Context, k FlowKey, author, message string) (Version, bool, error) {
	op := fmt.Sprintf("create version of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Version{}, false, fmt.Errorf("%s: %w", op, err)
	}
	in := PublishInput{Flow: k, By: author, Message: message}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		res, err := s.publishOnce(ctx, op, in, false)
		if isRetry(err) {
			continue
		}
		return res.Version, res.Created, err
	}
	return Version{}, false, fmt.Errorf("%s: %w", op, &ConflictError{What: "flow"})
}

func (s *Store) publishOnce(ctx context.Context, op string, in PublishInput, bind bool) (PublishResult, error) {
	fk := in.Flow
	meta, err := s.getFlowRec(ctx, op, fk, true)
	if err != nil {
		return PublishResult{}, err
	}
	if meta.State != stateActive {
		return PublishResult{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	now := s.clock()
	metaKey := key(projectPK(fk.ProjectKey()), flowSK(fk.Flow))
	activeCond := names{"#state": "state"}
	var tx txn
	s.checkProjectActive(&tx, fk.ProjectKey()) // nothing is published in a project in the trash
	var res PublishResult
	if in.Version > 0 {
		v, err := s.getVersionMeta(ctx, op, fk, in.Version)
		if err != nil {
			return PublishResult{}, err
		}
		res.Version = v
		tx.check(s.table, metaKey, "#state = :active", activeCond, vals{":active": avS(stateActive)}, errFlowGone)
	} else {
		dIt, err := s.get(ctx, op, "draft", key(flowPK(fk), skDraft), true)
		if err != nil {
			return PublishResult{}, err
		}
		d, err := decodeDraft(op, dIt)
		if err != nil {
			return PublishResult{}, err
		}
		if in.ExpectedRevision > 0 && d.Revision != in.ExpectedRevision {
			return PublishResult{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "draft", Current: d.Revision})
		}
		hash := docHash(d.Document)
		if meta.LatestVersion > 0 && meta.LatestHash == hash {
			v, err := s.getVersionMeta(ctx, op, fk, meta.LatestVersion)
			if err != nil {
				return PublishResult{}, err
			}
			res.Version = v
			tx.check(s.table, metaKey, "#state = :active AND latest_version = :n", activeCond,
				vals{":active": avS(stateActive), ":n": avN(int64(v.Number))}, nil)
		} else {
			v := Version{Number: meta.LatestVersion + 1, Hash: hash, Author: in.By, Message: in.Message, CreatedAt: now}
			vIt, err := marshal(versionRec{Item: kindVersion, Version: v}, flowPK(fk), versionSK(v.Number))
			if err != nil {
				return PublishResult{}, fmt.Errorf("%s: %w", op, err)
			}
			if vIt["doc"], err = s.encodeBlob("document", d.Document); err != nil {
				return PublishResult{}, fmt.Errorf("%s: %w", op, err)
			}
			tx.put(s.table, vIt, "attribute_not_exists(PK)", nil, nil, nil)
			tx.update(s.table, metaKey, "SET latest_version = :n, latest_hash = :h, updated_at = :now",
				"#state = :active AND latest_version = :old", activeCond,
				vals{":n": avN(int64(v.Number)), ":h": avS(hash), ":now": avTime(now),
					":active": avS(stateActive), ":old": avN(int64(meta.LatestVersion))}, nil)
			if in.ExpectedRevision > 0 {
				tx.check(s.table, key(flowPK(fk), skDraft), "revision = :r", nil,
					vals{":r": avN(int64(in.ExpectedRevision))}, nil)
			}
			res.Version, res.Created = v, true
		}
	}
	if bind {
		at := now
		if !in.PublishedAt.IsZero() {
			at = in.PublishedAt
		}
		b := Binding{Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, FlowKind: meta.Flow.Kind, Stage: in.Stage,
			Version: res.Version.Number, PublishedAt: at, By: in.By}
		if err := s.addBinding(ctx, op, &tx, meta.Flow, b); err != nil {
			return PublishResult{}, err
		}
		res.Binding = b
	}
	if err := s.commit(ctx, op, &tx); err != nil {
		switch {
		case errors.Is(err, errStageMissing):
			return PublishResult{}, fmt.Errorf("%s: stage %q %w", op, in.Stage, ErrNotFound)
		case errors.Is(err, errFlowGone):
			return PublishResult{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
		}
		return PublishResult{}, err
	}
	return res, nil
}

// getVersionMeta reads a version without its document.
func (s *Store) getVersionMeta(ctx context.Context, op string, k FlowKey, n int) (Version, error) {
	resp, err := s.db.GetItem(ctx, getInput(s.table, key(flowPK(k), versionSK(n)), versionProjection, names{"#hash": "hash"}))
	if err != nil {
		return Version{}, wrap(op, err)
	}
	if len(resp.Item) == 0 {
		return Version{}, fmt.Errorf("%s: version %d %w", op, n, ErrNotFound)
	}
	return decodeVersion(op, resp.Item)
}

// addBinding adds the binding, stage and route table / schedule writes of a
// publish to tx.
func (s *Store) addBinding(ctx context.Context, op string, tx *txn, f Flow, b Binding) error {
	fk := f.Key()
	pk := fk.ProjectKey()
	bIt, err := marshal(bindingRec{Item: kindBinding, GSI1PK: stageBindingsPK(pk, b.Stage), GSI1SK: fk.Flow, Binding: b},
		flowPK(fk), bindSK(b.Stage))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	old, found, err := s.getBinding(ctx, op, fk, b.Stage, true)
	if err != nil {
		return err
	}
	stageKey := key(projectPK(pk), stageSK(b.Stage))
	if found {
		tx.put(s.table, bIt, "#v = :v AND published_at = :at", names{"#v": "version"},
			vals{":v": avN(int64(old.Version)), ":at": avTime(old.PublishedAt)}, nil)
		tx.check(s.table, stageKey, "attribute_exists(PK)", nil, nil, errStageMissing)
	} else {
		tx.put(s.table, bIt, "attribute_not_exists(PK)", nil, nil, nil)
		tx.update(s.table, stageKey, "SET bindings = bindings + :one", "attribute_exists(PK)", nil,
			vals{":one": avN(1)}, errStageMissing)
	}
	switch f.Kind {
	case KindRoute:
		r, err := s.getRoute(ctx, op, fk, true)
		if err != nil {
			return err
		}
		entry := PublishedRoute{RouteID: r.ID, FlowID: fk.Flow, Version: b.Version, Method: r.Method,
			Segments: r.Segments, RequireAPIKey: r.RequireAPIKey, ResponseMode: r.ResponseMode, RunSaving: f.RunSaving,
			CORSOrigins: r.CORSOrigins}
		return s.addRouteTableWrite(ctx, op, tx, pk, b.Stage, func(routes []PublishedRoute) []PublishedRoute {
			return append(withoutFlow(routes, fk.Flow), entry)
		})
	case KindSchedule:
		return s.addScheduleWrite(ctx, op, tx, fk, func(m map[string]int) { m[b.Stage] = b.Version })
	}
	return nil
}

func withoutFlow(routes []PublishedRoute, flow string) []PublishedRoute {
	out := routes[:0:0]
	for _, r := range routes {
		if r.FlowID != flow {
			out = append(out, r)
		}
	}
	return out
}

// addRouteTableWrite reads the stage's route table and adds its conditional
// replacement (version + 1) to tx.
func (s *Store) addRouteTableWrite(ctx context.Context, op string, tx *txn, pk ProjectKey, stage string,
	change func([]PublishedRoute) []PublishedRoute) error {
	t, found, err := s.getRouteTable(ctx, op, pk, stage, true)
	if err != nil {
		return err
	}
	routes := change(t.Routes)
	sort.Slice(routes, func(i, j int) bool { return routes[i].FlowID < routes[j].FlowID })
	rec := routeTableRec{Item: kindRouteTable, Tenant: pk.Tenant, Project: pk.Project, Stage: stage,
		Version: t.Version + 1, UpdatedAt: s.clock()}
	it, err := marshal(rec, projectPK(pk), routesSK(stage))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	blob, err := json.Marshal(routes)
	if err != nil {
		return fmt.Errorf("%s: encode route table: %w", op, err)
	}
	if it["routes"], err = s.encodeBlob("route table", blob); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if found {
		tx.put(s.table, it, "published_version = :v", nil, vals{":v": avN(t.Version)}, nil)
	} else {
		tx.put(s.table, it, "attribute_not_exists(PK)", nil, nil, nil)
	}
	return nil
}

// addScheduleWrite reads the schedule and adds its conditional replacement
// with changed stage bindings to tx.
func (s *Store) addScheduleWrite(ctx context.Context, op string, tx *txn, fk FlowKey, change func(map[string]int)) error {
	rec, err := s.getScheduleRec(ctx, op, fk, true)
	if err != nil {
		return err
	}
	change(rec.Bindings)
	rec.UpdatedAt = s.clock()
	it, err := s.scheduleItem(rec.Schedule, rec.Rev+1)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	tx.put(s.table, it, "rev = :rev", nil, vals{":rev": avN(int64(rec.Rev))}, nil)
	return nil
}

// Unpublish removes a flow from a stage: the binding, the stage's count, and
// its route table entry or schedule stage, in one transaction.
func (s *Store) Unpublish(ctx context.Context, k FlowKey, stage string) error {
	op := fmt.Sprintf("unpublish flow %s from stage %q", k.Flow, stage)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		err := s.unpublishOnce(ctx, op, k, stage)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "publish"})
}

func (s *Store) unpublishOnce(ctx context.Context, op string, k FlowKey, stage string) error {
	meta, err := s.getFlowRec(ctx, op, k, true)
	if err != nil {
		return err
	}
	b, found, err := s.getBinding(ctx, op, k, stage, true)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%s: binding %w", op, ErrNotFound)
	}
	pk := k.ProjectKey()
	var tx txn
	tx.del(s.table, key(flowPK(k), bindSK(stage)), "#v = :v AND published_at = :at", names{"#v": "version"},
		vals{":v": avN(int64(b.Version)), ":at": avTime(b.PublishedAt)}, nil)
	tx.update(s.table, key(projectPK(pk), stageSK(stage)), "SET bindings = bindings - :one", "attribute_exists(PK)", nil,
		vals{":one": avN(1)}, nil)
	switch meta.Flow.Kind {
	case KindRoute:
		err = s.addRouteTableWrite(ctx, op, &tx, pk, stage, func(r []PublishedRoute) []PublishedRoute {
			return withoutFlow(r, k.Flow)
		})
	case KindSchedule:
		err = s.addScheduleWrite(ctx, op, &tx, k, func(m map[string]int) { delete(m, stage) })
	}
	if err != nil {
		return err
	}
	return s.commit(ctx, op, &tx)
}

func (s *Store) getBinding(ctx context.Context, op string, k FlowKey, stage string, consistent bool) (Binding, bool, error) {
	it, err := s.get(ctx, op, "binding", key(flowPK(k), bindSK(stage)), consistent)
	if isNotFound(err) {
		return Binding{}, false, nil
	}
	if err != nil {
		return Binding{}, false, err
	}
	b, err := decodeBinding(op, it)
	return b, err == nil, err
}

func decodeBinding(op string, it item) (Binding, error) {
	var rec bindingRec
	if err := unmarshal(it, &rec); err != nil {
		return Binding{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Binding, nil
}

// GetBinding returns the version of a flow bound to a stage.
func (s *Store) GetBinding(ctx context.Context, k FlowKey, stage string) (Binding, error) {
	op := fmt.Sprintf("get binding of flow %s on stage %q", k.Flow, stage)
	if err := k.validate(); err != nil {
		return Binding{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return Binding{}, fmt.Errorf("%s: %w", op, err)
	}
	b, found, err := s.getBinding(ctx, op, k, stage, false)
	if err == nil && !found {
		err = fmt.Errorf("%s: binding %w", op, ErrNotFound)
	}
	return b, err
}

// ListFlowBindings lists the stages a flow is published to.
func (s *Store) ListFlowBindings(ctx context.Context, k FlowKey) ([]Binding, error) {
	op := fmt.Sprintf("list bindings of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s.collectBindings(ctx, op, query{pk: flowPK(k), skPrefix: preBind, forward: true, consistent: true})
}

// ListStageBindings lists the flows published to a stage.
func (s *Store) ListStageBindings(ctx context.Context, k ProjectKey, stage string) ([]Binding, error) {
	op := fmt.Sprintf("list bindings of stage %q", stage)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s.collectBindings(ctx, op, query{index: IndexGSI1, pk: stageBindingsPK(k, stage), forward: true})
}

func (s *Store) collectBindings(ctx context.Context, op string, q query) ([]Binding, error) {
	var out []Binding
	err := s.queryAll(ctx, op, q, func(it item) error {
		b, err := decodeBinding(op, it)
		out = append(out, b)
		return err
	})
	return out, err
}

// GetRouteTable reads a stage's published route table (the router's read).
// ErrNotFound when nothing was ever published to the stage.
func (s *Store) GetRouteTable(ctx context.Context, k ProjectKey, stage string) (RouteTable, error) {
	op := fmt.Sprintf("get route table of stage %q", stage)
	if err := k.validate(); err != nil {
		return RouteTable{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return RouteTable{}, fmt.Errorf("%s: %w", op, err)
	}
	t, found, err := s.getRouteTable(ctx, op, k, stage, false)
	if err == nil && !found {
		err = fmt.Errorf("%s: route table %w", op, ErrNotFound)
	}
	return t, err
}

func (s *Store) getRouteTable(ctx context.Context, op string, k ProjectKey, stage string, consistent bool) (RouteTable, bool, error) {
	it, err := s.get(ctx, op, "route table", key(projectPK(k), routesSK(stage)), consistent)
	if isNotFound(err) {
		return RouteTable{Tenant: k.Tenant, Project: k.Project, Stage: stage, Routes: []PublishedRoute{}}, false, nil
	}
	if err != nil {
		return RouteTable{}, false, err
	}
	var rec routeTableRec
	if err := unmarshal(it, &rec); err != nil {
		return RouteTable{}, false, fmt.Errorf("%s: %w", op, err)
	}
	blob, err := decodeBlob("route table", it["routes"])
	if err != nil {
		return RouteTable{}, false, fmt.Errorf("%s: %w", op, err)
	}
	t := RouteTable{Tenant: rec.Tenant, Project: rec.Project, Stage: rec.Stage, Version: rec.Version, UpdatedAt: rec.UpdatedAt}
	if len(blob) > 0 {
		if err := json.Unmarshal(blob, &t.Routes); err != nil {
			return RouteTable{}, false, fmt.Errorf("%s: decode route table: %w", op, err)
		}
	}
	if t.Routes == nil {
		t.Routes = []PublishedRoute{}
	}
	return t, true, nil
}

// ListPublishedSchedules lists, across the deployment, the schedules that
// are published to at least one stage (for the local scheduler). Schedules of a
// project in the trash (or being deleted) are left out: nothing of it fires until it
// is restored. A page may so hold fewer items than Limit while Next is set.
func (s *Store) ListPublishedSchedules(ctx context.Context, o ListOptions) (Page[Schedule], error) {
	const op = "list published schedules"
	// a schedule's GSI2SK is its flow's key, one per flow: a cursor's schedule unpublished or
	// deleted since stays a place in the list (see uniqueSK)
	page, err := listPage(ctx, s, op, query{index: IndexGSI2, pk: gsiSchedules, forward: true, uniqueSK: true}, o,
		func(op string, it item) (Schedule, error) {
			rec, err := decodeScheduleRec(op, it)
			return rec.Schedule, err
		})
	if err != nil {
		return page, err
	}
	active := map[ProjectKey]bool{}
	kept := page.Items[:0]
	for _, sc := range page.Items {
		pk := sc.Key().ProjectKey()
		on, known := active[pk]
		if !known {
			rec, err := s.getProjectRec(ctx, op, pk, false)
			switch {
			case err == nil:
				on = rec.State == stateActive
			case errors.Is(err, ErrNotFound):
				on = false
			default:
				return Page[Schedule]{}, err
			}
			active[pk] = on
		}
		if on {
			kept = append(kept, sc)
		}
	}
	page.Items = kept
	return page, nil
}

// DeleteFlow unpublishes a flow from every stage (one transaction each),
// then removes its draft, versions, route, schedule, subscriptions and runs,
// and finally its metadata. The flow is hidden first, so an interrupted
// delete is finished by calling DeleteFlow again.
func (s *Store) DeleteFlow(ctx context.Context, k FlowKey) error {
	return s.DeleteFlowIf(ctx, k, nil)
}

// DeleteFlowIf is DeleteFlow that, with m, deletes only while the flow is as m says
// (ErrChanged otherwise, and nothing is deleted). A flow already being deleted is finished
// whatever m says.
func (s *Store) DeleteFlowIf(ctx context.Context, k FlowKey, m *FlowMatch) error {
	op := fmt.Sprintf("delete flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := s.hideFlow(ctx, op, k, m); err != nil {
		return err
	}
	bindings, err := s.ListFlowBindings(ctx, k)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, b := range bindings {
		if err := s.Unpublish(ctx, k, b.Stage); err != nil && !isNotFound(err) {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return s.purgeFlow(ctx, k)
}

// hideFlow marks a flow as being deleted and frees its name, in one
// transaction (nothing to do when it is already being deleted).
func (s *Store) hideFlow(ctx context.Context, op string, k FlowKey, m *FlowMatch) error {
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		meta, err := s.getFlowRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		if meta.State == stateDeleting {
			return nil
		}
		var tx txn
		cond, n := "#state = :cur", names{"#state": "state"}
		v := vals{":deleting": avS(stateDeleting), ":now": avTime(s.clock()), ":cur": avS(meta.State)}
		var changed error // nil: changed meanwhile, read again and retry
		if m != nil {
			cond += " AND " + m.flowCond(n, v)
			changed = ErrChanged
			m.draftCheck(s, &tx, k)
		}
		tx.update(s.table, key(projectPK(k.ProjectKey()), flowSK(k.Flow)), "SET #state = :deleting, updated_at = :now",
			cond, n, v, changed)
		if err := s.releaseFlowName(ctx, op, &tx, k, meta.Name); err != nil {
			return err
		}
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "flow"})
}

// purgeFlow deletes a flow's runs (with their items), the items of its
// partition, and its metadata, in that order, so a partial purge can be
// resumed from the metadata.
func (s *Store) purgeFlow(ctx context.Context, k FlowKey) error {
	op := fmt.Sprintf("purge flow %s", k.Flow)
	var runs []runParts
	err := s.queryAll(ctx, op, query{index: IndexGSI1, pk: flowRunsPK(k), forward: true, projection: "#run, " + attrNodeOrders,
		names: names{"#run": "run"}}, func(it item) error {
		runs = append(runs, partsOf(it))
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.deleteRuns(ctx, op, k.ProjectKey(), runs); err != nil {
		return err
	}
	var keys []item
	err = s.queryAll(ctx, op, query{pk: flowPK(k), forward: true, consistent: true, projection: "PK, SK"},
		func(it item) error { keys = append(keys, keyOf(it)); return nil })
	if err != nil {
		return err
	}
	if err := s.deleteKeys(ctx, op, keys); err != nil {
		return err
	}
	return s.deleteKeys(ctx, op, []item{key(projectPK(k.ProjectKey()), flowSK(k.Flow))})
}
