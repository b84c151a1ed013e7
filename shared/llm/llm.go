// Package llm holds the provider-neutral shapes the AI nodes trade: chat messages, tool
// calls, model, embedder, tool and memory services. Provider packages (OpenAI, Anthropic,
// Mistral, Ollama, any OpenAI-compatible endpoint) implement Model and Embedder; the agent
// node drives a Model with Tools and a Memory without knowing which provider is behind them.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Role is who wrote a message.
type Role string

// The roles of a conversation.
const (
	System    Role = "system"
	User      Role = "user"
	Assistant Role = "assistant"
	// ToolRole messages carry a tool's result back to the model.
	ToolRole Role = "tool"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID and Name tie a tool message to the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	Name       string `json:"name,omitempty"`
	// IsError marks a tool message whose call failed (providers that can say so tell the model).
	IsError bool `json:"is_error,omitempty"`
}

// ToolCall is a model's request to run a tool with arguments.
type ToolCall struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
	// Invalid, when set, says why the model's arguments could not be read as a JSON object
	// (they were cut off or malformed); Arguments is then empty. The call is not run: the
	// agent tells the model, which can call again.
	Invalid string `json:"invalid,omitempty"`
}

// ToolSpec describes a tool to the model: its name, what it does and a JSON schema of
// its parameters (an object schema).
type ToolSpec struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

// MaxToolNameLen is the longest tool name the providers accept.
const MaxToolNameLen = 64

// ValidToolName reports whether name is a tool name every provider accepts: 1 to 64 ASCII
// letters, digits, underscores or hyphens (OpenAI's and Anthropic's ^[a-zA-Z0-9_-]{1,64}$).
func ValidToolName(name string) bool {
	if len(name) == 0 || len(name) > MaxToolNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// OutputSchema asks the model for a JSON answer matching Schema (structured output).
type OutputSchema struct {
	Name   string         `json:"name"`
	Schema map[string]any `json:"schema"`
}

// Request is one chat completion request.
type Request struct {
	Messages    []Message     `json:"messages"`
	Tools       []ToolSpec    `json:"tools,omitempty"`
	Temperature *float64      `json:"temperature,omitempty"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	Output      *OutputSchema `json:"output,omitempty"`
}

// Usage counts the tokens a request used.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Response is a model's answer: an assistant message (text, tool calls or both).
type Response struct {
	Message    Message `json:"message"`
	StopReason string  `json:"stop_reason,omitempty"`
	Usage      Usage   `json:"usage"`
}

// Model is a chat model. When onDelta is not nil the model streams and calls it with
// each piece of text as it arrives; the returned Response is the whole answer either way.
type Model interface {
	Chat(ctx context.Context, req Request, onDelta func(text string)) (Response, error)
	// Describe names provider and model for logs and run records, e.g. "openai/gpt-4o".
	Describe() string
}

// Embedder turns texts into vectors, one per text, in order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float64, error)
}

// Tool is something an agent can call.
type Tool interface {
	Spec() ToolSpec
	// NeedsConfirmation tools pause the run before they are called; the run resumes
	// with an approval (possibly with edited arguments) or a rejection.
	NeedsConfirmation() bool
	Call(ctx context.Context, args map[string]any) (any, error)
}

// ToolProvider is the value a tool service node hands to an agent: one tool, or many
// (an MCP server lists its tools when asked).
type ToolProvider interface {
	Tools(ctx context.Context) ([]Tool, error)
}

// Memory keeps conversation history per session.
type Memory interface {
	// Load returns the last limit messages of the session, oldest first (limit ≤ 0: all).
	Load(ctx context.Context, session string, limit int) ([]Message, error)
	// Append adds messages to the end of the session.
	Append(ctx context.Context, session string, msgs ...Message) error
}

// Service kinds of the AI nodes' service ports (nodes.ServiceType(kind)).
const (
	KindModel    = "chat_model"
	KindEmbedder = "embedding_model"
	KindTool     = "tool"
	KindMemory   = "memory"
)

// InvalidArguments describes a tool call's arguments that are not a JSON object, for
// ToolCall.Invalid: the decoding error and the start of the text.
func InvalidArguments(raw string, err error) string {
	const max = 200
	if len(raw) > max {
		cut := max
		for cut > 0 && raw[cut]&0xC0 == 0x80 {
			cut--
		}
		raw = raw[:cut] + "…"
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	reason := err.Error()
	switch {
	case errors.As(err, &typ):
		reason = "not an object"
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		reason = "not valid JSON: " + err.Error()
	}
	return fmt.Sprintf("the arguments are %s: %q", reason, raw)
}
