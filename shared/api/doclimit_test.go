package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"polysynergy/shared/store"
)

// sizedDoc is a valid compact flow document whose size as an answer carries it
// (answerSize) is exactly size: one log node whose message is text full of '"' and
// '\', which Lambda's answer escapes, padded with letters.
func sizedDoc(t *testing.T, size int) json.RawMessage {
	t.Helper()
	build := func(msg string) json.RawMessage {
		b, err := marshalNoEscape(map[string]any{"schema": "polysynergy/flow@1", "connections": []any{}, "nodes": []any{map[string]any{
			"id": "n1", "handle": "n1", "type": "debug.log", "position": map[string]any{"x": 0, "y": 0},
			"values": map[string]any{"message": msg, "level": "info"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	msg := strings.Repeat(`say "hi" to C:\flows, `, (size-1000)/40)
	pad := size - answerSize(build(msg))
	if pad < 0 {
		t.Fatalf("sizedDoc(%d): base is too large by %d", size, -pad)
	}
	doc := build(msg + strings.Repeat("a", pad))
	if got := answerSize(doc); got != size {
		t.Fatalf("sizedDoc(%d) is %d", size, got)
	}
	return doc
}

// A flow document is at most MaxDocument bytes as an answer carries it, so that every
// answer holding it (the flow, a version, its export) stays within MaxResponseBody and
// Lambda's 6 MB: one at the limit is saved and read back through GET, a version and the
// export; one a byte over is refused with 413 at the document naming the limit (when
// creating, saving and importing). A 6 MiB document used to be saved and then failed
// every GET with 500 in AWS.
func TestDocumentLimitFitsEveryAnswer(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Big")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "big"})

	at := sizedDoc(t, MaxDocument)
	if len(at) <= MaxDocument*3/4 {
		t.Fatalf("the document at the limit is only %d bytes: its escapes do not count", len(at))
	}
	e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": at, "revision": f.Draft.Revision}).status(http.StatusOK)
	fits := func(what string, r *response) {
		t.Helper()
		r.status(http.StatusOK)
		if n := answerSize(r.Body); n > MaxResponseBody {
			t.Errorf("%s: the answer is %d bytes as Lambda carries it, over %d", what, n, MaxResponseBody)
		}
		if !strings.Contains(string(r.Body), string(at)) {
			t.Errorf("%s: the answer does not hold the document", what)
		}
	}
	fits("GET flow", e.do(http.MethodGet, path, u.token, nil))
	fits("export", e.do(http.MethodGet, proj+"/export?flow="+f.ID, u.token, nil))
	var v CreatedVersion
	e.do(http.MethodPost, path+"/versions", u.token, map[string]any{}).status(http.StatusCreated).ok(&v)
	fits("GET version", e.do(http.MethodGet, path+"/versions/"+strconv.Itoa(v.Version.Number), u.token, nil))

	over := sizedDoc(t, MaxDocument+1)
	check := func(what string, r *response, location string) {
		t.Helper()
		p := r.problem(http.StatusRequestEntityTooLarge)
		wantFields(t, p, location)
		if !strings.Contains(p.Detail, strconv.Itoa(MaxDocument)) || !strings.Contains(p.Detail, location) {
			t.Errorf("%s: detail %q does not name %s and the limit", what, p.Detail, location)
		}
	}
	check("save", e.do(http.MethodPut, path+"/draft", u.token, map[string]any{"document": over, "revision": f.Draft.Revision + 1}), "body.document")
	check("create", e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "bigger", "document": over}), "body.document")
	check("import", e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": map[string]any{"format": BundleFormat,
		"flows": []any{map[string]any{"name": "x", "kind": "service", "document": over}}}}), "body.bundle.flows[0].document")
	var d FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&d)
	if d.Draft.Revision != f.Draft.Revision+1 {
		t.Errorf("the refused save changed the draft: revision %d", d.Draft.Revision)
	}
}

// A run's results are fitted to one answer counted as Lambda carries it: values of quoted
// text (an HTTP body of JSON, say) take up to twice their size there, so 3.75 MB of them,
// under the results budget by length, made an answer of 7.5 MB that Lambda fails.
func TestRunDetailFitsCountedAsLambdaCarriesIt(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	quoted, _ := json.Marshal(strings.Repeat(`"`, 32<<10)) // 64 KiB of \" here, 128 KiB in Lambda's answer
	path, r := e.runWithResults(u, 60, quoted, nil)
	resp := e.do(http.MethodGet, path+"/runs/"+r.ID, u.token, nil)
	var d RunDetail
	resp.ok(&d)
	if n := answerSize(resp.Body); n > MaxResponseBody {
		t.Fatalf("run detail is %d bytes as Lambda carries it, over %d", n, MaxResponseBody)
	}
	if len(d.Nodes) != 60 {
		t.Fatalf("nodes = %d, want all 60", len(d.Nodes))
	}
}

// runWithResults stores a finished run of a new flow (in a new project) with n node results
// of these outputs and inputs, as the runner writes them; the flow's API path and the run.
func (e *env) runWithResults(u user, n int, outputs, inputs json.RawMessage) (string, store.Run) {
	e.t.Helper()
	proj, pv := e.project(u, "Runs")
	path, f := e.flow(u, proj, map[string]any{"kind": "service", "name": "f"})
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	r, err := e.db.Store.CreateRun(e.t.Context(), store.Run{Tenant: k.Tenant, Project: k.Project, Flow: f.ID, Stage: "mock",
		Version: 1, Trigger: "editor", Status: "success"})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range n {
		if err := e.db.Store.PutNodeResult(e.t.Context(), k.Run(r.ID), store.NodeResult{NodeID: "p" + strconv.Itoa(i),
			Order: i + 1, Status: "success", StartedAt: r.StartedAt, Outputs: outputs, Inputs: inputs}); err != nil {
			e.t.Fatal(err)
		}
	}
	return path, r
}
