package store

import (
	"fmt"
	"strings"
	"unicode"
)

// Attribute names of the table's keys and TTL.
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	attrTTL    = "expires_at"

	// IndexGSI1 is the general-purpose sparse index (reverse lookups, lists).
	IndexGSI1 = "GSI1"
	// IndexGSI2 holds published schedules across the deployment.
	IndexGSI2 = "GSI2"
)

// Sort keys and prefixes. See doc.go for the whole layout.
const (
	skTenant    = "TENANT"
	skProfile   = "PROFILE"
	skEmail     = "EMAIL"
	skSlug      = "SLUG"
	skProject   = "PROJECT"
	skDraft     = "DRAFT"
	skRoute     = "ROUTE"
	skSchedule  = "SCHEDULE"
	skRun       = "RUN"
	skRunState  = "STATE"
	skConn      = "CONN"
	skAPIKeyRef = "APIKEY"

	preMember  = "MEMBER#"
	preInvite  = "INVITE#"
	preStage   = "STAGE#"
	preRoutes  = "ROUTES#"
	preFlow    = "FLOW#"
	preVersion = "V#"
	preBind    = "BIND#"
	preSub     = "SUB#"
	preSecret  = "SECRET#"
	preEnv     = "ENV#"
	preAPIKey  = "APIKEY#"
	preNode    = "NODE#"

	gsiSchedules = "SCHEDULES"
)

// ProjectKey names a project inside a tenant.
type ProjectKey struct {
	Tenant  string
	Project string
}

// FlowKey names a flow inside a project.
type FlowKey struct {
	Tenant  string
	Project string
	Flow    string
}

// RunKey names a run inside a project.
type RunKey struct {
	Tenant  string
	Project string
	Run     string
}

// ProjectKey returns the project the flow belongs to.
func (k FlowKey) ProjectKey() ProjectKey { return ProjectKey{Tenant: k.Tenant, Project: k.Project} }

// ProjectKey returns the project the run belongs to.
func (k RunKey) ProjectKey() ProjectKey { return ProjectKey{Tenant: k.Tenant, Project: k.Project} }

// Flow returns the key of flow f in this project.
func (k ProjectKey) Flow(f string) FlowKey {
	return FlowKey{Tenant: k.Tenant, Project: k.Project, Flow: f}
}

// Run returns the key of run r in this project.
func (k ProjectKey) Run(r string) RunKey { return RunKey{Tenant: k.Tenant, Project: k.Project, Run: r} }

func (k ProjectKey) validate() error {
	if err := checkID("tenant", k.Tenant); err != nil {
		return err
	}
	return checkID("project", k.Project)
}

func (k FlowKey) validate() error {
	if err := k.ProjectKey().validate(); err != nil {
		return err
	}
	return checkID("flow", k.Flow)
}

func (k RunKey) validate() error {
	if err := k.ProjectKey().validate(); err != nil {
		return err
	}
	return checkID("run", k.Run)
}

// checkID accepts the identifiers the store puts inside keys: non-empty, at
// most 128 bytes, printable, without '#' (the key separator) or spaces.
func checkID(field, v string) error {
	switch {
	case v == "":
		return invalid(field, "must not be empty")
	case len(v) > 128:
		return invalid(field, "longer than 128 bytes")
	}
	for _, r := range v {
		if r == '#' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return invalid(field, "contains %q, which is not allowed", r)
		}
	}
	return nil
}

// Partition keys.

func tenantPK(t string) string             { return "T#" + t }
func userPK(sub string) string             { return "USER#" + sub }
func emailPK(email string) string          { return "EMAIL#" + email }
func slugPK(slug string) string            { return "SLUG#" + slug }
func apiKeyRefPK(hash string) string       { return "APIKEY#" + hash }
func connPK(id string) string              { return "CONN#" + id }
func projectPK(k ProjectKey) string        { return "T#" + k.Tenant + "#P#" + k.Project }
func flowPK(k FlowKey) string              { return projectPK(k.ProjectKey()) + "#F#" + k.Flow }
func runPK(k RunKey) string                { return projectPK(k.ProjectKey()) + "#R#" + k.Run }
func memberSK(sub string) string           { return preMember + sub }
func inviteSK(email string) string         { return preInvite + email }
func stageSK(name string) string           { return preStage + name }
func routesSK(stage string) string         { return preRoutes + stage }
func flowSK(f string) string               { return preFlow + f }
func versionSK(n int) string               { return fmt.Sprintf("%s%010d", preVersion, n) }
func bindSK(stage string) string           { return preBind + stage }
func subSK(conn string) string             { return preSub + conn }
func secretSK(key, stage string) string    { return preSecret + key + "#" + stage }
func envSK(key, stage string) string       { return preEnv + key + "#" + stage }
func apiKeySK(id string) string            { return preAPIKey + id }
func nodeSK(order int) string              { return fmt.Sprintf("%s%08d", preNode, order) }
func projectListPK(t, state string) string { return "T#" + t + "#PROJECTS#" + state }
func projectListSK(name, p string) string  { return strings.ToLower(name) + "#" + p }
func stageBindingsPK(k ProjectKey, stage string) string {
	return projectPK(k) + "#BIND#" + stage
}
func flowRunsPK(k FlowKey) string { return flowPK(k) + "#RUNS" }
func connSubSK(k FlowKey) string  { return preSub + k.Tenant + "#" + k.Project + "#" + k.Flow }

// parseVersionSK returns the version number of a "V#0000000001" sort key.
func parseVersionSK(sk string) (int, bool) {
	var n int
	if !strings.HasPrefix(sk, preVersion) {
		return 0, false
	}
	if _, err := fmt.Sscanf(sk[len(preVersion):], "%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

// splitKeyStage splits "<key>#<stage>" (the rest of a SECRET#/ENV# sort key).
func splitKeyStage(rest string) (key, stage string, ok bool) {
	i := strings.LastIndexByte(rest, '#')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}
