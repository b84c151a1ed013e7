package nodes

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RunInfo describes the run a node executes in. Expressions see it as `run`.
type RunInfo struct {
	ID      string    `json:"id"`
	FlowID  string    `json:"flow"`
	Stage   string    `json:"stage"`
	Version int       `json:"version"`
	Started time.Time `json:"started"`
	// Tenant and Project own the run (empty outside the platform, e.g. the CLI). Expressions
	// do not see them; nodes use them for what the platform decides per project (the
	// external ID of an AWS role assumption).
	Tenant  string `json:"-"`
	Project string `json:"-"`
	// Templates are named text templates supplied to the run (text.template extends them).
	Templates map[string]string `json:"-"`
}

// Host is what the engine offers a running node besides its inputs.
type Host interface {
	Log(level, msg string)
	Stream(chunk any)
	SetResponse(resp any)
	Secret(ctx context.Context, key string) (string, error)
	Env(ctx context.Context, key string) (string, error)
}

// Redactor is what a Host may also offer: a copy of a value with every secret the run has
// read replaced by <secret:KEY>, in the forms the run's records redact. Nodes handing a
// value outside the run (to a model's provider, say) pass it through Call.Redact.
type Redactor interface {
	Redact(v any) any
}

// Redact returns v with the run's secrets replaced by <secret:KEY> when the host can (the
// engine's can), else v as it is.
func (c *Call) Redact(v any) any {
	if r, ok := c.Host.(Redactor); ok {
		return r.Redact(v)
	}
	return v
}

// Call is one execution of a node: its resolved inputs and the engine's services.
type Call struct {
	NodeID string
	Handle string
	Type   *Type
	// In holds the resolved input values by port name (templates evaluated, placeholders
	// resolved, connections applied, defaults filled). Inputs are shared with other
	// nodes: treat them as read-only (use Clone before changing a value).
	In map[string]any
	// Values are the node's literal values as stored in the flow (for dynamic rows).
	Values map[string]any
	// Trigger is the run's trigger data.
	Trigger any
	Run     *RunInfo
	// Attempt counts from 1; retries increase it.
	Attempt int
	// Resume is set when a paused node is executed again by a resume.
	Resume *Resume
	Host   Host
}

// Resume is what a resumed node receives.
type Resume struct {
	Input   any `json:"input"`
	Payload any `json:"payload"`
}

// PauseError asks the engine to pause the run at this node. The payload is stored with the
// run state and handed back in Call.Resume.
type PauseError struct{ Payload any }

func (e *PauseError) Error() string { return "node paused the run" }

// Pause pauses the run at this node; return its result from the node's code.
func (c *Call) Pause(payload any) (Out, error) { return nil, &PauseError{Payload: payload} }

// Log writes a line to the run's log for this node.
func (c *Call) Log(format string, args ...any) {
	if c.Host != nil {
		c.Host.Log("info", fmt.Sprintf(format, args...))
	}
}

// Warn writes a warning line to the run's log.
func (c *Call) Warn(format string, args ...any) {
	if c.Host != nil {
		c.Host.Log("warn", fmt.Sprintf(format, args...))
	}
}

// InputError is an error about one input port; the engine reports it with the node handle.
type InputError struct {
	Port   string
	Reason string
}

func (e *InputError) Error() string { return fmt.Sprintf("input %q: %s", e.Port, e.Reason) }

// RequestError is an error about the data that started the run (the HTTP request of a
// route: a body that does not parse as its content type says, a malformed query string):
// the caller's fault, not the flow's. The engine reports it with kind request_error, and a
// route that did not answer turns it into 400 Bad Request.
type RequestError struct {
	Field  string
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("trigger data: field %q: %s", e.Field, e.Reason)
}

// Errorf returns an InputError for port.
func Errorf(port, format string, args ...any) error {
	return &InputError{Port: port, Reason: fmt.Sprintf(format, args...)}
}

// Has reports whether input name has a non-nil value.
func (c *Call) Has(name string) bool { return c.In[name] != nil }

// Get returns input name as is.
func (c *Call) Get(name string) any { return c.In[name] }

// Str returns input name as a string (numbers and booleans are formatted; nil is "").
func (c *Call) Str(name string) string { return ToString(c.In[name]) }

// Float returns input name as a number, failing with an error naming the port when it is
// not one or lies outside the port's Min and Max.
func (c *Call) Float(name string) (float64, error) {
	f, ok := ToFloat(c.In[name])
	if !ok {
		return 0, Errorf(name, "expected a number, got %s", Describe(c.In[name]))
	}
	if c.Type != nil {
		if p, ok := c.Type.Input(name); ok {
			if err := p.InRange(f); err != nil {
				return 0, err
			}
		}
	}
	return f, nil
}

// Int returns input name as an integer, failing when it is not a whole number or lies
// outside the port's Min and Max.
func (c *Call) Int(name string) (int, error) {
	f, err := c.Float(name)
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) {
		return 0, Errorf(name, "expected a whole number, got %v", f)
	}
	return int(f), nil
}

// IntOr returns input name as an integer, or def when it is empty.
func (c *Call) IntOr(name string, def int) (int, error) {
	if c.In[name] == nil || c.In[name] == "" {
		return def, nil
	}
	return c.Int(name)
}

// Bool returns input name as a boolean using Truthy's rules.
func (c *Call) Bool(name string) bool { return Truthy(c.In[name]) }

// List returns input name as a list, failing with an error naming the port.
func (c *Call) List(name string) ([]any, error) {
	l, ok := ToList(c.In[name])
	if !ok {
		return nil, Errorf(name, "expected a list, got %s", Describe(c.In[name]))
	}
	return l, nil
}

// Map returns input name as an object, failing with an error naming the port.
func (c *Call) Map(name string) (map[string]any, error) {
	switch m := c.In[name].(type) {
	case map[string]any:
		return m, nil
	case Out:
		return map[string]any(m), nil
	case nil:
		return nil, Errorf(name, "expected an object, got nothing")
	}
	return nil, Errorf(name, "expected an object, got %s", Describe(c.In[name]))
}

// ErrNotFound is returned by resolvers for a missing secret or environment variable.
var ErrNotFound = errors.New("not found")

// TriggerOr is the run's trigger data (a copy), or the value of input port when the run has
// none, for triggers that take a test value to play with in the editor.
func (c *Call) TriggerOr(port string) any {
	if c.Trigger != nil {
		return Clone(Normalize(c.Trigger))
	}
	return c.Get(port)
}
