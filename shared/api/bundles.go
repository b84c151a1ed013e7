package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/store"
)

// BundleFormat identifies an export bundle.
const BundleFormat = "polysynergy/bundle@1"

// MaxBundleFlows bounds the flows of one bundle.
const MaxBundleFlows = 200

// Bundle is an export of a project's flows.
type Bundle struct {
	Format     string       `json:"format" enum:"polysynergy/bundle@1"`
	ExportedAt time.Time    `json:"exported_at,omitempty"`
	Project    string       `json:"project,omitempty" maxLength:"100" doc:"The project the flows came from (informative)"`
	Flows      []BundleFlow `json:"flows" maxItems:"200" nullable:"false"`
}

// BundleFlow is one flow of a bundle: its draft and settings.
type BundleFlow struct {
	// ID is the flow's id in the project it came from. Flows of the bundle that call it
	// (Call flow, Flow tool) are pointed at the flow it becomes on import.
	ID        string          `json:"id,omitempty" maxLength:"26" doc:"The flow's id where it was exported; references to it from other flows of the bundle follow it on import"`
	Name      string          `json:"name" minLength:"1" maxLength:"200"`
	Kind      string          `json:"kind" enum:"route,schedule,blueprint,service"`
	Document  json.RawMessage `json:"document" doc:"The flow's document. At most 4 MiB (4194304 bytes) compacted, each double quote and backslash counting twice (as an answer carries it), so that it can always be read back; larger is refused with 413"`
	RunSaving string          `json:"run_saving,omitempty" enum:"all,errors,none"`
	Retention int             `json:"retention,omitempty" minimum:"1" maximum:"10000"`
	// ErrorFlow is the id (where it was exported) of the flow run when this one fails; it
	// follows that flow when both are imported, and is dropped otherwise.
	ErrorFlow string         `json:"error_flow,omitempty" maxLength:"26" doc:"The error flow's id where it was exported"`
	Route     *RouteBody     `json:"route,omitempty" doc:"A route flow's route. Absent: a created flow takes the method and path of its document's HTTP route node, else GET /{its name as a slug}; an overwritten flow keeps its route"`
	Schedule  *ScheduleInput `json:"schedule,omitempty" doc:"A schedule flow's schedule. Absent: a created flow runs hourly (0 * * * *, UTC), disabled; an overwritten flow keeps its schedule"`
}

// ExportQuery chooses flows to export.
type ExportQuery struct {
	Flows []string `query:"flow" maxItems:"200" doc:"Export only these flows (ids); every flow when absent"`
}

// ImportPreviewBody is a bundle to preview.
type ImportPreviewBody struct {
	Bundle Bundle `json:"bundle"`
}

// PreviewItem is one flow of a bundle and what it would collide with.
type PreviewItem struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	// Conflict is the existing flow with the same name, if any.
	Conflict *FlowView `json:"conflict,omitempty" doc:"The project's flow with the same name (ignoring case)"`
	// SameNameAs is an earlier flow of the bundle with the same name.
	SameNameAs *int `json:"same_name_as,omitempty" doc:"An earlier flow of the bundle (its index) with the same name, ignoring case: flow names are unique in a project, so one of the two needs rename or skip"`
	// SuggestedName is a free name for action rename.
	SuggestedName string `json:"suggested_name,omitempty"`
	// RouteTakenBy is the project's route flow, other than Conflict, with this flow's route.
	RouteTakenBy *FlowView `json:"route_taken_by,omitempty" doc:"The project's route flow (other than conflict) that has this route flow's method and path: the import is refused with 409 route-taken unless this flow is skipped"`
	// SameRouteAs is an earlier route flow of the bundle with the same route.
	SameRouteAs *int `json:"same_route_as,omitempty" doc:"An earlier route flow of the bundle (its index) with the same method and path: the import is refused with 409 route-taken unless one of the two is skipped"`
}

// ImportPreview lists every flow of a bundle.
type ImportPreview struct {
	Items []PreviewItem `json:"items" nullable:"false"`
}

// ImportChoice says what to do with one flow of the bundle.
type ImportChoice struct {
	Index  int    `json:"index" minimum:"0"`
	Action string `json:"action" enum:"create,skip,rename,overwrite"`
	// Name is the new name for rename (a free one is chosen when absent).
	Name string `json:"name,omitempty" maxLength:"200"`
}

// ImportBody applies a bundle.
type ImportBody struct {
	Bundle Bundle `json:"bundle"`
	// Items chooses per flow; flows that collide by name need a choice,
	// others are created.
	Items []ImportChoice `json:"items,omitempty" maxItems:"200"`
}

// ImportedItem is what happened to one flow.
type ImportedItem struct {
	Index  int    `json:"index"`
	Action string `json:"action" enum:"create,skip,rename,overwrite"`
	Flow   string `json:"flow,omitempty" doc:"The created or overwritten flow"`
	Name   string `json:"name"`
}

// ImportResult lists what the import did.
type ImportResult struct {
	Items []ImportedItem `json:"items" nullable:"false"`
}

func (h *Handler) registerBundles() {
	const tag = "Export and import"
	base := "/tenants/{tenant}/projects/{project}"
	register(h, endpoint{id: "exportFlows", method: http.MethodGet, path: base + "/export",
		summary: "Export the project's flows (or the chosen ones) as one bundle", tag: tag, scope: ScopeTenant,
		action: auth.ActionExportRead},
		func(ctx context.Context, in *struct {
			ProjectPath
			ExportQuery
		}) (*Out[Bundle], error) {
			b, err := h.export(ctx, in.key(), in.Flows)
			if err != nil {
				return nil, err
			}
			return ok(b)
		})
	register(h, endpoint{id: "previewImport", method: http.MethodPost, path: base + "/import/preview",
		summary: "Preview an import: each flow of the bundle and the flow it collides with by name", tag: tag,
		scope: ScopeTenant, action: auth.ActionImportWrite, maxBody: MaxDocumentBody},
		func(ctx context.Context, in *struct {
			ProjectPath
			Body ImportPreviewBody
		}) (*Out[ImportPreview], error) {
			checked, err := h.checkBundle(in.Body.Bundle, "body.bundle")
			if err != nil {
				return nil, err
			}
			existing, err := h.flowsByName(ctx, in.key())
			if err != nil {
				return nil, err
			}
			// the project's routes, as the import checks them (checkImportRoutes)
			routes := map[string]store.Flow{}
			if slices.ContainsFunc(checked, func(cf checkedFlow) bool { return cf.route != nil }) {
				if routes, err = h.projectRoutes(ctx, in.key()); err != nil {
					return nil, err
				}
			}
			firstRoute := map[string]int{}
			taken := namesOf(existing, in.Body.Bundle.Flows)
			first := map[string]int{}
			out := ImportPreview{Items: []PreviewItem{}}
			for i, bf := range in.Body.Bundle.Flows {
				it := PreviewItem{Index: i, Name: bf.Name, Kind: bf.Kind}
				folded := store.FoldName(bf.Name)
				if f, ok := existing[folded]; ok {
					fv := flowView(f)
					it.Conflict = &fv
				}
				if j, dup := first[folded]; dup {
					it.SameNameAs = &j
				} else {
					first[folded] = i
				}
				if it.Conflict != nil || it.SameNameAs != nil {
					it.SuggestedName = freeName(bf.Name, taken)
					taken[store.FoldName(it.SuggestedName)] = true
				}
				if rc := checked[i].route; rc != nil {
					key := routeKey(rc.Method, rc.Segments)
					if f, ok := routes[key]; ok && (it.Conflict == nil || it.Conflict.ID != f.ID) {
						fv := flowView(f)
						it.RouteTakenBy = &fv
					}
					if j, dup := firstRoute[key]; dup {
						it.SameRouteAs = &j
					} else {
						firstRoute[key] = i
					}
				}
				out.Items = append(out.Items, it)
			}
			return ok(out)
		})
	register(h, endpoint{id: "importFlows", method: http.MethodPost, path: base + "/import",
		summary: "Import a bundle, choosing skip, rename or overwrite for flows that collide by name", tag: tag,
		scope: ScopeTenant, action: auth.ActionImportWrite, maxBody: MaxDocumentBody},
		func(ctx context.Context, in *struct {
			ProjectPath
			Body ImportBody
		}) (*Out[ImportResult], error) {
			res, err := h.importBundle(ctx, in.key(), in.Body)
			if err != nil {
				return nil, err
			}
			return ok(res)
		})
}

// export reads flows with their drafts and triggers.
func (h *Handler) export(ctx context.Context, k store.ProjectKey, only []string) (Bundle, error) {
	p, err := h.st.GetProject(ctx, k)
	if err != nil {
		return Bundle{}, err
	}
	var flows []store.Flow
	if len(only) == 0 {
		flows, err = h.projectFlows(ctx, k, store.ListFlowsOptions{})
		if err != nil {
			return Bundle{}, err
		}
		if len(flows) > MaxBundleFlows {
			// a bundle an import refuses is no export: have the flows chosen
			return Bundle{}, invalidField("query.flow", "the project has %d flows and a bundle holds at most %d (what an import takes): "+
				"choose the flows to export with flow=ID (repeated), in several bundles", len(flows), MaxBundleFlows)
		}
	} else {
		for i, id := range only {
			if !validULID(id) {
				return Bundle{}, invalidField(fmt.Sprintf("query.flow[%d]", i), "no flow %q in this project", id)
			}
			f, err := h.st.GetFlow(ctx, k.Flow(id))
			if errors.Is(err, store.ErrNotFound) {
				return Bundle{}, invalidField(fmt.Sprintf("query.flow[%d]", i), "no flow %q in this project", id)
			}
			if err != nil {
				return Bundle{}, err
			}
			flows = append(flows, f)
		}
	}
	b := Bundle{Format: BundleFormat, ExportedAt: h.now().UTC(), Project: p.Name, Flows: []BundleFlow{}}
	size := 0
	for _, f := range flows {
		d, err := h.st.GetDraft(ctx, f.Key())
		if err != nil {
			return Bundle{}, err
		}
		bf := BundleFlow{ID: f.ID, Name: f.Name, Kind: string(f.Kind), Document: d.Document, RunSaving: string(f.RunSaving),
			Retention: f.Retention, ErrorFlow: f.ErrorFlow}
		switch f.Kind {
		case store.KindRoute:
			r, err := h.st.GetRoute(ctx, f.Key())
			if err != nil {
				return Bundle{}, err
			}
			rv := routeView(r).RouteBody
			bf.Route = &rv
		case store.KindSchedule:
			s, err := h.st.GetSchedule(ctx, f.Key())
			if err != nil {
				return Bundle{}, err
			}
			bf.Schedule = &ScheduleInput{Cron: s.Cron, Timezone: s.Timezone, Start: utcPtr(s.Start), End: utcPtr(s.End),
				Enabled: s.Enabled}
		}
		b.Flows = append(b.Flows, bf)
		// counted as Lambda carries the answer (a JSON string, where '"' and '\\' take two bytes)
		if size += answerSize(bf.Document) + 2048; size > MaxResponseBody-(512<<10) {
			// Lambda answers at most 6 MB (and an import takes at most MaxDocumentBody)
			return Bundle{}, invalidField("query.flow", "the flows' documents add up to more than one bundle can hold "+
				"(about %d MB): export fewer flows at a time, choosing them with flow=ID (repeated)", MaxResponseBody>>20)
		}
	}
	return b, nil
}

// checkedFlow is a bundle flow after validation.
type checkedFlow struct {
	BundleFlow
	canon    []byte
	route    *store.RouteConfig
	schedule *store.ScheduleConfig
}

// checkBundle validates every flow of a bundle, naming each failing field.
func (h *Handler) checkBundle(b Bundle, location string) ([]checkedFlow, error) {
	var errs []FieldError
	add := func(err error) {
		var p *Problem
		if errors.As(err, &p) {
			errs = append(errs, p.Errors...)
		}
	}
	out := make([]checkedFlow, len(b.Flows))
	firstWithID := map[string]int{}
	for i, bf := range b.Flows {
		loc := fmt.Sprintf("%s.flows[%d]", location, i)
		cf := checkedFlow{BundleFlow: bf}
		if bf.ID != "" {
			if j, dup := firstWithID[bf.ID]; dup {
				add(invalidField(loc+".id", "flows[%d] has this id too; references to it would be ambiguous", j))
			} else {
				firstWithID[bf.ID] = i
			}
			if bf.ErrorFlow == bf.ID {
				add(invalidField(loc+".error_flow", "a flow cannot be its own error flow"))
			}
		}
		if err := checkName(loc+".name", bf.Name, 200); err != nil {
			add(err)
		}
		doc, canon, err := decodeDocument(loc+".document", bf.Document)
		if p, ok := errors.AsType[*Problem](err); ok && p.Status == http.StatusRequestEntityTooLarge {
			return nil, p
		}
		if err != nil {
			add(err)
		}
		cf.canon = canon
		kind := store.FlowKind(bf.Kind)
		if bf.Route != nil && kind != store.KindRoute {
			add(invalidField(loc+".route", "only route flows have a route"))
		}
		if bf.Schedule != nil && kind != store.KindSchedule {
			add(invalidField(loc+".schedule", "only schedule flows have a schedule"))
		}
		switch kind {
		case store.KindRoute:
			// as a flow created from a document: its HTTP route node's route, else GET /{name}
			rb := RouteBody{Method: "GET", Segments: []SegmentBody{{Kind: "static", Value: SuggestSlug(bf.Name)}}}
			if nr, ok := nodeRoute(doc); ok {
				rb = nr
			}
			if bf.Route != nil {
				rb = *bf.Route
			}
			rc, ferrs := rb.config(loc + ".route")
			errs = append(errs, ferrs...)
			cf.route = &rc
		case store.KindSchedule:
			si := ScheduleInput{Cron: "0 * * * *", Timezone: "UTC"}
			if bf.Schedule != nil {
				si = *bf.Schedule
			}
			sc, _, ferrs := si.config(h.now(), loc+".schedule")
			errs = append(errs, ferrs...)
			cf.schedule = &sc
		}
		out[i] = cf
	}
	if len(errs) > 0 {
		return nil, invalidFields(errs)
	}
	return out, nil
}

// flowsByName maps the project's flow names, folded (store.FoldName: trimmed, ignoring
// case), to flows (404 for no project). Of flows that share a name (written before names
// were unique) the first is kept.
func (h *Handler) flowsByName(ctx context.Context, k store.ProjectKey) (map[string]store.Flow, error) {
	if _, err := h.st.GetProject(ctx, k); err != nil {
		return nil, err
	}
	flows, err := h.projectFlows(ctx, k, store.ListFlowsOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]store.Flow, len(flows))
	for _, f := range flows {
		if _, dup := out[store.FoldName(f.Name)]; !dup {
			out[store.FoldName(f.Name)] = f
		}
	}
	return out, nil
}

// namesOf is the folded names a made-up name must avoid: the project's and the bundle's.
func namesOf(m map[string]store.Flow, bundle []BundleFlow) map[string]bool {
	out := make(map[string]bool, len(m)+len(bundle))
	for n := range m {
		out[n] = true
	}
	for _, bf := range bundle {
		out[store.FoldName(bf.Name)] = true
	}
	return out
}

// freeName returns "name (2)", "name (3)", … whose folded form is not in taken.
func freeName(name string, taken map[string]bool) string {
	name = strings.TrimSpace(name)
	for i := 2; ; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		base := name
		if r := []rune(base); len(r)+len(suffix) > 200 {
			base = strings.TrimSpace(string(r[:200-len(suffix)]))
		}
		if n := base + suffix; !taken[store.FoldName(n)] {
			return n
		}
	}
}

// plannedItem is a decided import step.
type plannedItem struct {
	checkedFlow
	index  int
	action string
	name   string
	target *store.Flow // overwrite
}

// importBundle validates the whole bundle and every choice first, so bad
// input writes nothing; then it creates or overwrites flow by flow (each
// flow's creation is one transaction).
func (h *Handler) importBundle(ctx context.Context, k store.ProjectKey, b ImportBody) (res ImportResult, err error) {
	flows, err := h.checkBundle(b.Bundle, "body.bundle")
	if err != nil {
		return ImportResult{}, err
	}
	existing, err := h.flowsByName(ctx, k)
	if err != nil {
		return ImportResult{}, err
	}
	choices := map[int]ImportChoice{}
	var errs []FieldError
	for i, c := range b.Items {
		loc := fmt.Sprintf("body.items[%d]", i)
		switch {
		case c.Index >= len(flows):
			errs = append(errs, FieldError{Location: loc + ".index", Message: fmt.Sprintf("the bundle has %d flows", len(flows))})
		case choices[c.Index].Action != "":
			errs = append(errs, FieldError{Location: loc + ".index", Message: fmt.Sprintf("flow %d is chosen twice", c.Index)})
		default:
			choices[c.Index] = c
		}
	}
	// Names the import gives, folded, and the bundle flow that gets each: they must differ
	// from each other and from the project's flows that stay (an overwritten flow keeps its
	// name). avoid is what a made-up name avoids: those and every name of the bundle.
	gets := map[string]int{}
	avoid := namesOf(existing, b.Bundle.Flows)
	overwrites := map[string]int{}
	var plan []plannedItem
	for i, cf := range flows {
		loc := fmt.Sprintf("body.bundle.flows[%d]", i)
		folded := store.FoldName(cf.Name)
		c, chosen := choices[i]
		cur, collides := existing[folded]
		action := c.Action
		if !chosen {
			action = "create"
			if collides {
				errs = append(errs, FieldError{Location: loc + ".name",
					Message: fmt.Sprintf("flow %q (%s) has this name; choose skip, rename or overwrite in items", cur.Name, cur.ID)})
				continue
			}
		}
		it := plannedItem{checkedFlow: cf, index: i, action: action, name: strings.TrimSpace(cf.Name)}
		nameLoc := loc + ".name" // where the name the flow gets comes from
		switch action {
		case "create":
			if collides {
				errs = append(errs, FieldError{Location: loc + ".name",
					Message: fmt.Sprintf("flow %q (%s) has this name; choose skip, rename or overwrite", cur.Name, cur.ID)})
			}
		case "rename":
			it.name = strings.TrimSpace(c.Name)
			if it.name == "" {
				it.name = freeName(cf.Name, avoid)
				break
			}
			nameLoc = fmt.Sprintf("body.items[%d].name", indexOfChoice(b.Items, i))
			var p *Problem
			if err := checkName(nameLoc, it.name, 200); errors.As(err, &p) {
				errs = append(errs, p.Errors...)
			} else if f, ok := existing[store.FoldName(it.name)]; ok {
				errs = append(errs, FieldError{Location: nameLoc, Message: fmt.Sprintf("flow %q (%s) has this name too", f.Name, f.ID)})
			}
		case "overwrite":
			if !collides {
				errs = append(errs, FieldError{Location: loc + ".name",
					Message: fmt.Sprintf("no flow %q to overwrite", cf.Name)})
				continue
			}
			if string(cur.Kind) != cf.Kind {
				errs = append(errs, FieldError{Location: loc + ".kind",
					Message: fmt.Sprintf("flow %q is a %s flow; a %s flow cannot overwrite it", cf.Name, cur.Kind, cf.Kind)})
			}
			if j, twice := overwrites[cur.ID]; twice {
				errs = append(errs, FieldError{Location: loc + ".name",
					Message: fmt.Sprintf("flows[%d] of the bundle overwrites flow %q (%s) already; choose rename or skip for one of them", j, cur.Name, cur.ID)})
			}
			overwrites[cur.ID] = i
			it.target = &cur
			// a bundle flow without a route or schedule keeps the overwritten flow's: the
			// default a created flow gets (GET /{name}, hourly and disabled) would silently
			// move its webhook or stop its schedule
			if cf.Route == nil {
				it.route = nil
			}
			if cf.Schedule == nil {
				it.schedule = nil
			}
		}
		if action == "create" || action == "rename" {
			fn := store.FoldName(it.name)
			if j, dup := gets[fn]; dup {
				errs = append(errs, FieldError{Location: nameLoc,
					Message: fmt.Sprintf("flows[%d] of the bundle is imported as %q too; flow names are unique in a project (ignoring case): choose rename or skip for one of them in items",
						j, it.name)})
			}
			gets[fn] = i
			avoid[fn] = true
		}
		plan = append(plan, it)
	}
	if len(errs) > 0 {
		return ImportResult{}, invalidFields(errs)
	}
	// the route check holds while the import writes: each of its route writes expects the
	// project's route revision the check saw, plus the import's own writes before it
	rev, err := h.st.RouteRevision(ctx, k)
	if err != nil {
		return ImportResult{}, err
	}
	if err := h.checkImportRoutes(ctx, k, plan); err != nil {
		return ImportResult{}, err
	}
	routeRev := func() *int {
		r := rev
		rev++
		return &r
	}
	routesChanged := func(err error, loc string) error {
		if errors.Is(err, store.ErrRoutesChanged) {
			return conflict(TypeConflict, "another route of the project was written while this import ran; import again",
				FieldError{Location: loc, Message: "could not be checked against the project's other routes; import again"})
		}
		return err
	}
	// where each bundle flow ends up, so calls between the bundle's flows follow them: created
	// flows get new ids, an overwritten flow is its target, a skipped one the project's flow
	// of that name (if any)
	moved := map[string]string{}
	for _, it := range plan {
		switch {
		case it.ID == "":
		case it.action == "overwrite":
			moved[it.ID] = it.target.ID
		case it.action == "skip":
			if cur, ok := existing[store.FoldName(it.Name)]; ok {
				moved[it.ID] = cur.ID
			}
		}
	}
	// what each flow to overwrite is now, to put back when the import fails after
	// changing it
	prior := map[int]overwritten{}
	for i, it := range plan {
		if it.action != "overwrite" {
			continue
		}
		was, err := h.overwritten(ctx, it)
		if err != nil {
			return ImportResult{}, at(fmt.Sprintf("body.bundle.flows[%d]", it.index), err)
		}
		prior[i] = was
	}
	touched := map[int]bool{}
	done := make([]ImportedItem, len(plan))
	var created []int
	defer func() {
		if err == nil {
			return
		}
		// nothing half-imported: the flows this import overwrote are put back as they
		// were, and the flows it created go again, so the caller can retry (or fix the
		// bundle) without meeting them as name collisions or finding flows half-replaced
		for i := range touched {
			h.putBack(context.WithoutCancel(ctx), plan[i].target.Key(), prior[i])
		}
		for _, i := range created {
			if derr := h.st.DeleteFlow(context.WithoutCancel(ctx), k.Flow(done[i].Flow)); derr != nil {
				h.log.ErrorContext(ctx, "undo a failed import: delete flow", "flow", done[i].Flow, "err", derr)
			}
		}
	}()
	for i, it := range plan {
		done[i] = ImportedItem{Index: it.index, Action: it.action, Name: it.name}
		if it.action != "create" && it.action != "rename" {
			continue
		}
		in := store.CreateFlowInput{Kind: store.FlowKind(it.Kind), Name: it.name,
			Document: it.canon, RunSaving: store.RunSaving(it.RunSaving), Retention: it.Retention,
			Route: it.route, Schedule: it.schedule}
		if it.Kind == string(store.KindRoute) {
			in.RouteRevision = routeRev()
		}
		f, err := h.st.CreateFlow(ctx, k, in)
		if err != nil {
			loc := fmt.Sprintf("body.bundle.flows[%d]", it.index)
			return ImportResult{}, h.inTrash(ctx, k, at(loc, routesChanged(err, loc+".route")))
		}
		done[i].Flow = f.ID
		if it.ID != "" {
			moved[it.ID] = f.ID
		}
		created = append(created, i)
	}
	for _, i := range created {
		doc, changed, err := h.remapFlowRefs(plan[i].canon, moved)
		if err != nil || !changed {
			continue
		}
		fk := k.Flow(done[i].Flow)
		if _, err := h.st.SaveDraft(ctx, fk, doc, 1); err != nil {
			return ImportResult{}, at(fmt.Sprintf("body.bundle.flows[%d]", plan[i].index), err)
		}
	}
	// error flows follow like references; one outside the bundle is dropped
	for i, it := range plan {
		to, ok := moved[it.ErrorFlow]
		if it.ErrorFlow == "" || !ok || done[i].Flow == "" && it.action != "overwrite" {
			continue
		}
		fk := k.Flow(done[i].Flow)
		if it.action == "overwrite" {
			fk = it.target.Key()
			touched[i] = true
		}
		if _, err := h.st.UpdateFlow(ctx, fk, store.FlowUpdate{ErrorFlow: &to}); err != nil {
			return ImportResult{}, at(fmt.Sprintf("body.bundle.flows[%d]", it.index), err) // the store names error_flow
		}
	}
	for i, it := range plan {
		if it.action != "overwrite" {
			continue
		}
		if doc, changed, err := h.remapFlowRefs(it.canon, moved); err == nil && changed {
			it.canon = doc
		}
		var rr *int
		if it.route != nil {
			rr = routeRev()
		}
		touched[i] = true
		if err := h.overwrite(ctx, *it.target, it, rr); err != nil {
			return ImportResult{}, routesChanged(err, fmt.Sprintf("body.bundle.flows[%d].route", it.index))
		}
		done[i].Flow = it.target.ID
		// a published schedule fires as EventBridge Scheduler holds it: give it the new one
		if it.schedule != nil {
			if err := h.resyncSchedule(ctx, it.target.Key()); err != nil {
				h.log.Error("import: schedule sync", "flow", it.target.ID, "err", err)
				return ImportResult{}, schedulerUnavailable()
			}
		}
	}
	return ImportResult{Items: append([]ImportedItem{}, done...)}, nil
}

// remapFlowRefs points the flow ids a document names in flow-picker inputs (Call flow's and
// Flow tool's flow_id) at their new ids; changed is false when none moved.
func (h *Handler) remapFlowRefs(raw []byte, moved map[string]string) ([]byte, bool, error) {
	if len(moved) == 0 {
		return raw, false, nil
	}
	doc, err := flow.Decode(raw)
	if err != nil {
		return nil, false, err
	}
	changed := false
	for _, n := range doc.Nodes {
		typ, ok := h.reg().Lookup(n.Type)
		if !ok {
			continue
		}
		for _, p := range typ.Inputs {
			if p.Editor != nodes.EditFlow {
				continue
			}
			id, _ := n.Values[p.Name].(string)
			if to, ok := moved[strings.TrimSpace(id)]; ok && to != id {
				n.Values[p.Name] = to
				changed = true
			}
		}
	}
	if !changed {
		return raw, false, nil
	}
	out, err := flow.Encode(doc)
	if err != nil {
		return nil, false, err
	}
	_, canon, err := decodeDocument("document", out)
	if err != nil {
		return nil, false, err
	}
	return canon, true, nil
}

func indexOfChoice(items []ImportChoice, flow int) int {
	for i, c := range items {
		if c.Index == flow {
			return i
		}
	}
	return 0
}

// checkImportRoutes refuses an import whose route flows would share a
// method and pattern with each other or with the project's other route
// flows.
func (h *Handler) checkImportRoutes(ctx context.Context, k store.ProjectKey, plan []plannedItem) error {
	seen := map[string]int{}
	overwritten := map[string]bool{}
	for _, it := range plan {
		if it.target != nil && it.route != nil { // an overwrite without a route keeps the flow's
			overwritten[it.target.ID] = true
		}
	}
	for _, it := range plan {
		if it.route == nil || it.action == "skip" {
			continue
		}
		loc := fmt.Sprintf("body.bundle.flows[%d].route", it.index)
		key := routeKey(it.route.Method, it.route.Segments)
		if prev, dup := seen[key]; dup {
			return conflict(TypeRouteTaken, fmt.Sprintf("flows %d and %d of the bundle both have the route %s", prev, it.index, key),
				FieldError{Location: loc, Message: "duplicates the route of flow " + fmt.Sprint(prev)})
		}
		seen[key] = it.index
	}
	if len(seen) == 0 {
		return nil
	}
	routes, err := h.projectRoutes(ctx, k)
	if err != nil {
		return err
	}
	for _, it := range plan { // in the bundle's order: the first clash is named
		if it.route == nil || it.action == "skip" {
			continue
		}
		if f, clash := routes[routeKey(it.route.Method, it.route.Segments)]; clash && !overwritten[f.ID] {
			return conflict(TypeRouteTaken, fmt.Sprintf("flow %q (%s) already has the route of bundle flow %d", f.Name, f.ID, it.index),
				FieldError{Location: fmt.Sprintf("body.bundle.flows[%d].route", it.index), Message: "taken by flow " + f.ID})
		}
	}
	return nil
}

// projectRoutes maps the routes of the project's route flows (routeKey) to their flows.
func (h *Handler) projectRoutes(ctx context.Context, k store.ProjectKey) (map[string]store.Flow, error) {
	flows, err := h.projectFlows(ctx, k, store.ListFlowsOptions{Kind: store.KindRoute})
	if err != nil {
		return nil, err
	}
	out := make(map[string]store.Flow, len(flows))
	for _, f := range flows {
		r, err := h.st.GetRoute(ctx, f.Key())
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[routeKey(r.Method, r.Segments)] = f
	}
	return out, nil
}

// overwritten is what an import's overwrite changes of a flow, as it was before.
type overwritten struct {
	flow     store.Flow
	draft    json.RawMessage
	route    *store.RouteConfig    // when the import replaces it
	schedule *store.ScheduleConfig // when the import replaces it
}

// overwritten reads what overwriting it.target changes.
func (h *Handler) overwritten(ctx context.Context, it plannedItem) (overwritten, error) {
	fk := it.target.Key()
	f, err := h.st.GetFlow(ctx, fk)
	if err != nil {
		return overwritten{}, err
	}
	d, err := h.st.GetDraft(ctx, fk)
	if err != nil {
		return overwritten{}, err
	}
	was := overwritten{flow: f, draft: d.Document}
	if it.route != nil {
		r, err := h.st.GetRoute(ctx, fk)
		if err != nil {
			return overwritten{}, err
		}
		was.route = &r.RouteConfig
	}
	if it.schedule != nil {
		s, err := h.st.GetSchedule(ctx, fk)
		if err != nil {
			return overwritten{}, err
		}
		was.schedule = &s.ScheduleConfig
	}
	return was, nil
}

// putBack undoes an import's overwrite of a flow (best effort: what fails is logged).
func (h *Handler) putBack(ctx context.Context, fk store.FlowKey, was overwritten) {
	fail := func(what string, err error) {
		if err != nil {
			h.log.ErrorContext(ctx, "undo a failed import: "+what, "flow", fk.Flow, "err", err)
		}
	}
	d, err := h.st.GetDraft(ctx, fk)
	fail("read the draft", err)
	if err == nil && string(d.Document) != string(was.draft) {
		_, err := h.st.SaveDraft(ctx, fk, was.draft, d.Revision)
		fail("put the draft back", err)
	}
	if was.route != nil {
		_, err := h.st.UpdateRouteAt(ctx, fk, *was.route, -1)
		fail("put the route back", err)
	}
	if was.schedule != nil {
		_, err := h.st.UpdateSchedule(ctx, fk, *was.schedule)
		fail("put the schedule back", err)
		fail("put the schedule back into the scheduler", h.resyncSchedule(ctx, fk))
	}
	_, err = h.st.UpdateFlow(ctx, fk, store.FlowUpdate{RunSaving: &was.flow.RunSaving, Retention: &was.flow.Retention,
		ErrorFlow: &was.flow.ErrorFlow})
	fail("put the settings back", err)
}

// overwrite replaces an existing flow's draft, trigger and settings.
// routeRev is the project's route revision its route write expects (nil: any).
func (h *Handler) overwrite(ctx context.Context, f store.Flow, it plannedItem, routeRev *int) error {
	d, err := h.st.GetDraft(ctx, f.Key())
	if err != nil {
		return err
	}
	if _, err := h.st.SaveDraft(ctx, f.Key(), it.canon, d.Revision); err != nil {
		return err
	}
	if it.route != nil {
		rev := -1
		if routeRev != nil {
			rev = *routeRev
		}
		if _, err := h.st.UpdateRouteAt(ctx, f.Key(), *it.route, rev); err != nil {
			return err
		}
	}
	if it.schedule != nil {
		if _, err := h.st.UpdateSchedule(ctx, f.Key(), *it.schedule); err != nil {
			return err
		}
	}
	u := store.FlowUpdate{}
	if it.RunSaving != "" {
		rs := store.RunSaving(it.RunSaving)
		u.RunSaving = &rs
	}
	if it.Retention > 0 {
		u.Retention = &it.Retention
	}
	if u.RunSaving != nil || u.Retention != nil {
		if _, err := h.st.UpdateFlow(ctx, f.Key(), u); err != nil {
			return err
		}
	}
	return nil
}
