// Package ai is the AI node family: chat model services (OpenAI, Anthropic, Mistral, Ollama,
// any OpenAI-compatible API), a single chat completion, the tool-calling agent with human
// confirmation of sensitive tools, an HTTP tool, and the chat trigger. Memories come from
// the memory family (shared/nodes/memory), more tools from the tool and mcp families.
//
// Model nodes hand out an llm.Model on their `model` output (service kind llm.KindModel);
// tool nodes hand out an llm.ToolProvider (llm.KindTool); memory nodes (package
// shared/nodes/memory and others) hand out an llm.Memory. The agent drives them through those
// interfaces only.
//
// Network policy: every node here that connects somewhere (model APIs, HTTP tools) goes
// through shared/nodes/netguard, like the HTTP request node: loopback, private, link-local
// and cloud-metadata addresses are refused unless the node's `allow_private_network` input
// is on (a project that denies private networks turns it off for every node). ai.ollama
// has it on by default since Ollama normally runs on localhost; tests that point a model
// at an httptest stand-in on 127.0.0.1 set it explicitly.
package ai

import (
	"net/http"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

const category = "AI"

// family holds what the AI nodes share across runs: HTTP transports (connections to a
// model API are reused by later runs of a warm process).
type family struct {
	guarded *http.Transport // private addresses refused
	open    *http.Transport // allow_private_network
}

func newFamily() *family {
	tr := func(allow bool) *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // the guard must see the real destination
		t.DialContext = netguard.Dialer(allow, 0)
		return t
	}
	return &family{guarded: tr(false), open: tr(true)}
}

// transport picks the transport for a node's allow_private_network input.
func (f *family) transport(allowPrivate bool) *http.Transport {
	if allowPrivate {
		return f.open
	}
	return f.guarded
}

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	f := newFamily()
	types := f.modelTypes()
	types = append(types, chatType(), agentType(), f.httpToolType(), chatTriggerType())
	return r.Register(types...)
}
