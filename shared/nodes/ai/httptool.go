package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

// maxToolBody caps the response body an HTTP tool reads.
const maxToolBody = 1 << 20

// placeholder is a {name} in an HTTP tool's URL.
var placeholder = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)\}`)

func (f *family) httpToolType() *nodes.Type {
	return &nodes.Type{
		ID: "ai.http_tool", Category: category, Name: "HTTP tool", Icon: "globe", Service: llm.KindTool,
		Doc: "A tool an **Agent** can call: an HTTP request built from the model's arguments. Describe what it " +
			"does and its parameters (a JSON schema) so the model knows when and how to call it. It is a service: " +
			"connect its `tool` output to an Agent's `tools` input.\n\n" +
			"Arguments named in the URL as `{name}` are put into the path (escaped); the others go into the query " +
			"string for GET, DELETE and HEAD, or into a JSON body for POST, PUT and PATCH. A JSON answer is parsed; " +
			"an HTTP error status is reported to the model as the tool's error. Values the URL and headers take from " +
			"secrets (`<secret:…>`) are replaced by `[redacted]` in answers and errors, so an API that echoes them " +
			"does not hand them to the model.\n\n" +
			"URLs are built from the model's arguments, so the network guard applies: " + netguard.Doc + "\n\n" +
			"**Inputs**\n\n- `name` — the tool's name as the model sees it (letters, digits, `_`, `-`).\n" +
			"- `description` — what it does and when to use it.\n- `method`, `url` — the request, e.g. " +
			"`GET https://api.example.com/orders/{id}`.\n- `parameters` — JSON schema of the arguments " +
			"(an object schema).\n- `headers` — request headers (values may be secrets).\n" +
			"- `needs_confirmation` — pause the run for a human to approve each call.\n- `timeout` — seconds (default 30).\n" +
			"- `allow_private_network` — allow private and loopback addresses.\n\n" +
			"**Outputs**\n\n- `tool` — the tool service.\n\n" +
			"**Example**: name `get_order`, url `https://shop.example.com/api/orders/{id}`, parameters " +
			"`{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}`.",
		Inputs: []nodes.Port{
			{Name: "name", Type: nodes.String, Required: true, Doc: "The tool's name."},
			{Name: "description", Type: nodes.String, Required: true, Doc: "What the tool does, for the model."},
			{Name: "method", Type: nodes.String, Default: "GET", Options: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}, Doc: "The HTTP method."},
			{Name: "url", Type: nodes.String, Required: true, Doc: "The URL; {name} places an argument in it."},
			{Name: "parameters", Type: nodes.Object, Doc: "JSON schema of the arguments."},
			{Name: "headers", Type: nodes.Object, Doc: "Request headers."},
			{Name: "needs_confirmation", Type: nodes.Boolean, Default: false, Pauses: true, Doc: "Pause for approval before each call."},
			{Name: "timeout", Type: nodes.Number, Default: 30.0, Doc: "Seconds a call may take."},
			netguard.Port(),
		},
		Outputs: []nodes.Port{{Name: "tool", Type: nodes.ServiceType(llm.KindTool), Doc: "The tool service."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			t, err := f.newHTTPTool(c)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"tool": t}, nil
		},
	}
}

// HTTPTool is the tool ai.http_tool hands out. It is both an llm.Tool and an
// llm.ToolProvider (of itself).
type HTTPTool struct {
	spec    llm.ToolSpec
	method  string
	url     string
	shown   string // the URL as errors name it: as written, secrets as placeholders
	headers map[string]string
	confirm bool
	timeout time.Duration
	client  *http.Client
	// secrets are the values resolved from <secret:…> in the URL and headers: an API may
	// echo them, and the answer goes to the model and its provider.
	secrets *llm.Redactor
}

func (f *family) newHTTPTool(c *nodes.Call) (*HTTPTool, error) {
	name := strings.TrimSpace(c.Str("name"))
	if !llm.ValidToolName(name) {
		return nil, nodes.Errorf("name", "%q: use 1–64 letters, digits, _ or -", name)
	}
	desc := strings.TrimSpace(c.Str("description"))
	if desc == "" {
		return nil, nodes.Errorf("description", "describe what the tool does so the model knows when to call it")
	}
	method := strings.ToUpper(strings.TrimSpace(c.Str("method")))
	if method == "" {
		method = http.MethodGet
	}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead:
	default:
		return nil, nodes.Errorf("method", "%q is not one of GET, POST, PUT, PATCH, DELETE, HEAD", method)
	}
	raw := strings.TrimSpace(c.Str("url"))
	probe := placeholder.ReplaceAllString(raw, "x")
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nodes.Errorf("url", "%q is not an absolute http(s) URL", raw)
	}
	params := map[string]any{"type": "object", "properties": map[string]any{}}
	if c.Has("parameters") && c.Get("parameters") != "" {
		s, err := schemaInput(c, "parameters", name)
		if err != nil {
			return nil, err
		}
		if s != nil {
			params = s.Schema
			if _, ok := params["type"]; !ok {
				params["type"] = "object"
			}
		}
	}
	headers := map[string]string{}
	if c.Has("headers") {
		hm, err := c.Map("headers")
		if err != nil {
			return nil, err
		}
		for k, v := range hm {
			if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " :\r\n") {
				return nil, nodes.Errorf("headers", "%q is not a valid header name", k)
			}
			headers[k] = nodes.ToString(v)
		}
	}
	secs, err := c.Float("timeout")
	if err != nil {
		return nil, err
	}
	if secs <= 0 || secs > 900 {
		return nil, nodes.Errorf("timeout", "must be between 0 and 900 seconds, got %v", secs)
	}
	client := &http.Client{Transport: f.transport(c.Bool(netguard.PortName)), CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return fmt.Errorf("stopped after %d redirects", len(via))
		}
		if r.URL.Host != via[0].URL.Host {
			for k := range headers {
				r.Header.Del(k) // credentials are for the original host only
			}
		}
		return nil
	}}
	return &HTTPTool{spec: llm.ToolSpec{Name: name, Description: desc, Parameters: params}, method: method, url: raw, shown: shownURL(c, u),
		headers: headers, confirm: c.Bool("needs_confirmation"), timeout: time.Duration(secs * float64(time.Second)), client: client,
		secrets: toolSecrets(c, raw, headers)}, nil
}

// toolSecrets are the values the tool's URL and headers were resolved with from <secret:…>
// placeholders in their literal values (c.Values).
func toolSecrets(c *nodes.Call, rawURL string, headers map[string]string) *llm.Redactor {
	r := &llm.Redactor{}
	if s, ok := c.Values["url"].(string); ok {
		r.AddResolved(strings.TrimSpace(s), rawURL)
	}
	if lh, ok := c.Values["headers"].(map[string]any); ok {
		for k, v := range lh {
			if s, ok := v.(string); ok {
				r.AddResolved(s, headers[k])
			}
		}
	}
	return r
}

// shownURL is the tool's URL for error messages: the node's literal url value when it has
// one (secrets still as <secret:KEY>), else the resolved URL's scheme and host only.
func shownURL(c *nodes.Call, resolved *url.URL) string {
	if s, ok := c.Values["url"].(string); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	return resolved.Scheme + "://" + resolved.Host + "/…"
}

// Spec describes the tool to the model.
func (t *HTTPTool) Spec() llm.ToolSpec { return t.spec }

// NeedsConfirmation reports whether each call waits for a human's approval.
func (t *HTTPTool) NeedsConfirmation() bool { return t.confirm }

// Tools returns the tool itself (an HTTP tool service provides one tool).
func (t *HTTPTool) Tools(context.Context) ([]llm.Tool, error) { return []llm.Tool{t}, nil }

// Describe names the tool for run records.
func (t *HTTPTool) Describe() string { return "http tool " + t.spec.Name }

// MarshalJSON shows the tool as its description (header values never reach run records).
func (t *HTTPTool) MarshalJSON() ([]byte, error) { return json.Marshal(t.Describe()) }

// Call sends the request with the model's arguments and returns the decoded answer.
func (t *HTTPTool) Call(ctx context.Context, args map[string]any) (any, error) {
	rest := map[string]any{}
	for k, v := range args {
		rest[k] = v
	}
	var missing []string
	target := placeholder.ReplaceAllStringFunc(t.url, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := args[name]
		if !ok || v == nil {
			missing = append(missing, name)
			return m
		}
		delete(rest, name)
		return url.PathEscape(nodes.ToString(v))
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing argument %s for the URL", t.spec.Name, strings.Join(missing, ", "))
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%s: build the URL: %w", t.spec.Name, err)
	}
	var body io.Reader
	switch t.method {
	case http.MethodGet, http.MethodDelete, http.MethodHead:
		q := u.Query()
		keys := make([]string, 0, len(rest))
		for k := range rest {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch v := rest[k].(type) {
			case nil:
			case []any:
				for _, e := range v {
					q.Add(k, nodes.ToString(e))
				}
			default:
				q.Set(k, nodes.ToString(v))
			}
		}
		u.RawQuery = q.Encode()
	default:
		b, err := json.Marshal(rest)
		if err != nil {
			return nil, fmt.Errorf("%s: encode the arguments: %w", t.spec.Name, err)
		}
		body = bytes.NewReader(b)
	}
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, t.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: build the request: %w", t.spec.Name, err)
	}
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
	req.Header.Set("User-Agent", "PolySynergy-Agent/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		// The error goes to the model: it names the URL as the flow wrote it, never as
		// resolved (a secret in its path or query would be sent to the model's provider).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() == context.DeadlineExceeded && outer.Err() == nil {
			err = fmt.Errorf("no answer within the tool's timeout of %s", t.timeout)
		}
		return nil, fmt.Errorf("%s: %s %s: %w", t.spec.Name, t.method, t.shown, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxToolBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read the answer: %w", t.spec.Name, err)
	}
	if len(data) > maxToolBody {
		return nil, fmt.Errorf("%s: the answer is larger than %d bytes", t.spec.Name, maxToolBody)
	}
	if resp.StatusCode >= 400 {
		return nil, fmt.Errorf("%s: HTTP %d: %s", t.spec.Name, resp.StatusCode, preview(t.secrets.Text(strings.TrimSpace(string(data))), 500))
	}
	trimmed := bytes.TrimSpace(data)
	if strings.Contains(resp.Header.Get("Content-Type"), "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')) {
		if v, err := jsonvalue.Unmarshal(trimmed); err == nil {
			return t.secrets.Value(v), nil
		}
	}
	return t.secrets.Text(string(data)), nil
}
