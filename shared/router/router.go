// Package router answers HTTP requests on published routes: `{project}-{stage}.<domain>`
// (or `/{project}/{stage}/…`) → the stage's route table → API key check → the bound flow
// version run inline with the request as its trigger → the flow's HTTP response node as the
// answer. Routes in "answer at once" mode reply 202 with the run id and hand the run over.
package router

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/singleflight"

	"polysynergy/shared/auth"
	"polysynergy/shared/engine"
	"polysynergy/shared/nodes/response"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/routing"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
	"polysynergy/shared/urlencoded"
)

// ErrTooLarge says a request is too large to hand to a background run.
var ErrTooLarge = errors.New("too large for a background run")

// Store is what the router reads.
type Store interface {
	ResolveSlug(ctx context.Context, slug string) (store.SlugLookup, error)
	GetRouteTable(ctx context.Context, k store.ProjectKey, stage string) (store.RouteTable, error)
	LookupAPIKey(ctx context.Context, hash string) (store.APIKeyRef, error)
	TouchLastUsed(ctx context.Context, k store.ProjectKey, id string, at time.Time) error
}

// Executor runs flows (runs.Executor).
type Executor interface {
	Execute(ctx context.Context, job runs.Job) (*engine.Run, error)
	NewRunID() string
}

// Response modes of a route.
const (
	ModeWait  = "wait"
	ModeAsync = "async"
)

// Config configures a Router.
type Config struct {
	Store    Store
	Executor Executor
	// HandOff starts a run elsewhere (the runner) for routes answering at once. An error
	// wrapping ErrTooLarge is answered 413, any other 503.
	HandOff func(ctx context.Context, job runs.Job) error
	// BaseDomain is the trigger domain ("example.com", "localhost").
	BaseDomain string
	// CacheTTL is how long a route table is trusted before it is read again (default 2 s).
	CacheTTL time.Duration
	// Deadline bounds an inline run (default 28 s: API Gateway gives up at 29 s).
	Deadline time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Router handles trigger requests. It is safe for concurrent use; route tables are cached
// in the warm Lambda.
type Router struct {
	cfg     Config
	mu      sync.Mutex
	cache   map[string]*cached
	loads   singleflight.Group // route table reads in flight, by cache key
	reading map[string]bool    // keys being read (under mu)
}

type cached struct {
	fetched time.Time
	version int64
	table   *routing.Table
	routes  map[string]store.PublishedRoute
	lookup  store.SlugLookup
	missing bool // no project or no route table
}

// New returns a router.
func New(cfg Config) (*Router, error) {
	if cfg.Store == nil || cfg.Executor == nil {
		return nil, errors.New("new router: Store and Executor are required")
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 2 * time.Second
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 28 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Router{cfg: cfg, cache: map[string]*cached{}, reading: map[string]bool{}}, nil
}

// fieldError names a field of the request and what is wrong with it, as in the REST API's
// problems.
type fieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// problem builds an application/problem+json answer.
func problem(status int, title, detail string, extra map[string]string, errs ...fieldError) events.APIGatewayV2HTTPResponse {
	doc := map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail}
	if len(errs) > 0 {
		doc["errors"] = errs
	}
	b, _ := json.Marshal(doc)
	h := map[string]string{"content-type": "application/problem+json"}
	for k, v := range extra {
		h[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Body: string(b)}
}

// Handle answers one API Gateway HTTP API (payload 2.0) request.
func (r *Router) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	host := ev.Headers["host"]
	if host == "" {
		host = ev.RequestContext.DomainName
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	target, err := routing.ParseHost(host, r.cfg.BaseDomain)
	hostReason := "" // why the host named no project and stage, when the path did instead
	if err != nil {
		var he *routing.HostError
		reason := err.Error()
		if errors.As(err, &he) {
			reason = he.Reason
		}
		t, rest, perr := routing.ParsePath(path)
		if perr != nil {
			return problem(http.StatusBadRequest, "Bad Request",
				fmt.Sprintf("cannot tell the project and stage from host %q (%s), nor from the path", host, reason), nil,
				fieldError{Location: "header.host", Message: reason + "; use {project}-{stage}." + r.cfg.BaseDomain}), nil
		}
		target, path, hostReason = t, rest, reason
	}
	entry, err := r.table(ctx, target)
	if err != nil {
		r.cfg.Logger.Error("route table", "project", target.Project, "stage", target.Stage, "err", err)
		return problem(http.StatusServiceUnavailable, "Service Unavailable", "routes could not be read; try again", map[string]string{"retry-after": "1"}), nil
	}
	if entry.missing && hostReason != "" {
		// the path form was the fallback: say why the host was not read first, or a
		// mistyped host (demo--live) reads as a project named after the path's first part
		return problem(http.StatusNotFound, "Not Found",
			fmt.Sprintf("cannot tell the project and stage from host %q (%s); read from the path instead, project %q has nothing published on stage %q",
				host, hostReason, target.Project, target.Stage), nil,
			fieldError{Location: "header.host", Message: hostReason + "; use {project}-{stage}." + r.cfg.BaseDomain},
			fieldError{Location: "path", Message: fmt.Sprintf("no project %q with flows published on stage %q", target.Project, target.Stage)}), nil
	}
	if entry.missing {
		return problem(http.StatusNotFound, "Not Found", fmt.Sprintf("project %q has nothing published on stage %q", target.Project, target.Stage), nil,
			fieldError{Location: "header.host", Message: fmt.Sprintf("no project %q with flows published on stage %q", target.Project, target.Stage)}), nil
	}
	method := ev.RequestContext.HTTP.Method
	if method == http.MethodOptions && ev.Headers["access-control-request-method"] != "" {
		return r.preflight(ev, entry, path), nil
	}
	m, err := entry.table.Match(method, path)
	var mna *routing.MethodNotAllowedError
	switch {
	case errors.As(err, &mna) && method == http.MethodOptions:
		// a plain OPTIONS no route handles asks what the path allows: the list, as promised
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent,
			Headers: map[string]string{"allow": strings.Join(mna.Allow, ", ")}}, nil
	case errors.As(err, &mna):
		return problem(http.StatusMethodNotAllowed, "Method Not Allowed",
			fmt.Sprintf("%s is not allowed on %s; use %s", method, path, strings.Join(mna.Allow, ", ")),
			map[string]string{"allow": strings.Join(mna.Allow, ", ")},
			fieldError{Location: "method", Message: "is not allowed here; use " + strings.Join(mna.Allow, ", ")}), nil
	case errors.Is(err, routing.ErrNotFound):
		return problem(http.StatusNotFound, "Not Found", fmt.Sprintf("no route matches %s %s", method, path), nil,
			fieldError{Location: "path", Message: "no route published on this stage matches it"}), nil
	case err != nil:
		return problem(http.StatusBadRequest, "Bad Request", err.Error(), nil, fieldError{Location: "path", Message: err.Error()}), nil
	}
	route := entry.routes[m.Route.ID]
	// every answer for the route carries its CORS headers, so a browser can read a refusal
	// (a missing API key), a 202's run id or an error, not only the flow's own answer
	withCORS := func(resp events.APIGatewayV2HTTPResponse) events.APIGatewayV2HTTPResponse {
		corsHeaders(resp.Headers, ev.Headers["origin"], route.CORSOrigins)
		return resp
	}
	pk := store.ProjectKey{Tenant: entry.lookup.Tenant, Project: entry.lookup.Project}

	var touch sync.WaitGroup
	if route.RequireAPIKey {
		keyID, sent, err := r.checkKey(ctx, ev, pk)
		switch {
		case err != nil:
			r.cfg.Logger.Error("check api key", "project", pk.Project, "err", err)
			return withCORS(problem(http.StatusServiceUnavailable, "Service Unavailable", "the API key could not be checked; try again",
				map[string]string{"retry-after": "1"})), nil
		case keyID == "" && sent:
			at := "header.x-api-key"
			if strings.TrimSpace(ev.Headers["x-api-key"]) == "" {
				at = "header.authorization"
			}
			return withCORS(problem(http.StatusUnauthorized, "Unauthorized", "the API key is not valid for this project (revoked, mistyped, or another project's)",
				map[string]string{"www-authenticate": `Bearer realm="polysynergy", error="invalid_token"`},
				fieldError{Location: at, Message: "is not an API key of this project"})), nil
		case keyID == "":
			return withCORS(problem(http.StatusUnauthorized, "Unauthorized", "this route needs an API key: send X-API-Key or Authorization: Bearer psk_…",
				map[string]string{"www-authenticate": `Bearer realm="polysynergy"`},
				fieldError{Location: "header.x-api-key", Message: "is required: send X-API-Key or Authorization: Bearer psk_…"})), nil
		}
		// the last-used time is written next to the run, not before it
		touch.Add(1)
		go func() {
			defer touch.Done()
			tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := r.cfg.Store.TouchLastUsed(tctx, pk, keyID, r.cfg.Now()); err != nil {
				r.cfg.Logger.Warn("api key last used", "key", keyID, "err", err)
			}
		}()
	}
	defer touch.Wait()

	// the project's own keys are the platform's credentials, not the flow's data: they are
	// not handed to the flow, so they reach no run record, event or log
	dropAPIKeyHeaders(ev.Headers)
	req := requestOf(ev, path, m.Params)
	job := runs.Job{Kind: runs.KindRouter, Tenant: pk.Tenant, Project: pk.Project, Flow: route.FlowID, Version: route.Version,
		Stage: target.Stage, Trigger: req.Map(), Save: route.RunSaving, AllowPrivateNetwork: &entry.lookup.AllowPrivateNetwork}
	if route.ResponseMode == ModeAsync {
		// the runner may be invoked again on failure: the run id makes it run once
		job.RunID = r.cfg.Executor.NewRunID()
		// the caller gets 202 whatever the flow sets: the run's record says so (the flow's
		// status beside it)
		b, _ := json.Marshal(map[string]string{"run_id": job.RunID, "status": "accepted"})
		accepted := withCORS(events.APIGatewayV2HTTPResponse{StatusCode: http.StatusAccepted, Body: string(b),
			Headers: map[string]string{"content-type": "application/json", "x-run-id": job.RunID}})
		job.Answered = &runs.Answer{Status: accepted.StatusCode, ContentType: accepted.Headers["content-type"]}
		if r.cfg.HandOff == nil {
			return withCORS(problem(http.StatusServiceUnavailable, "Service Unavailable", "background runs are not configured", nil)), nil
		}
		if err := r.cfg.HandOff(ctx, job); err != nil {
			if errors.Is(err, ErrTooLarge) {
				// retrying cannot help: not a 503
				r.cfg.Logger.Warn("hand off run", "run", job.RunID, "err", err)
				return withCORS(problem(http.StatusRequestEntityTooLarge, "Content Too Large",
					"this route answers at once and runs the flow in the background, which takes a request of at most 1 MB "+
						"(Lambda's limit for a background invocation); send a smaller body, or make the route wait for the flow",
					nil)), nil
			}
			r.cfg.Logger.Error("hand off run", "run", job.RunID, "err", err)
			return withCORS(problem(http.StatusServiceUnavailable, "Service Unavailable", "the run could not be started; try again",
				map[string]string{"retry-after": "1"})), nil
		}
		return accepted, nil
	}
	deadline := r.cfg.Now().Add(r.cfg.Deadline)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-time.Second).Before(deadline) {
		deadline = dl.Add(-time.Second)
	}
	job.Deadline = deadline
	// what the caller sent is not redacted where the answer repeats it: redacting it would
	// tell the caller which of the values it sent is a secret
	// (worked out only when the answer holds a secret)
	job.Caller = func() []string { return callerTexts(ev, req) }
	// the answer is settled as the run ends, before its record is written, so that the
	// record says what the caller got (a 500 for an answer over Lambda's limit, say)
	var answered *events.APIGatewayV2HTTPResponse
	job.Answer = func(run *engine.Run) runs.Answer {
		resp, why := r.reply(run, route, withCORS)
		answered = &resp
		return runs.Answer{Status: resp.StatusCode, ContentType: resp.Headers["content-type"], Error: why}
	}
	run, err := r.cfg.Executor.Execute(ctx, job)
	if err != nil && run != nil {
		// the flow ran (and did whatever it does) but its record could not be stored in
		// full: its answer still goes out, as a retry would run it again
		r.cfg.Logger.Error("record run", "flow", route.FlowID, "run", run.ID, "err", err)
		err = nil
	}
	if err != nil {
		r.cfg.Logger.Error("run flow", "flow", route.FlowID, "run", job.RunID, "err", err)
		if errors.Is(err, store.ErrUnavailable) {
			return withCORS(problem(http.StatusServiceUnavailable, "Service Unavailable", "the flow could not be run; try again",
				map[string]string{"retry-after": "1"})), nil
		}
		return withCORS(problem(http.StatusInternalServerError, "Internal Server Error", fmt.Sprintf("flow %s could not be run", route.FlowID), nil)), nil
	}
	if answered != nil {
		return *answered, nil
	}
	// an executor that did not call Job.Answer (a test's, or a run that ended before it)
	resp, _ := r.reply(run, route, withCORS)
	return resp, nil
}

// reply is the answer to a finished run's caller, and why it is not the response the flow
// set when that is not because the run failed ("" otherwise).
func (r *Router) reply(run *engine.Run, route store.PublishedRoute, withCORS func(events.APIGatewayV2HTTPResponse) events.APIGatewayV2HTTPResponse) (events.APIGatewayV2HTTPResponse, string) {
	resp, why := r.answer(run, route)
	resp = withCORS(resp)
	if n, big := answerTooLarge(resp); big {
		// Lambda fails an invocation that answers more: the caller would get API Gateway's
		// bare error, with no run id
		r.cfg.Logger.Warn("flow answer over Lambda's response limit", "flow", route.FlowID, "run", run.ID, "bytes", n)
		return withCORS(problem(http.StatusInternalServerError, "Internal Server Error",
				fmt.Sprintf("flow %s answered %d bytes, more than the 6 MB (%d bytes) an answer can hold; answer less (a link to the content, say); run %s has the details",
					route.FlowID, n, maxAnswer, run.ID), map[string]string{"x-run-id": run.ID})),
			fmt.Sprintf("the flow's answer of %d bytes (headers included, as Lambda counts it) is more than the 6 MB (%d bytes) Lambda lets a function answer; answer less (a link to the content, say)",
				n, maxAnswer)
	}
	return resp, why
}

// maxAnswer is Lambda's limit on a function's answer: the payload 2.0 response as the
// runtime encodes it (JSON, HTML characters not escaped).
const maxAnswer = 6<<20 + 100

// answerTooLarge reports whether resp is over maxAnswer once encoded, and its size then. An
// answer whose text is clearly small is not encoded to find out (JSON escapes a byte into
// at most six).
func answerTooLarge(resp events.APIGatewayV2HTTPResponse) (int, bool) {
	n := len(resp.Body) + 256
	for k, v := range resp.Headers {
		n += len(k) + len(v) + 8
	}
	for _, c := range resp.Cookies {
		n += len(c) + 4
	}
	if 6*n < maxAnswer {
		return 0, false
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		return 0, false
	}
	return b.Len(), b.Len() > maxAnswer
}

// allowedOrigin returns the Access-Control-Allow-Origin value for origin, or "".
func allowedOrigin(origin string, allowed []string) string {
	for _, a := range allowed {
		if a == "*" {
			return "*"
		}
		if origin != "" && strings.EqualFold(a, origin) {
			return origin
		}
	}
	return ""
}

// corsHeaders adds the CORS answer headers when the route allows the request's origin.
// Unless the route allows any origin, every answer varies by Origin, the refused ones
// too: a shared cache must not hand the answer to a request from another origin (without
// Access-Control-Allow-Origin) to an allowed one.
func corsHeaders(h map[string]string, origin string, allowed []string) {
	if h == nil || len(allowed) == 0 {
		return
	}
	if o := allowedOrigin(origin, allowed); o != "" {
		h["access-control-allow-origin"] = o
		// added to the headers the flow exposes (X-Total-Count, say), which replacing them
		// hid from the browser app
		addToList(h, "access-control-expose-headers", "x-run-id")
	}
	if !slices.Contains(allowed, "*") {
		addVary(h, "Origin")
	}
}

// addVary adds name to the answer's Vary header (kept as the flow set it otherwise).
func addVary(h map[string]string, name string) { addToList(h, "vary", name) }

// addToList adds name to the answer's comma-separated list header (kept as the flow set it
// otherwise, and left alone when it is "*" or names it already).
func addToList(h map[string]string, header, name string) {
	for k, v := range h {
		if !strings.EqualFold(k, header) {
			continue
		}
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
		if strings.TrimSpace(v) == "" {
			h[k] = name
		} else {
			h[k] = v + ", " + name
		}
		return
	}
	h[header] = name
}

// answer maps the run to the HTTP reply, and says why the caller does not get the
// response the flow set when the run did not fail ("" when it did, or the caller gets it).
func (r *Router) answer(run *engine.Run, route store.PublishedRoute) (events.APIGatewayV2HTTPResponse, string) {
	runHdr := map[string]string{"x-run-id": run.ID}
	if run.Error != nil && (run.Error.Type == engine.ErrKindDeadline || run.Error.Type == engine.ErrKindCancelled) {
		return problem(http.StatusGatewayTimeout, "Gateway Timeout", fmt.Sprintf("flow %s did not answer in time", route.FlowID), runHdr), ""
	}
	if run.Response == nil && run.Error != nil && run.Error.Type == engine.ErrKindUnavailable {
		return problem(http.StatusServiceUnavailable, "Service Unavailable",
			fmt.Sprintf("flow %s could not answer: a service it depends on is unavailable; try again (run %s has the details)", route.FlowID, run.ID),
			map[string]string{"x-run-id": run.ID, "retry-after": "1"}), ""
	}
	if run.Response == nil && run.Error != nil && run.Error.Type == engine.ErrKindRequest {
		// the caller's request could not be read (a JSON body that is not JSON, say)
		field, reason := "request", "could not be read"
		if d, ok := run.Error.Details.(map[string]any); ok {
			if f, ok := d["field"].(string); ok && f != "" {
				field = f
			}
			if r, ok := d["reason"].(string); ok && r != "" {
				reason = r
			}
		}
		return problem(http.StatusBadRequest, "Bad Request", fmt.Sprintf("the request's %s: %s", field, reason), runHdr,
			fieldError{Location: field, Message: reason}), ""
	}
	if run.Response == nil {
		// the error's text stays in the run, for the flow's owners: it may name hosts,
		// nodes or data the caller has no business seeing
		if run.Error != nil {
			return problem(http.StatusInternalServerError, "Internal Server Error",
				fmt.Sprintf("flow %s failed (%s) before answering; run %s has the details", route.FlowID, run.Error.Type, run.ID), runHdr), ""
		}
		why := "the flow ended without an HTTP response (no HTTP response node ran)"
		if run.Status == engine.StatusPaused {
			why = "the flow paused before an HTTP response node ran"
		}
		return problem(http.StatusInternalServerError, "Internal Server Error",
			fmt.Sprintf("flow %s ended without an HTTP response; run %s has the details", route.FlowID, run.ID), runHdr), why
	}
	resp, err := response.FromValue(run.Response)
	if err != nil {
		return problem(http.StatusInternalServerError, "Internal Server Error", fmt.Sprintf("flow %s set an invalid response: %v", route.FlowID, err), runHdr),
			fmt.Sprintf("the flow set an invalid response: %v", err)
	}
	if resp.Status < 200 {
		// an informational status is no answer: HTTP sends the final one after it, so
		// locally the caller got 100 and then a bare 200, and a 101 announces a protocol
		// switch no one makes
		return problem(http.StatusInternalServerError, "Internal Server Error",
				fmt.Sprintf("flow %s answered status %d, an informational status that cannot end a request; answer 200–599 (run %s has the details)", route.FlowID, resp.Status, run.ID), runHdr),
			fmt.Sprintf("the flow answered status %d, an informational (1xx) status, which cannot be a request's final answer; answer with a status of 200–599", resp.Status)
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: resp.Status, Headers: map[string]string{}, Body: resp.Body,
		IsBase64Encoded: resp.IsBase64, Cookies: resp.Cookies}
	for k, v := range resp.Headers {
		out.Headers[k] = v
	}
	out.Headers["x-run-id"] = run.ID
	return out, ""
}

// checkKey accepts X-API-Key or Authorization: Bearer psk_… keys of this project: keyID is
// the key's id, or "" when none was sent (sent false) or the one sent is not this project's
// (sent true); err is a store failure, when the key could not be checked.
func (r *Router) checkKey(ctx context.Context, ev events.APIGatewayV2HTTPRequest, pk store.ProjectKey) (keyID string, sent bool, err error) {
	key := strings.TrimSpace(ev.Headers["x-api-key"])
	if key == "" {
		if b, ok := bearer(ev.Headers["authorization"]); ok {
			key = b
		}
	}
	if !auth.LooksLikeAPIKey(key) {
		return "", key != "", nil
	}
	ref, err := r.cfg.Store.LookupAPIKey(ctx, auth.HashAPIKey(key))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", true, nil
	case err != nil:
		return "", true, err
	case ref.Tenant != pk.Tenant || ref.Project != pk.Project:
		return "", true, nil
	}
	return ref.KeyID, true, nil
}

// dropAPIKeyHeaders removes the headers that carry a project API key (X-API-Key: psk_…
// or Authorization: Bearer psk_…), whether or not the route asked for one.
func dropAPIKeyHeaders(h map[string]string) {
	for k, v := range h {
		switch strings.ToLower(k) {
		case "x-api-key":
			if auth.LooksLikeAPIKey(strings.TrimSpace(v)) {
				delete(h, k)
			}
		case "authorization":
			if b, ok := bearer(v); ok && auth.LooksLikeAPIKey(b) {
				delete(h, k)
			}
		}
	}
}

// bearer returns the credentials of an Authorization header of the Bearer scheme, whose
// name is case-insensitive (RFC 9110 §11.1: "bearer psk_…" is a bearer token too).
func bearer(v string) (string, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// table returns the stage's route table, cached for CacheTTL and rebuilt only when the
// published version changed.
//
// One read per table is in flight at a time, whatever the number of requests waiting for
// it: the request that finds the entry expired reads it again (so a change is served
// once CacheTTL has passed), and requests arriving meanwhile are answered from the
// entry it replaces (for up to staleFor lifetimes), so a busy route neither piles reads
// onto the store nor waits when its entry expires.
func (r *Router) table(ctx context.Context, t routing.Target) (*cached, error) {
	key := t.Project + "\x00" + t.Stage
	now := r.cfg.Now()
	r.mu.Lock()
	c, reading := r.cache[key], r.reading[key]
	r.mu.Unlock()
	if c != nil && now.Sub(c.fetched) < r.cfg.CacheTTL {
		return c, nil
	}
	if c != nil && reading && now.Sub(c.fetched) < staleFor*r.cfg.CacheTTL {
		return c, nil
	}
	ch := r.loads.DoChan(key, func() (any, error) {
		r.mu.Lock()
		r.reading[key] = true
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			delete(r.reading, key)
			r.mu.Unlock()
		}()
		// the read outlives a caller that gives up: others may be waiting for it
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return r.load(lctx, key, t, c)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*cached), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("read route table of %s/%s: %w", t.Project, t.Stage, ctx.Err())
	}
}

// staleFor is how many cache lifetimes an entry is still served while a fresher one is
// being read; past that, requests wait for the read.
const staleFor = 15

// load reads a stage's route table (c is the entry it replaces, if any) and caches it.
func (r *Router) load(ctx context.Context, key string, t routing.Target, c *cached) (*cached, error) {
	now := r.cfg.Now()
	lookup, err := r.cfg.Store.ResolveSlug(ctx, t.Project)
	if errors.Is(err, store.ErrNotFound) || (err == nil && lookup.Trashed) {
		return r.remember(key, &cached{fetched: now, missing: true}), nil
	}
	if err != nil {
		return nil, err
	}
	rt, err := r.cfg.Store.GetRouteTable(ctx, store.ProjectKey{Tenant: lookup.Tenant, Project: lookup.Project}, t.Stage)
	if errors.Is(err, store.ErrNotFound) {
		return r.remember(key, &cached{fetched: now, missing: true}), nil
	}
	if err != nil {
		return nil, err
	}
	if c != nil && !c.missing && c.version == rt.Version && c.lookup == lookup {
		fresh := *c
		fresh.fetched = now
		return r.remember(key, &fresh), nil
	}
	routes := make([]routing.Route, 0, len(rt.Routes))
	byID := make(map[string]store.PublishedRoute, len(rt.Routes))
	for _, pr := range rt.Routes {
		segs := make([]routing.Segment, len(pr.Segments))
		for i, s := range pr.Segments {
			segs[i] = routing.Segment{Kind: routing.SegmentKind(s.Kind), Value: s.Value, Name: s.Name, Type: routing.VarType(s.Type)}
		}
		routes = append(routes, routing.Route{ID: pr.RouteID, Method: pr.Method, Segments: segs})
		byID[pr.RouteID] = pr
	}
	table, err := routing.NewTable(routes)
	if err != nil {
		return nil, fmt.Errorf("build route table of %s/%s: %w", t.Project, t.Stage, err)
	}
	return r.remember(key, &cached{fetched: now, version: rt.Version, table: table, routes: byID, lookup: lookup}), nil
}

func (r *Router) remember(key string, c *cached) *cached {
	r.mu.Lock()
	r.cache[key] = c
	r.mu.Unlock()
	return c
}

// preflight answers a CORS preflight with the CORS options of the route the browser is
// about to call: 204 with the allowed origin and methods, or 403 when the route does not
// allow the origin (or allows no browser calls at all).
func (r *Router) preflight(ev events.APIGatewayV2HTTPRequest, entry *cached, path string) events.APIGatewayV2HTTPResponse {
	want := strings.ToUpper(ev.Headers["access-control-request-method"])
	origin := ev.Headers["origin"]
	m, err := entry.table.Match(want, path)
	if err != nil {
		return problem(http.StatusNotFound, "Not Found", fmt.Sprintf("no route matches %s %s", want, path), nil,
			fieldError{Location: "header.access-control-request-method", Message: fmt.Sprintf("no route published on this stage serves %s %s", want, path)})
	}
	route := entry.routes[m.Route.ID]
	o := allowedOrigin(origin, route.CORSOrigins)
	if o == "" {
		return problem(http.StatusForbidden, "Forbidden", fmt.Sprintf("origin %q may not call %s %s from a browser (the route's CORS origins do not include it)", origin, want, path), nil,
			fieldError{Location: "header.origin", Message: "is not one of the route's CORS origins"})
	}
	h := map[string]string{
		"access-control-allow-origin":  o,
		"access-control-allow-methods": route.Method + ", OPTIONS",
		"access-control-max-age":       "600",
	}
	if route.Method == routing.MethodAny {
		h["access-control-allow-methods"] = want + ", OPTIONS"
	}
	if o != "*" {
		h["vary"] = "Origin"
	}
	if rh := ev.Headers["access-control-request-headers"]; rh != "" {
		h["access-control-allow-headers"] = rh
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent, Headers: h}
}

// requestOf turns the event into the route trigger's request.
func requestOf(ev events.APIGatewayV2HTTPRequest, path string, params map[string]any) trigger.HTTPRequest {
	req := trigger.HTTPRequest{Method: ev.RequestContext.HTTP.Method, Path: path, Host: ev.Headers["host"],
		SourceIP: ev.RequestContext.HTTP.SourceIP, Headers: map[string]string{}, Query: map[string][]string{},
		Cookies: map[string]string{}, Params: params, Body: ev.Body, IsBase64: ev.IsBase64Encoded}
	for k, v := range ev.Headers {
		req.Headers[strings.ToLower(k)] = v
	}
	if ev.RawQueryString != "" {
		// read from the raw string, so repeats keep their own values (API Gateway's
		// parameters join them with commas, which cannot be told from commas in a value)
		req.Query = urlencoded.Parse(ev.RawQueryString)
	} else {
		for k, v := range ev.QueryStringParameters {
			req.Query[k] = strings.Split(v, ",")
		}
	}
	for _, c := range ev.Cookies {
		// as RFC 6265 §5.4 and net/http read them: of two cookies of one name the first
		// wins (a browser sends the one with the longer path first), and a value in
		// double quotes is what is inside them
		name, val, _ := strings.Cut(c, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		if _, seen := req.Cookies[name]; !seen {
			req.Cookies[name] = val
		}
	}
	if req.Params == nil {
		req.Params = map[string]any{}
	}
	return req
}

// callerTexts lists the texts the caller sent in a request, as sent and decoded: the raw
// path and query, header names and values, cookies, the body (and its bytes when base64),
// the request as the flow sees it (parameters, query values), and within each text the
// values of a JSON or form body and what percent-encoding and base64 stand for. The run's
// answer does not redact a secret inside one of them where it repeats that text.
func callerTexts(ev events.APIGatewayV2HTTPRequest, req trigger.HTTPRequest) []string {
	seen := map[string]bool{}
	var out []string
	var add func(s string, depth int)
	var addValue func(v any, depth int)
	add = func(s string, depth int) {
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, s)
		if depth >= 2 {
			return
		}
		if u := urlencoded.Unescape(s); u != s {
			add(u, depth+1)
		}
		if t := strings.TrimSpace(s); len(t) > 1 && strings.ContainsRune("{[\"", rune(t[0])) {
			dec := json.NewDecoder(strings.NewReader(t))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) == nil {
				addValue(v, depth+1)
			}
		}
		if strings.ContainsAny(s, "=&") && !strings.ContainsAny(s, "\r\n") {
			for k, vs := range urlencoded.Parse(s) {
				add(k, depth+1)
				for _, v := range vs {
					add(v, depth+1)
				}
			}
		}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" \t\r\n,;:&\"'", r) }) {
			if len(f) < 4 {
				continue
			}
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(f); err == nil {
					add(string(b), depth+1)
					break
				}
			}
		}
	}
	addValue = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			add(x, depth)
		case json.Number:
			add(x.String(), depth)
		case map[string]any:
			for k, e := range x {
				add(k, depth)
				addValue(e, depth)
			}
		case []any:
			for _, e := range x {
				addValue(e, depth)
			}
		case []string:
			for _, e := range x {
				add(e, depth)
			}
		case nil, bool:
		default:
			add(fmt.Sprint(x), depth)
		}
	}
	add(ev.RawPath, 0)
	add(ev.RawQueryString, 0)
	for k, v := range ev.Headers {
		add(k, 0)
		add(v, 0)
	}
	for k, v := range ev.QueryStringParameters {
		add(k, 0)
		add(v, 0)
	}
	for _, c := range ev.Cookies {
		add(c, 0)
	}
	add(ev.Body, 0)
	if ev.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(ev.Body); err == nil {
			add(string(b), 0)
		}
	}
	addValue(req.Map(), 0)
	return out
}
