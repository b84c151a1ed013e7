// Package memory holds conversation memory services for the agent node: a memory kept in
// a user's DynamoDB table (one partition per session, one item per message, ordered by
// a sequence number, with an optional TTL) and a buffer memory that lives for one run,
// plus nodes to load and append messages by hand.
package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/aws"
)

const category = "AI"

// Register adds the memory family to r, loading AWS configuration with the SDK's default
// chain.
func Register(r *nodes.Registry) error { return RegisterWith(r, aws.DefaultLoader) }

// RegisterWith adds the memory family with a custom AWS configuration loader (tests).
func RegisterWith(r *nodes.Registry, load aws.ConfigLoader) error {
	d := newDynamoFamily(load)
	return r.Register(d.dynamoType(), bufferType(), loadType(), appendType())
}

// window applies a memory's window to a Load limit: the smaller of the two, where ≤ 0
// means no bound.
func window(limit, win int) int {
	if win > 0 && (limit <= 0 || limit > win) {
		return win
	}
	return limit
}

// Buffer is a memory that lives in the process (one run): messages per session.
type Buffer struct {
	mu       sync.Mutex
	win      int
	sessions map[string][]llm.Message
}

// NewBuffer returns an empty buffer memory whose Load returns at most win messages
// (win ≤ 0: no bound).
func NewBuffer(win int) *Buffer { return &Buffer{win: win, sessions: map[string][]llm.Message{}} }

// Load returns the last messages of session, oldest first.
func (b *Buffer) Load(_ context.Context, session string, limit int) ([]llm.Message, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	msgs := b.sessions[session]
	if n := window(limit, b.win); n > 0 && len(msgs) > n {
		msgs = msgs[len(msgs)-n:]
	}
	return append([]llm.Message(nil), msgs...), nil
}

// Append adds messages to the end of session.
func (b *Buffer) Append(_ context.Context, session string, msgs ...llm.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sessions[session] = append(b.sessions[session], msgs...)
	return nil
}

var _ llm.Memory = (*Buffer)(nil)

func bufferType() *nodes.Type {
	return &nodes.Type{
		ID: "memory.buffer", Category: category, Name: "Buffer memory", Icon: "brain", Service: llm.KindMemory,
		Doc: "A conversation memory that lives for one run: the agent remembers the messages of a session only " +
			"while the run lasts (e.g. several agent steps in one flow). It starts empty, or with `initial`, and " +
			"starts over when a paused run resumes. For memory across runs use **DynamoDB memory**.\n\n" +
			"**Inputs**\n\n- `window` — how many of the last messages Load returns at most (0: all).\n" +
			"- `session` — the session `initial` belongs to.\n" +
			"- `initial` — messages to start with: a list of `{role, content}`.\n\n" +
			"**Outputs**\n\n- `memory` — the memory service (connect to an agent's memory).\n\n" +
			"**Example**: window 10, initial `[{\"role\": \"user\", \"content\": \"My name is Ada.\"}]`.",
		Inputs: []nodes.Port{
			{Name: "window", Type: nodes.Integer, Default: 0.0, Doc: "Most messages returned (0: all)."},
			{Name: "session", Type: nodes.String, Default: "default", Doc: "Session of the initial messages."},
			{Name: "initial", Type: nodes.List, Doc: "Messages to start with."},
		},
		Outputs: []nodes.Port{{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Doc: "The memory."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			win, err := c.IntOr("window", 0)
			if err != nil {
				return nil, err
			}
			if win < 0 {
				return nil, nodes.Errorf("window", "must be 0 or more, got %d", win)
			}
			b := NewBuffer(win)
			if c.Has("initial") {
				msgs, err := messages(c, "initial")
				if err != nil {
					return nil, err
				}
				_ = b.Append(ctx, c.Str("session"), msgs...)
			}
			return nodes.Out{"memory": b}, nil
		},
	}
}

// memoryOf reads the memory service input.
func memoryOf(c *nodes.Call) (llm.Memory, error) {
	m, ok := c.Get("memory").(llm.Memory)
	if !ok || m == nil {
		return nil, nodes.Errorf("memory", "expected a memory service (connect a memory node), got %s", nodes.Describe(c.Get("memory")))
	}
	return m, nil
}

func session(c *nodes.Call) (string, error) {
	s := strings.TrimSpace(c.Str("session"))
	if s == "" {
		return "", nodes.Errorf("session", "required")
	}
	return s, nil
}

// toMessage converts a plain object to a message.
func toMessage(v any) (llm.Message, error) {
	var m llm.Message
	obj, ok := v.(map[string]any)
	if !ok {
		return m, fmt.Errorf("must be an object {role, content}, got %s", nodes.Describe(v))
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return m, fmt.Errorf("cannot encode: %v", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("not a message: %v", err)
	}
	switch m.Role {
	case llm.System, llm.User, llm.Assistant:
	case llm.ToolRole:
		// no provider takes a tool result that answers no call: kept, it would fail every
		// later model request of the session
		if strings.TrimSpace(m.ToolCallID) == "" {
			return m, errors.New("a tool message needs the tool_call_id of the call it answers")
		}
	default:
		return m, fmt.Errorf("role must be system, user, assistant or tool, got %q", m.Role)
	}
	return m, nil
}

// messages reads a list of message objects.
func messages(c *nodes.Call, port string) ([]llm.Message, error) {
	l, err := c.List(port)
	if err != nil {
		return nil, err
	}
	out := make([]llm.Message, 0, len(l))
	for i, v := range l {
		m, err := toMessage(v)
		if err != nil {
			return nil, nodes.Errorf(port, "item %d: %v", i, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// plainMessages converts messages to plain JSON-like values.
func plainMessages(msgs []llm.Message) ([]any, error) {
	b, err := json.Marshal(msgs)
	if err != nil {
		return nil, fmt.Errorf("encode messages: %w", err)
	}
	var out []any
	if err := jsonvalue.Into(b, &out); err != nil {
		return nil, fmt.Errorf("decode messages: %w", err)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func loadType() *nodes.Type {
	return &nodes.Type{
		ID: "memory.load", Category: category, Name: "Load memory", Icon: "history",
		Doc: "Reads the last messages of a session from a memory service (what an agent would see).\n\n" +
			"**Inputs**\n\n- `memory` — a memory service.\n- `session` — the session id.\n" +
			"- `limit` — how many of the last messages (0: all, within the memory's window).\n\n" +
			"**Outputs**\n\n- `messages` — `{role, content, …}` objects, oldest first.\n- `count`.\n\n" +
			"**Example**: session `{{ trigger.body.chat_id }}`, limit 20.",
		Inputs: []nodes.Port{
			{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Required: true, Doc: "The memory."},
			{Name: "session", Type: nodes.String, Required: true, Doc: "Session id."},
			{Name: "limit", Type: nodes.Integer, Default: 0.0, Doc: "Last N messages (0: all)."},
		},
		Outputs: []nodes.Port{
			{Name: "messages", Type: nodes.List, Doc: "Messages, oldest first."},
			{Name: "count", Type: nodes.Integer, Doc: "Number of messages."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			m, err := memoryOf(c)
			if err != nil {
				return nil, err
			}
			s, err := session(c)
			if err != nil {
				return nil, err
			}
			limit, err := c.IntOr("limit", 0)
			if err != nil {
				return nil, err
			}
			if limit < 0 {
				return nil, nodes.Errorf("limit", "must be 0 or more, got %d", limit)
			}
			msgs, err := m.Load(ctx, s, limit)
			if err != nil {
				return nil, err
			}
			out, err := plainMessages(msgs)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"messages": out, "count": float64(len(out))}, nil
		},
	}
}

func appendType() *nodes.Type {
	return &nodes.Type{
		ID: "memory.append", Category: category, Name: "Append to memory", Icon: "history",
		Doc: "Adds messages to the end of a session in a memory service.\n\n" +
			"**Inputs**\n\n- `memory` — a memory service.\n- `session` — the session id.\n" +
			"- `messages` — a list of `{role, content}` objects; or\n- `role` and `content` for one message.\n\n" +
			"**Outputs**\n\n- `count` — how many messages were added.\n\n" +
			"**Example**: role `user`, content `{{ trigger.body.text }}`.",
		Inputs: []nodes.Port{
			{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Required: true, Doc: "The memory."},
			{Name: "session", Type: nodes.String, Required: true, Doc: "Session id."},
			{Name: "messages", Type: nodes.List, Doc: "Messages to add."},
			{Name: "role", Type: nodes.String, Default: "user", Options: []string{"user", "assistant", "system", "tool"}, Doc: "Role of a single message."},
			{Name: "content", Type: nodes.String, Doc: "Content of a single message."},
		},
		Outputs: []nodes.Port{{Name: "count", Type: nodes.Integer, Doc: "Messages added."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			m, err := memoryOf(c)
			if err != nil {
				return nil, err
			}
			s, err := session(c)
			if err != nil {
				return nil, err
			}
			var msgs []llm.Message
			switch {
			case c.Has("messages"):
				if msgs, err = messages(c, "messages"); err != nil {
					return nil, err
				}
			case c.Str("content") != "":
				msg, err := toMessage(map[string]any{"role": c.Str("role"), "content": c.Str("content")})
				if err != nil {
					return nil, nodes.Errorf("role", "%v", err)
				}
				msgs = []llm.Message{msg}
			default:
				return nil, nodes.Errorf("messages", "give messages, or a content")
			}
			if len(msgs) == 0 {
				return nodes.Out{"count": 0.0}, nil
			}
			if err := m.Append(ctx, s, msgs...); err != nil {
				if big, ok := errors.AsType[*TooLargeError](err); ok {
					if c.Has("messages") {
						return nil, nodes.Errorf("messages", "item %d: %v; shorten it or keep the text elsewhere (S3) and store a reference", big.Index, big)
					}
					return nil, nodes.Errorf("content", "%v; shorten it or keep the text elsewhere (S3) and store a reference", big)
				}
				return nil, err
			}
			return nodes.Out{"count": float64(len(msgs))}, nil
		},
	}
}
