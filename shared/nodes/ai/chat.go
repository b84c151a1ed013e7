package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
)

func chatType() *nodes.Type {
	return &nodes.Type{
		ID: "ai.chat", Category: category, Name: "Chat", Icon: "message-square",
		Doc: "Asks a chat model once: a system prompt and a user prompt (or a whole list of messages) in, " +
			"the model's answer out. With an `output_schema` the model is asked for JSON matching it and the " +
			"parsed object comes out on `data` (the node fails when the answer is not valid JSON). With `stream` on, " +
			"the answer's text is sent to the editor piece by piece as it is written.\n\n**Inputs**\n\n" +
			"- `model` — a model service (OpenAI, Anthropic, Mistral, Ollama… node).\n" +
			"- `system` — instructions for the model.\n" +
			"- `prompt` — the user's message.\n" +
			"- `messages` — earlier conversation: a list of `{role, content}` with role `user` or `assistant` " +
			"(or `system`), sent before `prompt`.\n" +
			"- `output_schema` — a JSON schema (an object schema) the answer must follow.\n" +
			"- `schema_name` — a name for the schema (some providers show it to the model).\n" +
			"- `temperature`, `max_tokens` — override the model node's settings.\n" +
			"- `stream` — send the answer as stream events while it is written; the model node's `idle_timeout` then bounds " +
			"the pauses in it (before the first piece and between pieces).\n\n" +
			"**Outputs**\n\n- `text` — the answer's text.\n- `data` — the parsed JSON answer when `output_schema` is set, else null.\n" +
			"- `usage` — `{input_tokens, output_tokens, total_tokens}`.\n- `message` — the assistant message.\n\n" +
			"**Example**: system `Classify the ticket.`, prompt `{{ route.json.text }}`, output schema " +
			"`{\"type\":\"object\",\"properties\":{\"category\":{\"type\":\"string\"}},\"required\":[\"category\"]}` " +
			"gives `data.category`.",
		Inputs: []nodes.Port{
			{Name: "model", Type: nodes.ServiceType(llm.KindModel), Required: true, Doc: "The chat model."},
			{Name: "system", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "Instructions for the model."},
			{Name: "prompt", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "The user's message."},
			{Name: "messages", Type: nodes.List, Doc: "Earlier messages: [{role, content}]."},
			{Name: "output_schema", Type: nodes.Object, Doc: "JSON schema of a structured answer."},
			{Name: "schema_name", Type: nodes.String, Default: "answer", Doc: "Name of the output schema."},
			{Name: "temperature", Type: nodes.Number, Doc: "Sampling temperature, 0–2 (overrides the model node)."},
			{Name: "max_tokens", Type: nodes.Integer, Doc: "Answer length limit (overrides the model node)."},
			{Name: "stream", Type: nodes.Boolean, Default: false, Doc: "Stream the answer's text to the editor."},
		},
		Outputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Doc: "The answer's text."},
			{Name: "data", Type: nodes.Any, Doc: "The parsed JSON answer (with output_schema)."},
			{Name: "usage", Type: nodes.Object, Doc: "Token usage."},
			{Name: "message", Type: nodes.Object, Doc: "The assistant message."},
		},
		Run: runChat,
	}
}

func runChat(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	model, err := modelInput(c)
	if err != nil {
		return nil, err
	}
	var msgs []llm.Message
	if s := c.Str("system"); strings.TrimSpace(s) != "" {
		msgs = append(msgs, llm.Message{Role: llm.System, Content: s})
	}
	if c.Has("messages") {
		prior, err := messagesInput(c, "messages")
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, prior...)
	}
	if p := c.Str("prompt"); strings.TrimSpace(p) != "" {
		msgs = append(msgs, llm.Message{Role: llm.User, Content: p})
	}
	if !hasConversation(msgs) {
		return nil, nodes.Errorf("prompt", "nothing to ask: give a prompt or user messages")
	}
	req := llm.Request{Messages: msgs}
	if err := tuning(c, &req); err != nil {
		return nil, err
	}
	if req.Output, err = schemaInput(c, "output_schema", c.Str("schema_name")); err != nil {
		return nil, err
	}
	var onDelta func(string)
	if c.Bool("stream") {
		onDelta = func(s string) { streamText(c, 1, s) }
	}
	resp, err := model.Chat(ctx, req, onDelta)
	if err != nil {
		return nil, err
	}
	var data any
	warnCutOff(c, resp)
	if req.Output != nil {
		if data, err = parseJSONAnswer(resp.Message.Content); err != nil {
			return nil, cutOffError(resp, err)
		}
	}
	return nodes.Out{
		"text": resp.Message.Content, "data": data, "usage": usageMap(resp.Usage),
		"message": nodes.Normalize(resp.Message),
	}, nil
}

// modelInput reads the model service.
func modelInput(c *nodes.Call) (llm.Model, error) {
	m, ok := c.Get("model").(llm.Model)
	if !ok || m == nil {
		return nil, nodes.Errorf("model", "expected a chat model service (connect an OpenAI, Anthropic, Mistral, Ollama or "+
			"OpenAI-compatible model node), got %s", nodes.Describe(c.Get("model")))
	}
	return m, nil
}

// tuning reads temperature and max_tokens overrides.
func tuning(c *nodes.Call, req *llm.Request) error {
	if c.Has("temperature") && c.Get("temperature") != "" {
		t, err := c.Float("temperature")
		if err != nil {
			return err
		}
		if t < 0 || t > 2 {
			return nodes.Errorf("temperature", "must be between 0 and 2, got %v", t)
		}
		req.Temperature = &t
	}
	n, err := c.IntOr("max_tokens", 0)
	if err != nil {
		return err
	}
	if n < 0 {
		return nodes.Errorf("max_tokens", "must not be negative, got %d", n)
	}
	req.MaxTokens = n
	return nil
}

// schemaInput reads an optional JSON schema input.
func schemaInput(c *nodes.Call, port, name string) (*llm.OutputSchema, error) {
	v := c.Get(port)
	if v == nil || v == "" {
		return nil, nil
	}
	if s, ok := v.(string); ok {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, nodes.Errorf(port, "not a JSON schema object: %v", err)
		}
		v = m
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nodes.Errorf(port, "expected a JSON schema object, got %s", nodes.Describe(v))
	}
	if len(m) == 0 {
		return nil, nil
	}
	if t, ok := m["type"]; ok && t != "object" {
		return nil, nodes.Errorf(port, "the schema must describe an object (type \"object\"), got type %v", t)
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "answer"
	}
	return &llm.OutputSchema{Name: name, Schema: nodes.Clone(m).(map[string]any)}, nil
}

// messagesInput reads a list of {role, content} messages.
func messagesInput(c *nodes.Call, port string) ([]llm.Message, error) {
	l, err := c.List(port)
	if err != nil {
		return nil, err
	}
	out := make([]llm.Message, 0, len(l))
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, nodes.Errorf(port, "item %d: expected {role, content}, got %s", i, nodes.Describe(e))
		}
		role := llm.Role(strings.ToLower(nodes.ToString(m["role"])))
		switch role {
		case llm.User, llm.Assistant, llm.System:
		default:
			return nil, nodes.Errorf(port, "item %d: role %q is not user, assistant or system", i, m["role"])
		}
		content, ok := m["content"].(string)
		if !ok {
			return nil, nodes.Errorf(port, "item %d: content must be text, got %s", i, nodes.Describe(m["content"]))
		}
		out = append(out, llm.Message{Role: role, Content: content})
	}
	return out, nil
}

func hasConversation(msgs []llm.Message) bool {
	for _, m := range msgs {
		if m.Role == llm.User || m.Role == llm.Assistant {
			return true
		}
	}
	return false
}

// cutOff reports whether the model stopped at its answer length limit (OpenAI's "length",
// Anthropic's "max_tokens").
func cutOff(resp llm.Response) bool {
	return resp.StopReason == "length" || resp.StopReason == "max_tokens"
}

// warnCutOff warns that an answer is incomplete because it reached max_tokens.
func warnCutOff(c *nodes.Call, resp llm.Response) {
	if cutOff(resp) {
		c.Warn("the answer was cut off at the max_tokens limit (%d tokens written); raise max_tokens for a whole answer", resp.Usage.OutputTokens)
	}
}

// cutOffError adds to a structured answer's parse error that the answer was cut off.
func cutOffError(resp llm.Response, err error) error {
	if cutOff(resp) {
		return fmt.Errorf("%w: the answer was cut off at the max_tokens limit (%d tokens written); raise max_tokens", err, resp.Usage.OutputTokens)
	}
	return err
}

// parseJSONAnswer parses a structured answer, tolerating a ```json fence around it.
func parseJSONAnswer(text string) (any, error) {
	s := strings.TrimSpace(text)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```json")
		s = strings.TrimPrefix(s, "```")
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	v, err := jsonvalue.Unmarshal([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("the model's answer is not valid JSON for output_schema (%v); it begins %q", err, preview(text, 120))
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("the model's answer is JSON but not an object as output_schema asks: %q", preview(text, 120))
	}
	return v, nil
}

func preview(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func usageMap(u llm.Usage) map[string]any {
	return map[string]any{"input_tokens": float64(u.InputTokens), "output_tokens": float64(u.OutputTokens),
		"total_tokens": float64(u.InputTokens + u.OutputTokens)}
}

// Stream chunk kinds of the AI nodes' stream events (Event.Data of type "stream").
const (
	ChunkToken      = "token"       // {node, kind, step, text}: a piece of the model's answer
	ChunkToolCall   = "tool_call"   // {node, kind, step, tool, call_id, arguments}
	ChunkToolResult = "tool_result" // {node, kind, step, tool, call_id, status, duration_ms}
)

// streamText sends a piece of answer text as a stream chunk.
func streamText(c *nodes.Call, step int, text string) {
	if c.Host == nil || text == "" {
		return
	}
	c.Host.Stream(map[string]any{"node": c.Handle, "kind": ChunkToken, "step": float64(step), "text": text})
}
