// Package tool holds the nodes that turn a flow into an agent tool: a tool-start trigger
// that declares the tool (name, description, parameter schema) and receives the
// arguments, a tool-result node that hands the answer back, and a flow-tool service node
// that offers such a flow to an agent as an llm.Tool.
package tool

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
)

const category = "AI"

// Node type ids of the family.
const (
	StartID  = "tool.start"
	ResultID = "tool.result"
	FlowID   = "tool.flow"
)

// Register adds the tool family to r.
func Register(r *nodes.Registry) error {
	return r.Register(startType(), resultType(), flowType())
}

// emptySchema is the parameter schema of a tool that takes no arguments.
func emptySchema() map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{}}
}

func startType() *nodes.Type {
	return &nodes.Type{
		ID: StartID, Category: category, Name: "Tool start", Icon: "wrench", Trigger: true, OnePerFlow: true,
		Doc: "Starts a flow that an agent calls as a tool (through a **Flow tool** node in another flow). " +
			"It declares the tool to the model and hands the model's arguments to the flow. Put one in a flow " +
			"of kind `service` or `blueprint`, and end the flow with a **Tool result** node.\n\n" +
			"**Inputs**\n\n- `name` — the tool's name as the model sees it (letters, digits, `_`, `-`; at most 64).\n" +
			"- `description` — what the tool does and when to use it (the model reads this).\n" +
			"- `parameters` — a JSON schema of the arguments (an object schema).\n\n" +
			"**Outputs**\n\n- `arguments` — the arguments the model called the tool with (an object).\n\n" +
			"**Example**: name `lookup_order`, description `Finds an order by its number`, parameters " +
			"`{\"type\": \"object\", \"properties\": {\"number\": {\"type\": \"string\"}}, \"required\": [\"number\"]}`; " +
			"a DynamoDB get reads `{{ start.arguments.number }}` and a Tool result returns the item.",
		Inputs: []nodes.Port{
			{Name: "name", Type: nodes.String, Required: true, Literal: true, Doc: "The tool's name, e.g. lookup_order."},
			{Name: "description", Type: nodes.String, Literal: true, Doc: "What the tool does, for the model."},
			{Name: "parameters", Type: nodes.Object, Default: emptySchema(), Literal: true,
				Doc: "JSON schema of the arguments (type object)."},
		},
		Outputs: []nodes.Port{{Name: "arguments", Type: nodes.Object, Doc: "The arguments of the call."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			if _, err := specFromValues(c.In); err != nil {
				return nil, err
			}
			args := map[string]any{}
			switch t := c.Trigger.(type) {
			case nil:
			case map[string]any:
				args = t
			default:
				return nil, fmt.Errorf("tool arguments must be an object, got %s", nodes.Describe(c.Trigger))
			}
			return nodes.Out{"arguments": args}, nil
		},
	}
}

func resultType() *nodes.Type {
	return &nodes.Type{
		ID: ResultID, Category: category, Name: "Tool result", Icon: "corner-down-left",
		Control: nodes.ControlExit, NoErrorPath: true,
		Doc: "Ends a tool flow (one started by **Tool start**) and hands `value` back to the agent that called " +
			"the tool. Like Exit, it stops the flow: nodes already running finish and nothing new starts.\n\n" +
			"**Inputs**\n\n- `value` — the tool's answer (any JSON value; the agent gives it to the model).\n\n" +
			"**Outputs**\n\n- `value` — the same value.\n\n" +
			"**Example**: value `{{ get_order.item }}` answers a `lookup_order` call with the order.",
		Inputs:  []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value the tool returns."}},
		Outputs: []nodes.Port{{Name: "value", Type: nodes.Any, Doc: "The value returned."}},
	}
}

func flowType() *nodes.Type {
	return &nodes.Type{
		ID: FlowID, Category: category, Name: "Flow tool", Icon: "workflow", Service: llm.KindTool,
		Doc: "Offers another flow of the project to an agent as a tool. The flow must start with a **Tool start** " +
			"node (its name, description and parameter schema become the tool's) and should end with a **Tool " +
			"result** node, whose value is what the agent receives. When the agent calls the tool, the flow runs " +
			"as a nested run with the same stage, secrets and deadline: editor runs use the flow's draft, " +
			"published runs the version published on the run's stage. Flows calling themselves (directly or " +
			"through others) are refused, and nesting is limited to 4 levels.\n\n" +
			"**Inputs**\n\n- `flow_id` — the id of the tool flow.\n" +
			"- `needs_confirmation` — pause the agent's run for approval before each call.\n\n" +
			"**Outputs**\n\n- `tool` — the tool service (connect to an agent's tools).\n\n" +
			"**Example**: flow_id of a `lookup_order` flow, connected to an agent: the model can look up orders.",
		Inputs: []nodes.Port{
			{Name: "flow_id", Type: nodes.String, Required: true, Editor: nodes.EditFlow, Doc: "The id of the flow to call (it starts with Tool start)."},
			{Name: "needs_confirmation", Type: nodes.Boolean, Default: false, Pauses: true, Doc: "Ask for approval before each call."},
		},
		Outputs: []nodes.Port{{Name: "tool", Type: nodes.ServiceType(llm.KindTool), Doc: "The tool, for an agent."}},
		Run:     runFlowTool,
	}
}

func runFlowTool(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	fc, id, err := nodes.CalledFlow(c, "flow_id")
	if err != nil {
		return nil, err
	}
	vals, err := fc.FlowNodeValues(ctx, id, StartID)
	if err != nil {
		return nil, nodes.Errorf("flow_id", "%v", err)
	}
	switch len(vals) {
	case 0:
		return nil, nodes.Errorf("flow_id", "flow %s has no Tool start node", id)
	case 1:
	default:
		return nil, nodes.Errorf("flow_id", "flow %s has %d Tool start nodes; keep one", id, len(vals))
	}
	spec, err := specFromValues(vals[0])
	if err != nil {
		return nil, nodes.Errorf("flow_id", "flow %s: Tool start %v", id, err)
	}
	t := &flowTool{flowID: id, spec: spec, confirm: c.Bool("needs_confirmation"), caller: fc, redact: c.Redact}
	return nodes.Out{"tool": Provider{t}}, nil
}

// specFromValues reads a tool spec from a Tool start node's values.
func specFromValues(v map[string]any) (llm.ToolSpec, error) {
	name := strings.TrimSpace(nodes.ToString(v["name"]))
	if !llm.ValidToolName(name) {
		return llm.ToolSpec{}, nodes.Errorf("name", "must be 1 to 64 letters, digits, _ or -, got %q", name)
	}
	params := emptySchema()
	switch p := v["parameters"].(type) {
	case nil:
	case map[string]any:
		params = p
	case string:
		if strings.TrimSpace(p) != "" {
			if err := json.Unmarshal([]byte(p), &params); err != nil {
				return llm.ToolSpec{}, nodes.Errorf("parameters", "not a JSON object: %v", err)
			}
		}
	default:
		return llm.ToolSpec{}, nodes.Errorf("parameters", "expected a JSON schema object, got %s", nodes.Describe(p))
	}
	if t, ok := params["type"]; ok && t != "object" {
		return llm.ToolSpec{}, nodes.Errorf("parameters", "the schema's type must be \"object\", got %v", t)
	}
	return llm.ToolSpec{Name: name, Description: nodes.ToString(v["description"]), Parameters: params}, nil
}

// Provider is a ToolProvider of fixed tools.
type Provider []llm.Tool

// Tools returns the tools.
func (p Provider) Tools(context.Context) ([]llm.Tool, error) { return p, nil }

// flowTool is a flow offered as a tool.
type flowTool struct {
	flowID  string
	spec    llm.ToolSpec
	confirm bool
	caller  nodes.FlowCaller
	// redact hides the run's secrets in the called flow's result: it goes to the model's
	// provider, outside the run
	redact func(any) any
}

func (t *flowTool) Spec() llm.ToolSpec      { return t.spec }
func (t *flowTool) NeedsConfirmation() bool { return t.confirm }

// Call runs the flow with the arguments and returns its Tool result value.
func (t *flowTool) Call(ctx context.Context, args map[string]any) (any, error) {
	if args == nil {
		args = map[string]any{}
	}
	v, err := t.caller.CallFlow(ctx, nodes.FlowCall{FlowID: t.flowID, StartType: StartID, Input: nodes.Clone(args)})
	if err != nil {
		return nil, &redactedError{msg: fmt.Sprintf("tool %s: %v", t.spec.Name, t.redact(err.Error())), err: err}
	}
	return t.redact(v), nil
}

// redactedError is an error whose text has the run's secrets hidden; what it wraps stays
// reachable for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
