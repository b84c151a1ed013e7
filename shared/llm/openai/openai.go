// Package openai implements llm.Model on the OpenAI chat completions API and every API that
// speaks it (Mistral, Ollama's /v1 endpoint, vLLM, LiteLLM, any base URL): messages, tool
// (function) calls, streaming over server-sent events, temperature, max tokens, JSON-schema
// structured output and token usage.
//
// The client does not read OPENAI_* environment variables: everything comes from Config, so a
// flow's model node decides where requests go. Network policy is the caller's: the AI nodes
// pass an HTTP client whose dialer is shared/nodes/netguard's (private addresses only with
// allow_private_network).
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
)

// DefaultBaseURL is OpenAI's API.
const DefaultBaseURL = "https://api.openai.com/v1"

// Config configures a Model.
type Config struct {
	// Provider names the service in Describe and errors ("openai", "mistral", "ollama"…).
	Provider string
	// BaseURL is the API root ending in /v1; DefaultBaseURL when empty.
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (Ollama needs none).
	APIKey string
	// Model is the model name, e.g. "gpt-4o-mini". Required.
	Model string
	// Temperature and MaxTokens are used when a request does not set its own.
	Temperature *float64
	MaxTokens   int
	// MaxCompletionTokens sends the limit as max_completion_tokens (OpenAI's current name,
	// required by its reasoning models) instead of max_tokens (what compatible APIs read).
	MaxCompletionTokens bool
	// OmitStreamOptions leaves stream_options out of streamed requests, for APIs that refuse
	// unknown fields (Mistral, which reports usage on the last chunk anyway).
	OmitStreamOptions bool
	// Timeout bounds each request attempt (0: none beyond the context).
	Timeout time.Duration
	// IdleTimeout bounds the silence of a streamed answer: the time until it starts and
	// between its pieces (0: none, only Timeout). A plain request's answer comes whole, once
	// written: only Timeout bounds it.
	IdleTimeout time.Duration
	// MaxRetries retries failed requests (429, 5xx, connection errors) with backoff.
	MaxRetries int
	// HTTPClient sends the requests; http.DefaultClient's transport when nil.
	HTTPClient *http.Client
}

// Model is a chat model behind an OpenAI-compatible API. It is safe for concurrent use.
type Model struct {
	cfg Config
	svc oai.ChatCompletionService
}

// New returns a Model for cfg.
func New(cfg Config) (*Model, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("openai model: the model name is required")
	}
	if cfg.Provider == "" {
		cfg.Provider = "openai"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("%s model: base URL %q must start with http:// or https://", cfg.Provider, cfg.BaseURL)
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(cfg.MaxRetries),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, option.WithRequestTimeout(cfg.Timeout))
	}
	// The chat completion service alone: the client constructor would read OPENAI_* variables.
	return &Model{cfg: cfg, svc: oai.NewChatCompletionService(opts...)}, nil
}

// Describe names provider and model, e.g. "openai/gpt-4o-mini".
func (m *Model) Describe() string { return m.cfg.Provider + "/" + m.cfg.Model }

// MarshalJSON shows the model as its description (run records never see the key).
func (m *Model) MarshalJSON() ([]byte, error) { return json.Marshal(m.Describe()) }

// Chat sends one chat completion request; with onDelta set it streams and calls onDelta
// with each piece of text in order.
func (m *Model) Chat(ctx context.Context, req llm.Request, onDelta func(string)) (llm.Response, error) {
	params, err := m.params(req)
	if err != nil {
		return llm.Response{}, m.wrap("build the request", err)
	}
	var hr *http.Response
	if onDelta == nil {
		cc, err := m.svc.New(ctx, params, option.WithResponseInto(&hr))
		if err != nil {
			if ct := llm.ContentType(hr); hr != nil && hr.StatusCode < 400 && !strings.Contains(ct, "json") {
				err = fmt.Errorf("the API answered with Content-Type %q instead of JSON (is base_url the API root, ending in /v1?)", ct)
			}
			return llm.Response{}, m.wrap("chat completion", llm.OwnTimeout(ctx, m.cfg.Timeout, err))
		}
		return m.response(cc)
	}
	if !m.cfg.OmitStreamOptions {
		params.StreamOptions = oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}
	}
	var done doneWatch
	stream := m.svc.NewStreaming(ctx, params, option.WithResponseInto(&hr), option.WithMiddleware(done.middleware),
		option.WithMiddleware(m.idleWatch))
	defer stream.Close()
	var acc accumulator
	for stream.Next() {
		acc.add(stream.Current(), onDelta)
	}
	if err := stream.Err(); err != nil {
		return llm.Response{}, m.wrap("stream chat completion", llm.OwnTimeout(ctx, m.cfg.Timeout, err))
	}
	if acc.finish == "" && done.seen() {
		// ended properly with data: [DONE], but the server sends no finish reason
		acc.finish = "stop"
		if len(acc.calls) > 0 {
			acc.finish = "tool_calls"
		}
	}
	if acc.finish == "" {
		// Every chat completions stream ends with a chunk carrying the finish reason. Without
		// it the answer is incomplete: the connection was cut, or the body was no stream.
		if ct := llm.ContentType(hr); hr != nil && !strings.Contains(ct, "text/event-stream") {
			return llm.Response{}, m.wrap("stream chat completion", fmt.Errorf(
				"the API answered with Content-Type %q instead of an event stream (is base_url the API root, ending in /v1?)", ct))
		}
		return llm.Response{}, m.wrap("stream chat completion", errors.New(
			"the stream ended before the answer was complete (no finish reason; the connection was cut)"))
	}
	return acc.response(m)
}

// idleWatch bounds the silence of a streamed request's attempts (Config.IdleTimeout).
func (m *Model) idleWatch(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	return llm.IdleWatch(m.cfg.IdleTimeout)(r, next)
}

// params turns a neutral request into the SDK's request parameters.
func (m *Model) params(req llm.Request) (oai.ChatCompletionNewParams, error) {
	p := oai.ChatCompletionNewParams{Model: shared.ChatModel(m.cfg.Model)}
	for i, msg := range req.Messages {
		mp, err := message(msg)
		if err != nil {
			return p, fmt.Errorf("message %d: %w", i, err)
		}
		p.Messages = append(p.Messages, mp)
	}
	if len(p.Messages) == 0 {
		return p, errors.New("no messages")
	}
	for _, t := range req.Tools {
		fd := shared.FunctionDefinitionParam{Name: t.Name, Parameters: shared.FunctionParameters(objectSchema(t.Parameters))}
		if t.Description != "" {
			fd.Description = oai.String(t.Description)
		}
		p.Tools = append(p.Tools, oai.ChatCompletionFunctionTool(fd))
	}
	temp := req.Temperature
	if temp == nil {
		temp = m.cfg.Temperature
	}
	if temp != nil {
		p.Temperature = oai.Float(*temp)
	}
	max := req.MaxTokens
	if max <= 0 {
		max = m.cfg.MaxTokens
	}
	if max > 0 {
		if m.cfg.MaxCompletionTokens {
			p.MaxCompletionTokens = oai.Int(int64(max))
		} else {
			p.MaxTokens = oai.Int(int64(max))
		}
	}
	if o := req.Output; o != nil {
		name := o.Name
		if name == "" {
			name = "answer"
		}
		p.ResponseFormat = oai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name: name, Schema: o.Schema, Strict: oai.Bool(false),
			}},
		}
	}
	return p, nil
}

// objectSchema returns a tool's parameter schema, an empty object schema when it has none.
func objectSchema(s map[string]any) map[string]any {
	if len(s) == 0 {
		return map[string]any{"type": "object", "properties": map[string]any{}}
	}
	return s
}

func message(msg llm.Message) (oai.ChatCompletionMessageParamUnion, error) {
	switch msg.Role {
	case llm.System:
		return oai.SystemMessage(msg.Content), nil
	case llm.User:
		return oai.UserMessage(msg.Content), nil
	case llm.ToolRole:
		if msg.ToolCallID == "" {
			return oai.ChatCompletionMessageParamUnion{}, errors.New("a tool message needs the id of the call it answers")
		}
		return oai.ToolMessage(msg.Content, msg.ToolCallID), nil
	case llm.Assistant:
		a := oai.ChatCompletionAssistantMessageParam{}
		if msg.Content != "" || len(msg.ToolCalls) == 0 {
			a.Content.OfString = oai.String(msg.Content)
		}
		for _, tc := range msg.ToolCalls {
			args, err := json.Marshal(nonNil(tc.Arguments))
			if err != nil {
				return oai.ChatCompletionMessageParamUnion{}, fmt.Errorf("arguments of tool call %s: %w", tc.ID, err)
			}
			a.ToolCalls = append(a.ToolCalls, oai.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &oai.ChatCompletionMessageFunctionToolCallParam{
					ID:       tc.ID,
					Function: oai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: tc.Name, Arguments: string(args)},
				},
			})
		}
		return oai.ChatCompletionMessageParamUnion{OfAssistant: &a}, nil
	}
	return oai.ChatCompletionMessageParamUnion{}, fmt.Errorf("unknown role %q (want system, user, assistant or tool)", msg.Role)
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// response converts a non-streamed completion.
func (m *Model) response(cc *oai.ChatCompletion) (llm.Response, error) {
	if len(cc.Choices) == 0 {
		return llm.Response{}, m.wrap("chat completion", errors.New("the answer has no choices"))
	}
	ch := cc.Choices[0]
	out := llm.Response{
		Message:    llm.Message{Role: llm.Assistant, Content: ch.Message.Content},
		StopReason: ch.FinishReason,
		Usage:      llm.Usage{InputTokens: int(cc.Usage.PromptTokens), OutputTokens: int(cc.Usage.CompletionTokens)},
	}
	if out.Message.Content == "" && ch.Message.Refusal != "" {
		return llm.Response{}, m.wrap("chat completion", fmt.Errorf("the model refused: %s", ch.Message.Refusal))
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Type != "" && tc.Type != "function" {
			continue
		}
		out.Message.ToolCalls = append(out.Message.ToolCalls, toolCall(tc.ID, tc.Function.Name, tc.Function.Arguments))
	}
	return out, nil
}

// toolCall decodes a call's JSON arguments. Arguments that are not a JSON object (a
// model's malformed or cut-off output) leave the call's Arguments empty and say why in
// Invalid.
func toolCall(id, name, args string) llm.ToolCall {
	call := llm.ToolCall{ID: id, Name: name, Arguments: map[string]any{}}
	if strings.TrimSpace(args) == "" {
		return call
	}
	var err error
	call.Arguments, err = jsonvalue.UnmarshalMap([]byte(args)) // big whole numbers stay exact
	var inner string
	if err != nil && json.Unmarshal([]byte(args), &inner) == nil {
		// encoded twice (some servers in front of open models): a JSON string holding the object
		if m, ierr := jsonvalue.UnmarshalMap([]byte(inner)); ierr == nil && m != nil {
			call.Arguments, err = m, nil
		}
	}
	if err != nil {
		call.Arguments = map[string]any{}
		call.Invalid = llm.InvalidArguments(args, err)
	}
	if call.Arguments == nil {
		call.Arguments = map[string]any{}
	}
	return call
}

// doneWatch notices the data: [DONE] line that ends a complete chat completions stream
// (the SDK reads it but does not say whether the stream ended with it).
type doneWatch struct {
	body *doneBody
}

func (d *doneWatch) middleware(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	resp, err := next(r)
	if err == nil && resp != nil && resp.Body != nil {
		d.body = &doneBody{ReadCloser: resp.Body, line: true}
		resp.Body = d.body
	}
	return resp, err
}

func (d *doneWatch) seen() bool { return d.body != nil && d.body.done }

// doneBody passes a stream through, watching for a line that is data: [DONE].
type doneBody struct {
	io.ReadCloser
	line bool   // at the start of a line
	cur  []byte // the start of the current line, up to len("data: [DONE]")
	done bool
}

func (b *doneBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	for _, c := range p[:n] {
		if c == '\n' || c == '\r' {
			b.check()
			b.cur, b.line = b.cur[:0], true
			continue
		}
		if b.line && len(b.cur) < 16 {
			b.cur = append(b.cur, c)
		}
	}
	if err == io.EOF {
		b.check()
	}
	return n, err
}

func (b *doneBody) check() {
	s := strings.TrimSpace(string(b.cur))
	if strings.HasPrefix(s, "data:") && strings.TrimSpace(strings.TrimPrefix(s, "data:")) == "[DONE]" {
		b.done = true
	}
}

// accumulator rebuilds the answer from stream chunks: text in order, tool calls by index
// (id and name arrive first, then the arguments in pieces), usage from the last chunk.
// A delta that brings a new call id at an index that already holds another call starts a
// new call: some servers (Ollama's /v1) number every call of a turn 0.
type accumulator struct {
	text    strings.Builder
	refusal strings.Builder
	calls   []*partialCall // in the order they started
	byIndex map[int64]int  // the position in calls an index currently names
	finish  string
	usage   llm.Usage
}

type partialCall struct {
	id, name string
	args     strings.Builder
}

func (a *accumulator) add(ch oai.ChatCompletionChunk, onDelta func(string)) {
	if ch.Usage.PromptTokens > 0 || ch.Usage.CompletionTokens > 0 {
		a.usage = llm.Usage{InputTokens: int(ch.Usage.PromptTokens), OutputTokens: int(ch.Usage.CompletionTokens)}
	}
	for _, c := range ch.Choices {
		if c.Index != 0 {
			continue
		}
		if c.Delta.Content != "" {
			a.text.WriteString(c.Delta.Content)
			onDelta(c.Delta.Content)
		}
		a.refusal.WriteString(c.Delta.Refusal)
		for _, tc := range c.Delta.ToolCalls {
			if a.byIndex == nil {
				a.byIndex = map[int64]int{}
			}
			pos, ok := a.byIndex[tc.Index]
			if !ok || (tc.ID != "" && a.calls[pos].id != "" && tc.ID != a.calls[pos].id) {
				a.calls = append(a.calls, &partialCall{})
				pos = len(a.calls) - 1
				a.byIndex[tc.Index] = pos
			}
			p := a.calls[pos]
			if tc.ID != "" {
				p.id = tc.ID
			}
			// A name normally arrives once, in the call's first delta; some compatible
			// servers repeat it on every delta. A repeat is not a further piece.
			if n := tc.Function.Name; n != "" && n != p.name {
				p.name += n
			}
			p.args.WriteString(tc.Function.Arguments)
		}
		if c.FinishReason != "" {
			a.finish = c.FinishReason
		}
	}
}

func (a *accumulator) response(m *Model) (llm.Response, error) {
	out := llm.Response{Message: llm.Message{Role: llm.Assistant, Content: a.text.String()}, StopReason: a.finish, Usage: a.usage}
	if out.Message.Content == "" && a.refusal.Len() > 0 {
		return llm.Response{}, m.wrap("stream chat completion", fmt.Errorf("the model refused: %s", a.refusal.String()))
	}
	for _, p := range a.calls {
		out.Message.ToolCalls = append(out.Message.ToolCalls, toolCall(p.id, p.name, p.args.String()))
	}
	return out, nil
}

// Error is a failed request: which provider and model, what was being done, and why. The
// API key never appears in it.
type Error struct {
	Model string // provider/model
	Op    string // what was being done
	Err   error
	key   string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s: %v", e.Model, e.Op, e.Err)
	var ae *oai.Error
	if errors.As(e.Err, &ae) && ae.Message != "" {
		msg += ": " + ae.Message
	}
	if ae != nil && ae.StatusCode == http.StatusNotFound && (ae.Message == "" || strings.EqualFold(ae.Message, "not found")) {
		// no API error saying what was not found (a model would be named): the path is wrong
		msg += " (no such endpoint: is base_url the API root, ending in /v1?)"
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

// maxErrorLen bounds an error's text: an API's or gateway's message may be kilobytes long.
const maxErrorLen = 1000

func (e *Error) Unwrap() error { return e.Err }

// StatusCode is the HTTP status of the API's refusal, or 0.
func (e *Error) StatusCode() int {
	var ae *oai.Error
	if errors.As(e.Err, &ae) {
		return ae.StatusCode
	}
	return 0
}

func (m *Model) wrap(op string, err error) error {
	return &Error{Model: m.Describe(), Op: op, Err: err, key: m.cfg.APIKey}
}
