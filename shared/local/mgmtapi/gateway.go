package mgmtapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"
)

// API Gateway WebSocket limits, the defaults of GatewayConfig.
const (
	DefaultMaxLifetime        = 2 * time.Hour
	DefaultIdleTimeout        = 10 * time.Minute
	DefaultIntegrationTimeout = 29 * time.Second
)

// Close codes and reasons the gateway uses when it ends a connection.
const (
	closeGoingAway = websocket.StatusGoingAway // 1001: idle, lifetime, shutdown
	closeNormal    = websocket.StatusNormalClosure
)

// GatewayConfig configures a Gateway.
type GatewayConfig struct {
	// Invoke is the integration: the WebSocket function, called with the
	// event JSON for $connect, every message and $disconnect. Required.
	Invoke InvokeFunc
	// Registry receives the connections; nil means a new one.
	Registry *Registry
	// Stage and APIID fill requestContext.stage and .apiId
	// (default "local" both).
	Stage string
	APIID string
	// Routes are the route keys besides $connect, $disconnect and $default.
	// A message whose JSON "action" names one of them is routed to it,
	// anything else to $default. nil routes every non-empty action to itself.
	Routes []string
	// MaxLifetime closes a connection this long after it connected
	// (default 2 h, as API Gateway does).
	MaxLifetime time.Duration
	// IdleTimeout closes a connection after this long without a message
	// from the client (default 10 min, as API Gateway does).
	IdleTimeout time.Duration
	// IntegrationTimeout bounds each invocation (default 29 s).
	IntegrationTimeout time.Duration
	// Now is the clock for event timestamps (default time.Now). Timeouts
	// use real timers.
	Now func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Gateway emulates an API Gateway WebSocket API: it accepts WebSocket
// upgrades, turns $connect, each message and $disconnect into the API
// Gateway WebSocket proxy event JSON (events.APIGatewayWebsocketProxyRequest)
// and hands it to the integration exactly as Lambda would, and registers the
// live connections in a Registry for the Management API (Server).
//
// As in API Gateway: the $connect event carries the upgrade request's headers
// (Sec-WebSocket-Protocol, the subprotocols offered, among them, spelt as
// clients send them) and query string; a $connect answer outside 2xx (or an
// error) rejects the handshake with that status (500 for an error); the
// Sec-WebSocket-Protocol header of a 2xx answer is the handshake's, as it is
// (none when it has none); messages are routed on
// their JSON "action" member; a message's non-empty response body is sent
// back to the client (the route response); an integration error sends
// {"message":"Internal server error","connectionId":…,"requestId":…};
// messages over 128 KB close the connection with 1009; connections close
// with 1001 after MaxLifetime or IdleTimeout.
type Gateway struct {
	cfg    GatewayConfig
	reg    *Registry
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	live   map[string]*wsConn
	closed bool
	wg     sync.WaitGroup
}

// NewGateway validates cfg and returns a Gateway.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Invoke == nil {
		return nil, errors.New("new gateway: Invoke: must not be nil")
	}
	for name, d := range map[string]time.Duration{"MaxLifetime": cfg.MaxLifetime, "IdleTimeout": cfg.IdleTimeout,
		"IntegrationTimeout": cfg.IntegrationTimeout} {
		if d < 0 {
			return nil, fmt.Errorf("new gateway: %s %s: must not be negative", name, d)
		}
	}
	for _, r := range cfg.Routes {
		if r == "" || strings.HasPrefix(r, "$") {
			return nil, fmt.Errorf("new gateway: Routes: %q is not a custom route key", r)
		}
	}
	if cfg.Registry == nil {
		cfg.Registry = NewRegistry(cfg.Now)
	}
	if cfg.Stage == "" {
		cfg.Stage = "local"
	}
	if cfg.APIID == "" {
		cfg.APIID = "local"
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.IntegrationTimeout == 0 {
		cfg.IntegrationTimeout = DefaultIntegrationTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Gateway{cfg: cfg, reg: cfg.Registry, log: cfg.Logger, ctx: ctx, cancel: cancel, live: map[string]*wsConn{}}, nil
}

// Registry returns the registry the gateway registers its connections in.
func (g *Gateway) Registry() *Registry { return g.reg }

// wsConn is a gateway connection; it implements Conn.
type wsConn struct {
	// c is set before ready closes; nil when the upgrade failed. The
	// connection is registered before the upgrade completes so that a client
	// that has its 101 can be posted to at once.
	c      *websocket.Conn
	ready  chan struct{}
	lastIn atomic.Int64 // unix nanoseconds of the last client message

	once   sync.Once
	code   websocket.StatusCode // set once the server closes
	reason string
}

// Send writes msg as a text message (binary when it is not UTF-8), as API
// Gateway delivers PostToConnection data.
func (w *wsConn) Send(ctx context.Context, msg []byte) error {
	select {
	case <-w.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	if w.c == nil {
		return errors.New("upgrade failed")
	}
	typ := websocket.MessageText
	if !utf8.Valid(msg) {
		typ = websocket.MessageBinary
	}
	return w.c.Write(ctx, typ, msg)
}

// Close ends the connection as a Management API DELETE does (1000).
func (w *wsConn) Close() error {
	w.closeWith(closeNormal, "")
	return nil
}

// closeWith starts the close handshake in the background; the first call
// decides the code reported in $disconnect.
func (w *wsConn) closeWith(code websocket.StatusCode, reason string) {
	w.once.Do(func() {
		w.code, w.reason = code, reason
		go func() {
			<-w.ready
			if w.c != nil {
				_ = w.c.Close(code, reason)
			}
		}()
	})
}

func (w *wsConn) closedBy() (websocket.StatusCode, string, bool) {
	var set bool
	w.once.Do(func() { set = true })
	if set {
		return 0, "", false
	}
	return w.code, w.reason, true
}

// ServeHTTP accepts one WebSocket connection and serves it until it closes.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "Upgrade Required", http.StatusUpgradeRequired)
		return
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	now := g.cfg.Now()
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	m := connMeta{id: newID(), stage: g.cfg.Stage, apiID: g.cfg.APIID, domain: domain, host: r.Host, connectedAt: now,
		identity: Identity{SourceIP: sourceIP(r), UserAgent: r.UserAgent()}}
	resp, err := g.invoke(connectEvent(m, r, now))
	if err != nil {
		g.log.Warn("websocket $connect failed", "connection", m.id, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		status := resp.StatusCode
		if status < 100 || status > 599 {
			status = http.StatusInternalServerError
		}
		g.log.Debug("websocket $connect rejected", "connection", m.id, "status", status)
		http.Error(w, http.StatusText(status), status)
		return
	}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true}
	if p := headerValue(resp, "Sec-WebSocket-Protocol"); p != "" {
		// API Gateway answers the handshake with the subprotocol the $connect
		// answer selects, as it is: set here, Accept leaves it (it negotiates
		// none itself). A client that did not offer it fails the handshake, as
		// browsers then do against AWS.
		w.Header().Set("Sec-WebSocket-Protocol", p)
		if !offered(r, p) {
			// not the value: it could be a secret the client offered
			g.log.Warn("websocket $connect answer selects a subprotocol the client did not offer; the client will close the connection",
				"connection", m.id)
		}
	}
	wc := &wsConn{ready: make(chan struct{})}
	wc.lastIn.Store(time.Now().UnixNano())
	if err := g.reg.Add(m.id, wc, Info{ConnectedAt: now, Identity: m.identity}); err != nil {
		close(wc.ready)
		g.log.Error("websocket register failed", "connection", m.id, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		g.disconnect(m, int(websocket.StatusInternalError), "register failed")
		return
	}
	g.mu.Lock()
	g.live[m.id] = wc
	shutting := g.closed
	g.mu.Unlock()
	if shutting {
		wc.closeWith(closeGoingAway, "Going away: server shutting down")
	}
	c, err := websocket.Accept(w, r, opts)
	if err != nil {
		close(wc.ready)
		g.mu.Lock()
		delete(g.live, m.id)
		g.mu.Unlock()
		g.reg.removeIfConn(m.id, wc)
		g.log.Warn("websocket accept failed", "connection", m.id, "err", err)
		g.disconnect(m, int(websocket.StatusAbnormalClosure), "accept failed")
		return
	}
	c.SetReadLimit(MaxPayloadBytes)
	wc.c = c
	close(wc.ready)

	done := make(chan struct{})
	go g.watch(wc, done)
	code, reason := g.readLoop(m, wc)
	close(done)

	g.mu.Lock()
	delete(g.live, m.id)
	g.mu.Unlock()
	g.reg.removeIfConn(m.id, wc)
	_ = c.CloseNow()
	g.disconnect(m, code, reason)
}

// readLoop serves client messages until the connection ends and returns
// the close code and reason for $disconnect.
func (g *Gateway) readLoop(m connMeta, wc *wsConn) (int, string) {
	for {
		typ, data, err := wc.c.Read(g.ctx)
		if err != nil {
			if code, reason, ok := wc.closedBy(); ok {
				return int(code), reason
			}
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return int(ce.Code), ce.Reason
			}
			if errors.Is(err, websocket.ErrMessageTooBig) {
				return int(websocket.StatusMessageTooBig), "Message too big"
			}
			return int(websocket.StatusAbnormalClosure), ""
		}
		wc.lastIn.Store(time.Now().UnixNano())
		g.reg.Touch(m.id)
		route := RouteDefault
		if typ == websocket.MessageText {
			route = SelectRoute(data, g.cfg.Routes)
		}
		ev := messageEvent(m, route, data, typ == websocket.MessageBinary, g.cfg.Now())
		resp, err := g.invoke(ev)
		if err != nil {
			g.log.Warn("websocket integration failed", "connection", m.id, "route", route, "err", err)
			b, _ := json.Marshal(map[string]string{"message": "Internal server error",
				"connectionId": m.id, "requestId": ev.RequestContext.RequestID})
			_ = g.reg.Send(g.ctx, m.id, b)
			continue
		}
		if resp.Body == "" {
			continue
		}
		body := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				g.log.Warn("websocket route response: bad base64 body", "connection", m.id, "err", err)
				continue
			}
		}
		if err := g.reg.Send(g.ctx, m.id, body); err != nil {
			g.log.Debug("websocket route response not delivered", "connection", m.id, "err", err)
		}
	}
}

// watch closes wc with 1001 once it exceeds the idle timeout or its
// lifetime.
func (g *Gateway) watch(wc *wsConn, done <-chan struct{}) {
	start := time.Now()
	t := time.NewTimer(min(g.cfg.IdleTimeout, g.cfg.MaxLifetime))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		now := time.Now()
		life := g.cfg.MaxLifetime - now.Sub(start)
		idle := g.cfg.IdleTimeout - now.Sub(time.Unix(0, wc.lastIn.Load()))
		switch {
		case life <= 0:
			wc.closeWith(closeGoingAway, "Going away: connection lifetime exceeded")
			return
		case idle <= 0:
			wc.closeWith(closeGoingAway, "Going away: idle timeout")
			return
		}
		t.Reset(min(life, idle))
	}
}

// invoke calls the integration with ev marshalled to JSON and decodes the
// proxy response.
func (g *Gateway) invoke(ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, fmt.Errorf("marshal %s event: %w", ev.RequestContext.RouteKey, err)
	}
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.IntegrationTimeout)
	defer cancel()
	out, err := g.cfg.Invoke(ctx, payload)
	if err != nil {
		return resp, fmt.Errorf("invoke %s: %w", ev.RequestContext.RouteKey, err)
	}
	if len(out) == 0 || string(out) == "null" {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return resp, fmt.Errorf("invoke %s: decode response: %w", ev.RequestContext.RouteKey, err)
	}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	return resp, nil
}

// disconnect reports $disconnect; like API Gateway it is best effort.
func (g *Gateway) disconnect(m connMeta, code int, reason string) {
	if _, err := g.invoke(disconnectEvent(m, code, reason, g.cfg.Now())); err != nil {
		g.log.Warn("websocket $disconnect failed", "connection", m.id, "err", err)
	}
}

// Shutdown closes every connection with 1001 and waits until each one's
// $disconnect has been delivered, or ctx ends. New upgrades are refused.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	conns := make([]*wsConn, 0, len(g.live))
	for _, wc := range g.live {
		conns = append(conns, wc)
	}
	g.mu.Unlock()
	for _, wc := range conns {
		wc.closeWith(closeGoingAway, "Going away: server shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		g.cancel()
		return nil
	case <-ctx.Done():
		g.cancel()
		return fmt.Errorf("shutdown websocket gateway: %w", ctx.Err())
	}
}

// offered reports whether the upgrade request r offers subprotocol p.
func offered(r *http.Request, p string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, o := range strings.Split(v, ",") {
			if strings.TrimSpace(o) == p {
				return true
			}
		}
	}
	return false
}

func headerValue(resp events.APIGatewayProxyResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
