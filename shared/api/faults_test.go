package api

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

// want503 requires a 503 problem with Retry-After.
func want503(t *testing.T, r *response) {
	t.Helper()
	p := r.problem(http.StatusServiceUnavailable)
	if p.Type != TypeUnavailable {
		t.Errorf("type %q", p.Type)
	}
	if ra := r.Header.Get("Retry-After"); ra != strconv.Itoa(RetryAfterSeconds) {
		t.Errorf("Retry-After %q, want %d", ra, RetryAfterSeconds)
	}
	if r.Header.Get(RequestIDHeader) == "" {
		t.Error("503 without X-Request-Id")
	}
	if strings.Contains(p.Detail, "injected") || strings.Contains(p.Detail, "InternalServerError") {
		t.Errorf("detail leaks the database error: %q", p.Detail)
	}
}

// failOp makes every request of the named DynamoDB operations fail.
func failOp(e *env, fault storetest.Fault, ops ...string) *atomic.Int32 {
	var hits atomic.Int32
	e.db.SetFault(func(op string) *storetest.Fault {
		for _, o := range ops {
			if o == op {
				hits.Add(1)
				return &fault
			}
		}
		return nil
	})
	return &hits
}

var (
	throttled = storetest.Fault{Status: 400, Type: "ProvisionedThroughputExceededException"}
	internal  = storetest.Fault{Status: 500, Type: "InternalServerError"}
)

func TestFaultsAreServiceUnavailable(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "F")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "f", "document": chainDoc(t, 3, "f")})
	for _, tc := range []struct {
		name   string
		fault  storetest.Fault
		ops    []string
		method string
		path   string
		body   any
	}{
		{"membership read throttled", throttled, []string{"GetItem"}, http.MethodGet, path, nil},
		{"list failing", internal, []string{"Query"}, http.MethodGet, proj + "/flows", nil},
		{"draft save throttled", throttled, []string{"TransactWriteItems"}, http.MethodPut, path + "/draft",
			map[string]any{"document": chainDoc(t, 4, "g"), "revision": 1}},
		{"me failing", internal, []string{"Query", "GetItem"}, http.MethodGet, "/me", nil},
		{"service unavailable", storetest.Fault{Status: 503, Type: "ServiceUnavailable"}, []string{"GetItem"},
			http.MethodGet, proj, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits := failOp(e, tc.fault, tc.ops...)
			want503(t, e.do(tc.method, tc.path, u.token, tc.body))
			e.db.SetFault(nil)
			if hits.Load() == 0 {
				t.Error("the fault was never hit")
			}
		})
	}
	// After the failed save the draft is unchanged.
	var f FlowDetail
	e.do(http.MethodGet, path, u.token, nil).ok(&f)
	if f.Draft.Revision != 1 {
		t.Errorf("draft revision %d after a failed save", f.Draft.Revision)
	}
	// minidyn's own failure emulation.
	e.db.EmulateFailure(server.FailureConditionInternalServerError)
	want503(t, e.do(http.MethodGet, proj+"/stages", u.token, nil))
	e.db.EmulateFailure(server.FailureConditionNone)
	e.do(http.MethodGet, proj+"/stages", u.token, nil).ok(nil)
}

func TestFailedMultiItemWritesLeaveNothing(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant

	// Create project (project + slug + mock stage): nothing remains.
	failOp(e, internal, "TransactWriteItems")
	want503(t, e.do(http.MethodPost, base+"/projects", u.token, map[string]any{"name": "Shop", "slug": "shop"}))
	e.db.SetFault(nil)
	var list List[ProjectView]
	e.do(http.MethodGet, base+"/projects", u.token, nil).ok(&list)
	var sug SlugSuggestion
	e.do(http.MethodGet, base+"/project-slug?slug=shop", u.token, nil).ok(&sug)
	if len(list.Items) != 0 || !sug.Available {
		t.Fatalf("after a failed create: projects %+v, slug free %v", list.Items, sug.Available)
	}

	// Publish (version + binding + stage count + route table): nothing remains.
	proj, pv := e.project(u, "Shop")
	e.do(http.MethodPost, proj+"/stages", u.token, map[string]any{"name": "prod"}).status(http.StatusCreated)
	path, f := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	failOp(e, throttled, "TransactWriteItems")
	want503(t, e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}))
	e.db.SetFault(nil)
	var vs List[VersionView]
	e.do(http.MethodGet, path+"/versions", u.token, nil).ok(&vs)
	var pubs []PublicationView
	e.do(http.MethodGet, path+"/publications", u.token, nil).ok(&pubs)
	k := store.ProjectKey{Tenant: u.tenant, Project: pv.ID}
	if _, err := e.db.Store.GetRouteTable(t.Context(), k, "prod"); err == nil {
		t.Error("a route table was written")
	}
	if len(vs.Items) != 0 || len(pubs) != 0 {
		t.Fatalf("after a failed publish: versions %+v publications %+v", vs.Items, pubs)
	}
	// A retry publishes version 1.
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "prod"}).ok(nil)
	e.do(http.MethodGet, path+"/versions", u.token, nil).ok(&vs)
	if len(vs.Items) != 1 || vs.Items[0].Number != 1 {
		t.Errorf("versions after the retry %+v", vs.Items)
	}

	// Create flow (flow + draft + route): nothing remains.
	failOp(e, internal, "TransactWriteItems")
	want503(t, e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "route", "name": "other"}))
	e.db.SetFault(nil)
	var fl List[FlowView]
	e.do(http.MethodGet, proj+"/flows", u.token, nil).ok(&fl)
	if len(fl.Items) != 1 || fl.Items[0].ID != f.ID {
		t.Errorf("flows after a failed create %+v", fl.Items)
	}

	// API key (key + hash lookup): nothing remains.
	failOp(e, throttled, "TransactWriteItems")
	want503(t, e.do(http.MethodPost, proj+"/api-keys", u.token, map[string]any{"label": "k"}))
	e.db.SetFault(nil)
	var keys List[APIKeyView]
	e.do(http.MethodGet, proj+"/api-keys", u.token, nil).ok(&keys)
	if len(keys.Items) != 0 {
		t.Errorf("api keys after a failed create %+v", keys.Items)
	}
}
