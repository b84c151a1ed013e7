package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
)

// fb builds flow documents for tests; node ids equal handles.
type fb struct{ doc flow.Document }

func newFlow() *fb { return &fb{doc: flow.Document{Schema: flow.Schema}} }

func (b *fb) node(handle, typ string, values map[string]any) *fb {
	b.doc.Nodes = append(b.doc.Nodes, flow.Node{ID: handle, Handle: handle, Type: typ, Values: values})
	return b
}

func (b *fb) with(handle string, f func(n *flow.Node)) *fb {
	for i := range b.doc.Nodes {
		if b.doc.Nodes[i].Handle == handle {
			f(&b.doc.Nodes[i])
		}
	}
	return b
}

func (b *fb) conn(from, fport, to, tport string) *fb {
	b.doc.Connections = append(b.doc.Connections, flow.Connection{
		From: flow.Endpoint{Node: from, Port: fport}, To: flow.Endpoint{Node: to, Port: tport}})
	return b
}

// chain connects true_path → node of each consecutive pair.
func (b *fb) chain(handles ...string) *fb {
	for i := 1; i < len(handles); i++ {
		b.conn(handles[i-1], "true_path", handles[i], "node")
	}
	return b
}

// testNodes is a registry of the control family plus small nodes made for engine tests.
type testNodes struct {
	reg      *nodes.Registry
	mu       sync.Mutex
	calls    map[string]int
	provided atomic.Int32
}

func (tn *testNodes) count(handle string) int {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return tn.calls[handle]
}

func newTestNodes(t testing.TB) *testNodes {
	tn := &testNodes{reg: nodes.NewRegistry(), calls: map[string]int{}}
	if err := control.Register(tn.reg); err != nil {
		t.Fatal(err)
	}
	bump := func(c *nodes.Call) int {
		tn.mu.Lock()
		defer tn.mu.Unlock()
		tn.calls[c.Handle]++
		return tn.calls[c.Handle]
	}
	doc := "A node made for engine tests."
	err := tn.reg.Register(
		&nodes.Type{ID: "test.trigger", Category: "Test", Name: "Trigger", Doc: doc, Trigger: true,
			Outputs: []nodes.Port{{Name: "data", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				return nodes.Out{"data": c.Trigger}, nil
			}},
		&nodes.Type{ID: "test.pass", Category: "Test", Name: "Pass", Doc: doc,
			Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				return nodes.Out{"value": c.Get("value")}, nil
			}},
		&nodes.Type{ID: "test.num", Category: "Test", Name: "Number", Doc: doc,
			Inputs:  []nodes.Port{{Name: "n", Type: nodes.Number, Required: true}},
			Outputs: []nodes.Port{{Name: "n", Type: nodes.Number}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				f, err := c.Float("n")
				return nodes.Out{"n": f}, err
			}},
		&nodes.Type{ID: "test.fail", Category: "Test", Name: "Fail", Doc: doc,
			Inputs:  []nodes.Port{{Name: "message", Type: nodes.String, Default: "boom"}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				return nil, errors.New(c.Str("message"))
			}},
		&nodes.Type{ID: "test.flaky", Category: "Test", Name: "Flaky", Doc: doc,
			Inputs:  []nodes.Port{{Name: "fail_times", Type: nodes.Integer, Default: 2.0}},
			Outputs: []nodes.Port{{Name: "calls", Type: nodes.Integer}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				n := bump(c)
				ft, _ := c.Int("fail_times")
				if n <= ft {
					return nil, fmt.Errorf("failure %d", n)
				}
				return nodes.Out{"calls": float64(n)}, nil
			}},
		&nodes.Type{ID: "test.panic", Category: "Test", Name: "Panic", Doc: doc,
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				var m map[string]int
				m["x"] = 1 // nil map write
				return nil, nil
			}},
		&nodes.Type{ID: "test.sleep", Category: "Test", Name: "Sleep", Doc: doc,
			Inputs:  []nodes.Port{{Name: "ms", Type: nodes.Integer, Default: 10.0}, {Name: "value", Type: nodes.Any}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				ms, _ := c.Int("ms")
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Duration(ms) * time.Millisecond):
				}
				return nodes.Out{"value": c.Get("value")}, nil
			}},
		&nodes.Type{ID: "test.approve", Category: "Test", Name: "Approve", Doc: doc,
			Inputs:  []nodes.Port{{Name: "question", Type: nodes.String}},
			Outputs: []nodes.Port{{Name: "answer", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				bump(c)
				if c.Resume == nil {
					return c.Pause(map[string]any{"question": c.Str("question")})
				}
				return nodes.Out{"answer": c.Resume.Input}, nil
			}},
		&nodes.Type{ID: "test.secret", Category: "Test", Name: "Secret", Doc: doc,
			Inputs:  []nodes.Port{{Name: "key", Type: nodes.String}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.String}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				v, err := c.Host.Secret(ctx, c.Str("key"))
				return nodes.Out{"value": v}, err
			}},
		&nodes.Type{ID: "test.encode", Category: "Test", Name: "Encode", Doc: doc,
			Inputs: []nodes.Port{{Name: "value", Type: nodes.String}},
			Outputs: []nodes.Port{{Name: "json", Type: nodes.String}, {Name: "json_plain", Type: nodes.String},
				{Name: "json_twice", Type: nodes.String}, {Name: "query", Type: nodes.String}, {Name: "path", Type: nodes.String}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				v := c.Str("value")
				once, _ := json.Marshal(v)
				twice, _ := json.Marshal(string(once))
				var plain strings.Builder
				enc := json.NewEncoder(&plain)
				enc.SetEscapeHTML(false)
				_ = enc.Encode(v)
				c.Log("sending %s", once)
				c.Host.Stream(map[string]any{"delta": v, "json": string(once)})
				return nodes.Out{"json": string(once), "json_plain": strings.TrimSpace(plain.String()), "json_twice": string(twice),
					"query": url.QueryEscape(v), "path": url.PathEscape(v)}, nil
			}},
		&nodes.Type{ID: "test.log", Category: "Test", Name: "Log", Doc: doc,
			Inputs:  []nodes.Port{{Name: "message", Type: nodes.String}},
			Outputs: []nodes.Port{{Name: "message", Type: nodes.String}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				c.Log("%s", c.Str("message"))
				c.Host.SetResponse(map[string]any{"said": c.Str("message")})
				return nodes.Out{"message": c.Str("message")}, nil
			}},
		&nodes.Type{ID: "test.provider", Category: "Test", Name: "Provider", Doc: doc, Service: "counter",
			Inputs:  []nodes.Port{{Name: "start", Type: nodes.Number, Default: 0.0}},
			Outputs: []nodes.Port{{Name: "service", Type: nodes.ServiceType("counter")}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				tn.provided.Add(1)
				start, _ := c.Float("start")
				return nodes.Out{"service": &counter{n: start}}, nil
			}},
		&nodes.Type{ID: "test.consumer", Category: "Test", Name: "Consumer", Doc: doc,
			Inputs:  []nodes.Port{{Name: "counter", Type: nodes.ServiceType("counter"), Required: true}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Number}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				ctr, ok := c.Get("counter").(*counter)
				if !ok {
					return nil, nodes.Errorf("counter", "no counter service connected")
				}
				return nodes.Out{"value": ctr.next()}, nil
			}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

type counter struct {
	mu sync.Mutex
	n  float64
}

func (c *counter) next() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func compile(t testing.TB, reg *nodes.Registry, b *fb) *flow.Plan {
	t.Helper()
	// round-trip through JSON like a stored flow
	data, err := json.Marshal(b.doc)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := flow.Decode(data)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	p, err := flow.Compile(doc, reg)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func run(t testing.TB, eng *engine.Engine, p *flow.Plan, req engine.Request) *engine.Run {
	t.Helper()
	if req.RunID == "" {
		req.RunID = "run1"
	}
	r, err := eng.Run(context.Background(), p, req)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

func result(t testing.TB, r *engine.Run, handle string) engine.NodeResult {
	t.Helper()
	var found []engine.NodeResult
	for _, n := range r.Nodes {
		if n.Handle == handle {
			found = append(found, n)
		}
	}
	if len(found) == 0 {
		t.Fatalf("no result for %q; have %v", handle, handles(r))
	}
	return found[len(found)-1]
}

func handles(r *engine.Run) []string {
	var out []string
	for _, n := range r.Nodes {
		out = append(out, n.Handle+":"+n.Status)
	}
	return out
}

func statusOf(r *engine.Run, handle string) string {
	st := ""
	for _, n := range r.Nodes {
		if n.Handle == handle {
			st = n.Status
		}
	}
	return st
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []engine.Event
}

func (r *recorder) Publish(_ context.Context, ev engine.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

// secrets is a map resolver.
type secrets struct {
	sec map[string]string
	env map[string]string
}

func (s secrets) Secret(_ context.Context, k string) (string, error) {
	if v, ok := s.sec[k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}

func (s secrets) Env(_ context.Context, k string) (string, error) {
	if v, ok := s.env[k]; ok {
		return v, nil
	}
	return "", nodes.ErrNotFound
}

func (s secrets) EnvVars(context.Context) (map[string]string, error) { return s.env, nil }
