// Package aws holds the AWS node family: DynamoDB on user tables, SQS, EventBridge,
// Lambda, Secrets Manager, SNS, S3 and SES, called with aws-sdk-go-v2. Every node takes a
// `region` (default: the AWS_REGION environment variable), credentials of the flow's own
// (`access_key_id`, `secret_access_key`, `session_token`, normally from project secrets),
// and an advanced `endpoint_url` for a custom endpoint (LocalStack-style setups and tests),
// guarded like the HTTP request node unless `allow_private_network` is on.
//
// Without credentials of its own a node uses the host's (DefaultLoader) only where the
// host is the user's own machine (the CLI, the local cloud). In the Lambda functions the
// host's credentials are the platform's role, which can read every tenant's data: they
// are never lent to flows (ambientCredentials is false in that build).
//
// A node may instead act as a role in the user's account (`role_arn`, assume.go): it gets
// temporary credentials from STS AssumeRole, signed with its own access key when it has
// one, else with the host's credentials — in the functions the platform's role, whose one
// use here is that sts:AssumeRole, with an external ID the platform derives from the run's
// tenant and project (awstrust.ExternalID), and never on a role of the platform's own
// account.
package aws

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"polysynergy/shared/awstrust"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

const category = "AWS"

// Names of the ports every AWS node has.
const (
	portRegion       = "region"
	portEndpoint     = "endpoint_url"
	portAccessKeyID  = "access_key_id"
	portSecretKey    = "secret_access_key"
	portSessionToken = "session_token"
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
	// ambient says a node without credentials of its own may use the loader's (the
	// host's); false in the Lambda functions, where they are the platform's role.
	ambient bool
	// endpointClient is the HTTP client for calls to a custom endpoint_url: the network
	// guard, lifted (where the host allows) by allow_private_network.
	endpointClient func(allowPrivate bool) sdkaws.HTTPClient

	// account is the platform's own AWS account (awstrust.EnvAccountID, else asked of STS
	// once): where ambient is false, roles there are never assumed for a flow.
	account string
	// stsEndpoint, when set, receives the AssumeRole and GetCallerIdentity calls instead of
	// AWS's STS (tests).
	stsEndpoint string

	mu   sync.Mutex
	cfgs map[string]sdkaws.Config
	// roles holds the assumed-role credentials by role, external ID, session name and
	// base credentials (see assume).
	roles map[string]*sdkaws.CredentialsCache
}

func newFamily(load ConfigLoader) *family {
	if load == nil {
		load = DefaultLoader
	}
	return &family{load: load, ambient: ambientCredentials, cfgs: map[string]sdkaws.Config{},
		roles: map[string]*sdkaws.CredentialsCache{}, account: strings.TrimSpace(os.Getenv(awstrust.EnvAccountID)),
		endpointClient: func(allow bool) sdkaws.HTTPClient { return netguard.HTTPClient(allow, 0) }}
}

// Register adds the AWS family to r, using the SDK's default configuration chain.
func Register(r *nodes.Registry) error { return RegisterWith(r, DefaultLoader) }

// RegisterWith adds the AWS family to r with a custom configuration loader (nil means
// DefaultLoader). Configurations are loaded once per region and reused.
func RegisterWith(r *nodes.Registry, load ConfigLoader) error {
	return r.Register(newFamily(load).types()...)
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
	role, err := roleInput(c)
	if err != nil {
		return target{}, err
	}
	cfg, err := f.config(ctx, region)
	if err != nil {
		return target{}, err
	}
	cfg = cfg.Copy()
	keyID, secret := strings.TrimSpace(c.Str(portAccessKeyID)), strings.TrimSpace(c.Str(portSecretKey))
	token := strings.TrimSpace(c.Str(portSessionToken))
	req := assumeRequest{baseID: "host", platform: !f.ambient}
	switch {
	case keyID != "" && secret != "":
		cfg.Credentials = sdkaws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(keyID, secret, token))
		req.baseID, req.platform = baseID(keyID, secret, token), false
	case keyID != "":
		return target{}, nodes.Errorf(portSecretKey, "required with access_key_id (e.g. <secret:AWS_SECRET_ACCESS_KEY>)")
	case secret != "":
		return target{}, nodes.Errorf(portAccessKeyID, "required with secret_access_key (e.g. <secret:AWS_ACCESS_KEY_ID>)")
	case role != nil && cfg.Credentials == nil:
		return target{}, nodes.Errorf(portRoleARN, "the platform has no credentials of its own here to assume %s with; "+
			"give the node an access key (access_key_id, secret_access_key) allowed to assume it", role)
	case role != nil:
		// the host's credentials sign the AssumeRole call only: in the functions they are
		// the platform's role, which is allowed nothing else on the user's account
	case !f.ambient:
		return target{}, nodes.Errorf(portAccessKeyID, "AWS nodes need credentials of your own here: set role_arn to a role "+
			"in your account that trusts the platform (see the project's settings), or store an access key "+
			"in the project's secrets and set access_key_id to <secret:AWS_ACCESS_KEY_ID> and secret_access_key to "+
			"<secret:AWS_SECRET_ACCESS_KEY> (the platform's own role is never lent to flows)")
	}
	if role != nil {
		req.role, req.base = *role, cfg.Copy()
		creds, err := f.assume(ctx, c, req)
		if err != nil {
			return target{}, err
		}
		cfg.Credentials = creds
	}
	if ep != nil {
		cfg.HTTPClient = f.endpointClient(c.Bool(netguard.PortName))
	}
	return target{cfg: cfg, endpoint: ep}, nil
}

// config loads (or reuses) the host's configuration for region. Where the host's
// credentials may not be lent to flows (the functions), a configuration that cannot be
// loaded is kept as the region alone: a node then brings credentials of its own.
func (f *family) config(ctx context.Context, region string) (sdkaws.Config, error) {
	f.mu.Lock()
	cfg, ok := f.cfgs[region]
	f.mu.Unlock()
	if ok {
		return cfg, nil
	}
	cfg, err := f.load(ctx, region)
	if err != nil && f.ambient {
		return sdkaws.Config{}, fmt.Errorf("load AWS configuration for region %s: %w", region, err)
	}
	if err != nil {
		cfg = sdkaws.Config{Region: region}
	}
	f.mu.Lock()
	f.cfgs[region] = cfg
	f.mu.Unlock()
	return cfg, nil
}

// common returns the region and endpoint ports every AWS node declares.
func common() []nodes.Port {
	return []nodes.Port{
		{Name: portRegion, Type: nodes.String, Doc: "AWS region, e.g. eu-west-1. Empty: the AWS_REGION environment variable."},
		{Name: portAccessKeyID, Type: nodes.String, Label: "Access key ID",
			Doc: "The access key the call is signed with, normally `<secret:AWS_ACCESS_KEY_ID>`. Required on the " +
				"platform; on your own machine (CLI, local cloud) empty means your usual AWS credentials."},
		{Name: portSecretKey, Type: nodes.Secret, Label: "Secret access key",
			Doc: "The access key's secret, normally `<secret:AWS_SECRET_ACCESS_KEY>`; required with `access_key_id`."},
		{Name: portSessionToken, Type: nodes.Secret, Label: "Session token (advanced)",
			Doc: "Advanced: the session token of temporary credentials, e.g. `<secret:AWS_SESSION_TOKEN>`."},
		{Name: portRoleARN, Type: nodes.String, Label: "Role ARN",
			Doc: "A role in your AWS account to act as, `arn:aws:iam::<account>:role/<name>`. The node assumes it with " +
				"STS AssumeRole and signs its call with the temporary credentials (kept for later nodes until they " +
				"expire). The AssumeRole call is signed with the access key above when given, else on the platform " +
				"by the platform itself, on your own machine with your usual credentials. The platform sends the " +
				"project's external ID, `polysynergy-<tenant>-<project>`: the project's settings show it and the " +
				"principal your role's trust policy must allow. Roles in the platform's own account are refused."},
		{Name: portEndpoint, Type: nodes.String, Label: "Endpoint URL (advanced)",
			Doc: "Advanced: a custom service endpoint (LocalStack and similar). Empty: the AWS endpoint for the region. " +
				netguard.Doc},
		netguard.Port(),
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

// Source turns a node's region, credentials and endpoint inputs into an SDK
// configuration, by the family's rules (the flow's own credentials; the host's only on the
// user's machine; custom endpoints through the network guard), for AWS-backed nodes of
// other families (the DynamoDB memory). Declare Ports() on such a node.
type Source struct{ f *family }

// NewSource returns a Source loading configurations with load (nil: DefaultLoader).
func NewSource(load ConfigLoader) *Source { return &Source{f: newFamily(load)} }

// Config returns the configuration for c and its custom endpoint (nil: AWS's own).
func (s *Source) Config(ctx context.Context, c *nodes.Call) (sdkaws.Config, *string, error) {
	t, err := s.f.target(ctx, c)
	return t.cfg, t.endpoint, err
}

// Ports returns the region, credential, endpoint and network-guard inputs every AWS-backed
// node declares.
func Ports() []nodes.Port { return common() }
