//go:build polysynergy_lambda

package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/awsenv"
)

// loadDefault reads the environment, where Lambda puts the function role's credentials;
// the functions do not link the SDK's full chain (see awsenv).
func loadDefault(_ context.Context, region string) (sdkaws.Config, error) {
	return awsenv.Load(region, nil)
}

// ambientCredentials: in the functions the environment's credentials are the platform's
// role; a node must bring its own.
const ambientCredentials = false
