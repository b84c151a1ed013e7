// Package mcp holds the MCP node family: the tools of a Model Context Protocol server,
// reached over streamable HTTP with the official go-sdk client, offered to agents as an
// llm.ToolProvider.
package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

const category = "AI"

// Register adds the MCP family to r.
func Register(r *nodes.Registry) error { return r.Register(toolsType()) }

func toolsType() *nodes.Type {
	return &nodes.Type{
		ID: "mcp.tools", Category: category, Name: "MCP tools", Icon: "plug", Service: llm.KindTool,
		Doc: "Offers the tools of a Model Context Protocol (MCP) server to an agent. The server is reached over " +
			"MCP's streamable HTTP transport; the tool list (names, descriptions, input schemas) is read from the " +
			"server when the agent first asks, and each call opens a session, calls the tool and closes it. A tool " +
			"result marked as an error reaches the agent as an error (the model sees its text). A tool whose name the model " +
			"APIs refuse (MCP allows dots and up to 128 characters) is offered with `_` for the other characters " +
			"(`files.read` as `files_read`), cut to 64 characters, and still called by its own name. The bearer token and " +
			"what the URL and headers take from secrets (`<secret:…>`) are replaced by `[redacted]` in the results the " +
			"model reads, so a server that echoes them does not hand them to the model.\n\n" +
			"**Inputs**\n\n- `url` — the server's MCP endpoint, e.g. `https://mcp.example.com/mcp`.\n" +
			"- `bearer_token` — sent as `Authorization: Bearer …` (a secret; empty: none).\n" +
			"- `headers` — extra request headers, e.g. `{\"X-Api-Key\": \"<secret:KEY>\"}`.\n" +
			"- `allowed_tools` — only these tools, by the server's names (empty: every tool the server lists).\n" +
			"- `needs_confirmation` — pause the agent's run for approval before each call.\n" +
			"- `timeout_ms` — per request.\n- `allow_private_network` — " + netguard.Doc + "\n\n" +
			"**Outputs**\n\n- `tools` — the tool service (connect to an agent's tools).\n\n" +
			"**Example**: url `https://mcp.linear.app/mcp`, bearer_token `<secret:LINEAR_TOKEN>`, allowed_tools " +
			"`[\"list_issues\", \"create_issue\"]`, needs_confirmation on: the agent may list issues and create one after approval.",
		Inputs: []nodes.Port{
			{Name: "url", Type: nodes.String, Required: true, Doc: "MCP endpoint URL (streamable HTTP)."},
			{Name: "bearer_token", Type: nodes.Secret, Doc: "Bearer token (optional)."},
			{Name: "headers", Type: nodes.Object, Doc: "Extra HTTP headers."},
			{Name: "allowed_tools", Type: nodes.List, Doc: "Tool names to offer (empty: all)."},
			{Name: "needs_confirmation", Type: nodes.Boolean, Default: false, Pauses: true, Doc: "Ask for approval before each call."},
			{Name: "timeout_ms", Type: nodes.Integer, Default: 30000.0, Doc: "Request timeout in milliseconds."},
			netguard.Port(),
		},
		Outputs: []nodes.Port{{Name: "tools", Type: nodes.ServiceType(llm.KindTool), Doc: "The server's tools."}},
		Run:     runTools,
	}
}

func runTools(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	u := strings.TrimSpace(c.Str("url"))
	pu, err := url.Parse(u)
	if u == "" || err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, nodes.Errorf("url", "must be an http:// or https:// URL, got %q", u)
	}
	hdr := http.Header{}
	if c.Has("headers") {
		m, err := c.Map("headers")
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " :\r\n") {
				return nil, nodes.Errorf("headers", "invalid header name %q", k)
			}
			s := nodes.ToString(v)
			if strings.ContainsAny(s, "\r\n") {
				return nil, nodes.Errorf("headers", "header %s: value must be one line", k)
			}
			hdr.Set(k, s)
		}
	}
	// what the credentials were resolved with from secrets: a server may echo them
	secrets := &llm.Redactor{}
	if lh, ok := c.Values["headers"].(map[string]any); ok {
		for k, v := range lh {
			if s, ok := v.(string); ok {
				secrets.AddResolved(s, hdr.Get(k))
			}
		}
	}
	if tok := strings.TrimSpace(c.Str("bearer_token")); tok != "" {
		hdr.Set("Authorization", "Bearer "+tok)
		secrets.Add(tok) // a secret input: all of it
	}
	var allowed []string
	if c.Has("allowed_tools") {
		l, err := c.List("allowed_tools")
		if err != nil {
			return nil, err
		}
		for i, v := range l {
			s, ok := v.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return nil, nodes.Errorf("allowed_tools", "item %d must be a tool name, got %s", i, nodes.Describe(v))
			}
			allowed = append(allowed, strings.TrimSpace(s))
		}
	}
	ms, err := c.IntOr("timeout_ms", 30000)
	if err != nil {
		return nil, err
	}
	if ms <= 0 {
		return nil, nodes.Errorf("timeout_ms", "must be positive, got %d", ms)
	}
	hc := netguard.HTTPClient(c.Bool(netguard.PortName), 0)
	hc.Transport = headerTransport{next: hc.Transport, h: hdr}
	shown := u // nothing in it to hide, or only the scheme and host
	if (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" || pu.User != nil {
		shown = pu.Scheme + "://" + pu.Host + "/…"
	}
	if lit, ok := c.Values["url"].(string); ok && strings.TrimSpace(lit) != "" {
		shown = strings.TrimSpace(lit)
	}
	if lit, ok := c.Values["url"].(string); ok {
		secrets.AddResolved(strings.TrimSpace(lit), u)
	}
	return nodes.Out{"tools": &Server{url: u, shown: shown, hc: hc, allowed: allowed, confirm: c.Bool("needs_confirmation"),
		timeout: time.Duration(ms) * time.Millisecond, secrets: secrets}}, nil
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	next http.RoundTripper
	h    http.Header
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header[k] = v
	}
	return t.next.RoundTrip(r)
}

// Server is an MCP server's tools as an llm.ToolProvider.
type Server struct {
	url     string
	shown   string // the URL as errors name it: as the flow wrote it, secrets as placeholders
	hc      *http.Client
	allowed []string
	confirm bool
	timeout time.Duration
	// secrets are the token and the values the URL and headers take from secrets, redacted
	// from what the tools answer (it goes to the model and its provider)
	secrets *llm.Redactor

	mu    sync.Mutex
	tools []llm.Tool
}

// connect opens a session with the server. It returns when ctx ends even if the SDK is
// still tearing down a failed connection (which may wait up to 5 seconds for the server).
func (s *Server) connect(ctx context.Context) (*sdk.ClientSession, error) {
	type result struct {
		cs  *sdk.ClientSession
		err error
	}
	done := make(chan result, 1)
	go func() {
		client := sdk.NewClient(&sdk.Implementation{Name: "polysynergy", Version: "1"}, nil)
		cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: s.url, HTTPClient: s.hc,
			MaxRetries: -1, DisableStandaloneSSE: true}, nil)
		done <- result{cs, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		go func() {
			if late := <-done; late.cs != nil {
				_ = late.cs.Close()
			}
		}()
		r.err = ctx.Err()
	}
	if r.err != nil {
		return nil, s.hide(fmt.Errorf("connect to MCP server %s: %w", s.shown, r.err))
	}
	return r.cs, nil
}

// Tools lists the server's tools (once; later calls reuse the list), keeping only the
// allowed ones. An allowed name the server does not offer is an error.
func (s *Server) Tools(ctx context.Context) ([]llm.Tool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tools != nil {
		return s.tools, nil
	}
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cs, err := s.connect(ctx)
	if err != nil {
		return nil, s.timedOut(outer, err)
	}
	defer closeSession(ctx, cs)
	var out []*tool
	seen := map[string]bool{}
	used := map[string]bool{} // names the model sees; valid server names keep theirs
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, s.timedOut(outer, s.hide(fmt.Errorf("list the tools of MCP server %s: %w", s.shown, err)))
		}
		seen[t.Name] = true
		if len(s.allowed) > 0 && !slices.Contains(s.allowed, t.Name) {
			continue
		}
		params, err := schema(t.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("MCP tool %s: %w", t.Name, err)
		}
		if llm.ValidToolName(t.Name) {
			used[t.Name] = true
		}
		out = append(out, &tool{srv: s, remote: t.Name, spec: llm.ToolSpec{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	for _, t := range out {
		if !llm.ValidToolName(t.remote) {
			t.spec.Name = modelName(t.remote, used)
		}
	}
	var missing []string
	for _, a := range s.allowed {
		if !seen[a] {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, len(seen))
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("MCP server %s has no tool %s (it has %s)", s.shown, strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	s.tools = make([]llm.Tool, len(out))
	for i, t := range out {
		s.tools[i] = t
	}
	return s.tools, nil
}

// closeSession ends a session. After a timeout or cancellation it does so in the background:
// ending it asks the server to drop the session, which a server still busy with the
// abandoned request may take up to 5 seconds (the SDK's limit) to answer, and the caller
// has waited long enough.
func closeSession(ctx context.Context, cs *sdk.ClientSession) {
	if ctx.Err() != nil {
		go cs.Close()
		return
	}
	_ = cs.Close()
}

// timedOut names the node's timeout_ms when it is what expired (outer, the caller's context,
// still live): left as context.DeadlineExceeded it would read as the run's deadline.
func (s *Server) timedOut(outer context.Context, err error) error {
	if outer.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from MCP server %s within timeout_ms (%s)", s.shown, s.timeout)
	}
	return err
}

// hide replaces the URL as resolved by the URL as written in err's text: a call's error goes
// to the model and its provider, and the resolved URL may hold a secret (a token in its
// path or query).
func (s *Server) hide(err error) error {
	if err == nil || s.shown == s.url {
		return err
	}
	return &hidden{err: err, url: s.url, shown: s.shown}
}

type hidden struct {
	err        error
	url, shown string
}

func (h *hidden) Error() string { return strings.ReplaceAll(h.err.Error(), h.url, h.shown) }
func (h *hidden) Unwrap() error { return h.err }

// schema converts a tool's input schema to a plain object.
func schema(v any) (map[string]any, error) {
	if v == nil {
		return map[string]any{"type": "object", "properties": map[string]any{}}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode input schema: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("input schema is not an object: %w", err)
	}
	return m, nil
}

// modelName is the name a server's tool is offered to the model under. MCP allows names the
// model APIs refuse (dots, up to 128 characters: "files.read"); those are offered with every
// other character as _, cut to 64 with a hash of the whole name, and kept unique among used.
func modelName(name string, used map[string]bool) string {
	out := name
	if !llm.ValidToolName(name) {
		b := []byte(name) // bytes: a multi-byte character becomes several _
		for i, c := range b {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				b[i] = '_'
			}
		}
		out = string(b)
		if out == "" {
			out = "tool"
		}
		if len(out) > llm.MaxToolNameLen {
			sum := sha256.Sum256([]byte(name))
			out = out[:llm.MaxToolNameLen-9] + "_" + hex.EncodeToString(sum[:4])
		}
	}
	for i := 2; used[out]; i++ {
		suffix := fmt.Sprintf("_%d", i)
		base := out
		if len(base)+len(suffix) > llm.MaxToolNameLen {
			base = base[:llm.MaxToolNameLen-len(suffix)]
		}
		if !used[base+suffix] {
			out = base + suffix
		}
	}
	used[out] = true
	return out
}

// tool is one tool of an MCP server. remote is its name on the server, spec.Name the one
// the model sees.
type tool struct {
	srv    *Server
	remote string
	spec   llm.ToolSpec
}

func (t *tool) Spec() llm.ToolSpec      { return t.spec }
func (t *tool) NeedsConfirmation() bool { return t.srv.confirm }

// Call calls the tool in a fresh session. Structured content is returned as is; otherwise
// the text contents, joined. A result marked as an error is returned as an error.
func (t *tool) Call(ctx context.Context, args map[string]any) (any, error) {
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, t.srv.timeout)
	defer cancel()
	cs, err := t.srv.connect(ctx)
	if err != nil {
		return nil, t.srv.timedOut(outer, fmt.Errorf("call MCP tool %s: %w", t.spec.Name, err))
	}
	defer closeSession(ctx, cs)
	if args == nil {
		args = map[string]any{}
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: t.remote, Arguments: args})
	if err != nil {
		return nil, t.srv.timedOut(outer, t.srv.hide(fmt.Errorf("call MCP tool %s: %w", t.spec.Name, err)))
	}
	text := t.srv.secrets.Text(contentText(res.Content))
	if res.IsError {
		if text == "" {
			text = "the tool reported an error"
		}
		return nil, errors.New(text)
	}
	if res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err == nil {
			if v, err := jsonvalue.Unmarshal(b); err == nil {
				return t.srv.secrets.Value(v), nil
			}
		}
	}
	return text, nil
}

// contentText joins a result's text contents, describing other kinds.
func contentText(cs []sdk.Content) string {
	var parts []string
	for _, c := range cs {
		switch x := c.(type) {
		case *sdk.TextContent:
			parts = append(parts, x.Text)
		case *sdk.ImageContent:
			parts = append(parts, fmt.Sprintf("[image %s, %d bytes]", x.MIMEType, len(x.Data)))
		case *sdk.AudioContent:
			parts = append(parts, fmt.Sprintf("[audio %s, %d bytes]", x.MIMEType, len(x.Data)))
		default:
			if b, err := json.Marshal(c); err == nil {
				parts = append(parts, string(b))
			}
		}
	}
	return strings.Join(parts, "\n")
}
