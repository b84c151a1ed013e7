// Package app wires the WebSocket function from its configuration; the Lambda main and the
// local cloud both build it here.
package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/live"
	"polysynergy/shared/platform"
	"polysynergy/shared/store"
)

// Handler is the WebSocket function's Lambda handler.
type Handler func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// New builds the WebSocket handler from cfg: the DynamoDB store and a verifier of the
// issuer's tokens (it fetches the JWKS once, so the issuer must be reachable).
func New(ctx context.Context, cfg platform.Config) (Handler, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("websocket function: " + platform.EnvIssuer + " and " + platform.EnvAudience +
			" must be set to verify the $connect token")
	}
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, fmt.Errorf("websocket function: %w", err)
	}
	log := cfg.Logger()
	st := store.New(cfg.DynamoDB(awsCfg), cfg.Table, store.WithLogger(log))
	ver, err := token.NewVerifier(ctx, token.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, JWKSURL: cfg.JWKSURL, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("websocket function: %w", err)
	}
	h, err := live.NewHandler(live.HandlerConfig{Store: st, Verifier: ver, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("websocket function: %w", err)
	}
	return h.Handle, nil
}
