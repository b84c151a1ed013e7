package api

import (
	"net/http"
	"sync"
	"testing"

	"polysynergy/shared/store/storetest"
)

// An import that fails part way puts back the flows it had overwritten, as it deletes the
// flows it had created: a failed write of the third flow left the second overwritten, with
// an error flow pointing at a created flow the failure had deleted.
func TestHunt88ImportFailingPartWayPutsOverwritesBack(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	dst, _ := e.project(u, "Dest")
	bPath, _ := e.flow(u, dst, map[string]any{"kind": "service", "name": "B", "document": chainDoc(t, 2, "b0")})
	cPath, _ := e.flow(u, dst, map[string]any{"kind": "service", "name": "C", "document": chainDoc(t, 2, "c0")})
	var before FlowDetail
	e.do(http.MethodGet, bPath, u.token, nil).ok(&before)
	b := map[string]any{"format": BundleFormat, "flows": []any{
		map[string]any{"id": "01ARZ3NDEKTSV4RRFFQ69G5FAA", "name": "A", "kind": "service", "document": chainDoc(t, 2, "a")},
		map[string]any{"id": "01ARZ3NDEKTSV4RRFFQ69G5FAB", "name": "B", "kind": "service", "document": chainDoc(t, 3, "b"),
			"error_flow": "01ARZ3NDEKTSV4RRFFQ69G5FAA", "retention": 7, "run_saving": "none"},
		map[string]any{"name": "C", "kind": "service", "document": chainDoc(t, 3, "c")}}}
	// the third transaction of the import (A's creation, B's draft, C's draft) fails
	var mu sync.Mutex
	writes := 0
	e.db.SetFault(func(op string) *storetest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if op != "TransactWriteItems" {
			return nil
		}
		if writes++; writes == 3 {
			return &storetest.Fault{Status: 400, Type: "ValidationException"}
		}
		return nil
	})
	r := e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 1, "action": "overwrite"}, map[string]any{"index": 2, "action": "overwrite"}}})
	e.db.SetFault(nil)
	if r.Status < 500 || writes < 3 {
		t.Fatalf("the import did not meet the failure (%d writes): %s", writes, r)
	}
	var list List[FlowView]
	e.do(http.MethodGet, dst+"/flows", u.token, nil).ok(&list)
	if len(list.Items) != 2 {
		t.Errorf("flows after the failed import: %+v, want B and C", list.Items)
	}
	for path, doc := range map[string]string{bPath: mustJSON(t, chainDoc(t, 2, "b0")), cPath: mustJSON(t, chainDoc(t, 2, "c0"))} {
		var f FlowDetail
		e.do(http.MethodGet, path, u.token, nil).ok(&f)
		if mustJSON(t, f.Draft.Document) != doc {
			t.Errorf("%s: draft left overwritten by the failed import", f.Name)
		}
		if f.Name == "B" && (f.ErrorFlow != "" || f.Retention != before.Retention || f.RunSaving != before.RunSaving) {
			t.Errorf("B's settings left changed: error flow %q, retention %d, run saving %s", f.ErrorFlow, f.Retention, f.RunSaving)
		}
	}
	// the same import without the failure goes through
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": b, "items": []any{
		map[string]any{"index": 1, "action": "overwrite"}, map[string]any{"index": 2, "action": "overwrite"}}}).ok(nil)
}
