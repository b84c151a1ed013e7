// Package anthropic implements llm.Model on Anthropic's Messages API: system prompt, text,
// tool_use and tool_result blocks, streaming (message_start, content_block_start/delta/stop,
// message_delta, message_stop), temperature, max tokens, JSON-schema structured output
// (output_config.format) and token usage.
//
// The client does not read ANTHROPIC_* environment variables: everything comes from Config.
// Network policy is the caller's: the AI nodes pass an HTTP client whose dialer is
// shared/nodes/netguard's.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
)

// DefaultBaseURL is Anthropic's API.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is the answer limit when neither the request nor the config sets one
// (the Messages API requires a limit).
const DefaultMaxTokens = 4096

// Config configures a Model.
type Config struct {
	// BaseURL is the API root (without /v1); DefaultBaseURL when empty.
	BaseURL string
	// APIKey authenticates the requests. Required.
	APIKey string
	// Model is the model name, e.g. "claude-sonnet-4-5". Required.
	Model string
	// Temperature and MaxTokens are used when a request does not set its own.
	Temperature *float64
	MaxTokens   int
	// Timeout bounds each request attempt (0: none beyond the context).
	Timeout time.Duration
	// IdleTimeout bounds the silence of a streamed answer: the time until it starts and
	// between its pieces (0: none, only Timeout). A plain request's answer comes whole, once
	// written: only Timeout bounds it.
	IdleTimeout time.Duration
	// MaxRetries retries failed requests (429, 5xx, overloaded) with backoff.
	MaxRetries int
	// HTTPClient sends the requests; a plain http.Client when nil.
	HTTPClient *http.Client
}

// Model is a Claude chat model. It is safe for concurrent use.
type Model struct {
	cfg    Config
	client sdk.Client
}

// New returns a Model for cfg.
func New(cfg Config) (*Model, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("anthropic model: the model name is required")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("anthropic model: the API key is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("anthropic model: base URL %q must start with http:// or https://", cfg.BaseURL)
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(hc),
		option.WithAPIKey(cfg.APIKey),
		option.WithMaxRetries(cfg.MaxRetries),
	}
	if cfg.Timeout > 0 {
		opts = append(opts, option.WithRequestTimeout(cfg.Timeout))
	}
	return &Model{cfg: cfg, client: sdk.NewClient(opts...)}, nil
}

// Describe names provider and model, e.g. "anthropic/claude-sonnet-4-5".
func (m *Model) Describe() string { return "anthropic/" + m.cfg.Model }

// MarshalJSON shows the model as its description (run records never see the key).
func (m *Model) MarshalJSON() ([]byte, error) { return json.Marshal(m.Describe()) }

// Chat sends one Messages request; with onDelta set it streams and calls onDelta with each
// piece of text in order.
func (m *Model) Chat(ctx context.Context, req llm.Request, onDelta func(string)) (llm.Response, error) {
	params, err := m.params(req)
	if err != nil {
		return llm.Response{}, m.wrap("build the request", err)
	}
	var hr *http.Response
	if onDelta == nil {
		msg, err := m.client.Messages.New(ctx, params, option.WithResponseInto(&hr))
		if err != nil {
			if ct := llm.ContentType(hr); hr != nil && hr.StatusCode < 400 && !strings.Contains(ct, "json") {
				err = fmt.Errorf("the API answered with Content-Type %q instead of JSON (is base_url the API root, without /v1?)", ct)
			}
			return llm.Response{}, m.wrap("create message", llm.OwnTimeout(ctx, m.cfg.Timeout, err))
		}
		return m.response(msg)
	}
	stream := m.client.Messages.NewStreaming(ctx, params, option.WithResponseInto(&hr), option.WithMiddleware(m.idleWatch))
	defer stream.Close()
	var acc sdk.Message
	// The tool inputs as streamed: the SDK's accumulator replaces one that is not valid
	// JSON (cut off at max_tokens) with {}, which would call the tool with no arguments.
	inputs := map[int64]*strings.Builder{}
	for stream.Next() {
		ev := stream.Current()
		if err := acc.Accumulate(ev); err != nil {
			return llm.Response{}, m.wrap("stream message", err)
		}
		if ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
			onDelta(ev.Delta.Text)
		}
		if ev.Type == "content_block_delta" && ev.Delta.Type == "input_json_delta" && ev.Delta.PartialJSON != "" {
			if inputs[ev.Index] == nil {
				inputs[ev.Index] = &strings.Builder{}
			}
			inputs[ev.Index].WriteString(ev.Delta.PartialJSON)
		}
	}
	if err := stream.Err(); err != nil {
		return llm.Response{}, m.wrap("stream message", llm.OwnTimeout(ctx, m.cfg.Timeout, err))
	}
	if acc.StopReason == "" {
		// Every Messages stream sends its stop reason in message_delta before message_stop.
		// Without it the answer is incomplete: the connection was cut, or the body was no stream.
		if ct := llm.ContentType(hr); hr != nil && !strings.Contains(ct, "text/event-stream") {
			return llm.Response{}, m.wrap("stream message", fmt.Errorf(
				"the API answered with Content-Type %q instead of an event stream (is base_url the API root, without /v1?)", ct))
		}
		return llm.Response{}, m.wrap("stream message", errors.New(
			"the stream ended before the answer was complete (no stop reason; the connection was cut)"))
	}
	for i := range acc.Content {
		if b := &acc.Content[i]; b.Type == "tool_use" && inputs[int64(i)] != nil {
			b.Input = json.RawMessage(inputs[int64(i)].String())
		}
	}
	return m.response(&acc)
}

// idleWatch bounds the silence of a streamed request's attempts (Config.IdleTimeout).
func (m *Model) idleWatch(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	return llm.IdleWatch(m.cfg.IdleTimeout)(r, next)
}

func (m *Model) params(req llm.Request) (sdk.MessageNewParams, error) {
	max := req.MaxTokens
	if max <= 0 {
		max = m.cfg.MaxTokens
	}
	if max <= 0 {
		max = DefaultMaxTokens
	}
	p := sdk.MessageNewParams{Model: m.cfg.Model, MaxTokens: int64(max)}
	for i, msg := range req.Messages {
		switch msg.Role {
		case llm.System:
			if strings.TrimSpace(msg.Content) != "" {
				p.System = append(p.System, sdk.TextBlockParam{Text: msg.Content})
			}
		case llm.User:
			// The API refuses empty or only-whitespace text ("text content blocks must be
			// non-empty", "… must contain non-whitespace text").
			if strings.TrimSpace(msg.Content) != "" {
				p.Messages = appendUser(p.Messages, sdk.NewTextBlock(msg.Content))
			}
		case llm.ToolRole:
			if msg.ToolCallID == "" {
				return p, fmt.Errorf("message %d: a tool message needs the id of the call it answers", i)
			}
			result := sdk.NewToolResultBlock(msg.ToolCallID, msg.Content, msg.IsError)
			if strings.TrimSpace(msg.Content) == "" {
				// a tool that answered nothing: a result without content, not an empty text block
				result.OfToolResult.Content = nil
			}
			p.Messages = appendUser(p.Messages, result)
		case llm.Assistant:
			var blocks []sdk.ContentBlockParamUnion
			if strings.TrimSpace(msg.Content) != "" {
				text := msg.Content
				if i == lastTurn(req.Messages) {
					// an answer to continue (a prefill): the API refuses one ending in white space
					text = strings.TrimRightFunc(text, unicode.IsSpace)
				}
				blocks = append(blocks, sdk.NewTextBlock(text))
			}
			for _, tc := range msg.ToolCalls {
				args := tc.Arguments
				if args == nil {
					args = map[string]any{}
				}
				blocks = append(blocks, sdk.NewToolUseBlock(tc.ID, args, tc.Name))
			}
			if len(blocks) == 0 {
				// An empty or only-whitespace answer (kept in memory, say) would be text the
				// API refuses: it is left out, and the user turns around it are joined.
				continue
			}
			p.Messages = append(p.Messages, sdk.NewAssistantMessage(blocks...))
		default:
			return p, fmt.Errorf("message %d: unknown role %q (want system, user, assistant or tool)", i, msg.Role)
		}
	}
	if len(p.Messages) == 0 {
		return p, errors.New("no user or assistant messages")
	}
	for _, t := range req.Tools {
		tp := sdk.ToolParam{Name: t.Name, InputSchema: inputSchema(t.Parameters)}
		if t.Description != "" {
			tp.Description = sdk.String(t.Description)
		}
		p.Tools = append(p.Tools, sdk.ToolUnionParam{OfTool: &tp})
	}
	if o := req.Output; o != nil {
		p.OutputConfig = sdk.OutputConfigParam{Format: sdk.JSONOutputFormatParam{Schema: o.Schema}}
	}
	temp := req.Temperature
	if temp == nil {
		temp = m.cfg.Temperature
	}
	if temp != nil {
		// this SDK version has no temperature field; the API still reads it
		p.SetExtraFields(map[string]any{"temperature": *temp})
	}
	return p, nil
}

// lastTurn is the index of the last message that is not a system message, or -1.
func lastTurn(msgs []llm.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != llm.System {
			return i
		}
	}
	return -1
}

// appendUser adds a block to the last message when it is a user message (tool results of
// one turn share a user message), or starts a new user message.
func appendUser(msgs []sdk.MessageParam, b sdk.ContentBlockParamUnion) []sdk.MessageParam {
	if n := len(msgs); n > 0 && msgs[n-1].OfUser != nil {
		msgs[n-1].OfUser.Content = append(msgs[n-1].OfUser.Content, b)
		return msgs
	}
	return append(msgs, sdk.NewUserMessage(b))
}

// inputSchema turns a JSON object schema into the SDK's input schema (properties and
// required in their fields, every other keyword kept).
func inputSchema(s map[string]any) sdk.ToolInputSchemaParam {
	out := sdk.ToolInputSchemaParam{Properties: map[string]any{}}
	for k, v := range s {
		switch k {
		case "type":
		case "properties":
			out.Properties = v
		case "required":
			if l, ok := v.([]any); ok {
				for _, e := range l {
					if s, ok := e.(string); ok {
						out.Required = append(out.Required, s)
					}
				}
			} else if l, ok := v.([]string); ok {
				out.Required = append(out.Required, l...)
			}
		default:
			if out.ExtraFields == nil {
				out.ExtraFields = map[string]any{}
			}
			out.ExtraFields[k] = v
		}
	}
	return out
}

func (m *Model) response(msg *sdk.Message) (llm.Response, error) {
	out := llm.Response{
		Message:    llm.Message{Role: llm.Assistant},
		StopReason: string(msg.StopReason),
		Usage:      llm.Usage{InputTokens: int(msg.Usage.InputTokens), OutputTokens: int(msg.Usage.OutputTokens)},
	}
	var text strings.Builder
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			call := llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: map[string]any{}}
			if len(b.Input) > 0 {
				var err error
				if call.Arguments, err = jsonvalue.UnmarshalMap(b.Input); err != nil {
					// malformed or cut off (max_tokens): the agent tells the model
					call.Arguments = map[string]any{}
					call.Invalid = llm.InvalidArguments(string(b.Input), err)
				}
				if call.Arguments == nil {
					call.Arguments = map[string]any{}
				}
			}
			out.Message.ToolCalls = append(out.Message.ToolCalls, call)
		}
	}
	out.Message.Content = text.String()
	if msg.StopReason == "refusal" && out.Message.Content == "" {
		return llm.Response{}, m.wrap("create message", errors.New("the model refused to answer"))
	}
	return out, nil
}

// Error is a failed request: which model, what was being done, and why. The API key never
// appears in it.
type Error struct {
	Model string // anthropic/model
	Op    string // what was being done
	Err   error
	key   string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s: %v", e.Model, e.Op, e.Err)
	var ae *sdk.Error
	if errors.As(e.Err, &ae) && ae.StatusCode == http.StatusNotFound && (ae.Message == "" || strings.EqualFold(ae.Message, "not found")) {
		// no API error saying what was not found (a model would be named): the path is wrong
		msg = fmt.Sprintf("%s: %s: no such endpoint (is base_url the API root, without /v1?): %v", e.Model, e.Op, e.Err)
	}
	if ae != nil && ae.StatusCode >= 200 && ae.StatusCode < 300 {
		// an error event in a stream that began well: the SDK words it as the 200 it came in
		var ev struct {
			Error struct{ Type, Message string } `json:"error"`
		}
		_ = json.Unmarshal([]byte(ae.RawJSON()), &ev)
		what := strings.TrimSpace(strings.Trim(ev.Error.Type+": "+ev.Error.Message, ": "))
		if what == "" {
			what = ae.RawJSON()
		}
		msg = fmt.Sprintf("%s: %s: the API broke off the answer with an error: %s", e.Model, e.Op, what)
		if ev.Error.Type == "overloaded_error" {
			msg += " (the API is overloaded for now; try again, or raise max_retries)"
		}
	}
	if e.key != "" {
		msg = strings.ReplaceAll(msg, e.key, "[redacted]")
	}
	msg = llm.Cut(msg, maxErrorLen)
	if ae != nil {
		msg += llm.RateLimitNote(ae.Response, time.Now())
	}
	return msg
}

// maxErrorLen bounds an error's text: the SDK's error carries the whole answer body, which a
// proxy's error page makes kilobytes of HTML.
const maxErrorLen = 1000

func (e *Error) Unwrap() error { return e.Err }

// StatusCode is the HTTP status of the API's refusal, or 0.
func (e *Error) StatusCode() int {
	var ae *sdk.Error
	if errors.As(e.Err, &ae) {
		return ae.StatusCode
	}
	return 0
}

func (m *Model) wrap(op string, err error) error {
	return &Error{Model: m.Describe(), Op: op, Err: err, key: m.cfg.APIKey}
}
