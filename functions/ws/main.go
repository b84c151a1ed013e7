// Command ws is the WebSocket API Lambda: $connect (the token offered as the subprotocol
// bearer.<JWT> beside polysynergy.v1, which it selects), $disconnect, and the
// subscribe / unsubscribe / ping actions of the editor's live run view.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/functions/ws/app"
	"polysynergy/shared/platform"
)

func main() {
	cfg := platform.MustFromEnv()
	h, err := app.New(context.Background(), cfg)
	if err != nil {
		slog.Error("start websocket function", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
