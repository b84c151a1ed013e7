package ai

import (
	"context"
	"strings"
	"sync"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
)

func chatTriggerType() *nodes.Type {
	return &nodes.Type{
		ID: "ai.chat_trigger", Category: category, Name: "Chat trigger", Icon: "messages-square", Trigger: true,
		Doc: "Starts the flow with a chat message — from the editor's chat panel, `polysynergy run --input`, or the API. " +
			"The run's trigger data is `{\"message\": \"…\", \"session\": \"…\", \"user\": \"…\"}` (a plain string is " +
			"taken as the message). When there is no trigger data (playing the flow in the editor) the test inputs are " +
			"used.\n\n**Inputs**\n\n- `test_message`, `test_session`, `test_user` — used when the run has no trigger data.\n\n" +
			"**Outputs**\n\n- `message` — the user's message.\n- `session` — the conversation id (the run id when none is given): " +
			"connect it to an Agent's `session` so memory follows the conversation.\n- `user` — who wrote it.\n\n" +
			"**Example**: Chat trigger → Agent with prompt `{{ chat.message }}` and session `{{ chat.session }}`.",
		Inputs: []nodes.Port{
			{Name: "test_message", Type: nodes.String, Doc: "Message used when the run has no trigger data."},
			{Name: "test_session", Type: nodes.String, Doc: "Session used when the run has no trigger data."},
			{Name: "test_user", Type: nodes.String, Doc: "User used when the run has no trigger data."},
		},
		Outputs: []nodes.Port{
			{Name: "message", Type: nodes.String, Doc: "The user's message."},
			{Name: "session", Type: nodes.String, Doc: "The conversation id."},
			{Name: "user", Type: nodes.String, Doc: "Who wrote the message."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			msg, session, user := c.Str("test_message"), c.Str("test_session"), c.Str("test_user")
			switch t := c.Trigger.(type) {
			case nil:
			case string:
				msg = t
			case map[string]any:
				m, ok := t["message"]
				if !ok {
					m = t["text"]
				}
				if _, isStr := m.(string); !isStr {
					return nil, nodes.Errorf("message", `the trigger data needs "message" text, got %s`, nodes.Describe(m))
				}
				msg = m.(string)
				session, user = nodes.ToString(t["session"]), nodes.ToString(t["user"])
			default:
				return nil, nodes.Errorf("message", `the trigger data must be {"message", "session", "user"} or text, got %s`, nodes.Describe(t))
			}
			if strings.TrimSpace(msg) == "" {
				return nil, nodes.Errorf("message", "the chat message is empty")
			}
			if session == "" && c.Run != nil {
				session = c.Run.ID
			}
			return nodes.Out{"message": msg, "session": session, "user": user}, nil
		},
	}
}

func bufferMemoryType() *nodes.Type {
	return &nodes.Type{
		ID: "ai.buffer_memory", Category: category, Name: "Run memory", Icon: "brain", Service: llm.KindMemory,
		Doc: "A conversation memory that lives for one run: agents connected to it share their sessions' history " +
			"while the run lasts (e.g. turns of a for-each over questions). It starts from `initial` messages. For " +
			"memory that outlasts the run use a persistent memory node.\n\n**Inputs**\n\n" +
			"- `initial` — messages every session starts with: a list of `{role, content}`.\n\n" +
			"**Outputs**\n\n- `memory` — the memory service (connect to an Agent's `memory`).\n\n" +
			"**Example**: initial `[{\"role\":\"user\",\"content\":\"My name is Ada.\"},{\"role\":\"assistant\",\"content\":\"Hello Ada!\"}]`.",
		Inputs: []nodes.Port{{Name: "initial", Type: nodes.List, Doc: "Messages every session starts with."}},
		Outputs: []nodes.Port{
			{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Doc: "The memory service."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			m := &BufferMemory{sessions: map[string][]llm.Message{}}
			if c.Has("initial") {
				init, err := messagesInput(c, "initial")
				if err != nil {
					return nil, err
				}
				m.initial = init
			}
			return nodes.Out{"memory": m}, nil
		},
	}
}

// BufferMemory is an in-process llm.Memory for one run.
type BufferMemory struct {
	mu       sync.Mutex
	initial  []llm.Message
	sessions map[string][]llm.Message
}

// Load returns the last limit messages of the session (all when limit ≤ 0).
func (m *BufferMemory) Load(_ context.Context, session string, limit int) ([]llm.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	msgs, ok := m.sessions[session]
	if !ok {
		msgs = m.initial
	}
	if limit > 0 && len(msgs) > limit {
		msgs = msgs[len(msgs)-limit:]
	}
	return append([]llm.Message(nil), msgs...), nil
}

// Append adds messages to the end of the session.
func (m *BufferMemory) Append(_ context.Context, session string, msgs ...llm.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.sessions[session]
	if !ok {
		cur = append([]llm.Message(nil), m.initial...)
	}
	m.sessions[session] = append(cur, msgs...)
	return nil
}

// Describe names the memory for run records.
func (m *BufferMemory) Describe() string { return "run memory" }
