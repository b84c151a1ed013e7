package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/nodes"
	"polysynergy/shared/store"
)

// RunView is one execution of a flow.
type RunView struct {
	ID         string          `json:"id"`
	Flow       string          `json:"flow"`
	Stage      string          `json:"stage"`
	Version    int             `json:"version" doc:"The version run (0: the draft)"`
	Trigger    string          `json:"trigger"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS int64           `json:"duration_ms"`
	Error      string          `json:"error,omitempty"`
	Summary    json.RawMessage `json:"summary,omitempty"`
	ExpiresAt  time.Time       `json:"expires_at"`
}

// NodeResultView is the record of one node execution.
type NodeResultView struct {
	Node       string          `json:"node"`
	Order      int             `json:"order"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS int64           `json:"duration_ms"`
	Inputs     json.RawMessage `json:"inputs,omitempty"`
	Outputs    json.RawMessage `json:"outputs,omitempty"`
	Error      json.RawMessage `json:"error,omitempty"`
	Logs       json.RawMessage `json:"logs,omitempty"`
}

// RunDetail is a run with its node results.
type RunDetail struct {
	RunView
	Nodes []NodeResultView `json:"nodes" nullable:"false"`
}

// DeletedRuns counts deleted runs.
type DeletedRuns struct {
	Deleted int `json:"deleted"`
	Skipped int `json:"skipped" doc:"Runs left because they have not ended (running, or paused waiting to be resumed); delete them once they have"`
}

// RunPath names a run of a flow.
type RunPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Flow    string `path:"flow" doc:"Flow id (ULID)"`
	Run     string `path:"run" doc:"Run id (ULID)"`
}

func (p RunPath) key() store.RunKey {
	return store.RunKey{Tenant: p.Tenant, Project: p.Project, Run: p.Run}
}

func runView(r store.Run) RunView {
	return RunView{ID: r.ID, Flow: r.Flow, Stage: r.Stage, Version: r.Version, Trigger: r.Trigger, Status: r.Status,
		StartedAt: r.StartedAt.UTC(), DurationMS: r.Duration.Milliseconds(), Error: r.Error, Summary: r.Summary,
		ExpiresAt: r.ExpiresAt.UTC()}
}

func nodeResultView(n store.NodeResult) NodeResultView {
	return NodeResultView{Node: n.NodeID, Order: n.Order, Status: n.Status, StartedAt: n.StartedAt.UTC(),
		DurationMS: n.Duration.Milliseconds(), Inputs: n.Inputs, Outputs: n.Outputs, Error: n.Error, Logs: n.Logs}
}

func (h *Handler) registerRuns() {
	const tag = "Runs"
	base := "/tenants/{tenant}/projects/{project}/flows/{flow}/runs"
	register(h, endpoint{id: "listRuns", method: http.MethodGet, path: base,
		summary: "List a flow's runs, newest first", tag: tag, scope: ScopeTenant, action: auth.ActionRunRead},
		func(ctx context.Context, in *struct {
			FlowPath
			Stage  string `query:"stage" maxLength:"32" doc:"Only runs on this stage"`
			Status string `query:"status" enum:"running,success,error,paused" doc:"Only runs with this status (a cancelled or timed-out run ends as error)"`
			PageQuery
		}) (*Out[List[RunView]], error) {
			if _, err := h.st.GetFlow(ctx, in.key()); err != nil {
				return nil, err
			}
			p, err := h.st.ListRuns(ctx, in.key(), store.ListRunsOptions{ListOptions: in.opts(), Stage: in.Stage, Status: in.Status})
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[RunView]{Items: fitSummaries(mapSlice(p.Items, runView), resultsBudget), NextCursor: p.Next})
		})
	register(h, endpoint{id: "getRun", method: http.MethodGet, path: base + "/{run}",
		summary: "Get a run with its node results", tag: tag, scope: ScopeTenant, action: auth.ActionRunRead},
		func(ctx context.Context, in *RunPath) (*Out[RunDetail], error) {
			var (
				r    store.Run
				ns   []store.NodeResult
				rerr error
				wg   sync.WaitGroup
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, rerr = h.st.GetRun(ctx, in.key())
			}()
			ns, err := h.st.ListNodeResults(ctx, in.key())
			wg.Wait()
			if rerr != nil {
				return nil, rerr
			}
			if r.Flow != in.Flow {
				return nil, notFound("run")
			}
			if err != nil {
				return nil, err
			}
			return ok(RunDetail{RunView: runView(r), Nodes: fitResults(mapSlice(ns, nodeResultView), resultsBudget)})
		})
	register(h, endpoint{id: "deleteRun", method: http.MethodDelete, path: base + "/{run}",
		summary: "Delete a run with its node results, once it has ended: 409 at path.run for a run still running or paused " +
			"(waiting to be resumed); a run running for longer than any run can take (15 minutes) has stopped and is deleted",
		tag: tag, scope: ScopeTenant, action: auth.ActionRunWrite, status: statusNoContent},
		func(ctx context.Context, in *RunPath) (*Empty, error) {
			err := h.st.DeleteRun(ctx, in.key(), in.Flow)
			var ae *store.RunActiveError
			if errors.As(err, &ae) {
				return nil, runActive(ae)
			}
			return nil, err
		})
	register(h, endpoint{id: "deleteRuns", method: http.MethodDelete, path: base,
		summary: "Delete every run of a flow that has ended; runs still running or paused (waiting to be resumed) are left " +
			"and counted as skipped", tag: tag, scope: ScopeTenant, action: auth.ActionRunWrite},
		func(ctx context.Context, in *FlowPath) (*Out[DeletedRuns], error) {
			if _, err := h.st.GetFlow(ctx, in.key()); err != nil {
				return nil, err
			}
			res, err := h.st.DeleteFlowRuns(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return ok(DeletedRuns{Deleted: res.Deleted, Skipped: res.Skipped})
		})
}

// runActive is the 409 for deleting a run that has not ended.
func runActive(e *store.RunActiveError) *Problem {
	if e.Status == "paused" {
		return conflict(TypeConflict, fmt.Sprintf("the run is paused, waiting to be resumed; it can be deleted once it has ended: "+
			"resumed, it ends when its flow finishes (or pauses again); never resumed, it is removed when it expires at %s",
			e.ExpiresAt.UTC().Format(time.RFC3339)),
			FieldError{Location: "path.run", Message: "is paused, waiting to be resumed"})
	}
	return conflict(TypeConflict, fmt.Sprintf("the run is still running; it can be deleted once it has ended "+
		"(or from %s if it has not recorded its end by then: no run lasts longer than %s, so it has stopped)",
		e.DeletableAt.UTC().Format(time.RFC3339), store.RunMaxDuration),
		FieldError{Location: "path.run", Message: "is still running"})
}

func (h *Handler) registerCatalog() {
	register(h, endpoint{id: "getNodeCatalog", method: http.MethodGet, path: "/nodes",
		summary: "The node catalogue: every node type grouped by category", tag: "Nodes", scope: ScopeUser},
		func(ctx context.Context, _ *NoInput) (*Out[nodes.Catalog], error) {
			return ok(h.reg().Catalog())
		})
}

// MaxResponseBody is the most a response of the API should be, counted as Lambda carries it
// (answerSize): Lambda answers at most 6 MB, and fails an invocation whose answer is larger.
const MaxResponseBody = 5 << 20

// resultsBudget is how much of a run detail's answer its node results may take (their
// encoded values counted by answerSize; the rest of the answer needs the remainder).
const resultsBudget = 4 << 20

// fitResults keeps a run's node results within budget bytes of values: when they add up to
// more (a run of many large outputs), the largest values are replaced, largest first and
// no more than needed, by a note of their size; the nodes, their status and the small
// values all stay.
func fitResults(ns []NodeResultView, budget int) []NodeResultView {
	type ref struct {
		v    *json.RawMessage
		size int
	}
	var refs []ref
	total := 0
	for i := range ns {
		n := &ns[i]
		for _, v := range []*json.RawMessage{&n.Inputs, &n.Outputs, &n.Error, &n.Logs} {
			size := answerSize(*v) // as Lambda carries it: a value of quoted JSON text counts up to twice
			total += size
			if size > 1024 {
				refs = append(refs, ref{v, size})
			}
		}
	}
	if total <= budget {
		return ns
	}
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].size > refs[j].size })
	for _, r := range refs {
		if total <= budget {
			break
		}
		note, _ := json.Marshal(map[string]any{"$truncated": true, "bytes": len(*r.v),
			"reason": "the run's results are larger than one answer can hold; this value is not shown"})
		*r.v = note
		total += answerSize(note) - r.size
	}
	return ns
}

// fitSummaries keeps a page of runs within budget bytes of summaries: when they add up to
// more (a big flow's edge states on every run), the summaries lose their edges, largest
// first and no more than needed; each run's own answer (getRun) keeps them.
func fitSummaries(rs []RunView, budget int) []RunView {
	total := 0
	for _, r := range rs {
		total += answerSize(r.Summary)
	}
	if total <= budget {
		return rs
	}
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return answerSize(rs[order[a]].Summary) > answerSize(rs[order[b]].Summary) })
	for _, i := range order {
		if total <= budget {
			break
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(rs[i].Summary, &m) != nil || m["edges"] == nil {
			continue
		}
		delete(m, "edges")
		b, err := json.Marshal(m)
		if err != nil {
			continue
		}
		total += answerSize(b) - answerSize(rs[i].Summary)
		rs[i].Summary = b
	}
	return rs
}
