package clients_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/platform"
	"polysynergy/shared/platform/clients"
)

func config(t *testing.T, env map[string]string) (platform.Config, aws.Config) {
	t.Helper()
	c, err := platform.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, cfg
}

func TestClientsUseOverriddenEndpoints(t *testing.T) {
	c, cfg := config(t, map[string]string{platform.EnvTable: "t", platform.EnvDynamoEndpoint: "http://127.0.0.1:1",
		platform.EnvLambdaEndpoint: "http://127.0.0.1:2", platform.EnvKMSEndpoint: "http://127.0.0.1:3"})
	for name, got := range map[string]*string{
		"lambda": clients.Lambda(c, cfg).Options().BaseEndpoint,
		"kms":    clients.KMS(c, cfg).Options().BaseEndpoint,
	} {
		if got == nil || !strings.HasPrefix(*got, "http://127.0.0.1:") {
			t.Errorf("%s client: endpoint %v, want the overridden one", name, got)
		}
	}
	c.LambdaEndpoint, c.KMSEndpoint = "", ""
	if ep := clients.Lambda(c, cfg).Options().BaseEndpoint; ep != nil {
		t.Errorf("lambda client without an override: endpoint %q, want the service's own", *ep)
	}
}

func TestSecretsBox(t *testing.T) {
	c, cfg := config(t, map[string]string{platform.EnvTable: "t", platform.EnvDynamoEndpoint: "http://127.0.0.1:1"})
	box, err := clients.SecretsBox(c, cfg)
	if err != nil || box != nil {
		t.Fatalf("neither a key file nor a KMS key: box %v, err %v; want none and no error", box, err)
	}

	c.SecretsKeyFile = filepath.Join(t.TempDir(), "secrets.key")
	box, err = clients.SecretsBox(c, cfg)
	if err != nil || box == nil {
		t.Fatalf("key file: box %v, err %v", box, err)
	}
	if _, err := os.Stat(c.SecretsKeyFile); err != nil {
		t.Fatalf("the key file was not created: %v", err)
	}
	ctx := context.Background()
	aad := map[string]string{"tenant": "t1"}
	sealed, err := box.Seal(ctx, []byte("s3cret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	// a second box from the same file opens what the first sealed
	again, err := clients.SecretsBox(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(ctx, sealed, aad); err != nil || string(got) != "s3cret" {
		t.Fatalf("open with the same key file: %q, %v", got, err)
	}

	if err := os.WriteFile(c.SecretsKeyFile, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := clients.SecretsBox(c, cfg); err == nil || !strings.Contains(err.Error(), "secrets key file") {
		t.Fatalf("a damaged key file: %v, want an error naming the key file", err)
	}
}
