package mgmtapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"polysynergy/shared/local/mgmtapi"
)

// recorder is a test integration: it records every event (decoded from the
// exact JSON the gateway sends) and answers like a WebSocket function.
type recorder struct {
	mu     sync.Mutex
	evs    []events.APIGatewayWebsocketProxyRequest
	raw    []string
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1000)} }

func (r *recorder) invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.raw = append(r.raw, string(payload))
	r.mu.Unlock()
	defer func() { r.notify <- struct{}{} }()
	resp := events.APIGatewayProxyResponse{StatusCode: 200}
	switch ev.RequestContext.RouteKey {
	case "$connect":
		// like the live handler: the token offered as the subprotocol bearer.<token> (in the
		// header as the client spelt it), and polysynergy.v1 selected when offered; ?proto=
		// answers another protocol, ?proto=none none
		offers := map[string]bool{}
		for _, o := range strings.Split(ev.Headers["Sec-WebSocket-Protocol"], ",") {
			offers[strings.TrimSpace(o)] = true
		}
		if !offers["bearer.good"] {
			resp.StatusCode = 401
		}
		switch p := ev.QueryStringParameters["proto"]; {
		case p == "none":
		case p != "":
			resp.Headers = map[string]string{"Sec-WebSocket-Protocol": p}
		case offers["polysynergy.v1"]:
			resp.Headers = map[string]string{"Sec-WebSocket-Protocol": "polysynergy.v1"}
		}
	case "echo":
		resp.Body = "echo:" + ev.Body
	case "boom":
		return nil, errors.New("integration exploded")
	case "$default":
		b, _ := json.Marshal(map[string]any{"route": "$default", "b64": ev.IsBase64Encoded, "body": ev.Body})
		resp.Body = string(b)
	}
	return json.Marshal(resp)
}

func (r *recorder) events() []events.APIGatewayWebsocketProxyRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.APIGatewayWebsocketProxyRequest(nil), r.evs...)
}

// waitRoute waits until an event for route has been recorded n times.
func (r *recorder) waitRoute(t *testing.T, route string, n int) []events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		var got []events.APIGatewayWebsocketProxyRequest
		for _, ev := range r.events() {
			if ev.RequestContext.RouteKey == route {
				got = append(got, ev)
			}
		}
		if len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("waited 10s for %d %s events; have %d", n, route, len(got))
		}
	}
}

type gwEnv struct {
	gw     *mgmtapi.Gateway
	rec    *recorder
	wsURL  string
	client *apigatewaymanagementapi.Client
}

func startGateway(t *testing.T, tune func(*mgmtapi.GatewayConfig)) *gwEnv {
	t.Helper()
	rec := newRecorder()
	cfg := mgmtapi.GatewayConfig{Invoke: rec.invoke, Routes: []string{"echo", "boom"}, Stage: "dev", Logger: quiet}
	if tune != nil {
		tune(&cfg)
	}
	gw, err := mgmtapi.NewGateway(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", gw)
	mux.Handle("/mgmt/", mgmtapi.NewServer(gw.Registry(), mgmtapi.WithServerLogger(quiet)))
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
		ts.Close()
	})
	return &gwEnv{gw: gw, rec: rec, wsURL: "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws", client: newClient(ts.URL + "/mgmt")}
}

// goodProtocols are the subprotocols the test integration accepts: the token, and
// polysynergy.v1 to select.
var goodProtocols = []string{"polysynergy.v1", "bearer.good"}

// dial connects offering goodProtocols.
func dial(t *testing.T, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr, Subprotocols: goodProtocols})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	c.SetReadLimit(4 * mgmtapi.MaxPayloadBytes)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// readClose reads until the connection closes and returns the close error.
func readClose(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read ended with %v; want a close frame", err)
		}
		return ce
	}
}

func write(t *testing.T, c *websocket.Conn, typ websocket.MessageType, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), typ, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestGatewayRejectsConnect(t *testing.T) {
	env := startGateway(t, nil)
	tests := []struct {
		name   string
		protos []string
		status int
	}{
		{"no token", nil, 401},
		{"wrong token", []string{"polysynergy.v1", "bearer.bad"}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := websocket.Dial(context.Background(), env.wsURL, &websocket.DialOptions{Subprotocols: tt.protos})
			if err == nil {
				t.Fatalf("dial succeeded; want status %d", tt.status)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("dial response %+v; want status %d", resp, tt.status)
			}
			if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" {
				t.Errorf("refusal selects subprotocol %q; want none", p)
			}
		})
	}
	for _, ev := range env.rec.events() {
		if ev.RequestContext.RouteKey != "$connect" {
			t.Errorf("got %s event for a rejected connection; want only $connect", ev.RequestContext.RouteKey)
		}
	}
	if n := env.gw.Registry().Len(); n != 0 {
		t.Errorf("registry holds %d connections; want 0", n)
	}
	resp, err := http.Get(strings.Replace(env.wsURL, "ws", "http", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET: status %d; want 426", resp.StatusCode)
	}
}

func TestGatewayEventsAndRoutes(t *testing.T) {
	env := startGateway(t, nil)
	c := dial(t, env.wsURL+"?x=1&x=2", http.Header{"X-Custom": {"yes"}, "User-Agent": {"gw-test/2"}})
	connect := env.rec.waitRoute(t, "$connect", 1)[0]
	id := connect.RequestContext.ConnectionID
	if !strings.HasSuffix(id, "=") || len(id) != 16 {
		t.Errorf("connection id %q; want API Gateway's 16-character shape", id)
	}
	if got := env.gw.Registry().IDs(); len(got) != 1 || got[0] != id {
		t.Errorf("registry ids %v; want [%s]", got, id)
	}
	rc := connect.RequestContext
	checks := []struct {
		name      string
		got, want any
	}{
		{"eventType", rc.EventType, "CONNECT"},
		{"stage", rc.Stage, "dev"},
		{"apiId", rc.APIID, "local"},
		{"messageDirection", rc.MessageDirection, "IN"},
		{"sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
		{"userAgent", rc.Identity.UserAgent, "gw-test/2"},
		// the subprotocols offered, in the header as the client spelt it (Go would say Sec-Websocket-…)
		{"Sec-WebSocket-Protocol", connect.Headers["Sec-WebSocket-Protocol"], "polysynergy.v1,bearer.good"},
		{"Sec-WebSocket-Protocol (all values)", strings.Join(connect.MultiValueHeaders["Sec-WebSocket-Protocol"], "|"), "polysynergy.v1,bearer.good"},
		{"Sec-WebSocket-Version", connect.Headers["Sec-WebSocket-Version"], "13"},
		{"Sec-WebSocket-Key", connect.Headers["Sec-WebSocket-Key"] != "", true},
		{"Go's spelling", connect.Headers["Sec-Websocket-Protocol"], ""},
		{"x (last value)", connect.QueryStringParameters["x"], "2"},
		{"x (all values)", strings.Join(connect.MultiValueQueryStringParameters["x"], ","), "1,2"},
		{"header", connect.Headers["X-Custom"], "yes"},
		{"host header", connect.Headers["Host"], strings.TrimPrefix(strings.TrimSuffix(env.wsURL, "/ws"), "ws://")},
		// as in AWS, the domain name has no port (the Host header keeps it)
		{"domainName", rc.DomainName, "127.0.0.1"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("$connect %s = %v; want %v", ck.name, ck.got, ck.want)
		}
	}
	if rc.ConnectedAt == 0 || rc.RequestTimeEpoch == 0 || rc.RequestID == "" || rc.RequestTime == "" {
		t.Errorf("$connect request context lacks times or ids: %+v", rc)
	}

	tests := []struct {
		name  string
		typ   websocket.MessageType
		msg   string
		route string
		reply string
	}{
		{"named route", websocket.MessageText, `{"action":"echo","v":1}`, "echo", `echo:{"action":"echo","v":1}`},
		{"unknown action", websocket.MessageText, `{"action":"nope"}`, "$default", `{"b64":false,"body":"{\"action\":\"nope\"}","route":"$default"}`},
		{"not json", websocket.MessageText, `hello`, "$default", `{"b64":false,"body":"hello","route":"$default"}`},
		{"binary", websocket.MessageBinary, "\x00\x01", "$default", `{"b64":true,"body":"AAE=","route":"$default"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, c, tt.typ, tt.msg)
			if got := readText(t, c); got != tt.reply {
				t.Errorf("reply %s; want %s", got, tt.reply)
			}
			evs := env.rec.events()
			last := evs[len(evs)-1]
			if last.RequestContext.RouteKey != tt.route || last.RequestContext.EventType != "MESSAGE" ||
				last.RequestContext.ConnectionID != id || last.RequestContext.MessageID == nil {
				t.Errorf("event route %s type %s conn %s messageId %v; want %s MESSAGE %s with a message id",
					last.RequestContext.RouteKey, last.RequestContext.EventType, last.RequestContext.ConnectionID,
					last.RequestContext.MessageID, tt.route, id)
			}
		})
	}

	t.Run("integration error", func(t *testing.T) {
		write(t, c, websocket.MessageText, `{"action":"boom"}`)
		var got map[string]string
		if err := json.Unmarshal([]byte(readText(t, c)), &got); err != nil {
			t.Fatal(err)
		}
		if got["message"] != "Internal server error" || got["connectionId"] != id || got["requestId"] == "" {
			t.Errorf("error message %v; want Internal server error for %s with a request id", got, id)
		}
	})

	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close: %v", err)
	}
	dis := env.rec.waitRoute(t, "$disconnect", 1)[0]
	if dis.RequestContext.ConnectionID != id || dis.RequestContext.DisconnectStatusCode != 1000 ||
		dis.RequestContext.DisconnectReason == nil || *dis.RequestContext.DisconnectReason != "bye" ||
		dis.RequestContext.EventType != "DISCONNECT" {
		t.Errorf("$disconnect %+v; want connection %s, code 1000, reason bye", dis.RequestContext, id)
	}
	if dis.Headers["Host"] != connect.Headers["Host"] || dis.RequestContext.DomainName != "127.0.0.1" {
		t.Errorf("$disconnect Host %q, domainName %q; want %q and 127.0.0.1", dis.Headers["Host"], dis.RequestContext.DomainName, connect.Headers["Host"])
	}
	if n := env.gw.Registry().Len(); n != 0 {
		t.Errorf("registry holds %d connections after disconnect; want 0", n)
	}
	env.rec.mu.Lock()
	raw := env.rec.raw[0]
	env.rec.mu.Unlock()
	for _, key := range []string{`"routeKey":"$connect"`, `"multiValueQueryStringParameters"`, `"isBase64Encoded":false`, `"connectedAt":`} {
		if !strings.Contains(raw, key) {
			t.Errorf("$connect JSON lacks %s: %s", key, raw)
		}
	}
}

// The handshake's answer carries the subprotocol the $connect answer selects, as it is, as API
// Gateway's does: none when it selects none, and one the client did not offer too (which the
// client then refuses, as browsers do).
func TestGatewaySubprotocol(t *testing.T) {
	env := startGateway(t, nil)
	ctx := context.Background()
	c, resp, err := websocket.Dial(ctx, env.wsURL, &websocket.DialOptions{Subprotocols: goodProtocols})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.Subprotocol() != "polysynergy.v1" || resp.Header.Get("Sec-WebSocket-Protocol") != "polysynergy.v1" {
		t.Errorf("subprotocol %q (header %q); want polysynergy.v1 (from the $connect response header)",
			c.Subprotocol(), resp.Header.Get("Sec-WebSocket-Protocol"))
	}

	c2, resp, err := websocket.Dial(ctx, env.wsURL+"?proto=none", &websocket.DialOptions{Subprotocols: goodProtocols})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	if vs := resp.Header.Values("Sec-WebSocket-Protocol"); len(vs) != 0 {
		t.Errorf("handshake answer selects %q though $connect selected none", vs)
	}

	_, resp, err = websocket.Dial(ctx, env.wsURL+"?proto=chat.v9", &websocket.DialOptions{Subprotocols: goodProtocols})
	if err == nil || !strings.Contains(err.Error(), `"chat.v9"`) {
		t.Errorf("dial: %v; want the client to refuse the subprotocol chat.v9 it did not offer", err)
	}
	if resp == nil || resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "chat.v9" {
		t.Errorf("handshake answer %+v; want 101 selecting chat.v9 as $connect answered", resp)
	}
}

func TestGatewayTimeouts(t *testing.T) {
	tests := []struct {
		name   string
		tune   func(*mgmtapi.GatewayConfig)
		reason string
	}{
		{"idle", func(c *mgmtapi.GatewayConfig) { c.IdleTimeout = 150 * time.Millisecond }, "idle"},
		{"lifetime", func(c *mgmtapi.GatewayConfig) { c.MaxLifetime = 150 * time.Millisecond }, "lifetime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startGateway(t, tt.tune)
			c := dial(t, env.wsURL, nil)
			ce := readClose(t, c)
			if ce.Code != websocket.StatusGoingAway || !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("closed with %d %q; want 1001 mentioning %s", ce.Code, ce.Reason, tt.reason)
			}
			dis := env.rec.waitRoute(t, "$disconnect", 1)[0]
			if dis.RequestContext.DisconnectStatusCode != 1001 {
				t.Errorf("$disconnect code %d; want 1001", dis.RequestContext.DisconnectStatusCode)
			}
		})
	}
}

func TestGatewayActivityDefersIdleTimeout(t *testing.T) {
	env := startGateway(t, func(c *mgmtapi.GatewayConfig) { c.IdleTimeout = 400 * time.Millisecond })
	c := dial(t, env.wsURL, nil)
	// Messages every 40 ms for well over the idle timeout keep it open.
	for range 20 {
		write(t, c, websocket.MessageText, `{"action":"echo"}`)
		if got := readText(t, c); got != `echo:{"action":"echo"}` {
			t.Fatalf("reply %s; want the echo", got)
		}
		time.Sleep(40 * time.Millisecond)
	}
	if n := env.gw.Registry().Len(); n != 1 {
		t.Fatalf("registry holds %d connections while the client is active; want 1", n)
	}
	ce := readClose(t, c)
	if ce.Code != websocket.StatusGoingAway {
		t.Errorf("closed with %d once quiet; want 1001", ce.Code)
	}
}

func TestGatewayMessageTooBig(t *testing.T) {
	env := startGateway(t, nil)
	c := dial(t, env.wsURL, nil)
	big := strings.Repeat("z", mgmtapi.MaxPayloadBytes+1)
	_ = c.Write(context.Background(), websocket.MessageText, []byte(big))
	ce := readClose(t, c)
	if ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("closed with %d; want 1009", ce.Code)
	}
	dis := env.rec.waitRoute(t, "$disconnect", 1)[0]
	if dis.RequestContext.DisconnectStatusCode != 1009 {
		t.Errorf("$disconnect code %d; want 1009", dis.RequestContext.DisconnectStatusCode)
	}
	for _, ev := range env.rec.events() {
		if ev.RequestContext.EventType == "MESSAGE" {
			t.Errorf("oversized message reached the integration")
		}
	}
}

func TestGatewayManagementAPI(t *testing.T) {
	env := startGateway(t, nil)
	c := dial(t, env.wsURL, http.Header{"User-Agent": {"mgmt-test"}})
	id := env.rec.waitRoute(t, "$connect", 1)[0].RequestContext.ConnectionID
	ctx := context.Background()

	payloads := [][]byte{[]byte(`[{"type":"run_start","seq":1}]`), {0xfe, 0xff}}
	for _, p := range payloads {
		if _, err := env.client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: p}); err != nil {
			t.Fatalf("post: %v", err)
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		typ, got, err := c.Read(rctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		wantTyp := websocket.MessageText
		if p[0] == 0xfe {
			wantTyp = websocket.MessageBinary
		}
		if !bytes.Equal(got, p) || typ != wantTyp {
			t.Errorf("client got %v %q; want %v %q", typ, got, wantTyp, p)
		}
	}
	out, err := env.client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Identity.UserAgent) != "mgmt-test" || aws.ToString(out.Identity.SourceIp) != "127.0.0.1" {
		t.Errorf("identity %+v; want mgmt-test from 127.0.0.1", out.Identity)
	}
	if _, err := env.client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if ce := readClose(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("client closed with %d; want 1000", ce.Code)
	}
	if dis := env.rec.waitRoute(t, "$disconnect", 1)[0]; dis.RequestContext.DisconnectStatusCode != 1000 {
		t.Errorf("$disconnect code %d; want 1000", dis.RequestContext.DisconnectStatusCode)
	}
	_, err = env.client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	if !isGone(err) {
		t.Errorf("post after delete: %v; want GoneException", err)
	}
}

func TestGatewayVanishedClient(t *testing.T) {
	env := startGateway(t, nil)
	c := dial(t, env.wsURL, nil)
	id := env.rec.waitRoute(t, "$connect", 1)[0].RequestContext.ConnectionID
	_ = c.CloseNow() // no close handshake: the TCP connection just ends
	dis := env.rec.waitRoute(t, "$disconnect", 1)[0]
	if dis.RequestContext.ConnectionID != id || dis.RequestContext.DisconnectStatusCode != 1006 {
		t.Errorf("$disconnect %s code %d; want %s 1006", dis.RequestContext.ConnectionID, dis.RequestContext.DisconnectStatusCode, id)
	}
	_, err := env.client.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	if !isGone(err) {
		t.Errorf("post to vanished client: %v; want GoneException", err)
	}
}

func TestGatewayShutdown(t *testing.T) {
	env := startGateway(t, nil)
	a := dial(t, env.wsURL, nil)
	b := dial(t, env.wsURL, nil)
	env.rec.waitRoute(t, "$connect", 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- env.gw.Shutdown(ctx) }()
	for _, c := range []*websocket.Conn{a, b} {
		if ce := readClose(t, c); ce.Code != websocket.StatusGoingAway {
			t.Errorf("closed with %d; want 1001", ce.Code)
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if n := len(env.rec.waitRoute(t, "$disconnect", 2)); n != 2 {
		t.Errorf("%d $disconnect events; want 2", n)
	}
	_, resp, err := websocket.Dial(context.Background(), env.wsURL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after shutdown: %v %v; want 503", err, resp)
	}
}

func TestNewGatewayValidates(t *testing.T) {
	ok := func(context.Context, []byte) ([]byte, error) { return nil, nil }
	tests := []struct {
		name string
		cfg  mgmtapi.GatewayConfig
		want string
	}{
		{"no invoke", mgmtapi.GatewayConfig{}, "Invoke"},
		{"negative idle", mgmtapi.GatewayConfig{Invoke: ok, IdleTimeout: -1}, "IdleTimeout"},
		{"negative lifetime", mgmtapi.GatewayConfig{Invoke: ok, MaxLifetime: -1}, "MaxLifetime"},
		{"reserved route", mgmtapi.GatewayConfig{Invoke: ok, Routes: []string{"$connect"}}, "Routes"},
		{"empty route", mgmtapi.GatewayConfig{Invoke: ok, Routes: []string{""}}, "Routes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mgmtapi.NewGateway(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewGateway: %v; want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestTyped(t *testing.T) {
	type in struct {
		N int `json:"n"`
	}
	type out struct {
		Double int `json:"double"`
	}
	f := mgmtapi.Typed(func(_ context.Context, v in) (out, error) {
		if v.N < 0 {
			return out{}, errors.New("negative")
		}
		return out{Double: 2 * v.N}, nil
	})
	tests := []struct {
		payload string
		want    string
		err     string
	}{
		{`{"n":21}`, `{"double":42}`, ""},
		{`{"n":-1}`, "", "negative"},
		{`{"n":"x"}`, "", "unmarshal event"},
	}
	for _, tt := range tests {
		got, err := f(context.Background(), []byte(tt.payload))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v; want %s", tt.payload, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.payload, got, err, tt.want)
		}
	}
}

func TestBase64RouteResponse(t *testing.T) {
	invoke := func(_ context.Context, payload []byte) ([]byte, error) {
		var ev events.APIGatewayWebsocketProxyRequest
		_ = json.Unmarshal(payload, &ev)
		resp := events.APIGatewayProxyResponse{StatusCode: 200}
		if ev.RequestContext.EventType == "MESSAGE" {
			resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte{0xff, 0x01}), true
		}
		return json.Marshal(resp)
	}
	env := startGateway(t, func(c *mgmtapi.GatewayConfig) { c.Invoke = invoke })
	c := dial(t, env.wsURL, nil)
	write(t, c, websocket.MessageText, "hi")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil || typ != websocket.MessageBinary || !bytes.Equal(b, []byte{0xff, 0x01}) {
		t.Errorf("read %v %v %v; want binary ff01", typ, b, err)
	}
}
