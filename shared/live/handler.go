package live

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// Client actions (the "action" member of a client message, which API
// Gateway's route selection reads).
const (
	ActionSubscribe   = "subscribe"
	ActionUnsubscribe = "unsubscribe"
	ActionPing        = "ping"
)

// Reply types (the "type" member of what the handler answers).
const (
	ReplySubscribed   = "subscribed"
	ReplyUnsubscribed = "unsubscribed"
	ReplyPong         = "pong"
	ReplyError        = "error"
)

// The $connect handshake: a client offers the subprotocols Protocol and
// BearerPrefix+token in the Sec-WebSocket-Protocol header (browsers cannot set
// other headers on a WebSocket request, and unlike the URL the header is not
// written to access logs); the handler verifies the token and selects Protocol in
// its answer, so the token never comes back. Clients that can set headers may
// send "Authorization: Bearer <token>" instead. A token in the query string
// (?token=, the old form) is refused.
const (
	// Protocol is the API's WebSocket subprotocol, the one $connect selects.
	Protocol = "polysynergy.v1"
	// BearerPrefix prefixes the access token in the offered subprotocols:
	// "bearer.<JWT>" (a JWT's characters are all valid in a subprotocol name).
	BearerPrefix = "bearer."
	// ProtocolHeader is the handshake header offering (request) and selecting
	// (response) subprotocols.
	ProtocolHeader = "Sec-WebSocket-Protocol"
	// queryTokenParam is the refused query parameter of the old form.
	queryTokenParam = "token"
)

// ProtocolsFor returns the subprotocols a client offers to connect with token:
// Protocol, which $connect selects, and BearerPrefix+token.
func ProtocolsFor(token string) []string { return []string{Protocol, BearerPrefix + token} }

// maxIDBytes bounds the ids in client messages (as the store does).
const maxIDBytes = 128

// ClientMessage is a message a client sends over the WebSocket, e.g.
// {"action":"subscribe","project":"01J…","flow":"01J…"}.
type ClientMessage struct {
	Action string `json:"action"`
	// ID is an optional client correlation id, echoed in the reply.
	ID string `json:"id,omitempty"`
	// Tenant is optional: without it the project is looked up among the
	// caller's tenants.
	Tenant  string `json:"tenant,omitempty"`
	Project string `json:"project,omitempty"`
	Flow    string `json:"flow,omitempty"`
}

// Reply is the handler's answer to a client message, sent back to the
// client as the route response.
type Reply struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Action  string `json:"action,omitempty"`
	Tenant  string `json:"tenant,omitempty"`
	Project string `json:"project,omitempty"`
	Flow    string `json:"flow,omitempty"`
	// Field names what an error is about: a member of the client message (action, id,
	// tenant, project, flow), "message" for a body that is not a JSON object, or
	// "connection" for a connection that is not registered; empty for internal errors.
	Field   string `json:"field,omitempty"`
	Message string `json:"message,omitempty"`
}

// FieldError is a client message's fault: the member it is about and why.
// Its text is "field: reason".
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ParseClientMessage decodes and checks a client message: a JSON object
// with a string "action"; subscribe needs project and flow, unsubscribe
// too; ids are at most 128 bytes without "#", spaces or control characters.
// Errors are *FieldError, naming the member ("message" for the body) and the
// reason. Unknown members are ignored.
func ParseClientMessage(body []byte) (ClientMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return ClientMessage{}, fieldErr("message", "want a JSON object such as {\"action\":\"ping\"}")
	}
	var m ClientMessage
	for _, f := range []struct {
		name string
		dst  *string
	}{{"action", &m.Action}, {"id", &m.ID}, {"tenant", &m.Tenant}, {"project", &m.Project}, {"flow", &m.Flow}} {
		v, ok := raw[f.name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			*f.dst = ""
			return m, fieldErr(f.name, "want a string")
		}
	}
	if len(m.ID) > maxIDBytes {
		m.ID = ""
		return m, fieldErr("id", "longer than %d bytes", maxIDBytes)
	}
	switch m.Action {
	case "":
		return m, fieldErr("action", "required (subscribe, unsubscribe or ping)")
	case ActionPing:
		return m, nil
	case ActionSubscribe, ActionUnsubscribe:
	default:
		return m, fieldErr("action", "%q is unknown; want subscribe, unsubscribe or ping", CutUTF8(m.Action, 64))
	}
	for _, f := range []struct {
		name, v  string
		required bool
	}{{"tenant", m.Tenant, false}, {"project", m.Project, true}, {"flow", m.Flow, true}} {
		if err := checkID(f.name, f.v, f.required); err != nil {
			return m, err
		}
	}
	return m, nil
}

func checkID(field, v string, required bool) error {
	switch {
	case v == "" && required:
		return fieldErr(field, "required")
	case len(v) > maxIDBytes:
		return fieldErr(field, "longer than %d bytes", maxIDBytes)
	}
	for _, r := range v {
		if r == '#' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fieldErr(field, "contains %q, which is not allowed", r)
		}
	}
	return nil
}

// HandlerStore is what the WebSocket handler needs from the store;
// *store.Store implements it.
type HandlerStore interface {
	PutConnection(ctx context.Context, c store.Connection) (store.Connection, error)
	GetConnection(ctx context.Context, id string) (store.Connection, error)
	DeleteConnection(ctx context.Context, id string) error
	GetMembership(ctx context.Context, tenant, sub string) (store.Membership, error)
	ListUserTenants(ctx context.Context, sub string, o store.ListOptions) (store.Page[store.Membership], error)
	GetProject(ctx context.Context, k store.ProjectKey) (store.Project, error)
	Subscribe(ctx context.Context, connID string, k store.FlowKey) error
	Unsubscribe(ctx context.Context, connID string, k store.FlowKey) error
	ListConnectionSubscriptions(ctx context.Context, connID string) ([]store.FlowKey, error)
}

var _ HandlerStore = (*store.Store)(nil)

// TokenVerifier verifies the $connect token; *token.Verifier implements it.
type TokenVerifier = auth.TokenVerifier

// HandlerConfig configures a Handler.
type HandlerConfig struct {
	Store    HandlerStore  // required
	Verifier TokenVerifier // required
	Logger   *slog.Logger  // default slog.Default()
}

// Handler is the WebSocket API's function: $connect verifies the token offered
// as a subprotocol (ProtocolsFor; or an Authorization: Bearer header), selects
// Protocol and stores the connection (it expires after 2 h, with its
// subscriptions); $disconnect deletes the connection and its
// subscriptions; subscribe / unsubscribe a flow — authorised like the REST
// API: the caller must be a member of the project's tenant with a role
// allowed auth.ActionFlowRead — and ping. Each message is answered with a
// Reply in the response body ({"type":"error","message":…} on failure).
type Handler struct {
	st  HandlerStore
	ver TokenVerifier
	log *slog.Logger
}

// NewHandler validates cfg and returns a Handler.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("new live handler: Store: must not be nil")
	}
	if cfg.Verifier == nil {
		return nil, errors.New("new live handler: Verifier: must not be nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Handler{st: cfg.Store, ver: cfg.Verifier, log: cfg.Logger}, nil
}

// Handle serves one API Gateway WebSocket event; pass it to lambda.Start.
// It returns an error only for events it cannot make sense of at all.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	if rc.ConnectionID == "" {
		return status(http.StatusBadRequest), errors.New("websocket event: requestContext.connectionId: missing")
	}
	switch {
	case rc.RouteKey == "$connect" || rc.EventType == "CONNECT":
		return h.connect(ctx, req), nil
	case rc.RouteKey == "$disconnect" || rc.EventType == "DISCONNECT":
		return h.disconnect(ctx, rc.ConnectionID), nil
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return h.reply(Reply{Type: ReplyError, Field: "message", Message: "message: body is not valid base64"}), nil
		}
		body = b
	}
	return h.reply(h.message(ctx, rc.ConnectionID, body)), nil
}

func status(code int) events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: code, Body: http.StatusText(code)}
}

func (h *Handler) connect(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) events.APIGatewayProxyResponse {
	id := req.RequestContext.ConnectionID
	token, selectProtocol, refused := connectToken(req)
	if refused != nil {
		// the reasons never hold the token
		h.log.InfoContext(ctx, "websocket connect refused", "connection", id, "status", refused.status, "reason", refused.reason)
		return status(refused.status)
	}
	who, _, err := h.ver.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthorized) {
			h.log.InfoContext(ctx, "websocket connect: token rejected", "connection", id, "err", err)
			return status(http.StatusUnauthorized)
		}
		h.log.ErrorContext(ctx, "websocket connect: verify token", "connection", id, "err", err)
		return status(http.StatusInternalServerError)
	}
	// The store stamps the connection with its clock (within milliseconds of
	// requestContext.connectedAt, and replayed events stay valid); it expires
	// 2 h later, with API Gateway's connection limit.
	c := store.Connection{ID: id, Sub: who.Subject}
	if _, err := h.st.PutConnection(ctx, c); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			h.log.InfoContext(ctx, "websocket connect: bad connection", "connection", id, "err", err)
			return status(http.StatusBadRequest)
		}
		h.log.ErrorContext(ctx, "websocket connect: store connection", "connection", id, "err", err)
		return status(http.StatusInternalServerError)
	}
	h.log.DebugContext(ctx, "websocket connected", "connection", id, "sub", who.Subject)
	resp := events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
	if selectProtocol {
		// API Gateway answers the handshake with this header; a browser that offered
		// subprotocols closes the connection when none is selected
		resp.Headers = map[string]string{ProtocolHeader: Protocol}
	}
	return resp
}

// refusal is why a $connect is refused: the status and a reason for the log.
type refusal struct {
	status int
	reason string
}

// connectToken finds the token of a $connect request: offered as the subprotocol
// BearerPrefix+token next to Protocol, or in an Authorization: Bearer header; exactly
// one of them. selectProtocol reports whether the client offered Protocol. A token in
// the query string is refused, even beside a good one: its URL has been logged on its way.
func connectToken(req events.APIGatewayWebsocketProxyRequest) (token string, selectProtocol bool, refused *refusal) {
	_, inQuery := req.QueryStringParameters[queryTokenParam]
	if _, ok := req.MultiValueQueryStringParameters[queryTokenParam]; ok || inQuery {
		return "", false, &refusal{http.StatusUnauthorized, "a token in the query string (?token=) is refused: URLs are logged; " +
			"offer it as the subprotocol " + BearerPrefix + "<token> beside " + Protocol + ", or send Authorization: Bearer <token>"}
	}
	var bearers []string
	for _, v := range headerValues(req, ProtocolHeader) {
		for _, p := range strings.Split(v, ",") {
			p = strings.Trim(p, " \t")
			switch {
			case p == Protocol:
				selectProtocol = true
			case strings.HasPrefix(p, BearerPrefix):
				bearers = append(bearers, strings.TrimPrefix(p, BearerPrefix))
			}
		}
	}
	authz := headerValues(req, "Authorization")
	switch {
	case len(bearers) > 1:
		return "", false, &refusal{http.StatusUnauthorized, fmt.Sprintf("%d %s<token> subprotocols offered; want one", len(bearers), BearerPrefix)}
	case len(authz) > 1:
		return "", false, &refusal{http.StatusUnauthorized, fmt.Sprintf("%d Authorization headers; want one", len(authz))}
	case len(bearers) == 1 && len(authz) == 1:
		return "", false, &refusal{http.StatusUnauthorized, "a token both as a subprotocol and in Authorization; send one"}
	case len(bearers) == 1:
		if !selectProtocol {
			// the only other protocol to select would be the token's, echoed back in the
			// handshake's answer
			return "", false, &refusal{http.StatusBadRequest, "the " + BearerPrefix + "<token> subprotocol is offered without " +
				Protocol + ", the one to select; offer both"}
		}
		return bearers[0], true, nil
	case len(authz) == 1:
		scheme, tok, _ := strings.Cut(strings.TrimSpace(authz[0]), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", false, &refusal{http.StatusUnauthorized, "Authorization: want the Bearer scheme"}
		}
		return strings.TrimSpace(tok), selectProtocol, nil
	}
	return "", false, &refusal{http.StatusUnauthorized, "no token: offer the subprotocols " + Protocol + " and " + BearerPrefix +
		"<token> (Sec-WebSocket-Protocol), or send Authorization: Bearer <token>"}
}

// headerValues returns the values of the request header name (case-insensitive, as
// clients spell it): every value of multiValueHeaders, else the one of headers.
func headerValues(req events.APIGatewayWebsocketProxyRequest, name string) []string {
	var vs []string
	for k, v := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			vs = append(vs, v...)
		}
	}
	if vs != nil {
		return vs
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			vs = append(vs, v)
		}
	}
	return vs
}

func (h *Handler) disconnect(ctx context.Context, id string) events.APIGatewayProxyResponse {
	if err := h.st.DeleteConnection(ctx, id); err != nil {
		h.log.ErrorContext(ctx, "websocket disconnect: delete connection", "connection", id, "err", err)
		return status(http.StatusInternalServerError)
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
}

func (h *Handler) reply(r Reply) events.APIGatewayProxyResponse {
	b, _ := Marshal(r)
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(b),
		Headers: map[string]string{"Content-Type": "application/json"}}
}

// message handles one client message and returns the reply.
func (h *Handler) message(ctx context.Context, connID string, body []byte) Reply {
	m, err := ParseClientMessage(body)
	if err != nil {
		r := Reply{Type: ReplyError, ID: m.ID, Action: CutUTF8(m.Action, 64), Message: err.Error()}
		var fe *FieldError
		if errors.As(err, &fe) {
			r.Field = fe.Field
		}
		return r
	}
	if m.Action == ActionPing {
		return Reply{Type: ReplyPong, ID: m.ID}
	}
	// an error about a well-formed subscribe or unsubscribe echoes the ids it names, as its
	// success would, so a client can tell which of its messages it answers
	fail := func(field, format string, args ...any) Reply {
		return Reply{Type: ReplyError, ID: m.ID, Action: m.Action, Tenant: m.Tenant, Project: m.Project, Flow: m.Flow,
			Field: field, Message: fieldErr(field, format, args...).Error()}
	}
	internal := func(what string, err error) Reply {
		h.log.ErrorContext(ctx, "websocket "+what, "connection", connID, "err", err)
		return Reply{Type: ReplyError, ID: m.ID, Action: m.Action, Tenant: m.Tenant, Project: m.Project, Flow: m.Flow,
			Message: "internal error; try again"}
	}
	conn, err := h.st.GetConnection(ctx, connID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return fail("connection", "not registered or expired; reconnect")
		}
		return internal("get connection", err)
	}
	switch m.Action {
	case ActionSubscribe:
		return h.subscribe(ctx, conn, m, fail, internal)
	default:
		return h.unsubscribe(ctx, conn, m, fail, internal)
	}
}

type (
	failFunc     func(field, format string, args ...any) Reply
	internalFunc func(what string, err error) Reply
)

func (h *Handler) subscribe(ctx context.Context, conn store.Connection, m ClientMessage, fail failFunc, internal internalFunc) Reply {
	member, r, ok := h.projectMember(ctx, conn.Sub, m, false, fail, internal)
	if !ok {
		return r
	}
	role := auth.Role(member.Role)
	if err := auth.Require(role, auth.ActionFlowRead); err != nil {
		least, _ := auth.MinimumRole(auth.ActionFlowRead)
		return fail("tenant", "not allowed: %s needs role %s; you are %s in tenant %s", auth.ActionFlowRead, least, role, member.Tenant)
	}
	k := store.FlowKey{Tenant: member.Tenant, Project: m.Project, Flow: m.Flow}
	if err := h.st.Subscribe(ctx, conn.ID, k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fail("flow", "%s not found in project %s", m.Flow, m.Project)
		}
		return internal("subscribe", err)
	}
	h.log.DebugContext(ctx, "websocket subscribed", "connection", conn.ID, "tenant", k.Tenant, "project", k.Project, "flow", k.Flow)
	return Reply{Type: ReplySubscribed, ID: m.ID, Tenant: k.Tenant, Project: k.Project, Flow: k.Flow}
}

// projectMember finds the caller's membership of the tenant holding m's project: the tenant
// m names (an error on "tenant" when the caller is no member of it), else the first of the
// caller's tenants that has it. A project in the trash counts only when trashed is true.
func (h *Handler) projectMember(ctx context.Context, sub string, m ClientMessage, trashed bool,
	fail failFunc, internal internalFunc) (store.Membership, Reply, bool) {
	has := func(member store.Membership) (bool, Reply, bool) {
		p, err := h.st.GetProject(ctx, store.ProjectKey{Tenant: member.Tenant, Project: m.Project})
		switch {
		case err == nil:
			return p.TrashedAt == nil || trashed, Reply{}, true
		case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
			return false, Reply{}, true
		}
		return false, internal("get project", err), false
	}
	if m.Tenant != "" {
		member, err := h.st.GetMembership(ctx, m.Tenant, sub)
		switch {
		case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
			return store.Membership{}, fail("tenant", "%s not found among your tenants", m.Tenant), false
		case err != nil:
			return store.Membership{}, internal("get membership", err), false
		}
		found, r, ok := has(member)
		if !ok {
			return store.Membership{}, r, false
		}
		if !found {
			return store.Membership{}, fail("project", "%s not found in tenant %s", m.Project, m.Tenant), false
		}
		return member, Reply{}, true
	}
	o := store.ListOptions{Limit: store.MaxLimit}
	for {
		page, err := h.st.ListUserTenants(ctx, sub, o)
		if err != nil {
			return store.Membership{}, internal("list tenants", err), false
		}
		for _, member := range page.Items {
			found, r, ok := has(member)
			if !ok {
				return store.Membership{}, r, false
			}
			if found {
				return member, Reply{}, true
			}
		}
		if page.Next == "" {
			return store.Membership{}, fail("project", "%s not found in your tenants", m.Project), false
		}
		o.Cursor = page.Next
	}
}

// unsubscribe ends the connection's subscription to m's flow. It is idempotent: a flow the
// connection does not follow is "unsubscribed" too, and the reply names the tenant either
// way (the subscription's, else the tenant that holds the project, as subscribe finds it).
func (h *Handler) unsubscribe(ctx context.Context, conn store.Connection, m ClientMessage, fail failFunc, internal internalFunc) Reply {
	subs, err := h.st.ListConnectionSubscriptions(ctx, conn.ID)
	if err != nil {
		return internal("list subscriptions", err)
	}
	var keys []store.FlowKey
	for _, k := range subs {
		if k.Project == m.Project && k.Flow == m.Flow && (m.Tenant == "" || k.Tenant == m.Tenant) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if err := h.st.Unsubscribe(ctx, conn.ID, k); err != nil {
			return internal("unsubscribe", err)
		}
	}
	tenant := m.Tenant
	if len(keys) > 0 {
		// project ids are unique, so the matching subscriptions are of one tenant
		tenant = keys[0].Tenant
	} else {
		member, r, ok := h.projectMember(ctx, conn.Sub, m, true, fail, internal)
		if !ok {
			return r
		}
		tenant = member.Tenant
	}
	h.log.DebugContext(ctx, "websocket unsubscribed", "connection", conn.ID, "tenant", tenant, "project", m.Project, "flow", m.Flow,
		"was_subscribed", len(keys) > 0)
	return Reply{Type: ReplyUnsubscribed, ID: m.ID, Tenant: tenant, Project: m.Project, Flow: m.Flow}
}
