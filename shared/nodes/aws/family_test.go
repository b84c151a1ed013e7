package aws

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

// tested lists the node types with behaviour tests in this package.
var tested = []string{
	"aws.dynamodb_get", "aws.dynamodb_put", "aws.dynamodb_query", "aws.dynamodb_update", "aws.dynamodb_delete",
	"aws.sqs_send", "aws.eventbridge_put", "aws.lambda_invoke", "aws.secrets_get", "aws.sns_publish",
	"aws.s3_get", "aws.s3_put", "aws.s3_list", "aws.s3_delete", "aws.s3_presign", "aws.ses_send",
}

func TestFamilyDeclarations(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != "AWS" || typ.Doc == "" || typ.Name == "" || typ.Icon == "" {
			t.Errorf("%s: category %q, name %q, icon %q, doc %d bytes", typ.ID, typ.Category, typ.Name, typ.Icon, len(typ.Doc))
		}
		for _, p := range []string{portRegion, portEndpoint} {
			if _, ok := typ.Input(p); !ok {
				t.Errorf("%s: no %s input", typ.ID, p)
			}
		}
		for _, p := range typ.Inputs {
			if !p.Control && p.Doc == "" {
				t.Errorf("%s: input %s has no doc", typ.ID, p.Name)
			}
		}
	}
	want := slices.Clone(tested)
	slices.Sort(want)
	slices.Sort(ids)
	if !slices.Equal(ids, want) {
		t.Fatalf("registered %v, tested %v", ids, want)
	}
}

func TestRegionAndEndpoint(t *testing.T) {
	var mu sync.Mutex
	loads := map[string]int{}
	load := func(ctx context.Context, region string) (sdkaws.Config, error) {
		mu.Lock()
		loads[region]++
		mu.Unlock()
		return testLoader(ctx, region)
	}
	r := registryWith(t, load)
	_, url := dynamoEnv(t)
	get := lookup(t, r, "aws.dynamodb_get")
	in := func(region, endpoint string) map[string]any {
		return map[string]any{"table": "users", "key": map[string]any{"pk": "a", "sk": 1.0}, portRegion: region, portEndpoint: endpoint, netguard.PortName: true}
	}
	cases := []struct {
		name      string
		envRegion string
		in        map[string]any
		wantErr   string
		wantLoads map[string]int
	}{
		{name: "no region anywhere", in: in("", url), wantErr: `input "region": no region given and AWS_REGION is not set`, wantLoads: map[string]int{}},
		{name: "region from AWS_REGION", envRegion: "eu-central-1", in: in("", url), wantLoads: map[string]int{"eu-central-1": 1}},
		{name: "explicit region", envRegion: "eu-central-1", in: in("us-west-2", url), wantLoads: map[string]int{"eu-central-1": 1, "us-west-2": 1}},
		{name: "cached region", in: in("us-west-2", url), wantLoads: map[string]int{"eu-central-1": 1, "us-west-2": 1}},
		{name: "bad endpoint", in: in("us-west-2", "localhost:4566"), wantErr: `input "endpoint_url": must be an http:// or https:// URL`,
			wantLoads: map[string]int{"eu-central-1": 1, "us-west-2": 1}},
	}
	for _, c := range cases {
		t.Setenv("AWS_REGION", c.envRegion)
		_, err, _ := nodetest.Run(context.Background(), get, c.in, nodetest.Options{})
		checkErr(t, err, c.wantErr)
		mu.Lock()
		for k, v := range c.wantLoads {
			if loads[k] != v {
				t.Errorf("%s: configs loaded for %s = %d, want %d", c.name, k, loads[k], v)
			}
		}
		if len(loads) != len(c.wantLoads) {
			t.Errorf("%s: loaded %v, want %v", c.name, loads, c.wantLoads)
		}
		mu.Unlock()
	}
}

// TestDefaultChain runs a node through Register's default configuration chain with
// credentials from the environment: used on a user's machine, refused in the functions
// (built with polysynergy_lambda), where they are the platform role's.
func TestDefaultChain(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDROLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "rolesecret")
	t.Setenv("AWS_SESSION_TOKEN", "roletoken")
	t.Setenv("AWS_REGION", "ap-southeast-2")
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	rec, url := fake(t, sqsFake)
	out, err, _ := nodetest.Run(context.Background(), lookup(t, r, "aws.sqs_send"),
		map[string]any{"queue_url": "https://sqs.ap-southeast-2.amazonaws.com/1/q", "message": "hi", portEndpoint: url, netguard.PortName: true}, nodetest.Options{})
	if !ambientCredentials {
		// in the functions these are the platform role's credentials: never lent to a flow
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != portAccessKeyID || rec.count() != 0 {
			t.Fatalf("a node without credentials in the functions: %v (%d requests)", err, rec.count())
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if out["message_id"] != "msg-1" {
		t.Errorf("message_id = %v", out["message_id"])
	}
	req := rec.last(t)
	if auth := req.Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDROLE/") || !strings.Contains(auth, "/ap-southeast-2/sqs/") {
		t.Errorf("Authorization = %q, want the environment's key and region", auth)
	}
	if got := req.Header.Get("X-Amz-Security-Token"); got != "roletoken" {
		t.Errorf("X-Amz-Security-Token = %q, want roletoken", got)
	}
}

// TestCancelled: a node stops waiting when its context is cancelled.
func TestCancelled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	_, url := fake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	typ := lookup(t, registry(t), "aws.sqs_send")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err, _ := nodetest.Run(ctx, typ, map[string]any{"queue_url": "https://q", "message": "m", portRegion: "eu-west-1", portEndpoint: url, netguard.PortName: true}, nodetest.Options{})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}
