// Package app wires the api Lambda: platform configuration → DynamoDB store, secrets box and
// the shared/api handler, behind aws-lambda-go-api-proxy's HTTP API (payload 2.0) adapter.
// The local cloud embeds it the same way the Lambda runtime does.
package app

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"polysynergy/shared/schedule"

	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"polysynergy/shared/api"
	"polysynergy/shared/platform"
	"polysynergy/shared/platform/clients"
	"polysynergy/shared/store"
)

// Handler is the Lambda handler of the api function.
type Handler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// NewHTTP builds the API's net/http handler from the configuration. Identity comes from the
// JWT authorizer claims API Gateway puts in each event.
func NewHTTP(ctx context.Context, cfg platform.Config) (*api.Handler, error) {
	log := cfg.Logger()
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	db := cfg.DynamoDB(awsCfg)
	st := store.New(db, cfg.Table, store.WithLogger(log), store.WithDefaultRetention(cfg.RunRetention))
	box, err := clients.SecretsBox(cfg, awsCfg)
	if err != nil {
		return nil, err
	}
	if box == nil {
		return nil, errors.New("set " + platform.EnvKMSKey + " or " + platform.EnvSecretsKeyFile + ": the API seals secret values")
	}
	ac := api.Config{Store: st, Box: box, Logger: log, AWSTrustPrincipal: cfg.TrustPrincipal}
	if cfg.RunnerFunction != "" {
		ac.Runner = LambdaRunner{Client: clients.Lambda(cfg, awsCfg), Function: cfg.RunnerFunction}
	}
	if cfg.ScheduleGroup != "" && cfg.RunnerARN != "" && cfg.SchedulerRoleARN != "" {
		ac.Scheduler = schedule.NewSyncer(schedulerClient(cfg, awsCfg), cfg.ScheduleGroup, log)
		ac.SchedulerTarget = api.SchedulerTarget{Group: cfg.ScheduleGroup, RunnerARN: cfg.RunnerARN, RoleARN: cfg.SchedulerRoleARN}
	}
	return api.New(ac)
}

// LambdaRunner starts runs by invoking the runner function asynchronously.
type LambdaRunner struct {
	Client   *lambda.Client
	Function string
}

// StartRun implements api.RunStarter.
func (r LambdaRunner) StartRun(ctx context.Context, payload []byte) error {
	_, err := r.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(r.Function),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", r.Function, err)
	}
	return nil
}

// New builds the Lambda handler: each HTTP API v2 event becomes an http.Request whose
// context carries the event's request context (and so the authorizer claims).
func New(ctx context.Context, cfg platform.Config) (Handler, error) {
	h, err := NewHTTP(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(h).ProxyWithContext, nil
}

// schedulerClient returns an EventBridge Scheduler client (only the API syncs schedules).
func schedulerClient(c platform.Config, cfg aws.Config) *scheduler.Client {
	return scheduler.NewFromConfig(cfg, func(o *scheduler.Options) {
		if c.SchedEndpoint != "" {
			o.BaseEndpoint = aws.String(c.SchedEndpoint)
		}
	})
}
