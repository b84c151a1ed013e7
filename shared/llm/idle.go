package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultIdleTimeout is the time a streamed answer may go without sending anything (before
// it starts, and between its pieces) when a model sets no idle timeout of its own.
const DefaultIdleTimeout = 60 * time.Second

// IdleTimeoutError says a streamed answer went silent for longer than the model's idle
// timeout: before it started, or after some of it had come.
type IdleTimeoutError struct {
	Idle time.Duration
	// Started says some of the answer had come.
	Started bool
}

func (e *IdleTimeoutError) Error() string {
	if e.Started {
		return fmt.Sprintf("the answer stalled: nothing more came for %s, the model's idle_timeout "+
			"(the time allowed between the pieces of a streamed answer; raise idle_timeout, or set 0 to wait up to timeout)", e.Idle)
	}
	return fmt.Sprintf("the answer did not start within %s, the model's idle_timeout "+
		"(the time allowed before a streamed answer's first piece; raise idle_timeout for models that think long before answering, or set 0 to wait up to timeout)", e.Idle)
}

// Timeout marks the error as a timeout (net.Error's method).
func (e *IdleTimeoutError) Timeout() bool { return true }

// IdleWatch returns an SDK middleware (the shape openai-go's and anthropic-sdk-go's
// option.WithMiddleware take) that bounds the silence of each request attempt: the time
// until the answer's headers, and then between reads of its body that bring data. When the
// answer is silent for longer than idle, the attempt is cancelled and fails with an
// *IdleTimeoutError (before the headers: the SDKs retry it like a connection error). idle ≤ 0
// watches nothing.
func IdleWatch(idle time.Duration) func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	return func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		if idle <= 0 {
			return next(r)
		}
		ctx, cancel := context.WithCancel(r.Context())
		w := &idleWatch{idle: idle, cancel: cancel}
		w.timer = time.AfterFunc(idle, w.expire)
		resp, err := next(r.WithContext(ctx))
		if err != nil {
			w.stop()
			if w.expired() {
				return resp, &IdleTimeoutError{Idle: idle}
			}
			return resp, err
		}
		if !w.touch() {
			// went silent just as the headers came: the body is cut off already
			w.stop()
			_ = resp.Body.Close()
			return nil, &IdleTimeoutError{Idle: idle}
		}
		resp.Body = &idleBody{ReadCloser: resp.Body, w: w}
		return resp, nil
	}
}

// idleWatch cancels an attempt once it has been silent for idle.
type idleWatch struct {
	idle    time.Duration
	cancel  context.CancelFunc
	timer   *time.Timer
	mu      sync.Mutex
	fired   bool
	stopped bool
	started bool // a piece of the body came
}

func (w *idleWatch) expire() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.fired = true
	w.mu.Unlock()
	w.cancel()
}

// touch records activity, restarting the clock; false when the watch has fired already.
func (w *idleWatch) touch() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired {
		return false
	}
	if !w.stopped {
		w.timer.Reset(w.idle)
	}
	return true
}

func (w *idleWatch) expired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// stop ends the watch and releases the attempt's context.
func (w *idleWatch) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.timer.Stop()
	w.cancel()
}

// idleBody restarts the watch's clock on every read that brings data.
type idleBody struct {
	io.ReadCloser
	w *idleWatch
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && b.w.touch() {
		b.w.mu.Lock()
		b.w.started = true
		b.w.mu.Unlock()
	}
	if err != nil && !errors.Is(err, io.EOF) && b.w.expired() {
		b.w.mu.Lock()
		started := b.w.started
		b.w.mu.Unlock()
		return n, &IdleTimeoutError{Idle: b.w.idle, Started: started}
	}
	if errors.Is(err, io.EOF) {
		b.w.timer.Stop()
	}
	return n, err
}

func (b *idleBody) Close() error {
	err := b.ReadCloser.Close()
	b.w.stop()
	return err
}
