package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/routing"
	"polysynergy/shared/schedule"
	"polysynergy/shared/store"
)

// PublishBody publishes a flow to a stage.
type PublishBody struct {
	Stage string `json:"stage" minLength:"1" maxLength:"32"`
	// Version binds an existing version; absent publishes the draft.
	Version int `json:"version,omitempty" minimum:"1" doc:"Publish this version; the draft when absent"`
	// Revision, with the draft, refuses (409) unless the draft is still at it.
	Revision int    `json:"revision,omitempty" minimum:"1" doc:"Publish the draft only if it is at this revision"`
	Message  string `json:"message,omitempty" maxLength:"1000" doc:"The new version's message"`
}

// PublicationView is a flow bound to a stage.
type PublicationView struct {
	Stage       string    `json:"stage"`
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	By          string    `json:"by"`
	// Route is what the stage serves, for a route flow: the route as it was when the flow
	// was last published there.
	Route *ServedRoute `json:"route,omitempty" doc:"For a route flow: the route the stage serves"`
	// RouteDiffers: the flow's route settings changed since it was published to the stage.
	RouteDiffers bool `json:"route_differs,omitempty" doc:"The flow's route (method, path, API key, response mode, CORS) or run saving changed since this publication; the stage serves the old one until the flow is published there again"`
}

// ServedRoute is a route as a stage serves it.
type ServedRoute struct {
	Method        string `json:"method"`
	Path          string `json:"path" doc:"The path pattern, e.g. /orders/{id:number}"`
	RequireAPIKey bool   `json:"require_api_key"`
}

// PublishResult tells what publishing did.
type PublishResult struct {
	Publication PublicationView `json:"publication"`
	Version     VersionView     `json:"version"`
	// Created is true when the draft was snapshotted into a new version.
	Created bool `json:"created"`
	// Warnings are what validation warns about in the published document (an expression
	// reading a node its node does not wait for), and the secrets and environment variables
	// it names that have no value on the stage: they do not stop a publish.
	Warnings []DocumentProblem `json:"warnings,omitempty" doc:"What is valid but likely not meant in the published document, and each secret or environment variable it names that has no value on the stage, each at its JSON pointer; absent when none"`
}

// PublicationPath names a flow's publication on a stage.
type PublicationPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Flow    string `path:"flow" doc:"Flow id (ULID)"`
	Stage   string `path:"stage" doc:"Stage name"`
}

// MatrixCell is one flow on one stage.
type MatrixCell struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	By          string    `json:"by"`
	// DraftDiffers is true when the draft is not the published version.
	DraftDiffers bool `json:"draft_differs"`
	// RouteDiffers is true when a route flow's route settings changed since this publication.
	RouteDiffers bool `json:"route_differs,omitempty" doc:"The flow's route settings changed since this publication; publish again to serve them"`
}

// MatrixRow is one flow across the stages.
type MatrixRow struct {
	Flow          string `json:"flow"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	LatestVersion int    `json:"latest_version"`
	// DraftChanged is true when the draft differs from the latest version
	// (or there is none).
	DraftChanged bool `json:"draft_changed"`
	// Stages maps stage → cell for the stages the flow is published to.
	Stages map[string]MatrixCell `json:"stages" nullable:"false"`
}

// PublishMatrix is every flow × stage of a project.
type PublishMatrix struct {
	Stages []string    `json:"stages" nullable:"false"`
	Flows  []MatrixRow `json:"flows" nullable:"false"`
}

func publicationView(b store.Binding) PublicationView {
	return PublicationView{Stage: b.Stage, Version: b.Version, PublishedAt: b.PublishedAt.UTC(), By: b.By}
}

func (h *Handler) registerPublish() {
	const tag = "Publishing"
	base := "/tenants/{tenant}/projects/{project}/flows/{flow}"
	register(h, endpoint{id: "publishFlow", method: http.MethodPost, path: base + "/publish",
		summary: "Publish the draft (snapshotting it when changed) or a version to a stage; 422 lists every problem",
		tag:     tag, scope: ScopeTenant, action: auth.ActionFlowPublish},
		func(ctx context.Context, in *struct {
			FlowPath
			Body PublishBody
		}) (*Out[PublishResult], error) {
			res, err := h.publish(ctx, in.key(), in.Body, principal(ctx).Identity.Subject)
			if err != nil {
				return nil, err
			}
			if err := h.syncSchedule(ctx, in.key(), in.Body.Stage); err != nil {
				h.log.Error("publish: schedule sync", "flow", in.Flow, "stage", in.Body.Stage, "err", err)
				return nil, schedulerUnavailable()
			}
			return ok(res)
		})
	register(h, endpoint{id: "listPublications", method: http.MethodGet, path: base + "/publications",
		summary: "List the stages a flow is published to", tag: tag, scope: ScopeTenant, action: auth.ActionFlowRead},
		func(ctx context.Context, in *FlowPath) (*Out[[]PublicationView], error) {
			f, err := h.st.GetFlow(ctx, in.key())
			if err != nil {
				return nil, err
			}
			bs, err := h.st.ListFlowBindings(ctx, in.key())
			if err != nil {
				return nil, err
			}
			views := mapSlice(bs, publicationView)
			if f.Kind != store.KindRoute || len(bs) == 0 {
				return ok(views)
			}
			cur, err := h.st.GetRoute(ctx, in.key())
			if err != nil {
				return nil, err
			}
			for i := range views {
				t, err := h.st.GetRouteTable(ctx, in.key().ProjectKey(), views[i].Stage)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				if pr, found := servedRoute(t, f.ID); found {
					views[i].Route = &ServedRoute{Method: pr.Method, Path: routing.Pattern(routingSegments(pr.Segments)).String(),
						RequireAPIKey: pr.RequireAPIKey}
					views[i].RouteDiffers = routeDiffers(pr, cur, f.RunSaving)
				}
			}
			return ok(views)
		})
	register(h, endpoint{id: "unpublishFlow", method: http.MethodDelete, path: base + "/publications/{stage}",
		summary: "Unpublish a flow from a stage; 409 while flows published there call it", tag: tag, scope: ScopeTenant, action: auth.ActionFlowPublish,
		status: statusNoContent},
		func(ctx context.Context, in *PublicationPath) (*Empty, error) {
			k := store.FlowKey{Tenant: in.Tenant, Project: in.Project, Flow: in.Flow}
			f, err := h.st.GetFlow(ctx, k)
			if err != nil {
				return nil, err
			}
			notPublished := newProblem(http.StatusNotFound, TypeNotFound, fmt.Sprintf("flow %q is not published on stage %q", f.Name, in.Stage),
				FieldError{Location: "path.stage", Message: fmt.Sprintf("flow %q is not published on this stage", f.Name)})
			if _, err := h.st.GetBinding(ctx, k, in.Stage); errors.Is(err, store.ErrNotFound) {
				return nil, notPublished
			}
			if err := h.checkNotCalled(ctx, k, in.Stage); err != nil {
				return nil, err
			}
			// EventBridge first, then the store: had the binding gone first, a failure here
			// left the schedule firing with no publication for a retry to find (404). Only a
			// schedule flow has one: unpublishing the others does not wait on EventBridge
			isSchedule := f.Kind == store.KindSchedule
			if isSchedule {
				if err := h.unsyncSchedule(ctx, k, in.Stage); err != nil {
					h.log.Error("unpublish: schedule sync", "flow", in.Flow, "stage", in.Stage, "err", err)
					return nil, schedulerUnavailable()
				}
			}
			if err := h.st.Unpublish(ctx, k, in.Stage); err != nil {
				if isSchedule {
					h.restoreSchedule(ctx, k, in.Stage)
				}
				if _, gerr := h.st.GetFlow(ctx, k); gerr == nil && errors.Is(err, store.ErrNotFound) {
					return nil, notPublished // unpublished meanwhile
				}
				return nil, err
			}
			return nil, nil
		})
	register(h, endpoint{id: "getPublishMatrix", method: http.MethodGet, path: "/tenants/{tenant}/projects/{project}/publish-matrix",
		summary: "Every flow × stage: the bound version and whether the draft differs", tag: tag, scope: ScopeTenant,
		action: auth.ActionFlowRead},
		func(ctx context.Context, in *ProjectPath) (*Out[PublishMatrix], error) {
			m, err := h.matrix(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return ok(m)
		})
}

// publish validates and compiles the document being published and binds
// it: the store snapshots the draft into a version when it changed and
// writes version, binding, stage count and route table or schedule in one
// transaction.
func (h *Handler) publish(ctx context.Context, k store.FlowKey, b PublishBody, by string) (PublishResult, error) {
	if store.ValidateStageName(b.Stage) != nil {
		return PublishResult{}, invalidField("body.stage", "no stage %q", b.Stage)
	}
	if b.Version > 0 && b.Revision > 0 {
		return PublishResult{}, invalidField("body.revision", "only applies when publishing the draft, not a version")
	}
	if b.Version > 0 && b.Message != "" {
		// a version keeps the message it was made with; this one would be dropped
		return PublishResult{}, invalidField("body.message", "only applies when publishing the draft (it is the new version's message), not a version")
	}
	f, err := h.st.GetFlow(ctx, k)
	if err != nil {
		return PublishResult{}, err
	}
	if f.Kind == store.KindBlueprint {
		return PublishResult{}, invalidField("path.flow", "blueprints are templates and cannot be published")
	}
	if _, err := h.st.GetStage(ctx, k.ProjectKey(), b.Stage); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return PublishResult{}, invalidField("body.stage", "no stage %q", b.Stage)
		}
		return PublishResult{}, err
	}
	var raw []byte
	expected := 0
	if b.Version > 0 {
		v, err := h.st.GetVersion(ctx, k, b.Version)
		if errors.Is(err, store.ErrNotFound) {
			return PublishResult{}, invalidField("body.version", "no version %d", b.Version)
		}
		if err != nil {
			return PublishResult{}, err
		}
		raw = v.Document
	} else {
		d, err := h.st.GetDraft(ctx, k)
		if err != nil {
			return PublishResult{}, err
		}
		if b.Revision > 0 && d.Revision != b.Revision {
			return PublishResult{}, toProblem(ctx, h.log, &store.ConflictError{What: "draft", Current: d.Revision})
		}
		raw, expected = d.Document, d.Revision
	}
	if err := h.compile(raw); err != nil {
		return PublishResult{}, err
	}
	if err := checkHasNodes(raw, f.Kind, b.Version); err != nil {
		return PublishResult{}, err
	}
	if err := h.checkCalledFlows(ctx, k, raw, b.Stage); err != nil {
		return PublishResult{}, err
	}
	switch f.Kind {
	case store.KindRoute:
		if err := h.checkPublishedRouteFree(ctx, k, b.Stage); err != nil {
			return PublishResult{}, err
		}
	case store.KindSchedule:
		s, err := h.st.GetSchedule(ctx, k)
		if err != nil {
			return PublishResult{}, err
		}
		if _, err := schedule.ToEventBridge(s.Cron); err != nil {
			return PublishResult{}, invalidField("schedule.cron", "%v", err)
		}
	}
	res, err := h.st.Publish(ctx, store.PublishInput{Flow: k, Stage: b.Stage, Version: b.Version,
		ExpectedRevision: expected, By: by, Message: b.Message})
	if err != nil {
		return PublishResult{}, at("body", err)
	}
	warns := append(h.warnings(raw), h.stageWarnings(ctx, k.ProjectKey(), b.Stage, raw)...)
	return PublishResult{Publication: publicationView(res.Binding), Version: versionView(res.Version), Created: res.Created,
		Warnings: warns}, nil
}

// warnings lists what validation warns about in a document (nil for none, or for a document
// that does not decode: compile has refused that).
func (h *Handler) warnings(raw []byte) []DocumentProblem {
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil
	}
	warns := flow.Check(doc, h.reg(), flow.Options{}).Warnings
	if len(warns) == 0 {
		return nil
	}
	return documentProblems(warns)
}

// compile validates and compiles a document: 422 listing every problem
// with its JSON pointer.
func (h *Handler) compile(raw []byte) error {
	doc, err := flow.Decode(raw)
	if err != nil {
		return newProblem(http.StatusUnprocessableEntity, TypeFlowInvalid, "the flow document cannot be read: "+err.Error(),
			FieldError{Location: "/", Message: err.Error()})
	}
	if _, err := flow.Compile(doc, h.reg()); err != nil {
		var ve *flow.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("compile flow: %w", err)
		}
		errs := make([]FieldError, 0, len(ve.Problems))
		for _, p := range ve.Problems {
			loc := p.Path
			if loc == "" {
				loc = "/"
			}
			fe := FieldError{Location: loc, Message: p.Message}
			if p.Node != "" {
				fe.Value = p.Node
			}
			errs = append(errs, fe)
		}
		return newProblem(http.StatusUnprocessableEntity, TypeFlowInvalid,
			fmt.Sprintf("the flow has %d problem(s); each is listed with its JSON pointer", len(errs)), errs...)
	}
	return nil
}

// checkHasNodes refuses to publish a document with no nodes: a run of it (a route request,
// a schedule firing, a call) has no node to start from and fails every time. 422 naming the
// document's nodes (the version, when one is published) and what to add.
func checkHasNodes(raw []byte, kind store.FlowKind, version int) error {
	doc, err := flow.Decode(raw)
	if err != nil || len(doc.Nodes) > 0 {
		return nil // compile has said what is wrong with an unreadable document
	}
	start := "a trigger node"
	switch kind {
	case store.KindRoute:
		start = "an HTTP route node"
	case store.KindSchedule:
		start = "a Schedule node"
	case store.KindService:
		start = "a Flow input node"
	}
	what, loc := "the flow", "/nodes"
	if version > 0 {
		what, loc = fmt.Sprintf("version %d of the flow", version), "body.version"
	}
	msg := fmt.Sprintf("%s has no nodes, so a run of it could not start; add %s and the nodes it runs, then publish", what, start)
	return newProblem(http.StatusUnprocessableEntity, TypeFlowInvalid, msg, FieldError{Location: loc, Message: msg})
}

// checkCalledFlows refuses to publish a flow whose nodes call other flows (inputs edited as a
// flow picker, e.g. Call flow's and Flow tool's flow_id) that a run on the stage could not
// load or run: a flow that does not exist in the project, the flow itself, one not published
// on the stage (published runs call the version published there), or one whose version there
// can pause (a called flow cannot). Every problem is listed with
// its JSON pointer, like the document's own. Ids given as expressions are checked when the
// run calls them.
func (h *Handler) checkCalledFlows(ctx context.Context, k store.FlowKey, raw []byte, stage string) error {
	refs, err := h.flowRefs(raw)
	if err != nil {
		return err
	}
	var errs []FieldError
	for _, r := range refs {
		problem := func(format string, args ...any) {
			errs = append(errs, FieldError{Location: r.location, Message: fmt.Sprintf(format, args...), Value: r.node})
		}
		if r.flow == k.Flow {
			problem("a flow cannot call itself")
			continue
		}
		called, err := h.st.GetFlow(ctx, k.ProjectKey().Flow(r.flow))
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			problem("no flow %q in this project", r.flow)
			continue
		}
		if err != nil {
			return err
		}
		bound, err := h.st.GetBinding(ctx, called.Key(), stage)
		if errors.Is(err, store.ErrNotFound) {
			problem("calls flow %q (%s), which is not published on stage %q: publish it there first", called.Name, r.flow, stage)
			continue
		} else if err != nil {
			return err
		}
		what, err := h.pausing(ctx, called.Key(), bound.Version)
		if err != nil {
			return err
		}
		if len(what) > 0 {
			problem("calls flow %q (%s), whose version %d on stage %q can pause (at %s), but a called flow cannot pause, so the call would fail: "+
				"move the pausing step into this flow", called.Name, r.flow, bound.Version, stage, strings.Join(what, ", "))
		}
	}
	if len(errs) > 0 {
		return newProblem(http.StatusUnprocessableEntity, TypeFlowInvalid,
			fmt.Sprintf("the flow calls %d flow(s) a run on stage %q could not run; each is listed with its JSON pointer", len(errs), stage), errs...)
	}
	return nil
}

// pausing says what in version v of flow k can pause its run (flow.Plan.Pausing); nothing
// for a version that does not compile (its own publish said why).
func (h *Handler) pausing(ctx context.Context, k store.FlowKey, v int) ([]string, error) {
	ver, err := h.st.GetVersion(ctx, k, v)
	if err != nil {
		return nil, fmt.Errorf("read version %d of called flow %s: %w", v, k.Flow, err)
	}
	doc, err := flow.Decode(ver.Document)
	if err != nil {
		return nil, nil
	}
	plan, err := flow.Compile(doc, h.reg())
	if err != nil {
		return nil, nil
	}
	return plan.Pausing(), nil
}

// flowRef is a node input naming another flow by id.
type flowRef struct {
	flow, node, location string
}

// flowRefs lists the literal flow ids a document's enabled nodes name in inputs edited as a
// flow picker (Call flow's and Flow tool's flow_id); ids given as expressions are left out.
func (h *Handler) flowRefs(raw []byte) ([]flowRef, error) {
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("read the flow document: %w", err)
	}
	var refs []flowRef
	for i, n := range doc.Nodes {
		typ, ok := h.reg().Lookup(n.Type)
		if !ok || n.FlowState == flow.StateDisabled {
			continue
		}
		for _, p := range typ.Inputs {
			if p.Editor != nodes.EditFlow {
				continue
			}
			id, _ := n.Values[p.Name].(string)
			if id = strings.TrimSpace(id); id != "" && !strings.Contains(id, "{{") {
				refs = append(refs, flowRef{flow: id, node: n.ID, location: fmt.Sprintf("/nodes/%d/values/%s", i, p.Name)})
			}
		}
	}
	return refs, nil
}

// projectFlows reads every flow of a project that opt selects, page by page.
func (h *Handler) projectFlows(ctx context.Context, pk store.ProjectKey, opt store.ListFlowsOptions) ([]store.Flow, error) {
	return collect(ctx, func(o store.ListOptions) (store.Page[store.Flow], error) {
		opt.ListOptions = o
		return h.st.ListFlows(ctx, pk, opt)
	})
}

// checkNotCalled refuses to unpublish a flow from a stage while another flow published there
// calls it or names it as its error flow (its runs would fail, or their failures go
// unhandled): 409 naming every such flow.
func (h *Handler) checkNotCalled(ctx context.Context, k store.FlowKey, stage string) error {
	flows, err := h.projectFlows(ctx, k.ProjectKey(), store.ListFlowsOptions{})
	if err != nil {
		return err
	}
	var callers []FieldError
	var names []string
	for _, f := range flows {
		if f.ID == k.Flow {
			continue
		}
		b, err := h.st.GetBinding(ctx, f.Key(), stage)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if f.ErrorFlow == k.Flow {
			callers = append(callers, FieldError{Location: "path.flow",
				Message: fmt.Sprintf("flow %q (version %d on stage %q) runs it when it fails (its error flow)", f.Name, b.Version, stage), Value: f.ID})
			names = append(names, strconv.Quote(f.Name))
			continue
		}
		v, err := h.st.GetVersion(ctx, f.Key(), b.Version)
		if err != nil {
			return err
		}
		refs, err := h.flowRefs(v.Document)
		if err != nil {
			continue // an unreadable document calls nothing that could fail
		}
		for _, r := range refs {
			if r.flow == k.Flow {
				callers = append(callers, FieldError{Location: "path.flow",
					Message: fmt.Sprintf("flow %q (version %d on stage %q) calls it at node %s", f.Name, b.Version, stage, r.node), Value: f.ID})
				names = append(names, strconv.Quote(f.Name))
				break
			}
		}
	}
	if len(callers) > 0 {
		return conflict(TypeConflict, fmt.Sprintf("flows published on stage %q call this flow (%s): unpublish them, or publish versions that do not call it, first",
			stage, strings.Join(names, ", ")), callers...)
	}
	return nil
}

// checkNotErrorFlow refuses to delete a flow that any other flow of the project, published
// or not, names as its error flow: 409 naming each, so the setting is changed on purpose
// instead of pointing at nothing.
func (h *Handler) checkNotErrorFlow(ctx context.Context, k store.FlowKey) error {
	flows, err := h.projectFlows(ctx, k.ProjectKey(), store.ListFlowsOptions{})
	if err != nil {
		return err
	}
	var users []FieldError
	var names []string
	for _, f := range flows {
		if f.ID != k.Flow && f.ErrorFlow == k.Flow {
			users = append(users, FieldError{Location: "path.flow",
				Message: fmt.Sprintf("flow %q names it as its error flow", f.Name), Value: f.ID})
			names = append(names, strconv.Quote(f.Name))
		}
	}
	if len(users) > 0 {
		return conflict(TypeConflict, fmt.Sprintf("flows name this flow as their error flow (%s): choose another error flow for them, or none, first",
			strings.Join(names, ", ")), users...)
	}
	return nil
}

// checkPublishedRouteFree refuses to publish a route flow onto a stage
// whose route table already serves its method and pattern for another
// flow.
func (h *Handler) checkPublishedRouteFree(ctx context.Context, k store.FlowKey, stage string) error {
	r, err := h.st.GetRoute(ctx, k)
	if err != nil {
		return err
	}
	t, err := h.st.GetRouteTable(ctx, k.ProjectKey(), stage)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	want := routeKey(r.Method, r.Segments)
	for _, pr := range t.Routes {
		if pr.FlowID != k.Flow && routeKey(pr.Method, pr.Segments) == want {
			return conflict(TypeRouteTaken, fmt.Sprintf("stage %q already serves %s with flow %s", stage, want, pr.FlowID),
				FieldError{Location: "body.stage", Message: "serves the same route with flow " + pr.FlowID})
		}
	}
	return nil
}

// matrix builds the publish matrix, reading flows concurrently.
// servedRoute finds a flow's entry in a stage's route table.
func servedRoute(t store.RouteTable, flow string) (store.PublishedRoute, bool) {
	for _, r := range t.Routes {
		if r.FlowID == flow {
			return r, true
		}
	}
	return store.PublishedRoute{}, false
}

// routeDiffers reports whether a route flow's current route settings (and run saving) are
// not what a stage serves.
func routeDiffers(served store.PublishedRoute, cur store.Route, saving store.RunSaving) bool {
	return served.Method != cur.Method || !slices.Equal(served.Segments, cur.Segments) ||
		served.RequireAPIKey != cur.RequireAPIKey || served.ResponseMode != cur.ResponseMode ||
		served.RunSaving != saving || !slices.Equal(served.CORSOrigins, cur.CORSOrigins)
}

func (h *Handler) matrix(ctx context.Context, k store.ProjectKey) (PublishMatrix, error) {
	st, err := h.stages(ctx, k)
	if err != nil {
		return PublishMatrix{}, err
	}
	flows, err := h.projectFlows(ctx, k, store.ListFlowsOptions{})
	if err != nil {
		return PublishMatrix{}, err
	}
	// each stage's route table, read once for all route flows
	tables := map[string]store.RouteTable{}
	if slices.ContainsFunc(flows, func(f store.Flow) bool { return f.Kind == store.KindRoute }) {
		for _, s := range st {
			t, err := h.st.GetRouteTable(ctx, k, s.Name)
			if err != nil && !errors.Is(err, store.ErrNotFound) { // none: nothing published there
				return PublishMatrix{}, err
			}
			tables[s.Name] = t
		}
	}
	m := PublishMatrix{Stages: mapSlice(st, func(s store.Stage) string { return s.Name }),
		Flows: make([]MatrixRow, len(flows))}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, 8)
	)
	for i, f := range flows {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			row, err := h.matrixRow(ctx, f, tables)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			m.Flows[i] = row
		}()
	}
	wg.Wait()
	if first != nil {
		return PublishMatrix{}, first
	}
	return m, nil
}

func (h *Handler) matrixRow(ctx context.Context, f store.Flow, tables map[string]store.RouteTable) (MatrixRow, error) {
	row := MatrixRow{Flow: f.ID, Name: f.Name, Kind: string(f.Kind), LatestVersion: f.LatestVersion,
		Stages: map[string]MatrixCell{}, DraftChanged: true}
	d, err := h.st.GetDraft(ctx, f.Key())
	if err != nil {
		return row, err
	}
	sum := sha256.Sum256(d.Document)
	draftHash := hex.EncodeToString(sum[:])
	bs, err := h.st.ListFlowBindings(ctx, f.Key())
	if err != nil {
		return row, err
	}
	hashes := map[int]string{}
	if f.LatestVersion > 0 {
		p, err := h.st.ListVersions(ctx, f.Key(), store.ListOptions{Limit: store.MaxLimit})
		if err != nil {
			return row, err
		}
		for _, v := range p.Items {
			hashes[v.Number] = v.Hash
		}
	}
	var cur store.Route
	if f.Kind == store.KindRoute && len(bs) > 0 {
		if cur, err = h.st.GetRoute(ctx, f.Key()); err != nil {
			return row, err
		}
	}
	for _, b := range bs {
		hash, ok := hashes[b.Version]
		if !ok {
			v, err := h.st.GetVersion(ctx, f.Key(), b.Version)
			if err != nil {
				return row, err
			}
			hash = v.Hash
		}
		cell := MatrixCell{Version: b.Version, PublishedAt: b.PublishedAt.UTC(), By: b.By, DraftDiffers: hash != draftHash}
		if served, found := servedRoute(tables[b.Stage], f.ID); found && f.Kind == store.KindRoute {
			cell.RouteDiffers = routeDiffers(served, cur, f.RunSaving)
		}
		row.Stages[b.Stage] = cell
	}
	if f.LatestVersion > 0 {
		row.DraftChanged = hashes[f.LatestVersion] != draftHash
	}
	return row, nil
}
