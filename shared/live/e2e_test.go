package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/live"
	"polysynergy/shared/live/publish"
	"polysynergy/shared/local/mgmtapi"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// cloud is the local WebSocket API: the gateway invoking the live handler
// with real events, the Management API server, and the SDK client on it.
type cloud struct {
	*world
	gw     *mgmtapi.Gateway
	wsURL  string
	client *apigatewaymanagementapi.Client
}

func newCloud(tb testing.TB, tune func(*mgmtapi.GatewayConfig)) *cloud {
	tb.Helper()
	w := newWorld(tb)
	cfg := mgmtapi.GatewayConfig{Invoke: mgmtapi.Typed(w.h.Handle), Stage: "dev", Logger: quiet,
		Routes: []string{live.ActionSubscribe, live.ActionUnsubscribe, live.ActionPing}}
	if tune != nil {
		tune(&cfg)
	}
	gw, err := mgmtapi.NewGateway(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", gw)
	mux.Handle("/mgmt/", mgmtapi.NewServer(gw.Registry(), mgmtapi.WithServerLogger(quiet)))
	ts := httptest.NewServer(mux)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
		ts.Close()
	})
	// An HTTP client keeping as many idle connections as the publisher
	// posts in parallel (the SDK's default keeps 10 per host).
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = publish.DefaultMaxParallel
	})
	client := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		BaseEndpoint: aws.String(ts.URL + "/mgmt/dev"), Region: "us-east-1", HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return &cloud{world: w, gw: gw, wsURL: "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws", client: client}
}

func (c *cloud) publisher(tb testing.TB, k store.FlowKey) *publish.Publisher {
	tb.Helper()
	p, err := publish.NewPublisher(publish.PublisherConfig{Flow: k, Store: c.st, Client: c.client, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// client is an editor's WebSocket connection; a goroutine reads every
// message into msgs.
type client struct {
	c      *websocket.Conn
	msgs   chan []byte
	closed chan error
}

func (c *cloud) connect(tb testing.TB, sub string) *client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// as the editor does: the token offered as a subprotocol, not in the URL
	conn, _, err := websocket.Dial(ctx, c.wsURL, &websocket.DialOptions{Subprotocols: live.ProtocolsFor(c.iss.token(tb, sub, nil))})
	if err != nil {
		tb.Fatalf("dial as %s: %v", sub, err)
	}
	if conn.Subprotocol() != live.Protocol {
		tb.Fatalf("dial as %s: subprotocol %q; want %s selected", sub, conn.Subprotocol(), live.Protocol)
	}
	conn.SetReadLimit(2 * publish.MaxMessageBytes)
	cl := &client{c: conn, msgs: make(chan []byte, 1000), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				cl.closed <- err
				return
			}
			cl.msgs <- b
		}
	}()
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return cl
}

func (cl *client) send(tb testing.TB, v any) {
	tb.Helper()
	b, _ := json.Marshal(v)
	if err := cl.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		tb.Fatalf("send: %v", err)
	}
}

func (cl *client) next(tb testing.TB) []byte {
	tb.Helper()
	select {
	case b := <-cl.msgs:
		return b
	case err := <-cl.closed:
		tb.Fatalf("connection closed while waiting for a message: %v", err)
	case <-time.After(10 * time.Second):
		tb.Fatal("no message within 10s")
	}
	return nil
}

// reply reads the next message as a handler reply.
func (cl *client) reply(tb testing.TB) live.Reply {
	tb.Helper()
	b := cl.next(tb)
	var r live.Reply
	if err := json.Unmarshal(b, &r); err != nil || r.Type == "" {
		tb.Fatalf("message %.200s is not a reply (%v)", b, err)
	}
	return r
}

// events reads messages until n events arrived; each message must be a
// JSON array of events within the size limit.
func (cl *client) events(tb testing.TB, n int) ([]map[string]any, int) {
	tb.Helper()
	var out []map[string]any
	msgs := 0
	for len(out) < n {
		b := cl.next(tb)
		msgs++
		if len(b) > publish.MaxMessageBytes {
			tb.Errorf("message of %d bytes; limit %d", len(b), publish.MaxMessageBytes)
		}
		var arr []map[string]any
		if err := json.Unmarshal(b, &arr); err != nil {
			tb.Fatalf("message %.200s is not a JSON array of events: %v", b, err)
		}
		out = append(out, arr...)
	}
	return out, msgs
}

func seqsOf(evs []map[string]any) []int {
	var out []int
	for _, e := range evs {
		out = append(out, int(e["seq"].(float64)))
	}
	return out
}

func TestLiveEndToEnd(t *testing.T) {
	c := newCloud(t, nil)
	viewer := c.connect(t, viewerSub)
	stranger := c.connect(t, strangerSub)

	viewer.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := viewer.reply(t); r.Type != live.ReplySubscribed || r.Tenant != c.tenant.ID || r.Flow != c.flow.ID {
		t.Fatalf("viewer's subscribe reply %+v; want subscribed to %s", r, c.flow.ID)
	}
	stranger.send(t, map[string]string{"action": "subscribe", "tenant": c.tenant.ID, "project": c.project.ID, "flow": c.flow.ID})
	if r := stranger.reply(t); r.Type != live.ReplyError || !strings.Contains(r.Message, "not found") {
		t.Fatalf("stranger's subscribe reply %+v; want an error", r)
	}

	big := strings.Repeat("b", 300_000)
	now := time.Now().UTC()
	evs := []engine.Event{
		{Type: engine.EventRunStart, Seq: 1, Data: map[string]any{"stage": "mock"}},
		{Type: engine.EventNodeLog, Seq: 3, Node: "fetch", Data: engine.LogLine{Level: "info", Message: "fetching"}},
		{Type: engine.EventNodeStart, Seq: 2, Node: "fetch", NodeType: "http.request"},
		{Type: engine.EventNodeEnd, Seq: 4, Node: "fetch", Status: "success",
			Data: engine.NodeResult{Handle: "fetch", Status: "success", Outputs: map[string]any{"status": 200, "body": big}}},
		{Type: engine.EventRunEnd, Seq: 5, Status: "success", Data: map[string]any{"status": "success"}},
	}
	p := c.publisher(t, c.flow.Key())
	for _, e := range evs {
		e.RunID, e.FlowID, e.Time = "run-1", c.flow.ID, now
		p.Publish(context.Background(), e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}

	got, _ := viewer.events(t, 5)
	if s := seqsOf(got); !slices.Equal(s, []int{1, 2, 3, 4, 5}) {
		t.Errorf("viewer received seqs %v; want 1..5 in order", s)
	}
	wantTypes := []string{"run_start", "node_start", "node_log", "node_end", "run_end"}
	for i, e := range got {
		if e["type"] != wantTypes[i] || e["run_id"] != "run-1" || e["flow_id"] != c.flow.ID {
			t.Errorf("event %d = %v %v %v; want %s of run-1 in flow %s", i, e["type"], e["run_id"], e["flow_id"], wantTypes[i], c.flow.ID)
		}
	}
	var body map[string]any
	if data, ok := got[3]["data"].(map[string]any); ok {
		if outs, ok := data["outputs"].(map[string]any); ok {
			body, _ = outs["body"].(map[string]any)
		}
	}
	if body["$summary"] != true || body["bytes"] != float64(len(big)+2) || body["path"] != "/outputs/body" {
		t.Errorf("node_end body = %.200v; want a summary of the %d-byte value at /outputs/body", body, len(big)+2)
	}
	if st := p.Stats(); st.Events != 5 || st.Summarised != 1 || st.Gone != 0 || st.Failed != 0 {
		t.Errorf("publisher stats %+v", st)
	}

	// Nothing reached the stranger: its next message answers its ping.
	stranger.send(t, map[string]string{"action": "ping"})
	if r := stranger.reply(t); r.Type != live.ReplyPong {
		t.Errorf("stranger's next message %+v; want pong (no run events)", r)
	}

	// Unsubscribed, the viewer receives no more.
	viewer.send(t, map[string]string{"action": "unsubscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := viewer.reply(t); r.Type != live.ReplyUnsubscribed {
		t.Fatalf("unsubscribe reply %+v", r)
	}
	p2 := c.publisher(t, c.flow.Key())
	p2.Publish(context.Background(), engine.Event{Type: engine.EventRunStart, RunID: "run-2", FlowID: c.flow.ID, Seq: 1})
	if err := p2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	viewer.send(t, map[string]string{"action": "ping"})
	if r := viewer.reply(t); r.Type != live.ReplyPong {
		t.Errorf("after unsubscribing the viewer got %+v; want only the pong", r)
	}
	if st := p2.Stats(); st.Posts != 0 || st.Dropped != 1 {
		t.Errorf("second publisher %+v; want nothing posted", st)
	}
}

// Through the gateway and a real WebSocket: a token offered as a subprotocol connects and the
// handshake's answer selects polysynergy.v1 only; a foreign token, a token in the URL (even a
// good one) and one offered without polysynergy.v1 are refused before the upgrade.
func TestLiveConnectToken(t *testing.T) {
	c := newCloud(t, nil)
	ctx := context.Background()
	good := c.iss.token(t, viewerSub, nil)

	refused := []struct {
		name   string
		url    string
		protos []string
		status int
	}{
		{"foreign token", c.wsURL, live.ProtocolsFor(c.iss.token(t, viewerSub, map[string]any{"iss": "https://evil"})), http.StatusUnauthorized},
		{"wrong signature", c.wsURL, live.ProtocolsFor(good[:len(good)-4] + "AAAA"), http.StatusUnauthorized},
		{"token in the URL", c.wsURL + "?token=" + good, nil, http.StatusUnauthorized},
		{"token in the URL and as a subprotocol", c.wsURL + "?token=" + good, live.ProtocolsFor(good), http.StatusUnauthorized},
		{"token without polysynergy.v1", c.wsURL, []string{"bearer." + good}, http.StatusBadRequest},
		{"no token", c.wsURL, []string{"polysynergy.v1"}, http.StatusUnauthorized},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := websocket.Dial(ctx, tt.url, &websocket.DialOptions{Subprotocols: tt.protos})
			if err == nil || resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("dial: %v %v; want %d", err, resp, tt.status)
			}
		})
	}
	if n := c.gw.Registry().Len(); n != 0 {
		t.Errorf("%d connections registered after the refusals; want 0", n)
	}

	conn, resp, err := websocket.Dial(ctx, c.wsURL, &websocket.DialOptions{Subprotocols: live.ProtocolsFor(good)})
	if err != nil {
		t.Fatalf("dial with the token as a subprotocol: %v", err)
	}
	if got := resp.Header.Values("Sec-WebSocket-Protocol"); len(got) != 1 || got[0] != "polysynergy.v1" {
		t.Errorf("handshake answer's Sec-WebSocket-Protocol %q; want exactly polysynergy.v1", got)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			if strings.Contains(v, good) {
				t.Errorf("handshake answer's %s echoes the token", k)
			}
		}
	}
	b, _ := json.Marshal(map[string]string{"action": "ping", "id": "p"})
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	if _, got, err := conn.Read(ctx); err != nil || !strings.Contains(string(got), `"pong"`) {
		t.Fatalf("ping: %s %v; want a pong", got, err)
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

func TestLiveVanishedClientIsCleanedUp(t *testing.T) {
	// API Gateway's $disconnect is best effort: here it is lost entirely, so
	// only the 410 from the Management API tells the publisher.
	var c *cloud
	c = newCloud(t, func(cfg *mgmtapi.GatewayConfig) {
		handle := mgmtapi.Typed(func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			if ev.RequestContext.RouteKey == "$disconnect" {
				return events.APIGatewayProxyResponse{StatusCode: 200}, nil
			}
			return c.h.Handle(ctx, ev)
		})
		cfg.Invoke = handle
	})
	ctx := context.Background()
	stays := c.connect(t, ownerSub)
	stays.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := stays.reply(t); r.Type != live.ReplySubscribed {
		t.Fatalf("subscribe: %+v", r)
	}
	before, _ := c.st.ListSubscribers(ctx, c.flow.Key())
	vanishes := c.connect(t, viewerSub)
	vanishes.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := vanishes.reply(t); r.Type != live.ReplySubscribed {
		t.Fatalf("subscribe: %+v", r)
	}
	after, _ := c.st.ListSubscribers(ctx, c.flow.Key())
	var ghost string
	for _, id := range after {
		if !slices.Contains(before, id) {
			ghost = id
		}
	}
	if ghost == "" {
		t.Fatalf("no new subscriber among %v", after)
	}
	_ = vanishes.c.CloseNow()
	eventually(t, "the gateway to notice the vanished client", func() bool {
		_, ok := c.gw.Registry().Info(ghost)
		return !ok
	})
	if _, err := c.st.GetConnection(ctx, ghost); err != nil {
		t.Fatalf("the lost $disconnect should have left the connection stored: %v", err)
	}

	p := c.publisher(t, c.flow.Key())
	p.Publish(ctx, engine.Event{Type: engine.EventRunStart, RunID: "run-1", FlowID: c.flow.ID, Seq: 1})
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Gone != 1 || st.Posts != 1 {
		t.Errorf("stats %+v; want 1 gone and 1 post (to the connection that stayed)", st)
	}
	if _, err := c.st.GetConnection(ctx, ghost); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("vanished connection after the 410: %v; want deleted", err)
	}
	if subs, _ := c.st.ListSubscribers(ctx, c.flow.Key()); slices.Contains(subs, ghost) {
		t.Errorf("subscribers %v still hold the vanished connection", subs)
	}
	if got, _ := stays.events(t, 1); got[0]["type"] != "run_start" {
		t.Errorf("the remaining client got %v; want run_start", got)
	}
}

func TestLiveIdleTimeoutCloses(t *testing.T) {
	c := newCloud(t, func(cfg *mgmtapi.GatewayConfig) { cfg.IdleTimeout = 300 * time.Millisecond })
	cl := c.connect(t, viewerSub)
	cl.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := cl.reply(t); r.Type != live.ReplySubscribed {
		t.Fatalf("subscribe: %+v", r)
	}
	select {
	case err := <-cl.closed:
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Errorf("closed with %v; want 1001 going away", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("idle connection not closed")
	}
	eventually(t, "$disconnect to remove the subscription", func() bool {
		subs, err := c.st.ListSubscribers(context.Background(), c.flow.Key())
		return err == nil && len(subs) == 0
	})
}

// TestLiveEngineRun runs a real flow with concurrent nodes through the
// engine with the Publisher and checks the subscriber sees every event once,
// in seq order.
func TestLiveEngineRun(t *testing.T) {
	c := newCloud(t, nil)
	cl := c.connect(t, ownerSub)
	cl.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
	if r := cl.reply(t); r.Type != live.ReplySubscribed {
		t.Fatalf("subscribe: %+v", r)
	}
	nodes := []map[string]any{{"id": "start", "handle": "start", "type": "trigger.manual", "values": map[string]any{"test_input": "hi"}}}
	var conns []map[string]any
	for i := range 8 {
		h := fmt.Sprintf("log_%d", i)
		nodes = append(nodes, map[string]any{"id": h, "handle": h, "type": "debug.log",
			"values": map[string]any{"message": fmt.Sprintf("branch %d got {{ start.input }}", i)}})
		conns = append(conns, map[string]any{"from": map[string]string{"node": "start", "port": "true_path"},
			"to": map[string]string{"node": h, "port": "node"}})
	}
	raw, _ := json.Marshal(map[string]any{"schema": "polysynergy/flow@1", "nodes": nodes, "connections": conns})
	doc, err := flow.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := flow.Compile(doc, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	p := c.publisher(t, c.flow.Key())
	eng := engine.New(engine.Options{Concurrency: 4, Publisher: p})
	run, err := eng.Run(context.Background(), plan, engine.Request{RunID: "run-e", FlowID: c.flow.ID, Stage: "mock"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	got, _ := cl.events(t, int(st.Events))
	seqs := seqsOf(got)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("received seqs %v; want 1..%d in order", seqs, st.Events)
		}
	}
	if got[0]["type"] != "run_start" || got[len(got)-1]["type"] != "run_end" || run.Status != engine.StatusSuccess {
		t.Errorf("first %v, last %v, run %s; want run_start … run_end of a successful run", got[0]["type"], got[len(got)-1]["type"], run.Status)
	}
	ends := 0
	for _, e := range got {
		if e["type"] == "node_end" {
			ends++
		}
	}
	if ends != 9 {
		t.Errorf("%d node_end events; want 9", ends)
	}
}

// A member removed from the tenant after subscribing gets no more of the flow's run events
// (the subscription was authorised once, but lives with the connection for up to 2 h) and
// loses the subscription; the members who stay get every event. Both ways runs publish: a
// Publisher on the store, and the runs' publishers of ForRuns.
func TestLiveRemovedMemberGetsNoMoreEvents(t *testing.T) {
	for _, via := range []string{"publisher", "runs"} {
		t.Run(via, func(t *testing.T) {
			c := newCloud(t, nil)
			ctx := context.Background()
			owner, viewer := c.connect(t, ownerSub), c.connect(t, viewerSub)
			for _, cl := range []*client{owner, viewer} {
				cl.send(t, map[string]string{"action": "subscribe", "project": c.project.ID, "flow": c.flow.ID})
				if r := cl.reply(t); r.Type != live.ReplySubscribed {
					t.Fatalf("subscribe: %+v", r)
				}
			}
			if subs, _ := c.st.ListSubscribers(ctx, c.flow.Key()); len(subs) != 2 {
				t.Fatalf("subscribers %v; want 2", subs)
			}
			if err := c.st.RemoveMember(ctx, c.tenant.ID, viewerSub); err != nil {
				t.Fatal(err)
			}

			var pub engine.Publisher
			var done func() error
			switch via {
			case "publisher":
				p := c.publisher(t, c.flow.Key())
				pub, done = p, func() error { return p.Close(ctx) }
			default:
				pub = publish.ForRuns(c.st, c.client, quiet)(ctx, runs.RunRef{Kind: runs.KindRouter,
					Tenant: c.tenant.ID, Project: c.project.ID, Flow: c.flow.ID, RunID: "run-1"})
				done = func() error { return nil } // closed by run_end
			}
			for _, e := range runEvents(c.flow.ID) {
				pub.Publish(ctx, e)
			}
			if err := done(); err != nil {
				t.Fatal(err)
			}
			if got, _ := owner.events(t, 3); got[0]["type"] != "run_start" || got[2]["type"] != "run_end" {
				t.Fatalf("the owner got %v; want the run", got)
			}
			viewer.send(t, map[string]string{"action": "ping"})
			if r := viewer.next(t); !strings.Contains(string(r), `"pong"`) {
				t.Fatalf("the removed member got %.300s; want no run events, only the pong", r)
			}
			subs, err := c.st.ListSubscribers(ctx, c.flow.Key())
			if err != nil || len(subs) != 1 {
				t.Fatalf("subscribers after the removed member was found: %v %v; want only the owner's", subs, err)
			}
		})
	}
}

func runEvents(flowID string) []engine.Event {
	now := time.Now().UTC()
	return []engine.Event{
		{Type: engine.EventRunStart, RunID: "run-1", FlowID: flowID, Seq: 1, Time: now},
		{Type: engine.EventNodeStart, RunID: "run-1", FlowID: flowID, Seq: 2, Time: now, Node: "start"},
		{Type: engine.EventRunEnd, RunID: "run-1", FlowID: flowID, Seq: 3, Time: now, Status: "success"},
	}
}
