package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/cdk/settings"
)

// Triggers is everything that starts flows: the router's HTTP API (with the
// optional wildcard domain) and the EventBridge Scheduler group with the role
// schedules use to invoke the runner.
type Triggers struct {
	RouterAPI     awsapigatewayv2.HttpApi
	RouterStage   awsapigatewayv2.HttpStage
	DomainName    awsapigatewayv2.DomainName // nil without a custom domain
	Certificate   awscertificatemanager.Certificate
	ScheduleGroup awsscheduler.CfnScheduleGroup
	SchedulerRole awsiam.Role
	domain        string
}

// TriggersProps are the triggers' inputs.
type TriggersProps struct {
	Router    *Function
	RunnerARN *string
	Settings  settings.Settings
	Throttle  *awsapigatewayv2.ThrottleSettings
	Retention awslogs.RetentionDays
}

// NewTriggers creates the router API ($default route, no authorizer: routes
// decide themselves whether an API key is needed), the custom domain *.<domain>
// when the settings name one, the schedule group and the scheduler role.
func NewTriggers(scope constructs.Construct, id string, p TriggersProps) *Triggers {
	c := constructs.NewConstruct(scope, jsii.String(id))
	t := &Triggers{domain: p.Settings.Domain}

	t.RouterAPI = awsapigatewayv2.NewHttpApi(c, jsii.String("RouterApi"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("PolySynergy trigger router: {project}-{stage}.<domain>/… and /{project}/{stage}/…"),
		CreateDefaultStage: jsii.Bool(false),
		DefaultIntegration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("RouterIntegration"), p.Router.Fn,
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{ScopePermissionToRoute: jsii.Bool(false),
				Timeout: awscdk.Duration_Seconds(jsii.Number(IntegrationTimeout))}),
	})
	t.RouterStage = newHTTPStage(c, t.RouterAPI, p.Throttle, p.Retention)
	cdknag.NagSuppressions_AddResourceSuppressions(t.RouterAPI, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-APIG4"),
		Reason: jsii.String("Trigger routes are public endpoints of the users' published flows; the router " +
			"enforces each route's API-key requirement itself (401 without a valid key)."),
	}}, jsii.Bool(true))

	if p.Settings.HasDomain() {
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(c, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(p.Settings.HostedZoneID),
			ZoneName:     jsii.String(p.Settings.HostedZoneName),
		})
		wildcard := jsii.String("*." + p.Settings.Domain)
		t.Certificate = awscertificatemanager.NewCertificate(c, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName: wildcard,
			Validation: awscertificatemanager.CertificateValidation_FromDns(zone),
		})
		t.DomainName = awsapigatewayv2.NewDomainName(c, jsii.String("Domain"), &awsapigatewayv2.DomainNameProps{
			DomainName:     wildcard,
			Certificate:    t.Certificate,
			SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
			IpAddressType:  awsapigatewayv2.IpAddressType_DUAL_STACK,
		})
		awsapigatewayv2.NewApiMapping(c, jsii.String("Mapping"), &awsapigatewayv2.ApiMappingProps{
			Api: t.RouterAPI, DomainName: t.DomainName, Stage: t.RouterStage,
		})
		target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewApiGatewayv2DomainProperties(
			t.DomainName.RegionalDomainName(), t.DomainName.RegionalHostedZoneId()))
		awsroute53.NewARecord(c, jsii.String("AliasA"), &awsroute53.ARecordProps{Zone: zone, RecordName: wildcard, Target: target})
		awsroute53.NewAaaaRecord(c, jsii.String("AliasAAAA"), &awsroute53.AaaaRecordProps{Zone: zone, RecordName: wildcard, Target: target})
	}

	t.ScheduleGroup = awsscheduler.NewCfnScheduleGroup(c, jsii.String("ScheduleGroup"), &awsscheduler.CfnScheduleGroupProps{
		Name: awscdk.Fn_Join(jsii.String("-"), jsii.Strings(*awscdk.Aws_STACK_NAME(), "schedules")),
	})
	t.SchedulerRole = awsiam.NewRole(c, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("EventBridge Scheduler invokes the PolySynergy runner"),
		// only for schedules of the platform's group (confused-deputy prevention)
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID(), "aws:SourceArn": t.ScheduleGroup.AttrArn()},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"InvokeRunner": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("lambda:InvokeFunction"),
					Resources: &[]*string{p.RunnerARN},
				})},
			}),
		},
	})
	return t
}

// ScheduleGroupName is the group every PolySynergy schedule lives in.
func (t *Triggers) ScheduleGroupName() *string { return t.ScheduleGroup.Ref() }

// BaseDomain is the trigger base domain: the custom domain, or the router
// API's own host, where the path form /{project}/{stage}/… applies.
func (t *Triggers) BaseDomain() *string {
	if t.domain != "" {
		return jsii.String(t.domain)
	}
	return awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), t.RouterAPI.ApiEndpoint(), nil))
}

// URL is where triggers are reached: https://{project}-{stage}.<domain> with a
// custom domain, else the router's endpoint (path form).
func (t *Triggers) URL() *string {
	if t.domain != "" {
		return jsii.String("https://{project}-{stage}." + t.domain)
	}
	return t.RouterAPI.ApiEndpoint()
}

// GrantManageSchedules lets grantee create, update and delete schedules in the
// group only, and hand them the scheduler role.
func (t *Triggers) GrantManageSchedules(grantee awsiam.IGrantable) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee,
		Actions: jsii.Strings("scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"),
		ResourceArns: &[]*string{awscdk.Stack_Of(t.ScheduleGroup).FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("scheduler"),
			Resource:     jsii.String("schedule"),
			ResourceName: awscdk.Fn_Join(jsii.String("/"), &[]*string{t.ScheduleGroupName(), jsii.String("*")}),
		})},
	})
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  &[]*string{t.SchedulerRole.RoleArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "scheduler.amazonaws.com"}},
	}))
}
