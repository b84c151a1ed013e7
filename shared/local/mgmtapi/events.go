package mgmtapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Route keys and event types of API Gateway WebSocket APIs.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"

	EventTypeConnect    = "CONNECT"
	EventTypeMessage    = "MESSAGE"
	EventTypeDisconnect = "DISCONNECT"
)

// requestTimeFormat is API Gateway's requestContext.requestTime layout.
const requestTimeFormat = "02/Jan/2006:15:04:05 -0700"

// InvokeFunc is a Lambda function as API Gateway invokes it: the event's
// JSON in, the function's JSON response out.
type InvokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Typed adapts a typed handler — what a function passes to lambda.Start —
// to an InvokeFunc, unmarshalling the event and marshalling the response
// with encoding/json as the Lambda Go runtime does.
func Typed[In, Out any](fn func(context.Context, In) (Out, error)) InvokeFunc {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return nil, fmt.Errorf("unmarshal event: %w", err)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("marshal response: %w", err)
		}
		return b, nil
	}
}

// SelectRoute applies the route selection expression $request.body.action:
// when body is a JSON object whose "action" member is a string naming one
// of routes (or, when routes is nil, any non-empty string not starting with
// "$"), that is the route key; everything else goes to $default. The member
// name matches case-sensitively.
func SelectRoute(body []byte, routes []string) string {
	// A map, not a struct: the member name matches case-sensitively, as
	// API Gateway's selection expression does.
	var msg map[string]json.RawMessage
	if json.Unmarshal(body, &msg) != nil {
		return RouteDefault
	}
	var a string
	if raw, ok := msg["action"]; !ok || json.Unmarshal(raw, &a) != nil || a == "" || strings.HasPrefix(a, "$") {
		return RouteDefault
	}
	if routes == nil || slices.Contains(routes, a) {
		return a
	}
	return RouteDefault
}

// newID returns an id shaped like API Gateway's connection and request ids
// (15 alphanumerics and "=").
func newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [15]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 16)
	for _, c := range b {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(append(out, '='))
}

// connMeta is what every event of one connection shares.
type connMeta struct {
	id          string
	stage       string
	apiID       string
	domain      string // the API's domain name: as in AWS, a host name without a port
	host        string // the Host header the client sent
	connectedAt time.Time
	identity    Identity
}

func (m connMeta) context(route, eventType string, now time.Time) events.APIGatewayWebsocketProxyRequestContext {
	rid := newID()
	return events.APIGatewayWebsocketProxyRequestContext{
		Stage:             m.stage,
		RequestID:         rid,
		ExtendedRequestID: rid,
		Identity:          events.APIGatewayRequestIdentity{SourceIP: m.identity.SourceIP, UserAgent: m.identity.UserAgent},
		APIID:             m.apiID,
		ConnectedAt:       m.connectedAt.UnixMilli(),
		ConnectionID:      m.id,
		DomainName:        m.domain,
		EventType:         eventType,
		MessageDirection:  "IN",
		RequestTime:       now.UTC().Format(requestTimeFormat),
		RequestTimeEpoch:  now.UnixMilli(),
		RouteKey:          route,
	}
}

// connectEvent builds the $connect event for an upgrade request: its
// headers (Sec-WebSocket-Protocol among them, as the client sent it: the
// subprotocols it offers) and query string in both single- and multi-value
// form, as API Gateway passes them.
func connectEvent(m connMeta, r *http.Request, now time.Time) events.APIGatewayWebsocketProxyRequest {
	ev := events.APIGatewayWebsocketProxyRequest{
		RequestContext: m.context(RouteConnect, EventTypeConnect, now),
	}
	hdr := r.Header.Clone()
	hdr.Set("Host", r.Host)
	ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
	for k, vs := range hdr {
		if len(vs) == 0 {
			continue
		}
		k = headerName(k)
		ev.Headers[k] = vs[len(vs)-1]
		ev.MultiValueHeaders[k] = slices.Clone(vs)
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = map[string]string{}, map[string][]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[len(vs)-1]
			ev.MultiValueQueryStringParameters[k] = vs
		}
	}
	return ev
}

// headerName spells a header as clients send it and API Gateway passes it on:
// Go canonicalises "Sec-WebSocket-Protocol" to "Sec-Websocket-Protocol",
// which is how no browser spells the WebSocket handshake's headers.
func headerName(canonical string) string {
	if rest, ok := strings.CutPrefix(canonical, "Sec-Websocket-"); ok {
		return "Sec-WebSocket-" + rest
	}
	return canonical
}

// messageEvent builds the event for one client message; binary (or
// non-UTF-8) messages are base64 encoded with isBase64Encoded set.
func messageEvent(m connMeta, route string, data []byte, binary bool, now time.Time) events.APIGatewayWebsocketProxyRequest {
	ev := events.APIGatewayWebsocketProxyRequest{RequestContext: m.context(route, EventTypeMessage, now)}
	ev.RequestContext.MessageID = newID()
	if binary || !utf8.Valid(data) {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(data), true
	} else {
		ev.Body = string(data)
	}
	return ev
}

// disconnectEvent builds the $disconnect event.
func disconnectEvent(m connMeta, code int, reason string, now time.Time) events.APIGatewayWebsocketProxyRequest {
	ev := events.APIGatewayWebsocketProxyRequest{
		Headers:           map[string]string{"Host": m.host},
		MultiValueHeaders: map[string][]string{"Host": {m.host}},
		RequestContext:    m.context(RouteDisconnect, EventTypeDisconnect, now),
	}
	ev.RequestContext.DisconnectStatusCode = int64(code)
	ev.RequestContext.DisconnectReason = &reason
	return ev
}

// sourceIP is the client address of r without its port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
