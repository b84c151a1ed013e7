package stack

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Wildcard findings (cdk-nag AwsSolutions-IAM5) that the platform's own roles
// carry, each with why the wildcard is the narrowest possible grant. Each
// suppression applies only to findings matching its pattern.
func wildcardReasons() []struct{ pattern, reason string } {
	return []struct{ pattern, reason string }{
		{`^Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<RealtimeApi[0-9A-F]+>/live/\*/@connections/\*$`,
			"API Gateway assigns connection ids at $connect; posting is limited to this WebSocket API's live stage."},
		{`^Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<TriggersScheduleGroup[0-9A-F]+>/\*$`,
			"Schedule names are derived from flows when they are published; management is limited to the platform's own schedule group."},
		{`^Resource::arn:<AWS::Partition>:iam::\*:role/\*$`,
			"The router and the runner assume roles that users name in their own accounts (AWS nodes' role_arn), unknown at deployment; " +
				"the grant excludes this account (aws:ResourceAccount), and each user's trust policy requires the project's external ID."},
	}
}

// suppressRoleWildcards records the wildcard reasons on a function role.
func suppressRoleWildcards(role constructs.IConstruct) {
	var supp []*cdknag.NagPackSuppression
	for _, w := range wildcardReasons() {
		supp = append(supp, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String(w.reason),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String("/" + w.pattern + "/g")}},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &supp, jsii.Bool(true))
}

// suppressCDKInternals records, with reasons, the cdk-nag findings on the
// function the CDK library adds for the editor's bucket deployment.
func (st *Stack) suppressCDKInternals() {
	for _, child := range *st.Stack.Node().Children() {
		if !strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(
				"The CDK's bucket-deployment function uses AWSLambdaBasicExecutionRole to write its own logs; the role is the library's.")},
			{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(
				"The CDK's bucket-deployment function copies the editor from the CDK asset bucket into the editor bucket " +
					"(object wildcards of those two buckets) and invalidates the distribution (CloudFront invalidation has no resource-level permission)."),
				AppliesTo: &[]any{
					"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
					"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
					&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<EditorBucket[0-9A-F]+\.Arn>\/\*$/g`)},
					"Resource::*",
				}},
			{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String(
				"The CDK library pins the bucket-deployment function's Python runtime with its bundled AWS CLI layer; it runs only during deployments.")},
		}, jsii.Bool(true))
	}
}
