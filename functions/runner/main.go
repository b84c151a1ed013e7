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
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
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
	var box *secrets.Box
	switch {
	case cfg.SecretsKeyFile != "":
		w, err := secrets.LoadOrCreateKeyFile(cfg.SecretsKeyFile)
		if err != nil {
			fail(log, "secrets key file", err)
		}
		box, err = secrets.NewBox(w)
		if err != nil {
			fail(log, "secrets box", err)
		}
	case cfg.KMSKey != "":
		w, err := secrets.NewKMSWrapper(cfg.KMS(awsCfg), cfg.KMSKey)
		if err != nil {
			fail(log, "kms key", err)
		}
		box, err = secrets.NewBox(w)
		if err != nil {
			fail(log, "secrets box", err)
		}
	default:
		log.Warn("no " + platform.EnvKMSKey + " or " + platform.EnvSecretsKeyFile + ": runs cannot read secrets")
	}
	x, err := runs.New(runs.Options{Store: st, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0), Logger: log,
		Publishers: publish.ForRuns(st, cfg.Management(awsCfg), log)})
	if err != nil {
		fail(log, "executor", err)
	}
	lambda.Start(runner.New(x, runner.Options{Logger: log}).Handle)
}

func fail(log *slog.Logger, what string, err error) {
	log.Error("runner cannot start", "what", what, "err", err)
	os.Exit(1)
}
