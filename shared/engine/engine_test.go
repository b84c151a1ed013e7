package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

func TestLinearChainAndExpressions(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("a", "test.num", map[string]any{"n": "{{ start.data.x * 2 }}"}).
		node("b", "test.pass", map[string]any{"value": "{{ a.n + 1 }}"}).
		node("c", "test.pass", map[string]any{"value": "n={{ b.value }} stage={{ run.stage }} env={{ env.REGION }}"}).
		chain("start", "a", "b", "c")
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 1}), p, engine.Request{Stage: "mock", Trigger: map[string]any{"x": 20.0},
		Resolver: secrets{env: map[string]string{"REGION": "eu"}}})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("status %s: %+v", r.Status, r.Error)
	}
	if got := result(t, r, "b").Outputs["value"]; got != 41.0 {
		t.Fatalf("a single expression keeps its type: got %#v, want 41.0", got)
	}
	if got := result(t, r, "c").Outputs["value"]; got != "n=41 stage=mock env=eu" {
		t.Fatalf("template: got %q", got)
	}
	var orders []int
	for _, n := range r.Nodes {
		orders = append(orders, n.Order)
	}
	if !reflect.DeepEqual(orders, []int{1, 2, 3, 4}) {
		t.Fatalf("orders %v", orders)
	}
	for _, e := range p.Edges {
		if r.Edges[e.ID] != "live" {
			t.Fatalf("edge %s is %s", e.ID, r.Edges[e.ID])
		}
	}
}

// Expressions see run with exactly the fields validation knows (flow.RunFields), so a read
// of another is warned about and none it knows is missing.
func TestRunFieldsAreWhatValidationKnows(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().node("start", "test.trigger", nil).node("a", "test.pass", map[string]any{"value": "{{ keys(run) }}"}).chain("start", "a")
	r := run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{RunID: "r1", Stage: "mock"})
	got, _ := result(t, r, "a").Outputs["value"].([]any)
	var names []string
	for _, k := range got {
		names = append(names, k.(string))
	}
	slices.Sort(names)
	want := flow.RunFields()
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("run has %v; flow.RunFields is %v", names, want)
	}
}

func TestDeterministicOrderWithConcurrencyOne(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().node("start", "test.trigger", nil)
	var names []string
	for _, h := range []string{"f1", "f2", "f3", "f4", "f5"} {
		b.node(h, "test.pass", map[string]any{"value": h}).conn("start", "true_path", h, "node")
		names = append(names, h)
	}
	b.node("joined", "test.pass", nil)
	for _, h := range names {
		b.conn(h, "true_path", "joined", "node")
	}
	p := compile(t, tn.reg, b)
	eng := engine.New(engine.Options{Concurrency: 1})
	var first []string
	for i := 0; i < 5; i++ {
		r := run(t, eng, p, engine.Request{})
		got := handles(r)
		if i == 0 {
			first = got
			continue
		}
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d order %v differs from %v", i, got, first)
		}
	}
	want := []string{"start:success", "f1:success", "f2:success", "f3:success", "f4:success", "f5:success", "joined:success"}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("order %v, want %v", first, want)
	}
}

func TestConcurrencyRunsIndependentNodesTogether(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().node("start", "test.trigger", nil)
	for _, h := range []string{"s1", "s2", "s3", "s4"} {
		b.node(h, "test.sleep", map[string]any{"ms": 150.0}).conn("start", "true_path", h, "node")
	}
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 4}), p, engine.Request{})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("status %s", r.Status)
	}
	// four 150 ms sleeps overlapped: each started before any finished
	var latestStart, earliestEnd time.Time
	for _, n := range r.Nodes {
		if n.Type != "test.sleep" {
			continue
		}
		if n.StartedAt.After(latestStart) {
			latestStart = n.StartedAt
		}
		end := n.StartedAt.Add(time.Duration(n.DurationMS * float64(time.Millisecond)))
		if earliestEnd.IsZero() || end.Before(earliestEnd) {
			earliestEnd = end
		}
	}
	if !latestStart.Before(earliestEnd) {
		t.Fatalf("sleeps did not overlap: last start %v, first end %v", latestStart, earliestEnd)
	}
}

func TestFalsePathAndDeadPathPropagation(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("bad", "test.fail", map[string]any{"message": "nope"}).
		node("ok_branch", "test.pass", nil).
		node("after_ok", "test.pass", nil).
		node("handler", "test.pass", map[string]any{"value": "{{ bad.false_path.error }}"}).
		chain("start", "bad", "ok_branch", "after_ok").
		conn("bad", "false_path", "handler", "node")
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 1}), p, engine.Request{})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("an error taken down false_path does not fail the run; got %s %+v", r.Status, r.Error)
	}
	if statusOf(r, "bad") != "error" || statusOf(r, "ok_branch") != "skipped" || statusOf(r, "after_ok") != "skipped" {
		t.Fatalf("statuses %v", handles(r))
	}
	got, _ := result(t, r, "handler").Outputs["value"].(string)
	if !strings.Contains(got, "nope") || !strings.Contains(got, `"bad"`) {
		t.Fatalf("error object on false_path: %q", got)
	}
}

func TestOnErrorStopAndContinue(t *testing.T) {
	tn := newTestNodes(t)
	mk := func(policy string) *engine.Run {
		b := newFlow().
			node("start", "test.trigger", nil).
			node("bad", "test.fail", nil).
			node("next", "test.pass", map[string]any{"value": "{{ bad.value }}"}).
			chain("start", "bad", "next").
			with("bad", func(n *flow.Node) { n.Settings.OnError = policy })
		return run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	}
	r := mk("stop")
	if r.Status != engine.StatusError || r.Error == nil || r.Error.Node != "bad" || !strings.Contains(r.Error.Error, "boom") {
		t.Fatalf("stop: %s %+v", r.Status, r.Error)
	}
	if statusOf(r, "next") != "" {
		t.Fatalf("next must not run after a stop: %v", handles(r))
	}
	r = mk("continue")
	if r.Status != engine.StatusSuccess || statusOf(r, "next") != "success" {
		t.Fatalf("continue: %s %v", r.Status, handles(r))
	}
	if v := result(t, r, "next").Outputs["value"]; v != nil {
		t.Fatalf("outputs of a failed node are null under continue, got %#v", v)
	}

	// its true_path carries null too (it carried {}, so a merge's value was {} and
	// {{ merge.value ?? 'fallback' }} never fell back)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("bad", "test.fail", nil).
		node("merge", "control.merge", nil).
		conn("start", "true_path", "bad", "node").
		conn("bad", "true_path", "merge", "inputs").
		with("bad", func(n *flow.Node) { n.Settings.OnError = "continue" })
	r = run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if out := result(t, r, "merge").Outputs; out["value"] != nil || !reflect.DeepEqual(out["values"], []any{nil}) {
		t.Fatalf("merge after a failed node's true_path under continue: %#v, want null", out)
	}
}

func TestIfElseMergeAndBarrier(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("check", "control.if_else", map[string]any{"condition": "{{ start.data.n > 10 }}", "value": "{{ start.data.n }}"}).
		node("big", "test.pass", map[string]any{"value": "big"}).
		node("small", "test.pass", map[string]any{"value": "small"}).
		node("merge", "control.merge", nil).
		node("race", "control.barrier", nil).
		conn("start", "true_path", "check", "node").
		conn("check", "true_path", "big", "node").
		conn("check", "false_path", "small", "node").
		conn("big", "value", "merge", "inputs").
		conn("small", "value", "merge", "inputs").
		conn("big", "value", "race", "inputs").
		conn("small", "value", "race", "inputs")
	p := compile(t, tn.reg, b)
	for _, tc := range []struct {
		n    float64
		want string
		dead string
	}{{50, "big", "small"}, {3, "small", "big"}} {
		r := run(t, engine.New(engine.Options{Concurrency: 2}), p, engine.Request{Trigger: map[string]any{"n": tc.n}})
		if r.Status != engine.StatusSuccess {
			t.Fatalf("status %s %+v", r.Status, r.Error)
		}
		if statusOf(r, tc.dead) != "skipped" {
			t.Fatalf("n=%v: %s should be skipped: %v", tc.n, tc.dead, handles(r))
		}
		if got := result(t, r, "merge").Outputs["values"]; !reflect.DeepEqual(got, []any{tc.want}) {
			t.Fatalf("merge values %#v", got)
		}
		if got := result(t, r, "race").Outputs["value"]; got != tc.want {
			t.Fatalf("barrier value %#v", got)
		}
	}
}

func TestBarrierFirstArrivalWins(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("slow", "test.sleep", map[string]any{"ms": 300.0, "value": "slow"}).
		node("fast", "test.sleep", map[string]any{"ms": 5.0, "value": "fast"}).
		node("race", "control.barrier", nil).
		node("after", "test.pass", map[string]any{"value": "{{ race.value }}"}).
		conn("start", "true_path", "slow", "node").
		conn("start", "true_path", "fast", "node").
		conn("slow", "value", "race", "inputs").
		conn("fast", "value", "race", "inputs").
		chain("race", "after")
	r := run(t, engine.New(engine.Options{Concurrency: 4}), compile(t, tn.reg, b), engine.Request{})
	if got := result(t, r, "after").Outputs["value"]; got != "fast" {
		t.Fatalf("barrier passed %#v", got)
	}
	if result(t, r, "after").Order > result(t, r, "slow").Order+10 || statusOf(r, "slow") != "success" {
		t.Fatalf("slow still finishes: %v", handles(r))
	}
	fr, sr := result(t, r, "race"), result(t, r, "slow")
	slowEnd := sr.StartedAt.Add(time.Duration(sr.DurationMS * float64(time.Millisecond)))
	if !fr.StartedAt.Before(slowEnd) {
		t.Fatal("the barrier waited for the slow branch")
	}
}

func TestForEachCollectsBreakContinueAndConcurrency(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("each", "control.for_each", map[string]any{"list": "{{ start.data }}"}).
		node("skip_odd", "control.if_else", map[string]any{"condition": "{{ each.item % 2 == 1 }}"}).
		node("cont", "control.continue", nil).
		node("stop_at", "control.if_else", map[string]any{"condition": "{{ each.item >= 8 }}"}).
		node("brk", "control.break", nil).
		node("double", "test.pass", map[string]any{"value": "{{ each.item * 10 }}"}).
		node("end", "control.loop_end", nil).
		node("after", "test.pass", map[string]any{"value": "{{ end.results }}"}).
		conn("start", "true_path", "each", "node").
		conn("each", "true_path", "skip_odd", "node").
		conn("skip_odd", "true_path", "cont", "node").
		conn("skip_odd", "false_path", "stop_at", "node").
		conn("stop_at", "true_path", "brk", "node").
		conn("stop_at", "false_path", "double", "node").
		conn("double", "value", "end", "value").
		conn("each", "loop", "end", "loop").
		chain("end", "after")
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 1}), p, engine.Request{Trigger: []any{1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0}})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("status %s %+v", r.Status, r.Error)
	}
	if got := result(t, r, "after").Outputs["value"]; !reflect.DeepEqual(got, []any{20.0, 40.0, 60.0}) {
		t.Fatalf("results %#v", got)
	}
	if got := result(t, r, "each").Outputs["broken"]; got != true {
		t.Fatalf("broken %#v", got)
	}
	if got := result(t, r, "double").Iteration; !reflect.DeepEqual(got, []int{4}) {
		t.Fatalf("iteration of last double %v", got)
	}

	// concurrent iterations keep the list's order
	b2 := newFlow().
		node("start", "test.trigger", nil).
		node("each", "control.for_each", map[string]any{"list": "{{ start.data }}", "concurrency": 4.0}).
		node("work", "test.sleep", map[string]any{"ms": "{{ 40 - each.item * 10 }}", "value": "{{ each.item }}"}).
		node("end", "control.loop_end", nil).
		conn("start", "true_path", "each", "node").
		conn("each", "true_path", "work", "node").
		conn("work", "value", "end", "value").
		conn("each", "loop", "end", "loop")
	r = run(t, engine.New(engine.Options{Concurrency: 4}), compile(t, tn.reg, b2), engine.Request{Trigger: []any{0.0, 1.0, 2.0, 3.0}})
	if got := result(t, r, "end").Outputs["results"]; !reflect.DeepEqual(got, []any{0.0, 1.0, 2.0, 3.0}) {
		t.Fatalf("concurrent results %#v (%s)", got, r.Status)
	}
}

// Bounds that come from a request may be anything: a span too large to count, NaN or
// infinity fails the loop node with an input error naming the input, never a panic.
func TestCounterLoopBoundsOutOfRange(t *testing.T) {
	tn := newTestNodes(t)
	for name, tc := range map[string]struct {
		values map[string]any
		port   string
	}{
		"huge span": {map[string]any{"from": 0.0, "to": 1e19}, "to"},
		"tiny step": {map[string]any{"from": 0.0, "to": 1e308, "step": 1e-300}, "to"},
		"NaN from":  {map[string]any{"from": "{{ 0/0 }}", "to": 3.0}, "from"},
		"inf to":    {map[string]any{"from": 0.0, "to": "{{ 1/0 }}"}, "to"},
		"NaN step":  {map[string]any{"from": 0.0, "to": 3.0, "step": "{{ 0/0 }}"}, "step"},
	} {
		b := newFlow().
			node("loop", "control.counter_loop", tc.values).
			node("cell", "test.pass", map[string]any{"value": "{{ loop.value }}"}).
			node("end", "control.loop_end", nil).
			conn("loop", "true_path", "cell", "node").
			conn("cell", "value", "end", "value").
			conn("loop", "loop", "end", "loop")
		r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
		// NaN and infinity from an expression fail the expression itself (JSON cannot hold them)
		if r.Status != engine.StatusError || r.Error == nil || (r.Error.Type != engine.ErrKindInput && r.Error.Type != engine.ErrKindExpression) || r.Error.Port != tc.port {
			t.Errorf("%s: %s %+v", name, r.Status, r.Error)
		}
	}
}

// Decimal steps count as written: from 0.1 to 0.3 by 0.1 reaches 0.3 (summing the floats
// lands on 0.30000000000000004, past the bound), and every value is the decimal it reads as.
func TestCounterLoopDecimalSteps(t *testing.T) {
	tn := newTestNodes(t)
	for _, tc := range []struct {
		from, to, step float64
		want           []any
	}{
		{0.1, 0.3, 0.1, []any{0.1, 0.2, 0.3}},
		{0, 1, 0.1, []any{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}},
		{1, 0, -0.25, []any{1.0, 0.75, 0.5, 0.25, 0.0}},
		{0.3, 0.1, -0.1, []any{0.3, 0.2, 0.1}},
		{1, 2, 0.3, []any{1.0, 1.3, 1.6, 1.9}},
		{0, 3, 1.5, []any{0.0, 1.5, 3.0}},
	} {
		b := newFlow().
			node("loop", "control.counter_loop", map[string]any{"from": tc.from, "to": tc.to, "step": tc.step}).
			node("cell", "test.pass", map[string]any{"value": "{{ loop.value }}"}).
			node("end", "control.loop_end", nil).
			conn("loop", "true_path", "cell", "node").
			conn("cell", "value", "end", "value").
			conn("loop", "loop", "end", "loop")
		r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
		if got := result(t, r, "end").Outputs["results"]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v to %v by %v: %v, want %v (%s %+v)", tc.from, tc.to, tc.step, got, tc.want, r.Status, r.Error)
		}
	}
}

func TestCounterLoopAndNestedLoops(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("outer", "control.counter_loop", map[string]any{"from": 1.0, "to": 3.0}).
		node("inner", "control.for_each", map[string]any{"list": []any{"a", "b"}}).
		node("cell", "test.pass", map[string]any{"value": "{{ inner.item }}{{ outer.value }}"}).
		node("inner_end", "control.loop_end", nil).
		node("outer_end", "control.loop_end", nil).
		conn("outer", "true_path", "inner", "node").
		conn("inner", "true_path", "cell", "node").
		conn("cell", "value", "inner_end", "value").
		conn("inner", "loop", "inner_end", "loop").
		conn("inner_end", "results", "outer_end", "value").
		conn("outer", "loop", "outer_end", "loop")
	r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	want := []any{[]any{"a1", "b1"}, []any{"a2", "b2"}, []any{"a3", "b3"}}
	if got := result(t, r, "outer_end").Outputs["results"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("nested results %#v (%s %+v)", got, r.Status, r.Error)
	}
}

func TestJumpRetriesUntilSuccessOrExhausted(t *testing.T) {
	for _, tc := range []struct {
		failTimes float64
		wantPath  string
	}{{2, "done"}, {9, "gave_up"}} {
		tn := newTestNodes(t)
		b := newFlow().
			node("start", "test.trigger", nil).
			node("again", "control.to", nil).
			node("call", "test.flaky", map[string]any{"fail_times": tc.failTimes}).
			node("retry", "control.jump", map[string]any{"max_retries": 3.0, "delay_ms": 1.0}).
			node("done", "test.pass", map[string]any{"value": "{{ call.calls }}"}).
			node("gave_up", "test.pass", map[string]any{"value": "{{ retry.exhausted.attempts }}"}).
			chain("start", "again", "call", "done").
			conn("call", "false_path", "retry", "node").
			conn("retry", "to", "again", "from").
			conn("retry", "exhausted", "gave_up", "node")
		r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
		if r.Status != engine.StatusSuccess {
			t.Fatalf("status %s %+v", r.Status, r.Error)
		}
		if statusOf(r, tc.wantPath) != "success" {
			t.Fatalf("fail %v times: %s did not run: %v", tc.failTimes, tc.wantPath, handles(r))
		}
		if tc.wantPath == "done" && result(t, r, "done").Outputs["value"] != 3.0 {
			t.Fatalf("done after 3 calls, got %#v", result(t, r, "done").Outputs["value"])
		}
		if tc.wantPath == "gave_up" && tn.count("call") != 4 {
			t.Fatalf("1 call + 3 retries, got %d", tn.count("call"))
		}
		if tc.wantPath == "gave_up" {
			// the last result of the jump: it did not fire, so attempt stays at the jumps made
			last := result(t, r, "retry")
			if fmt.Sprint(last.Outputs["attempt"]) != "3" || fmt.Sprint(result(t, r, "gave_up").Outputs["value"]) != "3" {
				t.Fatalf("exhausted after 3 jumps: attempt %#v, exhausted.attempts %#v", last.Outputs["attempt"], result(t, r, "gave_up").Outputs["value"])
			}
		}
	}
}

func TestJumpSettingsOutOfRangeFailTheJump(t *testing.T) {
	for _, tc := range []struct {
		values map[string]any
		port   string
	}{
		// expressions: validation refuses literal values out of range before the run
		{map[string]any{"max_retries": "{{ -1 }}"}, "max_retries"},
		{map[string]any{"max_retries": "{{ 2.5 }}"}, "max_retries"},
		{map[string]any{"max_retries": "{{ 0/0 }}"}, "max_retries"},
		{map[string]any{"max_retries": "{{ 1e9 }}"}, "max_retries"},
		{map[string]any{"delay_ms": "{{ -5 }}"}, "delay_ms"},
		{map[string]any{"delay_ms": "{{ 1/0 }}"}, "delay_ms"},
	} {
		tn := newTestNodes(t)
		b := newFlow().
			node("again", "control.to", nil).
			node("bad", "test.fail", nil).
			node("retry", "control.jump", tc.values).
			chain("again", "bad").
			conn("bad", "false_path", "retry", "node").
			conn("retry", "to", "again", "from")
		r := run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{})
		if r.Status != engine.StatusError || r.Error.Node != "retry" || r.Error.Port != tc.port || tn.count("bad") != 1 {
			t.Errorf("%v: %s %+v (bad ran %d times)", tc.values, r.Status, r.Error, tn.count("bad"))
		}
	}
}

// A node whose own call timed out (its client's timeout, not the run's) fails as that
// node's error; only the run's own deadline is reported as the run's deadline.
func TestNodeTimeoutIsNotTheRunsDeadline(t *testing.T) {
	tn := newTestNodes(t)
	if err := tn.reg.Register(&nodes.Type{ID: "test.own_timeout", Category: "Test", Name: "Own timeout", Doc: "Times out on its own.",
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			defer cancel()
			<-cctx.Done()
			return nil, fmt.Errorf("provider x: no answer within the model's timeout: %w", cctx.Err())
		}}); err != nil {
		t.Fatal(err)
	}
	r := run(t, engine.New(engine.Options{}), compile(t, tn.reg, newFlow().node("ask", "test.own_timeout", nil)), engine.Request{})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindNode ||
		r.Error.Error != `node "ask": provider x: no answer within the model's timeout: context deadline exceeded` {
		t.Fatalf("own timeout reported as %+v", r.Error)
	}
}

// An expression reading a field its object does not have renders as nothing, as before,
// and the node says so in its log (most such reads are typos).
func TestMissingFieldIsLoggedAsAWarning(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("say", "test.log", map[string]any{"message": "Message: {{ start.data.mesage }} {{ start.data.empty }} {{ start.data.message }}"}).
		chain("start", "say")
	rec := &recorder{}
	r := run(t, engine.New(engine.Options{Publisher: rec}), compile(t, tn.reg, b),
		engine.Request{Trigger: map[string]any{"message": "hi", "empty": nil}})
	say := result(t, r, "say")
	if say.Outputs["message"] != "Message:   hi" {
		t.Fatalf("rendered %q", say.Outputs["message"])
	}
	want := `input "message": {{ start.data.mesage }} is empty: start.data has no field "mesage" (it has empty, message)`
	if len(say.Logs) < 1 || say.Logs[0].Level != "warn" || say.Logs[0].Message != want {
		t.Fatalf("logs %+v, want first %q", say.Logs, want)
	}
	for _, l := range say.Logs[1:] {
		if l.Level == "warn" {
			t.Fatalf("a null field or a field that is there is no warning: %+v", say.Logs)
		}
	}
	var logged bool
	for _, ev := range rec.events {
		if ev.Type == engine.EventNodeLog && ev.Node == "say" && strings.Contains(fmt.Sprint(ev.Data), "mesage") {
			logged = true
		}
	}
	if !logged {
		t.Fatal("the warning is sent live as a node_log event")
	}
}

func TestRetriesWithBackoffTimeoutAndPanic(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("flaky", "test.flaky", map[string]any{"fail_times": 2.0}).
		with("flaky", func(n *flow.Node) { n.Settings.Retries = 2; n.Settings.BackoffMS = 5 })
	r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusSuccess || result(t, r, "flaky").Attempts != 3 {
		t.Fatalf("retries: %s attempts %d", r.Status, result(t, r, "flaky").Attempts)
	}
	if logs := result(t, r, "flaky").Logs; len(logs) != 2 || !strings.Contains(logs[0].Message, "retrying") {
		t.Fatalf("retry logs %+v", logs)
	}

	b = newFlow().node("slow", "test.sleep", map[string]any{"ms": 5000.0}).
		with("slow", func(n *flow.Node) { n.Settings.TimeoutMS = 30 })
	r = run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindTimeout || !strings.Contains(r.Error.Error, `"slow"`) {
		t.Fatalf("timeout: %s %+v", r.Status, r.Error)
	}

	b = newFlow().node("crash", "test.panic", nil)
	r = run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindPanic || !strings.Contains(r.Error.Error, `node "crash"`) {
		t.Fatalf("panic: %s %+v", r.Status, r.Error)
	}
}

func TestDeadlineBudgetAndCancellation(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().node("wait", "control.delay", map[string]any{"ms": 60000.0})
	p := compile(t, tn.reg, b)
	start := time.Now()
	r := run(t, engine.New(engine.Options{Deadline: 50 * time.Millisecond}), p, engine.Request{})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindDeadline {
		t.Fatalf("deadline: %s %+v", r.Status, r.Error)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the run did not stop at its deadline")
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	r, err := engine.New(engine.Options{}).Run(ctx, p, engine.Request{RunID: "c"})
	if err != nil || r.Status != engine.StatusError || r.Error.Type != engine.ErrKindCancelled {
		t.Fatalf("cancel: %v %s %+v", err, r.Status, r.Error)
	}

	b = newFlow().
		node("again", "control.to", nil).
		node("bad", "test.fail", nil).
		node("retry", "control.jump", map[string]any{"max_retries": 1000.0}).
		chain("again", "bad").
		conn("bad", "false_path", "retry", "node").
		conn("retry", "to", "again", "from")
	r = run(t, engine.New(engine.Options{MaxNodeRuns: 20}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindBudget || !strings.Contains(r.Error.Error, "budget of 20 node executions (every run of a node counts") {
		t.Fatalf("budget: %s %+v", r.Status, r.Error)
	}
	// a request sets its own budget: larger or smaller than the engine's
	r = run(t, engine.New(engine.Options{MaxNodeRuns: 20}), compile(t, tn.reg, b), engine.Request{MaxNodeRuns: 7})
	if r.Status != engine.StatusError || !strings.Contains(r.Error.Error, "budget of 7 node executions") {
		t.Fatalf("request budget 7: %s %+v", r.Status, r.Error)
	}
	// the flow's own setting comes before the engine's, and the request's before both
	b.doc.Settings.MaxNodeRuns = 9 // through JSON, as a stored flow
	fp := compile(t, tn.reg, b)
	b.doc.Settings.MaxNodeRuns = 0
	r = run(t, engine.New(engine.Options{MaxNodeRuns: 20}), fp, engine.Request{})
	if r.Status != engine.StatusError || !strings.Contains(r.Error.Error, "budget of 9 node executions") || !strings.Contains(r.Error.Error, "settings.max_node_runs raises it (up to 100000)") {
		t.Fatalf("flow budget 9: %s %+v", r.Status, r.Error)
	}
	r = run(t, engine.New(engine.Options{MaxNodeRuns: 20}), fp, engine.Request{MaxNodeRuns: 12})
	if r.Status != engine.StatusError || !strings.Contains(r.Error.Error, "budget of 12 node executions") {
		t.Fatalf("request budget 12 over the flow's 9: %s %+v", r.Status, r.Error)
	}
	// with room for 1,000 retries (3 node runs each) the jump runs out first, and the run ends
	r = run(t, engine.New(engine.Options{MaxNodeRuns: 20}), compile(t, tn.reg, b), engine.Request{MaxNodeRuns: 5000})
	if r.Status != engine.StatusSuccess || r.Error != nil {
		t.Fatalf("request budget 5000: %s %+v", r.Status, r.Error)
	}
}

func TestExitStopsGracefully(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("quit", "control.exit", map[string]any{"value": "bye"}).
		node("never", "test.pass", nil).
		chain("start", "quit", "never")
	r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusSuccess || !r.Exited || r.Output != "bye" || statusOf(r, "never") != "" {
		t.Fatalf("exit: %s exited=%v output=%v %v", r.Status, r.Exited, r.Output, handles(r))
	}
}

func TestServicesAreHandedToConsumers(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("ctr", "test.provider", map[string]any{"start": 10.0}).
		node("use1", "test.consumer", nil).
		node("use2", "test.consumer", nil).
		chain("start", "use1", "use2").
		conn("ctr", "service", "use1", "counter").
		conn("ctr", "service", "use2", "counter")
	r := run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
	if result(t, r, "use1").Outputs["value"] != 11.0 || result(t, r, "use2").Outputs["value"] != 12.0 {
		t.Fatalf("one instance shared: %v %v", result(t, r, "use1").Outputs, result(t, r, "use2").Outputs)
	}
	if tn.provided.Load() != 1 {
		t.Fatalf("provider ran %d times", tn.provided.Load())
	}
}

func TestPauseSerialiseResumeExactlyOnce(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("before", "test.pass", map[string]any{"value": "{{ start.data.order }}"}).
		node("ask", "test.approve", map[string]any{"question": "ship {{ before.value }}?"}).
		node("ctr", "test.provider", nil).
		node("after", "test.consumer", nil).
		node("final", "test.pass", map[string]any{"value": "{{ before.value }}:{{ ask.answer.ok }}:{{ trigger.order }}"}).
		chain("start", "before", "ask", "after", "final").
		conn("ctr", "service", "after", "counter")
	p := compile(t, tn.reg, b)
	rec := &recorder{}
	eng := engine.New(engine.Options{Concurrency: 1, Publisher: rec})
	r := run(t, eng, p, engine.Request{RunID: "r-pause", FlowID: "f", Stage: "prod", Trigger: map[string]any{"order": "A7"}})
	if r.Status != engine.StatusPaused || r.State == nil {
		t.Fatalf("status %s", r.Status)
	}
	if got := result(t, r, "ask").Outputs["pause"]; !reflect.DeepEqual(got, map[string]any{"question": "ship A7?"}) {
		t.Fatalf("pause payload %#v", got)
	}
	if rec.types()[len(rec.types())-1] != engine.EventRunPaused {
		t.Fatalf("events %v", rec.types())
	}
	data, err := json.Marshal(r.State)
	if err != nil {
		t.Fatal(err)
	}

	// a new process: fresh engine, state from JSON
	var st engine.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	tn2 := newTestNodes(t)
	p2 := compile(t, tn2.reg, b)
	rec2 := &recorder{}
	eng2 := engine.New(engine.Options{Concurrency: 1, Publisher: rec2})
	if _, err := eng2.Resume(context.Background(), p2, &st, "before", nil, engine.Request{}); !errors.Is(err, engine.ErrNotPaused) {
		t.Fatalf("resume at a node that is not paused: %v", err)
	}
	r2, err := eng2.Resume(context.Background(), p2, &st, "ask", map[string]any{"ok": true}, engine.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != engine.StatusSuccess || r2.ID != "r-pause" || r2.Stage != "prod" {
		t.Fatalf("resumed: %s %s %s %+v", r2.Status, r2.ID, r2.Stage, r2.Error)
	}
	if got := result(t, r2, "final").Outputs["value"]; got != "A7:true:A7" {
		t.Fatalf("final %#v", got)
	}
	// the resumed run announces itself and numbers its events on from run_paused
	pausedSeq := rec.events[len(rec.events)-1].Seq
	first := rec2.events[0]
	if first.Type != engine.EventRunStart || first.Seq != pausedSeq+1 || first.Data.(map[string]any)["resumed"] != "ask" {
		t.Fatalf("first resumed event %+v (run_paused had seq %d)", first, pausedSeq)
	}
	for i, ev := range rec2.events[1:] {
		if ev.Seq != first.Seq+int64(i)+1 {
			t.Fatalf("resumed events are numbered on without gaps: %v", rec2.events)
		}
	}
	if tn2.count("start") != 0 || tn2.count("before") != 0 || tn2.count("ask") != 1 {
		t.Fatalf("finished nodes must not run again: start=%d before=%d ask=%d", tn2.count("start"), tn2.count("before"), tn2.count("ask"))
	}
	if tn2.provided.Load() != 1 {
		t.Fatal("the service provider runs again for its consumer after a resume")
	}
	if result(t, r2, "ask").Order <= result(t, r, "before").Order {
		t.Fatal("order numbers continue after a resume")
	}
	other := p2
	other.Hash = "different"
	if _, err := eng2.Resume(context.Background(), other, &st, "ask", nil, engine.Request{}); err == nil {
		t.Fatal("resuming on a changed flow must fail")
	}
}

func TestSecretsAreResolvedAndRedacted(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("call", "test.log", map[string]any{"message": "Bearer <secret:API_KEY> to <env:HOST>"}).
		node("read", "test.secret", map[string]any{"key": "OTHER"})
	rec := &recorder{}
	res := secrets{sec: map[string]string{"API_KEY": "sk-very-secret", "OTHER": "hunter2"}, env: map[string]string{"HOST": "api.example"}}
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b), engine.Request{Resolver: res})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
	all, _ := json.Marshal(r)
	events, _ := json.Marshal(rec.events)
	for _, s := range []string{string(all), string(events)} {
		if strings.Contains(s, "sk-very-secret") || strings.Contains(s, "hunter2") {
			t.Fatalf("a secret leaked: %s", s)
		}
	}
	if got := result(t, r, "call").Outputs["message"]; got != "Bearer <secret:API_KEY> to api.example" {
		t.Fatalf("recorded %#v", got)
	}
	if got := result(t, r, "read").Outputs["value"]; got != "<secret:OTHER>" {
		t.Fatal("a secret read by a node is redacted too")
	}

	// a secret is redacted also as flows encode it on the way out (JSON strings, URLs)
	const odd = `pa"ss\Zq9word <&> /?x y`
	res.sec["ODD"] = odd
	b = newFlow().node("enc", "test.encode", map[string]any{"value": "<secret:ODD>"})
	rec = &recorder{}
	r = run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b), engine.Request{Resolver: res})
	if r.Status != engine.StatusSuccess {
		t.Fatalf("%s %+v", r.Status, r.Error)
	}
	for port, want := range map[string]string{"json": `"<secret:ODD>"`, "json_plain": `"<secret:ODD>"`,
		"json_twice": `"\"<secret:ODD>\""`, "query": "<secret:ODD>", "path": "<secret:ODD>"} {
		if got := result(t, r, "enc").Outputs[port]; got != want {
			t.Errorf("%s recorded as %#v, want %#v", port, got, want)
		}
	}
	all, _ = json.Marshal(r)
	events, _ = json.Marshal(rec.events)
	for _, s := range []string{string(all), string(events)} {
		if strings.Contains(s, "Zq9word") {
			t.Fatalf("an encoded secret leaked: %s", s)
		}
	}
	if !strings.Contains(string(events), `"type":"stream"`) || !strings.Contains(string(events), `"delta":"\u003csecret:ODD\u003e"`) {
		t.Errorf("the streamed chunk is redacted in its event: %s", events)
	}
	if !strings.Contains(string(events), `"message":"sending \"\u003csecret:ODD\u003e\""`) {
		t.Errorf("the log line is redacted in its event: %s", events)
	}

	b = newFlow().node("call", "test.log", map[string]any{"message": "<secret:MISSING>"})
	r = run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{Resolver: res, Stage: "prod"})
	if r.Status != engine.StatusError || r.Error.Type != engine.ErrKindSecret || !strings.Contains(r.Error.Error, `"MISSING"`) ||
		!strings.Contains(r.Error.Error, `stage "prod"`) || r.Error.Port != "message" {
		t.Fatalf("missing secret: %+v", r.Error)
	}
}

// The HTTP response is the caller's answer: secrets are redacted from it, but it is never
// cut at the recording limit (a 100 KB body used to come back empty through the router).
func TestResponseIsNotTruncated(t *testing.T) {
	tn := newTestNodes(t)
	big := strings.Repeat("x", 100<<10) + " <secret:K>"
	b := newFlow().node("say", "test.log", map[string]any{"message": big})
	r := run(t, engine.New(engine.Options{}), compile(t, tn.reg, b), engine.Request{Resolver: secrets{sec: map[string]string{"K": "hunter2"}}})
	said, _ := r.Response.(map[string]any)["said"].(string)
	if len(said) != 100<<10+len(" <secret:K>") || !strings.HasSuffix(said, " <secret:K>") {
		t.Fatalf("response body %d bytes, ending %q", len(said), said[max(0, len(said)-20):])
	}
	if got, _ := result(t, r, "say").Outputs["message"].(string); !strings.Contains(got, "truncated") {
		t.Fatal("the recorded result is still cut")
	}
}

func TestLargeValuesAreTruncatedWithMarker(t *testing.T) {
	tn := newTestNodes(t)
	big := strings.Repeat("x", 100<<10)
	b := newFlow().node("big", "test.pass", map[string]any{"value": big})
	rec := &recorder{}
	r := run(t, engine.New(engine.Options{Publisher: rec}), compile(t, tn.reg, b), engine.Request{})
	got, _ := result(t, r, "big").Outputs["value"].(string)
	if len(got) > 65*1024 || !strings.Contains(got, "truncated: 36864 of 102400 bytes cut") {
		t.Fatalf("truncated to %d bytes: %.80q", len(got), got)
	}
}

func TestEventsInOrder(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("say", "test.log", map[string]any{"message": "hello"}).
		chain("start", "say")
	rec := &recorder{}
	r := run(t, engine.New(engine.Options{Concurrency: 1, Publisher: rec}), compile(t, tn.reg, b), engine.Request{RunID: "r9", FlowID: "f9"})
	want := []string{"run_start", "node_start", "node_end", "node_start", "node_log", "node_end", "run_end"}
	if !reflect.DeepEqual(rec.types(), want) {
		t.Fatalf("events %v", rec.types())
	}
	for i, ev := range rec.events {
		if ev.Seq != int64(i+1) || ev.RunID != "r9" || ev.FlowID != "f9" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if r.Response == nil {
		t.Fatal("the response set by a node is on the run")
	}
}

func TestStartFromANodeRunsItsUpstream(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("a", "test.pass", map[string]any{"value": "{{ start.data }}"}).
		node("b", "test.pass", nil).
		node("side", "test.pass", nil).
		chain("start", "a", "b").
		conn("start", "true_path", "side", "node")
	p := compile(t, tn.reg, b)
	r := run(t, engine.New(engine.Options{Concurrency: 1}), p, engine.Request{Start: "b", Trigger: "in"})
	if statusOf(r, "side") != "" || statusOf(r, "b") != "success" || result(t, r, "a").Outputs["value"] != "in" {
		t.Fatalf("start at b: %v", handles(r))
	}
	if _, err := engine.New(engine.Options{}).Run(context.Background(), p, engine.Request{Start: "nope"}); err == nil {
		t.Fatal("an unknown start node is refused")
	}
}

// A flow with several triggers (an HTTP route and a Manual play to try it, say) starts a run
// fired by one kind of trigger at its only trigger of that kind; without the kind it asks
// which, and with two of the kind it names them.
func TestRunStartsAtTheTriggerThatFired(t *testing.T) {
	tn := newTestNodes(t)
	if err := tn.reg.Register(&nodes.Type{ID: "test.hook", Category: "Test", Name: "Hook", Doc: "A second trigger type.", Trigger: true,
		Outputs: []nodes.Port{{Name: "data", Type: nodes.Any}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"data": c.Trigger}, nil
		}}); err != nil {
		t.Fatal(err)
	}
	b := newFlow().
		node("try", "test.trigger", nil).
		node("hook", "test.hook", nil).
		node("from_try", "test.pass", map[string]any{"value": "{{ try.data }}"}).
		node("from_hook", "test.pass", map[string]any{"value": "{{ hook.data }}"}).
		chain("try", "from_try").
		chain("hook", "from_hook")
	p := compile(t, tn.reg, b)
	eng := engine.New(engine.Options{Concurrency: 1})
	r := run(t, eng, p, engine.Request{Trigger: "req", Fired: "test.hook"})
	if r.Status != engine.StatusSuccess || statusOf(r, "try") != "" || statusOf(r, "from_try") != "" ||
		result(t, r, "from_hook").Outputs["value"] != "req" {
		t.Fatalf("fired by test.hook: %s %v", r.Status, handles(r))
	}
	for _, tc := range []struct {
		fired, want string
	}{
		{"", "the flow has 2 triggers; say which node to start from"},
		{"trigger.schedule", "the flow has 2 triggers and none of type trigger.schedule"},
	} {
		_, err := eng.Run(context.Background(), p, engine.Request{Trigger: "req", Fired: tc.fired})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("fired %q: %v; want %q", tc.fired, err, tc.want)
		}
	}
	two := compile(t, tn.reg, newFlow().node("h1", "test.hook", nil).node("h2", "test.hook", nil).node("try", "test.trigger", nil))
	_, err := eng.Run(context.Background(), two, engine.Request{Fired: "test.hook"})
	if err == nil || !strings.Contains(err.Error(), "2 triggers of type test.hook (h1, h2); keep one") {
		t.Fatalf("two of the kind: %v", err)
	}
}

func TestPausedStateHoldsSecretKeysNotValues(t *testing.T) {
	tn := newTestNodes(t)
	const odd = `pa"ss\Zq9word <&> /?x y`
	once, _ := json.Marshal(odd)
	twice, _ := json.Marshal(string(once))
	// the trigger carries the forms a resumed run must see again, so the flow itself can
	// compare them (recorded results are redacted, which would hide a wrong form)
	expect := map[string]any{"raw": odd, "json": string(once[1 : len(once)-1]), "twice": string(twice[1 : len(twice)-1]),
		"path": url.PathEscape(odd), "query": url.QueryEscape(odd)}
	b := newFlow().
		node("start", "test.trigger", nil).
		node("read", "test.secret", map[string]any{"key": "ODD"}).
		node("enc", "test.encode", map[string]any{"value": "{{ read.value }}"}).
		node("ask", "test.approve", map[string]any{"question": "send <secret:TOKEN> as {{ enc.query }}?"}).
		node("final", "test.pass", map[string]any{"value": "{{ [read.value == trigger.expect.raw, enc.json == '\"' + trigger.expect.json + '\"', " +
			"enc.json_twice == '\"' + trigger.expect.twice + '\"', enc.path == trigger.expect.path, " +
			"enc.query == trigger.expect.query, trigger.echo == 'tok-551'] }}"}).
		chain("start", "read", "enc", "ask", "final")
	p := compile(t, tn.reg, b)
	res := secrets{sec: map[string]string{"ODD": odd, "TOKEN": "tok-551"}}
	req := engine.Request{RunID: "r-sec", Resolver: res, Trigger: map[string]any{"echo": "tok-551", "expect": expect}}
	r := run(t, engine.New(engine.Options{Concurrency: 1}), p, req)
	if r.Status != engine.StatusPaused {
		t.Fatalf("status %s %+v", r.Status, r.Error)
	}
	data, err := json.Marshal(r.State)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Zq9word", "tok-551"} {
		if strings.Contains(string(data), leak) {
			t.Fatalf("the paused state holds a secret value (%s): %s", leak, data)
		}
	}
	if !strings.Contains(string(data), "secret:ODD") || !strings.Contains(string(data), "secret:TOKEN") {
		t.Fatalf("the state names the keys where the values were: %s", data)
	}

	var st engine.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.New(engine.Options{}).Resume(context.Background(), compile(t, tn.reg, b), &st, "ask", "yes",
		engine.Request{Resolver: secrets{sec: map[string]string{"ODD": odd}}}); err == nil ||
		!strings.Contains(err.Error(), `secret "TOKEN"`) {
		t.Fatalf("resuming without a secret the state needs: %v", err)
	}
	r2, err := engine.New(engine.Options{Concurrency: 1}).Resume(context.Background(), compile(t, tn.reg, b), &st, "ask", "yes",
		engine.Request{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != engine.StatusSuccess {
		t.Fatalf("resumed: %s %+v", r2.Status, r2.Error)
	}
	if got := result(t, r2, "final").Outputs["value"]; !reflect.DeepEqual(got, []any{true, true, true, true, true, true}) {
		t.Fatalf("after the resume every form of the secret is back as it was: %#v", got)
	}
	if strings.Contains(fmt.Sprint(st.Trigger), "tok-551") {
		t.Fatal("the caller's state is left sealed")
	}
}

// An expression reading a node that has not run when it is read — not connected before the
// reader, or skipped, or outside the run — says so and how to fix it, instead of the VM's
// "cannot fetch value from <nil>". (A read that succeeds, such as {{ a.x ?? b.x }} after
// alternative branches, is left alone.)
func TestReadingANodeThatHasNotRun(t *testing.T) {
	tn := newTestNodes(t)
	b := newFlow().
		node("start", "test.trigger", nil).
		node("slow", "test.sleep", map[string]any{"ms": 50.0, "value": "late"}).
		node("reader", "test.pass", map[string]any{"value": "got {{ slow.value }}"}).
		conn("start", "true_path", "slow", "node").
		conn("start", "true_path", "reader", "node")
	r := run(t, engine.New(engine.Options{Concurrency: 2}), compile(t, tn.reg, b), engine.Request{})
	want := `node "slow" has not run yet: "reader" does not wait for it (connect "slow" to "reader", or to a node before it)`
	if r.Error == nil || r.Error.Node != "reader" || !strings.Contains(r.Error.Error, want) {
		t.Fatalf("error %+v, want one containing %q", r.Error, want)
	}

	b = newFlow().
		node("start", "test.trigger", nil).
		node("early", "test.pass", map[string]any{"value": "{{ later.value }}!"}).
		node("later", "test.pass", map[string]any{"value": "x"}).
		chain("start", "early", "later")
	r = run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if want := `node "later" runs after "early" ("early" leads to it), so it has no outputs yet`; r.Error == nil || !strings.Contains(r.Error.Error, want) {
		t.Fatalf("error %+v, want one containing %q", r.Error, want)
	}

	b = newFlow().
		node("start", "test.trigger", nil).
		node("gate", "control.if_else", map[string]any{"condition": false}).
		node("maybe", "test.pass", map[string]any{"value": "x"}).
		node("reader", "test.pass", map[string]any{"value": "{{ maybe.value }}!"}).
		conn("start", "true_path", "gate", "node").
		conn("gate", "true_path", "maybe", "node").
		conn("gate", "false_path", "reader", "node")
	r = run(t, engine.New(engine.Options{Concurrency: 1}), compile(t, tn.reg, b), engine.Request{})
	if want := `node "maybe" was skipped (a branch before it was not taken)`; r.Error == nil || !strings.Contains(r.Error.Error, want) {
		t.Fatalf("error %+v, want one containing %q", r.Error, want)
	}
	// merging alternative branches by expression is common ({{ a.x ?? b.x }}): say how
	if want := `write maybe?.value to read null when it is skipped`; !strings.Contains(r.Error.Error, want) {
		t.Fatalf("error %+v, want one containing %q", r.Error, want)
	}
}
