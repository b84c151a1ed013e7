package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/memory"
)

// maxToolResult caps the text of one tool result handed back to the model.
const maxToolResult = 64 * 1024

func agentType() *nodes.Type {
	return &nodes.Type{
		ID: "ai.agent", Category: category, Name: "Agent", Icon: "bot",
		Doc: "Runs a tool-calling agent: the model reads the instructions and the prompt, may call the connected " +
			"tools (each call's result goes back to the model), and repeats until it gives a final answer or " +
			"`max_steps` model calls are used up (then the node fails naming `max_steps`). Every tool call is " +
			"logged and recorded on `steps`. A call that cannot be made — an unknown tool, or arguments that are not a " +
			"JSON object (malformed, or cut off at `max_tokens`) — is not run: the model is told why and may call again. The answer's text is streamed to the editor while it is written, " +
			"together with tool call and tool result events.\n\n" +
			"**Human in the loop**: a tool marked *needs confirmation* pauses the run before it is called. " +
			"The pause names the tool, the call id and the arguments. Resume the run with " +
			"`{\"approve\": true}` (optionally `\"arguments\": {…}` to change them) to call it, or " +
			"`{\"approve\": false, \"reason\": \"…\"}` to tell the model the user rejected the call; the agent " +
			"then carries on where it stopped.\n\n**Inputs**\n\n" +
			"- `model` — a model service.\n- `tools` — tool services (connect as many as needed).\n" +
			"- `memory` — optional memory service: earlier turns of `session` are loaded before the prompt and the " +
			"prompt and answer are saved after.\n- `session` — the conversation id for memory (e.g. `{{ chat.session }}`).\n" +
			"- `history` — how many remembered messages to load (default 20); they start at a user message " +
			"(an answer whose question fell outside the window is left out).\n" +
			"- `instructions` — the system prompt.\n- `prompt` — the user's message.\n" +
			"- `output_schema` — a JSON object schema for a structured final answer (parsed onto `data`).\n" +
			"- `max_steps` — the most model calls in one run (default 10).\n" +
			"- `temperature`, `max_tokens` — override the model node's settings.\n- `stream` — stream events (default on); the model node's `idle_timeout` then bounds the pauses in each answer.\n\n" +
			"**Outputs**\n\n- `answer` — the final answer's text.\n- `data` — the parsed structured answer, or null.\n" +
			"- `steps` — every tool call: `{step, tool, call_id, arguments, result, error, status, duration_ms}`.\n" +
			"- `usage` — tokens over all model calls.\n- `messages` — the whole conversation.\n\n" +
			"**Example**: instructions `You are a support agent.`, prompt `{{ chat.message }}`, tools: an HTTP tool " +
			"`get_order` (GET `https://shop.example.com/orders/{id}`) and `refund` (needs confirmation).",
		Inputs: []nodes.Port{
			{Name: "model", Type: nodes.ServiceType(llm.KindModel), Required: true, Doc: "The chat model."},
			{Name: "tools", Type: nodes.ServiceType(llm.KindTool), Multi: true, Doc: "Tools the agent may call."},
			{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Doc: "Conversation memory (optional)."},
			{Name: "session", Type: nodes.String, Doc: "Conversation id for memory."},
			{Name: "history", Type: nodes.Integer, Default: 20.0, Doc: "Remembered messages to load."},
			{Name: "instructions", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "The system prompt."},
			{Name: "prompt", Type: nodes.String, Editor: nodes.EditTemplate, Required: true, Doc: "The user's message."},
			{Name: "output_schema", Type: nodes.Object, Doc: "JSON schema of a structured final answer."},
			{Name: "max_steps", Type: nodes.Integer, Default: 10.0, Doc: "The most model calls in one run."},
			{Name: "temperature", Type: nodes.Number, Doc: "Sampling temperature, 0–2 (overrides the model node)."},
			{Name: "max_tokens", Type: nodes.Integer, Doc: "Answer length limit per model call."},
			{Name: "stream", Type: nodes.Boolean, Default: true, Doc: "Stream tokens and tool events to the editor."},
		},
		Outputs: []nodes.Port{
			{Name: "answer", Type: nodes.String, Doc: "The final answer's text."},
			{Name: "data", Type: nodes.Any, Doc: "The structured answer (with output_schema)."},
			{Name: "steps", Type: nodes.List, Doc: "Every tool call with its result or error."},
			{Name: "usage", Type: nodes.Object, Doc: "Token usage over all model calls."},
			{Name: "messages", Type: nodes.List, Doc: "The whole conversation."},
		},
		Run: runAgent,
	}
}

// Step is one tool call the agent made, as recorded on its `steps` output.
type Step struct {
	Step       int            `json:"step"` // the model call that asked for it (1-based)
	Tool       string         `json:"tool"`
	CallID     string         `json:"call_id"`
	Arguments  map[string]any `json:"arguments"`
	Result     any            `json:"result,omitempty"`
	Error      string         `json:"error,omitempty"`
	Status     string         `json:"status"` // ok, error, rejected
	DurationMS float64        `json:"duration_ms"`
}

// agentState is everything the loop needs to continue after a pause.
type agentState struct {
	Messages   []llm.Message  `json:"messages"`
	Steps      []Step         `json:"steps"`
	Usage      llm.Usage      `json:"usage"`
	ModelCalls int            `json:"model_calls"`
	Pending    []llm.ToolCall `json:"pending,omitempty"` // calls of the last turn not answered yet
}

// PausePayload is what the agent pauses the run with when a tool needs confirmation.
type PausePayload struct {
	Kind        string         `json:"kind"` // "tool_confirmation"
	Tool        string         `json:"tool"`
	Description string         `json:"description,omitempty"`
	CallID      string         `json:"call_id"`
	Arguments   map[string]any `json:"arguments"`
	Question    string         `json:"question"`
	State       agentState     `json:"state"`
}

// Decision is the resume input of a paused agent.
type Decision struct {
	Approve   bool           `json:"approve"`
	Arguments map[string]any `json:"arguments,omitempty"`
	Reason    string         `json:"reason,omitempty"`
}

type agent struct {
	c        *nodes.Call
	model    llm.Model
	tools    map[string]llm.Tool
	specs    []llm.ToolSpec
	memory   llm.Memory
	session  string
	req      llm.Request // template: tools, output, tuning
	maxSteps int
	stream   bool
}

func runAgent(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	a, err := newAgent(ctx, c)
	if err != nil {
		return nil, err
	}
	var st agentState
	if c.Resume != nil {
		if st, err = a.resume(ctx); err != nil {
			return nil, err
		}
	} else if st, err = a.start(ctx); err != nil {
		return nil, err
	}
	return a.loop(ctx, st)
}

func newAgent(ctx context.Context, c *nodes.Call) (*agent, error) {
	model, err := modelInput(c)
	if err != nil {
		return nil, err
	}
	a := &agent{c: c, model: model, stream: c.Bool("stream")}
	if a.tools, a.specs, err = toolsInput(ctx, c.Get("tools")); err != nil {
		return nil, err
	}
	if v := c.Get("memory"); v != nil {
		m, ok := v.(llm.Memory)
		if !ok {
			return nil, nodes.Errorf("memory", "expected a memory service, got %s", nodes.Describe(v))
		}
		a.memory = m
		a.session = strings.TrimSpace(c.Str("session"))
		if a.session == "" {
			return nil, nodes.Errorf("session", "a session id is required when memory is connected (e.g. {{ chat.session }})")
		}
	}
	if a.maxSteps, err = c.IntOr("max_steps", 10); err != nil {
		return nil, err
	}
	if a.maxSteps < 1 || a.maxSteps > 100 {
		return nil, nodes.Errorf("max_steps", "must be between 1 and 100, got %d", a.maxSteps)
	}
	if err := tuning(c, &a.req); err != nil {
		return nil, err
	}
	if a.req.Output, err = schemaInput(c, "output_schema", "answer"); err != nil {
		return nil, err
	}
	a.req.Tools = a.specs
	return a, nil
}

// toolsInput collects the tools of every connected tool service.
func toolsInput(ctx context.Context, v any) (map[string]llm.Tool, []llm.ToolSpec, error) {
	var items []any
	switch x := v.(type) {
	case nil:
	case []any:
		items = x
	default:
		items = []any{x}
	}
	tools := map[string]llm.Tool{}
	var specs []llm.ToolSpec
	add := func(t llm.Tool) error {
		s := t.Spec()
		if s.Name == "" {
			return nodes.Errorf("tools", "a connected tool has no name")
		}
		if _, dup := tools[s.Name]; dup {
			return nodes.Errorf("tools", "two connected tools are both called %q; tool names must be unique", s.Name)
		}
		tools[s.Name] = t
		specs = append(specs, s)
		return nil
	}
	for i, it := range items {
		switch x := it.(type) {
		case nil:
		case llm.ToolProvider:
			ts, err := x.Tools(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("list the tools of tool service %d: %w", i+1, err)
			}
			for _, t := range ts {
				if err := add(t); err != nil {
					return nil, nil, err
				}
			}
		case llm.Tool:
			if err := add(x); err != nil {
				return nil, nil, err
			}
		default:
			return nil, nil, nodes.Errorf("tools", "connection %d is not a tool service, got %s", i+1, nodes.Describe(it))
		}
	}
	return tools, specs, nil
}

// start builds the first conversation: instructions, remembered history, the prompt.
func (a *agent) start(ctx context.Context) (agentState, error) {
	var st agentState
	if s := a.c.Str("instructions"); strings.TrimSpace(s) != "" {
		st.Messages = append(st.Messages, llm.Message{Role: llm.System, Content: s})
	}
	if a.memory != nil {
		limit, err := a.c.IntOr("history", 20)
		if err != nil {
			return st, err
		}
		if limit < 0 {
			return st, nodes.Errorf("history", "must not be negative, got %d", limit)
		}
		if limit > 0 {
			past, err := a.memory.Load(ctx, a.session, limit)
			if err != nil {
				return st, fmt.Errorf("load memory of session %q: %w", a.session, err)
			}
			st.Messages = append(st.Messages, fromFirstUser(past)...)
		}
	}
	prompt := a.c.Str("prompt")
	if strings.TrimSpace(prompt) == "" {
		return st, nodes.Errorf("prompt", "the prompt is empty")
	}
	st.Messages = append(st.Messages, llm.Message{Role: llm.User, Content: prompt})
	return st, nil
}

// fromFirstUser drops the messages a history window kept before its first user message:
// an answer or tool results whose question fell out of the window. Anthropic refuses a
// conversation that does not start with the user, every provider one that starts with tool
// results.
func fromFirstUser(msgs []llm.Message) []llm.Message {
	for i, m := range msgs {
		if m.Role == llm.User {
			return msgs[i:]
		}
	}
	return nil
}

// resume restores the state from the pause payload and applies the user's decision to
// the call that waited for it.
func (a *agent) resume(ctx context.Context) (agentState, error) {
	var p PausePayload
	if err := remarshal(a.c.Resume.Payload, &p); err != nil || p.Kind != "tool_confirmation" || len(p.State.Pending) == 0 {
		return agentState{}, fmt.Errorf("resume: the paused state of the agent is missing or unreadable")
	}
	d, err := decisionInput(a.c.Resume.Input)
	if err != nil {
		return agentState{}, err
	}
	st := p.State
	call := st.Pending[0]
	st.Pending = st.Pending[1:]
	if call.ID != p.CallID {
		return agentState{}, fmt.Errorf("resume: the paused call %s is not the next pending call %s", p.CallID, call.ID)
	}
	tool := a.tools[call.Name]
	if !d.Approve {
		reason := strings.TrimSpace(d.Reason)
		msg := "The user rejected this call."
		if reason != "" {
			msg += " Reason: " + reason
		}
		a.c.Log("tool %s (call %s) rejected by the user%s", call.Name, call.ID, suffix(reason))
		st.Steps = append(st.Steps, Step{Step: st.ModelCalls, Tool: call.Name, CallID: call.ID, Arguments: call.Arguments,
			Error: msg, Status: "rejected"})
		st.Messages = append(st.Messages, llm.Message{Role: llm.ToolRole, ToolCallID: call.ID, Name: call.Name, Content: msg})
		a.streamResult(st.ModelCalls, call, "rejected", 0)
		return st, nil
	}
	note := ""
	if d.Arguments != nil {
		edited, _ := json.Marshal(d.Arguments)
		note = "The user approved this call with changed arguments: " + string(edited) + ". Result: "
		call.Arguments = d.Arguments
	}
	if tool == nil {
		return agentState{}, nodes.Errorf("tools", "the tool %q the run paused for is no longer connected", call.Name)
	}
	a.callTool(ctx, &st, tool, call, note)
	return st, nil
}

func suffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

func decisionInput(v any) (Decision, error) {
	var d Decision
	m, ok := v.(map[string]any)
	if !ok {
		return d, nodes.Errorf("resume", `expected {"approve": true|false, "arguments": {...}, "reason": "..."}, got %s`, nodes.Describe(v))
	}
	ap, ok := m["approve"].(bool)
	if !ok {
		return d, nodes.Errorf("resume", `"approve" must be true or false, got %s`, nodes.Describe(m["approve"]))
	}
	d.Approve = ap
	if args, ok := m["arguments"]; ok && args != nil {
		am, ok := args.(map[string]any)
		if !ok {
			return d, nodes.Errorf("resume", `"arguments" must be an object, got %s`, nodes.Describe(args))
		}
		d.Arguments = nodes.Clone(am).(map[string]any)
	}
	d.Reason = nodes.ToString(m["reason"])
	return d, nil
}

// loop runs pending tool calls and model calls until a final answer, a pause or max_steps.
func (a *agent) loop(ctx context.Context, st agentState) (nodes.Out, error) {
	for {
		for len(st.Pending) > 0 {
			call := st.Pending[0]
			tool, ok := a.tools[call.Name]
			if !ok {
				msg := fmt.Sprintf("There is no tool called %q.", call.Name)
				a.c.Warn("the model called unknown tool %q (call %s)", call.Name, call.ID)
				st.Steps = append(st.Steps, Step{Step: st.ModelCalls, Tool: call.Name, CallID: call.ID, Arguments: call.Arguments,
					Error: msg, Status: "error"})
				st.Messages = append(st.Messages, llm.Message{Role: llm.ToolRole, ToolCallID: call.ID, Name: call.Name, Content: "Error: " + msg, IsError: true})
				st.Pending = st.Pending[1:]
				continue
			}
			if call.Invalid != "" {
				// malformed or cut-off arguments: the tool is not run, the model is told and may call again
				msg := fmt.Sprintf("The call was not made: %s. Call %s again with a JSON object as its arguments.", call.Invalid, call.Name)
				a.c.Warn("the model called %s (call %s) with unreadable arguments: %s", call.Name, call.ID, call.Invalid)
				st.Steps = append(st.Steps, Step{Step: st.ModelCalls, Tool: call.Name, CallID: call.ID, Arguments: call.Arguments,
					Error: msg, Status: "error"})
				st.Messages = append(st.Messages, llm.Message{Role: llm.ToolRole, ToolCallID: call.ID, Name: call.Name, Content: "Error: " + msg, IsError: true})
				st.Pending = st.Pending[1:]
				continue
			}
			if tool.NeedsConfirmation() {
				a.c.Log("tool %s (call %s) needs confirmation: pausing the run", call.Name, call.ID)
				a.stream1(map[string]any{"kind": "confirmation", "step": float64(st.ModelCalls), "tool": call.Name,
					"call_id": call.ID, "arguments": nodes.Normalize(call.Arguments)})
				return a.c.Pause(nodes.Normalize(PausePayload{Kind: "tool_confirmation", Tool: call.Name,
					Description: tool.Spec().Description, CallID: call.ID, Arguments: call.Arguments,
					Question: fmt.Sprintf("Allow the agent to call %s with %s?", call.Name, compact(call.Arguments)), State: st}))
			}
			st.Pending = st.Pending[1:]
			a.callTool(ctx, &st, tool, call, "")
		}
		if st.ModelCalls >= a.maxSteps {
			return nil, fmt.Errorf("the agent used all max_steps (%d model calls) without a final answer; raise max_steps or give it an easier task", a.maxSteps)
		}
		req := a.req
		req.Messages = st.Messages
		step := st.ModelCalls + 1
		var onDelta func(string)
		if a.stream {
			onDelta = func(s string) { streamText(a.c, step, s) }
		}
		resp, err := a.model.Chat(ctx, req, onDelta)
		if err != nil {
			return nil, fmt.Errorf("model call %d of %d: %w", step, a.maxSteps, err)
		}
		st.ModelCalls = step
		st.Usage.InputTokens += resp.Usage.InputTokens
		st.Usage.OutputTokens += resp.Usage.OutputTokens
		msg := resp.Message
		msg.Role = llm.Assistant
		st.Messages = append(st.Messages, msg)
		if len(msg.ToolCalls) == 0 {
			return a.finish(ctx, st, resp)
		}
		// every call of the turn needs an id of its own: its result is matched to it (a
		// provider refuses two results for one id, or a call left without one)
		seen := map[string]bool{}
		for i := range msg.ToolCalls {
			if id := msg.ToolCalls[i].ID; id == "" || seen[id] {
				msg.ToolCalls[i].ID = fmt.Sprintf("call_%d_%d", step, i+1)
				for n := 2; seen[msg.ToolCalls[i].ID]; n++ {
					msg.ToolCalls[i].ID = fmt.Sprintf("call_%d_%d_%d", step, i+1, n)
				}
			}
			seen[msg.ToolCalls[i].ID] = true
		}
		st.Pending = append([]llm.ToolCall(nil), msg.ToolCalls...)
	}
}

// callTool runs one tool call and records it.
func (a *agent) callTool(ctx context.Context, st *agentState, tool llm.Tool, call llm.ToolCall, note string) {
	args := call.Arguments
	if args == nil {
		args = map[string]any{}
	}
	a.stream1(map[string]any{"kind": ChunkToolCall, "step": float64(st.ModelCalls), "tool": call.Name, "call_id": call.ID,
		"arguments": nodes.Normalize(args)})
	start := time.Now()
	res, err := tool.Call(ctx, nodes.Clone(args).(map[string]any))
	dur := time.Since(start)
	s := Step{Step: st.ModelCalls, Tool: call.Name, CallID: call.ID, Arguments: args,
		DurationMS: float64(dur.Microseconds()) / 1000}
	var content string
	if err != nil {
		s.Status, s.Error = "error", err.Error()
		content = "Error: " + err.Error()
		a.c.Warn("tool %s (call %s) failed after %s: %v", call.Name, call.ID, dur.Round(time.Millisecond), err)
	} else {
		s.Status, s.Result = "ok", nodes.Normalize(res)
		content = resultText(res)
		a.c.Log("tool %s (call %s) with %s answered in %s", call.Name, call.ID, compact(args), dur.Round(time.Millisecond))
	}
	st.Steps = append(st.Steps, s)
	st.Messages = append(st.Messages, llm.Message{Role: llm.ToolRole, ToolCallID: call.ID, Name: call.Name, Content: note + content,
		IsError: err != nil})
	a.streamResult(st.ModelCalls, call, s.Status, s.DurationMS)
}

func (a *agent) streamResult(step int, call llm.ToolCall, status string, ms float64) {
	a.stream1(map[string]any{"kind": ChunkToolResult, "step": float64(step), "tool": call.Name, "call_id": call.ID,
		"status": status, "duration_ms": ms})
}

func (a *agent) stream1(chunk map[string]any) {
	if !a.stream || a.c.Host == nil {
		return
	}
	chunk["node"] = a.c.Handle
	a.c.Host.Stream(chunk)
}

// finish parses a structured answer, saves the turn to memory and builds the outputs.
func (a *agent) finish(ctx context.Context, st agentState, resp llm.Response) (nodes.Out, error) {
	answer := resp.Message.Content
	var data any
	warnCutOff(a.c, resp)
	if strings.TrimSpace(answer) == "" {
		calls := "model calls"
		if st.ModelCalls == 1 {
			calls = "model call"
		}
		a.c.Warn("the model's final answer is empty (stop reason %q, after %d %s)", resp.StopReason, st.ModelCalls, calls)
	}
	if a.req.Output != nil {
		var err error
		if data, err = parseJSONAnswer(answer); err != nil {
			return nil, cutOffError(resp, err)
		}
	}
	if a.memory != nil {
		turn := []llm.Message{{Role: llm.User, Content: a.c.Str("prompt")}, {Role: llm.Assistant, Content: answer}}
		if err := a.memory.Append(ctx, a.session, turn...); err != nil {
			if big, ok := errors.AsType[*memory.TooLargeError](err); ok && big.Index == 0 {
				return nil, nodes.Errorf("prompt", "cannot save the turn to memory of session %q: %v", a.session, big)
			}
			return nil, fmt.Errorf("save the turn to memory of session %q: %w", a.session, err)
		}
	}
	steps := make([]any, len(st.Steps))
	for i, s := range st.Steps {
		steps[i] = nodes.Normalize(s)
	}
	msgs := make([]any, len(st.Messages))
	for i, m := range st.Messages {
		msgs[i] = nodes.Normalize(m)
	}
	u := usageMap(st.Usage)
	u["model_calls"] = float64(st.ModelCalls)
	return nodes.Out{"answer": answer, "data": data, "steps": steps, "usage": u, "messages": msgs}, nil
}

// resultText is a tool result as the model reads it: text as is, anything else as JSON.
func resultText(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "null"
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	if len(s) > maxToolResult {
		s = preview(s, maxToolResult) + fmt.Sprintf(" [truncated: %d bytes in all]", len(s))
	}
	return s
}

func compact(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, err := json.Marshal(m)
	if err != nil {
		return strings.Join(keys, ", ")
	}
	return preview(string(b), 300)
}

// remarshal copies v into out through JSON (a pause payload comes back from stored
// state as plain maps).
func remarshal(v, out any) error {
	if v == nil {
		return errors.New("nothing to decode")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return jsonvalue.Into(b, out) // tool-call arguments keep whole numbers beyond 2^53 exact
}
