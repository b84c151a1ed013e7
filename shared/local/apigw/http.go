// Package apigw emulates the parts of API Gateway and Lambda the local cloud needs: HTTP
// APIs (payload format 2.0, with the JWT authorizer's claims after verifying the token as
// API Gateway does) and the Lambda Invoke API. Every function receives exactly the JSON
// Lambda would pass: events are marshalled, handed to the function's handler as bytes, and
// its JSON answer is unmarshalled — never a shortcut struct.
package apigw

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/urlencoded"
)

// Function is a Lambda function as the runtime sees it: JSON in, JSON out.
type Function func(ctx context.Context, payload []byte) ([]byte, error)

// MaxPayload is API Gateway's request size limit (10 MB).
const MaxPayload = 10 << 20

// Lambda's limits on a synchronous invocation: the event it is given, and what it answers.
// API Gateway's 10 MB never reaches a Lambda function: a request whose event (the body,
// base64 when binary, with the headers) passes 6 MB is refused with 413, and a function
// answering more than 6 MB fails the request with 500, as in AWS.
const (
	MaxLambdaRequest  = 6 << 20
	MaxLambdaResponse = 6<<20 + 100
)

// Authorizer decides whether a request needs a verified JWT.
type Authorizer struct {
	// Verifier checks tokens (issuer, audience, expiry, signature).
	Verifier *token.Verifier
	// Public reports routes without the authorizer (health, OIDC, trigger routes).
	Public func(method, path string) bool
}

// HTTPOptions configure an HTTP API.
type HTTPOptions struct {
	// Name is the API's id in events (apiId) and, in its log lines, the function it calls.
	Name string
	// Authorizer, when set, verifies `Authorization: Bearer` tokens on non-public routes and
	// answers 401 like API Gateway otherwise.
	Authorizer *Authorizer
	// StripPrefix removes a path prefix before the event is built (a stage mapping).
	Log *slog.Logger
	Now func() time.Time
}

// HTTPAPI returns an http.Handler that turns requests into payload 2.0 events for fn.
func HTTPAPI(fn Function, opt HTTPOptions) http.Handler {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Name == "" {
		opt.Name = "local"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, status, msg := buildEvent(r, opt)
		if status != 0 {
			writeGatewayError(w, status, msg)
			return
		}
		payload, err := marshalEvent(ev)
		if err != nil {
			opt.Log.Error("event not sent", "function", opt.Name, "path", r.URL.Path, "err", err)
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		if len(payload) > MaxLambdaRequest {
			opt.Log.Warn("request too large for Lambda: its event is over 6 MB (base64 makes binary bodies a third larger)",
				"function", opt.Name, "path", r.URL.Path, "event_bytes", len(payload))
			writeGatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		out, err := fn(r.Context(), payload)
		if err != nil {
			opt.Log.Error("function failed", "function", opt.Name, "path", r.URL.Path, "err", err)
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		if len(out) > MaxLambdaResponse {
			opt.Log.Error("function answered more than Lambda's 6 MB response limit; Lambda fails such an invocation",
				"function", opt.Name, "path", r.URL.Path, "response_bytes", len(out))
			writeGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		ignored, err := writeResponse(w, out)
		if err != nil {
			opt.Log.Error("function answered badly", "function", opt.Name, "path", r.URL.Path, "err", err)
			writeGatewayError(w, http.StatusBadGateway, "Internal Server Error")
			return
		}
		if len(ignored) > 0 {
			opt.Log.Warn("the function's answer has multiValueHeaders, which payload format 2.0 does not have; API Gateway ignores them (use headers, comma-separated, and cookies)",
				"function", opt.Name, "path", r.URL.Path, "headers", ignored)
		}
	})
}

// marshalEvent renders an event as the JSON Lambda is invoked with, and whose size its 6 MB
// limit counts: `<`, `>` and `&` stay as they are (json.Marshal writes each as a six-byte
// \u escape, so a body full of them was counted up to six times its size and refused with
// 413 where AWS takes it). The function decodes either form to the same strings.
func marshalEvent(ev any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("marshal the event: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeGatewayError answers as API Gateway does for its own errors.
func writeGatewayError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Apigw-Requestid", ulid.Make().String())
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func buildEvent(r *http.Request, opt HTTPOptions) (*events.APIGatewayV2HTTPRequest, int, string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return nil, http.StatusBadRequest, "Bad Request"
	}
	if len(body) > MaxPayload {
		return nil, http.StatusRequestEntityTooLarge, "Request Entity Too Large"
	}
	now := opt.Now()
	// the API's domain name, as in AWS a host name without a port (the host header keeps
	// what the client sent)
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	ev := &events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Headers: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "$default", AccountID: "000000000000", Stage: "$default", RequestID: ulid.Make().String(),
			APIID: opt.Name, DomainName: domain, DomainPrefix: strings.Split(domain, ".")[0],
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, line := range v {
				for _, c := range strings.Split(line, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[lk] = strings.Join(v, ",")
	}
	ev.Headers["host"] = r.Host
	forwardedHeaders(ev.Headers, r, now)
	ev.QueryStringParameters = queryParameters(r.URL.RawQuery)
	if len(body) > 0 {
		if bodyIsText(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	if a := opt.Authorizer; a != nil && (a.Public == nil || !a.Public(r.Method, r.URL.Path)) && r.Method != http.MethodOptions {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			return nil, http.StatusUnauthorized, "Unauthorized"
		}
		_, claims, err := a.Verifier.Verify(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return nil, http.StatusUnauthorized, "Unauthorized"
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: ClaimStrings(claims), Scopes: nil},
		}
	}
	return ev, 0, ""
}

// forwardedHeaders adds the headers API Gateway adds to every request it passes on: the
// client's address appended to X-Forwarded-For (after any the client sent), the scheme and
// port it was called on, and a trace id (X-Amzn-Trace-Id, kept when the client sent one).
// A flow that builds links from them or reads the caller's address from them behaves
// locally as it will in AWS.
func forwardedHeaders(h map[string]string, r *http.Request, now time.Time) {
	ip := sourceIP(r)
	if xff := strings.TrimSpace(h["x-forwarded-for"]); xff != "" {
		h["x-forwarded-for"] = xff + ", " + ip
	} else {
		h["x-forwarded-for"] = ip
	}
	h["x-forwarded-proto"] = "http"
	if r.TLS != nil {
		h["x-forwarded-proto"] = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			h["x-forwarded-port"] = port
		}
	}
	if h["x-amzn-trace-id"] == "" {
		var id [12]byte
		_, _ = rand.Read(id[:])
		h["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%x", now.Unix(), id)
	}
}

// queryParameters reads a raw query string into payload 2.0's queryStringParameters (nil
// when it has none) as API Gateway does (package urlencoded: a ';' is part of a value, a
// stray '%' stays as sent); a repeated key's values are joined with commas, in order.
// url.ParseQuery dropped the pairs with a ';' or such a '%' from the event.
func queryParameters(raw string) map[string]string {
	q := urlencoded.Parse(raw)
	if len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, vs := range q {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// ClaimStrings renders claims the way API Gateway's JWT authorizer passes them: every value
// a string, lists as "[a b]".
func ClaimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			out[k] = "[" + strings.Join(parts, " ") + "]"
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// bodyIsText reports whether an HTTP API passes a request body to the function as text
// (isBase64Encoded false) rather than base64. HTTP APIs decide by the Content-Type alone,
// with no binaryMediaTypes setting: text/*, application/json, application/xml and
// application/javascript are text; every other type, a missing Content-Type and
// application/x-www-form-urlencoded among them, is binary (docs/local.md says where this
// comes from). A body that is not valid UTF-8 is binary whatever it claims to be: the
// event's body is a JSON string, which cannot hold such bytes (encoding/json would turn
// them into U+FFFD), so as text it would reach the function changed.
func bodyIsText(ct string, body []byte) bool {
	if ct == "" || !utf8.Valid(body) {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return strings.HasPrefix(mt, "text/")
}

// writeResponse writes a function's payload 2.0 answer.
// It returns the names of the multiValueHeaders it ignored.
func writeResponse(w http.ResponseWriter, out []byte) (ignored []string, err error) {
	if !json.Valid(out) {
		return nil, errors.New("the function's answer is not JSON")
	}
	if !hasStatusCode(out) {
		// valid JSON without a statusCode: API Gateway infers the response (status 200,
		// content-type application/json, not base64) with the answer as the body — a
		// string's own text, any other value as the function wrote it
		body := out
		var str string
		if json.Unmarshal(out, &str) == nil {
			body = []byte(str)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return nil, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, fmt.Errorf("the function's answer is not an HTTP response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return nil, fmt.Errorf("the function answered status %d, not an HTTP status", resp.StatusCode)
	}
	for k, v := range resp.Headers {
		if !framing(k) {
			w.Header().Set(k, v)
		}
	}
	if len(resp.MultiValueHeaders) > 0 {
		// payload format 2.0 has no multiValueHeaders: API Gateway drops them (several values
		// go comma-separated in headers, cookies in cookies), so they are dropped here too
		// and a function relying on them fails locally as it would in AWS
		ignored = slices.Sorted(maps.Keys(resp.MultiValueHeaders))
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("isBase64Encoded body is not base64: %w", err)
		}
		body = b
	}
	if w.Header().Get("Content-Type") == "" && len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	if bodyAllowedForStatus(resp.StatusCode) {
		// API Gateway has the whole answer and sends its length (a HEAD request's too, whose
		// body is left out); Go's server would chunk an answer over 2 KB and give a HEAD none
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(resp.StatusCode)
	// the answer has begun: a client that went away is not the function's fault, and no
	// other status can be sent anymore
	_, _ = w.Write(body)
	return ignored, nil
}

// bodyAllowedForStatus reports whether a response with this status has a body (and so a
// Content-Length): not 1xx, 204 or 304 (RFC 9110 §6.4.1).
func bodyAllowedForStatus(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// hasStatusCode reports whether out is a JSON object with a statusCode member (matched as
// encoding/json matches it to the response's field, case aside).
func hasStatusCode(out []byte) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(out, &fields) != nil {
		return false
	}
	for k := range fields {
		if strings.EqualFold(k, "statusCode") {
			return true
		}
	}
	return false
}

// framing reports the headers that frame the HTTP message itself (its length, encoding and
// connection): API Gateway frames its reply itself whatever the function says, so a
// Content-Length that does not match the body cannot cut it or leave the client waiting.
func framing(header string) bool {
	switch strings.ToLower(header) {
	case "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection", "te", "trailer":
		return true
	}
	return false
}
