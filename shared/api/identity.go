package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/oklog/ulid/v2"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// Authenticator finds the caller of a request that has no API Gateway
// authorizer claims. It returns errNoCredentials-wrapping errors (or
// auth.ErrUnauthorized ones) when the request carries nothing usable.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (auth.Identity, error)
}

// ErrNoCredentials means the request carries no credentials at all.
var ErrNoCredentials = errors.New("no credentials")

// BearerAuthenticator verifies "Authorization: Bearer <JWT>" with an
// auth.TokenVerifier such as *token.Verifier (the local cloud and tests; in AWS
// the API Gateway JWT authorizer has verified the token already).
type BearerAuthenticator struct {
	Verifier auth.TokenVerifier
}

// Authenticate implements Authenticator.
func (b BearerAuthenticator) Authenticate(ctx context.Context, r *http.Request) (auth.Identity, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return auth.Identity{}, ErrNoCredentials
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return auth.Identity{}, fmt.Errorf("%w: the Authorization header must be \"Bearer <token>\"", auth.ErrUnauthorized)
	}
	id, _, err := b.Verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return auth.Identity{}, err
	}
	return id, nil
}

// identify returns the caller: from the API Gateway HTTP API JWT
// authorizer claims in the request context (Lambda), else from the
// Authenticator. Headers such as X-GoLambdaProxy-ApiGw-Context are never
// trusted.
func (h *Handler) identify(ctx context.Context, r *http.Request) (auth.Identity, error) {
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok {
		if gw.Authorizer != nil && gw.Authorizer.JWT != nil && len(gw.Authorizer.JWT.Claims) > 0 {
			return auth.FromAuthorizerClaims(gw.Authorizer.JWT.Claims)
		}
	}
	if h.authn == nil || r == nil {
		return auth.Identity{}, ErrNoCredentials
	}
	return h.authn.Authenticate(ctx, r)
}

// Principal is the authorised caller of an operation.
type Principal struct {
	Identity auth.Identity
	// Tenant and Role are set for tenant-scoped operations.
	Tenant string
	Role   auth.Role

	gate *gate
}

type principalKey struct{}

// principal returns the caller the middleware authorised (waiting for the
// membership check of a read that started before it finished).
func principal(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	if p.gate != nil {
		<-p.gate.done
		p.Role = p.gate.role
	}
	return p
}

// permitted waits for an overlapping operation's membership check and
// returns its denial (which the gated response writes in place of anything
// else). Operations without a check in flight pass at once.
func permitted(ctx context.Context) error {
	p, _ := ctx.Value(principalKey{}).(Principal)
	if p.gate == nil {
		return nil
	}
	<-p.gate.done
	if p.gate.deny != nil {
		return p.gate.deny
	}
	return nil
}

// authorize is the one place that authenticates and authorises: public
// operations pass; others need an identity (401); tenant operations need
// a membership of the path's tenant (404 otherwise, so existence does not
// leak) whose role allows the operation's action (403). One membership
// read per request.
func (h *Handler) authorize(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	meta, _ := op.Metadata[metaKey].(opMeta)
	if meta.scope == ScopePublic {
		next(ctx)
		return
	}
	r, _ := humago.Unwrap(ctx)
	id, err := h.identify(ctx.Context(), r)
	if err != nil {
		detail := "sign in: this endpoint needs a bearer token"
		if !errors.Is(err, ErrNoCredentials) {
			detail = "the token was rejected; sign in again"
			if !errors.Is(err, auth.ErrUnauthorized) {
				h.log.WarnContext(ctx.Context(), "authentication failed", "request_id", RequestID(ctx.Context()), "err", err)
			}
		}
		p := newProblem(http.StatusUnauthorized, TypeUnauthorized, detail)
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="polysynergy"`)
		writeHumaProblem(ctx, p)
		return
	}
	pr := Principal{Identity: id}
	if meta.scope != ScopeTenant {
		next(huma.WithValue(ctx, principalKey{}, pr))
		return
	}
	if p := checkPathIDs(ctx, op); p != nil {
		writeHumaProblem(ctx, p)
		return
	}
	pr.Tenant = ctx.Param("tenant")
	ctx = huma.WithValue(ctx, pathIDsKey{}, pathIDs{tenant: pr.Tenant, project: ctx.Param("project"), flow: ctx.Param("flow")})
	// a write to a project in the trash is refused (readOnlyInTrash); the project is read
	// while the membership is checked, and a failed membership check answers first
	trashed := h.startTrashCheck(ctx.Context(), meta, pr.Tenant, ctx.Param("project"))
	if op.Method != http.MethodGet && !meta.overlap {
		role, deny := h.permit(ctx.Context(), pr.Tenant, id.Subject, meta.action)
		if deny == nil {
			deny = trashed()
		}
		if deny != nil {
			writeHumaProblem(ctx, deny)
			return
		}
		pr.Role = role
		next(huma.WithValue(ctx, principalKey{}, pr))
		return
	}
	// A read runs while its membership is checked: its store reads are
	// under the path's tenant and nothing reaches the caller before the
	// check passes (every write to the response waits for it), so the
	// round trips overlap without leaking anything. An overlapping write
	// only decodes its body before it waits in permitted.
	g := &gate{done: make(chan struct{})}
	go func() {
		defer close(g.done)
		g.role, g.deny = h.permit(ctx.Context(), pr.Tenant, id.Subject, meta.action)
		if g.deny == nil {
			g.deny = trashed()
		}
	}()
	pr.gate = g
	next(huma.WithValue(&gatedContext{innerContext: ctx, g: g}, principalKey{}, pr))
}

// permit is the one permission lookup of an operation: the caller's
// membership of the tenant and whether its role allows the action. A
// non-member gets 404, so existence does not leak; a role below the action's
// 403.
func (h *Handler) permit(ctx context.Context, tenant, sub string, action auth.Action) (auth.Role, *Problem) {
	m, err := h.st.GetMembership(ctx, tenant, sub)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			p := notFound("tenant")
			p.Errors = []FieldError{{Location: "path.tenant", Message: "no such tenant, or you are not a member of it"}}
			return "", p
		}
		return "", toProblem(ctx, h.log, err)
	}
	role := auth.Role(m.Role)
	if err := auth.Require(role, action); err != nil {
		min, _ := auth.MinimumRole(action)
		return "", newProblem(http.StatusForbidden, TypeForbidden,
			fmt.Sprintf("%s needs role %s; you are %s in this tenant", action, min, role))
	}
	return role, nil
}

// gate is a membership check in flight.
type gate struct {
	done chan struct{}
	role auth.Role
	deny *Problem
}

// gatedContext holds back everything written to the response until the
// gate's check is done; when it denies, the denial is written instead and
// the operation's own answer is dropped.
type gatedContext struct {
	innerContext
	g    *gate
	once sync.Once
}

// innerContext names the embedded huma.Context (whose Context method
// would clash with a field called Context).
type innerContext = huma.Context

// pass waits for the check and reports whether the operation may answer.
func (c *gatedContext) pass() bool {
	<-c.g.done
	if c.g.deny == nil {
		return true
	}
	c.once.Do(func() { writeHumaProblem(c.innerContext, c.g.deny) })
	return false
}

func (c *gatedContext) SetStatus(code int) {
	if c.pass() {
		c.innerContext.SetStatus(code)
	}
}

func (c *gatedContext) SetHeader(name, value string) {
	if c.pass() {
		c.innerContext.SetHeader(name, value)
	}
}

func (c *gatedContext) AppendHeader(name, value string) {
	if c.pass() {
		c.innerContext.AppendHeader(name, value)
	}
}

func (c *gatedContext) BodyWriter() io.Writer {
	if c.pass() {
		return c.innerContext.BodyWriter()
	}
	return io.Discard
}

// Unwrap lets humago.Unwrap reach the request.
func (c *gatedContext) Unwrap() huma.Context { return c.innerContext }

// checkPathIDs answers 404 for malformed ids, stage names and version
// numbers in the path, before anything is read.
func checkPathIDs(ctx huma.Context, op *huma.Operation) *Problem {
	for _, p := range op.Parameters {
		if p.In != "path" {
			continue
		}
		v := ctx.Param(p.Name)
		ok := true
		switch p.Name {
		case "tenant", "project", "flow", "run", "key_id":
			ok = validULID(v)
		case "stage":
			ok = store.ValidateStageName(v) == nil
		case "version", "from", "to":
			ok = validVersion(v)
		case "sub":
			ok = v != "" && len(v) <= 128 && !strings.ContainsAny(v, "# \t\r\n")
		}
		if !ok {
			what := strings.ReplaceAll(p.Name, "_", " ")
			pr := notFound(what)
			pr.Errors = []FieldError{{Location: "path." + p.Name, Message: "no such " + what}}
			return pr
		}
	}
	return nil
}

// validULID reports a canonical 26-character ULID.
func validULID(s string) bool {
	if len(s) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(s)
	return err == nil
}

func validVersion(s string) bool {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
