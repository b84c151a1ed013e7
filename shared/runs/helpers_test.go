package runs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// node is one node of a test flow.
type node struct {
	id, typ string
	values  map[string]any // the key "$disabled" disables the node
}

// conn joins from.port → to.port.
type conn struct{ from, fromPort, to, toPort string }

// doc builds a flow document; node ids double as handles.
func doc(t testing.TB, ns []node, cs ...conn) json.RawMessage {
	t.Helper()
	d := flow.Document{Schema: flow.Schema}
	for i, n := range ns {
		fn := flow.Node{ID: n.id, Handle: n.id, Type: n.typ, Values: n.values, Position: flow.Position{X: float64(i) * 200}}
		if n.values["$disabled"] == true {
			fn.FlowState = flow.StateDisabled
			fn.Values = map[string]any{}
			for k, v := range n.values {
				if k != "$disabled" {
					fn.Values[k] = v
				}
			}
		}
		d.Nodes = append(d.Nodes, fn)
	}
	for _, c := range cs {
		d.Connections = append(d.Connections, flow.Connection{From: flow.Endpoint{Node: c.from, Port: c.fromPort},
			To: flow.Endpoint{Node: c.to, Port: c.toPort}})
	}
	b, err := flow.Encode(&d)
	if err != nil {
		t.Fatalf("encode flow: %v", err)
	}
	if _, err := flow.Compile(&d, catalog.Default()); err != nil {
		t.Fatalf("test flow does not compile: %v", err)
	}
	return b
}

// chain connects each node's true_path to the next node's control input.
func chain(ids ...string) []conn {
	var cs []conn
	for i := 0; i+1 < len(ids); i++ {
		cs = append(cs, conn{ids[i], "true_path", ids[i+1], "node"})
	}
	return cs
}

// secretFlow reads a secret and an environment variable and logs both.
func secretFlow(t testing.TB) json.RawMessage {
	return doc(t, []node{
		{"start", "trigger.manual", map[string]any{"test_input": map[string]any{"who": "ada"}}},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"log", "debug.log", map[string]any{
			"message": "calling with {{ sec.value }} in {{ env.REGION }} and <env:REGION> for {{ start.input.who }}",
			"value":   "Bearer {{ sec.value }}",
		}},
	}, chain("start", "sec", "log")...)
}

// okFlow succeeds with two nodes.
func okFlow(t testing.TB) json.RawMessage {
	return doc(t, []node{
		{"start", "trigger.manual", map[string]any{"test_input": map[string]any{"name": "ada"}}},
		{"log", "debug.log", map[string]any{"message": "hello {{ start.input.name }}"}},
	}, chain("start", "log")...)
}

// failFlow fails at its third node.
func failFlow(t testing.TB) json.RawMessage {
	return doc(t, []node{
		{"start", "trigger.manual", map[string]any{"test_input": map[string]any{"name": "ada"}}},
		{"log", "debug.log", map[string]any{"message": "about to fail"}},
		{"boom", "debug.fail", map[string]any{"message": "it broke for {{ start.input.name }}"}},
	}, chain("start", "log", "boom")...)
}

// approvalFlow pauses for a human approval, then exits on either branch; a secret is
// read before the pause.
func approvalFlow(t testing.TB) json.RawMessage {
	return doc(t, []node{
		{"start", "trigger.manual", map[string]any{"test_input": map[string]any{"refund": 120}}},
		{"sec", "variable.secret", map[string]any{"key": "API_KEY"}},
		{"ask", "control.approval", map[string]any{"message": "Refund {{ start.input.refund }} with {{ sec.value }}?",
			"data": "{{ start.input }}"}},
		{"refunded", "control.exit", map[string]any{"value": "refunded ({{ ask.comment }}) key {{ sec.value }}"}},
		{"declined", "control.exit", map[string]any{"value": "declined ({{ ask.comment }})"}},
	}, conn{"start", "true_path", "sec", "node"}, conn{"sec", "true_path", "ask", "node"},
		conn{"ask", "true_path", "refunded", "node"}, conn{"ask", "false_path", "declined", "node"})
}

// routeFlow is trigger → set → response.
func routeFlow(t testing.TB) json.RawMessage {
	return doc(t, []node{
		{"route", "trigger.route", map[string]any{"method": "GET", "path": "/hello"}},
		{"set", "variable.string", map[string]any{"value": "hello {{ route.query.name }}"}},
		{"reply", "http.response", map[string]any{"status": 200, "body": "{{ set.value }}",
			"headers": map[string]any{"content-type": "text/plain"}}},
	}, chain("route", "set", "reply")...)
}

// fixture is a seeded store with an executor.
type fixture struct {
	env  *storetest.Env
	st   *store.Store
	box  *secrets.Box
	x    *runs.Executor
	pub  *recorder
	ctx  context.Context
	pk   store.ProjectKey
	comp *flow.Compiler
	// flows counts the flows made, to name each one (names are unique in a project)
	flows int
}

const secretValue = "sk-live-0123456789abcdef-SECRET"

func setup(t testing.TB, opts ...func(*runs.Options)) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), pub: &recorder{}}
	f.env = storetest.Start(t, store.WithBatchBackoff(time.Millisecond))
	f.st = f.env.Store
	w, err := secrets.NewLocalWrapper(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("local wrapper: %v", err)
	}
	if f.box, err = secrets.NewBox(w); err != nil {
		t.Fatalf("box: %v", err)
	}
	f.pk = storetest.Project(t, f.st, "shop", "prod")
	f.comp = flow.NewCompiler(catalog.Default(), 0)
	o := runs.Options{Store: f.st, Secrets: f.box, Compiler: f.comp, WriteBackoff: time.Millisecond, RetentionInterval: -1,
		Engine:     engine.Options{Concurrency: 1},
		Publishers: func(context.Context, runs.RunRef) engine.Publisher { return f.pub }}
	for _, fn := range opts {
		fn(&o)
	}
	if f.x, err = runs.New(o); err != nil {
		t.Fatalf("new executor: %v", err)
	}
	return f
}

// flow creates a flow with the given document and policy, and publishes version 1.
func (f *fixture) flow(t testing.TB, d json.RawMessage, save store.RunSaving, retention int) store.FlowKey {
	t.Helper()
	f.flows++
	fl, err := f.st.CreateFlow(f.ctx, f.pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: fmt.Sprintf("Flow %d", f.flows), Document: d,
		RunSaving: save, Retention: retention})
	if err != nil {
		t.Fatalf("create flow: %v", err)
	}
	if _, _, err := f.st.CreateVersion(f.ctx, fl.Key(), "owner", "v1"); err != nil {
		t.Fatalf("create version: %v", err)
	}
	return fl.Key()
}

func (f *fixture) secret(t testing.TB, key, stage, value string) {
	t.Helper()
	s, err := f.box.Seal(f.ctx, []byte(value), secrets.SecretContext(f.pk.Tenant, f.pk.Project, stage, key))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	if err := f.st.SetSecret(f.ctx, f.pk, key, stage, s.Encode()); err != nil {
		t.Fatalf("set secret: %v", err)
	}
}

func (f *fixture) envVar(t testing.TB, key, stage, value string) {
	t.Helper()
	if err := f.st.SetEnvVar(f.ctx, f.pk, key, stage, value); err != nil {
		t.Fatalf("set env: %v", err)
	}
}

func (f *fixture) job(fk store.FlowKey, kind runs.Kind) runs.Job {
	return runs.Job{Kind: kind, Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, Version: 1, Stage: "prod"}
}

func (f *fixture) runKey(id string) store.RunKey { return f.pk.Run(id) }

func (f *fixture) results(t testing.TB, id string) []store.NodeResult {
	t.Helper()
	rs, err := f.st.ListNodeResults(f.ctx, f.runKey(id))
	if err != nil {
		t.Fatalf("list node results: %v", err)
	}
	return rs
}

func (f *fixture) listRuns(t testing.TB, fk store.FlowKey) []store.Run {
	t.Helper()
	p, err := f.st.ListRuns(f.ctx, fk, store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 100}})
	if err != nil {
		t.Fatalf("list runs: %v", err)
	}
	return p.Items
}

func (f *fixture) wait(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.x.Wait(ctx); err != nil {
		t.Fatalf("wait for background work: %v", err)
	}
}

// scanFor returns every stored item (blobs decompressed) whose text contains s.
func (f *fixture) scanFor(t testing.TB, s string) []string {
	t.Helper()
	var hits []string
	var start map[string]types.AttributeValue
	items := 0
	for {
		out, err := f.env.Client.Scan(f.ctx, &dynamodb.ScanInput{TableName: aws.String(f.env.Table), ExclusiveStartKey: start})
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, it := range out.Items {
			items++
			var text strings.Builder
			for name, v := range it {
				text.WriteString(name + "=" + attrText(t, v) + "\n")
			}
			if strings.Contains(text.String(), s) {
				hits = append(hits, text.String())
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if items == 0 {
		t.Fatal("scan found no items at all")
	}
	return hits
}

func attrText(t testing.TB, v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberB:
		if len(x.Value) > 2 && x.Value[0] == 0x1f && x.Value[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(x.Value))
			if err != nil {
				t.Fatalf("gunzip: %v", err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gunzip: %v", err)
			}
			return string(b)
		}
		return string(x.Value)
	case *types.AttributeValueMemberM:
		var sb strings.Builder
		for k, e := range x.Value {
			sb.WriteString(k + ":" + attrText(t, e) + ";")
		}
		return sb.String()
	case *types.AttributeValueMemberL:
		var sb strings.Builder
		for _, e := range x.Value {
			sb.WriteString(attrText(t, e) + ";")
		}
		return sb.String()
	case *types.AttributeValueMemberSS:
		return strings.Join(x.Value, ";")
	}
	return fmt.Sprintf("%v", v)
}

// recorder is a publisher that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []engine.Event
}

func (r *recorder) Publish(_ context.Context, ev engine.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// types returns the event types of one run, in order.
func (r *recorder) types(runID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.RunID == runID {
			out = append(out, e.Type)
		}
	}
	return out
}

func byNode(rs []store.NodeResult) map[string]store.NodeResult {
	m := map[string]store.NodeResult{}
	for _, r := range rs {
		m[r.NodeID] = r
	}
	return m
}
