// Package response holds the HTTP response node family — the nodes that decide what a
// route's caller gets back — and the Response type the router reads that answer with.
package response

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/nodes"
)

const category = "HTTP"

// Content types set when the response does not name one.
const (
	ctJSON   = "application/json; charset=utf-8"
	ctText   = "text/plain; charset=utf-8"
	ctHTML   = "text/html; charset=utf-8"
	ctBinary = "application/octet-stream"
)

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return r.Register(httpResponse(), redirect())
}

func httpResponse() *nodes.Type {
	return &nodes.Type{
		ID: "http.response", Category: category, Name: "HTTP response", Icon: "send",
		Doc: "Sets what the caller of an **HTTP route** gets back. The last response node that runs wins.\n\n" +
			"**Inputs**\n\n" +
			"- `status` — the status code, 200–599 (default 200); a 1xx status is informational, never a request's answer.\n" +
			"- `headers` — rows of header name → value. Names ignore case; values must not contain line breaks. " +
			"`Content-Length`, `Transfer-Encoding`, `Connection` and the other headers about the connection are left " +
			"out with a warning (forwarding another answer's headers is safe): the platform sets them.\n" +
			"- `cookies` — a list of cookies, each `{name, value, path, domain, max_age, expires, secure, http_only, same_site}` " +
			"or a Set-Cookie string such as `\"theme=dark; Path=/\"`. `max_age` ≤ 0 deletes the cookie; " +
			"`expires` is an RFC 3339 time; `same_site` is lax, strict or none (none needs `secure`).\n" +
			"- `body` — any value.\n" +
			"- `body_type` — `auto` (objects, lists, numbers and booleans as JSON, strings as text), `json`, `text`, " +
			"`html`, or `base64` (the body is base64 text of binary content). A `json` string body must already be JSON.\n\n" +
			"The content type is set when the headers do not give one: `application/json; charset=utf-8`, " +
			"`text/plain; charset=utf-8`, `text/html; charset=utf-8` or `application/octet-stream`.\n\n" +
			"**Outputs**\n\n- `response` — `{status, headers, cookies, body, is_base64}` as sent.\n\n" +
			"**Example**: status 201, body `{{ create.item }}` answers `201` with the item as JSON.",
		Inputs: []nodes.Port{
			{Name: "status", Type: nodes.Integer, Default: 200.0, Min: nodes.Bound(200), Max: nodes.Bound(599), Doc: "HTTP status code (200–599)."},
			{Name: "headers", Type: nodes.Object, Dynamic: true, Doc: "Response headers: name → value."},
			{Name: "cookies", Type: nodes.List, Doc: "Cookies to set: objects {name, value, …} or Set-Cookie strings."},
			{Name: "body", Type: nodes.Any, Editor: nodes.EditJSON, Doc: "The response body."},
			{Name: "body_type", Type: nodes.String, Default: "auto", Options: []string{"auto", "json", "text", "html", "base64"},
				Doc: "How to encode the body."},
		},
		Outputs: []nodes.Port{
			{Name: "response", Type: nodes.Object, Doc: "The response as set: {status, headers, cookies, body, is_base64}."},
		},
		Run: runResponse,
	}
}

func runResponse(_ context.Context, c *nodes.Call) (nodes.Out, error) {
	status, err := c.IntOr("status", http.StatusOK)
	if err != nil {
		return nil, err
	}
	headers, setCookies, err := readHeaders(c)
	if err != nil {
		return nil, err
	}
	cookies, err := readCookies(c)
	if err != nil {
		return nil, err
	}
	body, isB64, ctype, err := encodeBody(c.Get("body"), c.Str("body_type"))
	if err != nil {
		return nil, err
	}
	if _, ok := headers["content-type"]; !ok && ctype != "" {
		headers["content-type"] = ctype
	}
	resp := Response{Status: status, Headers: headers, Cookies: append(setCookies, cookies...), Body: body, IsBase64: isB64}
	return set(c, resp)
}

// set validates resp, hands its map form to the host and returns it as the output.
func set(c *nodes.Call, resp Response) (nodes.Out, error) {
	if err := resp.Validate(); err != nil {
		return nil, asInputError(err)
	}
	m := resp.Map()
	if c.Host != nil {
		c.Host.SetResponse(m)
	}
	return nodes.Out{"response": nodes.Clone(m)}, nil
}

// asInputError turns a FieldError (whose fields are named like the node's inputs) into
// an input error.
func asInputError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return nodes.Errorf(fe.Field, "%s", fe.Reason)
	}
	return err
}

// framing says a (lower-case) header is about the message's length and connection rather
// than its content (RFC 9110 §7.6.1, §8.6, §6.1): not a flow's to set.
func framing(name string) bool {
	switch name {
	case "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection", "te", "trailer":
		return true
	}
	return false
}

// readHeaders reads the headers dict in row order, lower-casing names. Set-Cookie rows
// are returned as cookies.
func readHeaders(c *nodes.Call) (map[string]string, []string, error) {
	out := map[string]string{}
	var cookies []string
	raw := c.Get("headers")
	if raw == nil {
		return out, nil, nil
	}
	m, err := c.Map("headers")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range rowOrder(c.Values["headers"], m) {
		v, err := headerValue(k, m[k])
		if err != nil {
			return nil, nil, asInputError(err)
		}
		lk := strings.ToLower(strings.TrimSpace(k))
		if err := checkHeader(lk, v); err != nil {
			return nil, nil, asInputError(err)
		}
		if lk == "set-cookie" {
			cookies = append(cookies, v)
			continue
		}
		if framing(lk) {
			// API Gateway frames the answer itself; a flow forwarding an upstream answer's
			// headers (a proxy) would otherwise cut the body off or hang the caller
			c.Warn("header %q is left out: the platform sets the response's length and connection itself", lk)
			continue
		}
		if _, dup := out[lk]; dup {
			return nil, nil, nodes.Errorf("headers", "header %q is given twice (names ignore case)", lk)
		}
		out[lk] = v
	}
	return out, cookies, nil
}

// rowOrder returns m's keys in the order of the dict rows, then any others sorted.
func rowOrder(rows any, m map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	if l, ok := rows.([]any); ok {
		for _, r := range l {
			row, _ := r.(map[string]any)
			k, _ := row["key"].(string)
			if _, in := m[k]; in && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// readCookies turns the cookies input into Set-Cookie values.
func readCookies(c *nodes.Call) ([]string, error) {
	var items []any
	switch v := c.Get("cookies").(type) {
	case nil:
		return nil, nil
	case string, map[string]any:
		items = []any{v}
	default:
		l, err := c.List("cookies")
		if err != nil {
			return nil, err
		}
		items = l
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		switch x := it.(type) {
		case string:
			s := strings.TrimSpace(x)
			if err := checkSetCookie(s); err != nil {
				return nil, nodes.Errorf("cookies", "item %d: %v", i, err)
			}
			out = append(out, s)
		case map[string]any:
			s, err := cookieFromMap(x)
			if err != nil {
				return nil, nodes.Errorf("cookies", "item %d: %v", i, err)
			}
			out = append(out, s)
		default:
			return nil, nodes.Errorf("cookies", "item %d: expected a cookie object or a Set-Cookie string, got %s", i, nodes.Describe(it))
		}
	}
	return out, nil
}

var cookieKeys = map[string]bool{"name": true, "value": true, "path": true, "domain": true, "max_age": true,
	"expires": true, "secure": true, "http_only": true, "same_site": true, "partitioned": true}

// cookieFromMap builds a Set-Cookie value from {name, value, path, domain, max_age,
// expires, secure, http_only, same_site, partitioned}.
func cookieFromMap(m map[string]any) (string, error) {
	for _, k := range sortedKeys(m) {
		if !cookieKeys[k] {
			return "", fmt.Errorf("unknown cookie field %q (fields: name, value, path, domain, max_age, expires, secure, http_only, same_site, partitioned)", k)
		}
	}
	name, ok := m["name"].(string)
	if !ok || name == "" {
		return "", errors.New("a cookie needs a name")
	}
	ck := &http.Cookie{Name: name, Value: nodes.ToString(m["value"]), Secure: nodes.Truthy(m["secure"]),
		HttpOnly: nodes.Truthy(m["http_only"]), Partitioned: nodes.Truthy(m["partitioned"])}
	for field, dst := range map[string]*string{"path": &ck.Path, "domain": &ck.Domain} {
		switch v := m[field].(type) {
		case nil:
		case string:
			if err := checkText(v); err != nil || strings.ContainsRune(v, ';') {
				return "", fmt.Errorf("cookie %q: %s %q is not allowed", name, field, v)
			}
			*dst = v
		default:
			return "", fmt.Errorf("cookie %q: %s: expected a string, got %s", name, field, nodes.Describe(v))
		}
	}
	if v := m["max_age"]; v != nil {
		f, ok := nodes.ToFloat(v)
		if !ok || f != float64(int(f)) {
			return "", fmt.Errorf("cookie %q: max_age: expected whole seconds, got %s", name, nodes.Describe(v))
		}
		ck.MaxAge = int(f)
		if f <= 0 {
			ck.MaxAge = -1 // sent as Max-Age=0: delete now
		}
	}
	switch v := m["expires"].(type) {
	case nil:
	case time.Time:
		ck.Expires = v
	case string:
		if v == "" {
			break
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = http.ParseTime(v); err != nil {
				return "", fmt.Errorf("cookie %q: expires: expected an RFC 3339 time, got %q", name, v)
			}
		}
		ck.Expires = t
	default:
		return "", fmt.Errorf("cookie %q: expires: expected an RFC 3339 time, got %s", name, nodes.Describe(v))
	}
	switch s := strings.ToLower(nodes.ToString(m["same_site"])); s {
	case "":
	case "lax":
		ck.SameSite = http.SameSiteLaxMode
	case "strict":
		ck.SameSite = http.SameSiteStrictMode
	case "none":
		ck.SameSite = http.SameSiteNoneMode
		if !ck.Secure {
			return "", fmt.Errorf("cookie %q: same_site none needs secure: true (browsers drop it otherwise)", name)
		}
	default:
		return "", fmt.Errorf("cookie %q: same_site: expected lax, strict or none, got %q", name, s)
	}
	if err := ck.Valid(); err != nil {
		return "", fmt.Errorf("cookie %q: %w", name, err)
	}
	return ck.String(), nil
}

// encodeBody encodes body by kind and names the content type it implies.
func encodeBody(body any, kind string) (text string, isB64 bool, ctype string, err error) {
	if kind == "" {
		kind = "auto"
	}
	switch kind {
	case "auto":
		switch b := body.(type) {
		case nil:
			return "", false, "", nil
		case string:
			return b, false, ctText, nil
		case []byte:
			return base64.StdEncoding.EncodeToString(b), true, ctBinary, nil
		}
		s, err := toJSON(body)
		return s, false, ctJSON, err
	case "json":
		if s, ok := body.(string); ok {
			if !json.Valid([]byte(s)) {
				return "", false, "", nodes.Errorf("body", "body_type json: the string is not JSON (give an object, or JSON text)")
			}
			return s, false, ctJSON, nil
		}
		s, err := toJSON(body)
		return s, false, ctJSON, err
	case "text", "html":
		ct := ctText
		if kind == "html" {
			ct = ctHTML
		}
		if body == nil {
			return "", false, ct, nil
		}
		return nodes.ToString(body), false, ct, nil
	case "base64":
		switch b := body.(type) {
		case nil:
			return "", true, ctBinary, nil
		case []byte:
			return base64.StdEncoding.EncodeToString(b), true, ctBinary, nil
		case string:
			raw, err := decodeBase64(b)
			if err != nil {
				return "", false, "", nodes.Errorf("body", "body_type base64: not valid base64: %v", err)
			}
			return base64.StdEncoding.EncodeToString(raw), true, ctBinary, nil
		}
		return "", false, "", nodes.Errorf("body", "body_type base64: expected base64 text, got %s", nodes.Describe(body))
	}
	return "", false, "", nodes.Errorf("body_type", "expected auto, json, text, html or base64, got %q", kind)
}

// toJSON encodes v without HTML escaping.
func toJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(nodes.Normalize(v)); err != nil {
		return "", nodes.Errorf("body", "cannot encode as JSON: %v", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func redirect() *nodes.Type {
	return &nodes.Type{
		ID: "http.redirect", Category: category, Name: "HTTP redirect", Icon: "corner-up-right",
		Doc: "Answers the **HTTP route**'s caller with a redirect to `location`.\n\n**Inputs**\n\n" +
			"- `location` — an absolute http(s) URL or a path starting with `/` (required). Spaces, non-ASCII " +
			"and other characters a URL cannot hold are percent-encoded (`/a b?x=é` → `/a%20b?x=%C3%A9`); " +
			"`%XX` escapes already in it are kept.\n" +
			"- `status` — 301 (moved permanently), 302 (found, default), 303 (see other), 307 or 308 " +
			"(which keep the method and body).\n\n**Outputs**\n\n- `response` — the response as set.\n\n" +
			"**Example**: location `/login?next={{ route.path }}`, status 303.",
		Inputs: []nodes.Port{
			{Name: "location", Type: nodes.String, Required: true, Doc: "Where to send the caller: https://… or /path."},
			{Name: "status", Type: nodes.Integer, Default: 302.0, Editor: nodes.EditSelect,
				Options: []string{"301", "302", "303", "307", "308"}, Doc: "The redirect status."},
		},
		Outputs: []nodes.Port{
			{Name: "response", Type: nodes.Object, Doc: "The response as set: {status, headers, cookies, body, is_base64}."},
		},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			loc, err := checkLocation(c.Str("location"))
			if err != nil {
				return nil, err
			}
			status, err := c.IntOr("status", http.StatusFound)
			if err != nil {
				return nil, err
			}
			switch status {
			case 301, 302, 303, 307, 308:
			default:
				return nil, nodes.Errorf("status", "%d is not a redirect status (301, 302, 303, 307, 308)", status)
			}
			return set(c, Response{Status: status, Headers: map[string]string{"location": loc}, Cookies: []string{}})
		},
	}
}

// checkLocation accepts an absolute http(s) URL or an absolute path. Protocol-relative
// URLs ("//host") and backslashes (which browsers read as slashes) are refused so a
// path cannot turn into another site.
func checkLocation(loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return "", nodes.Errorf("location", "is required")
	}
	if err := checkText(loc); err != nil {
		return "", nodes.Errorf("location", "%v", err)
	}
	enc := escapeLocation(loc)
	u, err := url.Parse(enc)
	if err != nil {
		return "", nodes.Errorf("location", "not a URL: %v", err)
	}
	if u.IsAbs() {
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", nodes.Errorf("location", "%q: an absolute URL must be http(s)://host/…", loc)
		}
		return enc, nil
	}
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsRune(loc, '\\') {
		return "", nodes.Errorf("location", "%q: expected an absolute URL or a path starting with a single /", loc)
	}
	return enc, nil
}

// escapeLocation percent-encodes, as UTF-8, what a URL cannot hold as written: spaces,
// tabs, non-ASCII and the characters " < > \ ^ ` { | }, as a browser or Go's url package
// would (/a b?x=é → /a%20b?x=%C3%A9). A % that starts a %XX escape is kept, so encoded
// text is not encoded twice; a lone % becomes %25. In an absolute URL's host part only
// non-ASCII is encoded: a space or backslash there stays, for url.Parse to refuse, so
// "https://a.example\\@b.example" cannot turn into a URL whose host is b.example.
func escapeLocation(s string) string {
	const hexDigits = "0123456789ABCDEF"
	authEnd := 0 // the end of "scheme://host:port", or 0 for a path
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], "/?#") {
		authEnd = i + 3
		if j := strings.IndexAny(s[authEnd:], "/?#"); j >= 0 {
			authEnd += j
		} else {
			authEnd = len(s)
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i < authEnd && c < 0x80:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f || c == '%' || strings.IndexByte("\"<>\\^`{|}", c) >= 0:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
