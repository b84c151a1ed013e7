// Command api is the REST API Lambda: API Gateway HTTP API (payload 2.0) events served by
// the shared/api net/http handler through aws-lambda-go-api-proxy.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/functions/api/app"
	"polysynergy/shared/platform"
)

func main() {
	cfg := platform.MustFromEnv()
	h, err := app.New(context.Background(), cfg)
	if err != nil {
		slog.Error("start api", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
