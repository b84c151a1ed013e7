package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
)

// flowsDir is where the flows a run calls are read from: --flows, or the directory of
// the flow file.
func (rf *runFlags) flowsDir(flowPath string) string {
	if rf.flows != "" {
		return rf.flows
	}
	return filepath.Dir(flowPath)
}

var flowIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// dirLoader loads the flows a run calls (flow tools) from dir: flow id ID is the file
// ID.json, compiled against the full catalogue.
func dirLoader(dir string) engine.FlowLoader {
	return func(_ context.Context, id string) (engine.LoadedFlow, error) {
		if !flowIDPattern.MatchString(id) || id == "." || id == ".." {
			return engine.LoadedFlow{}, &nodes.FlowIDError{Err: fmt.Errorf("flow id %q cannot name a file (letters, digits, _, . and - only)", id)}
		}
		path := filepath.Join(dir, id+".json")
		data, err := os.ReadFile(path)
		if err != nil {
			return engine.LoadedFlow{}, fmt.Errorf("read flow %s: %w (pass --flows DIR holding %s.json)", id, err, id)
		}
		doc, err := flow.Decode(data)
		if err != nil {
			return engine.LoadedFlow{}, fmt.Errorf("decode flow %s: %w", path, err)
		}
		plan, err := flow.Compile(doc, catalog.Default())
		if err != nil {
			return engine.LoadedFlow{}, fmt.Errorf("compile flow %s: %w", path, err)
		}
		return engine.LoadedFlow{Plan: plan}, nil
	}
}
