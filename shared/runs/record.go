package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/store"
)

// summary is the run record's small JSON document.
type summary struct {
	Start    string          `json:"start,omitempty"`
	SubStage string          `json:"sub_stage,omitempty"`
	Save     store.RunSaving `json:"save"`
	// Saved says the run's node results are stored.
	Saved     bool             `json:"saved"`
	Counts    map[string]int   `json:"counts,omitempty"`
	ErrorNode string           `json:"error_node,omitempty"`
	ErrorType string           `json:"error_type,omitempty"`
	Response  *responseSummary `json:"response,omitempty"`
	Output    any              `json:"output,omitempty"`
	Exited    bool             `json:"exited,omitempty"`
	PausedAt  []string         `json:"paused_at,omitempty"`
	// PausedIDs are the ids of the nodes PausedAt names by handle (a resume may name either).
	PausedIDs []string `json:"paused_ids,omitempty"`
	// PausedTypes gives the type of each paused node, by handle and by id: the API checks
	// an answer for a Human approval before resuming (a run resumes once).
	PausedTypes map[string]string `json:"paused_types,omitempty"`
	// Edges is the state of every edge (live, dead, pending) of a kept run.
	Edges map[string]string `json:"edges,omitempty"`
	// LostResults counts node results the store refused.
	LostResults int `json:"lost_results,omitempty"`
}

// resultCounts counts the run's node results by status, those from before a resume
// included.
func resultCounts(a *active, run *engine.Run) map[string]int {
	c := make(map[string]int, len(a.counts)+2)
	for k, n := range a.counts {
		c[k] += n
	}
	for _, n := range run.Nodes {
		c[n.Status]++
	}
	return c
}

// responseSummary is what the run answered over HTTP.
type responseSummary struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	// FlowStatus is the status of the response the flow set, when its caller got another
	// answer (an error the router answered instead); 0 when the flow set none or the
	// caller got it.
	FlowStatus int `json:"flow_status,omitempty"`
}

// maxSummaryOutput bounds the exit value copied into a run record.
const maxSummaryOutput = 4 << 10

// summarize builds a finished (or paused) run's summary; details (output, edges) only for
// runs whose data the policy keeps.
func summarize(a *active, run *engine.Run, details bool, lost int) summary {
	s := summary{Start: run.Start, SubStage: a.subStage, Save: a.save, Saved: a.sink != nil && a.sink.writing(),
		Exited: run.Exited, LostResults: lost, Counts: resultCounts(a, run)}
	if run.Error != nil {
		s.ErrorNode, s.ErrorType = run.Error.Node, run.Error.Type
	}
	if run.State != nil {
		s.PausedAt = run.State.PausedNodes()
		for _, n := range run.Nodes {
			if slices.Contains(s.PausedAt, n.Handle) && !slices.Contains(s.PausedIDs, n.NodeID) {
				s.PausedIDs = append(s.PausedIDs, n.NodeID)
				if s.PausedTypes == nil {
					s.PausedTypes = map[string]string{}
				}
				s.PausedTypes[n.Handle], s.PausedTypes[n.NodeID] = n.Type, n.Type
			}
		}
	}
	s.Response = responseOf(run.Response)
	if a.answer != nil {
		// what the caller got, which is not always the response the flow set
		set := s.Response
		s.Response = &responseSummary{Status: a.answer.Status, ContentType: a.answer.ContentType}
		if set != nil {
			if set.Status == 0 {
				set.Status = 200 // a response node's default
			}
			if set.Status != a.answer.Status || a.answer.Error != "" {
				s.Response.FlowStatus = set.Status
			}
		}
	}
	if details {
		s.Edges = run.Edges
		if run.Output != nil {
			if b, err := json.Marshal(run.Output); err == nil && len(b) <= maxSummaryOutput {
				s.Output = json.RawMessage(b)
			} else {
				s.Output = map[string]any{"$truncated": true, "bytes": len(b)}
			}
		}
	}
	return s
}

// responseOf sums up the HTTP response a flow set: its status and content type. A response
// node sets the response's map form, read as it is (its body can be large: it is not
// encoded for this); any other value is read through its JSON form. A status that is not a
// whole number, or headers that are not an object, give no summary.
func responseOf(v any) *responseSummary {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil || json.Unmarshal(b, &m) != nil || m == nil {
			return nil
		}
	}
	out := &responseSummary{}
	switch st := m["status"].(type) {
	case nil:
	case float64:
		if st != math.Trunc(st) || math.Abs(st) > math.MaxInt32 {
			return nil
		}
		out.Status = int(st)
	case int:
		out.Status = st
	case int64:
		out.Status = int(st)
	case json.Number:
		n, err := st.Int64()
		if err != nil {
			return nil
		}
		out.Status = int(n)
	default:
		return nil
	}
	switch h := m["headers"].(type) {
	case nil:
	case map[string]any:
		for k, v := range h {
			if strings.EqualFold(k, "content-type") {
				out.ContentType, _ = v.(string)
			}
		}
	case map[string]string:
		for k, v := range h {
			if strings.EqualFold(k, "content-type") {
				out.ContentType = v
			}
		}
	default:
		return nil
	}
	return out
}

// existing returns the stored record of a run that already exists, with its node
// results, and an error wrapping ErrDuplicateRun.
func (x *Executor) existing(ctx context.Context, key store.RunKey) (*engine.Run, error) {
	dup := fmt.Errorf("run %s: %w", key.Run, ErrDuplicateRun)
	r, err := x.st.GetRun(ctx, key)
	if err != nil {
		return nil, errors.Join(dup, fmt.Errorf("read existing run %s: %w", key.Run, err))
	}
	run := &engine.Run{ID: r.ID, FlowID: r.Flow, Version: r.Version, Stage: r.Stage, Status: r.Status,
		StartedAt: r.StartedAt, DurationMS: float64(r.Duration.Microseconds()) / 1000, Edges: map[string]string{}}
	var sum summary
	if len(r.Summary) > 0 && json.Unmarshal(r.Summary, &sum) == nil {
		run.Start = sum.Start
		if sum.Edges != nil {
			run.Edges = sum.Edges
		}
		run.Exited = sum.Exited
	}
	if r.Error != "" {
		run.Error = &engine.NodeError{Error: r.Error, Type: sum.ErrorType, Node: sum.ErrorNode}
	}
	results, err := x.st.ListNodeResults(ctx, key)
	if err != nil {
		return run, errors.Join(dup, fmt.Errorf("read results of existing run %s: %w", key.Run, err))
	}
	for _, nr := range results {
		run.Nodes = append(run.Nodes, fromStoreResult(nr))
	}
	return run, dup
}

// fromStoreResult converts a stored node result back (handle and type are not stored).
func fromStoreResult(nr store.NodeResult) engine.NodeResult {
	r := engine.NodeResult{NodeID: nr.NodeID, Status: nr.Status, StartedAt: nr.StartedAt,
		DurationMS: float64(nr.Duration.Microseconds()) / 1000}
	if nr.Order < skipBase {
		r.Order = nr.Order
	}
	// the values as the flow saw them: whole numbers beyond 2^53 stay exact int64
	r.Inputs, _ = jsonvalue.UnmarshalMap(nr.Inputs)
	r.Outputs, _ = jsonvalue.UnmarshalMap(nr.Outputs)
	if len(nr.Error) > 0 {
		var e engine.NodeError
		if json.Unmarshal(nr.Error, &e) == nil {
			r.Error = &e
		}
	}
	_ = json.Unmarshal(nr.Logs, &r.Logs)
	return r
}

// redactRun replaces secret values left in the run-level error (the engine redacts node
// results, not the failure it reports for the run) with <secret:KEY>.
func redactRun(run *engine.Run, known map[string]string) {
	if run == nil || run.Error == nil || len(known) == 0 {
		return
	}
	keys := make([]string, 0, len(known))
	for k, v := range known {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return len(known[keys[i]]) > len(known[keys[j]]) })
	msg := run.Error.Error
	for _, k := range keys {
		msg = strings.ReplaceAll(msg, known[k], "<secret:"+k+">")
	}
	if msg != run.Error.Error {
		e := *run.Error
		e.Error = msg
		run.Error = &e
	}
}

// durationOf converts engine milliseconds.
func durationOf(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// resultRedactor replaces the secret values a run read, in the forms a flow commonly
// writes them (as written, inside a JSON string, URL-encoded), with <secret:KEY> in
// recorded node results. The engine redacts each result when its node ends, with the
// secrets read by then; results recorded when the run ends (a route's batch, a buffered
// failure's) also lose the values of secrets read after them — a webhook's shared token
// in the request the trigger node recorded, read as <secret:KEY> later to compare.
type resultRedactor struct {
	rep    *strings.Replacer
	probes [][]byte // each form as it appears in encoded JSON
}

// newResultRedactor returns nil (no redaction) when no secret was read.
func newResultRedactor(known map[string]string) *resultRedactor {
	type pair struct{ form, marker string }
	var pairs []pair
	seen := map[string]bool{}
	for k, v := range known {
		if v == "" {
			continue
		}
		for _, form := range []string{v, jsonText(v, false), jsonText(v, true), url.QueryEscape(v), url.PathEscape(v)} {
			if form != "" && !seen[form] {
				seen[form] = true
				pairs = append(pairs, pair{form, "<secret:" + k + ">"})
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// longest first, so a secret containing another is replaced whole
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].form) != len(pairs[j].form) {
			return len(pairs[i].form) > len(pairs[j].form)
		}
		return pairs[i].form < pairs[j].form
	})
	r := &resultRedactor{}
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.form, p.marker)
		r.probes = append(r.probes, []byte(jsonText(p.form, false)))
	}
	r.rep = strings.NewReplacer(args...)
	return r
}

// jsonText is s as it appears between the quotes of a JSON string.
func jsonText(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if enc.Encode(s) != nil {
		return s
	}
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}

// result returns nr with the secrets redacted; r may be nil.
func (r *resultRedactor) result(nr store.NodeResult) store.NodeResult {
	if r == nil {
		return nr
	}
	nr.Inputs, nr.Outputs, nr.Error, nr.Logs = r.raw(nr.Inputs), r.raw(nr.Outputs), r.raw(nr.Error), r.raw(nr.Logs)
	return nr
}

func (r *resultRedactor) raw(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return b
	}
	hit := false
	for _, p := range r.probes {
		if bytes.Contains(b, p) {
			hit = true
			break
		}
	}
	if !hit {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return b // recorded values are JSON the executor encoded; kept total for safety
	}
	return rawJSON(rewrite(v, r.rep))
}
