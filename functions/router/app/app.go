// Package app wires the router function from its configuration; the Lambda main and the
// local cloud both build it here.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"polysynergy/functions/runner/runner"
	"polysynergy/shared/flow"
	"polysynergy/shared/live/publish"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/platform"
	"polysynergy/shared/platform/clients"
	"polysynergy/shared/router"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

// Handler is the router function's Lambda handler.
type Handler func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// App is the router function: its Lambda handler, and the background work its runs start.
type App struct {
	// Handle answers one trigger request.
	Handle Handler
	x      *runs.Executor
}

// Drain waits until the background work the router's runs started (retention passes) is
// done, or ctx ends. Lambda never calls it (work frozen with the sandbox continues on its
// next request); a host that stops, such as the local cloud, calls it before it closes the
// store, so no pass is cut off half-way and logged as failing.
func (a *App) Drain(ctx context.Context) error { return a.x.Wait(ctx) }

// Option changes how New builds the router.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger makes the router log to l instead of cfg.Logger() (Lambda's JSON lines on
// stdout). The local cloud passes its own logger, so the router's lines look like every
// other function's there.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// New builds the router from cfg. publishers supplies live event publishers (nil: none).
func New(ctx context.Context, cfg platform.Config, publishers runs.PublisherFunc, opts ...Option) (*App, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	log := o.log
	if log == nil {
		log = cfg.Logger()
	}
	st := store.New(cfg.DynamoDB(awsCfg), cfg.Table, store.WithLogger(log))
	box, err := clients.SecretsBox(cfg, awsCfg)
	if err != nil {
		return nil, err
	}
	x, err := runs.New(runs.Options{Store: st, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0),
		Publishers: publishers, Logger: log, Retention: 0})
	if err != nil {
		return nil, err
	}
	var handOff func(context.Context, runs.Job) error
	if cfg.RunnerFunction != "" {
		lc := clients.Lambda(cfg, awsCfg)
		handOff = func(ctx context.Context, job runs.Job) error { return invokeRunner(ctx, lc, cfg.RunnerFunction, job) }
	}
	r, err := router.New(router.Config{Store: st, Executor: x, HandOff: handOff, BaseDomain: cfg.BaseDomain, Logger: log})
	if err != nil {
		return nil, err
	}
	handle := func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		// a run's record and results are written before Handle returns; a retention pass it
		// started goes on in the background and is not waited for (a pass frozen with the
		// sandbox continues on its next request, and a lost one is made up by the next). A
		// failed run's error flow is: the answer to a failed request waits for it.
		resp, err := r.Handle(ctx, ev)
		if resp.StatusCode >= 500 {
			// a request cancelled by its caller or a stop is not worth a warning; one whose
			// deadline passed before the error flow ended is
			if werr := x.Wait(ctx); werr != nil && !errors.Is(werr, context.Canceled) {
				log.WarnContext(ctx, "wait for the error flow", "err", werr)
			}
		}
		return resp, err
	}
	return &App{Handle: handle, x: x}, nil
}

// invokeRunner starts the run on the runner function without waiting for it.
func invokeRunner(ctx context.Context, lc *lambda.Client, fn string, job runs.Job) error {
	req, err := trigger.RequestFromTrigger(job.Trigger)
	if err != nil {
		return fmt.Errorf("hand off run %s: %w", job.RunID, err)
	}
	// the runner's own payload type, so that no field the runner reads is left behind
	p := runner.RouterPayload{Kind: runner.KindRouter, Tenant: job.Tenant, Project: job.Project,
		Flow: job.Flow, Version: job.Version, Stage: job.Stage, RunID: job.RunID, Request: req, Save: string(job.Save)}
	if job.Answered != nil {
		p.Answered = &runner.Answered{Status: job.Answered.Status, ContentType: job.Answered.ContentType}
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("hand off run %s: %w", job.RunID, err)
	}
	_, err = lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: payload})
	var tooLarge *types.RequestTooLargeException
	if errors.As(err, &tooLarge) {
		// over Lambda's 1 MB for an asynchronous invocation: refused again on every retry
		return fmt.Errorf("hand off run %s to %s (%d bytes): %w: %w", job.RunID, fn, len(payload), router.ErrTooLarge, err)
	}
	if err != nil {
		return fmt.Errorf("hand off run %s to %s: %w", job.RunID, fn, err)
	}
	return nil
}

// LivePublishers returns the WebSocket fan-out of run events when a WebSocket endpoint is
// configured (nil otherwise).
func LivePublishers(ctx context.Context, cfg platform.Config) (runs.PublisherFunc, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	mgmt := publish.Client(cfg.WSEndpoint, awsCfg)
	if mgmt == nil {
		return nil, nil
	}
	st := store.New(cfg.DynamoDB(awsCfg), cfg.Table)
	return publish.ForRuns(st, mgmt, cfg.Logger()), nil
}
