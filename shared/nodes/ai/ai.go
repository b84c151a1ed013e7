// Package ai is the AI node family: chat model services (OpenAI, Anthropic, Mistral, Ollama,
// any OpenAI-compatible API), a single chat completion, the tool-calling agent with human
// confirmation of sensitive tools, an HTTP tool, and the chat trigger.
//
// Model nodes hand out an llm.Model on their `model` output (service kind llm.KindModel);
// tool nodes hand out an llm.ToolProvider (llm.KindTool); memory nodes (package
// shared/nodes/memory and others) hand out an llm.Memory. The agent drives them through those
// interfaces only.
//
// Network policy: model clients do not use the HTTP nodes' SSRF guard. A model's base URL is
// configuration chosen by the flow author (a local Ollama on 127.0.0.1, a proxy on a private
// network), not data flowing through the run, so every address is allowed. ai.http_tool
// calls URLs built from the model's arguments, which are data: it uses the guard
// (httpreq.GuardedTransport) unless its allow_private_network input is set.
package ai

import (
	"net"
	"net/http"
	"time"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/httpreq"
)

const category = "AI"

// family holds what the AI nodes share across runs: HTTP transports (connections to a
// model API are reused by later runs of a warm process).
type family struct {
	models  *http.Transport // model APIs: no SSRF guard (see the package doc)
	guarded *http.Transport // http_tool
	open    *http.Transport // http_tool with allow_private_network
}

func newFamily() *family {
	plain := func() *http.Transport {
		return &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	return &family{models: plain(), guarded: httpreq.GuardedTransport(), open: plain()}
}

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	f := newFamily()
	types := f.modelTypes()
	types = append(types, chatType(), agentType(), f.httpToolType(), chatTriggerType(), bufferMemoryType())
	return r.Register(types...)
}
