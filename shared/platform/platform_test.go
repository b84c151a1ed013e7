package platform

import (
	"context"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{EnvTable: "t", EnvIssuer: "http://localhost:8090/", EnvRunRetention: "7", EnvLogLevel: "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "us-east-1" || c.JWKSURL != "http://localhost:8090/.well-known/jwks.json" || c.RunRetention != 7 || c.LogLevel.String() != "DEBUG" {
		t.Fatalf("%+v", c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, EnvTable + " is not set"},
		{map[string]string{EnvTable: "t", EnvRunRetention: "0"}, EnvRunRetention},
		{map[string]string{EnvTable: "t", EnvRunRetention: "10001"}, "1 to 10000"},
		{map[string]string{EnvTable: "t", EnvLogLevel: "loud"}, EnvLogLevel},
	} {
		if _, err := FromEnv(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v", tc.env, err)
		}
	}
}

func TestClientsUseOverriddenEndpoints(t *testing.T) {
	c, _ := FromEnv(env(map[string]string{EnvTable: "t", EnvDynamoEndpoint: "http://127.0.0.1:1", EnvWSEndpoint: "http://127.0.0.1:2/ws"}))
	cfg, err := c.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := *c.DynamoDB(cfg).Options().BaseEndpoint; got != "http://127.0.0.1:1" {
		t.Fatalf("dynamodb endpoint %s", got)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID == "" {
		t.Fatalf("local credentials: %v", err)
	}
}

func TestGoRuntimeEnv(t *testing.T) {
	for _, tc := range []struct {
		memoryMB int
		limit    string
	}{{256, "204MiB"}, {512, "409MiB"}, {1024, "819MiB"}, {10240, "8192MiB"}} {
		env := GoRuntimeEnv(tc.memoryMB)
		if len(env) != 2 || env["GOGC"] != "400" || env["GOMEMLIMIT"] != tc.limit {
			t.Errorf("GoRuntimeEnv(%d) = %v, want GOGC 400 and GOMEMLIMIT %s", tc.memoryMB, env, tc.limit)
		}
	}
}

// In Lambda the configuration comes from the environment: the region, and the role's
// credentials; without credentials a function does not start.
func TestAWSFromTheLambdaEnvironment(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDROLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "role-secret")
	t.Setenv("AWS_SESSION_TOKEN", "role-token")
	c, err := FromEnv(env(map[string]string{EnvTable: "t", EnvRegion: "eu-west-3"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-3" || creds.AccessKeyID != "AKIDROLE" || creds.SessionToken != "role-token" || cfg.RetryMaxAttempts != 3 {
		t.Errorf("region %q retries %d credentials %+v", cfg.Region, cfg.RetryMaxAttempts, creds)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := c.AWS(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("no credentials: %v", err)
	}
}
