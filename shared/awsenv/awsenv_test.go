package awsenv

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// setEnv gives the process environment exactly these Lambda variables (others empty), so
// the tests read it through Load's default lookup, os.LookupEnv.
func setEnv(t *testing.T, m map[string]string) {
	t.Helper()
	for _, k := range []string{EnvRegion, EnvDefaultRegion, EnvAccessKeyID, EnvSecretKey, EnvSessionToken} {
		t.Setenv(k, m[k])
	}
}

func TestLoad(t *testing.T) {
	setEnv(t, map[string]string{EnvRegion: "eu-west-1", EnvAccessKeyID: "AKID", EnvSecretKey: "SECRET", EnvSessionToken: "TOKEN"})
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Errorf("credentials %+v", creds)
	}
	// a region given wins
	if cfg, _ := Load("us-east-2", nil); cfg.Region != "us-east-2" {
		t.Errorf("region given: %q", cfg.Region)
	}
	// AWS_DEFAULT_REGION is the fallback; a lookup other than the process's is honoured
	lookup := func(k string) (string, bool) {
		v, ok := map[string]string{EnvDefaultRegion: "ap-south-1", EnvAccessKeyID: "a", EnvSecretKey: "b"}[k]
		return v, ok
	}
	if cfg, _ := Load("", lookup); cfg.Region != "ap-south-1" {
		t.Errorf("default region: %q", cfg.Region)
	}
}

func TestLoadErrors(t *testing.T) {
	setEnv(t, map[string]string{EnvAccessKeyID: "a", EnvSecretKey: "b"})
	if _, err := Load("", nil); err == nil || !strings.Contains(err.Error(), EnvRegion) {
		t.Errorf("no region: %v", err)
	}
	for _, m := range []map[string]string{
		{EnvRegion: "eu-west-1"},
		{EnvRegion: "eu-west-1", EnvAccessKeyID: "a"},
		{EnvRegion: "eu-west-1", EnvSecretKey: "b"},
	} {
		setEnv(t, m)
		_, err := Load("", nil)
		if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), EnvAccessKeyID) {
			t.Errorf("%v: %v", m, err)
		}
	}
}
