package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem types beyond "about:blank" (whose title is the HTTP status text).
const (
	TypeValidation   = "urn:polysynergy:problem:validation"
	TypeFlowInvalid  = "urn:polysynergy:problem:flow-invalid"
	TypeConflict     = "urn:polysynergy:problem:conflict"
	TypeDraftStale   = "urn:polysynergy:problem:draft-revision"
	TypeSlugTaken    = "urn:polysynergy:problem:slug-taken"
	TypeRouteTaken   = "urn:polysynergy:problem:route-taken"
	TypeNameTaken    = "urn:polysynergy:problem:name-taken"
	TypeUnavailable  = "urn:polysynergy:problem:unavailable"
	TypeTooLarge     = "urn:polysynergy:problem:too-large"
	TypeUnauthorized = "urn:polysynergy:problem:unauthorized"
	TypeForbidden    = "urn:polysynergy:problem:forbidden"
	TypeNotFound     = "urn:polysynergy:problem:not-found"
	TypeInternal     = "urn:polysynergy:problem:internal"
	// TypeChanged: If-Match named a representation the resource no longer has (412).
	TypeChanged = "urn:polysynergy:problem:changed"
	// TypeSlugReserved: the slug was freed by another tenant recently and is still theirs.
	TypeSlugReserved = "urn:polysynergy:problem:slug-reserved"
	// TypeExpired: the thing named (an invitation) existed but has expired (410).
	TypeExpired = "urn:polysynergy:problem:expired"
)

// RetryAfterSeconds is the Retry-After the API gives when DynamoDB is
// unavailable or throttling.
const RetryAfterSeconds = 2

// FieldError names one failing field of a request.
type FieldError struct {
	// Location is where the value is: body.name, body.route.segments[1].name,
	// query.cursor, path.stage, or a JSON pointer into a flow document
	// (body.document/nodes/3/values/url).
	Location string `json:"location" doc:"Where the error is, e.g. body.name, query.limit or body.document/nodes/0/type"`
	// Message says what is wrong.
	Message string `json:"message" doc:"What is wrong with the value"`
	// Value is the offending value, when it helps.
	Value any `json:"value,omitempty" doc:"The offending value, when it helps"`
}

// Problem is an RFC 9457 problem document: every error the API returns.
type Problem struct {
	Type     string `json:"type" doc:"A URI identifying the problem type; about:blank means the HTTP status says it all"`
	Title    string `json:"title" doc:"A short summary of the problem type"`
	Status   int    `json:"status" doc:"The HTTP status code"`
	Detail   string `json:"detail" doc:"What went wrong in this occurrence"`
	Instance string `json:"instance,omitempty" doc:"The request this occurrence belongs to (urn:polysynergy:request:<id>)"`
	// Errors lists each failing field.
	Errors []FieldError `json:"errors,omitempty" doc:"Each failing field"`
	// CurrentRevision is the stored draft revision (draft conflicts).
	CurrentRevision *int `json:"current_revision,omitempty" doc:"The draft's current revision, when a save was based on a stale one"`
	// CurrentETag is the resource's entity tag now (412 answers to If-Match).
	CurrentETag string `json:"current_etag,omitempty" doc:"The resource's current ETag, when If-Match named another (412)"`
	// AvailableAt is when a reserved slug may be claimed by anyone (slug-reserved).
	AvailableAt *time.Time `json:"available_at,omitempty" doc:"When the reserved slug becomes free for anyone (slug-reserved)"`

	headers http.Header
}

// Error implements error.
func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders implements huma.HeadersError (Retry-After on 503).
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		return http.Header{}
	}
	return p.headers
}

// ContentType implements huma.ContentTypeFilter.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// newProblem builds a problem; typ "" means about:blank.
func newProblem(status int, typ, detail string, errs ...FieldError) *Problem {
	title := http.StatusText(status)
	if typ == "" {
		typ = "about:blank"
	} else {
		title = typeTitles[typ]
	}
	if title == "" {
		title = http.StatusText(status)
	}
	return &Problem{Type: typ, Title: title, Status: status, Detail: detail, Errors: errs}
}

var typeTitles = map[string]string{
	TypeValidation:   "Invalid request",
	TypeFlowInvalid:  "Flow is invalid",
	TypeConflict:     "Conflict",
	TypeDraftStale:   "Draft revision is stale",
	TypeSlugTaken:    "Slug is taken",
	TypeRouteTaken:   "Route is taken",
	TypeNameTaken:    "Name is taken",
	TypeUnavailable:  "Service unavailable",
	TypeTooLarge:     "Too large",
	TypeUnauthorized: "Unauthorized",
	TypeForbidden:    "Forbidden",
	TypeNotFound:     "Not found",
	TypeInternal:     "Internal error",
	TypeChanged:      "Changed since read",
	TypeSlugReserved: "Slug is reserved",
	TypeExpired:      "Expired",
}

// invalidField is a 422 naming one field.
func invalidField(location, format string, args ...any) *Problem {
	msg := fmt.Sprintf(format, args...)
	return newProblem(http.StatusUnprocessableEntity, TypeValidation, location+": "+msg,
		FieldError{Location: location, Message: msg})
}

// invalidFields is a 422 naming several fields.
func invalidFields(errs []FieldError) *Problem {
	detail := fmt.Sprintf("%d invalid field(s)", len(errs))
	if len(errs) == 1 {
		detail = errs[0].Location + ": " + errs[0].Message
	}
	return newProblem(http.StatusUnprocessableEntity, TypeValidation, detail, errs...)
}

func isInvalid(err error) bool { return errors.Is(err, store.ErrInvalid) }

func notFound(what string) *Problem {
	return newProblem(http.StatusNotFound, TypeNotFound, what+" not found")
}

func conflict(typ, detail string, errs ...FieldError) *Problem {
	return newProblem(http.StatusConflict, typ, detail, errs...)
}

// nameTaken is the 409 for a flow name another flow of the project has (flow names are
// unique within a project, compared trimmed and ignoring case).
func nameTaken(location, name, flowID, flowName string) *Problem {
	return conflict(TypeNameTaken,
		fmt.Sprintf("flow %q (%s) already has the name %q; flow names are unique within a project, ignoring case: choose another name",
			flowName, flowID, strings.TrimSpace(name)),
		FieldError{Location: location, Message: fmt.Sprintf("is taken by flow %q (%s)", flowName, flowID), Value: name})
}

func unavailable() *Problem {
	p := newProblem(http.StatusServiceUnavailable, TypeUnavailable,
		"the database is unavailable or throttling; retry after the time in Retry-After")
	p.headers = http.Header{"Retry-After": []string{strconv.Itoa(RetryAfterSeconds)}}
	return p
}

// slugReserved is the 409 for a slug another tenant freed less than store.SlugReservation
// ago.
func slugReserved(location string, e *store.SlugReservedError) *Problem {
	until := e.Until.UTC()
	msg := fmt.Sprintf("is reserved until %s for the tenant whose project used it (its trigger hosts may still be called)",
		until.Format(time.RFC3339))
	p := conflict(TypeSlugReserved, fmt.Sprintf("the slug %q was freed recently by another tenant and stays theirs until %s; choose another",
		e.Slug, until.Format(time.RFC3339)), FieldError{Location: location, Message: msg, Value: e.Slug})
	p.AvailableAt = &until
	return p
}

// fieldErr tags a store or handler error with the request location of the
// value it is about, e.g. "body" so that a store ValidationError for field
// "name" becomes location "body.name".
type fieldErr struct {
	prefix string
	err    error
}

func (e *fieldErr) Error() string { return e.err.Error() }
func (e *fieldErr) Unwrap() error { return e.err }

// at tags err so store validation errors are reported under prefix
// ("body", "query", "path", "body.items[2]").
func at(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return &fieldErr{prefix: prefix, err: err}
}

// toProblem maps any error a handler returns to a problem. Internal errors
// are logged with the request id and answered without their text.
func toProblem(ctx context.Context, log *slog.Logger, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	prefix := "body"
	var fe *fieldErr
	if errors.As(err, &fe) {
		prefix = fe.prefix
	}
	var ve *store.ValidationError
	var ce *store.ConflictError
	var nt *store.NameTakenError
	var sr *store.SlugReservedError
	switch {
	case errors.Is(err, store.ErrUnavailable):
		log.WarnContext(ctx, "store unavailable", "request_id", RequestID(ctx), "err", err)
		return unavailable()
	case errors.As(err, &ce):
		if ce.What == "draft" {
			cur := ce.Current
			p := conflict(TypeDraftStale, fmt.Sprintf("the draft is at revision %d; reload it and apply your change again", cur),
				FieldError{Location: "body.revision", Message: fmt.Sprintf("is stale: the draft is at revision %d", cur)})
			p.CurrentRevision = &cur
			return p
		}
		return conflict(TypeConflict, fmt.Sprintf("the %s changed concurrently; retry", ce.What))
	case errors.As(err, &ve):
		loc := ve.Field
		switch {
		case loc == "cursor" || loc == "limit":
			loc = "query." + loc
		case prefix != "":
			loc = prefix + "." + loc
		}
		return invalidField(loc, "%s", ve.Reason)
	case errors.As(err, &nt):
		return nameTaken(prefix+".name", nt.Name, nt.Flow, nt.FlowName)
	case errors.As(err, &sr):
		return slugReserved(prefix+".slug", sr)
	case errors.Is(err, store.ErrSlugTaken):
		return conflict(TypeSlugTaken, "the slug is used by another project; choose another",
			FieldError{Location: "body.slug", Message: "is taken"})
	case errors.Is(err, store.ErrLastAdmin):
		return conflict(TypeConflict, "a tenant needs at least one admin; make someone else admin first",
			FieldError{Location: "path.sub", Message: "is the tenant's last admin"})
	case errors.Is(err, store.ErrStageInUse):
		return conflict(TypeConflict, "flows are still published to the stage",
			FieldError{Location: "path.stage", Message: "has flows published to it"})
	case errors.Is(err, store.ErrExists):
		return conflict(TypeConflict, "it already exists")
	case errors.Is(err, store.ErrNotFound):
		return notFound(notFoundWhat(err))
	case errors.Is(err, store.ErrTooLarge):
		p := newProblem(http.StatusRequestEntityTooLarge, TypeTooLarge, "the document is too large to store even compressed")
		if fe != nil {
			p.Errors = []FieldError{{Location: fe.prefix + ".document", Message: "is too large to store even compressed"}}
		}
		return p
	case errors.Is(err, auth.ErrForbidden):
		return newProblem(http.StatusForbidden, TypeForbidden, "your role does not allow this")
	case errors.Is(err, auth.ErrUnauthorized):
		return newProblem(http.StatusUnauthorized, TypeUnauthorized, "sign in with a valid token")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		log.WarnContext(ctx, "request cancelled", "request_id", RequestID(ctx), "err", err)
		return unavailable()
	}
	log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "err", err)
	return newProblem(http.StatusInternalServerError, TypeInternal, "an internal error occurred; quote the request id when reporting it")
}

// notFoundParams maps the first word of what a 404 says is missing ("api key not found")
// to the path parameter naming it.
var notFoundParams = map[string]string{"tenant": "tenant", "project": "project", "flow": "flow", "run": "run",
	"version": "version", "stage": "stage", "api": "key_id", "secret": "key", "variable": "key", "key": "key",
	"member": "sub", "membership": "sub", "invitation": "email"}

// locateNotFound adds to a 404 that names no field the path parameter (of the operation's
// path) whose value was not found, so every 4xx names its field: "flow not found" on
// …/flows/{flow} is at path.flow. A stale draft revision (409) gets body.revision.
func locateNotFound(p *Problem, path string) *Problem {
	if p != nil && p.Type == TypeDraftStale && len(p.Errors) == 0 && p.CurrentRevision != nil {
		// a stale draft revision is the body's revision
		p.Errors = []FieldError{{Location: "body.revision",
			Message: fmt.Sprintf("is stale: the draft is at revision %d", *p.CurrentRevision)}}
		return p
	}
	if p == nil || p.Status != http.StatusNotFound || len(p.Errors) > 0 {
		return p
	}
	what, ok := strings.CutSuffix(p.Detail, " not found")
	if !ok {
		return p
	}
	first, _, _ := strings.Cut(what, " ")
	param, ok := notFoundParams[first]
	if !ok || !strings.Contains(path, "{"+param+"}") {
		return p
	}
	p.Errors = []FieldError{{Location: "path." + param, Message: "no such " + what}}
	return p
}

// notFoundWhat names the missing thing from a store error ("get flow X:
// flow not found" → "flow").
func notFoundWhat(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	msg = strings.TrimSuffix(msg, " (or not active)")
	msg = strings.TrimSuffix(msg, " "+store.ErrNotFound.Error())
	if msg == "" || strings.Contains(msg, store.ErrNotFound.Error()) {
		return "resource"
	}
	return msg
}

// fromHuma converts huma's own errors (parameter and body validation, body
// too large, unsupported media type) into problems with the same shape.
// With secret set, no value is shown back (the operation's body carries a secret).
func fromHuma(m *huma.ErrorModel, secret bool) *Problem {
	typ := ""
	switch m.Status {
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		typ = TypeValidation
	case http.StatusRequestEntityTooLarge:
		typ = TypeTooLarge
	}
	p := newProblem(m.Status, typ, m.Detail)
	for _, d := range m.Errors {
		if d == nil {
			continue
		}
		fe := FieldError{Location: d.Location, Message: d.Message, Value: d.Value}
		// Never echo a secret, a large value, or a whole object or list (an unknown
		// property's value is the object around it, secrets included) back.
		switch v := fe.Value.(type) {
		case string:
			if len(v) > 256 {
				fe.Value = nil
			}
		case map[string]any, []any:
			fe.Value = nil
		}
		if secret {
			fe.Value = nil
		}
		// "expected required property name to be present" at "body" names
		// the field itself.
		if rest, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
			if name, ok := strings.CutSuffix(rest, " to be present"); ok {
				fe.Location += "." + name
				fe.Message = "is required"
				fe.Value = nil
			}
		}
		p.Errors = append(p.Errors, fe)
	}
	if len(p.Errors) == 0 && m.Status == http.StatusRequestEntityTooLarge {
		// "request body is too large limit=65536 bytes"
		p.Errors = append(p.Errors, FieldError{Location: "body", Message: m.Detail})
	}
	if len(p.Errors) == 0 && (m.Status == http.StatusBadRequest || m.Status == http.StatusUnprocessableEntity) &&
		strings.Contains(m.Detail, "body") {
		// "request body is required": the body itself is the field
		p.Errors = append(p.Errors, FieldError{Location: "body", Message: m.Detail})
	}
	if p.Detail == "validation failed" || p.Detail == "" {
		switch n := len(p.Errors); {
		case n == 1:
			p.Detail = p.Errors[0].Location + ": " + p.Errors[0].Message
		case n > 1:
			p.Detail = fmt.Sprintf("%d invalid field(s)", n) // as invalidFields says it
		}
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return p
}

// pathIDs are the ids of a tenant-scoped request's path that name the parents of what it
// is about (set by authorize).
type pathIDs struct{ tenant, project, flow string }

type pathIDsKey struct{}

// firstMissing makes a 404 name the first missing parent in the path: a request under a
// project that does not exist is "project not found" at path.project whatever it is
// about (a flow, a run, a secret, a stage…), and one under a missing flow "flow not
// found" at path.flow, as the shorter paths say. The parents are read only for a 404.
func (h *Handler) firstMissing(ctx context.Context, p *Problem) *Problem {
	if p == nil || p.Status != http.StatusNotFound {
		return p
	}
	ids, _ := ctx.Value(pathIDsKey{}).(pathIDs)
	what, _ := strings.CutSuffix(p.Detail, " not found")
	if ids.project == "" || what == "project" || what == "tenant" {
		return p
	}
	gone := func(err error) bool { return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) }
	pk := store.ProjectKey{Tenant: ids.tenant, Project: ids.project}
	if _, err := h.st.GetProject(ctx, pk); gone(err) {
		return notFound("project")
	}
	if ids.flow == "" || what == "flow" {
		return p
	}
	if _, err := h.st.GetFlow(ctx, pk.Flow(ids.flow)); gone(err) {
		return notFound("flow")
	}
	return p
}
