// Package clients builds the AWS service clients the functions share besides DynamoDB
// (platform.Config.DynamoDB), with the endpoints the configuration overrides (the local
// cloud). It is apart from platform so that a function links, and initialises at every
// cold start, only the service clients it uses: the WebSocket function needs none of
// these. The Management API client the live events are posted with is publish.Client.
package clients

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"polysynergy/shared/platform"
	"polysynergy/shared/secrets"
)

// Lambda returns a Lambda client (to invoke the runner).
func Lambda(c platform.Config, cfg aws.Config) *lambda.Client {
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if c.LambdaEndpoint != "" {
			o.BaseEndpoint = aws.String(c.LambdaEndpoint)
		}
	})
}

// KMS returns a KMS client.
func KMS(c platform.Config, cfg aws.Config) *kms.Client {
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		if c.KMSEndpoint != "" {
			o.BaseEndpoint = aws.String(c.KMSEndpoint)
		}
	})
}

// SecretsBox returns the envelope encryption of secrets: a local key file when one is
// configured (local cloud, tests), else the KMS key; nil when neither is configured.
func SecretsBox(c platform.Config, cfg aws.Config) (*secrets.Box, error) {
	var w secrets.KeyWrapper
	switch {
	case c.SecretsKeyFile != "":
		lw, err := secrets.LoadOrCreateKeyFile(c.SecretsKeyFile)
		if err != nil {
			return nil, fmt.Errorf("secrets key file: %w", err)
		}
		w = lw
	case c.KMSKey != "":
		kw, err := secrets.NewKMSWrapper(KMS(c, cfg), c.KMSKey)
		if err != nil {
			return nil, fmt.Errorf("secrets KMS key: %w", err)
		}
		w = kw
	default:
		return nil, nil
	}
	box, err := secrets.NewBox(w)
	if err != nil {
		return nil, fmt.Errorf("secrets box: %w", err)
	}
	return box, nil
}
