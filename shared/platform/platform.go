// Package platform reads the functions' configuration from the environment and builds
// their AWS configuration and DynamoDB client, with every endpoint overridable so the same
// binaries run against AWS, the local cloud (`polysynergy dev`) and the tests. The other
// service clients are built where they are used (platform/clients, publish.Client), so a
// function links only those it needs.
package platform

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"polysynergy/shared/awsenv"
	"polysynergy/shared/awstrust"
	"polysynergy/shared/store"
)

// Environment variable names, shared by the CDK stack, the local cloud and the functions.
const (
	EnvTable            = "POLYSYNERGY_TABLE"             // DynamoDB table name
	EnvRegion           = "AWS_REGION"                    // AWS region
	EnvDynamoEndpoint   = "POLYSYNERGY_DYNAMODB_ENDPOINT" // override the DynamoDB endpoint
	EnvLambdaEndpoint   = "POLYSYNERGY_LAMBDA_ENDPOINT"   // override the Lambda endpoint
	EnvKMSEndpoint      = "POLYSYNERGY_KMS_ENDPOINT"      // override the KMS endpoint
	EnvSchedEndpoint    = "POLYSYNERGY_SCHEDULER_ENDPOINT"
	EnvWSEndpoint       = "POLYSYNERGY_WS_ENDPOINT"      // API Gateway Management API endpoint (https://…/stage)
	EnvKMSKey           = "POLYSYNERGY_KMS_KEY"          // KMS key id/ARN for secrets
	EnvSecretsKeyFile   = "POLYSYNERGY_SECRETS_KEY_FILE" // local key file instead of KMS (dev, tests)
	EnvIssuer           = "POLYSYNERGY_ISSUER"           // OIDC issuer URL
	EnvAudience         = "POLYSYNERGY_AUDIENCE"         // expected JWT audience (app client id)
	EnvJWKSURL          = "POLYSYNERGY_JWKS_URL"         // JWKS URL (default issuer + /.well-known/jwks.json)
	EnvBaseDomain       = "POLYSYNERGY_BASE_DOMAIN"      // trigger base domain, e.g. example.com or localhost
	EnvRunnerFunction   = "POLYSYNERGY_RUNNER_FUNCTION"  // runner Lambda name/ARN
	EnvScheduleGroup    = "POLYSYNERGY_SCHEDULE_GROUP"   // EventBridge Scheduler group
	EnvSchedulerRoleARN = "POLYSYNERGY_SCHEDULER_ROLE_ARN"
	EnvRunnerARN        = "POLYSYNERGY_RUNNER_ARN" // target of schedules
	EnvRunRetention     = "POLYSYNERGY_RUN_RETENTION"
	EnvLogLevel         = "POLYSYNERGY_LOG_LEVEL"
	// EnvAccountID is the platform's own account, on the functions that run flows: the AWS
	// nodes never assume a role there (see awstrust).
	EnvAccountID = awstrust.EnvAccountID
	// EnvTrustPrincipal is the principal users' roles trust for the AWS nodes' role_arn,
	// shown by the API with each project's external ID.
	EnvTrustPrincipal = awstrust.EnvTrustPrincipal
)

// Config is every function's configuration.
type Config struct {
	Table            string
	Region           string
	DynamoEndpoint   string
	LambdaEndpoint   string
	KMSEndpoint      string
	SchedEndpoint    string
	WSEndpoint       string
	KMSKey           string
	SecretsKeyFile   string
	Issuer           string
	Audience         string
	JWKSURL          string
	BaseDomain       string
	RunnerFunction   string
	ScheduleGroup    string
	SchedulerRoleARN string
	RunnerARN        string
	// RunRetention is how many runs a flow created without its own setting keeps.
	RunRetention int
	LogLevel     slog.Level
	// AccountID is the platform's own AWS account (the AWS node family reads it from the
	// environment itself).
	AccountID string
	// TrustPrincipal is the principal a user's role trusts so that AWS nodes may assume it.
	TrustPrincipal string
}

// FromEnv reads the configuration; lookup is os.LookupEnv in production.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	c := Config{
		Table: get(EnvTable), Region: get(EnvRegion), DynamoEndpoint: get(EnvDynamoEndpoint),
		LambdaEndpoint: get(EnvLambdaEndpoint), KMSEndpoint: get(EnvKMSEndpoint), SchedEndpoint: get(EnvSchedEndpoint),
		WSEndpoint: get(EnvWSEndpoint), KMSKey: get(EnvKMSKey), SecretsKeyFile: get(EnvSecretsKeyFile),
		Issuer: get(EnvIssuer), Audience: get(EnvAudience), JWKSURL: get(EnvJWKSURL), BaseDomain: get(EnvBaseDomain),
		RunnerFunction: get(EnvRunnerFunction), ScheduleGroup: get(EnvScheduleGroup),
		SchedulerRoleARN: get(EnvSchedulerRoleARN), RunnerARN: get(EnvRunnerARN), RunRetention: 100,
		AccountID: get(EnvAccountID), TrustPrincipal: get(EnvTrustPrincipal),
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Table == "" {
		return c, fmt.Errorf("%s is not set: the DynamoDB table name is required", EnvTable)
	}
	if c.JWKSURL == "" && c.Issuer != "" {
		c.JWKSURL = strings.TrimSuffix(c.Issuer, "/") + "/.well-known/jwks.json"
	}
	if v := get(EnvRunRetention); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxRetention {
			return c, fmt.Errorf("%s=%q: want the number of runs to keep per flow, 1 to %d", EnvRunRetention, v, store.MaxRetention)
		}
		c.RunRetention = n
	}
	if v := get(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v)
		}
	}
	return c, nil
}

// MustFromEnv is FromEnv over the process environment; a function cannot start without it.
func MustFromEnv() Config {
	c, err := FromEnv(os.LookupEnv)
	if err != nil {
		slog.Error("configuration", "err", err)
		os.Exit(1)
	}
	return c
}

// Logger returns a JSON logger at the configured level (Lambda ships stdout to CloudWatch).
func (c Config) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: c.LogLevel}))
}

// AWS returns the AWS configuration: the region, and the credentials Lambda puts in the
// environment (see awsenv). With any endpoint overridden and no credentials in the
// environment (the local cloud), static dummy credentials are used.
func (c Config) AWS(ctx context.Context) (aws.Config, error) {
	var cfg aws.Config
	if c.local() && os.Getenv(awsenv.EnvAccessKeyID) == "" {
		cfg = awsenv.WithCredentials(c.Region, credentials.NewStaticCredentialsProvider("local", "local", ""))
	} else {
		var err error
		if cfg, err = awsenv.Load(c.Region, nil); err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
	}
	cfg.RetryMaxAttempts = 3
	return cfg, nil
}

func (c Config) local() bool {
	return c.DynamoEndpoint != "" || c.LambdaEndpoint != "" || c.WSEndpoint != "" && strings.HasPrefix(c.WSEndpoint, "http://")
}

// DynamoDB returns a DynamoDB client.
func (c Config) DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if c.DynamoEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoEndpoint)
			// the embedded server's CRC32 headers do not match the SDK's expectations
			o.DisableValidateResponseChecksum = true
		}
		// see store.OwnedBodyTransport: request bodies must outlive smithy's early close
		// keep enough connections warm for a busy function (the default keeps 2 per host)
		o.HTTPClient = store.NewHTTPClient(30 * time.Second)
	})
}

// Timeout is a helper for deadlines derived from Lambda's remaining time.
func Timeout(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, dl.Add(-margin))
	}
	return context.WithCancel(ctx)
}

// GoGC is the garbage collector's target every function runs with (the GOGC variable).
// Go's default, 100, makes the collector run while the packages initialise — the SDKs
// allocate several megabytes then — and that cycle, on a function's one or two vCPUs,
// was a third of a cold start; 400 lets the initialisation finish first. GOMEMLIMIT keeps
// the larger heap inside the function's memory.
const GoGC = 400

// GoRuntimeEnv is the Go runtime's environment for a function of memoryMB: GOGC, and a
// GOMEMLIMIT of four fifths of the memory (the rest is the runtime's own, the stacks and
// the Lambda runtime). The deployment sets it on every function and the runtime tests
// start the functions with it; it must be in the environment because the runtime reads
// it before any package initialises.
func GoRuntimeEnv(memoryMB int) map[string]string {
	return map[string]string{
		"GOGC":       strconv.Itoa(GoGC),
		"GOMEMLIMIT": strconv.Itoa(memoryMB*4/5) + "MiB",
	}
}
