package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// InvokePath is the Lambda Invoke API's path pattern.
const InvokePath = "/2015-03-31/functions/{name}/invocations"

// Lambda serves the Lambda Invoke API for registered functions, so the functions' own
// Lambda client (pointed at the local cloud) reaches them unchanged.
type Lambda struct {
	mu    sync.RWMutex
	funcs map[string]Function
	log   *slog.Logger

	// asynchronous invocations: they run under ctx, which only Wait cancels
	ctx     context.Context
	cancel  context.CancelFunc
	amu     sync.Mutex
	closing bool // Wait began: no new asynchronous invocations
	async   sync.WaitGroup
	running atomic.Int64
}

// MaxAsyncPayload is the largest event of an asynchronous (Event) invocation, as in Lambda;
// a synchronous one takes 6 MB.
const MaxAsyncPayload = 1 << 20

// ErrTooLarge is returned for an asynchronous invocation over MaxAsyncPayload.
var ErrTooLarge = errors.New("request must be smaller than 1048576 bytes for an asynchronous (Event) invocation")

// ErrStopping is returned for an asynchronous invocation once Wait has begun.
var ErrStopping = errors.New("the local cloud is stopping")

// StopGrace is how long Wait gives cancelled invocations to return.
const StopGrace = 5 * time.Second

// NewLambda returns an empty function registry. Asynchronous invocations run under ctx's
// values but not its cancellation: they go on until they end or Wait gives up on them.
func NewLambda(ctx context.Context, log *slog.Logger) *Lambda {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Lambda{funcs: map[string]Function{}, log: log, ctx: actx, cancel: cancel}
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

// InvokeAsync invokes a function as Lambda's Event invocation type does (what EventBridge
// Scheduler and the router's hand-off use): it returns once the invocation is accepted and
// the function runs in the background.
func (l *Lambda) InvokeAsync(name string, payload []byte) error {
	return l.InvokeAsyncThen(name, payload, nil)
}

// InvokeAsyncThen is InvokeAsync that, once the invocation is accepted, calls done (when
// not nil) with the function's error when it returns (nil when it succeeded). The local
// scheduler retries a failed firing with it.
func (l *Lambda) InvokeAsyncThen(name string, payload []byte, done func(error)) error {
	fn, ok := l.lookup(name)
	if !ok {
		return fmt.Errorf("invoke %s: function not found", name)
	}
	return l.start(name, fn, payload, done)
}

func (l *Lambda) start(name string, fn Function, payload []byte, done func(error)) error {
	if len(payload) > MaxAsyncPayload {
		return fmt.Errorf("invoke %s: %w", name, ErrTooLarge)
	}
	l.amu.Lock()
	defer l.amu.Unlock()
	if l.closing {
		return fmt.Errorf("invoke %s: %w", name, ErrStopping)
	}
	l.async.Add(1)
	l.running.Add(1)
	go func() {
		defer l.async.Done()
		defer l.running.Add(-1)
		_, err := fn(l.ctx, payload)
		if err != nil {
			l.log.Error("async invocation failed", "function", name, "err", err)
		}
		if done != nil {
			done(err)
		}
	}()
	return nil
}

// Wait stops accepting asynchronous invocations and waits for those running to finish.
// When ctx ends first, it cancels them (a run ends as cancelled) and gives them StopGrace
// to return; the error says how many did not. Without that, stopping the local cloud
// waited for as long as a run went on (a delay node: up to 15 minutes).
func (l *Lambda) Wait(ctx context.Context) error {
	l.amu.Lock()
	l.closing = true
	l.amu.Unlock()
	done := make(chan struct{})
	go func() { l.async.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	n := l.running.Load()
	if n == 0 {
		// none left (ctx had ended before the wait began): nothing to cancel nor to warn of
		<-done
		return nil
	}
	l.log.Warn("stopping: cancelling the functions still running", "count", n)
	l.cancel()
	select {
	case <-done:
		return nil
	case <-time.After(StopGrace):
		return fmt.Errorf("stop functions: %d invocation(s) still running %s after they were cancelled", l.running.Load(), StopGrace)
	}
}

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
		if len(payload) > MaxAsyncPayload {
			lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", ErrTooLarge.Error())
			return
		}
		if err := l.start(name, fn, payload, nil); err != nil {
			lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
			return
		}
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
