package engine

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/nodes"
)

// NodeResult is the record of one node execution (or skip).
type NodeResult struct {
	NodeID     string         `json:"node_id"`
	Handle     string         `json:"handle"`
	Type       string         `json:"type"`
	Status     string         `json:"status"`
	Order      int            `json:"order,omitempty"`
	Attempts   int            `json:"attempts,omitempty"`
	Iteration  []int          `json:"iteration,omitempty"`
	StartedAt  time.Time      `json:"started_at,omitzero"`
	DurationMS float64        `json:"duration_ms"`
	Inputs     map[string]any `json:"inputs,omitempty"`
	Outputs    map[string]any `json:"outputs,omitempty"`
	Error      *NodeError     `json:"error,omitempty"`
	Logs       []LogLine      `json:"logs,omitempty"`
}

// LogLine is one line a node logged.
type LogLine struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

// Event types.
const (
	EventRunStart  = "run_start"
	EventNodeStart = "node_start"
	EventNodeEnd   = "node_end"
	EventNodeLog   = "node_log"
	EventRunEnd    = "run_end"
	EventRunPaused = "run_paused"
	EventStream    = "stream"
)

// Event is one thing that happened in a run, in order of seq.
type Event struct {
	Type      string    `json:"type"`
	RunID     string    `json:"run_id"`
	FlowID    string    `json:"flow_id"`
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Node      string    `json:"node,omitempty"`
	NodeID    string    `json:"node_id,omitempty"`
	NodeType  string    `json:"node_type,omitempty"`
	Order     int       `json:"order,omitempty"`
	Status    string    `json:"status,omitempty"`
	Iteration []int     `json:"iteration,omitempty"`
	Data      any       `json:"data,omitempty"`
}

// cleaner redacts secret values and truncates large values for recording.
type cleaner struct {
	max     int
	secrets []secretValue
}

type secretValue struct{ key, value string }

func newCleaner(max int, secrets map[string]string) *cleaner {
	c := &cleaner{max: max}
	for v, k := range secrets {
		if v == "" {
			continue
		}
		for _, form := range secretForms(v) {
			c.secrets = append(c.secrets, secretValue{key: k, value: form})
		}
	}
	// longest first so a secret containing another is replaced whole
	sort.Slice(c.secrets, func(i, j int) bool { return len(c.secrets[i].value) > len(c.secrets[j].value) })
	return c
}

// uncut is the cleaner with no size limit: it only redacts (and describes values that are
// not data).
func (c *cleaner) uncut() *cleaner {
	u := *c
	u.max = math.MaxInt
	return &u
}

func (c *cleaner) redact(s string) string {
	for _, sv := range c.secrets {
		if strings.Contains(s, sv.value) {
			s = strings.ReplaceAll(s, sv.value, "<secret:"+sv.key+">")
		}
	}
	return s
}

// value returns a recordable copy of v: secrets redacted, strings and large values cut
// with a marker, values that are not data (service instances) described.
func (c *cleaner) value(v any) any {
	v = c.walk(v, 0)
	switch v.(type) {
	case map[string]any, []any:
	default:
		return v // scalars and strings are already cut
	}
	if size := approxSize(v, c.max+1); size > c.max {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprintf("<%T>", v)
		}
		if len(b) > c.max {
			return map[string]any{"$truncated": true, "bytes": len(b), "cut": len(b) - c.max, "preview": string(b[:c.max])}
		}
	}
	return v
}

func (c *cleaner) cutString(s string) string {
	s = c.redact(s)
	if len(s) > c.max {
		return s[:c.max] + fmt.Sprintf("…[truncated: %d of %d bytes cut]", len(s)-c.max, len(s))
	}
	return s
}

func (c *cleaner) walk(v any, depth int) any {
	if depth > 64 {
		return "<too deep>"
	}
	switch x := v.(type) {
	case nil, bool, float64, float32, int, int64, int32, uint, uint64, json.Number:
		return v
	case string:
		return c.cutString(x)
	case time.Time:
		return x
	case []byte:
		s := base64.StdEncoding.EncodeToString(x)
		if len(s) > c.max {
			return fmt.Sprintf("<%d bytes; base64 preview %s…>", len(x), s[:c.max])
		}
		return s
	case map[string]any:
		return c.walkMap(x, depth)
	case nodes.Out:
		return c.walkMap(x, depth)
	case []any:
		var out []any
		for i, e := range x {
			ce := c.walk(e, depth+1)
			if out == nil && !same(ce, e) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = ce
			}
		}
		if out == nil {
			return x
		}
		return out
	case error:
		return c.cutString(x.Error())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return fmt.Sprintf("<%T>", v)
	case reflect.Pointer, reflect.Interface, reflect.Struct:
		if _, err := json.Marshal(v); err != nil {
			return fmt.Sprintf("<%T>", v)
		}
		if d, ok := v.(interface{ Describe() string }); ok {
			return d.Describe()
		}
		return c.walk(nodes.Normalize(v), depth+1)
	case reflect.Slice, reflect.Map, reflect.Array:
		return c.walk(nodes.Normalize(v), depth+1)
	case reflect.String:
		return c.cutString(rv.String())
	}
	return v
}

func (c *cleaner) walkMap(x map[string]any, depth int) any {
	var out map[string]any
	for k, e := range x {
		ce := c.walk(e, depth+1)
		if out == nil && !same(ce, e) {
			out = make(map[string]any, len(x))
			for k2, e2 := range x {
				out[k2] = e2
			}
		}
		if out != nil {
			out[k] = ce
		}
	}
	if out == nil {
		return map[string]any(x)
	}
	return out
}

// same reports whether walk returned its input unchanged (cheap identity check).
func same(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).Pointer() == reflect.ValueOf(y).Pointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case nil, bool, float64, int, int64:
		return a == b
	}
	return false
}

// approxSize estimates v's JSON size, stopping once it passes limit.
func approxSize(v any, limit int) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + approxSize(e, limit-n)
			if n > limit {
				return n
			}
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + approxSize(e, limit-n)
			if n > limit {
				return n
			}
		}
		return n
	}
	return 8
}

// cleanMap cleans each value of a map of port values.
func (c *cleaner) cleanMap(m map[string]any, services map[string]bool) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if services[k] {
			out[k] = "<service>"
			continue
		}
		out[k] = c.value(v)
	}
	return out
}
