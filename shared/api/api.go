package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"polysynergy/shared/auth"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/specs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// Prefix is where every endpoint lives.
const Prefix = "/api/v1"

// OpenAPIPath is the OpenAPI 3.1 document's path.
const OpenAPIPath = Prefix + "/openapi.json"

// Body limits.
const (
	// DefaultMaxBody caps a request body (64 KiB) unless an operation says more.
	DefaultMaxBody = 64 << 10
	// MaxDocumentBody caps the bodies that carry flow documents or bundles.
	MaxDocumentBody = 6 << 20
	// MaxDocument caps one flow document (4 MiB), counted as an answer carries it
	// (answerSize): every answer holding a document — the flow, a version, the
	// export of that flow — stays within MaxResponseBody, and so within Lambda's 6 MB.
	MaxDocument = 4 << 20
)

// answerSize is the size of a part of an answer (a stored document, a run's values) as
// Lambda carries it: there the HTTP body is a JSON string, in which each '"' and '\' takes
// two bytes and each U+2028 and U+2029 six (Lambda's encoder escapes no HTML). Answers are
// kept within MaxResponseBody counted this way.
func answerSize(doc []byte) int {
	return len(doc) + bytes.Count(doc, []byte{'"'}) + bytes.Count(doc, []byte{'\\'}) +
		3*(bytes.Count(doc, []byte("\u2028"))+bytes.Count(doc, []byte("\u2029")))
}

// checkDocumentSize refuses a document over MaxDocument with 413 at location.
func checkDocumentSize(location string, doc []byte) error {
	n := answerSize(doc)
	if n <= MaxDocument {
		return nil
	}
	msg := fmt.Sprintf("is %d bytes as an answer carries it (each \" and \\ counting twice); a flow document may be at most "+
		"%d bytes (%d MiB) so that it can be read back: move large values out of it (environment variables, "+
		"files) or split the flow with Call flow", n, MaxDocument, MaxDocument>>20)
	return newProblem(http.StatusRequestEntityTooLarge, TypeTooLarge, location+": "+msg,
		FieldError{Location: location, Message: msg})
}

// Config is what the handler needs.
type Config struct {
	// Store is the DynamoDB store (required).
	Store *store.Store
	// Box seals secret values (required for the secrets endpoints).
	Box *secrets.Box
	// Registry is the node registry flows are validated against;
	// nil means the embedded specs (package specs).
	Registry *nodes.Registry
	// Authenticator, when set, authenticates requests that carry no API
	// Gateway authorizer claims (the local cloud and tests).
	Authenticator Authenticator
	// Logger receives request errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock (schedule previews); nil means time.Now.
	Now func() time.Time
	// Version is the API version shown in the OpenAPI document.
	Version string
	// Runner starts editor runs and resumes (nil: those endpoints answer 503).
	Runner RunStarter
	// Scheduler keeps EventBridge Scheduler in step with published schedules (nil: no sync,
	// as in the local cloud, whose scheduler reads the store).
	Scheduler       ScheduleSync
	SchedulerTarget SchedulerTarget
	// AWSTrustPrincipal is the principal users' roles must trust for the AWS nodes'
	// role_arn (the platform account's root, awstrust.EnvTrustPrincipal); GET project
	// shows it with the project's external ID. Empty: unknown (the local cloud).
	AWSTrustPrincipal string
}

// Handler is the REST API as an http.Handler.
type Handler struct {
	cfg    Config
	st     *store.Store
	box    *secrets.Box
	reg    func() *nodes.Registry // the node catalogue
	authn  Authenticator
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	api    huma.API
	routes []Route
}

// Scope says who may call an operation.
type Scope string

// Scopes.
const (
	// ScopePublic needs no identity.
	ScopePublic Scope = "public"
	// ScopeUser needs a signed-in caller.
	ScopeUser Scope = "user"
	// ScopeTenant needs a member of the tenant in the path whose role allows
	// the operation's action.
	ScopeTenant Scope = "tenant"
)

// Route is one endpoint, as the CDK stack declares it on API Gateway.
type Route struct {
	Method      string
	Path        string
	OperationID string
	// Public routes have no JWT authorizer.
	Public bool
	Scope  Scope
	// Action is the permission checked for tenant-scoped routes.
	Action auth.Action
}

// New builds the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Config.Store is required")
	}
	if cfg.Box == nil {
		return nil, errors.New("api: Config.Box is required")
	}
	return build(cfg), nil
}

// Routes lists every endpoint of the API (for the CDK stack).
func Routes() []Route {
	h := build(Config{})
	return append([]Route(nil), h.routes...)
}

// build registers every operation; it needs no dependencies.
func build(cfg Config) *Handler {
	h := &Handler{cfg: cfg, st: cfg.Store, box: cfg.Box,
		authn: cfg.Authenticator, log: cfg.Logger, now: cfg.Now}
	if cfg.Registry != nil {
		h.reg = func() *nodes.Registry { return cfg.Registry }
	} else {
		// The catalogue as data: the API validates and compiles flows but never runs
		// them, so it links no node family's code. It is decoded on first use (once),
		// not at start: most requests never need it, and a cold start should not wait.
		h.reg = func() *nodes.Registry {
			reg, err := specs.Registry()
			if err != nil {
				panic(fmt.Sprintf("embedded node specs: %v", err)) // caught by the specs tests
			}
			return reg
		}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	version := cfg.Version
	if version == "" {
		version = "1.0.0"
	}
	// member names are matched exactly, as the OpenAPI document spells them: huma's default
	// took {"Name": …} for name (and encoding/json reads it so), which a stricter client or
	// a later reader of the same body would not
	huma.ValidateStrictCasing = true
	hc := huma.DefaultConfig("PolySynergy API", version)
	hc.OpenAPIPath = Prefix + "/openapi"
	hc.DocsPath = ""
	hc.SchemasPath = ""
	hc.CreateHooks = nil
	hc.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	hc.Info.Description = "The management API of PolySynergy: tenants, members, projects, stages, flows, " +
		"routes, schedules, versions, publishing, secrets, environment variables, API keys, runs, " +
		"the node catalogue and export/import. Errors are RFC 9457 problem documents."
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An ID or access token of the identity provider (Cognito, or the local dev issuer)."},
	}
	hc.Transformers = []huma.Transformer{h.transform}
	h.mux = http.NewServeMux()
	h.api = humago.New(h.mux, hc)
	h.api.UseMiddleware(h.authorize, refuseUnknownWriteQuery, refuseRepeatedQuery, refuseBadJSONText)
	h.registerAll()
	// huma registers its own error model while defining operations; every
	// error here is a Problem, so the unused schemas are dropped.
	schemas := h.api.OpenAPI().Components.Schemas.Map()
	delete(schemas, "ErrorModel")
	delete(schemas, "ErrorDetail")
	h.routes = append(h.routes, Route{Method: http.MethodGet, Path: OpenAPIPath, OperationID: "getOpenAPI",
		Public: true, Scope: ScopePublic})
	return h
}

// OpenAPI returns the OpenAPI document.
func (h *Handler) OpenAPI() *huma.OpenAPI { return h.api.OpenAPI() }

// ServeHTTP serves the API: it gives every response an X-Request-Id, caps
// the body, answers unknown paths and methods with problems, and dispatches
// to the operations.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(RequestIDHeader)
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header().Set(RequestIDHeader, id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	if r.Method == http.MethodHead {
		// a HEAD answer is the GET answer's status and headers only (RFC 9110 §9.3.2):
		// net/http drops the body, the Lambda adapter would not
		w = headWriter{w}
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxDocumentBody+1)
	}
	if ce := strings.TrimSpace(r.Header.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") && r.ContentLength != 0 {
		// a compressed body would be read as JSON and refused as "invalid character '\x1f'"
		// (RFC 9110 §15.5.16: 415, saying which codings are taken)
		w.Header().Set("Accept-Encoding", "identity")
		msg := fmt.Sprintf("content coding %q is not supported; send the body uncompressed", ce)
		p := newProblem(http.StatusUnsupportedMediaType, "", "body: "+msg,
			FieldError{Location: "header.content-encoding", Message: msg})
		p.Instance = requestURN(id)
		writeProblem(w, p)
		return
	}
	// media types are case-insensitive: APPLICATION/JSON is application/json
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, params, err := mime.ParseMediaType(ct); err == nil {
			if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
				// JSON is UTF-8 (RFC 8259); reading another charset as UTF-8 garbles it
				p := newProblem(http.StatusUnsupportedMediaType, "", fmt.Sprintf("body: charset %s is not supported; send UTF-8", cs),
					FieldError{Location: "body", Message: fmt.Sprintf("charset %s is not supported; send UTF-8", cs)})
				p.Instance = requestURN(id)
				writeProblem(w, p)
				return
			}
			r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		}
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// headWriter answers a HEAD request: what the handler writes as the body is dropped.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

// noRoute answers a request no operation matches: 405 with Allow (one header listing
// every method the path takes, HEAD with GET) when the path exists for other methods,
// else 404.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead) // a GET pattern serves HEAD too
			}
		}
	}
	p := newProblem(http.StatusNotFound, TypeNotFound, fmt.Sprintf("no endpoint at %s", r.URL.Path))
	if len(allow) > 0 {
		p = newProblem(http.StatusMethodNotAllowed, "", fmt.Sprintf("%s is not allowed here", r.Method))
		w.Header().Set("Allow", strings.Join(allow, ", "))
	}
	p.Instance = requestURN(RequestID(r.Context()))
	writeProblem(w, p)
}

// writeProblem writes p as problem+json.
func writeProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.GetHeaders() {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", ProblemContentType)
	w.WriteHeader(p.Status)
	b, err := jsonMarshal(p)
	if err != nil {
		return
	}
	_, _ = w.Write(b)
}

// transform turns huma's own error bodies into problems and stamps every
// problem with the request.
func (h *Handler) transform(ctx huma.Context, _ string, v any) (any, error) {
	switch e := v.(type) {
	case *huma.ErrorModel:
		op := ctx.Operation()
		p := fromHuma(e, op != nil && carriesSecret(op.OperationID))
		p.Instance = requestURN(RequestID(ctx.Context()))
		return p, nil
	case *Problem:
		if e.Instance == "" {
			e.Instance = requestURN(RequestID(ctx.Context()))
		}
	}
	return v, nil
}

// carriesSecret reports whether an operation's request body holds a secret value, which
// its problems never show back.
func carriesSecret(operationID string) bool { return operationID == "setSecret" }

// writeHumaProblem answers from middleware.
func writeHumaProblem(ctx huma.Context, p *Problem) {
	for k, vs := range p.GetHeaders() {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	if p.Instance == "" {
		p.Instance = requestURN(RequestID(ctx.Context()))
	}
	ctx.SetHeader("Content-Type", ProblemContentType)
	ctx.SetStatus(p.Status)
	b, err := jsonMarshal(p)
	if err != nil {
		return
	}
	_, _ = ctx.BodyWriter().Write(b)
}

// opMeta is what the middleware needs to know about an operation.
type opMeta struct {
	scope  Scope
	action auth.Action
	// overlap lets a write decode its body while its membership check is in
	// flight; its handler calls permitted before touching the store.
	overlap bool
	// changesProject: the operation changes the project in its path (or what is
	// under it), which a project in the trash refuses (see readOnlyInTrash).
	changesProject bool
}

const metaKey = "polysynergy"

// Extension names in the OpenAPI document.
const (
	ExtScope  = "x-polysynergy-scope"
	ExtAction = "x-polysynergy-action"
)

// endpoint describes one operation to register.
type endpoint struct {
	id      string
	method  string
	path    string // below Prefix
	summary string
	tag     string
	scope   Scope
	action  auth.Action
	status  int   // success status (default 200, or 204 for empty outputs)
	maxBody int64 // 0: DefaultMaxBody
	// rawBody, for operations that read RawBody and decode it themselves
	// (strictDecode), is the body type documented in the OpenAPI document.
	rawBody any
	// overlap: see opMeta.overlap.
	overlap bool
	// errors are error statuses documented beyond the scope's.
	errors []int
	// trashOK marks the writes a project in the trash takes: moving it there,
	// restoring it and deleting it for good (see readOnlyInTrash).
	trashOK bool
	// ifMatch marks the writes that honour If-Match (412 documented; see etag.go).
	ifMatch bool
}

// readOnlyInTrash is the trash rule: a project in the trash is read-only until it is
// restored. Every operation under /projects/{project} that changes something (any
// method but GET whose action is not a read; validating a draft is a read) is refused
// with 409 at path.project, in one place (authorize), except those marked trashOK.
// Reads go on working, so a project can be looked at before it is restored or deleted.
func readOnlyInTrash(e endpoint) bool {
	return e.method != http.MethodGet && strings.Contains(e.path, "/projects/{project}") &&
		!strings.HasSuffix(string(e.action), ".read") && !e.trashOK
}

// errorStatuses are the error responses documented for each scope.
var errorStatuses = map[Scope][]int{
	ScopePublic: {500, 503},
	ScopeUser:   {400, 401, 413, 422, 500, 503},
	ScopeTenant: {400, 401, 403, 404, 409, 413, 422, 500, 503},
}

// register adds one operation: the OpenAPI entry, the route table entry,
// the authorisation metadata and error mapping.
func register[I, O any](h *Handler, e endpoint, fn func(context.Context, *I) (*O, error)) {
	op := huma.Operation{
		OperationID:      e.id,
		Method:           e.method,
		Path:             Prefix + e.path,
		Summary:          e.summary,
		Tags:             []string{e.tag},
		DefaultStatus:    e.status,
		MaxBodyBytes:     e.maxBody,
		SkipValidateBody: e.rawBody != nil,
		Metadata: map[string]any{metaKey: opMeta{scope: e.scope, action: e.action, overlap: e.overlap,
			changesProject: readOnlyInTrash(e)}},
		Extensions: map[string]any{ExtScope: string(e.scope)},
		Responses:  map[string]*huma.Response{},
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = DefaultMaxBody
	}
	if e.action != "" {
		op.Extensions[ExtAction] = string(e.action)
		if min, ok := auth.MinimumRole(e.action); ok {
			op.Description = fmt.Sprintf("Needs the %s permission (role %s or above).", e.action, min)
		}
	}
	if readOnlyInTrash(e) {
		op.Description = strings.TrimSpace(op.Description + " " + trashRuleDoc)
	}
	if e.ifMatch {
		op.Description = strings.TrimSpace(op.Description + " " + ifMatchDoc)
	}
	if e.scope != ScopePublic {
		op.Security = []map[string][]string{{"bearer": {}}}
	}
	registry := h.api.OpenAPI().Components.Schemas
	schema := registry.Schema(reflect.TypeFor[Problem](), true, "Problem")
	codes := errorStatuses[e.scope]
	if e.ifMatch {
		codes = append(codes[:len(codes):len(codes)], http.StatusPreconditionFailed)
	}
	codes = append(codes[:len(codes):len(codes)], e.errors...)
	for _, code := range codes {
		op.Responses[fmt.Sprint(code)] = &huma.Response{
			Description: http.StatusText(code),
			Content:     map[string]*huma.MediaType{ProblemContentType: {Schema: schema}},
		}
	}
	h.routes = append(h.routes, Route{Method: e.method, Path: op.Path, OperationID: e.id,
		Public: e.scope == ScopePublic, Scope: e.scope, Action: e.action})
	huma.Register(h.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := fn(ctx, in)
		if err != nil {
			return nil, locateNotFound(h.firstMissing(ctx, toProblem(ctx, h.log, err)), e.path)
		}
		return out, nil
	})
	if e.rawBody != nil {
		item := h.api.OpenAPI().Paths[op.Path]
		documented := map[string]*huma.Operation{http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch}[e.method]
		documented.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: registry.Schema(reflect.TypeOf(e.rawBody), true, "")}}}
	}
}
