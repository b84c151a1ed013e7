// Package stack is the PolySynergy CDK stack, split into one construct per
// concern: data, functions, identity, the REST API, realtime (WebSocket),
// triggers (router and schedules), the editor and observability. The stack is
// environment-agnostic and synthesises offline.
package stack

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"polysynergy/cdk/settings"
	"polysynergy/shared/platform"
	"polysynergy/shared/store"
)

// Props are the stack's inputs.
type Props struct {
	Settings settings.Settings
	// Routes is the REST API's route table (shared/api's exported routes).
	Routes []RouteSpec
	// Schema is the table schema; the zero value means store.TableSchema().
	Schema *store.Schema
}

// Stack is the platform's stack with its constructs, exposed for tests.
type Stack struct {
	Stack         awscdk.Stack
	Data          *Data
	Functions     *Functions
	Identity      *Identity
	RestAPI       *RestAPI
	Realtime      *Realtime
	Triggers      *Triggers
	Editor        *Editor
	Observability *Observability
}

// New builds the stack named p.Settings.StackName in scope.
func New(scope constructs.Construct, p Props) (*Stack, error) {
	s := p.Settings
	if errs := s.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("settings: %v", errs)
	}
	schema := store.TableSchema()
	if p.Schema != nil {
		schema = *p.Schema
	}
	if err := ValidateRoutes(p.Routes); err != nil {
		return nil, fmt.Errorf("REST API route table: %w", err)
	}
	if err := CheckAssets(s.AssetRoot); err != nil {
		return nil, err
	}

	st := &Stack{Stack: awscdk.NewStack(scope, jsii.String(s.StackName), &awscdk.StackProps{
		Description:        jsii.String("PolySynergy: visual workflow automation on AWS serverless"),
		AnalyticsReporting: jsii.Bool(false),
	})}
	retention := retentionOf(s.LogRetentionDays)
	throttle := &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(s.APIRateLimit), BurstLimit: jsii.Number(float64(s.APIBurstLimit))}

	var err error
	if st.Data, err = NewData(st.Stack, "Data", schema, s.RetainData); err != nil {
		return nil, err
	}
	if st.Functions, err = NewFunctions(st.Stack, "Functions", s.AssetRoot, retention); err != nil {
		return nil, err
	}
	var extraConnect []string
	if s.HasDomain() {
		extraConnect = append(extraConnect, "https://*."+s.Domain)
	}
	st.Editor = NewEditor(st.Stack, "Editor", s.AssetRoot, extraConnect, retention)
	st.Identity = NewIdentity(st.Stack, "Identity", IdentityProps{Settings: s, EditorURL: st.Editor.URL(), Retention: retention})

	origins := []*string{st.Editor.URL()}
	if s.LocalhostCallback {
		origins = append(origins, jsii.String(settings.LocalEditorURL))
	}
	if st.RestAPI, err = NewRestAPI(st.Stack, "RestApi", RestAPIProps{
		Handler: st.Functions.API.Fn, Pool: st.Identity.Pool, Client: st.Identity.Client, Routes: p.Routes,
		Origins: origins, Throttle: throttle, Retention: retention,
	}); err != nil {
		return nil, err
	}
	st.Realtime = NewRealtime(st.Stack, "Realtime", st.Functions.WS.Fn, throttle)
	runnerARN := RunnerARN(st.Stack)
	st.Triggers = NewTriggers(st.Stack, "Triggers", TriggersProps{
		Router: st.Functions.Router, RunnerARN: runnerARN, Settings: s, Throttle: throttle, Retention: retention,
	})

	if err := st.wire(runnerARN); err != nil {
		return nil, err
	}

	st.Editor.Publish(EditorConfig{
		APIURL: st.RestAPI.BaseURL(), WebSocketURL: st.Realtime.URL(), Issuer: st.Identity.Issuer(),
		ClientID: st.Identity.Client.UserPoolClientId(), AuthURL: st.Identity.Domain.BaseUrl(nil),
		RedirectPath: jsii.String(CallbackPath), TriggerURL: st.Triggers.URL(),
	})
	st.Observability = NewObservability(st.Stack, "Observability", ObservabilityProps{
		Functions: st.Functions.All(), RunnerFailures: st.Functions.RunnerFailures, TokenClaims: st.Identity.TokenClaims,
		APIs:  map[string]awsapigatewayv2.HttpApi{"RestApi": st.RestAPI.API, "RouterApi": st.Triggers.RouterAPI},
		Table: st.Data.Table, Indexes: st.Data.indexes, AlarmEmail: s.AlarmEmail,
	})
	st.outputs()
	st.suppressCDKInternals()
	return st, nil
}

// wire gives each function its environment — exactly the variables its main
// and shared/platform read — and exactly the permissions for the calls it makes:
//
//	function  table             secrets key                runner  live posts  schedules           users' roles
//	api       store             GenerateDataKey + Decrypt  invoke  -           manage + pass role  -
//	router    store             Decrypt                    invoke  post        -                   assume
//	ws        connections only  -                          -       -           -                   -
//	runner    store             Decrypt                    -       post        -                   assume
//
// The API decrypts as well as seals: renaming a stage opens each of its secrets
// and seals it again under the new stage's encryption context. The functions that
// run flows may assume roles in users' accounts (an AWS node's role_arn; see
// grantAssumeUserRoles) and are told the platform's own account, whose roles they
// refuse; the API shows users the principal their roles trust.
func (st *Stack) wire(runnerARN *string) error {
	f, d := st.Functions, st.Data
	env := func(fn *Function, kv ...*string) {
		for i := 0; i+1 < len(kv); i += 2 {
			fn.Fn.AddEnvironment(kv[i], kv[i+1], nil)
		}
	}
	k := jsii.String
	for _, fn := range f.All() {
		env(fn, k(platform.EnvTable), d.Table.TableName())
		rt := platform.GoRuntimeEnv(fn.Spec.MemoryMB)
		for _, name := range slices.Sorted(maps.Keys(rt)) {
			env(fn, k(name), k(rt[name]))
		}
		access := StoreAccess()
		if fn == f.WS {
			access = ConnectionAccess()
		}
		if err := d.Grant(fn.Role, access); err != nil {
			return fmt.Errorf("function %s: %w", fn.Spec.Name, err)
		}
	}
	issuer, audience := st.Identity.Issuer(), st.Identity.Client.UserPoolClientId()
	wsEndpoint := st.Realtime.CallbackURL()

	env(f.API, k(platform.EnvTrustPrincipal), TrustPrincipal(), k(platform.EnvKMSKey), d.Key.KeyArn(),
		k(platform.EnvRunnerFunction), f.Runner.Fn.FunctionName(), k(platform.EnvRunnerARN), runnerARN,
		k(platform.EnvScheduleGroup), st.Triggers.ScheduleGroupName(), k(platform.EnvSchedulerRoleARN), st.Triggers.SchedulerRole.RoleArn())
	d.Key.Grant(f.API.Role, k("kms:GenerateDataKey"), k("kms:Decrypt")) // seal with a fresh data key per secret; open on stage rename
	grantInvoke(f.API, runnerARN)
	st.Triggers.GrantManageSchedules(f.API.Role)

	env(f.Router, k(platform.EnvKMSKey), d.Key.KeyArn(), k(platform.EnvWSEndpoint), wsEndpoint,
		k(platform.EnvRunnerFunction), f.Runner.Fn.FunctionName(), k(platform.EnvBaseDomain), st.Triggers.BaseDomain())
	d.Key.GrantDecrypt(f.Router.Role)
	grantInvoke(f.Router, runnerARN)
	st.Realtime.GrantPost(f.Router.Role)
	env(f.Router, k(platform.EnvAccountID), awscdk.Aws_ACCOUNT_ID())
	grantAssumeUserRoles(f.Router)

	// The ws function answers on the connection itself (its Lambda response); it never posts.
	env(f.WS, k(platform.EnvIssuer), issuer, k(platform.EnvAudience), audience)

	env(f.Runner, k(platform.EnvKMSKey), d.Key.KeyArn(), k(platform.EnvWSEndpoint), wsEndpoint)
	d.Key.GrantDecrypt(f.Runner.Role)
	st.Realtime.GrantPost(f.Runner.Role)
	env(f.Runner, k(platform.EnvAccountID), awscdk.Aws_ACCOUNT_ID())
	grantAssumeUserRoles(f.Runner)

	for _, fn := range f.All() {
		suppressRoleWildcards(fn.Role)
	}
	return nil
}

// TrustPrincipal is the principal users' roles trust for the AWS nodes' role_arn: this
// account's root, which delegates to the account's own policies — and only the router
// and the runner are allowed sts:AssumeRole here, on other accounts' roles. The
// function roles' ARNs are not used: a role replaced by a deployment would silently
// break every user's trust policy.
func TrustPrincipal() *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("arn:", *awscdk.Aws_PARTITION(), ":iam::", *awscdk.Aws_ACCOUNT_ID(), ":root"))
}

// UserRolesARN is the resource of the functions' sts:AssumeRole: any role, in any
// account; the grant's condition excludes the platform's own.
func UserRolesARN() *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("arn:", *awscdk.Aws_PARTITION(), ":iam::*:role/*"))
}

// grantAssumeUserRoles lets fn assume roles in users' accounts, never in this one
// (aws:ResourceAccount): the platform's own roles can read every tenant's data. The
// function also refuses them itself, and sends the project's external ID, which the
// user's trust policy requires.
func grantAssumeUserRoles(fn *Function) {
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: &[]*string{UserRolesARN()},
		Conditions: &map[string]any{
			"StringNotEquals": map[string]any{"aws:ResourceAccount": awscdk.Aws_ACCOUNT_ID()},
		},
	}))
}

// grantInvoke lets fn invoke the runner (the unqualified function only).
func grantInvoke(fn *Function, runnerARN *string) {
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{runnerARN},
	}))
}

// Output names.
const (
	OutputEditorURL    = "EditorUrl"
	OutputAPIURL       = "ApiUrl"
	OutputWebSocketURL = "WebSocketUrl"
	OutputRouterURL    = "RouterUrl"
	OutputRouterDomain = "RouterDomain"
	OutputIssuer       = "Issuer"
	OutputClientID     = "EditorClientId"
	OutputAuthURL      = "SignInUrl"
	OutputUserPoolID   = "UserPoolId"
	OutputTableName    = "TableName"
	OutputRunnerFailed = "RunnerFailureQueue"
)

func (st *Stack) outputs() {
	out := func(name, description string, value *string) {
		awscdk.NewCfnOutput(st.Stack, jsii.String(name), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out(OutputEditorURL, "The editor", st.Editor.URL())
	out(OutputAPIURL, "REST API base URL", st.RestAPI.URL())
	out(OutputWebSocketURL, "Live events WebSocket URL", st.Realtime.URL())
	out(OutputRouterURL, "Trigger router endpoint (path form /{project}/{stage}/…)", st.Triggers.RouterAPI.ApiEndpoint())
	if st.Triggers.DomainName != nil {
		out(OutputRouterDomain, "Trigger hosts: {project}-{stage}.<domain>", jsii.String("*."+st.Triggers.domain))
	}
	out(OutputIssuer, "OIDC issuer", st.Identity.Issuer())
	out(OutputClientID, "The editor's OIDC client id", st.Identity.Client.UserPoolClientId())
	out(OutputAuthURL, "Cognito hosted sign-in domain", st.Identity.Domain.BaseUrl(nil))
	out(OutputUserPoolID, "Cognito user pool (create users here when self sign-up is off)", st.Identity.Pool.UserPoolId())
	out(OutputTableName, "DynamoDB table", st.Data.Table.TableName())
	out(OutputRunnerFailed, "Runner invocations that failed after their retries (SQS queue URL)", st.Functions.RunnerFailures.QueueUrl())
}
