package awsenv

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoad(t *testing.T) {
	cfg, err := Load("", env(map[string]string{EnvRegion: "eu-west-1", EnvAccessKeyID: "AKID", EnvSecretKey: "SECRET", EnvSessionToken: "TOKEN"}))
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
	// a region given wins; AWS_DEFAULT_REGION is the fallback
	if cfg, _ := Load("us-east-2", env(map[string]string{EnvRegion: "eu-west-1", EnvAccessKeyID: "a", EnvSecretKey: "b"})); cfg.Region != "us-east-2" {
		t.Errorf("region given: %q", cfg.Region)
	}
	if cfg, _ := Load("", env(map[string]string{EnvDefaultRegion: "ap-south-1", EnvAccessKeyID: "a", EnvSecretKey: "b"})); cfg.Region != "ap-south-1" {
		t.Errorf("default region: %q", cfg.Region)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load("", env(map[string]string{EnvAccessKeyID: "a", EnvSecretKey: "b"}))
	if err == nil || !strings.Contains(err.Error(), EnvRegion) {
		t.Errorf("no region: %v", err)
	}
	for _, m := range []map[string]string{
		{EnvRegion: "eu-west-1"},
		{EnvRegion: "eu-west-1", EnvAccessKeyID: "a"},
		{EnvRegion: "eu-west-1", EnvSecretKey: "b"},
	} {
		_, err := Load("", env(m))
		if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), EnvAccessKeyID) {
			t.Errorf("%v: %v", m, err)
		}
	}
}
