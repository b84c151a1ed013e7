package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// GET project shows what a role in the user's account must trust for the project's AWS
// nodes: the platform's principal (when the deployment names it) and the external ID the
// platform sends for this project, with the trust policy to paste.
func TestProjectAWSTrust(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	base := "/tenants/" + u.tenant + "/projects"
	var p, q ProjectView
	e.do(http.MethodPost, base, u.token, map[string]string{"name": "Shop"}).status(http.StatusCreated).ok(&p)
	e.do(http.MethodPost, base, u.token, map[string]string{"name": "Other"}).status(http.StatusCreated).ok(&q)
	if p.AWSTrust != nil {
		t.Errorf("create answered aws_trust %+v; only GET project shows it", p.AWSTrust)
	}

	// the local cloud: no principal (the user's own credentials assume roles there)
	var got ProjectView
	e.do(http.MethodGet, base+"/"+p.ID, u.token, nil).ok(&got)
	want := "polysynergy-" + u.tenant + "-" + p.ID
	if got.AWSTrust == nil || got.AWSTrust.ExternalID != want || got.AWSTrust.PrincipalARN != "" || got.AWSTrust.TrustPolicy != "" {
		t.Fatalf("aws_trust %+v, want external ID %s and no principal", got.AWSTrust, want)
	}

	const principal = "arn:aws:iam::111122223333:root"
	e.h.cfg.AWSTrustPrincipal = principal
	var body struct {
		AWSTrust map[string]string `json:"aws_trust"`
	}
	e.do(http.MethodGet, base+"/"+p.ID, u.token, nil).ok(&body)
	if body.AWSTrust["principal_arn"] != principal || body.AWSTrust["external_id"] != want {
		t.Errorf("aws_trust %v", body.AWSTrust)
	}
	var policy struct {
		Statement []struct {
			Principal struct{ AWS string }
			Action    string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(body.AWSTrust["trust_policy"]), &policy); err != nil || len(policy.Statement) != 1 ||
		policy.Statement[0].Principal.AWS != principal || policy.Statement[0].Action != "sts:AssumeRole" ||
		policy.Statement[0].Condition["StringEquals"]["sts:ExternalId"] != want {
		t.Errorf("trust policy %q (%v)", body.AWSTrust["trust_policy"], err)
	}

	// each project has its own external ID
	e.do(http.MethodGet, base+"/"+q.ID, u.token, nil).ok(&got)
	if got.AWSTrust.ExternalID == want || !strings.HasSuffix(got.AWSTrust.ExternalID, q.ID) {
		t.Errorf("second project's external ID %q", got.AWSTrust.ExternalID)
	}
	// someone of another tenant learns nothing
	mallory := e.signIn("mallory")
	e.do(http.MethodGet, base+"/"+p.ID, mallory.token, nil).problem(http.StatusNotFound)
}
