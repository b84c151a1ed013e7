package live_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/live"
	"polysynergy/shared/store"
)

// connectEvent is a $connect event with the given request headers, each in headers and
// multiValueHeaders as API Gateway sends them.
func connectEvent(id string, headers map[string]string, connectedAt time.Time) events.APIGatewayWebsocketProxyRequest {
	ev := events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: "$connect", EventType: "CONNECT",
			ConnectionID: id, ConnectedAt: connectedAt.UnixMilli(), Stage: "dev"}}
	if headers != nil {
		ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
		for k, v := range headers {
			ev.Headers[k], ev.MultiValueHeaders[k] = v, []string{v}
		}
	}
	return ev
}

// offer is the Sec-WebSocket-Protocol header a browser sends for new WebSocket(url, protocols).
func offer(protocols ...string) map[string]string {
	return map[string]string{"Sec-WebSocket-Protocol": strings.Join(protocols, ", ")}
}

func messageEvent(id, route, body string) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{Body: body,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: route, EventType: "MESSAGE", ConnectionID: id}}
}

func disconnectEvent(id string) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: "$disconnect", EventType: "DISCONNECT", ConnectionID: id}}
}

func TestHandlerConnect(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before := time.Now()
	at := before.Add(-3 * time.Hour) // requestContext.connectedAt of a replayed event
	good := w.iss.token(t, viewerSub, nil)
	ev := func(h map[string]string) func(id string) events.APIGatewayWebsocketProxyRequest {
		return func(id string) events.APIGatewayWebsocketProxyRequest { return connectEvent(id, h, at) }
	}
	tests := []struct {
		name   string
		id     string
		ev     func(id string) events.APIGatewayWebsocketProxyRequest
		status int
		sub    string
		// proto is the Sec-WebSocket-Protocol header of the answer
		proto string
	}{
		{"no token", "c-none=", ev(nil), 401, "", ""},
		{"only the protocol", "c-proto=", ev(offer("polysynergy.v1")), 401, "", ""},
		{"garbage token", "c-garbage=", ev(offer("polysynergy.v1", "bearer.not.a.jwt")), 401, "", ""},
		{"expired token", "c-expired=", ev(offer("polysynergy.v1",
			"bearer."+w.iss.token(t, viewerSub, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}))), 401, "", ""},
		{"wrong audience", "c-aud=", ev(offer("polysynergy.v1", "bearer."+w.iss.token(t, viewerSub, map[string]any{"aud": "someone-else"}))), 401, "", ""},
		{"token as a subprotocol", "c-ok=", ev(offer("polysynergy.v1", "bearer."+good)), 200, viewerSub, "polysynergy.v1"},
		{"token first, other protocols, lower-case header, no spaces", "c-order=",
			ev(map[string]string{"sec-websocket-protocol": "bearer." + w.iss.token(t, ownerSub, nil) + ",chat,polysynergy.v1"}), 200, ownerSub, "polysynergy.v1"},
		{"token only in the multi-value headers, in a second header line", "c-multi=", func(id string) events.APIGatewayWebsocketProxyRequest {
			e := connectEvent(id, nil, at)
			e.MultiValueHeaders = map[string][]string{"Sec-WebSocket-Protocol": {"polysynergy.v1", "bearer." + w.iss.token(t, ownerSub, nil)}}
			return e
		}, 200, ownerSub, "polysynergy.v1"},
		{"token without the protocol to select", "c-alone=", ev(offer("bearer." + good)), 400, "", ""},
		{"two tokens", "c-two=", ev(offer("polysynergy.v1", "bearer."+good, "bearer."+w.iss.token(t, ownerSub, nil))), 401, "", ""},
		{"Authorization header", "c-authz=", ev(map[string]string{"Authorization": "Bearer " + good}), 200, viewerSub, ""},
		{"Authorization header with the protocol offered", "c-authz-proto=",
			ev(map[string]string{"authorization": "bearer " + good, "Sec-WebSocket-Protocol": "polysynergy.v1"}), 200, viewerSub, "polysynergy.v1"},
		{"Authorization header, not Bearer", "c-basic=", ev(map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}), 401, "", ""},
		{"token both as subprotocol and Authorization", "c-both=",
			ev(map[string]string{"Authorization": "Bearer " + good, "Sec-WebSocket-Protocol": "polysynergy.v1, bearer." + good}), 401, "", ""},
		{"token in the query string (the old form)", "c-query=", func(id string) events.APIGatewayWebsocketProxyRequest {
			e := connectEvent(id, nil, at)
			e.QueryStringParameters = map[string]string{"token": good}
			e.MultiValueQueryStringParameters = map[string][]string{"token": {good}}
			return e
		}, 401, "", ""},
		{"token in the query string beside a good one in the header", "c-query-too=", func(id string) events.APIGatewayWebsocketProxyRequest {
			e := connectEvent(id, offer("polysynergy.v1", "bearer."+good), at)
			e.MultiValueQueryStringParameters = map[string][]string{"token": {good}}
			return e
		}, 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := w.h.Handle(ctx, tt.ev(tt.id))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s); want %d", resp.StatusCode, resp.Body, tt.status)
			}
			if got := resp.Headers["Sec-WebSocket-Protocol"]; got != tt.proto || len(resp.MultiValueHeaders) != 0 {
				t.Errorf("answer's Sec-WebSocket-Protocol %q (multi-value %v); want %q", got, resp.MultiValueHeaders, tt.proto)
			}
			c, err := w.st.GetConnection(ctx, tt.id)
			if tt.sub == "" {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("connection stored for a rejected $connect: %+v, %v", c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Sub != tt.sub || c.ConnectedAt.Before(before) || c.ConnectedAt.After(time.Now()) ||
				!c.ExpiresAt.Equal(c.ConnectedAt.Add(2*time.Hour).Truncate(time.Second)) {
				t.Errorf("connection %+v; want sub %s connected just now, expiring 2 h later", c, tt.sub)
			}
		})
	}
	if _, err := w.h.Handle(ctx, events.APIGatewayWebsocketProxyRequest{}); err == nil || !strings.Contains(err.Error(), "connectionId") {
		t.Errorf("event without connection id: %v; want an error naming connectionId", err)
	}
}

// The token never shows in the handler's logs (at debug level) nor in its answers, whichever
// way a $connect brings it and whatever becomes of it; a refusal's log says why.
func TestHandlerConnectNeverLogsTheToken(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var logs bytes.Buffer
	h, err := live.NewHandler(live.HandlerConfig{Store: w.st, Verifier: w.iss.verifier,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	good := w.iss.token(t, viewerSub, nil)
	expired := w.iss.token(t, viewerSub, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	foreign := w.iss.token(t, viewerSub, map[string]any{"iss": "https://evil"})
	forged := good[:len(good)-4] + "AAAA"
	tokens := []string{good, expired, foreign, forged}
	query := func(tok string) events.APIGatewayWebsocketProxyRequest {
		e := connectEvent("q=", nil, time.Now())
		e.QueryStringParameters = map[string]string{"token": tok}
		return e
	}
	tests := []struct {
		name string
		ev   events.APIGatewayWebsocketProxyRequest
		log  string // in the log line of this $connect
	}{
		{"accepted", connectEvent("ok=", offer("polysynergy.v1", "bearer."+good), time.Now()), "websocket connected"},
		{"accepted by Authorization", connectEvent("authz=", map[string]string{"Authorization": "Bearer " + good}, time.Now()), "websocket connected"},
		{"expired", connectEvent("exp=", offer("polysynergy.v1", "bearer."+expired), time.Now()), "expired"},
		{"foreign issuer", connectEvent("iss=", offer("polysynergy.v1", "bearer."+foreign), time.Now()), "https://evil"},
		{"forged", connectEvent("forged=", offer("polysynergy.v1", "bearer."+forged), time.Now()), "token rejected"},
		{"in the query string", query(good), "query string (?token=) is refused"},
		{"without the protocol to select", connectEvent("alone=", offer("bearer."+good), time.Now()), "offered without polysynergy.v1"},
		{"twice", connectEvent("twice=", offer("polysynergy.v1", "bearer."+good, "bearer."+expired), time.Now()), "2 bearer.<token> subprotocols"},
		{"both ways", connectEvent("both=", map[string]string{"Authorization": "Bearer " + good,
			"Sec-WebSocket-Protocol": "polysynergy.v1, bearer." + forged}, time.Now()), "both as a subprotocol and in Authorization"},
		{"none", connectEvent("none=", offer("polysynergy.v1"), time.Now()), "no token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			resp, err := h.Handle(ctx, tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := json.Marshal(resp)
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log %s; want it to mention %q", logs.String(), tt.log)
			}
			for _, tok := range tokens {
				// each part of the JWT: a payload or a signature alone is as bad
				for _, part := range strings.Split(tok, ".") {
					if strings.Contains(logs.String(), part) {
						t.Errorf("log holds a part of a token: %s", logs.String())
					}
					if strings.Contains(string(answer), part) {
						t.Errorf("answer holds a part of a token: %s", answer)
					}
				}
			}
		})
	}
}

func reply(t *testing.T, resp events.APIGatewayProxyResponse) live.Reply {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d; want 200", resp.StatusCode)
	}
	var r live.Reply
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		t.Fatalf("reply %q: %v", resp.Body, err)
	}
	return r
}

func TestHandlerMessages(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for id, sub := range map[string]string{"viewer=": viewerSub, "owner=": ownerSub, "stranger=": strangerSub} {
		resp, err := w.h.Handle(ctx, connectEvent(id, offer(live.ProtocolsFor(w.iss.token(t, sub, nil))...), time.Now()))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("connect %s: %d %v", id, resp.StatusCode, err)
		}
	}
	T, P, F := w.tenant.ID, w.project.ID, w.flow.ID
	msg := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }
	subscribers := func() []string {
		ids, err := w.st.ListSubscribers(ctx, w.flow.Key())
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	steps := []struct {
		name string
		conn string
		body string
		b64  bool
		want live.Reply
		// wantMsg must be contained in the reply's message.
		wantMsg string
		after   func(t *testing.T)
	}{
		{name: "ping", conn: "viewer=", body: `{"action":"ping","id":"p1"}`, want: live.Reply{Type: "pong", ID: "p1"}},
		{name: "ping base64", conn: "viewer=", body: base64.StdEncoding.EncodeToString([]byte(`{"action":"ping"}`)), b64: true,
			want: live.Reply{Type: "pong"}},
		{name: "viewer subscribes with tenant", conn: "viewer=",
			body: msg(map[string]any{"action": "subscribe", "tenant": T, "project": P, "flow": F, "id": "s1"}),
			want: live.Reply{Type: "subscribed", ID: "s1", Tenant: T, Project: P, Flow: F},
			after: func(t *testing.T) {
				if got := subscribers(); !slices.Equal(got, []string{"viewer="}) {
					t.Errorf("subscribers %v; want [viewer=]", got)
				}
			}},
		{name: "owner subscribes without tenant", conn: "owner=",
			body: msg(map[string]any{"action": "subscribe", "project": P, "flow": F}),
			want: live.Reply{Type: "subscribed", Tenant: T, Project: P, Flow: F},
			after: func(t *testing.T) {
				if got := subscribers(); len(got) != 2 {
					t.Errorf("subscribers %v; want owner= and viewer=", got)
				}
			}},
		{name: "stranger naming the tenant", conn: "stranger=",
			body:    msg(map[string]any{"action": "subscribe", "tenant": T, "project": P, "flow": F}),
			want:    live.Reply{Type: "error", Action: "subscribe", Tenant: T, Project: P, Flow: F, Field: "tenant"},
			wantMsg: "tenant: " + T + " not found among your tenants"},
		{name: "stranger without tenant", conn: "stranger=",
			body:    msg(map[string]any{"action": "subscribe", "project": P, "flow": F}),
			want:    live.Reply{Type: "error", Action: "subscribe", Project: P, Flow: F, Field: "project"},
			wantMsg: "project: " + P + " not found in your tenants",
			after: func(t *testing.T) {
				if got := subscribers(); slices.Contains(got, "stranger=") {
					t.Errorf("stranger subscribed: %v", got)
				}
			}},
		{name: "viewer into another tenant's flow", conn: "viewer=",
			body:    msg(map[string]any{"action": "subscribe", "tenant": w.other.ID, "project": w.otherPrj.ID, "flow": w.otherFlw.ID}),
			want:    live.Reply{Type: "error", Action: "subscribe", Tenant: w.other.ID, Project: w.otherPrj.ID, Flow: w.otherFlw.ID, Field: "tenant"},
			wantMsg: "tenant: " + w.other.ID + " not found"},
		{name: "unknown flow", conn: "viewer=", body: msg(map[string]any{"action": "subscribe", "tenant": T, "project": P, "flow": "nope"}),
			want: live.Reply{Type: "error", Action: "subscribe", Tenant: T, Project: P, Flow: "nope", Field: "flow"}, wantMsg: "flow: nope not found in project " + P},
		{name: "unknown project", conn: "viewer=", body: msg(map[string]any{"action": "subscribe", "project": "nope", "flow": F}),
			want: live.Reply{Type: "error", Action: "subscribe", Project: "nope", Flow: F, Field: "project"}, wantMsg: "project: nope not found"},
		{name: "project not in the tenant named", conn: "viewer=", body: msg(map[string]any{"action": "subscribe", "tenant": T, "project": w.otherPrj.ID, "flow": F}),
			want:    live.Reply{Type: "error", Action: "subscribe", Tenant: T, Project: w.otherPrj.ID, Flow: F, Field: "project"},
			wantMsg: "project: " + w.otherPrj.ID + " not found in tenant " + T},
		{name: "not JSON", conn: "viewer=", body: `subscribe please`, want: live.Reply{Type: "error", Field: "message"}, wantMsg: "message: want a JSON object"},
		{name: "no action", conn: "viewer=", body: `{"flow":"x"}`, want: live.Reply{Type: "error", Field: "action"}, wantMsg: "action: required"},
		{name: "unknown action", conn: "viewer=", body: `{"action":"dance"}`, want: live.Reply{Type: "error", Action: "dance", Field: "action"}, wantMsg: `action: "dance" is unknown`},
		{name: "action not a string", conn: "viewer=", body: `{"action":1}`, want: live.Reply{Type: "error", Field: "action"}, wantMsg: "action: want a string"},
		{name: "flow missing", conn: "viewer=", body: msg(map[string]any{"action": "subscribe", "project": P}),
			want: live.Reply{Type: "error", Action: "subscribe", Field: "flow"}, wantMsg: "flow: required"},
		{name: "bad project id", conn: "viewer=", body: msg(map[string]any{"action": "subscribe", "project": "a#b", "flow": F}),
			want: live.Reply{Type: "error", Action: "subscribe", Field: "project"}, wantMsg: "project: contains '#'"},
		{name: "unregistered connection", conn: "ghost=", body: msg(map[string]any{"action": "subscribe", "project": P, "flow": F}),
			want: live.Reply{Type: "error", Action: "subscribe", Project: P, Flow: F, Field: "connection"}, wantMsg: "connection: not registered or expired; reconnect"},
		{name: "viewer unsubscribes", conn: "viewer=", body: msg(map[string]any{"action": "unsubscribe", "project": P, "flow": F}),
			want: live.Reply{Type: "unsubscribed", Tenant: T, Project: P, Flow: F},
			after: func(t *testing.T) {
				if got := subscribers(); !slices.Equal(got, []string{"owner="}) {
					t.Errorf("subscribers %v; want [owner=]", got)
				}
			}},
		// a second unsubscribe answers like the first (it lacked the tenant)
		{name: "unsubscribe again is fine", conn: "viewer=", body: msg(map[string]any{"action": "unsubscribe", "project": P, "flow": F, "id": "u2"}),
			want: live.Reply{Type: "unsubscribed", ID: "u2", Tenant: T, Project: P, Flow: F}},
		{name: "unsubscribe again naming the tenant", conn: "viewer=", body: msg(map[string]any{"action": "unsubscribe", "tenant": T, "project": P, "flow": F}),
			want: live.Reply{Type: "unsubscribed", Tenant: T, Project: P, Flow: F}},
		{name: "unsubscribe a flow never followed", conn: "stranger=", body: msg(map[string]any{"action": "unsubscribe", "project": w.otherPrj.ID, "flow": w.otherFlw.ID}),
			want: live.Reply{Type: "unsubscribed", Tenant: w.other.ID, Project: w.otherPrj.ID, Flow: w.otherFlw.ID}},
		{name: "unsubscribe from a tenant not one's own", conn: "stranger=", body: msg(map[string]any{"action": "unsubscribe", "tenant": T, "project": P, "flow": F}),
			want:    live.Reply{Type: "error", Action: "unsubscribe", Tenant: T, Project: P, Flow: F, Field: "tenant"},
			wantMsg: "tenant: " + T + " not found among your tenants"},
		{name: "unsubscribe from a project not one's own", conn: "stranger=", body: msg(map[string]any{"action": "unsubscribe", "project": P, "flow": F}),
			want:    live.Reply{Type: "error", Action: "unsubscribe", Project: P, Flow: F, Field: "project"},
			wantMsg: "project: " + P + " not found in your tenants"},
		{name: "unsubscribe without a flow", conn: "viewer=", body: msg(map[string]any{"action": "unsubscribe", "project": P}),
			want: live.Reply{Type: "error", Action: "unsubscribe", Field: "flow"}, wantMsg: "flow: required"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ev := messageEvent(st.conn, "$default", st.body)
			ev.IsBase64Encoded = st.b64
			resp, err := w.h.Handle(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			got := reply(t, resp)
			if !strings.Contains(got.Message, st.wantMsg) {
				t.Errorf("message %q; want it to contain %q", got.Message, st.wantMsg)
			}
			got.Message = ""
			if got != st.want {
				t.Errorf("reply %+v; want %+v", got, st.want)
			}
			if st.after != nil {
				st.after(t)
			}
		})
	}

	t.Run("trashed project", func(t *testing.T) {
		if err := w.st.TrashProject(ctx, w.project.Key()); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{
			msg(map[string]any{"action": "subscribe", "tenant": T, "project": P, "flow": F}),
			msg(map[string]any{"action": "subscribe", "project": P, "flow": F}),
		} {
			got := reply(t, must(w.h.Handle(ctx, messageEvent("viewer=", "subscribe", body))))
			if got.Type != "error" || !strings.Contains(got.Message, "project: "+P+" not found") {
				t.Errorf("subscribe to a trashed project: %+v; want project not found", got)
			}
		}
		// unsubscribing from it still answers with its tenant
		got := reply(t, must(w.h.Handle(ctx, messageEvent("viewer=", "unsubscribe", msg(map[string]any{"action": "unsubscribe", "project": P, "flow": F})))))
		if want := (live.Reply{Type: "unsubscribed", Tenant: T, Project: P, Flow: F}); got != want {
			t.Errorf("unsubscribe from a trashed project: %+v; want %+v", got, want)
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		resp, err := w.h.Handle(ctx, disconnectEvent("owner="))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("disconnect: %d %v", resp.StatusCode, err)
		}
		if _, err := w.st.GetConnection(ctx, "owner="); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("connection after $disconnect: %v; want not found", err)
		}
		if got := subscribers(); len(got) != 0 {
			t.Errorf("subscribers after $disconnect %v; want none", got)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseClientMessage(t *testing.T) {
	long := strings.Repeat("x", 129)
	tests := []struct {
		body string
		want live.ClientMessage
		err  string
	}{
		{`{"action":"ping"}`, live.ClientMessage{Action: "ping"}, ""},
		{`{"action":"ping","project":"a b"}`, live.ClientMessage{Action: "ping", Project: "a b"}, ""},
		{`{"action":"subscribe","tenant":"t","project":"p","flow":"f","id":"7","extra":[1]}`,
			live.ClientMessage{Action: "subscribe", Tenant: "t", Project: "p", Flow: "f", ID: "7"}, ""},
		{`{"action":"unsubscribe","project":"p","flow":"f","tenant":null}`, live.ClientMessage{Action: "unsubscribe", Project: "p", Flow: "f"}, ""},
		{`{"action":"subscribe","project":"p"}`, live.ClientMessage{}, "flow: required"},
		{`{"action":"subscribe","flow":"f"}`, live.ClientMessage{}, "project: required"},
		{`{"action":"subscribe","project":"` + long + `","flow":"f"}`, live.ClientMessage{}, "project: longer than 128 bytes"},
		{`{"action":"subscribe","project":"p","flow":"f","tenant":"t\u0000"}`, live.ClientMessage{}, "tenant: contains"},
		{`{"action":"ping","id":"` + strings.Repeat("i", 200) + `"}`, live.ClientMessage{}, "id: longer than 128 bytes"},
		{`{"action":["ping"]}`, live.ClientMessage{}, "action: want a string"},
		{`{"ACTION":"ping"}`, live.ClientMessage{}, "action: required"},
		{`[]`, live.ClientMessage{}, "message: want a JSON object"},
		{``, live.ClientMessage{}, "message: want a JSON object"},
	}
	for _, tt := range tests {
		got, err := live.ParseClientMessage([]byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseClientMessage(%.60s): %v; want error %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseClientMessage(%s) = %+v, %v; want %+v", tt.body, got, err, tt.want)
		}
	}
}

func FuzzParseClientMessage(f *testing.F) {
	f.Add([]byte(`{"action":"subscribe","tenant":"t","project":"p","flow":"f","id":"1"}`))
	f.Add([]byte(`{"action":"ping"}`))
	f.Add([]byte(`{"action":"unsubscribe","project":"p#","flow":"f"}`))
	f.Add([]byte(`{"action":"subscribe","project":"p","flow":"\u2028"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := live.ParseClientMessage(body)
		if err != nil {
			if !strings.Contains(err.Error(), ":") {
				t.Fatalf("error %q does not name a field", err)
			}
			return
		}
		switch m.Action {
		case live.ActionPing:
		case live.ActionSubscribe, live.ActionUnsubscribe:
			for _, v := range []string{m.Project, m.Flow} {
				if v == "" || len(v) > 128 || strings.ContainsAny(v, "# \t\n") {
					t.Fatalf("accepted id %q in %+v", v, m)
				}
			}
		default:
			t.Fatalf("accepted action %q", m.Action)
		}
	})
}
