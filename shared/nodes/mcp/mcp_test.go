package mcp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"polysynergy/shared/llm"
	"polysynergy/shared/llm/openai/openaitest"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/ai"
	"polysynergy/shared/nodes/nodetest"
)

type addIn struct {
	A float64 `json:"a" jsonschema:"the first number"`
	B float64 `json:"b" jsonschema:"the second number"`
}

type addOut struct {
	Sum float64 `json:"sum"`
}

type echoIn struct {
	Text string `json:"text"`
}

// mcpServer starts an in-process MCP server over streamable HTTP with two tools, add
// (structured result) and echo (text; "boom" is an error result). Requests without the
// bearer token get 401.
func mcpServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "add", Description: "Adds two numbers"},
		func(_ context.Context, _ *sdk.CallToolRequest, in addIn) (*sdk.CallToolResult, addOut, error) {
			return nil, addOut{Sum: in.A + in.B}, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "echo", Description: "Echoes a text"},
		func(_ context.Context, _ *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
			if in.Text == "boom" {
				return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: "echo failed: boom"}}}, nil, nil
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "echo: " + in.Text}}}, nil, nil
		})
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	var requests atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("X-Team") != "blue" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/mcp", &requests
}

func lookup(t *testing.T) *nodes.Type {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	typ, _ := r.Lookup("mcp.tools")
	return typ
}

func TestFamilyDocumented(t *testing.T) {
	typ := lookup(t)
	if typ == nil || typ.Service != llm.KindTool || !strings.Contains(typ.Doc, "**Example**") || !strings.Contains(typ.Doc, "allow_private_network") {
		t.Fatalf("mcp.tools must provide tools and document its inputs and the private-network guard: %+v", typ)
	}
}

func provider(t *testing.T, in map[string]any) (llm.ToolProvider, error) {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), lookup(t), in, nodetest.Options{})
	if err != nil {
		return nil, err
	}
	return out["tools"].(llm.ToolProvider), nil
}

func TestTools(t *testing.T) {
	url, requests := mcpServer(t)
	base := func(extra map[string]any) map[string]any {
		in := map[string]any{"url": url, "bearer_token": "tok", "headers": map[string]any{"X-Team": "blue"}, "allow_private_network": true}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	ctx := context.Background()

	p, err := provider(t, base(nil))
	if err != nil {
		t.Fatal(err)
	}
	tools, err := p.Tools(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	byName := map[string]llm.Tool{}
	for _, tl := range tools {
		byName[tl.Spec().Name] = tl
	}
	if len(tools) != 2 || byName["add"] == nil || byName["echo"] == nil {
		t.Fatalf("tools = %d %v, want add and echo", len(tools), byName)
	}
	add := byName["add"]
	spec := add.Spec()
	props, _ := spec.Parameters["properties"].(map[string]any)
	if spec.Description != "Adds two numbers" || spec.Parameters["type"] != "object" || props["a"] == nil || props["b"] == nil {
		t.Errorf("add spec = %+v", spec)
	}
	if add.NeedsConfirmation() {
		t.Error("needs_confirmation defaults to off")
	}
	before := requests.Load()
	if again, _ := p.Tools(ctx); len(again) != 2 || requests.Load() != before {
		t.Errorf("a second Tools call asked the server again (%d → %d requests)", before, requests.Load())
	}

	calls := []struct {
		tool    string
		args    map[string]any
		want    any
		wantErr string
	}{
		{tool: "add", args: map[string]any{"a": 2.0, "b": 40.0}, want: map[string]any{"sum": 42.0}},
		{tool: "echo", args: map[string]any{"text": "hi"}, want: "echo: hi"},
		{tool: "echo", args: map[string]any{"text": "boom"}, wantErr: "echo failed: boom"},
		{tool: "add", args: map[string]any{"a": "two"}, wantErr: `validating /properties/a`},
	}
	for _, c := range calls {
		got, err := byName[c.tool].Call(ctx, c.args)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s(%v): error %v, want %q", c.tool, c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s(%v) = %#v, %v; want %#v", c.tool, c.args, got, err, c.want)
		}
	}

	// allow-list and confirmation
	p, err = provider(t, base(map[string]any{"allowed_tools": []any{"echo"}, "needs_confirmation": true}))
	if err != nil {
		t.Fatal(err)
	}
	tools, err = p.Tools(ctx)
	if err != nil || len(tools) != 1 || tools[0].Spec().Name != "echo" || !tools[0].NeedsConfirmation() {
		t.Fatalf("allowed tools = %v, %v; want echo needing confirmation", tools, err)
	}

	for _, tc := range []struct {
		name    string
		in      map[string]any
		wantErr string // from the node
		listErr string // from Tools
	}{
		{name: "unknown allowed tool", in: base(map[string]any{"allowed_tools": []any{"echo", "rm"}}), listErr: "has no tool rm (it has add, echo)"},
		{name: "no token", in: base(map[string]any{"bearer_token": ""}), listErr: "connect to MCP server"},
		{name: "private network refused", in: base(map[string]any{"allow_private_network": false}), listErr: "refusing to connect to 127.0.0.1"},
		{name: "bad url", in: base(map[string]any{"url": "mcp.example.com"}), wantErr: `input "url": must be an http`},
		{name: "bad header", in: base(map[string]any{"headers": map[string]any{"Bad Name": "x"}}), wantErr: `input "headers": invalid header name`},
		{name: "header with newline", in: base(map[string]any{"headers": map[string]any{"X-A": "a\nb"}}), wantErr: `input "headers": header X-A: value must be one line`},
		{name: "bad allowed tool", in: base(map[string]any{"allowed_tools": []any{1.0}}), wantErr: `input "allowed_tools": item 0 must be a tool name`},
		{name: "bad timeout", in: base(map[string]any{"timeout_ms": 0.0}), wantErr: `input "timeout_ms": must be positive`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := provider(t, tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Tools(ctx); err == nil || !strings.Contains(err.Error(), tc.listErr) {
				t.Fatalf("list error = %v, want %q", err, tc.listErr)
			}
		})
	}
}

// MCP allows tool names the model APIs refuse (dots, up to 128 characters). They are offered
// under names the APIs take, unique among the server's tools, and still called by their own
// names; an agent (against a stand-in that refuses bad names, as the API does) uses them.
func TestToolNamesTheModelAPIsRefuse(t *testing.T) {
	long := strings.Repeat("very_long_tool_name_", 5) + "x" // 101 characters
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	var mu sync.Mutex
	var called []string
	for _, name := range []string{"files.read", "files_read", long, "ok-name"} {
		sdk.AddTool(srv, &sdk.Tool{Name: name, Description: "tool " + name},
			func(_ context.Context, req *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
				mu.Lock()
				called = append(called, req.Params.Name)
				mu.Unlock()
				return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: req.Params.Name + ": " + in.Text}}}, nil, nil
			})
	}
	hs := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(hs.Close)

	p, err := provider(t, map[string]any{"url": hs.URL, "allow_private_network": true})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := p.Tools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // server name (from the description) → offered name
	for _, tl := range tools {
		s := tl.Spec()
		if !llm.ValidToolName(s.Name) {
			t.Errorf("tool %q is offered to the model as %q", s.Description, s.Name)
		}
		names[strings.TrimPrefix(s.Description, "tool ")] = s.Name
	}
	if names["files_read"] != "files_read" || names["ok-name"] != "ok-name" || names["files.read"] != "files_read_2" ||
		len(names[long]) != llm.MaxToolNameLen || !strings.HasPrefix(names[long], "very_long_tool_name_very_long") {
		t.Fatalf("offered names %v", names)
	}

	model := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{
			{ID: "c1", Name: names["files.read"], Arguments: map[string]any{"text": "a"}},
			{ID: "c2", Name: names[long], Arguments: map[string]any{"text": "b"}},
		}},
		openaitest.Turn{Text: "Done."},
	)
	r := nodes.NewRegistry()
	if err := ai.Register(r); err != nil {
		t.Fatal(err)
	}
	agentType, _ := r.Lookup("ai.agent")
	modelType, _ := r.Lookup("ai.openai")
	mout, err, _ := nodetest.Run(context.Background(), modelType, map[string]any{"api_key": "sk-test", "base_url": model.URL,
		"max_retries": 0.0, "allow_private_network": true}, nodetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err, _ := nodetest.Run(context.Background(), agentType, map[string]any{"model": mout["model"], "tools": []any{p},
		"prompt": "read both"}, nodetest.Options{})
	if err != nil {
		t.Fatalf("agent: %v", err)
	}
	if out["answer"] != "Done." {
		t.Fatalf("answer %v", out["answer"])
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(called, ",") != "files.read,"+long {
		t.Fatalf("the server was called as %v", called)
	}
}

// A server that does not answer within timeout_ms is named as such, for listing and for a
// call, soon after timeout_ms, instead of reading as the run's deadline (which fails the agent as "the run's
// deadline passed").
func TestTimeoutIsNamed(t *testing.T) {
	release := make(chan struct{})
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "slow", Description: "answers when the test ends"},
		func(ctx context.Context, _ *sdk.CallToolRequest, _ echoIn) (*sdk.CallToolResult, any, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "late"}}}, nil, nil
		})
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	var hang atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(release); hs.Close() })
	ctx := context.Background()
	p, err := provider(t, map[string]any{"url": hs.URL, "timeout_ms": 200.0, "allow_private_network": true})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := p.Tools(ctx)
	if err != nil || len(tools) != 1 {
		t.Fatalf("list: %v %v", tools, err)
	}
	start := time.Now()
	_, err = tools[0].Call(ctx, map[string]any{"text": "x"})
	if err == nil || !strings.Contains(err.Error(), "within timeout_ms (200ms)") || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call: %v", err)
	}
	// ending the session with a server still busy with the call must not hold the caller
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the call returned after %s, timeout_ms is 200ms", d)
	}
	hang.Store(true)
	p, _ = provider(t, map[string]any{"url": hs.URL, "timeout_ms": 200.0, "allow_private_network": true})
	start = time.Now()
	_, err = p.Tools(ctx)
	if err == nil || !strings.Contains(err.Error(), "no answer from MCP server "+hs.URL+" within timeout_ms (200ms)") || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("list: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("listing returned after %s, timeout_ms is 200ms", d)
	}
}

// A call's error goes to the model and its provider: it names the server's URL as the flow
// wrote it, never with the secret it was resolved with (MCP servers often take a token in
// the path).
func TestErrorsKeepTheURLsSecretOut(t *testing.T) {
	const secret = "zap-SUPERSECRET"
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "echo", Description: "Echoes"},
		func(_ context.Context, _ *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: in.Text}}}, nil, nil
		})
	hs := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	literal := hs.URL + "/s/<secret:ZAP>/mcp"
	out, err, _ := nodetest.Run(context.Background(), lookup(t), map[string]any{"url": strings.Replace(literal, "<secret:ZAP>", secret, 1),
		"allow_private_network": true}, nodetest.Options{Values: map[string]any{"url": literal}})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := out["tools"].(llm.ToolProvider).Tools(context.Background())
	if err != nil || len(tools) != 1 {
		t.Fatalf("list: %v %v", tools, err)
	}
	hs.Close() // the server goes away between listing and calling
	_, err = tools[0].Call(context.Background(), map[string]any{"text": "x"})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "connect to MCP server "+literal) {
		t.Fatalf("call error: %v", err)
	}
}

type whoOut struct {
	Seen string `json:"seen"`
}

// A server that echoes the credentials it gets (a whoami tool, an error naming the token)
// does not hand the flow's secrets to the model: the bearer token and the values the
// headers take from <secret:…> are redacted from results and error results.
func TestResultsKeepTheCredentialsOut(t *testing.T) {
	const token, key = "mcp-SUPERSECRET-tok", "hdr-SUPERSECRET-key"
	srv := sdk.NewServer(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	sdk.AddTool(srv, &sdk.Tool{Name: "whoami", Description: "Says what it got"},
		func(_ context.Context, req *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
			got := req.Extra.Header.Get("Authorization") + " / " + req.Extra.Header.Get("X-Key")
			if in.Text == "fail" {
				return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: "rejected " + got}}}, nil, nil
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: got}}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "whoami_structured", Description: "Says what it got, as data"},
		func(_ context.Context, req *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, whoOut, error) {
			return nil, whoOut{Seen: req.Extra.Header.Get("X-Key")}, nil
		})
	hs := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	t.Cleanup(hs.Close)
	out, err, _ := nodetest.Run(context.Background(), lookup(t), map[string]any{"url": hs.URL + "/mcp", "allow_private_network": true,
		"bearer_token": token, "headers": map[string]any{"X-Key": "k=" + key}},
		nodetest.Options{Values: map[string]any{"bearer_token": "<secret:MCP_TOKEN>", "headers": map[string]any{"X-Key": "k=<secret:MCP_KEY>"}}})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := out["tools"].(llm.ToolProvider).Tools(context.Background())
	if err != nil || len(tools) != 2 {
		t.Fatalf("list: %v %v", tools, err)
	}
	res, err := tools[0].Call(context.Background(), map[string]any{"text": "hi"})
	if err != nil || res != "Bearer [redacted] / k=[redacted]" {
		t.Errorf("text result %q, %v", res, err)
	}
	_, err = tools[0].Call(context.Background(), map[string]any{"text": "fail"})
	if err == nil || err.Error() != "rejected Bearer [redacted] / k=[redacted]" {
		t.Errorf("error result %v", err)
	}
	res, err = tools[1].Call(context.Background(), map[string]any{"text": "hi"})
	if !reflect.DeepEqual(res, map[string]any{"seen": "k=[redacted]"}) || err != nil {
		t.Errorf("structured result %v, %v", res, err)
	}
}
