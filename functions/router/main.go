// Command router is the trigger router Lambda: HTTP requests on {project}-{stage}.<domain>.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/functions/router/app"
	"polysynergy/shared/platform"
)

func main() {
	cfg := platform.MustFromEnv()
	ctx := context.Background()
	pubs, err := app.LivePublishers(ctx, cfg)
	if err != nil {
		slog.Error("start router", "err", err)
		os.Exit(1)
	}
	a, err := app.New(ctx, cfg, pubs)
	if err != nil {
		slog.Error("start router", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}
