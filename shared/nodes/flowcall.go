package nodes

import (
	"context"
	"errors"
	"strings"
)

// FlowCall asks the engine to run another flow of the same project as a nested run.
type FlowCall struct {
	// FlowID is the flow to run.
	FlowID string
	// StartType picks the trigger node to start from by its type id (e.g. "tool.start");
	// empty starts from the flow's only trigger.
	StartType string
	// Input is the nested run's trigger data.
	Input any
}

// FlowCaller is an optional Host extension for nodes that run other flows of the same
// project (a flow used as an agent tool). Hosts that cannot run flows do not implement
// it, or return an error saying why.
type FlowCaller interface {
	// FlowNodeValues returns the literal values of every node of type typeID in flow
	// flowID (e.g. a tool-start trigger's name, description and parameter schema).
	FlowNodeValues(ctx context.Context, flowID, typeID string) ([]map[string]any, error)
	// CallFlow runs the flow with the same secrets and stage, within the calling run's
	// deadline, and returns the value the nested run ended with (an exit value, or what
	// a response node set). A failed nested run is an error.
	CallFlow(ctx context.Context, call FlowCall) (any, error)
}

// CalledFlow reads the flow id a node names in input port and the host that runs flows, for
// nodes that call other flows. Errors name the port, or say the run cannot call flows.
func CalledFlow(c *Call, port string) (FlowCaller, string, error) {
	id := strings.TrimSpace(c.Str(port))
	if id == "" {
		return nil, "", Errorf(port, "required")
	}
	fc, ok := c.Host.(FlowCaller)
	if !ok || c.Host == nil {
		return nil, "", errors.New("this run cannot call other flows")
	}
	return fc, id, nil
}
