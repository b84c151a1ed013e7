package trigger

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"polysynergy/shared/nodes"
)

// HTTPRequest is the trigger data of a run started by an HTTP request on a published
// route. The router builds it from the incoming request; the CLI and the editor build it
// from JSON. Its JSON form (see Map) is what the flow sees as `trigger`.
type HTTPRequest struct {
	// Method is the upper-case HTTP method.
	Method string `json:"method"`
	// Path is the request path without the query string.
	Path string `json:"path"`
	// Host is the Host header the request arrived with.
	Host string `json:"host"`
	// SourceIP is the client's address as the front door saw it.
	SourceIP string `json:"source_ip"`
	// Headers holds the request headers by lower-cased name; repeated headers are
	// joined with "," (as API Gateway combines them).
	Headers map[string]string `json:"headers"`
	// Query holds the query string's values by key; repeated keys keep every value.
	Query map[string][]string `json:"query"`
	// Cookies holds the request cookies by name (the first of repeated names).
	Cookies map[string]string `json:"cookies"`
	// Params holds the route's typed path variables (numbers as float64).
	Params map[string]any `json:"params"`
	// Body is the raw body as text, or its base64 encoding when IsBase64 is set.
	Body string `json:"body"`
	// IsBase64 reports that Body is base64 (a binary body).
	IsBase64 bool `json:"is_base64"`
}

// FieldError reports a field of trigger data that could not be read or decoded.
type FieldError = nodes.RequestError

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Header returns the value of header name, ignoring case ("" when absent).
func (r HTTPRequest) Header(name string) string {
	if v, ok := r.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Map returns the request in the JSON-like form flows see as trigger data: headers,
// cookies and params as objects, query as an object of string lists. Empty maps are
// present as empty objects, never null.
func (r HTTPRequest) Map() map[string]any {
	headers := make(map[string]any, len(r.Headers))
	for k, v := range r.Headers {
		headers[k] = v
	}
	cookies := make(map[string]any, len(r.Cookies))
	for k, v := range r.Cookies {
		cookies[k] = v
	}
	params := make(map[string]any, len(r.Params))
	for k, v := range r.Params {
		params[k] = nodes.Clone(v)
	}
	return map[string]any{
		"method":    r.Method,
		"path":      r.Path,
		"host":      r.Host,
		"source_ip": r.SourceIP,
		"headers":   headers,
		"query":     queryAll(r.Query),
		"cookies":   cookies,
		"params":    params,
		"body":      r.Body,
		"is_base64": r.IsBase64,
	}
}

// queryAll turns query values into an object of string lists.
func queryAll(q map[string][]string) map[string]any {
	out := make(map[string]any, len(q))
	for k, vs := range q {
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}

// RequestFromTrigger reads an HTTP request from trigger data: an HTTPRequest (or a
// pointer to one), its Map form, or anything whose JSON has that shape. It is lenient:
// header names are lower-cased and a header may hold a list (joined with ","); a query
// value may be a string or a list and the query itself a raw query string; a query
// string left on the path is moved into Query; cookies may be an object, a list of
// "name=value" strings or a Cookie header, and are taken from the cookie header when
// absent; an object or list body is encoded as JSON. Errors name the field.
func RequestFromTrigger(v any) (HTTPRequest, error) {
	switch x := v.(type) {
	case HTTPRequest:
		return x.normalized(), nil
	case *HTTPRequest:
		if x == nil {
			return HTTPRequest{}, fieldErr("request", "expected an HTTP request, got nothing")
		}
		return x.normalized(), nil
	case map[string]any:
		return requestFromMap(x)
	case nodes.Out:
		return requestFromMap(map[string]any(x))
	case nil:
		return HTTPRequest{}, fieldErr("request", "expected an HTTP request, got nothing")
	}
	if m, ok := nodes.Normalize(v).(map[string]any); ok {
		return requestFromMap(m)
	}
	return HTTPRequest{}, fieldErr("request", "expected an object holding an HTTP request, got %s", nodes.Describe(v))
}

// normalized returns a copy with an upper-case method, lower-case header names and
// non-nil maps.
func (r HTTPRequest) normalized() HTTPRequest {
	out := r
	out.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	out.Headers = make(map[string]string, len(r.Headers))
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic joins when names differ only by case
	for _, k := range names {
		addHeader(out.Headers, k, r.Headers[k])
	}
	out.Query = make(map[string][]string, len(r.Query))
	for k, vs := range r.Query {
		out.Query[k] = append([]string{}, vs...)
	}
	out.Cookies = make(map[string]string, len(r.Cookies))
	for k, v := range r.Cookies {
		out.Cookies[k] = v
	}
	out.Params = make(map[string]any, len(r.Params))
	for k, v := range r.Params {
		out.Params[k] = nodes.Clone(v)
	}
	if len(out.Cookies) == 0 {
		if h := out.Headers["cookie"]; h != "" {
			out.Cookies = ParseCookieHeader(h)
		}
	}
	return out
}

func addHeader(h map[string]string, name, value string) {
	k := strings.ToLower(name)
	if prev, ok := h[k]; ok {
		h[k] = prev + ", " + value
		return
	}
	h[k] = value
}

func requestFromMap(m map[string]any) (HTTPRequest, error) {
	var r HTTPRequest
	var err error
	if r.Method, err = optString(m, "method"); err != nil {
		return r, err
	}
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	if r.Path, err = optString(m, "path"); err != nil {
		return r, err
	}
	if r.Host, err = optString(m, "host"); err != nil {
		return r, err
	}
	if r.SourceIP, err = optString(m, "source_ip"); err != nil {
		return r, err
	}
	if r.Headers, err = readHeaders(m["headers"]); err != nil {
		return r, err
	}
	if r.Query, err = readQuery(m["query"]); err != nil {
		return r, err
	}
	if path, raw, ok := strings.Cut(r.Path, "?"); ok {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return r, fieldErr("path", "query string %q: %v", raw, err)
		}
		r.Path = path
		for k, vs := range q {
			r.Query[k] = append(vs, r.Query[k]...)
		}
	}
	if r.Cookies, err = readCookies(m["cookies"]); err != nil {
		return r, err
	}
	if len(r.Cookies) == 0 && r.Headers["cookie"] != "" {
		r.Cookies = ParseCookieHeader(r.Headers["cookie"])
	}
	if r.Params, err = readParams(m["params"]); err != nil {
		return r, err
	}
	if r.IsBase64, err = readBool(m["is_base64"], "is_base64"); err != nil {
		return r, err
	}
	switch b := m["body"].(type) {
	case nil:
	case string:
		r.Body = b
	case []byte:
		if r.IsBase64 || !utf8.Valid(b) {
			r.Body, r.IsBase64 = base64.StdEncoding.EncodeToString(b), true
		} else {
			r.Body = string(b)
		}
	case map[string]any, []any, nodes.Out:
		enc, err := json.Marshal(b)
		if err != nil {
			return r, fieldErr("body", "cannot encode the object as JSON: %v", err)
		}
		if r.IsBase64 {
			return r, fieldErr("body", "is_base64 is set but the body is an object, not base64 text")
		}
		r.Body = string(enc)
	default:
		return r, fieldErr("body", "expected a string (or an object to send as JSON), got %s", nodes.Describe(b))
	}
	return r, nil
}

func optString(m map[string]any, field string) (string, error) {
	switch x := m[field].(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	}
	return "", fieldErr(field, "expected a string, got %s", nodes.Describe(m[field]))
}

func readBool(v any, field string) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no", "":
			return false, nil
		}
	}
	return false, fieldErr(field, "expected true or false, got %s", nodes.Describe(v))
}

// scalarString formats a header, query or cookie value that is a string, number or boolean.
func scalarString(v any) (string, bool) {
	switch v.(type) {
	case string, bool, float64, float32, int, int64, int32, uint, uint64, json.Number:
		return nodes.ToString(v), true
	}
	return "", false
}

func readHeaders(v any) (map[string]string, error) {
	h := map[string]string{}
	switch x := v.(type) {
	case nil:
		return h, nil
	case map[string]string:
		for _, k := range sortedKeys(x) {
			addHeader(h, k, x[k])
		}
		return h, nil
	case map[string][]string:
		for _, k := range sortedKeys(x) {
			addHeader(h, k, strings.Join(x[k], ", "))
		}
		return h, nil
	case http.Header:
		for _, k := range sortedKeys(x) {
			addHeader(h, k, strings.Join(x[k], ", "))
		}
		return h, nil
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if s, ok := scalarString(x[k]); ok {
				addHeader(h, k, s)
				continue
			}
			l, ok := nodes.ToList(x[k])
			if !ok {
				return nil, fieldErr("headers", "header %q: expected a string or a list of strings, got %s", k, nodes.Describe(x[k]))
			}
			parts := make([]string, len(l))
			for i, e := range l {
				s, ok := scalarString(e)
				if !ok {
					return nil, fieldErr("headers", "header %q: item %d: expected a string, got %s", k, i, nodes.Describe(e))
				}
				parts[i] = s
			}
			addHeader(h, k, strings.Join(parts, ", "))
		}
		return h, nil
	}
	return nil, fieldErr("headers", "expected an object of header names to values, got %s", nodes.Describe(v))
}

func readQuery(v any) (map[string][]string, error) {
	q := map[string][]string{}
	switch x := v.(type) {
	case nil:
		return q, nil
	case string:
		parsed, err := url.ParseQuery(strings.TrimPrefix(x, "?"))
		if err != nil {
			return nil, fieldErr("query", "query string %q: %v", x, err)
		}
		return parsed, nil
	case map[string][]string:
		for k, vs := range x {
			q[k] = append([]string{}, vs...)
		}
		return q, nil
	case url.Values:
		for k, vs := range x {
			q[k] = append([]string{}, vs...)
		}
		return q, nil
	case map[string]string:
		for k, s := range x {
			q[k] = []string{s}
		}
		return q, nil
	case map[string]any:
		for k, e := range x {
			if e == nil {
				q[k] = []string{}
				continue
			}
			if s, ok := scalarString(e); ok {
				q[k] = []string{s}
				continue
			}
			l, ok := nodes.ToList(e)
			if !ok {
				return nil, fieldErr("query", "key %q: expected a string or a list of strings, got %s", k, nodes.Describe(e))
			}
			vs := make([]string, len(l))
			for i, item := range l {
				s, ok := scalarString(item)
				if !ok {
					return nil, fieldErr("query", "key %q: item %d: expected a string, got %s", k, i, nodes.Describe(item))
				}
				vs[i] = s
			}
			q[k] = vs
		}
		return q, nil
	}
	return nil, fieldErr("query", "expected an object of keys to values (or a query string), got %s", nodes.Describe(v))
}

func readCookies(v any) (map[string]string, error) {
	c := map[string]string{}
	switch x := v.(type) {
	case nil:
		return c, nil
	case string:
		return ParseCookieHeader(x), nil
	case map[string]string:
		for k, s := range x {
			c[k] = s
		}
		return c, nil
	case map[string]any:
		for k, e := range x {
			s, ok := scalarString(e)
			if !ok {
				return nil, fieldErr("cookies", "cookie %q: expected a string, got %s", k, nodes.Describe(e))
			}
			c[k] = s
		}
		return c, nil
	}
	l, ok := nodes.ToList(v)
	if !ok {
		return nil, fieldErr("cookies", "expected an object of names to values, a list of \"name=value\" strings or a Cookie header, got %s", nodes.Describe(v))
	}
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, fieldErr("cookies", "item %d: expected a \"name=value\" string, got %s", i, nodes.Describe(e))
		}
		for k, val := range ParseCookieHeader(s) {
			if _, dup := c[k]; !dup {
				c[k] = val
			}
		}
	}
	return c, nil
}

func readParams(v any) (map[string]any, error) {
	p := map[string]any{}
	switch x := v.(type) {
	case nil:
		return p, nil
	case map[string]any:
		for k, e := range x {
			p[k] = nodes.Clone(e)
		}
		return p, nil
	case map[string]string:
		for k, e := range x {
			p[k] = e
		}
		return p, nil
	}
	return nil, fieldErr("params", "expected an object of path variables, got %s", nodes.Describe(v))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ParseCookieHeader reads a Cookie header ("a=1; b=2") into a map. It is lenient: pairs
// without a name or "=" are skipped, surrounding double quotes are removed from values,
// and the first of repeated names wins (the most specific cookie comes first).
func ParseCookieHeader(h string) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(h, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if _, dup := out[name]; !dup {
			out[name] = value
		}
	}
	return out
}

// RequestFromHTTP builds trigger data from a net/http request (the local cloud, and the
// router behind its API Gateway adapter). It reads at most maxBody bytes of body (no
// limit when maxBody <= 0) and fails when the body is longer. A body that is valid UTF-8
// is kept as text; any other body is base64-encoded with IsBase64 set. SourceIP is the
// host part of RemoteAddr. Params are left empty for the caller to fill from the route
// match.
func RequestFromHTTP(r *http.Request, maxBody int64) (HTTPRequest, error) {
	req := HTTPRequest{
		Method:   strings.ToUpper(r.Method),
		Path:     r.URL.Path,
		Host:     r.Host,
		SourceIP: r.RemoteAddr,
		Headers:  map[string]string{},
		Query:    map[string][]string{},
		Cookies:  map[string]string{},
		Params:   map[string]any{},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		req.SourceIP = host
	}
	for _, k := range sortedKeys(r.Header) {
		addHeader(req.Headers, k, strings.Join(r.Header[k], ", "))
	}
	if r.Host != "" {
		req.Headers["host"] = r.Host
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		req.Query = q
	} else {
		return req, fieldErr("query", "query string %q: %v", r.URL.RawQuery, err)
	}
	for _, c := range r.Header.Values("Cookie") {
		for k, v := range ParseCookieHeader(c) {
			if _, dup := req.Cookies[k]; !dup {
				req.Cookies[k] = v
			}
		}
	}
	if r.Body == nil {
		return req, nil
	}
	src := io.Reader(r.Body)
	if maxBody > 0 {
		src = io.LimitReader(r.Body, maxBody+1)
	}
	b, err := io.ReadAll(src)
	if err != nil {
		return req, fmt.Errorf("read request body: %w", err)
	}
	if maxBody > 0 && int64(len(b)) > maxBody {
		return req, fieldErr("body", "larger than the limit of %d bytes", maxBody)
	}
	if utf8.Valid(b) {
		req.Body = string(b)
	} else {
		req.Body, req.IsBase64 = base64.StdEncoding.EncodeToString(b), true
	}
	return req, nil
}
