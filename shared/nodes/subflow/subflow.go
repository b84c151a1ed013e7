// Package subflow holds the nodes that let one flow run another flow of its project as a
// single step: a Flow input trigger that receives the caller's data, and a Call flow node
// that runs the called flow and hands back what it ended with (an Exit value, or the
// response it set).
package subflow

import (
	"context"

	"polysynergy/shared/nodes"
)

// Node type ids of the family.
const (
	InputID = "flow.input"
	CallID  = "flow.call"
)

// Register adds the subflow family to r.
func Register(r *nodes.Registry) error {
	return r.Register(inputType(), callType())
}

func inputType() *nodes.Type {
	return &nodes.Type{
		ID: InputID, Category: "Triggers", Name: "Flow input", Icon: "log-in", Trigger: true, OnePerFlow: true,
		Doc: "Starts a flow that other flows run with a **Call flow** node, and hands it the caller's `input`. " +
			"End the flow with an **Exit** node: its `value` is what the caller receives (a flow that sets an " +
			"HTTP response and does not exit returns that response). When the flow is played on its own in the " +
			"editor, `test_input` stands in for the caller's input.\n\n" +
			"**Inputs**\n\n- `test_input` — any JSON value to play with.\n\n" +
			"**Outputs**\n\n- `input` — the caller's input, or `test_input`.\n\n" +
			"**Example**: a flow `price_with_vat` starts with Flow input and exits with " +
			"`{{ input.input.amount * 1.21 }}`; another flow calls it with input `{\"amount\": 100}` and gets 121.",
		Inputs: []nodes.Port{
			{Name: "test_input", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "Input used when no flow called this one."},
		},
		Outputs: []nodes.Port{{Name: "input", Type: nodes.Any, Doc: "The caller's input, or the test input."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			return nodes.Out{"input": c.TriggerOr("test_input")}, nil
		},
	}
}

func callType() *nodes.Type {
	return &nodes.Type{
		ID: CallID, Category: "Flow", Name: "Call flow", Icon: "workflow",
		Doc: "Runs another flow of the project as one step and outputs what it ended with. The called flow " +
			"starts at its **Flow input** node with `input`, and its **Exit** value (or the HTTP response it set) " +
			"becomes `result`. It runs with the same stage, secrets and deadline: editor runs call the flow's " +
			"draft, published runs the version published on the run's stage, so publish the called flow to every " +
			"stage that calls it. A failure inside the called flow is this node's error (its `false_path` gets it). " +
			"Flows calling themselves (directly or through others) are refused, calls nest at most 4 deep, and a " +
			"called flow cannot pause for approval.\n\n" +
			"**Inputs**\n\n- `flow_id` — the flow to run (it must have one Flow input node).\n" +
			"- `input` — the data handed to the called flow's Flow input.\n\n" +
			"**Outputs**\n\n- `result` — the called flow's Exit value or response.\n\n" +
			"**Example**: flow_id `price_with_vat`'s id, input `{\"amount\": {{ order.total }}}`; a later node reads " +
			"`{{ vat.result }}`.",
		Inputs: []nodes.Port{
			{Name: "flow_id", Type: nodes.String, Required: true, Editor: nodes.EditFlow, Doc: "The flow to run (it starts with Flow input)."},
			{Name: "input", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "Data for the called flow's Flow input."},
		},
		Outputs: []nodes.Port{{Name: "result", Type: nodes.Any, Doc: "What the called flow ended with."}},
		Run:     runCall,
	}
}

func runCall(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	fc, id, err := nodes.CalledFlow(c, "flow_id")
	if err != nil {
		return nil, err
	}
	v, err := fc.CallFlow(ctx, nodes.FlowCall{FlowID: id, StartType: InputID, Input: nodes.Clone(c.Get("input"))})
	if err != nil {
		return nil, nodes.CallError("flow_id", err)
	}
	return nodes.Out{"result": v}, nil
}
