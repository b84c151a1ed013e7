package httpreq

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func (f *family) requestType() *nodes.Type {
	return &nodes.Type{
		ID: "http.request", Category: category, Name: "HTTP request", Icon: "globe",
		Doc: "Sends an HTTP request and outputs the response.\n\n" +
			"**Inputs**\n\n" +
			"- `method`, `url` — the request; `query` and `headers` are rows of name → value (a list value in " +
			"`query` repeats the parameter). A null value leaves the parameter or header out (so an optional " +
			"value that is not there is not sent); an empty string sends it empty.\n" +
			"- `body` with `body_type`: `json` (the value as JSON), `form` (an object as " +
			"`application/x-www-form-urlencoded`), `multipart` (an object; a field whose value is " +
			"`{filename, content | content_base64, content_type}` is a file), `raw` (a string sent as is, other values " +
			"as JSON) or `none`. The content type is set unless `headers` gives one.\n" +
			"- `auth`: `basic` (`username`, `password`), `bearer` (`token`), `api_key_header` (`api_key` in the header " +
			"named `api_key_header`, default `X-API-Key`) or `oauth2_client_credentials` (`token_url`, `client_id`, " +
			"`client_secret`, `scope`; tokens are cached until shortly before they expire, and a 401 with a cached " +
			"token fetches a new one once).\n" +
			"- `timeout_ms` per attempt; `retries` extra attempts on 429 and 5xx answers, waiting `Retry-After` when " +
			"given (capped at 60 s) and otherwise 0.5 s, 1 s, 2 s… (capped at 30 s).\n" +
			"- `follow_redirects` (up to 10); `response_type` `auto` (JSON by content type, text when UTF-8, " +
			"otherwise base64), `json`, `text` or `base64`; text and JSON in another charset the content type " +
			"declares are decoded to UTF-8: any charset golang.org/x/text decodes, by its WHATWG label as browsers " +
			"read it (`ISO-8859-1`, `windows-1252`, `Shift_JIS`, `UTF-16`…) or its IANA name (`IBM437`, EBCDIC " +
			"`IBM037`…), and `UTF-32`. A charset none of these knows is named in `unknown_charset` and a warning: " +
			"a body that is valid UTF-8 is read as UTF-8; any other is base64 with auto (`body_encoding` says " +
			"so) and an error with text or json. `max_response_bytes` fails larger responses.\n" +
			"- `allow_private_network`: the request refuses loopback, private, link-local, multicast and cloud " +
			"metadata addresses (checked on every connection, after DNS resolution and redirects) unless set.\n" +
			"- `fail_on_error_status`: a 4xx/5xx answer fails the node (by default it succeeds with `ok` false).\n\n" +
			"**Outputs**: `status`, `headers` (lower-case names; a repeated header is a list), `body`, " +
			"`body_encoding` (json, text or base64), `unknown_charset`, `ok` (2xx), " +
			"`url` (after redirects), `duration_ms`.\n\n" +
			"**Example**: `GET https://api.example.com/items` with query `limit` = `10` outputs `status` 200 and the " +
			"parsed JSON list in `body`.",
		Inputs: []nodes.Port{
			{Name: "method", Type: nodes.String, Default: "GET", Options: methods, Editor: nodes.EditSelect, Doc: "HTTP method."},
			{Name: "url", Type: nodes.String, Required: true, Check: nodes.CheckHTTPURL, Doc: "Absolute http(s) URL."},
			{Name: "query", Type: nodes.Object, Dynamic: true, Doc: "Query parameters: name → value (lists repeat; a null value, or null in a list, is left out)."},
			{Name: "headers", Type: nodes.Object, Dynamic: true, Doc: "Request headers: name → value (a null value is left out, so a null Content-Type leaves the body's own)."},
			{Name: "body", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "The request body, encoded per body_type."},
			{Name: "body_type", Type: nodes.String, Default: "json", Options: []string{"json", "form", "multipart", "raw", "none"},
				Editor: nodes.EditSelect, Doc: "How to encode body."},
			{Name: "auth", Type: nodes.String, Default: "none",
				Options: []string{"none", "basic", "bearer", "api_key_header", "oauth2_client_credentials"},
				Editor:  nodes.EditSelect, Doc: "Authentication scheme."},
			{Name: "username", Type: nodes.String, Doc: "Basic auth user name."},
			{Name: "password", Type: nodes.Secret, Doc: "Basic auth password."},
			{Name: "token", Type: nodes.Secret, Doc: "Bearer token."},
			{Name: "api_key_header", Type: nodes.String, Default: defaultAPIKeyName, Doc: "Header that carries api_key."},
			{Name: "api_key", Type: nodes.Secret, Doc: "API key for api_key_header auth."},
			{Name: "token_url", Type: nodes.String, Doc: "OAuth2 token endpoint."},
			{Name: "client_id", Type: nodes.String, Doc: "OAuth2 client id."},
			{Name: "client_secret", Type: nodes.Secret, Doc: "OAuth2 client secret."},
			{Name: "scope", Type: nodes.String, Doc: "OAuth2 scope (space-separated)."},
			{Name: "timeout_ms", Type: nodes.Integer, Min: nodes.Bound(1), Default: float64(defaultTimeoutMS), Doc: "Timeout per attempt in milliseconds."},
			{Name: "retries", Type: nodes.Integer, Min: nodes.Bound(0), Max: nodes.Bound(maxRetries), Default: 0.0, Doc: "Extra attempts on 429/5xx (max 10)."},
			{Name: "follow_redirects", Type: nodes.Boolean, Default: true, Doc: "Follow up to 10 redirects."},
			{Name: "response_type", Type: nodes.String, Default: "auto", Options: []string{"auto", "json", "text", "base64"},
				Editor: nodes.EditSelect, Doc: "How to decode the response body."},
			{Name: "max_response_bytes", Type: nodes.Integer, Min: nodes.Bound(1), Default: float64(defaultMaxBytes), Doc: "Largest response body accepted."},
			{Name: nodes.PortAllowPrivateNetwork, Type: nodes.Boolean, Default: false,
				Doc: "Allow loopback, private, link-local and metadata addresses."},
			{Name: "fail_on_error_status", Type: nodes.Boolean, Default: false, Doc: "Fail the node on a 4xx/5xx status."},
		},
		Outputs: []nodes.Port{
			{Name: "status", Type: nodes.Integer, Doc: "HTTP status code."},
			{Name: "headers", Type: nodes.Object, Doc: "Response headers with lower-case names."},
			{Name: "body", Type: nodes.Any, Doc: "The response body, decoded per response_type."},
			{Name: "body_encoding", Type: nodes.String, Doc: "What body holds: json (parsed), text or base64 (the bytes)."},
			{Name: "unknown_charset", Type: nodes.String, Doc: "The charset the response declares when no decoder knows it, else empty."},
			{Name: "ok", Type: nodes.Boolean, Doc: "True for a 2xx status."},
			{Name: "url", Type: nodes.String, Doc: "The final URL after redirects."},
			{Name: "duration_ms", Type: nodes.Number, Doc: "Time taken, in milliseconds, including retries."},
		},
		Run: f.runRequest,
	}
}

// request is the validated input of one http.request call.
type request struct {
	method      string
	url         *url.URL
	header      http.Header
	body        []byte
	hasBody     bool
	timeout     time.Duration
	retries     int
	follow      bool
	respType    string
	maxBytes    int64
	allowPriv   bool
	failOnError bool
	auth        string
	apiKeyName  string
}

func (f *family) runRequest(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	start := time.Now()
	req, err := parseRequest(c)
	if err != nil {
		return nil, err
	}
	client := f.client(req)

	var tokKey tokenKey
	var oauthSecret string
	if req.auth == "oauth2_client_credentials" {
		tokKey, oauthSecret, err = oauthInputs(c)
		if err != nil {
			return nil, err
		}
	}

	var resp *http.Response
	var body []byte
	refreshed := false
	for attempt := 0; ; attempt++ {
		fresh := false
		if req.auth == "oauth2_client_credentials" {
			tok, isFresh, err := f.oauthToken(ctx, client, tokKey, oauthSecret)
			if err != nil {
				return nil, f.transportError(ctx, req, "token_url", err)
			}
			fresh = isFresh
			req.header.Set("Authorization", "Bearer "+tok)
		}
		resp, body, err = f.attempt(ctx, client, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && req.auth == "oauth2_client_credentials" && !fresh && !refreshed {
			// the cached token was revoked or expired early: fetch a new one once
			f.tokens.drop(tokKey)
			refreshed = true
			attempt--
			continue
		}
		if attempt >= req.retries || !retryable(resp.StatusCode) {
			break
		}
		wait := backoff(attempt)
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), f.now()); ok {
			wait = min(d, maxRetryAfter)
		}
		c.Log("HTTP %d from %s; retry %d of %d in %s", resp.StatusCode, req.url.Redacted(), attempt+1, req.retries, wait)
		if err := f.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("wait to retry %s: %w", req.url.Redacted(), err)
		}
	}

	if req.failOnError && resp.StatusCode >= 400 {
		return nil, fmt.Errorf("%s %s answered %d %s: %s", req.method, req.url.Redacted(), resp.StatusCode,
			http.StatusText(resp.StatusCode), snippet(body))
	}
	ctype := resp.Header.Get("Content-Type")
	decoded, bodyEncoding, err := decodeBody(body, ctype, req.respType)
	if err != nil {
		return nil, err
	}
	if msg := brokenJSON(body, ctype, req.respType, decoded); msg != "" {
		c.Warn("%s", msg)
	}
	if msg := unknownCharset(body, ctype, req.respType, bodyEncoding); msg != "" {
		c.Warn("%s", msg)
	}
	_, unknown := charsetOf(ctype)
	return nodes.Out{
		"status":          float64(resp.StatusCode),
		"headers":         headerMap(resp.Header),
		"body":            decoded,
		"body_encoding":   bodyEncoding,
		"unknown_charset": unknown,
		"ok":              resp.StatusCode/100 == 2,
		"url":             resp.Request.URL.String(),
		"duration_ms":     float64(time.Since(start).Microseconds()) / 1000,
	}, nil
}

func retryable(status int) bool { return status == http.StatusTooManyRequests || status >= 500 }

// backoff is the exponential wait before retry n (from 0) when no Retry-After is given.
func backoff(n int) time.Duration {
	d := baseBackoff
	for i := 0; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

func (f *family) client(req *request) *http.Client {
	tr := f.guarded
	if req.allowPriv {
		tr = f.open
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if !req.follow {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return &redirectsError{to: r.URL.Redacted()}
			}
			if r.URL.Host != via[0].URL.Host {
				// credentials are for the original host only
				r.Header.Del("Authorization")
				if req.apiKeyName != "" {
					r.Header.Del(req.apiKeyName)
				}
			}
			return nil
		},
	}
}

// redirectsError stops a request that was redirected more than maxRedirects times.
type redirectsError struct{ to string }

func (e *redirectsError) Error() string {
	return fmt.Sprintf("stopped after %d redirects, the last to %s (a redirect loop?); with follow_redirects off the node "+
		"outputs the first redirect itself", maxRedirects, e.to)
}

// attempt sends the request once and reads the body within the per-attempt timeout.
func (f *family) attempt(ctx context.Context, client *http.Client, req *request) (*http.Response, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	var rd io.Reader
	if req.hasBody {
		rd = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(actx, req.method, req.url.String(), rd)
	if err != nil {
		return nil, nil, nodes.Errorf("url", "cannot build the request: %v", err)
	}
	hr.Header = req.header.Clone()
	if h := hr.Header.Get("Host"); h != "" {
		hr.Host = h
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, nil, f.transportError(ctx, req, "url", err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > req.maxBytes {
		return nil, nil, nodes.Errorf("max_response_bytes", "the response is %d bytes, more than the limit of %d",
			resp.ContentLength, req.maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, req.maxBytes+1))
	if err != nil {
		return nil, nil, f.transportError(ctx, req, "url", fmt.Errorf("read the response: %w", err))
	}
	if int64(len(body)) > req.maxBytes {
		return nil, nil, nodes.Errorf("max_response_bytes", "the response is larger than the limit of %d bytes", req.maxBytes)
	}
	return resp, body, nil
}

// transportError explains a failed exchange: a refused address names the port it came
// from, a per-attempt timeout names timeout_ms, a cancelled run returns the context error.
func (f *family) transportError(ctx context.Context, req *request, port string, err error) error {
	var be *BlockedError
	if errors.As(err, &be) {
		return nodes.Errorf(port, "%v", be)
	}
	if re, ok := errors.AsType[*redirectsError](err); ok {
		return nodes.Errorf("follow_redirects", "%s %s: %v", req.method, req.url.Redacted(), re)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", req.method, req.url.Redacted(), ctx.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nodes.Errorf("timeout_ms", "no complete response from %s within %d ms", req.url.Host, req.timeout.Milliseconds())
	}
	return fmt.Errorf("%s %s: %w", req.method, req.url.Redacted(), err)
}

func parseRequest(c *nodes.Call) (*request, error) {
	r := &request{header: http.Header{}}
	r.method = strings.ToUpper(strings.TrimSpace(c.Str("method")))
	if r.method == "" {
		r.method = http.MethodGet
	}
	if !validMethod(r.method) {
		return nil, nodes.Errorf("method", "%q is not an HTTP method (one of %s)", c.Str("method"), strings.Join(methods, ", "))
	}
	raw := strings.TrimSpace(c.Str("url"))
	if raw == "" {
		return nil, nodes.Errorf("url", "is required")
	}
	u, err := nodes.HTTPURL(raw)
	if err != nil {
		return nil, nodes.Errorf("url", "%v", err)
	}
	r.url = u
	if c.Has("query") {
		q, err := c.Map("query")
		if err != nil {
			return nil, err
		}
		vals := u.Query()
		for _, k := range sortedKeys(q) {
			// null leaves the parameter out (an optional value not given); "" sends k=
			switch v := q[k].(type) {
			case []any:
				for _, e := range v {
					if e != nil {
						vals.Add(k, nodes.ToString(e))
					}
				}
			case nil:
			default:
				vals.Add(k, nodes.ToString(v))
			}
		}
		u.RawQuery = vals.Encode()
	}
	if c.Has("headers") {
		h, err := c.Map("headers")
		if err != nil {
			return nil, err
		}
		for _, k := range sortedKeys(h) {
			if !validHeaderName(k) {
				return nil, nodes.Errorf("headers", "%q is not a valid header name", k)
			}
			if h[k] == nil {
				continue // null leaves the header out; "" sends it empty
			}
			v := nodes.ToString(h[k])
			if why := headerValueProblem(v); why != "" {
				return nil, nodes.Errorf("headers", "header %q %s", k, why)
			}
			r.header.Set(k, v)
		}
	}
	if err := encodeBody(c, r); err != nil {
		return nil, err
	}
	if err := setAuth(c, r); err != nil {
		return nil, err
	}
	ms, err := c.IntOr("timeout_ms", defaultTimeoutMS)
	if err != nil {
		return nil, err
	}
	r.timeout = time.Duration(ms) * time.Millisecond
	if r.retries, err = c.IntOr("retries", 0); err != nil {
		return nil, err
	}
	r.follow = c.Bool("follow_redirects") || c.In["follow_redirects"] == nil
	r.respType = strings.ToLower(c.Str("response_type"))
	switch r.respType {
	case "":
		r.respType = "auto"
	case "auto", "json", "text", "base64":
	default:
		return nil, nodes.Errorf("response_type", "%q is not one of auto, json, text, base64", r.respType)
	}
	max, err := c.IntOr("max_response_bytes", defaultMaxBytes)
	if err != nil {
		return nil, err
	}
	r.maxBytes = int64(max)
	r.allowPriv = c.Bool(nodes.PortAllowPrivateNetwork)
	r.failOnError = c.Bool("fail_on_error_status")
	return r, nil
}

func validMethod(m string) bool {
	for _, x := range methods {
		if m == x {
			return true
		}
	}
	return false
}

// headerValueProblem says why v cannot be sent as a header value ("" when it can): a line
// break, or another control character but a tab (Go's client refuses them, naming only the
// header).
func headerValueProblem(v string) string {
	for _, ch := range v {
		switch {
		case ch == '\r' || ch == '\n':
			return "contains a line break"
		case (ch < ' ' && ch != '\t') || ch == 0x7f:
			return fmt.Sprintf("contains the control character U+%04X", ch)
		}
	}
	return ""
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, ch := range k {
		if ch <= ' ' || ch >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, ch) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// encodeBody fills r.body and the content type from body and body_type.
func encodeBody(c *nodes.Call, r *request) error {
	bt := strings.ToLower(c.Str("body_type"))
	if bt == "" {
		bt = "json"
	}
	v := c.Get("body")
	if bt == "none" || v == nil || r.method == http.MethodGet && v == "" || r.method == http.MethodHead {
		switch bt {
		case "json", "form", "multipart", "raw", "none":
			return nil
		}
		return nodes.Errorf("body_type", "%q is not one of json, form, multipart, raw, none", bt)
	}
	ctype := ""
	switch bt {
	case "json":
		b, err := json.Marshal(v)
		if err != nil {
			return nodes.Errorf("body", "cannot be encoded as JSON: %v", err)
		}
		r.body, ctype = b, "application/json"
	case "form":
		switch x := v.(type) {
		case string:
			r.body = []byte(x)
		case map[string]any:
			vals := url.Values{}
			for _, k := range sortedKeys(x) {
				if l, ok := x[k].([]any); ok {
					for _, e := range l {
						vals.Add(k, nodes.ToString(e))
					}
					continue
				}
				vals.Add(k, nodes.ToString(x[k]))
			}
			r.body = []byte(vals.Encode())
		default:
			return nodes.Errorf("body", "a form body must be an object or an encoded string, got %s", nodes.Describe(v))
		}
		ctype = "application/x-www-form-urlencoded"
	case "multipart":
		m, ok := v.(map[string]any)
		if !ok {
			return nodes.Errorf("body", "a multipart body must be an object of fields, got %s", nodes.Describe(v))
		}
		b, ct, err := encodeMultipart(m)
		if err != nil {
			return err
		}
		r.body, ctype = b, ct
	case "raw":
		switch x := v.(type) {
		case string:
			r.body, ctype = []byte(x), "text/plain; charset=utf-8"
		case []byte:
			r.body, ctype = x, "application/octet-stream"
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nodes.Errorf("body", "cannot be encoded: %v", err)
			}
			r.body, ctype = b, "application/json"
		}
	default:
		return nodes.Errorf("body_type", "%q is not one of json, form, multipart, raw, none", bt)
	}
	r.hasBody = true
	if r.header.Get("Content-Type") == "" {
		r.header.Set("Content-Type", ctype)
	} else if bt == "multipart" {
		// the boundary is ours: a given multipart content type would not match it
		r.header.Set("Content-Type", ctype)
	}
	return nil
}

func encodeMultipart(m map[string]any) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range sortedKeys(m) {
		vals, ok := m[k].([]any)
		if !ok {
			vals = []any{m[k]}
		}
		for _, v := range vals {
			if err := writePart(w, k, v); err != nil {
				return nil, "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("close multipart body: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

func writePart(w *multipart.Writer, name string, v any) error {
	file, ok := v.(map[string]any)
	if !ok || file["filename"] == nil {
		if ok || isList(v) {
			b, err := json.Marshal(v)
			if err != nil {
				return nodes.Errorf("body", "field %q cannot be encoded: %v", name, err)
			}
			return w.WriteField(name, string(b))
		}
		return w.WriteField(name, nodes.ToString(v))
	}
	var content []byte
	switch {
	case file["content_base64"] != nil:
		b, err := base64.StdEncoding.DecodeString(nodes.ToString(file["content_base64"]))
		if err != nil {
			return nodes.Errorf("body", "field %q: content_base64 is not base64: %v", name, err)
		}
		content = b
	default:
		content = []byte(nodes.ToString(file["content"]))
	}
	ct := nodes.ToString(file["content_type"])
	if ct == "" {
		ct = "application/octet-stream"
	}
	if strings.ContainsAny(ct, "\r\n") {
		return nodes.Errorf("body", "field %q: content_type contains a line break", name)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", formDisposition(name, nodes.ToString(file["filename"])))
	h.Set("Content-Type", ct)
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("write multipart field %q: %w", name, err)
	}
	if _, err := pw.Write(content); err != nil {
		return fmt.Errorf("write multipart field %q: %w", name, err)
	}
	return nil
}

// dispositionEscaper escapes a quoted name or filename: quotes and backslashes as Go's
// multipart writer does, line breaks percent-encoded as browsers do.
var dispositionEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "%0D", "\n", "%0A")

// formDisposition is a file part's Content-Disposition as browsers and Go's
// multipart.Writer.CreateFormFile write it (RFC 7578 §4.2): the name and the filename quoted,
// in UTF-8. Not mime.FormatMediaType's RFC 2231 filename*=utf-8 encoding for a filename that is
// not plain ASCII, which RFC 7578 forbids and servers such as PHP's ignore.
func formDisposition(name, filename string) string {
	return `form-data; name="` + dispositionEscaper.Replace(name) + `"; filename="` + dispositionEscaper.Replace(filename) + `"`
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

func setAuth(c *nodes.Call, r *request) error {
	r.auth = strings.ToLower(c.Str("auth"))
	switch r.auth {
	case "", "none":
		r.auth = "none"
	case "basic":
		if c.Str("username") == "" {
			return nodes.Errorf("username", "is required for basic auth")
		}
		if strings.Contains(c.Str("username"), ":") {
			// the server takes everything after the first colon as the password
			return nodes.Errorf("username", "contains a colon, which basic auth cannot send in a username (RFC 7617)")
		}
		if why := headerValueProblem(c.Str("username")); why != "" {
			return nodes.Errorf("username", "%s", why)
		}
		req := &http.Request{Header: r.header}
		req.SetBasicAuth(c.Str("username"), c.Str("password"))
	case "bearer":
		if c.Str("token") == "" {
			return nodes.Errorf("token", "is required for bearer auth")
		}
		if why := headerValueProblem(c.Str("token")); why != "" {
			return nodes.Errorf("token", "%s (copied with the token?)", why)
		}
		r.header.Set("Authorization", "Bearer "+c.Str("token"))
	case "api_key_header":
		name := c.Str("api_key_header")
		if name == "" {
			name = defaultAPIKeyName
		}
		if !validHeaderName(name) {
			return nodes.Errorf("api_key_header", "%q is not a valid header name", name)
		}
		if c.Str("api_key") == "" {
			return nodes.Errorf("api_key", "is required for api_key_header auth")
		}
		if why := headerValueProblem(c.Str("api_key")); why != "" {
			return nodes.Errorf("api_key", "%s (copied with the key?)", why)
		}
		r.header.Set(name, c.Str("api_key"))
		r.apiKeyName = name
	case "oauth2_client_credentials":
		// the token is fetched per attempt (from the cache when valid)
	default:
		return nodes.Errorf("auth", "%q is not one of none, basic, bearer, api_key_header, oauth2_client_credentials", r.auth)
	}
	return nil
}

func oauthInputs(c *nodes.Call) (tokenKey, string, error) {
	tu := strings.TrimSpace(c.Str("token_url"))
	if tu == "" {
		return tokenKey{}, "", nodes.Errorf("token_url", "is required for oauth2_client_credentials auth")
	}
	u, err := url.Parse(tu)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return tokenKey{}, "", nodes.Errorf("token_url", "%q is not an absolute http(s) URL", tu)
	}
	if c.Str("client_id") == "" {
		return tokenKey{}, "", nodes.Errorf("client_id", "is required for oauth2_client_credentials auth")
	}
	return tokenKey{tokenURL: tu, clientID: c.Str("client_id"), scope: c.Str("scope")}, c.Str("client_secret"), nil
}

// charsetOf is the decoder for the charset a content type declares, or nil when it declares
// none or UTF-8 (or its subset US-ASCII). A declared charset is looked up as browsers read
// labels (WHATWG), then in IANA's registry, both as golang.org/x/text knows them (IBM437,
// EBCDIC IBM037…), and UTF-32; unknown is the declared name when none has a decoder for it.
func charsetOf(ctype string) (enc encoding.Encoding, unknown string) {
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil, ""
	}
	name := strings.TrimSpace(params["charset"])
	cs := strings.ToLower(name)
	switch cs {
	case "", "utf-8", "utf8", "us-ascii":
		return nil, ""
	case "utf-32":
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM), ""
	case "utf-32be":
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), ""
	case "utf-32le":
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), ""
	}
	if enc, err := htmlindex.Get(cs); err == nil {
		if enc == unicode.UTF8 {
			return nil, ""
		}
		return enc, ""
	}
	for _, index := range []*ianaindex.Index{ianaindex.IANA, ianaindex.MIME} {
		if enc, err := index.Encoding(cs); err == nil && enc != nil {
			if enc == unicode.UTF8 {
				return nil, ""
			}
			return enc, ""
		}
	}
	return nil, name
}

// Body encodings: what the body output holds.
const (
	bodyJSON   = "json"
	bodyText   = "text"
	bodyBase64 = "base64"
)

// decodeBody turns the response body into the output value per response_type, and says what
// it holds (bodyJSON, bodyText or bodyBase64). Text and JSON in a charset the content type
// declares are decoded to UTF-8 first. In a charset no decoder knows, a body that is valid
// UTF-8 is read as UTF-8; any other is an error naming the charset for text and json, and
// base64 for auto (the caller says why).
func decodeBody(b []byte, ctype, respType string) (any, string, error) {
	enc, unknown := charsetOf(ctype)
	if enc != nil && respType != "base64" {
		if u, err := enc.NewDecoder().Bytes(b); err == nil {
			b = u
		}
	}
	if unknown != "" && !utf8.Valid(b) && (respType == "text" || respType == "json") {
		return nil, "", nodes.Errorf("response_type", "the response's charset %q is unknown (no decoder for it in "+
			"the WHATWG or IANA lists) and the body is not UTF-8, so it cannot be read as %s: set response_type "+
			"base64 to take its bytes", unknown, respType)
	}
	switch respType {
	case "text":
		return string(b), bodyText, nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), bodyBase64, nil
	case "json":
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, bodyJSON, nil
		}
		v, err := jsonvalue.Unmarshal(b)
		if err != nil {
			return nil, "", nodes.Errorf("response_type", "the response is not JSON: %v (body starts %q)", err, snippet(b))
		}
		return v, bodyJSON, nil
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, bodyJSON, nil
		}
		if v, err := jsonvalue.Unmarshal(b); err == nil {
			return v, bodyJSON, nil
		}
	}
	if utf8.Valid(b) {
		return string(b), bodyText, nil
	}
	return base64.StdEncoding.EncodeToString(b), bodyBase64, nil
}

// unknownCharset explains what became of a body in a charset no decoder knows ("" when the
// charset is known, or the body is ASCII, which reads the same in nearly every charset).
func unknownCharset(b []byte, ctype, respType, bodyEncoding string) string {
	_, unknown := charsetOf(ctype)
	if unknown == "" || respType == "base64" {
		return ""
	}
	if bodyEncoding == bodyBase64 {
		return fmt.Sprintf("the response's charset %q is unknown (no decoder for it in the WHATWG or IANA lists) "+
			"and the body is not UTF-8, so body is its bytes in base64 (body_encoding base64)", unknown)
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return fmt.Sprintf("the response's charset %q is unknown (no decoder for it in the WHATWG or IANA "+
				"lists); the body is valid UTF-8 and was read as UTF-8", unknown)
		}
	}
	return ""
}

// brokenJSON explains why a response that declares a JSON content type came out as text with
// response_type auto ("" when it did not).
func brokenJSON(b []byte, ctype, respType string, decoded any) string {
	if respType != "auto" {
		return ""
	}
	if _, ok := decoded.(string); !ok {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return ""
	}
	if enc, _ := charsetOf(ctype); enc != nil {
		if u, err := enc.NewDecoder().Bytes(b); err == nil {
			b = u
		}
	}
	if _, err := jsonvalue.Unmarshal(b); err != nil {
		return fmt.Sprintf("the response says %s but is not JSON (%v; body starts %q), so body is its text; "+
			"set response_type json to fail instead", mt, err, snippet(b))
	}
	return ""
}

// headerMap lower-cases header names; a header sent several times becomes a list.
func headerMap(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, vs := range h {
		k = strings.ToLower(k)
		if len(vs) == 1 {
			out[k] = vs[0]
			continue
		}
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}
