package live

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// TokenParam is the $connect query parameter carrying the JWT (browsers
// cannot set headers on WebSocket requests).
const TokenParam = "token"

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
	Message string `json:"message,omitempty"`
}

// ParseClientMessage decodes and checks a client message: a JSON object
// with a string "action"; subscribe needs project and flow, unsubscribe
// too; ids are at most 128 bytes without "#", spaces or control characters.
// Errors name the field and the reason. Unknown members are ignored.
func ParseClientMessage(body []byte) (ClientMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return ClientMessage{}, errors.New("message: want a JSON object such as {\"action\":\"ping\"}")
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
			return ClientMessage{}, fmt.Errorf("%s: want a string", f.name)
		}
	}
	if len(m.ID) > maxIDBytes {
		return m, fmt.Errorf("id: longer than %d bytes", maxIDBytes)
	}
	switch m.Action {
	case "":
		return m, errors.New("action: required (subscribe, unsubscribe or ping)")
	case ActionPing:
		return m, nil
	case ActionSubscribe, ActionUnsubscribe:
	default:
		return m, fmt.Errorf("action %q: unknown; want subscribe, unsubscribe or ping", CutUTF8(m.Action, 64))
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
		return fmt.Errorf("%s: required", field)
	case len(v) > maxIDBytes:
		return fmt.Errorf("%s: longer than %d bytes", field, maxIDBytes)
	}
	for _, r := range v {
		if r == '#' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%s: contains %q, which is not allowed", field, r)
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

// Handler is the WebSocket API's function: $connect?token=JWT verifies the
// token and stores the connection (it expires after 2 h, with its
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
			return h.reply(Reply{Type: ReplyError, Message: "message: body is not valid base64"}), nil
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
	token := req.QueryStringParameters[TokenParam]
	if token == "" {
		if vs := req.MultiValueQueryStringParameters[TokenParam]; len(vs) > 0 {
			token = vs[len(vs)-1]
		}
	}
	if token == "" {
		h.log.InfoContext(ctx, "websocket connect without token", "connection", id)
		return status(http.StatusUnauthorized)
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
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
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
		return Reply{Type: ReplyError, ID: m.ID, Action: m.Action, Message: err.Error()}
	}
	if m.Action == ActionPing {
		return Reply{Type: ReplyPong, ID: m.ID}
	}
	fail := func(msg string) Reply { return Reply{Type: ReplyError, ID: m.ID, Action: m.Action, Message: msg} }
	internal := func(what string, err error) Reply {
		h.log.ErrorContext(ctx, "websocket "+what, "connection", connID, "err", err)
		return fail("internal error; try again")
	}
	conn, err := h.st.GetConnection(ctx, connID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return fail("connection not registered or expired; reconnect")
		}
		return internal("get connection", err)
	}
	switch m.Action {
	case ActionSubscribe:
		return h.subscribe(ctx, conn, m, fail, internal)
	default:
		return h.unsubscribe(ctx, conn, m, internal)
	}
}

func (h *Handler) subscribe(ctx context.Context, conn store.Connection, m ClientMessage,
	fail func(string) Reply, internal func(string, error) Reply) Reply {
	var member store.Membership
	if m.Tenant != "" {
		var err error
		member, err = h.st.GetMembership(ctx, m.Tenant, conn.Sub)
		switch {
		case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
			return fail(fmt.Sprintf("tenant %s not found", m.Tenant))
		case err != nil:
			return internal("get membership", err)
		}
		if r, ok := h.checkProject(ctx, member, m, fail, internal); !ok {
			return r
		}
	} else {
		found, r, ok := h.findProject(ctx, conn.Sub, m, fail, internal)
		if !ok {
			return r
		}
		member = found
	}
	role := auth.Role(member.Role)
	if err := auth.Require(role, auth.ActionFlowRead); err != nil {
		least, _ := auth.MinimumRole(auth.ActionFlowRead)
		return fail(fmt.Sprintf("not allowed: %s needs role %s; you are %s in this tenant", auth.ActionFlowRead, least, role))
	}
	k := store.FlowKey{Tenant: member.Tenant, Project: m.Project, Flow: m.Flow}
	if err := h.st.Subscribe(ctx, conn.ID, k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fail(fmt.Sprintf("flow %s not found", m.Flow))
		}
		return internal("subscribe", err)
	}
	h.log.DebugContext(ctx, "websocket subscribed", "connection", conn.ID, "tenant", k.Tenant, "project", k.Project, "flow", k.Flow)
	return Reply{Type: ReplySubscribed, ID: m.ID, Tenant: k.Tenant, Project: k.Project, Flow: k.Flow}
}

// checkProject answers "not found" for a missing or trashed project.
func (h *Handler) checkProject(ctx context.Context, member store.Membership, m ClientMessage,
	fail func(string) Reply, internal func(string, error) Reply) (Reply, bool) {
	p, err := h.st.GetProject(ctx, store.ProjectKey{Tenant: member.Tenant, Project: m.Project})
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) || (err == nil && p.TrashedAt != nil):
		return fail(fmt.Sprintf("project %s not found", m.Project)), false
	case err != nil:
		return internal("get project", err), false
	}
	return Reply{}, true
}

// findProject looks for the project among the caller's tenants.
func (h *Handler) findProject(ctx context.Context, sub string, m ClientMessage,
	fail func(string) Reply, internal func(string, error) Reply) (store.Membership, Reply, bool) {
	o := store.ListOptions{Limit: store.MaxLimit}
	for {
		page, err := h.st.ListUserTenants(ctx, sub, o)
		if err != nil {
			return store.Membership{}, internal("list tenants", err), false
		}
		for _, member := range page.Items {
			p, err := h.st.GetProject(ctx, store.ProjectKey{Tenant: member.Tenant, Project: m.Project})
			switch {
			case err == nil && p.TrashedAt == nil:
				return member, Reply{}, true
			case err == nil, errors.Is(err, store.ErrNotFound):
			default:
				return store.Membership{}, internal("get project", err), false
			}
		}
		if page.Next == "" {
			return store.Membership{}, fail(fmt.Sprintf("project %s not found", m.Project)), false
		}
		o.Cursor = page.Next
	}
}

func (h *Handler) unsubscribe(ctx context.Context, conn store.Connection, m ClientMessage, internal func(string, error) Reply) Reply {
	var keys []store.FlowKey
	if m.Tenant != "" {
		keys = []store.FlowKey{{Tenant: m.Tenant, Project: m.Project, Flow: m.Flow}}
	} else {
		subs, err := h.st.ListConnectionSubscriptions(ctx, conn.ID)
		if err != nil {
			return internal("list subscriptions", err)
		}
		for _, k := range subs {
			if k.Project == m.Project && k.Flow == m.Flow {
				keys = append(keys, k)
			}
		}
	}
	for _, k := range keys {
		if err := h.st.Unsubscribe(ctx, conn.ID, k); err != nil {
			return internal("unsubscribe", err)
		}
	}
	r := Reply{Type: ReplyUnsubscribed, ID: m.ID, Tenant: m.Tenant, Project: m.Project, Flow: m.Flow}
	if len(keys) == 1 {
		r.Tenant = keys[0].Tenant
	}
	return r
}
