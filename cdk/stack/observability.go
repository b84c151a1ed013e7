package stack

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Observability holds the alarms and, when an e-mail address is configured,
// the topic they notify and its key.
type Observability struct {
	Alarms []awscloudwatch.Alarm
	Topic  awssns.Topic // nil without alarmEmail
	Key    awskms.Key   // encrypts the topic; nil without alarmEmail
}

// ObservabilityProps are what the alarms watch.
type ObservabilityProps struct {
	Functions []*Function
	// RunnerFailures holds the runner's asynchronous invocations that failed for good.
	RunnerFailures awssqs.IQueue
	// TokenClaims is Cognito's pre-token-generation trigger: when it fails, sign-ins fail.
	TokenClaims awslambda.IFunction
	APIs        map[string]awsapigatewayv2.HttpApi // name → HTTP API (REST API, router)
	Table       awsdynamodb.Table
	// Indexes are the table's global secondary indexes, whose throttling DynamoDB reports apart.
	Indexes    []string
	AlarmEmail string
}

// NewObservability creates alarms on every function's errors and throttles,
// on the runner's failed asynchronous invocations, on 5xx answers of the HTTP
// APIs and on DynamoDB throttling of the table and its indexes, with an SNS
// e-mail subscription when configured. The topic has its own key: CloudWatch
// must be allowed to use it, and the secrets key admits no service.
func NewObservability(scope constructs.Construct, id string, p ObservabilityProps) *Observability {
	c := constructs.NewConstruct(scope, jsii.String(id))
	o := &Observability{}
	if p.AlarmEmail != "" {
		o.Key = awskms.NewKey(c, jsii.String("AlarmKey"), &awskms.KeyProps{
			Description:       jsii.String("PolySynergy: encrypts the alarm notifications topic"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
			PendingWindow:     awscdk.Duration_Days(jsii.Number(7)),
		})
		o.Topic = awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("PolySynergy alarms"),
			MasterKey:   o.Key,
			EnforceSSL:  jsii.Bool(true),
		})
		o.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
		// CloudWatch publishes to the encrypted topic with the key.
		o.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudWatchAlarmsToEncryptForTopic"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}), jsii.Bool(false))
	}
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, description string, m awscloudwatch.IMetric) {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             m,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(description),
		})
		if o.Topic != nil {
			a.AddAlarmAction(awscloudwatchactions.NewSnsAction(o.Topic))
		}
		o.Alarms = append(o.Alarms, a)
	}
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	for _, f := range p.Functions {
		name := titleCase(f.Spec.Name)
		alarm(name+"Errors", "The "+f.Spec.Name+" function failed at least once in 5 minutes", f.Fn.MetricErrors(sum))
		alarm(name+"Throttles", "The "+f.Spec.Name+" function was throttled in 5 minutes", f.Fn.MetricThrottles(sum))
	}
	for _, name := range []string{"RestApi", "RouterApi"} {
		api, ok := p.APIs[name]
		if !ok {
			continue
		}
		alarm(name+"5xx", "The "+name+" answered 5xx in 5 minutes", api.MetricServerError(sum))
	}
	if p.TokenClaims != nil {
		alarm("TokenClaimsErrors", "The Cognito token trigger failed: sign-ins and token refreshes fail while it does",
			p.TokenClaims.MetricErrors(sum))
	}
	if p.RunnerFailures != nil {
		alarm("RunnerFailedInvocations", "A runner invocation (schedule, editor run, resume or router hand-off) failed after "+
			"its retries or aged out; it waits in the runner's failure queue with the error",
			p.RunnerFailures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}))
	}
	// DynamoDB reports throttling of the table and of each index apart.
	throttles := map[string]awscloudwatch.IMetric{}
	var terms []string
	for i, index := range append([]string{""}, p.Indexes...) {
		dims := map[string]*string{"TableName": p.Table.TableName()}
		if index != "" {
			dims["GlobalSecondaryIndexName"] = jsii.String(index)
		}
		for _, m := range []string{"ReadThrottleEvents", "WriteThrottleEvents"} {
			name := fmt.Sprintf("%s%d", strings.ToLower(m[:1]), i)
			throttles[name] = awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String(m), DimensionsMap: &dims,
				Period: five, Statistic: jsii.String("Sum"),
			})
			terms = append(terms, name)
		}
	}
	alarm("TableThrottles", "DynamoDB throttled reads or writes of the table or an index in 5 minutes",
		awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(strings.Join(terms, " + ")),
			UsingMetrics: &throttles,
			Label:        jsii.String("Throttled requests"),
			Period:       five,
		}))
	return o
}
