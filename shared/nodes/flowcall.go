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

// FlowIDError is a flow call refused for the flow it names, before that flow runs: there is
// no such flow, the id cannot name one, the call would recurse or nest too deeply, or the
// flow has no (or more than one) node to start from. A flow loader may return one for an id
// it cannot load; the engine also treats ErrNotFound and fs.ErrNotExist that way. Nodes
// report it on their flow id input (CallError); a failure inside the called flow is not one.
type FlowIDError struct{ Err error }

func (e *FlowIDError) Error() string { return e.Err.Error() }

func (e *FlowIDError) Unwrap() error { return e.Err }

// CallError is the error of a node whose flow call failed: a *FlowIDError becomes an
// InputError on port, so the node's error names the input that named the flow.
func CallError(port string, err error) error {
	if _, ok := errors.AsType[*FlowIDError](err); ok {
		return Errorf(port, "%v", err)
	}
	return err
}
