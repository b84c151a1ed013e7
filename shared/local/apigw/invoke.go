package apigw

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
)

// InvokePath is the Lambda Invoke API's path pattern.
const InvokePath = "/2015-03-31/functions/{name}/invocations"

// Lambda serves the Lambda Invoke API for registered functions, so the functions' own
// Lambda client (pointed at the local cloud) reaches them unchanged.
type Lambda struct {
	mu    sync.RWMutex
	funcs map[string]Function
	log   *slog.Logger
	async sync.WaitGroup
	ctx   context.Context
}

// NewLambda returns an empty function registry. Asynchronous invocations run under ctx.
func NewLambda(ctx context.Context, log *slog.Logger) *Lambda {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lambda{funcs: map[string]Function{}, log: log, ctx: ctx}
}

// Register adds a function under a name (the name or ARN callers use ends with it).
func (l *Lambda) Register(name string, fn Function) {
	l.mu.Lock()
	l.funcs[name] = fn
	l.mu.Unlock()
}

// Routes registers the Invoke API on mux.
func (l *Lambda) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+InvokePath, l.invoke)
}

// Wait waits for asynchronous invocations to finish.
func (l *Lambda) Wait() { l.async.Wait() }

func (l *Lambda) lookup(name string) (Function, bool) {
	// an ARN (arn:aws:lambda:region:acct:function:name[:qualifier]) names the function too
	if i := strings.Index(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
		name, _, _ = strings.Cut(name, ":")
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	fn, ok := l.funcs[name]
	return fn, ok
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (l *Lambda) invoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	fn, ok := l.lookup(name)
	if !ok {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
	if err != nil || len(payload) > 6<<20 {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "Event":
		l.async.Add(1)
		go func() {
			defer l.async.Done()
			if _, err := fn(context.WithoutCancel(l.ctx), payload); err != nil {
				l.log.Error("async invocation failed", "function", name, "err", err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	case "", "RequestResponse":
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", fmt.Sprintf("invalid invocation type %q", typ))
		return
	}
	out, err := fn(r.Context(), payload)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if err != nil {
		// a function error is a 200 with X-Amz-Function-Error, as Lambda answers
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorMessage": err.Error(), "errorType": fmt.Sprintf("%T", err)})
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
