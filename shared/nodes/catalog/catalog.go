// Package catalog assembles the full node registry from every node family.
package catalog

import (
	"fmt"
	"sync"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/ai"
	"polysynergy/shared/nodes/aws"
	"polysynergy/shared/nodes/code"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/data"
	"polysynergy/shared/nodes/debug"
	"polysynergy/shared/nodes/email"
	"polysynergy/shared/nodes/httpreq"
	"polysynergy/shared/nodes/logic"
	"polysynergy/shared/nodes/mcp"
	"polysynergy/shared/nodes/memory"
	"polysynergy/shared/nodes/response"
	"polysynergy/shared/nodes/subflow"
	"polysynergy/shared/nodes/text"
	"polysynergy/shared/nodes/tool"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/nodes/variables"
	"polysynergy/shared/nodes/vector"
)

// families lists every node family's registration function.
var families = []struct {
	name     string
	register func(*nodes.Registry) error
}{
	{"control", control.Register},
	{"logic", logic.Register},
	{"text", text.Register},
	{"data", data.Register},
	{"trigger", trigger.Register},
	{"response", response.Register},
	{"http", httpreq.Register},
	{"code", code.Register},
	{"aws", aws.Register},
	{"debug", debug.Register},
	{"variables", variables.Register},
	{"ai", ai.Register},
	{"tool", tool.Register},
	{"subflow", subflow.Register},
	{"email", email.Register},
	{"vector", vector.Register},
	{"memory", memory.Register},
	{"mcp", mcp.Register},
}

// New builds a registry holding every node family.
func New() (*nodes.Registry, error) {
	r := nodes.NewRegistry()
	for _, f := range families {
		if err := f.register(r); err != nil {
			return nil, fmt.Errorf("node family %s: %w", f.name, err)
		}
	}
	return r, nil
}

// Default is the process-wide registry, built once. A family that fails to register is a
// programming error caught by the tests, so Default panics on it.
var Default = sync.OnceValue(func() *nodes.Registry {
	r, err := New()
	if err != nil {
		panic(err)
	}
	return r
})
