package response

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"polysynergy/shared/nodes"
)

// Response is the HTTP reply a flow sets with an HTTP response or redirect node. The
// nodes hand its Map form to Host.SetResponse; the router reads it back with FromValue.
type Response struct {
	// Status is the HTTP status code, 200–599 (a 1xx is no final answer).
	Status int `json:"status"`
	// Headers holds the response headers by lower-case name.
	Headers map[string]string `json:"headers"`
	// Cookies holds Set-Cookie header values, one per cookie.
	Cookies []string `json:"cookies"`
	// Body is the body text, or its base64 encoding when IsBase64 is set.
	Body string `json:"body"`
	// IsBase64 reports that Body is base64 (a binary body).
	IsBase64 bool `json:"is_base64"`
}

// FieldError reports a response field that is missing, malformed or unsafe.
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("http response: field %q: %s", e.Field, e.Reason)
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Map returns the response in its JSON-like form: status as a number, headers as an
// object, cookies as a list of strings.
func (r Response) Map() map[string]any {
	headers := make(map[string]any, len(r.Headers))
	for k, v := range r.Headers {
		headers[k] = v
	}
	cookies := make([]any, len(r.Cookies))
	for i, c := range r.Cookies {
		cookies[i] = c
	}
	return map[string]any{
		"status":    float64(r.Status),
		"headers":   headers,
		"cookies":   cookies,
		"body":      r.Body,
		"is_base64": r.IsBase64,
	}
}

// FromValue reads a response from what a node set: a Response (or pointer), its Map
// form, or anything whose JSON has that shape. A missing status means 200. Header names
// are lower-cased. The result is validated (see Validate); errors name the field.
func FromValue(v any) (Response, error) {
	var r Response
	switch x := v.(type) {
	case Response:
		r = x
	case *Response:
		if x == nil {
			return r, fieldErr("response", "expected a response, got nothing")
		}
		r = *x
	case nil:
		return r, fieldErr("response", "expected a response, got nothing")
	default:
		m, ok := v.(map[string]any)
		if o, isOut := v.(nodes.Out); isOut {
			m, ok = map[string]any(o), true
		}
		if !ok {
			m, ok = nodes.Normalize(v).(map[string]any)
		}
		if !ok {
			return r, fieldErr("response", "expected an object holding a response, got %s", nodes.Describe(v))
		}
		var err error
		if r, err = fromMap(m); err != nil {
			return r, err
		}
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	h := make(map[string]string, len(r.Headers))
	for _, k := range sortedKeys(r.Headers) {
		lk := strings.ToLower(k)
		if _, dup := h[lk]; dup {
			return r, fieldErr("headers", "header %q is given twice (names ignore case)", lk)
		}
		h[lk] = r.Headers[k]
	}
	r.Headers = h
	if r.Cookies == nil {
		r.Cookies = []string{}
	}
	return r, r.Validate()
}

func fromMap(m map[string]any) (Response, error) {
	var r Response
	switch s := m["status"].(type) {
	case nil:
	default:
		f, ok := nodes.ToFloat(s)
		if !ok || f != float64(int(f)) {
			return r, fieldErr("status", "expected a whole number, got %s", nodes.Describe(s))
		}
		r.Status = int(f)
	}
	switch h := m["headers"].(type) {
	case nil:
	case map[string]string:
		r.Headers = h
	case map[string]any:
		r.Headers = make(map[string]string, len(h))
		for k, v := range h {
			s, err := headerValue(k, v)
			if err != nil {
				return r, err
			}
			r.Headers[k] = s
		}
	default:
		return r, fieldErr("headers", "expected an object of header names to values, got %s", nodes.Describe(h))
	}
	switch c := m["cookies"].(type) {
	case nil:
	case string:
		r.Cookies = []string{c}
	default:
		l, ok := nodes.ToList(c)
		if !ok {
			return r, fieldErr("cookies", "expected a list of Set-Cookie values, got %s", nodes.Describe(c))
		}
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return r, fieldErr("cookies", "item %d: expected a Set-Cookie string, got %s", i, nodes.Describe(e))
			}
			r.Cookies = append(r.Cookies, s)
		}
	}
	switch b := m["is_base64"].(type) {
	case nil:
	case bool:
		r.IsBase64 = b
	default:
		return r, fieldErr("is_base64", "expected true or false, got %s", nodes.Describe(b))
	}
	switch b := m["body"].(type) {
	case nil:
	case string:
		r.Body = b
	case []byte:
		r.Body, r.IsBase64 = base64.StdEncoding.EncodeToString(b), true
	default:
		return r, fieldErr("body", "expected a string, got %s", nodes.Describe(b))
	}
	return r, nil
}

// Validate checks the status range, header names and values, cookies (no line breaks,
// a name=value pair), that a base64 body decodes and that statuses without a body
// (204, 304) have none.
func (r Response) Validate() error {
	if r.Status < 200 || r.Status > 599 {
		return fieldErr("status", "%d is not a final HTTP status (200–599; a 1xx status is informational, never a request's answer)", r.Status)
	}
	for _, k := range sortedKeys(r.Headers) {
		if err := checkHeader(k, r.Headers[k]); err != nil {
			return err
		}
	}
	for i, c := range r.Cookies {
		if err := checkSetCookie(c); err != nil {
			return fieldErr("cookies", "item %d: %v", i, err)
		}
	}
	if r.IsBase64 {
		if _, err := decodeBase64(r.Body); err != nil {
			return fieldErr("body", "is_base64 is set but the body is not valid base64: %v", err)
		}
	}
	if r.Body != "" && !bodyAllowed(r.Status) {
		return fieldErr("body", "status %d does not allow a body", r.Status)
	}
	return nil
}

// bodyAllowed reports whether a response with this status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// BodyBytes returns the body to send: Body decoded from base64 when IsBase64, else its text.
func (r Response) BodyBytes() ([]byte, error) {
	if !r.IsBase64 {
		return []byte(r.Body), nil
	}
	b, err := decodeBase64(r.Body)
	if err != nil {
		return nil, fieldErr("body", "is_base64 is set but the body is not valid base64: %v", err)
	}
	return b, nil
}

// Write sends the response on w: headers, one Set-Cookie per cookie, status and body.
// A zero status is sent as 200.
func (r Response) Write(w http.ResponseWriter) error {
	body, err := r.BodyBytes()
	if err != nil {
		return err
	}
	h := w.Header()
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	for _, c := range r.Cookies {
		h.Add("Set-Cookie", c)
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if len(body) == 0 {
		return nil
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response body: %w", err)
	}
	return nil
}

// headerValue formats one header value: a string, number or boolean, or a list of
// them joined with ", ".
func headerValue(name string, v any) (string, error) {
	switch v.(type) {
	case nil:
		return "", nil
	case string, bool, float64, float32, int, int64, int32, uint, uint64:
		return nodes.ToString(v), nil
	}
	l, ok := nodes.ToList(v)
	if !ok {
		return "", fieldErr("headers", "header %q: expected a string, got %s", name, nodes.Describe(v))
	}
	parts := make([]string, len(l))
	for i, e := range l {
		switch e.(type) {
		case string, bool, float64, float32, int, int64, int32, uint, uint64:
			parts[i] = nodes.ToString(e)
		default:
			return "", fieldErr("headers", "header %q: item %d: expected a string, got %s", name, i, nodes.Describe(e))
		}
	}
	return strings.Join(parts, ", "), nil
}

// checkHeader validates a header name (an RFC 9110 token) and value (no control
// characters but tab: a line break would split the response).
func checkHeader(name, value string) error {
	if name == "" {
		return fieldErr("headers", "a header has an empty name")
	}
	for i := 0; i < len(name); i++ {
		if !tokenChar(name[i]) {
			return fieldErr("headers", "header name %q: character %q is not allowed", name, name[i])
		}
	}
	if err := checkText(value); err != nil {
		return fieldErr("headers", "header %q: %v", name, err)
	}
	return nil
}

// checkText rejects line breaks and other control characters (tab is allowed).
func checkText(s string) error {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' || c == '\n':
			return fmt.Errorf("contains a line break")
		case (c < 0x20 && c != '\t') || c == 0x7f:
			return fmt.Errorf("contains control character %q", c)
		}
	}
	return nil
}

func tokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// checkSetCookie validates a Set-Cookie value: no control characters and a parsable
// name=value pair.
func checkSetCookie(s string) error {
	if err := checkText(s); err != nil {
		return err
	}
	if _, err := http.ParseSetCookie(s); err != nil {
		return fmt.Errorf("%q is not a Set-Cookie value: %w", s, err)
	}
	return nil
}

// decodeBase64 accepts standard base64 with or without padding, and the URL-safe
// alphabet; line breaks are ignored.
func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("\r", "", "\n", "").Replace(strings.TrimSpace(s))
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err2 := enc.DecodeString(s); err2 == nil {
			return b, nil
		}
	}
	return nil, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
