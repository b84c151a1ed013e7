// Package awsenv builds the AWS SDK configuration from the process environment, which is
// where Lambda puts a function's region and its role's credentials (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
//
// The SDK's config.LoadDefaultConfig reads the same variables, but it links the whole
// credential chain (shared files, SSO, STS, the instance metadata service), whose packages
// cost the functions a millisecond of every cold start and megabytes of binary while a
// function never uses them. Hosts with profiles (a developer's machine) keep the full chain.
package awsenv

import (
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Environment variable names Lambda sets.
const (
	EnvRegion        = "AWS_REGION"
	EnvDefaultRegion = "AWS_DEFAULT_REGION"
	EnvAccessKeyID   = "AWS_ACCESS_KEY_ID"
	EnvSecretKey     = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken  = "AWS_SESSION_TOKEN"
)

// ErrNoCredentials: the environment holds no access key.
var ErrNoCredentials = errors.New("no AWS credentials in the environment: " + EnvAccessKeyID + " and " +
	EnvSecretKey + " are unset (Lambda sets them from the function's role)")

// Load returns a configuration for region (empty: AWS_REGION, then AWS_DEFAULT_REGION)
// with the environment's credentials, read through lookup (os.LookupEnv when nil).
func Load(region string, lookup func(string) (string, bool)) (aws.Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(k string) string { v, _ := lookup(k); return v }
	if region == "" {
		region = get(EnvRegion)
	}
	if region == "" {
		region = get(EnvDefaultRegion)
	}
	if region == "" {
		return aws.Config{}, fmt.Errorf("AWS configuration: no region: set %s", EnvRegion)
	}
	id, secret := get(EnvAccessKeyID), get(EnvSecretKey)
	if id == "" || secret == "" {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", ErrNoCredentials)
	}
	return WithCredentials(region, credentials.NewStaticCredentialsProvider(id, secret, get(EnvSessionToken))), nil
}

// WithCredentials is a configuration for region with the given credentials; the service
// clients fill in their own defaults (retries, HTTP client, endpoints).
func WithCredentials(region string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: region, Credentials: aws.NewCredentialsCache(creds)}
}
