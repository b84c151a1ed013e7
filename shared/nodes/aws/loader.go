//go:build !polysynergy_lambda

package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// loadDefault is the SDK's default configuration chain (environment, shared files and
// profiles, SSO, the instance or container role): a developer's machine.
func loadDefault(ctx context.Context, region string) (sdkaws.Config, error) {
	return config.LoadDefaultConfig(ctx, config.WithRegion(region))
}

// ambientCredentials: on the user's own machine a node without credentials uses the
// user's (environment, profiles, SSO).
const ambientCredentials = true
