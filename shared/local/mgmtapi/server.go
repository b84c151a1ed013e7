package mgmtapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxPayloadBytes is the largest message PostToConnection accepts
// (API Gateway's WebSocket message limit, 128 KB).
const MaxPayloadBytes = 128 * 1024

// DefaultPostTimeout bounds how long one POST waits for the write to the
// client.
const DefaultPostTimeout = 10 * time.Second

// connectionsPath is the Management API's resource; anything before it (the
// stage, as in https://{api}.execute-api.{region}.amazonaws.com/{stage}) is
// accepted.
const connectionsPath = "/@connections/"

// timeFormat is the ISO 8601 form the Management API uses for timestamps.
const timeFormat = "2006-01-02T15:04:05.000Z"

// Server is the server side of the API Gateway Management API
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html)
// over a Registry, speaking the REST-JSON wire format the AWS SDK's
// apigatewaymanagementapi client expects:
//
//	POST   [/{stage}]/@connections/{id}  body = the message → 200; 410 GoneException; 413 PayloadTooLargeException
//	GET    [/{stage}]/@connections/{id}  → 200 {"connectedAt","lastActiveAt","identity":{"sourceIp","userAgent"}}
//	DELETE [/{stage}]/@connections/{id}  → 204 and the connection is closed; 410 GoneException
//
// Requests are not authenticated (SigV4 signatures are accepted unchecked).
type Server struct {
	reg         *Registry
	log         *slog.Logger
	postTimeout time.Duration
}

// ServerOption configures a Server.
type ServerOption func(*Server)

// WithServerLogger sets the server's logger (default slog.Default()).
func WithServerLogger(l *slog.Logger) ServerOption {
	return func(s *Server) { s.log = l }
}

// WithPostTimeout bounds each delivery (default DefaultPostTimeout).
func WithPostTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.postTimeout = d }
}

// NewServer returns the Management API over reg.
func NewServer(reg *Registry, opts ...ServerOption) *Server {
	s := &Server{reg: reg, log: slog.Default(), postTimeout: DefaultPostTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ConnectionID extracts the connection id from a Management API request
// path (escaped form, as in URL.EscapedPath): everything after the last
// "/@connections/", which must be one non-empty path segment. ok is false
// for any other path.
func ConnectionID(escapedPath string) (id string, ok bool) {
	i := strings.LastIndex(escapedPath, connectionsPath)
	if i < 0 {
		return "", false
	}
	raw := escapedPath[i+len(connectionsPath):]
	if raw == "" || strings.Contains(raw, "/") {
		return "", false
	}
	id, err := url.PathUnescape(raw)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	id, ok := ConnectionID(r.URL.EscapedPath())
	if !ok {
		writeError(w, http.StatusNotFound, "NotFoundException", "no such resource: want /@connections/{connectionId}")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.post(w, r, id)
	case http.MethodGet:
		s.get(w, id)
	case http.MethodDelete:
		s.delete(w, id)
	default:
		w.Header().Set("Allow", "DELETE, GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException",
			fmt.Sprintf("method %s: want POST, GET or DELETE", r.Method))
	}
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", fmt.Sprintf("read message body: %v", err))
		return
	}
	if len(body) > MaxPayloadBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException",
			fmt.Sprintf("message body exceeds %d bytes", MaxPayloadBytes))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.postTimeout)
	defer cancel()
	if err := s.reg.Send(ctx, id, body); err != nil {
		if errors.Is(err, ErrGone) {
			s.log.Debug("post to gone connection", "connection", id, "err", err)
			writeError(w, http.StatusGone, "GoneException", "connection "+id+" is gone")
			return
		}
		writeError(w, http.StatusInternalServerError, "InternalServerErrorException", err.Error())
		return
	}
	w.WriteHeader(http.StatusOK)
}

type identityJSON struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type connectionJSON struct {
	ConnectedAt  string       `json:"connectedAt"`
	Identity     identityJSON `json:"identity"`
	LastActiveAt string       `json:"lastActiveAt"`
}

func (s *Server) get(w http.ResponseWriter, id string) {
	info, ok := s.reg.Info(id)
	if !ok {
		writeError(w, http.StatusGone, "GoneException", "connection "+id+" is gone")
		return
	}
	writeJSON(w, http.StatusOK, connectionJSON{
		ConnectedAt:  info.ConnectedAt.UTC().Format(timeFormat),
		LastActiveAt: info.LastActiveAt.UTC().Format(timeFormat),
		Identity:     identityJSON{SourceIP: info.Identity.SourceIP, UserAgent: info.Identity.UserAgent},
	})
}

func (s *Server) delete(w http.ResponseWriter, id string) {
	if err := s.reg.Close(id); err != nil {
		if errors.Is(err, ErrGone) {
			writeError(w, http.StatusGone, "GoneException", "connection "+id+" is gone")
			return
		}
		s.log.Warn("close connection", "connection", id, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers in API Gateway's REST-JSON error form: the type in
// x-amzn-ErrorType and {"message": …} in the body.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("x-amzn-ErrorType", typ)
	writeJSON(w, status, map[string]string{"message": msg})
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
