package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Observability holds the alarms and, when an e-mail address is configured,
// the topic they notify.
type Observability struct {
	Alarms []awscloudwatch.Alarm
	Topic  awssns.Topic // nil without alarmEmail
}

// ObservabilityProps are what the alarms watch.
type ObservabilityProps struct {
	Functions  []*Function
	APIs       map[string]awsapigatewayv2.HttpApi // name → HTTP API (REST API, router)
	Table      awsdynamodb.Table
	Key        awskms.Key // encrypts the alarm topic
	AlarmEmail string
}

// NewObservability creates alarms on every function's errors and throttles,
// on 5xx answers of the HTTP APIs and on DynamoDB throttling, with an SNS
// e-mail subscription when configured.
func NewObservability(scope constructs.Construct, id string, p ObservabilityProps) *Observability {
	c := constructs.NewConstruct(scope, jsii.String(id))
	o := &Observability{}
	if p.AlarmEmail != "" {
		o.Topic = awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("PolySynergy alarms"),
			MasterKey:   p.Key,
			EnforceSSL:  jsii.Bool(true),
		})
		o.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
		// CloudWatch publishes to the encrypted topic with the key.
		p.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
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
	alarm("TableThrottles", "DynamoDB throttled reads or writes in 5 minutes", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("reads + writes"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"reads":  p.Table.Metric(jsii.String("ReadThrottleEvents"), sum),
			"writes": p.Table.Metric(jsii.String("WriteThrottleEvents"), sum),
		},
		Label:  jsii.String("Throttled requests"),
		Period: five,
	}))
	return o
}
