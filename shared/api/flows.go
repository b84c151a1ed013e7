package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/routing"
	"polysynergy/shared/store"
)

// emptyDocument is the draft of a new flow.
const emptyDocument = `{"connections":[],"nodes":[],"schema":"polysynergy/flow@1"}`

// FlowView is a flow's metadata.
type FlowView struct {
	ID            string    `json:"id"`
	Project       string    `json:"project"`
	Kind          string    `json:"kind" enum:"route,schedule,blueprint,service"`
	Name          string    `json:"name"`
	RunSaving     string    `json:"run_saving" enum:"all,errors,none"`
	Retention     int       `json:"retention" doc:"How many runs are kept"`
	ErrorFlow     string    `json:"error_flow" doc:"The flow run when a published run of this one fails (empty: none)"`
	LatestVersion int       `json:"latest_version" doc:"The newest version number (0: none)"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func flowView(f store.Flow) FlowView {
	return FlowView{ID: f.ID, Project: f.Project, Kind: string(f.Kind), Name: f.Name, RunSaving: string(f.RunSaving),
		Retention: f.Retention, ErrorFlow: f.ErrorFlow, LatestVersion: f.LatestVersion, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

// DraftView is a flow's editable document.
type DraftView struct {
	Document  json.RawMessage `json:"document" doc:"The flow document (polysynergy/flow@1)"`
	Revision  int             `json:"revision" doc:"Send it back when saving; a stale one is refused with 409"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// FlowDetail is a flow with its draft.
type FlowDetail struct {
	FlowView
	Draft DraftView `json:"draft"`
}

// CreateFlowBody creates a flow.
type CreateFlowBody struct {
	Kind string `json:"kind" enum:"route,schedule,blueprint,service"`
	Name string `json:"name" minLength:"1" maxLength:"200"`
	// Document is the first draft (empty when absent).
	Document json.RawMessage `json:"document,omitempty" doc:"The first draft; an empty flow when absent. At most 4 MiB (4194304 bytes) compacted, each double quote and backslash counting twice (as an answer carries it), so that it can always be read back; larger is refused with 413"`
	// Blueprint copies the draft of a blueprint flow of the project.
	Blueprint string         `json:"blueprint,omitempty" maxLength:"26" doc:"Start from the draft of this blueprint flow"`
	RunSaving string         `json:"run_saving,omitempty" enum:"all,errors,none"`
	Retention int            `json:"retention,omitempty" minimum:"1" maximum:"10000"`
	Route     *RouteBody     `json:"route,omitempty" doc:"Route flows: the trigger (default: the method and path of the document's HTTP route node, else GET /<name>)"`
	Schedule  *ScheduleInput `json:"schedule,omitempty" doc:"Schedule flows: when it fires (default hourly, disabled)"`
}

// UpdateFlowBody changes a flow's settings.
type UpdateFlowBody struct {
	Name      *string `json:"name,omitempty" minLength:"1" maxLength:"200"`
	RunSaving *string `json:"run_saving,omitempty" enum:"all,errors,none"`
	Retention *int    `json:"retention,omitempty" minimum:"1" maximum:"10000"`
	ErrorFlow *string `json:"error_flow,omitempty" maxLength:"26" doc:"A flow of the project to run when a published run of this one fails (it starts at its Flow input with {flow, run, error}); empty removes it"`
}

// SaveDraftBody saves a draft.
type SaveDraftBody struct {
	Document json.RawMessage `json:"document" doc:"The whole flow document. At most 4 MiB (4194304 bytes) compacted, each double quote and backslash counting twice (as an answer carries it), so that it can always be read back; larger is refused with 413"`
	Revision int             `json:"revision" minimum:"1" doc:"The revision the edit is based on"`
	// Force allows replacing a flow that has nodes by one that has none.
	Force bool `json:"force,omitempty" doc:"Allow replacing a non-empty flow by an empty one"`
}

// SavedDraft is the answer to a save.
type SavedDraft struct {
	Revision int `json:"revision"`
}

// DocumentProblem is one problem of a flow document.
type DocumentProblem struct {
	Path    string `json:"path" doc:"JSON pointer into the document, e.g. /nodes/3/values/url"`
	Message string `json:"message"`
	Node    string `json:"node,omitempty"`
	Port    string `json:"port,omitempty"`
}

func documentProblems(ps flow.Problems) []DocumentProblem {
	return mapSlice(ps, func(p flow.Problem) DocumentProblem {
		return DocumentProblem{Path: p.Path, Message: p.Message, Node: p.Node, Port: p.Port}
	})
}

// ValidationReport lists a document's problems.
type ValidationReport struct {
	Valid    bool              `json:"valid"`
	Problems []DocumentProblem `json:"problems" nullable:"false"`
	// Warnings are what is valid but likely not meant; they do not make the draft invalid.
	Warnings []DocumentProblem `json:"warnings" nullable:"false" doc:"What is valid but likely not meant (an expression reading a node its node does not wait for); warnings do not make the draft invalid"`
	// Revision is the draft revision checked, so an editor can tell an answer about a
	// revision saved elsewhere from one about its own.
	Revision int `json:"revision" doc:"The draft revision that was checked"`
}

// FlowListQuery filters flows.
type FlowListQuery struct {
	Kind string `query:"kind" enum:"route,schedule,blueprint,service" doc:"Only flows of this kind"`
}

func (h *Handler) registerFlows() {
	const tag = "Flows"
	base := "/tenants/{tenant}/projects/{project}/flows"
	register(h, endpoint{id: "listFlows", method: http.MethodGet, path: base, summary: "List flows (optionally of one kind)",
		tag: tag, scope: ScopeTenant, action: auth.ActionFlowRead},
		func(ctx context.Context, in *struct {
			ProjectPath
			FlowListQuery
			PageQuery
		}) (*Out[List[FlowView]], error) {
			if _, err := h.st.GetProject(ctx, in.key()); err != nil {
				return nil, err
			}
			p, err := h.st.ListFlows(ctx, in.key(), store.ListFlowsOptions{ListOptions: in.opts(), Kind: store.FlowKind(in.Kind)})
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[FlowView]{Items: mapSlice(p.Items, flowView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "createFlow", method: http.MethodPost, path: base,
		summary: "Create a flow with an empty draft, a given document or a blueprint's draft (409 when another flow of the project has the name, ignoring case)", tag: tag,
		scope: ScopeTenant, action: auth.ActionFlowWrite, status: http.StatusCreated, maxBody: MaxDocumentBody},
		func(ctx context.Context, in *struct {
			ProjectPath
			Body CreateFlowBody
		}) (*Created[FlowDetail], error) {
			d, err := h.createFlow(ctx, in.key(), in.Body)
			if err != nil {
				return nil, err
			}
			return &Created[FlowDetail]{Body: d}, nil
		})
	register(h, endpoint{id: "getFlow", method: http.MethodGet, path: base + "/{flow}", summary: "Get a flow with its draft",
		tag: tag, scope: ScopeTenant, action: auth.ActionFlowRead},
		func(ctx context.Context, in *FlowPath) (*Tagged[FlowDetail], error) {
			var f store.Flow
			var d store.Draft
			var ferr, derr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				d, derr = h.st.GetDraft(ctx, in.key())
			}()
			f, ferr = h.st.GetFlow(ctx, in.key())
			<-done
			if ferr != nil {
				return nil, ferr
			}
			if derr != nil {
				return nil, derr
			}
			return &Tagged[FlowDetail]{ETag: flowETag(f, d.Revision), Body: FlowDetail{FlowView: flowView(f), Draft: draftView(d)}}, nil
		})
	register(h, endpoint{id: "updateFlow", method: http.MethodPatch, path: base + "/{flow}",
		summary: "Rename a flow (409 when another flow of the project has the name, ignoring case) or change its run settings and error flow", tag: tag, scope: ScopeTenant, action: auth.ActionFlowWrite,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			FlowPath
			IfMatchHeader
			Body UpdateFlowBody
		}) (*Tagged[FlowView], error) {
			u := store.FlowUpdate{Name: in.Body.Name, Retention: in.Body.Retention}
			if in.Body.Name != nil {
				if err := checkName("body.name", *in.Body.Name, 200); err != nil {
					return nil, err
				}
			}
			if in.Body.RunSaving != nil {
				rs := store.RunSaving(*in.Body.RunSaving)
				u.RunSaving = &rs
			}
			if ef := in.Body.ErrorFlow; ef != nil {
				id := strings.TrimSpace(*ef)
				if id == in.Flow {
					return nil, invalidField("body.error_flow", "a flow cannot be its own error flow")
				}
				if id != "" {
					if _, err := h.st.GetFlow(ctx, in.key().ProjectKey().Flow(id)); errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
						return nil, invalidField("body.error_flow", "no flow %q in this project", id)
					} else if err != nil {
						return nil, err
					}
				}
				u.ErrorFlow = &id
			}
			m, err := h.flowMatch(ctx, in.key(), in.IfMatch)
			if err != nil {
				return nil, err
			}
			u.Match = m
			f, err := h.st.UpdateFlow(ctx, in.key(), u)
			if err != nil {
				return nil, at("body", h.flowChanged(ctx, in.key(), in.IfMatch, err))
			}
			rev := 0
			if m != nil {
				rev = m.DraftRevision // checked in the same transaction
			} else if d, err := h.st.GetDraft(ctx, in.key()); err != nil {
				return nil, err
			} else {
				rev = d.Revision
			}
			return &Tagged[FlowView]{ETag: flowETag(f, rev), Body: flowView(f)}, nil
		})
	register(h, endpoint{id: "saveDraft", method: http.MethodPut, path: base + "/{flow}/draft",
		summary: "Save the draft (409 with current_revision when the revision is stale); If-Match takes the flow's ETag (GET flow) and the answer's ETag is the flow's", tag: tag,
		scope: ScopeTenant, action: auth.ActionFlowWrite, maxBody: MaxDocumentBody, rawBody: SaveDraftBody{}, overlap: true,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			FlowPath
			IfMatchHeader
			RawBody []byte `contentType:"application/json"`
		}) (*Tagged[SavedDraft], error) {
			// A draft can be large: it is decoded once, strictly, here
			// instead of by huma's generic validation (two more parses).
			var body SaveDraftBody
			if err := strictDecode(in.RawBody, &body); err != nil {
				return nil, err
			}
			if body.Revision < 1 {
				return nil, invalidField("body.revision", "must be at least 1")
			}
			rev, err := h.saveDraft(ctx, in.key(), body.Document, body.Revision, body.Force, "body.document", in.IfMatch)
			if err != nil {
				return nil, err
			}
			f, err := h.st.GetFlowConsistent(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return &Tagged[SavedDraft]{ETag: flowETag(f, rev), Body: SavedDraft{Revision: rev}}, nil
		})
	register(h, endpoint{id: "validateFlow", method: http.MethodPost, path: base + "/{flow}/validate",
		summary: "Validate the draft and list every problem", tag: tag, scope: ScopeTenant, action: auth.ActionFlowRead},
		func(ctx context.Context, in *FlowPath) (*Out[ValidationReport], error) {
			d, err := h.st.GetDraft(ctx, in.key())
			if err != nil {
				return nil, err
			}
			doc, err := flow.Decode(d.Document)
			if err != nil {
				return ok(ValidationReport{Problems: []DocumentProblem{{Path: "", Message: err.Error()}}, Warnings: []DocumentProblem{}, Revision: d.Revision})
			}
			// the stored flow's id: a node calling this very flow is a problem too; the flows
			// it calls are checked as an editor run calls them, in their drafts
			opt, err := h.draftCallOptions(ctx, in.key(), d.Document)
			if err != nil {
				return nil, err
			}
			rep := flow.Check(doc, h.reg(), opt)
			return ok(ValidationReport{Valid: len(rep.Problems) == 0, Problems: documentProblems(rep.Problems),
				Warnings: documentProblems(rep.Warnings), Revision: d.Revision})
		})
	register(h, endpoint{id: "deleteFlow", method: http.MethodDelete, path: base + "/{flow}",
		summary: "Delete a flow (unpublishing it first) with its versions and runs; 409 while published flows call it or any flow names it as its error flow", tag: tag, scope: ScopeTenant,
		action: auth.ActionFlowWrite, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			FlowPath
			IfMatchHeader
		}) (*Empty, error) {
			m, err := h.flowMatch(ctx, in.key(), in.IfMatch)
			if err != nil {
				return nil, err
			}
			bs, err := h.st.ListFlowBindings(ctx, in.key())
			if err != nil {
				return nil, err
			}
			for _, b := range bs {
				if err := h.checkNotCalled(ctx, in.key(), b.Stage); err != nil {
					return nil, err
				}
			}
			if err := h.checkNotErrorFlow(ctx, in.key()); err != nil {
				return nil, err
			}
			// the kind says whether it has schedules; a delete that was interrupted (the flow
			// hidden already) is finished below and its schedules removed whatever it was
			kind := store.KindSchedule
			if f, err := h.st.GetFlow(ctx, in.key()); err == nil {
				kind = f.Kind
			}
			// EventBridge first: had the store gone first, a failure there left the schedules
			// firing with nothing in the store to find them by on a retry
			if err := h.unsyncDeletedSchedule(ctx, in.key(), kind, bs); err != nil {
				return nil, err
			}
			if err := h.flowChanged(ctx, in.key(), in.IfMatch, h.st.DeleteFlowIf(ctx, in.key(), m)); err != nil {
				if kind == store.KindSchedule {
					for _, b := range bs {
						h.restoreSchedule(ctx, in.key(), b.Stage)
					}
				}
				return nil, err
			}
			return nil, nil
		})
}

// draftCallOptions are the validation options for a draft of flow k: its id, and what the
// flows its nodes name literally (flowRefs) are as an editor run would call them: whether
// each exists in the project, and what in its draft can pause (a called flow cannot).
func (h *Handler) draftCallOptions(ctx context.Context, k store.FlowKey, raw []byte) (flow.Options, error) {
	refs, err := h.flowRefs(raw)
	if err != nil {
		return flow.Options{FlowID: k.Flow}, nil // the document's own problems say why
	}
	exists := map[string]bool{}
	pauses := map[string][]string{}
	for _, r := range refs {
		if _, seen := exists[r.flow]; seen || r.flow == k.Flow {
			continue
		}
		d, err := h.st.GetDraft(ctx, k.ProjectKey().Flow(r.flow))
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			exists[r.flow] = false
			continue
		}
		if err != nil {
			return flow.Options{}, fmt.Errorf("read the draft of called flow %s: %w", r.flow, err)
		}
		exists[r.flow] = true
		if doc, err := flow.Decode(d.Document); err == nil {
			if plan, err := flow.Compile(doc, h.reg()); err == nil {
				pauses[r.flow] = plan.Pausing()
			}
		}
	}
	return flow.Options{FlowID: k.Flow,
		FlowExists: func(id string) bool { e, known := exists[id]; return e || !known },
		FlowPauses: func(id string) []string { return pauses[id] },
	}, nil
}

func draftView(d store.Draft) DraftView {
	return DraftView{Document: d.Document, Revision: d.Revision, UpdatedAt: d.UpdatedAt.UTC()}
}

// decodeDocument checks a flow document and returns it compacted (what
// is stored, and hashed to tell whether a draft changed).
// nodeRoute is the route an HTTP route node of doc shows (its literal method and path),
// the natural route for a route flow created from that document without one.
func nodeRoute(doc *flow.Document) (RouteBody, bool) {
	if doc == nil {
		return RouteBody{}, false
	}
	for _, n := range doc.Nodes {
		if n.Type != "trigger.route" {
			continue
		}
		method, _ := n.Values["method"].(string)
		path, _ := n.Values["path"].(string)
		method = strings.ToUpper(strings.TrimSpace(method))
		if method == "" {
			method = "GET"
		}
		pat, err := routing.ParsePattern(strings.TrimSpace(path))
		if err != nil || strings.Contains(path, "{{") {
			return RouteBody{}, false
		}
		rb := RouteBody{Method: method, Segments: []SegmentBody{}}
		for _, sg := range pat {
			rb.Segments = append(rb.Segments, SegmentBody{Kind: string(sg.Kind), Value: sg.Value, Name: sg.Name, Type: string(sg.Type)})
		}
		if _, errs := rb.config("body.route"); len(errs) > 0 {
			return RouteBody{}, false
		}
		return rb, true
	}
	return RouteBody{}, false
}

func decodeDocument(location string, raw json.RawMessage) (*flow.Document, []byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil, invalidField(location, "is required")
	}
	doc, err := flow.Decode(raw)
	if err != nil {
		var de *flow.DecodeError
		if errors.As(err, &de) {
			return nil, nil, invalidField(location, "%s", de.Error())
		}
		return nil, nil, invalidField(location, "%v", err)
	}
	if doc.Nodes == nil {
		doc.Nodes = []flow.Node{}
	}
	if doc.Connections == nil {
		doc.Connections = []flow.Connection{}
	}
	if bytes.IndexAny(raw, "\n\r\t") < 0 && !bytes.Contains(raw, []byte(": ")) && !bytes.Contains(raw, []byte(", ")) {
		// already compact, as editors send it
		if err := checkDocumentSize(location, raw); err != nil {
			return nil, nil, err
		}
		return doc, raw, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return nil, nil, invalidField(location, "%v", err)
	}
	if err := checkDocumentSize(location, buf.Bytes()); err != nil {
		return nil, nil, err
	}
	return doc, buf.Bytes(), nil
}

// saveDraft saves a document as the draft at expected revision. Replacing
// a flow that has nodes by one without any needs force.
func (h *Handler) saveDraft(ctx context.Context, k store.FlowKey, raw json.RawMessage, expected int, force bool,
	location, ifMatchHeader string) (int, error) {
	doc, canon, err := decodeDocument(location, raw)
	if err != nil {
		return 0, err
	}
	// Nothing above touched the store: an overlapping save waits here for
	// its membership check.
	if err := permitted(ctx); err != nil {
		return 0, err
	}
	m, err := h.flowMatch(ctx, k, ifMatchHeader)
	if err != nil {
		return 0, err
	}
	if len(doc.Nodes) == 0 && !force {
		cur, err := h.st.GetDraft(ctx, k)
		if err != nil {
			return 0, err
		}
		if cur.Revision != expected {
			c := cur.Revision
			p := conflict(TypeDraftStale, fmt.Sprintf("the draft is at revision %d; reload it and apply your change again", c))
			p.CurrentRevision = &c
			return 0, p
		}
		if old, err := flow.Decode(cur.Document); err == nil && len(old.Nodes) > 0 {
			return 0, conflict(TypeConflict,
				fmt.Sprintf("this would replace a flow of %d nodes by an empty one; send force: true to do it", len(old.Nodes)),
				FieldError{Location: location, Message: "is empty while the saved draft is not"})
		}
	}
	rev, err := h.st.SaveDraftIf(ctx, k, canon, expected, m)
	if err != nil {
		return 0, at("body", h.flowChanged(ctx, k, ifMatchHeader, err))
	}
	return rev, nil
}

// createFlow validates and creates a flow.
func (h *Handler) createFlow(ctx context.Context, k store.ProjectKey, b CreateFlowBody) (FlowDetail, error) {
	kind := store.FlowKind(b.Kind)
	var errs []FieldError
	add := func(err error) {
		var p *Problem
		if errors.As(err, &p) {
			errs = append(errs, p.Errors...)
		}
	}
	if err := checkName("body.name", b.Name, 200); err != nil {
		add(err)
	}
	b.Name = strings.TrimSpace(b.Name)
	if b.Blueprint != "" && len(b.Document) > 0 {
		add(invalidField("body.blueprint", "give a document or a blueprint, not both"))
	}
	if b.Route != nil && kind != store.KindRoute {
		add(invalidField("body.route", "only route flows have a route"))
	}
	if b.Schedule != nil && kind != store.KindSchedule {
		add(invalidField("body.schedule", "only schedule flows have a schedule"))
	}
	in := store.CreateFlowInput{Kind: kind, Name: b.Name, RunSaving: store.RunSaving(b.RunSaving), Retention: b.Retention,
		Document: []byte(emptyDocument)}
	var doc *flow.Document
	if len(b.Document) > 0 {
		d, canon, err := decodeDocument("body.document", b.Document)
		if p, ok := errors.AsType[*Problem](err); ok && p.Status == http.StatusRequestEntityTooLarge {
			return FlowDetail{}, p
		}
		if err != nil {
			add(err)
		}
		doc, in.Document = d, canon
	}
	var route *store.RouteConfig
	routeFrom := "body.name" // what gave the route: the field a taken route is named by
	if kind == store.KindRoute {
		rb := RouteBody{Method: "GET", Segments: []SegmentBody{{Kind: "static", Value: SuggestSlug(b.Name)}}}
		if nr, ok := nodeRoute(doc); ok {
			rb, routeFrom = nr, "body.document"
		}
		if b.Route != nil {
			rb, routeFrom = *b.Route, "body.route.segments"
		}
		rc, ferrs := rb.config("body.route")
		errs = append(errs, ferrs...)
		route = &rc
		in.Route = route
	}
	if kind == store.KindSchedule {
		si := ScheduleInput{Cron: "0 * * * *", Timezone: "UTC"}
		if b.Schedule != nil {
			si = *b.Schedule
		}
		sc, _, ferrs := si.config(h.now(), "body.schedule")
		errs = append(errs, ferrs...)
		in.Schedule = &sc
	}
	if len(errs) > 0 {
		return FlowDetail{}, invalidFields(errs)
	}
	if b.Blueprint != "" {
		if !validULID(b.Blueprint) {
			return FlowDetail{}, invalidField("body.blueprint", "no blueprint %q in this project", b.Blueprint)
		}
		bk := k.Flow(b.Blueprint)
		bf, err := h.st.GetFlow(ctx, bk)
		if errors.Is(err, store.ErrNotFound) || err == nil && bf.Kind != store.KindBlueprint {
			return FlowDetail{}, invalidField("body.blueprint", "no blueprint %q in this project", b.Blueprint)
		}
		if err != nil {
			return FlowDetail{}, err
		}
		d, err := h.st.GetDraft(ctx, bk)
		if err != nil {
			return FlowDetail{}, err
		}
		in.Document = d.Document
	}
	// the name first: a flow created twice has the same default route too, and its name says it better
	if err := h.checkNameFree(ctx, k, "", b.Name, "body.name"); err != nil {
		return FlowDetail{}, err
	}
	var f store.Flow
	create := func() error {
		var err error
		f, err = h.st.CreateFlow(ctx, k, in)
		if err != nil && !errors.Is(err, store.ErrRoutesChanged) {
			return h.inTrash(ctx, k, at("body", err))
		}
		return err
	}
	var err error
	if route != nil {
		// checked and written so that two flows created at once cannot both take the route
		err = h.writeRouteChecked(ctx, k, "", *route, routeFrom, func(rev int) error {
			in.RouteRevision = &rev
			return create()
		})
	} else {
		err = create()
	}
	if err != nil {
		return FlowDetail{}, err
	}
	return FlowDetail{FlowView: flowView(f), Draft: DraftView{Document: in.Document, Revision: 1, UpdatedAt: f.CreatedAt.UTC()}}, nil
}

// checkNameFree refuses (409) a name another flow of the project has, compared trimmed and
// ignoring case; self is the flow being renamed. The store enforces it again, race-free,
// when it writes.
func (h *Handler) checkNameFree(ctx context.Context, k store.ProjectKey, self, name, location string) error {
	flows, err := h.projectFlows(ctx, k, store.ListFlowsOptions{})
	if err != nil {
		return err
	}
	want := store.FoldName(name)
	for _, f := range flows {
		if f.ID != self && store.FoldName(f.Name) == want {
			return nameTaken(location, name, f.ID, f.Name)
		}
	}
	return nil
}
