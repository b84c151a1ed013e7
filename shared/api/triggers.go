package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/routing"
	"polysynergy/shared/schedule"
	"polysynergy/shared/store"
)

// SegmentBody is one route path segment.
type SegmentBody struct {
	Kind  string `json:"kind" enum:"static,variable"`
	Value string `json:"value,omitempty" maxLength:"200" doc:"A static segment's text"`
	Name  string `json:"name,omitempty" maxLength:"64" doc:"A variable's name"`
	Type  string `json:"type,omitempty" enum:"string,number,uuid,any" doc:"A variable's type"`
}

// RouteBody is a route flow's trigger.
type RouteBody struct {
	Method        string        `json:"method" enum:"GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS,ANY"`
	Segments      []SegmentBody `json:"segments" maxItems:"32" nullable:"false" doc:"The path in order; none is /"`
	RequireAPIKey bool          `json:"require_api_key,omitempty" doc:"Callers must send one of the project's API keys. A PUT replaces the whole route: left out, this is false (no key needed) once published"`
	Description   string        `json:"description,omitempty" maxLength:"1000"`
	ResponseMode  string        `json:"response_mode,omitempty" enum:"wait,async" doc:"wait: answer with the flow's response; async: 202 with a run id"`
	CORSOrigins   []string      `json:"cors_origins,omitempty" maxItems:"20" doc:"Browser origins allowed to call the route (https://app.example.com, or * for any); none: no CORS"`
}

// RouteView is a route flow's trigger.
type RouteView struct {
	RouteBody
	ID string `json:"id"`
	// Pattern is the path as text, e.g. /users/{id:uuid}.
	Pattern   string    `json:"pattern"`
	UpdatedAt time.Time `json:"updated_at"`
}

// config checks the route and converts it; every failing field is named.
func (b RouteBody) config(location string) (store.RouteConfig, []FieldError) {
	var errs []FieldError
	segs := make([]routing.Segment, len(b.Segments))
	out := make([]store.Segment, len(b.Segments))
	for i, s := range b.Segments {
		segs[i] = routing.Segment{Kind: routing.SegmentKind(s.Kind), Value: s.Value, Name: s.Name, Type: routing.VarType(s.Type)}
		out[i] = store.Segment{Kind: s.Kind, Value: s.Value, Name: s.Name, Type: s.Type}
	}
	if err := routing.ValidateSegments(segs); err != nil {
		var pe *routing.PatternError
		loc := location + ".segments"
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Reason
			if pe.Index >= 0 {
				loc = fmt.Sprintf("%s[%d]", loc, pe.Index)
			}
		}
		errs = append(errs, FieldError{Location: loc, Message: msg})
	}
	for i, o := range b.CORSOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, FieldError{Location: fmt.Sprintf("%s.cors_origins[%d]", location, i),
				Message: fmt.Sprintf("%q is not an origin (scheme://host[:port]) or *", o)})
		}
	}
	mode := b.ResponseMode
	if mode == "" {
		mode = "wait"
	}
	method := b.Method
	if method == "" {
		method = "GET"
	}
	origins := make([]string, len(b.CORSOrigins))
	for i, o := range b.CORSOrigins {
		origins[i] = strings.TrimSuffix(o, "/")
	}
	return store.RouteConfig{Method: method, Segments: out, RequireAPIKey: b.RequireAPIKey, Description: b.Description,
		ResponseMode: mode, CORSOrigins: origins}, errs
}

func routeView(r store.Route) RouteView {
	segs := make([]SegmentBody, len(r.Segments))
	for i, s := range r.Segments {
		segs[i] = SegmentBody{Kind: s.Kind, Value: s.Value, Name: s.Name, Type: s.Type}
	}
	return RouteView{ID: r.ID, RouteBody: RouteBody{Method: r.Method, Segments: segs, RequireAPIKey: r.RequireAPIKey,
		Description: r.Description, ResponseMode: r.ResponseMode, CORSOrigins: r.CORSOrigins}, Pattern: routing.Pattern(routingSegments(r.Segments)).String(),
		UpdatedAt: r.UpdatedAt.UTC()}
}

func routingSegments(in []store.Segment) []routing.Segment {
	out := make([]routing.Segment, len(in))
	for i, s := range in {
		out[i] = routing.Segment{Kind: routing.SegmentKind(s.Kind), Value: s.Value, Name: s.Name, Type: routing.VarType(s.Type)}
	}
	return out
}

// routeKey is the method and pattern with variable names dropped.
func routeKey(method string, segs []store.Segment) string {
	return routing.Route{Method: method, Segments: routingSegments(segs)}.Key()
}

// otherKind explains a store ErrNotFound for a flow's route or schedule (want's trigger):
// when the flow is there but of another kind, a 409 saying what triggers it instead and that
// it has no such trigger; otherwise err.
func (h *Handler) otherKind(ctx context.Context, k store.FlowKey, want store.FlowKind, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f, gerr := h.st.GetFlow(ctx, k)
	if gerr != nil || f.Kind == want {
		return err
	}
	var how string
	switch f.Kind {
	case store.KindRoute:
		how = "is a route flow: HTTP requests on its route trigger it"
	case store.KindSchedule:
		how = "is a schedule flow: its schedule triggers it"
	case store.KindService:
		how = "is a service flow: other flows call it"
	case store.KindBlueprint:
		how = "is a blueprint: a template, which does not run"
	default:
		how = fmt.Sprintf("is a %s flow", f.Kind)
	}
	has := "schedule"
	if want == store.KindRoute {
		has = "HTTP route"
	}
	msg := fmt.Sprintf("flow %q %s, so it has no %s", f.Name, how, has)
	return conflict(TypeConflict, msg, FieldError{Location: "path.flow", Message: msg, Value: f.ID})
}

// routeWriteAttempts bounds how often a route write checks the project's routes again
// after another route write came in between its check and its write.
const routeWriteAttempts = 5

// writeRouteChecked checks that no other route flow of the project has the route
// (checkRouteFree) and then calls write with the project's route revision the check
// saw; write fails with store.ErrRoutesChanged when another route was written
// meanwhile, and the check is made again.
func (h *Handler) writeRouteChecked(ctx context.Context, k store.ProjectKey, self string, rc store.RouteConfig,
	location string, write func(rev int) error) error {
	for range routeWriteAttempts {
		rev, err := h.st.RouteRevision(ctx, k)
		if err != nil {
			return err
		}
		if err := h.checkRouteFree(ctx, k, self, rc, location); err != nil {
			return err
		}
		if err := write(rev); !errors.Is(err, store.ErrRoutesChanged) {
			return err
		}
	}
	return conflict(TypeConflict, "the project's routes kept changing while this route was checked; try again",
		FieldError{Location: location, Message: "could not be checked against the project's other routes; try again"})
}

// checkRouteFree refuses (409) a route whose method and pattern another
// route flow of the project already has, naming the field at location (the one the
// route came from). self is the flow being changed. Writers check with
// writeRouteChecked, which makes the check hold against concurrent writes.
func (h *Handler) checkRouteFree(ctx context.Context, k store.ProjectKey, self string, rc store.RouteConfig, location string) error {
	flows, err := h.projectFlows(ctx, k, store.ListFlowsOptions{Kind: store.KindRoute})
	if err != nil {
		return err
	}
	want := routeKey(rc.Method, rc.Segments)
	var (
		mu    sync.Mutex
		taken *store.Flow
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 8)
	)
	for i := range flows {
		f := flows[i]
		if f.ID == self {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := h.st.GetRoute(ctx, f.Key())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				if first == nil {
					first = err
				}
			case routeKey(r.Method, r.Segments) == want && taken == nil:
				taken = &f
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if taken != nil {
		return conflict(TypeRouteTaken, fmt.Sprintf("flow %q (%s) already has the route %s", taken.Name, taken.ID, want),
			FieldError{Location: location, Message: fmt.Sprintf("%s is taken by flow %q (%s)", want, taken.Name, taken.ID)})
	}
	return nil
}

// ScheduleInput is when a schedule flow fires.
type ScheduleInput struct {
	Cron     string     `json:"cron" minLength:"1" maxLength:"200" doc:"5 fields (minute hour day-of-month month day-of-week) or @daily etc."`
	Timezone string     `json:"timezone,omitempty" maxLength:"64" doc:"IANA time zone (default UTC)"`
	Start    *time.Time `json:"start,omitempty" doc:"Do not fire before"`
	End      *time.Time `json:"end,omitempty" doc:"Do not fire after"`
	Enabled  bool       `json:"enabled,omitempty" doc:"Fire on the stages the flow is published to. A PUT replaces the whole schedule: left out, this is false (the schedule stops firing)"`
}

// ScheduleView is a schedule with its next fire times.
type ScheduleView struct {
	Cron        string         `json:"cron"`
	Timezone    string         `json:"timezone"`
	Start       *time.Time     `json:"start,omitempty"`
	End         *time.Time     `json:"end,omitempty"`
	Enabled     bool           `json:"enabled"`
	Description string         `json:"description" example:"At 09:30 on Monday through Friday"`
	NextRuns    []time.Time    `json:"next_runs" nullable:"false" doc:"The next five fire times (within start/end); empty when it does not fire (not_firing says why) or fires no more (its end has passed)"`
	NotFiring   string         `json:"not_firing,omitempty" enum:"disabled,not_published,in_trash" doc:"Why next_runs is empty although the expression has times ahead: disabled (enabled is false), not_published (published on no stage) or in_trash (its project is in the trash). Absent while it fires"`
	Published   map[string]int `json:"published" nullable:"false" doc:"Stage → published version"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// config validates the schedule: the cron expression with a readable
// message, the zone, the window. It also returns the parsed expression.
func (s ScheduleInput) config(now time.Time, location string) (store.ScheduleConfig, *schedule.Cron, []FieldError) {
	var errs []FieldError
	c, err := schedule.Parse(s.Cron)
	if err == nil {
		// what EventBridge Scheduler (the deployment's scheduler) cannot fire could never be
		// published: refuse it now rather than at publishing
		_, err = c.EventBridge()
	}
	if err != nil {
		errs = append(errs, FieldError{Location: location + ".cron", Message: err.Error(), Value: s.Cron})
	}
	tz := s.Timezone
	if tz == "" {
		tz = "UTC"
	}
	if _, err := schedule.LoadZone(tz); err != nil {
		errs = append(errs, FieldError{Location: location + ".timezone", Message: err.Error(), Value: s.Timezone})
	}
	if s.Start != nil && s.End != nil && !s.End.After(*s.Start) {
		errs = append(errs, FieldError{Location: location + ".end", Message: "must be after start"})
	}
	cron := strings.TrimSpace(s.Cron)
	if m, ok := cronMacros[strings.ToLower(cron)]; ok {
		cron = m // the store keeps the 5-field form
	}
	return store.ScheduleConfig{Cron: cron, Timezone: tz, Start: utcPtr(s.Start), End: utcPtr(s.End), Enabled: s.Enabled}, c, errs
}

// cronMacros are the macros schedule.Parse accepts, in 5-field form.
var cronMacros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// nextRuns lists up to n fire times after now inside the window.
func nextRuns(c *schedule.Cron, sc store.ScheduleConfig, now time.Time, n int) []time.Time {
	loc, err := schedule.LoadZone(sc.Timezone)
	if err != nil || c == nil {
		return []time.Time{}
	}
	after := now
	if sc.Start != nil && sc.Start.After(after) {
		after = sc.Start.Add(-time.Nanosecond)
	}
	out := []time.Time{}
	for _, t := range c.Next(after, loc, n) {
		if sc.End != nil && t.After(*sc.End) {
			break
		}
		out = append(out, t)
	}
	return out
}

func (h *Handler) scheduleView(s store.Schedule) ScheduleView {
	v := ScheduleView{Cron: s.Cron, Timezone: s.Timezone, Start: utcPtr(s.Start), End: utcPtr(s.End), Enabled: s.Enabled,
		Published: s.Bindings, UpdatedAt: s.UpdatedAt.UTC(), NextRuns: []time.Time{}}
	if v.Published == nil {
		v.Published = map[string]int{}
	}
	switch {
	case !s.Enabled:
		v.NotFiring = notFiringDisabled
	case len(v.Published) == 0:
		v.NotFiring = notFiringUnpublished
	}
	if c, err := schedule.Parse(s.Cron); err == nil {
		v.Description = c.Describe()
		// what does not fire has no next runs (POST /schedule-preview lists an expression's)
		if v.NotFiring == "" {
			v.NextRuns = nextRuns(c, s.ScheduleConfig, h.now(), 5)
		}
	}
	return v
}

// Why a schedule's next_runs is empty (ScheduleView.NotFiring).
const (
	notFiringDisabled    = "disabled"
	notFiringUnpublished = "not_published"
	notFiringInTrash     = "in_trash"
)

// scheduleETag is the tag of what is stored: the view without next_runs, which a read
// works out from its clock, so a fire time passing does not refuse an open form's save.
func scheduleETag(v ScheduleView) string {
	v.NextRuns, v.NotFiring = nil, "" // not_firing: what is stored says, or the project's state
	return etagOf(v)
}

// SchedulePreview describes a cron expression.
type SchedulePreview struct {
	Description string      `json:"description"`
	NextRuns    []time.Time `json:"next_runs" nullable:"false"`
}

func (h *Handler) registerTriggers() {
	const tag = "Triggers"
	base := "/tenants/{tenant}/projects/{project}/flows/{flow}"
	register(h, endpoint{id: "getRoute", method: http.MethodGet, path: base + "/route", summary: "Get a route flow's route",
		tag: tag, scope: ScopeTenant, action: auth.ActionRouteRead},
		func(ctx context.Context, in *FlowPath) (*Tagged[RouteView], error) {
			r, err := h.st.GetRoute(ctx, in.key())
			if err != nil {
				return nil, h.otherKind(ctx, in.key(), store.KindRoute, err)
			}
			return &Tagged[RouteView]{ETag: etagOf(routeView(r)), Body: routeView(r)}, nil
		})
	register(h, endpoint{id: "updateRoute", method: http.MethodPut, path: base + "/route",
		summary: "Change a route flow's route (409 when another route flow has the method and pattern)", tag: tag,
		scope: ScopeTenant, action: auth.ActionRouteWrite, ifMatch: true},
		func(ctx context.Context, in *struct {
			FlowPath
			IfMatchHeader
			Body RouteBody
		}) (*Tagged[RouteView], error) {
			rc, errs := in.Body.config("body")
			if len(errs) > 0 {
				return nil, invalidFields(errs)
			}
			im, err := parseIfMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			cur, err := h.st.GetRoute(ctx, in.key())
			if err != nil {
				return nil, h.otherKind(ctx, in.key(), store.KindRoute, err)
			}
			var match *store.Route
			if im.conditional() {
				// compared with the route read strongly; the write checks its revision again
				if cur, err = h.st.GetRouteConsistent(ctx, in.key()); err != nil {
					return nil, err
				}
				if tag := etagOf(routeView(cur)); !im.matches(tag) {
					return nil, changed("route", in.IfMatch, tag)
				}
				match = &cur
			}
			var r store.Route
			err = h.writeRouteChecked(ctx, in.key().ProjectKey(), in.Flow, rc, "body.segments", func(rev int) error {
				var err error
				r, err = h.st.UpdateRouteIf(ctx, in.key(), rc, rev, match)
				return err
			})
			if errors.Is(err, store.ErrChanged) {
				now, rerr := h.st.GetRouteConsistent(ctx, in.key())
				if rerr != nil {
					return nil, rerr
				}
				return nil, changed("route", in.IfMatch, etagOf(routeView(now)))
			}
			if err != nil {
				return nil, err
			}
			return &Tagged[RouteView]{ETag: etagOf(routeView(r)), Body: routeView(r)}, nil
		})
	register(h, endpoint{id: "getSchedule", method: http.MethodGet, path: base + "/schedule",
		summary: "Get a schedule flow's schedule with its next five fire times", tag: tag, scope: ScopeTenant,
		action: auth.ActionScheduleRead},
		func(ctx context.Context, in *FlowPath) (*Tagged[ScheduleView], error) {
			s, err := h.st.GetSchedule(ctx, in.key())
			if err != nil {
				return nil, h.otherKind(ctx, in.key(), store.KindSchedule, err)
			}
			v := h.scheduleView(s)
			if v.NotFiring == "" {
				// nothing of a project in the trash fires (its schedules are out of the scheduler)
				p, err := h.st.GetProject(ctx, in.key().ProjectKey())
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				if err == nil && p.TrashedAt != nil {
					v.NotFiring, v.NextRuns = notFiringInTrash, []time.Time{}
				}
			}
			return &Tagged[ScheduleView]{ETag: scheduleETag(v), Body: v}, nil
		})
	register(h, endpoint{id: "updateSchedule", method: http.MethodPut, path: base + "/schedule",
		summary: "Change when a schedule flow fires", tag: tag, scope: ScopeTenant, action: auth.ActionScheduleWrite,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			FlowPath
			IfMatchHeader
			Body ScheduleInput
		}) (*Tagged[ScheduleView], error) {
			sc, _, errs := in.Body.config(h.now(), "body")
			if len(errs) > 0 {
				return nil, invalidFields(errs)
			}
			im, err := parseIfMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			var match *store.ScheduleMatch
			if im.conditional() {
				cur, m, err := h.st.ScheduleState(ctx, in.key())
				if err != nil {
					return nil, h.otherKind(ctx, in.key(), store.KindSchedule, err)
				}
				if tag := scheduleETag(h.scheduleView(cur)); !im.matches(tag) {
					return nil, changed("schedule", in.IfMatch, tag)
				}
				match = &m
			}
			s, err := h.st.UpdateScheduleIf(ctx, in.key(), sc, match)
			if errors.Is(err, store.ErrChanged) {
				cur, _, rerr := h.st.ScheduleState(ctx, in.key())
				if rerr != nil {
					return nil, rerr
				}
				return nil, changed("schedule", in.IfMatch, scheduleETag(h.scheduleView(cur)))
			}
			if err != nil {
				return nil, h.otherKind(ctx, in.key(), store.KindSchedule, err)
			}
			if err := h.resyncSchedule(ctx, in.key()); err != nil {
				h.log.Error("schedule sync", "flow", in.Flow, "err", err)
				return nil, schedulerUnavailable()
			}
			v := h.scheduleView(s)
			return &Tagged[ScheduleView]{ETag: scheduleETag(v), Body: v}, nil
		})
	register(h, endpoint{id: "previewSchedule", method: http.MethodPost, path: "/schedule-preview",
		summary: "Describe a cron expression and list its next five fire times", tag: tag, scope: ScopeUser},
		func(ctx context.Context, in *struct {
			Body ScheduleInput
		}) (*Out[SchedulePreview], error) {
			sc, c, errs := in.Body.config(h.now(), "body")
			if len(errs) > 0 {
				return nil, invalidFields(errs)
			}
			return ok(SchedulePreview{Description: c.Describe(), NextRuns: nextRuns(c, sc, h.now(), 5)})
		})
}
