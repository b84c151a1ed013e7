package api

import (
	"net/http"
	"strings"
	"testing"
)

// validBodies are bodies every write of the tenancy fixture takes as valid, so that what it
// answers is about the path, not the body.
func validBodies() map[string]any {
	empty := map[string]any{"schema": "polysynergy/flow@1", "nodes": []any{}, "connections": []any{}}
	bundle := map[string]any{"bundle": map[string]any{"format": BundleFormat,
		"flows": []any{map[string]any{"name": "imported", "kind": "service", "document": empty}}}}
	return map[string]any{
		"createAPIKey":       map[string]any{"label": "k2"},
		"createFlow":         map[string]any{"kind": "service", "name": "new"},
		"createStage":        map[string]any{"name": "live"},
		"importFlows":        bundle,
		"previewImport":      bundle,
		"publishFlow":        map[string]any{"stage": "prod"},
		"renameAPIKey":       map[string]any{"label": "renamed"},
		"renameStage":        map[string]any{"name": "live"},
		"reorderStages":      map[string]any{"stages": []string{"prod"}},
		"resumeRun":          map[string]any{"node": "ask"},
		"saveDraft":          map[string]any{"document": empty, "revision": 1, "force": true},
		"setEnv":             map[string]any{"values": map[string]string{"prod": "x"}},
		"setEnvStage":        map[string]any{"value": "x"},
		"setProductionStage": map[string]any{"stage": "prod"},
		"setSecret":          map[string]any{"value": "x"},
		"updateRoute":        map[string]any{"method": "GET", "segments": []any{map[string]any{"kind": "static", "value": "x"}}},
		"updateSchedule":     map[string]any{"cron": "0 * * * *"},
		"updateFlow":         map[string]any{"name": "Renamed"},
	}
}

// A request under a project that does not exist is 404 "project not found" at
// path.project whatever it is about, and one under a flow that does not exist "flow not
// found" at path.flow: the first missing parent is named. Deeper paths said "flow not
// found", "run not found", "secret not found", "route not found" (at no field)… for a
// missing project, depending on the path.
func TestNotFoundNamesTheFirstMissingParent(t *testing.T) {
	f := newTenancyFixture(t)
	e, a := f.e, f.admin
	missing := newRequestID()
	bodies := validBodies()
	for _, which := range []string{"project", "flow"} {
		for _, op := range specOps(t, e) {
			if !strings.Contains(op.path, "{"+which+"}") {
				continue
			}
			tc := tenancyCases[op.id]
			url := strings.Replace(f.url(t, op, tc), f.params[which], missing, 1)
			if which == "flow" && tc.use["flow"] != "" {
				url = strings.Replace(url, f.params[tc.use["flow"]], missing, 1)
			}
			var body any
			if op.method != http.MethodGet {
				body = bodies[op.id]
				if body == nil {
					body = map[string]any{}
				}
			}
			r := e.do(op.method, url+tc.query, a.token, body)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s with a missing %s: %s", op.id, which, r)
				continue
			}
			p := r.problem(http.StatusNotFound)
			if p.Detail != which+" not found" || len(p.Errors) != 1 || p.Errors[0].Location != "path."+which {
				t.Errorf("%s with a missing %s: %q at %+v", op.id, which, p.Detail, p.Errors)
			}
		}
	}
}
