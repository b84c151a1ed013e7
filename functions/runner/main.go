// Command runner is the runner Lambda: schedule firings, editor runs, resumes and router
// hand-offs. It only wires the platform configuration to the handler.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/functions/runner/runner"
	"polysynergy/shared/flow"
	"polysynergy/shared/live/publish"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/platform"
	"polysynergy/shared/platform/clients"
	"polysynergy/shared/runs"
	"polysynergy/shared/store"
)

func main() {
	cfg := platform.MustFromEnv()
	log := cfg.Logger()
	ctx := context.Background()
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		fail(log, "aws configuration", err)
	}
	st := store.New(cfg.DynamoDB(awsCfg), cfg.Table, store.WithLogger(log))
	box, err := clients.SecretsBox(cfg, awsCfg)
	if err != nil {
		fail(log, "secrets", err)
	}
	if box == nil {
		log.Warn("no " + platform.EnvKMSKey + " or " + platform.EnvSecretsKeyFile + ": runs cannot read secrets")
	}
	x, err := runs.New(runs.Options{Store: st, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0), Logger: log,
		Publishers: publish.ForRuns(st, publish.Client(cfg.WSEndpoint, awsCfg), log)})
	if err != nil {
		fail(log, "executor", err)
	}
	lambda.Start(runner.New(x, runner.Options{Logger: log}).Handle)
}

func fail(log *slog.Logger, what string, err error) {
	log.Error("runner cannot start", "what", what, "err", err)
	os.Exit(1)
}
