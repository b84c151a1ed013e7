package runs_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/engine"
	"polysynergy/shared/store"
)

// A flow's HTTP request to a loopback server opts in with
// allow_private_network; it only connects when the project allows private
// networks too — read from the project, or given by the caller (the router).
func TestProjectDecidesPrivateNetworkAccess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("inside"))
	}))
	defer srv.Close()
	f := setup(t)
	fk := f.flow(t, doc(t, []node{
		{"start", "trigger.manual", nil},
		{"call", "http.request", map[string]any{"url": srv.URL, "allow_private_network": true, "response_type": "text"}},
	}, chain("start", "call")...), store.SaveNone, 0)
	yes, no := true, false
	for _, tc := range []struct {
		name    string
		project bool
		known   *bool
		ok      bool
	}{
		{"project denies (default)", false, nil, false},
		{"project allows", true, nil, true},
		{"caller says deny", true, &no, false},
		{"caller says allow", false, &yes, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.st.SetPrivateNetwork(f.ctx, f.pk, tc.project); err != nil {
				t.Fatal(err)
			}
			job := f.job(fk, "schedule")
			job.AllowPrivateNetwork = tc.known
			run, err := f.x.Execute(f.ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ok {
				if run.Status != engine.StatusSuccess {
					t.Fatalf("status %s: %+v", run.Status, run.Error)
				}
				return
			}
			if run.Status != engine.StatusError || run.Error == nil || !strings.Contains(run.Error.Error, "refusing to connect") {
				t.Fatalf("status %s, error %+v; want the guard's refusal", run.Status, run.Error)
			}
		})
	}
}
