// Package aws holds the AWS node family: DynamoDB on user tables, SQS, EventBridge,
// Lambda, Secrets Manager, SNS, S3 and SES, called with aws-sdk-go-v2 and the function role's
// credentials (see DefaultLoader). Every node takes a `region`
// (default: the AWS_REGION environment variable) and an advanced `endpoint_url` for a
// custom endpoint (LocalStack-style setups and tests).
package aws

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/nodes"
)

const category = "AWS"

// Names of the ports every AWS node has.
const (
	portRegion   = "region"
	portEndpoint = "endpoint_url"
)

// ConfigLoader returns the SDK configuration for a region.
type ConfigLoader func(ctx context.Context, region string) (sdkaws.Config, error)

// DefaultLoader loads the configuration for region: in the Lambda functions (built with
// the polysynergy_lambda tag) from the environment, where Lambda puts the function role's
// credentials (loader_lambda.go); elsewhere — the local cloud, the CLI — through the SDK's
// default chain, with shared files and profiles (loader.go).
func DefaultLoader(ctx context.Context, region string) (sdkaws.Config, error) {
	return loadDefault(ctx, region)
}

// family holds what the family's nodes share: the configuration loader and the
// configurations already loaded, per region.
type family struct {
	load ConfigLoader

	mu   sync.Mutex
	cfgs map[string]sdkaws.Config
}

func newFamily(load ConfigLoader) *family {
	if load == nil {
		load = DefaultLoader
	}
	return &family{load: load, cfgs: map[string]sdkaws.Config{}}
}

// Register adds the AWS family to r, using the SDK's default configuration chain.
func Register(r *nodes.Registry) error { return RegisterWith(r, DefaultLoader) }

// RegisterWith adds the AWS family to r with a custom configuration loader (nil means
// DefaultLoader). Configurations are loaded once per region and reused.
func RegisterWith(r *nodes.Registry, load ConfigLoader) error {
	f := newFamily(load)
	return r.Register(f.types()...)
}

func (f *family) types() []*nodes.Type {
	var all []*nodes.Type
	all = append(all, f.dynamoTypes()...)
	all = append(all, f.sqsTypes()...)
	all = append(all, f.eventBridgeTypes()...)
	all = append(all, f.lambdaTypes()...)
	all = append(all, f.secretsTypes()...)
	all = append(all, f.snsTypes()...)
	all = append(all, f.s3Types()...)
	all = append(all, f.sesTypes()...)
	return all
}

// target is where one call goes: its configuration and optional custom endpoint.
type target struct {
	cfg      sdkaws.Config
	endpoint *string
}

// target resolves the region and endpoint inputs of c and loads (or reuses) the
// configuration for the region.
func (f *family) target(ctx context.Context, c *nodes.Call) (target, error) {
	region := strings.TrimSpace(c.Str(portRegion))
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	if region == "" {
		return target{}, nodes.Errorf(portRegion, "no region given and AWS_REGION is not set")
	}
	var ep *string
	if e := strings.TrimSpace(c.Str(portEndpoint)); e != "" {
		if !strings.HasPrefix(e, "http://") && !strings.HasPrefix(e, "https://") {
			return target{}, nodes.Errorf(portEndpoint, "must be an http:// or https:// URL, got %q", e)
		}
		ep = &e
	}
	f.mu.Lock()
	cfg, ok := f.cfgs[region]
	f.mu.Unlock()
	if !ok {
		var err error
		cfg, err = f.load(ctx, region)
		if err != nil {
			return target{}, fmt.Errorf("load AWS configuration for region %s: %w", region, err)
		}
		f.mu.Lock()
		f.cfgs[region] = cfg
		f.mu.Unlock()
	}
	return target{cfg: cfg, endpoint: ep}, nil
}

// common returns the region and endpoint ports every AWS node declares.
func common() []nodes.Port {
	return []nodes.Port{
		{Name: portRegion, Type: nodes.String, Doc: "AWS region, e.g. eu-west-1. Empty: the AWS_REGION environment variable."},
		{Name: portEndpoint, Type: nodes.String, Label: "Endpoint URL (advanced)",
			Doc: "Advanced: a custom service endpoint (LocalStack and similar). Empty: the AWS endpoint for the region."},
	}
}

// withCommon appends the common ports to ports.
func withCommon(ports ...nodes.Port) []nodes.Port { return append(ports, common()...) }

// required returns input name as a non-empty trimmed string.
func required(c *nodes.Call, name string) (string, error) {
	s := strings.TrimSpace(c.Str(name))
	if s == "" {
		return "", nodes.Errorf(name, "required")
	}
	return s, nil
}

// optionalMap returns input name as an object, or nil when it is empty.
func optionalMap(c *nodes.Call, name string) (map[string]any, error) {
	if v := c.Get(name); v == nil || v == "" {
		return nil, nil
	}
	return c.Map(name)
}
