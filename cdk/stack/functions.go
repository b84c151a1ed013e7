package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// FunctionSpec is how one Lambda function is sized.
type FunctionSpec struct {
	// Name is the folder under functions/ and build/.
	Name        string
	Description string
	MemoryMB    int
	Timeout     int // seconds
}

// IntegrationTimeout is how long the HTTP APIs wait for the api and router
// functions, in seconds: the most an HTTP API integration may wait.
const IntegrationTimeout = 29

// FunctionSpecs lists the platform's functions. The functions behind the HTTP
// APIs stop a second before the gateway gives up (IntegrationTimeout), so a
// request that runs too long gets the function's answer, not the gateway's
// bare 503: the router bounds an inline run by its remaining time less a
// second, so it answers 504 itself at 27 s. The runner serves schedules and
// editor runs and may take Lambda's 15 minutes.
func FunctionSpecs() []FunctionSpec {
	return []FunctionSpec{
		{Name: "api", Description: "PolySynergy REST API", MemoryMB: 512, Timeout: IntegrationTimeout - 1},
		{Name: "router", Description: "PolySynergy trigger router: runs published route flows", MemoryMB: 1024, Timeout: IntegrationTimeout - 1},
		{Name: "ws", Description: "PolySynergy live WebSocket API: connections and subscriptions", MemoryMB: 256, Timeout: 10},
		{Name: "runner", Description: "PolySynergy runner: schedules, editor runs and resumes", MemoryMB: 1024, Timeout: 900},
	}
}

// Function is one deployed function with its role and log group.
type Function struct {
	Spec     FunctionSpec
	Fn       awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// Functions are the four Lambda functions, built by `make lambdas` into
// <assetRoot>/build/<name>/bootstrap.
type Functions struct {
	API, Router, WS, Runner *Function
	// RunnerFailures receives the runner's asynchronous invocations (schedules,
	// editor runs, router hand-offs) that still failed after Lambda's retries, or
	// aged out, so no run is lost without a trace.
	RunnerFailures awssqs.Queue
}

// Asynchronous invocations of the runner: Lambda retries a failed one twice
// (the runner answers a retried run from its record, so a retry never runs a
// flow twice) and gives up on an event older than six hours.
const (
	RunnerRetryAttempts = 2
	RunnerMaxEventAge   = 6 // hours
)

// All returns the functions in a fixed order.
func (f *Functions) All() []*Function { return []*Function{f.API, f.Router, f.WS, f.Runner} }

// RunnerFunctionName is the runner's physical name. It is fixed so that the
// runner's own ARN (the target of the schedules it creates) can be given to it
// without a circular reference.
func RunnerFunctionName() *string {
	return awscdk.Fn_Join(jsii.String("-"), jsii.Strings(*awscdk.Aws_STACK_NAME(), "runner"))
}

// CheckAssets reports the function binaries missing under assetRoot.
func CheckAssets(assetRoot string) error {
	for _, s := range FunctionSpecs() {
		p := filepath.Join(assetRoot, "build", s.Name, "bootstrap")
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("function %s: binary %s: %w (run `make lambdas` first)", s.Name, p, err)
		}
		if st.IsDir() {
			return fmt.Errorf("function %s: %s is a directory, want the bootstrap binary", s.Name, p)
		}
	}
	return nil
}

// NewFunctions creates the functions: provided.al2023 on arm64, handler
// bootstrap, each with its own role (no managed policies; it may only write
// its own log group until the stack grants what it performs) and a log group
// with retention.
func NewFunctions(scope constructs.Construct, id, assetRoot string, retention awslogs.RetentionDays) (*Functions, error) {
	if err := CheckAssets(assetRoot); err != nil {
		return nil, err
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	made := map[string]*Function{}
	var runnerScope constructs.Construct
	for _, s := range FunctionSpecs() {
		name := s.Name
		fc := constructs.NewConstruct(c, jsii.String(titleCase(name)))
		logs := awslogs.NewLogGroup(fc, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention:     retention,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		role := awsiam.NewRole(fc, jsii.String("Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String(fmt.Sprintf("PolySynergy %s function", name)),
		})
		logs.GrantWrite(role)
		props := &awslambda.FunctionProps{
			Description:   jsii.String(s.Description),
			Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:  awslambda.Architecture_ARM_64(),
			Handler:       jsii.String("bootstrap"),
			Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(assetRoot, "build", name)), nil),
			MemorySize:    jsii.Number(float64(s.MemoryMB)),
			Timeout:       awscdk.Duration_Seconds(jsii.Number(float64(s.Timeout))),
			Role:          role,
			LogGroup:      logs,
			LoggingFormat: awslambda.LoggingFormat_JSON,
		}
		if name == "runner" {
			props.FunctionName = RunnerFunctionName()
			runnerScope = fc
		}
		fn := awslambda.NewFunction(fc, jsii.String("Function"), props)
		made[name] = &Function{Spec: s, Fn: fn, Role: role, LogGroup: logs}
	}
	f := &Functions{API: made["api"], Router: made["router"], WS: made["ws"], Runner: made["runner"]}
	f.RunnerFailures = awssqs.NewQueue(runnerScope, jsii.String("Failures"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(f.RunnerFailures, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter destination of the runner's failed asynchronous " +
			"invocations; an alarm fires on its first message."),
	}}, jsii.Bool(true))
	f.Runner.Fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(RunnerRetryAttempts),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(RunnerMaxEventAge)),
		OnFailure:     awslambdadestinations.NewSqsDestination(f.RunnerFailures),
	})
	return f, nil
}

// RunnerARN is the runner's ARN built from its fixed name.
func RunnerARN(scope constructs.Construct) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("lambda"),
		Resource:     jsii.String("function"),
		ResourceName: RunnerFunctionName(),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// retentionOf maps a retention in days (one settings.RetentionDays accepts) to
// the CDK enum; other values keep logs for a month.
func retentionOf(days int) awslogs.RetentionDays {
	switch days {
	case 1:
		return awslogs.RetentionDays_ONE_DAY
	case 3:
		return awslogs.RetentionDays_THREE_DAYS
	case 5:
		return awslogs.RetentionDays_FIVE_DAYS
	case 7:
		return awslogs.RetentionDays_ONE_WEEK
	case 14:
		return awslogs.RetentionDays_TWO_WEEKS
	case 60:
		return awslogs.RetentionDays_TWO_MONTHS
	case 90:
		return awslogs.RetentionDays_THREE_MONTHS
	case 120:
		return awslogs.RetentionDays_FOUR_MONTHS
	case 150:
		return awslogs.RetentionDays_FIVE_MONTHS
	case 180:
		return awslogs.RetentionDays_SIX_MONTHS
	case 365:
		return awslogs.RetentionDays_ONE_YEAR
	case 400:
		return awslogs.RetentionDays_THIRTEEN_MONTHS
	case 545:
		return awslogs.RetentionDays_EIGHTEEN_MONTHS
	case 731:
		return awslogs.RetentionDays_TWO_YEARS
	case 1096:
		return awslogs.RetentionDays_THREE_YEARS
	case 1827:
		return awslogs.RetentionDays_FIVE_YEARS
	case 2192:
		return awslogs.RetentionDays_SIX_YEARS
	case 2557:
		return awslogs.RetentionDays_SEVEN_YEARS
	case 2922:
		return awslogs.RetentionDays_EIGHT_YEARS
	case 3288:
		return awslogs.RetentionDays_NINE_YEARS
	case 3653:
		return awslogs.RetentionDays_TEN_YEARS
	}
	return awslogs.RetentionDays_ONE_MONTH
}
