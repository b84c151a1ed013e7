package nodetest

import (
	"context"
	"fmt"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// Compile decodes a flow document written as JSON and compiles it with reg, failing the test
// when either fails.
func Compile(t testing.TB, reg *nodes.Registry, doc string) *flow.Plan {
	t.Helper()
	d, err := flow.Decode([]byte(doc))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	p, err := flow.Compile(d, reg)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// Flows is an engine.FlowLoader over plans by flow id, each as version version; an unknown id
// is nodes.ErrNotFound, as the platform's loader answers.
func Flows(plans map[string]*flow.Plan, version int) engine.FlowLoader {
	return func(_ context.Context, id string) (engine.LoadedFlow, error) {
		p, ok := plans[id]
		if !ok {
			return engine.LoadedFlow{}, fmt.Errorf("flow %s: %w", id, nodes.ErrNotFound)
		}
		return engine.LoadedFlow{Plan: p, Version: version}, nil
	}
}
