// Package control holds the flow-control node family: branching, routers, loops,
// jumps, barrier, merge, exit and delay. Loops, jumps, break, continue and exit are
// structural: the engine implements them; these declarations give their ports and docs.
package control

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"polysynergy/shared/nodes"
)

const category = "Flow control"

// Limits of the family's inputs (declared on the ports, which the engine reads for jumps).
const (
	// MaxJumpRetries bounds a jump's max_retries (the run's node budget bounds the rest).
	MaxJumpRetries = 100000
	// MaxDelayMS bounds one wait of Delay and of a jump: 15 minutes (the run's deadline
	// bounds them all).
	MaxDelayMS = 15 * 60 * 1000
)

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	if err := r.Register(structural()...); err != nil {
		return err
	}
	return r.Register(branching()...)
}

func structural() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "control.for_each", Category: category, Name: "For each", Icon: "repeat", Control: nodes.ControlForEach,
			Doc: "Runs the nodes connected to `item`/`index` once per element of `list` (an object is walked as " +
				"`{key, value}` entries in key order). Connect `loop` to a **Loop end**, which collects each iteration's " +
				"value into `results`. Set `concurrency` (or the node's concurrency setting) to run iterations in parallel; " +
				"results keep the list's order. **Break** stops the loop, **Continue** skips to the next item. Inside the " +
				"body, `{{ handle.item }}` and `{{ handle.index }}` read the current element.",
			Inputs: []nodes.Port{
				{Name: "list", Type: nodes.Any, Required: true, Doc: "The list (or object) to walk."},
				{Name: "concurrency", Type: nodes.Integer, Doc: "Iterations at once (default 1)."},
			},
			Outputs: []nodes.Port{
				{Name: "item", Type: nodes.Any, Doc: "The current element."},
				{Name: "index", Type: nodes.Integer, Doc: "The current position, from 0."},
				{Name: "loop", Type: nodes.Loop, Doc: "Connect to this loop's Loop end."},
				{Name: "iterations", Type: nodes.Integer, Doc: "How many iterations ran (after the loop)."},
			},
		},
		{
			ID: "control.counter_loop", Category: category, Name: "Counter loop", Icon: "hash", Control: nodes.ControlCounter,
			Doc: "Counts from `from` to `to` (inclusive) by `step`, running the connected nodes once per value " +
				"(`{{ handle.value }}`, `{{ handle.index }}`). Pair it with a **Loop end** through `loop`.",
			Inputs: []nodes.Port{
				{Name: "from", Type: nodes.Number, Default: 1.0, Doc: "First value."},
				{Name: "to", Type: nodes.Number, Required: true, Doc: "Last value (inclusive)."},
				{Name: "step", Type: nodes.Number, Default: 1.0, Check: nodes.CheckNonZero, Doc: "Increment; negative counts down."},
				{Name: "concurrency", Type: nodes.Integer, Doc: "Iterations at once (default 1)."},
			},
			Outputs: []nodes.Port{
				{Name: "value", Type: nodes.Number, Doc: "The current count."},
				{Name: "index", Type: nodes.Integer, Doc: "The iteration number, from 0."},
				{Name: "loop", Type: nodes.Loop, Doc: "Connect to this loop's Loop end."},
				{Name: "iterations", Type: nodes.Integer, Doc: "How many iterations ran (after the loop)."},
			},
		},
		{
			ID: "control.loop_end", Category: category, Name: "Loop end", Icon: "corner-down-left", Control: nodes.ControlLoopEnd,
			NoErrorPath: true,
			Doc: "Closes a For each or Counter loop. Each iteration that reaches it adds its `value` to `results`; " +
				"iterations whose path is dead (a branch not taken, **Continue**) add nothing. Nodes after the loop end " +
				"run once, after every iteration.",
			Inputs: []nodes.Port{
				{Name: "loop", Type: nodes.Loop, Required: true, Doc: "From the loop's `loop` output."},
				{Name: "value", Type: nodes.Any, Doc: "The iteration's result to collect."},
			},
			Outputs: []nodes.Port{
				{Name: "results", Type: nodes.List, Doc: "Collected values in iteration order."},
				{Name: "count", Type: nodes.Integer, Doc: "How many values were collected."},
			},
		},
		{
			ID: "control.break", Category: category, Name: "Break", Icon: "octagon", Control: nodes.ControlBreak, NoErrorPath: true,
			Doc: "Inside a loop body: stops the loop. This iteration ends here; no further iterations start. " +
				"Outside a loop body it is refused.",
		},
		{
			ID: "control.continue", Category: category, Name: "Continue", Icon: "skip-forward", Control: nodes.ControlContinue, NoErrorPath: true,
			Doc: "Inside a loop body: ends this iteration without collecting a value and goes on with the next. " +
				"Outside a loop body it is refused.",
		},
		{
			ID: "control.to", Category: category, Name: "To (jump target)", Icon: "crosshair", NoErrorPath: true,
			Doc: "The place a **Jump** returns to. Everything after it runs again when the jump fires. " +
				"Passes its `value` through.",
			Inputs: []nodes.Port{
				{Name: "from", Type: nodes.Jump, Multi: true, Doc: "From a Jump's `to` output."},
				{Name: "value", Type: nodes.Any, Doc: "A value to pass on."},
			},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				return nodes.Out{"value": c.Get("value")}, nil
			},
		},
		{
			ID: "control.jump", Category: category, Name: "Jump", Icon: "rotate-ccw", Control: nodes.ControlJump, NoErrorPath: true,
			Doc: "Goes back to its **To** node and runs that part of the flow again — a bounded retry loop. After " +
				"`max_retries` jumps, it takes `exhausted` instead. Waits `delay_ms` before each jump. Typical use: " +
				"To → HTTP request → (false path) → Jump.",
			Inputs: []nodes.Port{
				{Name: "max_retries", Type: nodes.Integer, Default: 3.0, Min: nodes.Bound(0), Max: nodes.Bound(MaxJumpRetries),
					Doc: "How many times to jump back (at most 100000)."},
				{Name: "delay_ms", Type: nodes.Integer, Default: 0.0, Min: nodes.Bound(0), Max: nodes.Bound(MaxDelayMS),
					Doc: "Wait before each jump, in milliseconds (at most 15 minutes)."},
			},
			Outputs: []nodes.Port{
				{Name: "to", Type: nodes.Jump, Doc: "Connect to the To node to go back to."},
				{Name: "exhausted", Type: nodes.Object, Branch: true, Doc: "Live once the retries are used up."},
				{Name: "attempt", Type: nodes.Integer, Doc: "How many times this jump has fired."},
			},
		},
		{
			ID: "control.exit", Category: category, Name: "Exit", Icon: "log-out", Control: nodes.ControlExit, NoErrorPath: true,
			Doc: "Stops the run gracefully: nodes already running finish, nothing new starts, and the run ends " +
				"successfully with `value` as its output.",
			Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The run's output."}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
		},
		{
			ID: "control.barrier", Category: category, Name: "Barrier", Icon: "git-merge", Control: nodes.ControlBarrier, NoErrorPath: true,
			Doc: "Runs as soon as the **first** live connection arrives and passes that value on; later arrivals " +
				"are ignored. Skipped when every incoming path is dead. Use it to race alternatives.",
			Inputs:  []nodes.Port{{Name: "inputs", Type: nodes.Any, Multi: true, Doc: "Alternatives to race."}},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The first value that arrived."}},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				return nodes.Out{"value": c.Get("inputs")}, nil
			},
		},
		{
			ID: "control.merge", Category: category, Name: "Merge", Icon: "git-pull-request", NoErrorPath: true,
			Doc: "Joins alternative branches: waits until every incoming path is decided, then passes on every " +
				"value that arrived (`values`) and the first one (`value`). Skipped only when all paths are dead.",
			Inputs: []nodes.Port{{Name: "inputs", Type: nodes.List, Multi: true, Doc: "The branches to join."}},
			Outputs: []nodes.Port{
				{Name: "value", Type: nodes.Any, Doc: "The first live value."},
				{Name: "values", Type: nodes.List, Doc: "Every live value, in connection order."},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				vals, _ := nodes.ToList(c.Get("inputs"))
				if vals == nil {
					vals = []any{}
				}
				var first any
				if len(vals) > 0 {
					first = vals[0]
				}
				return nodes.Out{"value": first, "values": vals}, nil
			},
		},
		{
			ID: "control.delay", Category: category, Name: "Delay", Icon: "clock",
			Doc: "Waits `ms` milliseconds (at most 15 minutes, and never past the run's deadline), then passes `value` on.",
			Inputs: []nodes.Port{
				{Name: "ms", Type: nodes.Integer, Default: 1000.0, Min: nodes.Bound(0), Max: nodes.Bound(MaxDelayMS), Doc: "How long to wait."},
				{Name: "value", Type: nodes.Any},
			},
			Outputs: []nodes.Port{{Name: "value", Type: nodes.Any}},
			Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
				ms, err := c.Int("ms") // refuses values outside the port's bounds
				if err != nil {
					return nil, err
				}
				t := time.NewTimer(time.Duration(ms) * time.Millisecond)
				defer t.Stop()
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-t.C:
				}
				return nodes.Out{"value": c.Get("value")}, nil
			},
		},
		{
			ID: ApprovalID, Category: category, Name: "Human approval", Icon: "user-check", Pauses: true,
			Doc: "Pauses the run and waits for a person. The run's state is saved; resuming it with an answer " +
				"(`{\"approved\": true, \"comment\": \"…\"}`, or just `true`/`false`; any other answer fails the node rather than " +
				"guess) continues here exactly once: " +
				"`true_path` when approved, `false_path` when rejected. `message` and `data` are shown to the approver. " +
				"It cannot be used inside a loop body (a run cannot pause in the middle of a loop).",
			Inputs: []nodes.Port{
				{Name: "message", Type: nodes.String, Default: "Approve?", Doc: "What to ask."},
				{Name: "data", Type: nodes.Any, Doc: "Context shown with the question."},
			},
			Outputs: []nodes.Port{
				{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true, Doc: "Live when approved."},
				{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true, Doc: "Live when rejected."},
				{Name: "approved", Type: nodes.Boolean},
				{Name: "comment", Type: nodes.String},
				{Name: "answer", Type: nodes.Any, Doc: "The whole resume input."},
				{Name: "data", Type: nodes.Any},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				if c.Resume == nil {
					return c.Pause(map[string]any{"message": c.Str("message"), "data": c.Get("data")})
				}
				ans := c.Resume.Input
				approved, comment, err := ApprovalAnswer(ans)
				if err != nil {
					return nil, nodes.Errorf("resume", "%s", err)
				}
				out := nodes.Out{"approved": approved, "comment": comment, "answer": ans, "data": c.Get("data")}
				if approved {
					out[nodes.PortTruePath] = ans
				} else {
					out[nodes.PortFalsePath] = ans
				}
				return out, nil
			},
		},
		{
			ID: "control.random_path", Category: category, Name: "Random path", Icon: "shuffle", NoErrorPath: true,
			Doc: "Takes `true_path` with probability `probability` (0–1), otherwise `false_path` — for A/B splits " +
				"and sampling. Passes `value` on either way.",
			Inputs: []nodes.Port{{Name: "probability", Type: nodes.Number, Default: 0.5, Min: nodes.Bound(0), Max: nodes.Bound(1)}, {Name: "value", Type: nodes.Any}},
			Outputs: []nodes.Port{
				{Name: nodes.PortTruePath, Type: nodes.Any, Branch: true},
				{Name: nodes.PortFalsePath, Type: nodes.Any, Branch: true},
				{Name: "value", Type: nodes.Any},
			},
			Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
				p, err := c.Float("probability") // refuses values outside 0..1
				if err != nil {
					return nil, err
				}
				v := c.Get("value")
				if rand.Float64() < p {
					return nodes.Out{"value": v, nodes.PortTruePath: v}, nil
				}
				return nodes.Out{"value": v, nodes.PortFalsePath: v}, nil
			},
		},
	}
}

// ApprovalID is the Human approval node's type.
const ApprovalID = "control.approval"

// ApprovalForms says which answers a Human approval accepts.
const ApprovalForms = `true, false or {"approved": true|false, "comment": "…"}`

// ApprovalAnswer reads a Human approval's answer (the input its run is resumed with): true
// or false (also the text "true" or "false", in any case), or {"approved": true|false,
// "comment": "…"}. Anything else is an error saying what it got, rather than a guess. The
// node and the API's resume endpoint (which refuses such an answer before the run goes on)
// both read answers with it.
func ApprovalAnswer(ans any) (approved bool, comment string, err error) {
	if m, ok := ans.(map[string]any); ok {
		if approved, ok = yesNo(m["approved"]); !ok {
			return false, "", fmt.Errorf(`"approved" must be true or false, got %s`, nodes.Describe(m["approved"]))
		}
		return approved, nodes.ToString(m["comment"]), nil
	}
	if approved, ok := yesNo(ans); ok {
		return approved, "", nil
	}
	return false, "", fmt.Errorf("expected %s, got %s", ApprovalForms, nodes.Describe(ans))
}

// yesNo reads an approval: a boolean, or the text true or false in any case. Anything else
// is no answer (ok false): a word or a number must not count as a yes for being non-empty.
func yesNo(v any) (yes, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}
