//go:build polysynergy_lambda

package aws

import (
	"context"
	"errors"
	"testing"

	"polysynergy/shared/awsenv"
)

// In the functions the family reads the role's credentials from the environment.
func TestDefaultLoaderInLambda(t *testing.T) {
	t.Setenv(awsenv.EnvRegion, "eu-central-1")
	t.Setenv(awsenv.EnvAccessKeyID, "AKIDLAMBDA")
	t.Setenv(awsenv.EnvSecretKey, "role-secret")
	t.Setenv(awsenv.EnvSessionToken, "role-token")
	cfg, err := DefaultLoader(context.Background(), "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "us-west-2" || creds.AccessKeyID != "AKIDLAMBDA" || creds.SessionToken != "role-token" {
		t.Errorf("region %q, credentials %+v", cfg.Region, creds)
	}
	if cfg, _ := DefaultLoader(context.Background(), ""); cfg.Region != "eu-central-1" {
		t.Errorf("no region given: %q, want AWS_REGION", cfg.Region)
	}
	t.Setenv(awsenv.EnvAccessKeyID, "")
	if _, err := DefaultLoader(context.Background(), "us-west-2"); !errors.Is(err, awsenv.ErrNoCredentials) {
		t.Errorf("without credentials: %v", err)
	}
}
