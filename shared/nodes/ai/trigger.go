package ai

import (
	"context"
	"strings"

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
