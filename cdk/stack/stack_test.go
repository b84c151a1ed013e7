package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/cdk/settings"
	"polysynergy/cdk/stack"
	"polysynergy/shared/api"
	"polysynergy/shared/platform"
	"polysynergy/shared/spa"
	"polysynergy/shared/store"
)

// testRoutes stands in for the API's route table: public and authorised
// routes, variables and a greedy variable.
func testRoutes() []stack.RouteSpec {
	return []stack.RouteSpec{
		{Method: "GET", Path: "/api/v1/health", OperationID: "getHealth", Public: true},
		{Method: "GET", Path: "/api/v1/openapi.json", OperationID: "getOpenAPI", Public: true},
		{Method: "GET", Path: "/api/v1/me", OperationID: "getMe"},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/projects", OperationID: "listProjects"},
		{Method: "POST", Path: "/api/v1/tenants/{tenant}/projects", OperationID: "createProject"},
		{Method: "PATCH", Path: "/api/v1/tenants/{tenant}/projects/{project}", OperationID: "updateProject"},
		{Method: "DELETE", Path: "/api/v1/tenants/{tenant}/projects/{project}", OperationID: "deleteProject"},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}/projects/{project}/flows/{flow}/draft", OperationID: "saveDraft"},
		{Method: "GET", Path: "/api/v1/files/{path+}", OperationID: ""},
	}
}

// apiRoutes is the REST API's real route table, as the app passes it.
func apiRoutes() []stack.RouteSpec {
	var out []stack.RouteSpec
	for _, r := range api.Routes() {
		out = append(out, stack.RouteSpec{Method: r.Method, Path: r.Path, OperationID: r.OperationID, Public: r.Public})
	}
	return out
}

// synthesized is one synthesised variant of the stack.
type synthesized struct {
	st       *stack.Stack
	s        settings.Settings
	routes   []stack.RouteSpec
	raw      map[string]any // the template as JSON
	outdir   string         // the cloud assembly
	template assertions.Template
}

func (y *synthesized) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range y.raw["Resources"].(map[string]any) {
		out[id] = r.(map[string]any)
	}
	return out
}

func (y *synthesized) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range y.resources() {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// only returns the logical id and properties of the template's one resource of typ,
// failing the test unless there is exactly one.
func (y *synthesized) only(t *testing.T, typ, what string) (string, map[string]any) {
	t.Helper()
	rs := y.ofType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d %s, want 1", len(rs), what)
	}
	for id, r := range rs {
		return id, props(r)
	}
	return "", nil
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// assetRoot makes a repository-like folder with placeholder function
// binaries and, when dist, a built editor.
func assetRoot(t *testing.T, dist bool) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range stack.FunctionSpecs() {
		dir := filepath.Join(root, "build", f.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("placeholder "+f.Name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if dist {
		dir := filepath.Join(root, "web", "dist")
		if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"index.html": "<!doctype html><title>editor</title>", "assets/app.js": "console.log(1)"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// synth builds and synthesises the stack with cdk.json's context and the
// AWS Solutions checks, as the app does. Unsuppressed cdk-nag errors fail it.
func synth(t *testing.T, s settings.Settings, routes []stack.RouteSpec) *synthesized {
	t.Helper()
	ctx, err := settings.FileContext("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out), StackTraces: jsii.Bool(false)})
	st, err := stack.New(app, stack.Props{Settings: s, Routes: routes})
	if err != nil {
		t.Fatalf("stack.New: %v", err)
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	func() {
		defer func() {
			if r := recover(); r != nil {
				report, _ := os.ReadFile(filepath.Join(out, "validation-report.json"))
				t.Fatalf("synth failed: %v\n%s", r, nagErrors(report))
			}
		}()
		app.Synth(nil)
	}()
	raw, err := os.ReadFile(filepath.Join(out, s.StackName+".template.json"))
	if err != nil {
		t.Fatalf("read template: %v", err)
	}
	y := &synthesized{st: st, s: s, routes: routes, outdir: out}
	if err := json.Unmarshal(raw, &y.raw); err != nil {
		t.Fatalf("decode template: %v", err)
	}
	y.template = assertions.Template_FromString(jsii.String(string(raw)), nil)
	return y
}

// nagErrors lists the rule findings of a validation report, one per line.
func nagErrors(report []byte) string {
	var doc struct {
		PluginReports []struct {
			Violations []struct {
				RuleName           string `json:"ruleName"`
				Description        string `json:"description"`
				ViolatingResources []struct {
					ResourceLogicalID string `json:"resourceLogicalId"`
					Locations         []string
				} `json:"violatingResources"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if json.Unmarshal(report, &doc) != nil {
		return string(report)
	}
	var b strings.Builder
	for _, p := range doc.PluginReports {
		for _, v := range p.Violations {
			for _, r := range v.ViolatingResources {
				fmt.Fprintf(&b, "%s on %s: %.160s\n", v.RuleName, r.ResourceLogicalID, v.Description)
			}
		}
	}
	return b.String()
}

// must turns an assertions failure (a jsii panic) into a test error.
func must(t *testing.T, what string, assert func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assert()
}

func minimalSettings(t *testing.T) settings.Settings {
	s := settings.Defaults()
	s.AssetRoot = assetRoot(t, false)
	return s
}

func fullSettings(t *testing.T) settings.Settings {
	s := settings.Defaults()
	s.AssetRoot = assetRoot(t, true)
	s.Domain = "flows.example.com"
	s.HostedZoneID = "Z0123456789ABCDEFGHIJ"
	s.HostedZoneName = "example.com"
	s.SelfSignUp = true
	s.MFA = settings.MFARequired
	s.LocalhostCallback = true
	s.AlarmEmail = "ops@example.com"
	s.RetainData = false
	s.LogRetentionDays = 90
	s.APIRateLimit = 20
	s.APIBurstLimit = 40
	return s
}

// TestStack synthesises two variants once each and checks them: the defaults
// (no domain, no editor build) and every option on.
func TestStack(t *testing.T) {
	variants := []struct {
		name     string
		settings func(*testing.T) settings.Settings
		routes   []stack.RouteSpec
	}{
		{"minimal", minimalSettings, testRoutes()},
		{"full", fullSettings, apiRoutes()},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			y := synth(t, v.settings(t), v.routes)
			t.Run("functions", y.checkFunctions)
			t.Run("environment", y.checkEnvironment)
			t.Run("table", y.checkTable)
			t.Run("rest routes", y.checkRESTRoutes)
			t.Run("websocket", y.checkWebSocket)
			t.Run("scheduler role", y.checkSchedulerRole)
			t.Run("function permissions", y.checkPermissions)
			t.Run("editor", y.checkEditor)
			t.Run("identity", y.checkIdentity)
			t.Run("custom domain", y.checkDomain)
			t.Run("observability", y.checkObservability)
			t.Run("no wildcards", y.checkNoWildcards)
			t.Run("nag suppressions", y.checkSuppressions)
			t.Run("snapshot", func(t *testing.T) { y.checkSnapshot(t, "testdata/snapshot-"+v.name+".json") })
		})
	}
}

// ourFunctions are the platform's functions by name: the Lambda functions
// with handler bootstrap, named by their construct path.
func (y *synthesized) ourFunctions(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range y.ofType("AWS::Lambda::Function") {
		for _, f := range stack.FunctionSpecs() {
			if strings.HasPrefix(id, "Functions"+strings.ToUpper(f.Name[:1])+f.Name[1:]+"Function") {
				out[f.Name] = r
			}
		}
	}
	if len(out) != len(stack.FunctionSpecs()) {
		t.Fatalf("found functions %v, want %d", keys(out), len(stack.FunctionSpecs()))
	}
	return out
}

func (y *synthesized) checkFunctions(t *testing.T) {
	fns := y.ourFunctions(t)
	for _, spec := range stack.FunctionSpecs() {
		p := props(fns[spec.Name])
		if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v handler %v, want provided.al2023 / bootstrap", spec.Name, p["Runtime"], p["Handler"])
		}
		if arch, _ := p["Architectures"].([]any); len(arch) != 1 || arch[0] != "arm64" {
			t.Errorf("%s: architectures %v, want [arm64]", spec.Name, p["Architectures"])
		}
		if p["MemorySize"] != float64(spec.MemoryMB) || p["Timeout"] != float64(spec.Timeout) {
			t.Errorf("%s: memory %v timeout %v, want %d / %d", spec.Name, p["MemorySize"], p["Timeout"], spec.MemoryMB, spec.Timeout)
		}
		if _, ok := p["LoggingConfig"].(map[string]any)["LogGroup"]; !ok {
			t.Errorf("%s: no own log group", spec.Name)
		}
		// the Go runtime starts with the collector's target raised and a memory limit
		// inside the function's memory
		vars, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		if vars["GOGC"] != "400" || vars["GOMEMLIMIT"] != fmt.Sprintf("%dMiB", spec.MemoryMB*4/5) {
			t.Errorf("%s: GOGC %v GOMEMLIMIT %v, want 400 and %dMiB", spec.Name, vars["GOGC"], vars["GOMEMLIMIT"], spec.MemoryMB*4/5)
		}
	}
	// Lambda functions other than ours are the CDK's own deployment helpers.
	for id, r := range y.ofType("AWS::Lambda::Function") {
		p := props(r)
		if p["Handler"] == "bootstrap" {
			continue
		}
		if !strings.HasPrefix(id, "CustomCDKBucketDeployment") && !strings.HasPrefix(id, "CustomS3AutoDeleteObjectsCustomResourceProvider") &&
			!strings.HasPrefix(id, "IdentityTokenClaimsFunction") { // checked in checkIdentity
			t.Errorf("unexpected Lambda function %s", id)
		}
	}
	for _, tc := range []struct{ fn, runtime string }{{"api", "provided.al2023"}, {"runner", "provided.al2023"}} {
		must(t, tc.fn+" via assertions", func() {
			y.template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]any{
				"Runtime": tc.runtime, "Architectures": []any{"arm64"}, "Handler": "bootstrap",
			}))
		})
	}
	// The HTTP APIs wait IntegrationTimeout for the api and the router, which stop before:
	// a request that runs too long gets the function's answer, not the gateway's 503.
	specs := map[string]stack.FunctionSpec{}
	for _, spec := range stack.FunctionSpecs() {
		specs[spec.Name] = spec
	}
	httpIntegrations := 0
	for id, in := range y.ofType("AWS::ApiGatewayV2::Integration") {
		p := props(in)
		if p["PayloadFormatVersion"] != "2.0" {
			continue // the WebSocket API's, which wait 29 s for the 10 s ws function
		}
		httpIntegrations++
		if p["TimeoutInMillis"] != float64(stack.IntegrationTimeout*1000) {
			t.Errorf("integration %s waits %v ms, want %d", id, p["TimeoutInMillis"], stack.IntegrationTimeout*1000)
		}
		target, _ := json.Marshal(p["IntegrationUri"])
		for name, spec := range specs {
			if strings.Contains(string(target), "Functions"+strings.ToUpper(name[:1])+name[1:]+"Function") && spec.Timeout >= stack.IntegrationTimeout {
				t.Errorf("%s: timeout %d s, want less than the gateway's %d s", name, spec.Timeout, stack.IntegrationTimeout)
			}
		}
	}
	if httpIntegrations != 2 {
		t.Errorf("%d HTTP API integrations, want one for the api and one for the router", httpIntegrations)
	}
	// The runner's asynchronous invocations are retried, then kept in its failure queue.
	queue := *y.st.Stack.GetLogicalId(y.st.Functions.RunnerFailures.Node().DefaultChild().(awscdk.CfnElement))
	runnerID := *y.st.Stack.GetLogicalId(y.st.Functions.Runner.Fn.Node().DefaultChild().(awscdk.CfnElement))
	_, invoke := y.only(t, "AWS::Lambda::EventInvokeConfig", "asynchronous invocation configs")
	onFailure, _ := json.Marshal(invoke["DestinationConfig"])
	if fn, _ := invoke["FunctionName"].(map[string]any); fn["Ref"] != runnerID || invoke["Qualifier"] != "$LATEST" ||
		invoke["MaximumRetryAttempts"] != float64(stack.RunnerRetryAttempts) ||
		invoke["MaximumEventAgeInSeconds"] != float64(stack.RunnerMaxEventAge*3600) ||
		string(onFailure) != fmt.Sprintf(`{"OnFailure":{"Destination":{"Fn::GetAtt":["%s","Arn"]}}}`, queue) {
		t.Errorf("runner asynchronous invocation config %v, want %d retries, %d h and failures to %s", invoke,
			stack.RunnerRetryAttempts, stack.RunnerMaxEventAge, queue)
	}
	must(t, "failure queue", func() {
		y.template.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
			"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600,
		})
	})
	for _, qp := range y.ofType("AWS::SQS::QueuePolicy") {
		if doc, _ := json.Marshal(props(qp)["PolicyDocument"]); !strings.Contains(string(doc), `"aws:SecureTransport":"false"`) {
			t.Errorf("failure queue policy %s does not refuse plain HTTP", doc)
		}
	}
	// Functions log only to their own group: no AWS managed policies on their roles.
	for name, r := range fns {
		roleID := props(r)["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		role := y.resources()[roleID]
		if mp := props(role)["ManagedPolicyArns"]; mp != nil {
			t.Errorf("%s: role has managed policies %v", name, mp)
		}
	}
}

// functionNeeds is, per function, the configuration its main and app package
// read (functions/<name>), as platform.Config fields, and the template
// resource each value must come from. A field missing here that the function
// reads would start it half-configured in AWS: the api silently without
// schedules, the router without live events.
var functionNeeds = map[string]map[string]string{
	// functions/api/app: the store, the secrets box (seal and open), the runner for
	// editor runs, and the schedule syncer, which it builds only with all three set; the
	// principal users' roles trust (GET project's aws_trust)
	"api": {"Table": "DataTable", "KMSKey": "DataSecretsKey", "RunnerFunction": "FunctionsRunnerFunction",
		"RunnerARN": ":function:", "ScheduleGroup": "TriggersScheduleGroup", "SchedulerRoleARN": "TriggersSchedulerRole",
		"TrustPrincipal": `":iam::",{"Ref":"AWS::AccountId"},":root"`},
	// functions/router/app: the store, the secrets box, live posts, hand-off to the
	// runner and the trigger host's base domain; the AWS nodes: the platform's account
	"router": {"Table": "DataTable", "KMSKey": "DataSecretsKey", "WSEndpoint": "RealtimeApi",
		"RunnerFunction": "FunctionsRunnerFunction", "BaseDomain": "", "AccountID": `{"Ref":"AWS::AccountId"}`},
	// functions/ws/app: the store and the token verifier (the JWKS URL follows from the issuer)
	"ws": {"Table": "DataTable", "Issuer": "IdentityUserPool", "Audience": "IdentityUserPoolEditorClient", "JWKSURL": "IdentityUserPool"},
	// functions/runner: the store, the secrets box and live posts; the AWS nodes: the
	// platform's account
	"runner": {"Table": "DataTable", "KMSKey": "DataSecretsKey", "WSEndpoint": "RealtimeApi", "AccountID": `{"Ref":"AWS::AccountId"}`},
}

// checkEnvironment reads each function's synthesised environment through
// platform.FromEnv, as the function does at start: every field the function
// needs is set, from the right resource, and no variable is set that
// FromEnv does not read or the function does not need.
func (y *synthesized) checkEnvironment(t *testing.T) {
	fns := y.ourFunctions(t)
	for name, needs := range functionNeeds {
		vars, _ := props(fns[name])["Environment"].(map[string]any)["Variables"].(map[string]any)
		rendered := map[string]string{}
		for k, v := range vars {
			j, _ := json.Marshal(v)
			rendered[k] = string(j)
			if s, ok := v.(string); ok {
				rendered[k] = s
			}
		}
		cfg, err := platform.FromEnv(func(k string) (string, bool) { v, ok := rendered[k]; return v, ok })
		if err != nil {
			t.Errorf("%s: platform.FromEnv: %v", name, err)
			continue
		}
		fields := reflect.ValueOf(cfg)
		for field, from := range needs {
			v := fields.FieldByName(field)
			if !v.IsValid() {
				t.Fatalf("platform.Config has no field %s", field)
			}
			if got := v.String(); got == "" || !strings.Contains(got, from) {
				t.Errorf("%s: %s = %q, want a value from %q", name, field, got, from)
			}
			if field == "WSEndpoint" && (!strings.HasPrefix(v.String(), `{"Fn::Join":["",["https://"`) || !strings.Contains(v.String(), "/"+stack.LiveStageName)) {
				t.Errorf("%s: %s = %q, want the Management API endpoint https://…/%s", name, field, v.String(), stack.LiveStageName)
			}
		}
		// every variable set is one the function needs (or the Go runtime's)
		read := map[string]bool{"GOGC": true, "GOMEMLIMIT": true}
		for field := range needs {
			if env := envOf(field); env != "" {
				read[env] = true
			}
		}
		for k := range vars {
			if !read[k] {
				t.Errorf("%s: %s is set but the function does not read it", name, k)
			}
		}
	}
	// The runner's ARN (the target of the schedules the api writes) names its fixed function name.
	runnerName, _ := json.Marshal(props(fns["runner"])["FunctionName"])
	arn, _ := json.Marshal(props(fns["api"])["Environment"].(map[string]any)["Variables"].(map[string]any)[platform.EnvRunnerARN])
	if !strings.Contains(string(arn), ":function:") || !strings.Contains(string(arn), string(runnerName)) {
		t.Errorf("runner ARN %s does not name the runner function %s", arn, runnerName)
	}
	router := props(fns["router"])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if y.s.HasDomain() && router[platform.EnvBaseDomain] != y.s.Domain {
		t.Errorf("router base domain = %v, want %q", router[platform.EnvBaseDomain], y.s.Domain)
	}
	if !y.s.HasDomain() {
		if j, _ := json.Marshal(router[platform.EnvBaseDomain]); !strings.Contains(string(j), "TriggersRouterApi") {
			t.Errorf("router base domain = %s, want the router API's own host", j)
		}
	}
}

// envOf is the environment variable platform.FromEnv reads a Config field from
// ("" for a derived field such as JWKSURL, which follows from the issuer).
func envOf(field string) string {
	return map[string]string{
		"Table": platform.EnvTable, "KMSKey": platform.EnvKMSKey, "RunnerFunction": platform.EnvRunnerFunction,
		"RunnerARN": platform.EnvRunnerARN, "ScheduleGroup": platform.EnvScheduleGroup, "SchedulerRoleARN": platform.EnvSchedulerRoleARN,
		"WSEndpoint": platform.EnvWSEndpoint, "BaseDomain": platform.EnvBaseDomain, "Issuer": platform.EnvIssuer,
		"Audience": platform.EnvAudience, "AccountID": platform.EnvAccountID, "TrustPrincipal": platform.EnvTrustPrincipal,
	}[field]
}

func (y *synthesized) checkTable(t *testing.T) {
	sc := store.TableSchema()
	tables := y.ofType("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1", len(tables))
	}
	var table map[string]any
	for _, r := range tables {
		table = r
	}
	p := props(table)
	keySchema := func(v any) string {
		var parts []string
		for _, k := range v.([]any) {
			m := k.(map[string]any)
			parts = append(parts, fmt.Sprint(m["AttributeName"], ":", m["KeyType"]))
		}
		return strings.Join(parts, ",")
	}
	if got, want := keySchema(p["KeySchema"]), sc.PartitionKey.Name+":HASH,"+sc.SortKey.Name+":RANGE"; got != want {
		t.Errorf("key schema %s, want %s", got, want)
	}
	var defs []string
	for _, d := range p["AttributeDefinitions"].([]any) {
		m := d.(map[string]any)
		defs = append(defs, fmt.Sprint(m["AttributeName"], ":", m["AttributeType"]))
	}
	var wantDefs []string
	for _, d := range sc.AttributeDefinitions() {
		wantDefs = append(wantDefs, fmt.Sprint(*d.AttributeName, ":", d.AttributeType))
	}
	sort.Strings(defs)
	sort.Strings(wantDefs)
	if !slices.Equal(defs, wantDefs) {
		t.Errorf("attribute definitions %v, want %v", defs, wantDefs)
	}
	gsis := map[string]map[string]any{}
	for _, g := range p["GlobalSecondaryIndexes"].([]any) {
		m := g.(map[string]any)
		gsis[m["IndexName"].(string)] = m
	}
	if len(gsis) != len(sc.Indexes) {
		t.Errorf("%d GSIs, want %d", len(gsis), len(sc.Indexes))
	}
	for _, ix := range sc.Indexes {
		g, ok := gsis[ix.Name]
		if !ok {
			t.Errorf("GSI %s missing", ix.Name)
			continue
		}
		if got, want := keySchema(g["KeySchema"]), ix.PartitionKey.Name+":HASH,"+ix.SortKey.Name+":RANGE"; got != want {
			t.Errorf("GSI %s key schema %s, want %s", ix.Name, got, want)
		}
		if g["Projection"].(map[string]any)["ProjectionType"] != ix.Projection {
			t.Errorf("GSI %s projection %v, want %s", ix.Name, g["Projection"], ix.Projection)
		}
	}
	ttl := p["TimeToLiveSpecification"].(map[string]any)
	if ttl["AttributeName"] != sc.TTLAttribute || ttl["Enabled"] != true || sc.TTLAttribute != "expires_at" {
		t.Errorf("TTL %v, want %s enabled", ttl, sc.TTLAttribute)
	}
	if pitr, _ := p["PointInTimeRecoverySpecification"].(map[string]any); pitr["PointInTimeRecoveryEnabled"] != sc.PointInTimeRecovery {
		t.Errorf("PITR %v, want %v", pitr, sc.PointInTimeRecovery)
	}
	if p["BillingMode"] != sc.BillingMode {
		t.Errorf("billing %v, want %s", p["BillingMode"], sc.BillingMode)
	}
	wantPolicy := "Retain"
	if !y.s.RetainData {
		wantPolicy = "Delete"
	}
	if table["DeletionPolicy"] != wantPolicy || table["UpdateReplacePolicy"] != wantPolicy {
		t.Errorf("table deletion policy %v/%v, want %s", table["DeletionPolicy"], table["UpdateReplacePolicy"], wantPolicy)
	}
	if p["DeletionProtectionEnabled"] != y.s.RetainData {
		t.Errorf("table deletion protection %v, want %v (retainData)", p["DeletionProtectionEnabled"], y.s.RetainData)
	}
	secretsKey := *y.st.Stack.GetLogicalId(y.st.Data.Key.Node().DefaultChild().(awscdk.CfnElement))
	key := y.resources()[secretsKey]
	if props(key)["EnableKeyRotation"] != true {
		t.Error("secrets key rotation is off")
	}
	if key["DeletionPolicy"] != wantPolicy {
		t.Errorf("key deletion policy %v, want %s (the key must outlive the table)", key["DeletionPolicy"], wantPolicy)
	}
	// The secrets key's policy is the account's alone: principals get it through their IAM
	// policies (checkPermissions), and no service is admitted.
	for _, st := range statements(props(key)["KeyPolicy"]) {
		principal, _ := json.Marshal(st["Principal"])
		if !strings.Contains(string(principal), ":root") || strings.Contains(string(principal), "Service") {
			t.Errorf("secrets key policy admits %s: %v", principal, st)
		}
	}
}

func (y *synthesized) checkRESTRoutes(t *testing.T) {
	restAPI := *y.st.Stack.GetLogicalId(y.st.RestAPI.API.Node().DefaultChild().(awscdk.CfnElement))
	authorizers := y.ofType("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("%d authorizers, want 1", len(authorizers))
	}
	var authorizerID string
	for id, a := range authorizers {
		authorizerID = id
		p := props(a)
		if p["AuthorizerType"] != "JWT" {
			t.Errorf("authorizer type %v, want JWT", p["AuthorizerType"])
		}
		issuer, _ := json.Marshal(p["JwtConfiguration"])
		if !strings.Contains(string(issuer), "cognito-idp") || !strings.Contains(string(issuer), "IdentityUserPool") {
			t.Errorf("authorizer JWT configuration %s does not name the user pool", issuer)
		}
	}
	routes := map[string]map[string]any{}
	for _, r := range y.ofType("AWS::ApiGatewayV2::Route") {
		p := props(r)
		if ref, _ := p["ApiId"].(map[string]any); ref["Ref"] != restAPI {
			continue
		}
		key := p["RouteKey"].(string)
		if _, dup := routes[key]; dup {
			t.Errorf("route %s declared twice", key)
		}
		routes[key] = p
	}
	// a HEAD route next to each GET route: HTTP API routes match their method exactly
	specs := stack.WithHeadRoutes(y.routes)
	gets := 0
	for _, spec := range y.routes {
		if spec.Method == "GET" {
			gets++
			head, ok := routes["HEAD "+spec.Path]
			if !ok {
				t.Errorf("GET %s has no HEAD route: API Gateway would answer a HEAD request 404", spec.Path)
			} else if get := routes["GET "+spec.Path]; fmt.Sprint(head["Target"]) != fmt.Sprint(get["Target"]) || get["Target"] == nil {
				t.Errorf("HEAD %s goes to %v, GET to %v: want the API function's integration", spec.Path, head["Target"], get["Target"])
			}
		}
	}
	if len(routes) != len(y.routes)+gets || len(specs) != len(routes) {
		t.Errorf("REST API has %d routes, want one per endpoint and one per GET endpoint for HEAD: %d + %d", len(routes), len(y.routes), gets)
	}
	for _, spec := range specs {
		key := spec.Method + " " + spec.Path
		p, ok := routes[key]
		if !ok {
			t.Errorf("no route %s", key)
			continue
		}
		if spec.Public {
			if p["AuthorizationType"] != nil && p["AuthorizationType"] != "NONE" {
				t.Errorf("public route %s has authorization %v", key, p["AuthorizationType"])
			}
			continue
		}
		if p["AuthorizationType"] != "JWT" {
			t.Errorf("route %s authorization %v, want JWT", key, p["AuthorizationType"])
		}
		if ref, _ := p["AuthorizerId"].(map[string]any); ref["Ref"] != authorizerID {
			t.Errorf("route %s authorizer %v, want %s", key, p["AuthorizerId"], authorizerID)
		}
	}
	// CORS admits the editor (and the local editor by context); stages throttle.
	api := props(y.resources()[restAPI])
	origins, _ := json.Marshal(api["CorsConfiguration"].(map[string]any)["AllowOrigins"])
	if !strings.Contains(string(origins), "EditorDistribution") {
		t.Errorf("CORS origins %s do not include the editor", origins)
	}
	if strings.Contains(string(origins), settings.LocalEditorURL) != y.s.LocalhostCallback {
		t.Errorf("CORS origins %s: local editor allowed = %v, want %v", origins, !y.s.LocalhostCallback, y.s.LocalhostCallback)
	}
	// the headers the editor sends (web/src/api/client.ts) are allowed, those it reads exposed
	cors := api["CorsConfiguration"].(map[string]any)
	if allow := asStrings(cors["AllowHeaders"]); !subset([]string{"authorization", "content-type"}, allow) {
		t.Errorf("CORS allows headers %v, want authorization and content-type", allow)
	}
	if expose := asStrings(cors["ExposeHeaders"]); !subset([]string{"retry-after", "x-request-id"}, expose) {
		t.Errorf("CORS exposes %v, want retry-after and x-request-id", expose)
	}
	wsAPI := *y.st.Stack.GetLogicalId(y.st.Realtime.API.Node().DefaultChild().(awscdk.CfnElement))
	for id, st := range y.ofType("AWS::ApiGatewayV2::Stage") {
		p := props(st)
		th, _ := p["DefaultRouteSettings"].(map[string]any)
		if th["ThrottlingRateLimit"] != y.s.APIRateLimit || th["ThrottlingBurstLimit"] != float64(y.s.APIBurstLimit) {
			t.Errorf("stage %s throttling %v, want %v/%d", id, th, y.s.APIRateLimit, y.s.APIBurstLimit)
		}
		if ref, _ := p["ApiId"].(map[string]any); ref["Ref"] == wsAPI {
			continue // WebSocket access logs need the account's API Gateway role (a justified suppression)
		}
		// HTTP API stages log every request as JSON into a log group of their own
		logs, _ := p["AccessLogSettings"].(map[string]any)
		dest, _ := json.Marshal(logs["DestinationArn"])
		var line map[string]any
		if err := json.Unmarshal([]byte(fmt.Sprint(logs["Format"])), &line); err != nil || line["status"] == nil || line["routeKey"] == nil ||
			!strings.Contains(string(dest), "AccessLogs") {
			t.Errorf("stage %s access logs %v, want JSON lines with status and route into its access log group", id, logs)
		}
	}
	// One invoke permission for the API function, not one per route.
	perms := 0
	for _, p := range y.ofType("AWS::Lambda::Permission") {
		fn, _ := json.Marshal(props(p)["FunctionName"])
		if strings.Contains(string(fn), "FunctionsApiFunction") {
			perms++
		}
	}
	if perms != 1 {
		t.Errorf("%d invoke permissions for the api function, want 1", perms)
	}
}

func (y *synthesized) checkWebSocket(t *testing.T) {
	wsAPI := *y.st.Stack.GetLogicalId(y.st.Realtime.API.Node().DefaultChild().(awscdk.CfnElement))
	api := props(y.resources()[wsAPI])
	if api["ProtocolType"] != "WEBSOCKET" || api["RouteSelectionExpression"] != "$request.body.action" {
		t.Errorf("WebSocket API %v", api)
	}
	var got []string
	for _, r := range y.ofType("AWS::ApiGatewayV2::Route") {
		p := props(r)
		if ref, _ := p["ApiId"].(map[string]any); ref["Ref"] == wsAPI {
			got = append(got, p["RouteKey"].(string))
		}
	}
	sort.Strings(got)
	if want := []string{"$connect", "$default", "$disconnect"}; !slices.Equal(got, want) {
		t.Errorf("WebSocket routes %v, want %v", got, want)
	}
	must(t, "live stage", func() {
		y.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{
			"ApiId": map[string]any{"Ref": wsAPI}, "StageName": stack.LiveStageName, "AutoDeploy": true,
		})
	})
	// The runner and the router may post to connections, on this API's live stage only.
	posters := map[string]bool{}
	for id, p := range y.ofType("AWS::IAM::Policy") {
		for _, st := range statements(props(p)["PolicyDocument"]) {
			if !slices.Contains(asStrings(st["Action"]), "execute-api:ManageConnections") {
				continue
			}
			res, _ := json.Marshal(st["Resource"])
			if !strings.Contains(string(res), wsAPI) || !strings.Contains(string(res), "/live/*/@connections/*") {
				t.Errorf("%s: ManageConnections on %s, want the live stage's connections", id, res)
			}
			for _, fn := range []string{"Api", "Router", "Ws", "Runner"} {
				if strings.HasPrefix(id, "Functions"+fn) {
					posters[fn] = true
				}
			}
		}
	}
	if !posters["Runner"] || !posters["Router"] || posters["Ws"] || posters["Api"] {
		t.Errorf("functions allowed to post to connections: %v, want Runner and Router", posters)
	}
}

func (y *synthesized) checkSchedulerRole(t *testing.T) {
	roleID := *y.st.Stack.GetLogicalId(y.st.Triggers.SchedulerRole.Node().DefaultChild().(awscdk.CfnElement))
	role := props(y.resources()[roleID])
	trust := statements(role["AssumeRolePolicyDocument"])
	if len(trust) != 1 {
		t.Fatalf("scheduler role trust %v", trust)
	}
	principal, _ := json.Marshal(trust[0]["Principal"])
	cond, _ := json.Marshal(trust[0]["Condition"])
	group := *y.st.Stack.GetLogicalId(y.st.Triggers.ScheduleGroup)
	if string(principal) != `{"Service":"scheduler.amazonaws.com"}` || !strings.Contains(string(cond), "aws:SourceAccount") ||
		!strings.Contains(string(cond), fmt.Sprintf(`"aws:SourceArn":{"Fn::GetAtt":["%s","Arn"]}`, group)) {
		t.Errorf("scheduler role trusts %s with %s, want scheduler.amazonaws.com limited to this account's schedule group", principal, cond)
	}
	var all []map[string]any
	for _, p := range role["Policies"].([]any) {
		all = append(all, statements(p.(map[string]any)["PolicyDocument"])...)
	}
	for _, p := range y.ofType("AWS::IAM::Policy") {
		roles, _ := json.Marshal(props(p)["Roles"])
		if strings.Contains(string(roles), `"`+roleID+`"`) {
			all = append(all, statements(props(p)["PolicyDocument"])...)
		}
	}
	if len(all) != 1 {
		t.Fatalf("scheduler role has %d statements, want 1: %v", len(all), all)
	}
	runnerName, _ := json.Marshal(props(y.ourFunctions(t)["runner"])["FunctionName"])
	res, _ := json.Marshal(all[0]["Resource"])
	if a := asStrings(all[0]["Action"]); !slices.Equal(a, []string{"lambda:InvokeFunction"}) || all[0]["Effect"] != "Allow" {
		t.Errorf("scheduler role may %v, want only lambda:InvokeFunction", a)
	}
	if !strings.Contains(string(res), ":function:") || !strings.Contains(string(res), string(runnerName)) || strings.Contains(string(res), `"*"`) {
		t.Errorf("scheduler role may invoke %s, want only the runner %s", res, runnerName)
	}
	// Only the api manages schedules (the runner is their target, not their keeper), in the group only, and passes this role.
	for id, p := range y.ofType("AWS::IAM::Policy") {
		for _, st := range statements(props(p)["PolicyDocument"]) {
			acts := asStrings(st["Action"])
			res, _ := json.Marshal(st["Resource"])
			switch {
			case slices.Contains(acts, "scheduler:CreateSchedule"):
				if !strings.HasPrefix(id, "FunctionsApi") {
					t.Errorf("%s may manage schedules", id)
				}
				if !strings.Contains(string(res), ":schedule/") || !strings.Contains(string(res), "TriggersScheduleGroup") {
					t.Errorf("%s manages schedules on %s, want the schedule group", id, res)
				}
			case slices.Contains(acts, "iam:PassRole"):
				cond, _ := json.Marshal(st["Condition"])
				if !strings.Contains(string(res), roleID) || !strings.Contains(string(cond), "scheduler.amazonaws.com") {
					t.Errorf("%s passes %s (%s), want the scheduler role to the scheduler only", id, res, cond)
				}
			}
		}
	}
}

// roleStatements are the statements of the policies attached to a role.
func (y *synthesized) roleStatements(roleID string) []map[string]any {
	var all []map[string]any
	for _, p := range y.ofType("AWS::IAM::Policy") {
		roles, _ := json.Marshal(props(p)["Roles"])
		if strings.Contains(string(roles), `"`+roleID+`"`) {
			all = append(all, statements(props(p)["PolicyDocument"])...)
		}
	}
	return all
}

// checkPermissions checks each function role allows exactly the calls its
// function makes (the table in stack.go's wire), each on its one resource.
func (y *synthesized) checkPermissions(t *testing.T) {
	logs := []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	schedules := []string{"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "iam:PassRole"}
	want := map[string][][]string{
		"api": {logs, stack.StoreAccess().Actions, {"kms:GenerateDataKey", "kms:Decrypt", "lambda:InvokeFunction"}, schedules},
		"router": {logs, stack.StoreAccess().Actions, {"kms:Decrypt", "lambda:InvokeFunction", "execute-api:ManageConnections"},
			{"sts:AssumeRole"}}, // users' roles (AWS nodes' role_arn)
		"ws": {logs, stack.ConnectionAccess().Actions},
		"runner": {logs, stack.StoreAccess().Actions, {"kms:Decrypt", "execute-api:ManageConnections"},
			{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, // its failure destination
			{"sts:AssumeRole"}},
	}
	table := *y.st.Stack.GetLogicalId(y.st.Data.Table.Node().DefaultChild().(awscdk.CfnElement))
	key := *y.st.Stack.GetLogicalId(y.st.Data.Key.Node().DefaultChild().(awscdk.CfnElement))
	runnerName, _ := json.Marshal(props(y.ourFunctions(t)["runner"])["FunctionName"])
	for name, fn := range y.ourFunctions(t) {
		roleID := props(fn)["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		var wantActions []string
		for _, group := range want[name] {
			wantActions = append(wantActions, group...)
		}
		wantActions = slices.Compact(slices.Sorted(slices.Values(wantActions)))
		var got []string
		indexQuery := false
		for _, st := range y.roleStatements(roleID) {
			acts := asStrings(st["Action"])
			got = append(got, acts...)
			res, _ := json.Marshal(st["Resource"])
			if st["Effect"] != "Allow" {
				t.Errorf("%s: statement %v is not an Allow", name, st)
			}
			if strings.Contains(string(res), "/index/*") || slices.Contains(asStrings(st["Resource"]), "*") {
				t.Errorf("%s: %v on %s: a wildcard where one resource is meant", name, acts, res)
			}
			switch {
			case strings.HasPrefix(acts[0], "dynamodb:"):
				if string(res) == fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, table) {
					continue
				}
				// Query on each index the functions use, by name
				if !slices.Equal(acts, []string{"dynamodb:Query"}) || !strings.Contains(string(res), `"index/`+store.IndexGSI1+`"`) {
					t.Errorf("%s: %v on %s, want the table, or Query on index %s", name, acts, res, store.IndexGSI1)
				}
				indexQuery = true
			case strings.HasPrefix(acts[0], "kms:"):
				if string(res) != fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, key) {
					t.Errorf("%s: %v on %s, want the secrets key", name, acts, res)
				}
			case acts[0] == "lambda:InvokeFunction":
				if !strings.Contains(string(res), ":function:") || !strings.Contains(string(res), string(runnerName)) {
					t.Errorf("%s: may invoke %s, want only the runner %s", name, res, runnerName)
				}
			case strings.HasPrefix(acts[0], "sqs:"):
				queue := *y.st.Stack.GetLogicalId(y.st.Functions.RunnerFailures.Node().DefaultChild().(awscdk.CfnElement))
				if string(res) != fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, queue) {
					t.Errorf("%s: %v on %s, want the runner's failure queue", name, acts, res)
				}
			case acts[0] == "sts:AssumeRole":
				// any account's roles but this one's (the platform's roles read every tenant's data)
				cond, _ := json.Marshal(st["Condition"])
				if string(res) != `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::*:role/*"]]}` || len(acts) != 1 ||
					string(cond) != `{"StringNotEquals":{"aws:ResourceAccount":{"Ref":"AWS::AccountId"}}}` {
					t.Errorf("%s: %v on %s if %s, want sts:AssumeRole on roles outside this account", name, acts, res, cond)
				}
			case strings.HasPrefix(acts[0], "logs:"):
				if !strings.Contains(string(res), "Functions"+strings.ToUpper(name[:1])+name[1:]+"Logs") {
					t.Errorf("%s: writes logs to %s, want its own log group", name, res)
				}
			}
		}
		got = slices.Compact(slices.Sorted(slices.Values(got)))
		if !slices.Equal(got, wantActions) {
			t.Errorf("%s may %v, want %v", name, got, wantActions)
		}
		if !indexQuery {
			t.Errorf("%s may not query index %s", name, store.IndexGSI1)
		}
	}
}

func (y *synthesized) checkEditor(t *testing.T) {
	dists := y.ofType("AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("%d distributions, want 1", len(dists))
	}
	oacID, oac := y.only(t, "AWS::CloudFront::OriginAccessControl", "origin access controls")
	if cfg := oac["OriginAccessControlConfig"].(map[string]any); cfg["OriginAccessControlOriginType"] != "s3" ||
		cfg["SigningBehavior"] != "always" || cfg["SigningProtocol"] != "sigv4" {
		t.Errorf("origin access control %v", cfg)
	}
	for _, d := range dists {
		cfg := props(d)["DistributionConfig"].(map[string]any)
		origins := cfg["Origins"].([]any)
		if len(origins) != 1 {
			t.Fatalf("origins %v", origins)
		}
		o := origins[0].(map[string]any)
		if id, _ := json.Marshal(o["OriginAccessControlId"]); !strings.Contains(string(id), oacID) {
			t.Errorf("origin does not use origin access control: %v", o)
		}
		if s3, _ := o["S3OriginConfig"].(map[string]any); s3["OriginAccessIdentity"] != "" {
			t.Errorf("origin uses an origin access identity: %v", s3)
		}
		if cfg["DefaultRootObject"] != "index.html" {
			t.Errorf("default root object %v", cfg["DefaultRootObject"])
		}
		// a missing file is a 404, not index.html: no error response turns one into the page
		if errs, ok := cfg["CustomErrorResponses"]; ok {
			t.Errorf("error responses %v: a missing script would be answered with a page", errs)
		}
		beh := cfg["DefaultCacheBehavior"].(map[string]any)
		if beh["ViewerProtocolPolicy"] != "redirect-to-https" || beh["ResponseHeadersPolicyId"] == nil {
			t.Errorf("default behaviour %v, want HTTPS and the security headers policy", beh)
		}
		assocs, _ := beh["FunctionAssociations"].([]any)
		if len(assocs) != 1 || assocs[0].(map[string]any)["EventType"] != "viewer-request" {
			t.Errorf("function associations %v, want the pages function on viewer-request", assocs)
		}
	}
	_, fn := y.only(t, "AWS::CloudFront::Function", "CloudFront functions")
	if conf := fn["FunctionConfig"].(map[string]any); conf["Runtime"] != "cloudfront-js-2.0" ||
		fn["FunctionCode"] != spa.ViewerRequestFunction() || fn["AutoPublish"] != true {
		t.Errorf("pages function %v, want spa.ViewerRequestFunction on cloudfront-js-2.0, published", fn)
	}
	must(t, "security headers", func() {
		y.template.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), assertions.Match_ObjectLike(&map[string]any{
			"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
				"SecurityHeadersConfig": assertions.Match_ObjectLike(&map[string]any{
					"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
					"ContentTypeOptions":      map[string]any{"Override": true},
					"StrictTransportSecurity": assertions.Match_ObjectLike(&map[string]any{"IncludeSubdomains": true}),
					"ContentSecurityPolicy":   assertions.Match_ObjectLike(&map[string]any{"Override": true}),
				}),
			}),
		}))
	})
	must(t, "private bucket", func() {
		y.template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), assertions.Match_ObjectLike(&map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"BucketEncryption": assertions.Match_AnyValue(),
		}))
	})
	// The bucket policy refuses plain HTTP and lets only this distribution read.
	for _, bp := range y.ofType("AWS::S3::BucketPolicy") {
		doc, _ := json.Marshal(props(bp)["PolicyDocument"])
		if !strings.Contains(string(doc), `"aws:SecureTransport":"false"`) || !strings.Contains(string(doc), "cloudfront.amazonaws.com") {
			t.Errorf("bucket policy %s lacks SSL-only or the CloudFront grant", doc)
		}
		// listing lets S3 answer a missing file with 404 rather than 403
		if !strings.Contains(string(doc), "s3:ListBucket") || !strings.Contains(string(doc), "s3:GetObject") {
			t.Errorf("bucket policy %s does not let CloudFront read and list", doc)
		}
	}
	_, p := y.only(t, "Custom::CDKBucketDeployment", "bucket deployments")
	if keys := p["SourceObjectKeys"].([]any); len(keys) != 2 {
		t.Errorf("deployment sources %v, want the editor and config.json", keys)
	}
	markers, _ := json.Marshal(p["SourceMarkers"])
	for _, want := range []string{"RestApi", "RealtimeApi", "IdentityUserPoolEditorClient", "ProviderURL", "IdentityUserPoolDomain"} {
		if !strings.Contains(string(markers), want) {
			t.Errorf("config.json values %s do not reference %s", markers, want)
		}
	}
	if paths, _ := json.Marshal(p["DistributionPaths"]); string(paths) != `["/*"]` {
		t.Errorf("deployment invalidates %s, want /*", paths)
	}
	// The staged config.json has the editor's keys, every value filled at deploy time.
	configs, _ := filepath.Glob(filepath.Join(y.outdir, "asset.*", "config.json"))
	if len(configs) != 1 {
		t.Fatalf("staged config.json files: %v, want 1", configs)
	}
	raw, err := os.ReadFile(configs[0])
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]string
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("config.json %s: %v", raw, err)
	}
	wantKeys := []string{"apiUrl", "authUrl", "clientId", "issuer", "redirectPath", "triggerUrl", "wsUrl"}
	if got := keys(cfg); !slices.Equal(got, wantKeys) {
		t.Errorf("config.json keys %v, want %v", got, wantKeys)
	}
	if cfg["redirectPath"] != stack.CallbackPath || !strings.Contains(cfg["issuer"], "marker") {
		t.Errorf("config.json %s", raw)
	}
	// the editor appends /me, /tenants/… to apiUrl: it must name where the endpoints live
	var apiURL any
	for _, m := range asSlice(p["SourceMarkers"]) {
		if v, ok := m.(map[string]any)[cfg["apiUrl"]]; ok {
			apiURL = v
		}
	}
	restAPI := *y.st.Stack.GetLogicalId(y.st.RestAPI.API.Node().DefaultChild().(awscdk.CfnElement))
	if j, _ := json.Marshal(apiURL); !strings.Contains(string(j), restAPI) || !strings.HasSuffix(string(j), `"`+api.Prefix+`"]]}`) {
		t.Errorf("config.json apiUrl = %s, want the REST API's endpoint followed by %s", j, api.Prefix)
	}
	if y.s.HasDomain() && cfg["triggerUrl"] != "https://{project}-{stage}."+y.s.Domain {
		t.Errorf("triggerUrl %q, want the wildcard domain", cfg["triggerUrl"])
	}
	if built := y.st.Editor.Built(); built != (y.s.AssetRoot != "" && exists(filepath.Join(y.s.AssetRoot, "web", "dist", "index.html"))) {
		t.Errorf("editor built = %v, disagreeing with web/dist", built)
	}
}

func (y *synthesized) checkIdentity(t *testing.T) {
	pools := y.ofType("AWS::Cognito::UserPool")
	if len(pools) != 1 {
		t.Fatalf("%d user pools", len(pools))
	}
	for _, p := range pools {
		pp := props(p)
		if aliases := asStrings(pp["UsernameAttributes"]); !slices.Equal(aliases, []string{"email"}) {
			t.Errorf("sign-in aliases %v, want email", aliases)
		}
		wantMFA := map[settings.MFA]string{settings.MFAOff: "OFF", settings.MFAOptional: "OPTIONAL", settings.MFARequired: "ON"}[y.s.MFA]
		if pp["MfaConfiguration"] != wantMFA {
			t.Errorf("MFA %v, want %s", pp["MfaConfiguration"], wantMFA)
		}
		adminOnly := pp["AdminCreateUserConfig"].(map[string]any)["AllowAdminCreateUserOnly"]
		if adminOnly != !y.s.SelfSignUp {
			t.Errorf("admin-only sign-up %v, want %v", adminOnly, !y.s.SelfSignUp)
		}
	}
	clients := y.ofType("AWS::Cognito::UserPoolClient")
	if len(clients) != 1 {
		t.Fatalf("%d clients", len(clients))
	}
	for _, c := range clients {
		p := props(c)
		if p["GenerateSecret"] != false {
			t.Errorf("editor client has a secret: %v", p["GenerateSecret"])
		}
		if flows := asStrings(p["AllowedOAuthFlows"]); !slices.Equal(flows, []string{"code"}) || p["AllowedOAuthFlowsUserPoolClient"] != true {
			t.Errorf("OAuth flows %v, want code", flows)
		}
		cb, _ := json.Marshal(p["CallbackURLs"])
		// the redirect sign-in and the popup that renews an expired session both return to the editor
		for _, path := range []string{stack.CallbackPath, stack.PopupCallbackPath} {
			found := false
			for _, u := range asSlice(p["CallbackURLs"]) {
				j, _ := json.Marshal(u)
				if strings.Contains(string(j), "EditorDistribution") && strings.HasSuffix(string(j), `"`+path+`"]]}`) {
					found = true
				}
			}
			if !found {
				t.Errorf("callback URLs %s lack the editor's %s", cb, path)
			}
		}
		if strings.Contains(string(cb), settings.LocalEditorURL) != y.s.LocalhostCallback {
			t.Errorf("callback URLs %s: localhost present must equal localhostCallback=%v", cb, y.s.LocalhostCallback)
		}
	}
	if len(y.ofType("AWS::Cognito::UserPoolDomain")) != 1 {
		t.Error("no hosted sign-in domain")
	}
	// the editor's client: authorization code with PKCE (a public client: no secret, so
	// the code is only redeemable with its verifier), Cognito sign-in only, short-lived tokens
	must(t, "editor client", func() {
		y.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), assertions.Match_ObjectLike(&map[string]any{
			"GenerateSecret": false, "AllowedOAuthFlows": []any{"code"}, "AllowedOAuthScopes": []any{"openid", "email", "profile"},
			"SupportedIdentityProviders": []any{"COGNITO"}, "EnableTokenRevocation": true, "PreventUserExistenceErrors": "ENABLED",
			"AccessTokenValidity": stack.AccessTokenHours * 60, "IdTokenValidity": stack.IDTokenHours * 60,
			"RefreshTokenValidity": stack.RefreshTokenDays * 24 * 60,
			"TokenValidityUnits":   map[string]any{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
		}))
	})
	// Access tokens carry the verified e-mail (the API lists and accepts invitations with it): a version 2
	// pre-token-generation trigger, which needs the Essentials plan; an e-mail change waits
	// for verification.
	claimsFn := *y.st.Stack.GetLogicalId(y.st.Identity.TokenClaims.Node().DefaultChild().(awscdk.CfnElement))
	poolID := *y.st.Stack.GetLogicalId(y.st.Identity.Pool.Node().DefaultChild().(awscdk.CfnElement))
	must(t, "token claims trigger", func() {
		y.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), assertions.Match_ObjectLike(&map[string]any{
			"UserPoolTier": "ESSENTIALS",
			"LambdaConfig": map[string]any{"PreTokenGenerationConfig": map[string]any{
				"LambdaArn": map[string]any{"Fn::GetAtt": []any{claimsFn, "Arn"}}, "LambdaVersion": "V2_0"}},
			"UserAttributeUpdateSettings": map[string]any{"AttributesRequireVerificationBeforeUpdate": []any{"email"}},
		}))
		y.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
			"Action": "lambda:InvokeFunction", "Principal": "cognito-idp.amazonaws.com",
			"FunctionName": map[string]any{"Fn::GetAtt": []any{claimsFn, "Arn"}},
			"SourceArn":    map[string]any{"Fn::GetAtt": []any{poolID, "Arn"}},
		})
	})
	fn := props(y.resources()[claimsFn])
	if arch, _ := fn["Architectures"].([]any); fn["Runtime"] != "nodejs24.x" || len(arch) != 1 || arch[0] != "arm64" ||
		fn["Timeout"] != float64(5) || fn["LoggingConfig"].(map[string]any)["LogGroup"] == nil {
		t.Errorf("token claims function %v, want nodejs24.x on arm64, 5 s, its own log group", fn)
	}
	roleID := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	for _, st := range y.roleStatements(roleID) {
		if a := asStrings(st["Action"]); !slices.Equal(a, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) {
			t.Errorf("token claims function may %v, want only to write its logs", a)
		}
	}
}

// TestAccessTokenClaims runs the pre-token-generation trigger in Node with the
// events Cognito sends: the verified e-mail and the name go into the access
// token, an unverified e-mail does not.
func TestAccessTokenClaims(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(stack.AccessTokenClaimsJS), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attrs map[string]string
		want  string
	}{
		{map[string]string{"sub": "s1", "email": "ann@example.com", "email_verified": "true", "name": "Ann"},
			`{"email":"ann@example.com","name":"Ann"}`},
		{map[string]string{"sub": "s1", "email": "eve@example.com", "email_verified": "false"}, `{}`},
		{map[string]string{"sub": "s1", "email": "bob@example.com", "email_verified": "true"}, `{"email":"bob@example.com"}`},
		{nil, `{}`},
	}
	for _, tc := range tests {
		event, _ := json.Marshal(map[string]any{"version": "2", "triggerSource": "TokenGeneration_Authentication",
			"request": map[string]any{"userAttributes": tc.attrs}, "response": map[string]any{}})
		script := `const h = require("./index.js").handler;
h(JSON.parse(process.argv[1])).then(e => process.stdout.write(JSON.stringify(e.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride)));`
		cmd := exec.Command(node, "-e", script, string(event))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		if string(out) != tc.want {
			t.Errorf("attributes %v: access token claims %s, want %s", tc.attrs, out, tc.want)
		}
	}
}

func (y *synthesized) checkDomain(t *testing.T) {
	want := 0
	if y.s.HasDomain() {
		want = 1
	}
	for _, typ := range []string{"AWS::CertificateManager::Certificate", "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping"} {
		if n := len(y.ofType(typ)); n != want {
			t.Errorf("%d %s, want %d", n, typ, want)
		}
	}
	records := y.ofType("AWS::Route53::RecordSet")
	if !y.s.HasDomain() {
		if len(records) != 0 {
			t.Errorf("records without a domain: %v", keys(records))
		}
		return
	}
	wildcard := "*." + y.s.Domain
	must(t, "certificate", func() {
		y.template.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), &map[string]any{
			"DomainName": wildcard, "ValidationMethod": "DNS",
			"DomainValidationOptions": []any{map[string]any{"DomainName": wildcard, "HostedZoneId": y.s.HostedZoneID}},
		})
	})
	must(t, "domain name", func() {
		y.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::DomainName"), assertions.Match_ObjectLike(&map[string]any{"DomainName": wildcard}))
	})
	var types []string
	for _, r := range records {
		p := props(r)
		if p["Name"] != wildcard+"." || p["HostedZoneId"] != y.s.HostedZoneID || p["AliasTarget"] == nil {
			t.Errorf("record %v, want an alias %s. in %s", p, wildcard, y.s.HostedZoneID)
		}
		types = append(types, p["Type"].(string))
	}
	sort.Strings(types)
	if !slices.Equal(types, []string{"A", "AAAA"}) {
		t.Errorf("record types %v, want A and AAAA", types)
	}
	routerAPI := *y.st.Stack.GetLogicalId(y.st.Triggers.RouterAPI.Node().DefaultChild().(awscdk.CfnElement))
	for _, m := range y.ofType("AWS::ApiGatewayV2::ApiMapping") {
		if ref, _ := props(m)["ApiId"].(map[string]any); ref["Ref"] != routerAPI {
			t.Errorf("domain mapped to %v, want the router API", props(m)["ApiId"])
		}
	}
}

func (y *synthesized) checkObservability(t *testing.T) {
	alarms := y.ofType("AWS::CloudWatch::Alarm")
	// errors and throttles per function, the token trigger's errors, the runner's failure queue,
	// 5xx per HTTP API, DynamoDB throttles
	wantAlarms := 2*len(stack.FunctionSpecs()) + 1 + 1 + 2 + 1
	if len(alarms) != wantAlarms {
		t.Errorf("%d alarms, want %d", len(alarms), wantAlarms)
	}
	queue := *y.st.Stack.GetLogicalId(y.st.Functions.RunnerFailures.Node().DefaultChild().(awscdk.CfnElement))
	must(t, "runner failures alarm", func() {
		y.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]any{
			"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS", "Threshold": 1,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queue, "QueueName"}}}},
		}))
	})
	claimsFn := *y.st.Stack.GetLogicalId(y.st.Identity.TokenClaims.Node().DefaultChild().(awscdk.CfnElement))
	must(t, "token trigger alarm", func() {
		y.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&map[string]any{
			"MetricName": "Errors", "Namespace": "AWS/Lambda",
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": claimsFn}}},
		}))
	})
	// DynamoDB throttling is watched on the table and on each index of the schema.
	var throttled []string
	for _, a := range alarms {
		for _, m := range asSlice(props(a)["Metrics"]) {
			stat, _ := m.(map[string]any)["MetricStat"].(map[string]any)
			metric, _ := stat["Metric"].(map[string]any)
			if metric["Namespace"] != "AWS/DynamoDB" {
				continue
			}
			index := "table"
			for _, d := range asSlice(metric["Dimensions"]) {
				if d.(map[string]any)["Name"] == "GlobalSecondaryIndexName" {
					index = d.(map[string]any)["Value"].(string)
				}
			}
			throttled = append(throttled, index+" "+metric["MetricName"].(string))
		}
	}
	sort.Strings(throttled)
	var wantThrottled []string
	for _, ix := range append([]string{"table"}, indexNames()...) {
		wantThrottled = append(wantThrottled, ix+" ReadThrottleEvents", ix+" WriteThrottleEvents")
	}
	sort.Strings(wantThrottled)
	if !slices.Equal(throttled, wantThrottled) {
		t.Errorf("DynamoDB throttle alarms watch %v, want %v", throttled, wantThrottled)
	}
	topics := y.ofType("AWS::SNS::Topic")
	for id, a := range alarms {
		actions := props(a)["AlarmActions"]
		if (y.s.AlarmEmail != "") != (actions != nil) {
			t.Errorf("alarm %s actions %v with alarmEmail %q", id, actions, y.s.AlarmEmail)
		}
	}
	if y.s.AlarmEmail == "" {
		if len(topics) != 0 {
			t.Errorf("topic without alarmEmail")
		}
	} else {
		// the topic has its own key, which CloudWatch may use; the secrets key stays the functions' alone
		_, topic := y.only(t, "AWS::SNS::Topic", "alarm topics")
		if k, _ := json.Marshal(topic["KmsMasterKeyId"]); !strings.Contains(string(k), "ObservabilityAlarmKey") {
			t.Errorf("alarm topic encrypted with %s, want its own key", k)
		}
		must(t, "e-mail subscription", func() {
			y.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
				"Protocol": "email", "Endpoint": y.s.AlarmEmail, "TopicArn": assertions.Match_AnyValue(),
			})
		})
	}
	// Every function, the CDK's helpers too, logs to a group of the stack (with retention),
	// never to the /aws/lambda/<name> group Lambda would create and keep forever.
	groups := y.ofType("AWS::Logs::LogGroup")
	for id, fn := range y.ofType("AWS::Lambda::Function") {
		lc, _ := props(fn)["LoggingConfig"].(map[string]any)
		ref, _ := lc["LogGroup"].(map[string]any)
		if _, ok := groups[fmt.Sprint(ref["Ref"])]; !ok {
			t.Errorf("function %s logs to %v, want a log group of the stack", id, lc["LogGroup"])
		}
	}
	for id, lg := range groups {
		if props(lg)["RetentionInDays"] != float64(y.s.LogRetentionDays) {
			t.Errorf("log group %s retention %v, want %d", id, props(lg)["RetentionInDays"], y.s.LogRetentionDays)
		}
	}
	outputs := y.raw["Outputs"].(map[string]any)
	want := []string{stack.OutputEditorURL, stack.OutputAPIURL, stack.OutputWebSocketURL, stack.OutputRouterURL,
		stack.OutputIssuer, stack.OutputClientID, stack.OutputAuthURL, stack.OutputUserPoolID, stack.OutputTableName,
		stack.OutputRunnerFailed}
	if y.s.HasDomain() {
		want = append(want, stack.OutputRouterDomain)
	}
	sort.Strings(want)
	if got := keys(outputs); !slices.Equal(got, want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
}

// wildcardException is a statement where AWS requires Resource "*".
type wildcardException struct {
	name     string
	resource *regexp.Regexp // logical id of the resource holding the statement
	actions  []string       // the statement's actions must all be among these
}

func wildcardExceptions() []wildcardException {
	return []wildcardException{
		{"KMS key policies: a key policy's Resource \"*\" means the key itself",
			regexp.MustCompile(`^(DataSecretsKey|ObservabilityAlarmKey)[0-9A-F]+$`), nil},
		{"CloudFront invalidations have no resource-level permissions (CDK bucket deployment)",
			regexp.MustCompile(`^CustomCDKBucketDeployment[0-9A-F]+512MiBServiceRoleDefaultPolicy[0-9A-F]+$`),
			[]string{"cloudfront:GetInvalidation", "cloudfront:CreateInvalidation"}},
	}
}

func (y *synthesized) checkNoWildcards(t *testing.T) {
	documents := 0
	for id, r := range y.resources() {
		p := props(r)
		var docs []any
		switch r["Type"] {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy":
			docs = append(docs, p["PolicyDocument"])
		case "AWS::KMS::Key":
			docs = append(docs, p["KeyPolicy"])
		case "AWS::IAM::Role":
			for _, pol := range asSlice(p["Policies"]) {
				docs = append(docs, pol.(map[string]any)["PolicyDocument"])
			}
		}
		for _, doc := range docs {
			documents++
			for _, st := range statements(doc) {
				acts := asStrings(st["Action"])
				if slices.Contains(acts, "*") {
					t.Errorf("%s: statement allows Action \"*\": %v", id, st)
				}
				if !slices.Contains(asStrings(st["Resource"]), "*") {
					continue
				}
				allowed := false
				for _, ex := range wildcardExceptions() {
					if ex.resource.MatchString(id) && (ex.actions == nil || subset(acts, ex.actions)) {
						allowed = true
					}
				}
				if !allowed {
					t.Errorf("%s: statement on Resource \"*\" is not a named exception: %v", id, st)
				}
			}
		}
	}
	if documents < 6 {
		t.Errorf("only %d policy documents inspected", documents)
	}
}

// checkSuppressions checks every cdk-nag suppression in the template carries
// a written reason, and that the AWS Solutions pack ran (synth fails on its errors).
func (y *synthesized) checkSuppressions(t *testing.T) {
	count := 0
	for id, r := range y.resources() {
		md, _ := r["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		for _, s := range asSlice(nag["rules_to_suppress"]) {
			m := s.(map[string]any)
			count++
			reason, _ := m["reason"].(string)
			if len(strings.Fields(reason)) < 8 {
				t.Errorf("%s: suppression of %v has no written reason: %q", id, m["id"], reason)
			}
			if rule, _ := m["id"].(string); !strings.HasPrefix(rule, "AwsSolutions-") {
				t.Errorf("%s: suppression of unexpected rule %v", id, m["id"])
			}
		}
	}
	if count == 0 {
		t.Error("no cdk-nag suppressions found: were the checks applied?")
	}
}

// checkSnapshot compares resource types and counts with the recorded
// snapshot; UPDATE_SNAPSHOTS=1 records it. Routes follow the API's route
// table, so they are counted against it instead of the snapshot.
func (y *synthesized) checkSnapshot(t *testing.T, path string) {
	counts := map[string]int{}
	total := 0
	for _, r := range y.resources() {
		counts[r["Type"].(string)]++
		total++
	}
	if want := len(stack.WithHeadRoutes(y.routes)) + 3 + 1; counts["AWS::ApiGatewayV2::Route"] != want {
		t.Errorf("%d routes, want %d: one per REST endpoint and a HEAD one per GET endpoint, 3 WebSocket routes and the router's $default",
			counts["AWS::ApiGatewayV2::Route"], want)
	}
	t.Logf("%d resources, %d of them REST routes", total, len(y.routes))
	delete(counts, "AWS::ApiGatewayV2::Route")
	got, _ := json.MarshalIndent(counts, "", "  ")
	got = append(got, '\n')
	if os.Getenv("UPDATE_SNAPSHOTS") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read snapshot (UPDATE_SNAPSHOTS=1 records it): %v", err)
	}
	var wantCounts map[string]int
	if err := json.Unmarshal(want, &wantCounts); err != nil {
		t.Fatalf("snapshot %s: %v", path, err)
	}
	for _, typ := range union(keys(counts), keys(wantCounts)) {
		if counts[typ] != wantCounts[typ] {
			t.Errorf("%s: %d in the template, %d in %s", typ, counts[typ], wantCounts[typ], path)
		}
	}
}

func statements(doc any) []map[string]any {
	m, _ := doc.(map[string]any)
	var out []map[string]any
	for _, s := range asSlice(m["Statement"]) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func asSlice(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	default:
		return []any{x}
	}
}

// asStrings lists the plain strings of a string-or-list value.
func asStrings(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func subset(a, of []string) bool {
	for _, x := range a {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// indexNames are the store schema's global secondary indexes.
func indexNames() []string {
	var out []string
	for _, ix := range store.TableSchema().Indexes {
		out = append(out, ix.Name)
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
