package store_test

import (
	"bytes"
	"testing"
	"time"

	"polysynergy/shared/store"
)

func TestSecretsAndEnv(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	f.stage(t, pk, "prod", 1)

	wantErr(t, f.s.SetSecret(f.ctx, pk, "API_TOKEN", "qa", []byte{1}), store.ErrNotFound)
	wantField(t, f.s.SetSecret(f.ctx, pk, "bad-key", "prod", []byte{1}), "key")
	wantField(t, f.s.SetSecret(f.ctx, pk, "API_TOKEN", "prod", nil), "ciphertext")

	noErr(t, f.s.SetSecret(f.ctx, pk, "API_TOKEN", "prod", []byte("ct-prod")))
	noErr(t, f.s.SetSecret(f.ctx, pk, "API_TOKEN", "mock", []byte("ct-mock")))
	noErr(t, f.s.SetSecret(f.ctx, pk, "API", "prod", []byte("ct-api")))
	noErr(t, f.s.SetSecret(f.ctx, pk, "API_TOKEN", "prod", []byte("ct-prod-2")))

	got := must[[]byte](t)(f.s.GetSecretValue(f.ctx, pk, "API_TOKEN", "prod"))
	if !bytes.Equal(got, []byte("ct-prod-2")) {
		t.Fatalf("ciphertext = %q", got)
	}
	_, err := f.s.GetSecretValue(f.ctx, pk, "API_TOKEN", "qa")
	wantErr(t, err, store.ErrNotFound)
	_, err = f.s.GetSecretValue(f.ctx, pk, "MISSING", "prod")
	wantErr(t, err, store.ErrNotFound)

	list := must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, pk))
	if len(list) != 2 || list[0].Key != "API" || list[1].Key != "API_TOKEN" ||
		!equal(list[1].Stages, []string{"mock", "prod"}) || !equal(list[0].Stages, []string{"prod"}) || list[1].UpdatedAt.IsZero() {
		t.Fatalf("secrets = %+v", list)
	}

	noErr(t, f.s.SetEnvVar(f.ctx, pk, "BASE_URL", "prod", "https://api.example.com"))
	noErr(t, f.s.SetEnvVar(f.ctx, pk, "BASE_URL", "mock", "http://localhost"))
	noErr(t, f.s.SetEnvVar(f.ctx, pk, "EMPTY", "prod", ""))
	vars := must[[]store.EnvVar](t)(f.s.ListEnvVars(f.ctx, pk))
	if len(vars) != 2 || vars[0].Key != "BASE_URL" || vars[0].Values["prod"] != "https://api.example.com" || vars[0].Values["mock"] != "http://localhost" {
		t.Fatalf("env vars = %+v", vars)
	}
	if v, ok := vars[1].Values["prod"]; !ok || v != "" {
		t.Fatalf("empty value lost: %+v", vars[1])
	}
	env := must[map[string]string](t)(f.s.StageEnv(f.ctx, pk, "prod"))
	if len(env) != 2 || env["BASE_URL"] != "https://api.example.com" {
		t.Fatalf("prod env = %v", env)
	}

	noErr(t, f.s.DeleteEnvVar(f.ctx, pk, "BASE_URL", "mock"))
	wantErr(t, f.s.DeleteEnvVar(f.ctx, pk, "BASE_URL", "mock"), store.ErrNotFound)
	noErr(t, f.s.DeleteSecret(f.ctx, pk, "API", "prod"))
	noErr(t, f.s.DeleteSecretAllStages(f.ctx, pk, "NOPE"))
	if list := must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, pk)); len(list) != 1 {
		t.Fatalf("secrets after delete = %+v", list)
	}

	// Deleting a stage removes its values, not the other stages'.
	noErr(t, f.s.DeleteStage(f.ctx, pk, "prod"))
	list = must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, pk))
	if len(list) != 1 || !equal(list[0].Stages, []string{"mock"}) {
		t.Fatalf("secrets after stage delete = %+v", list)
	}
	if vars := must[[]store.EnvVar](t)(f.s.ListEnvVars(f.ctx, pk)); len(vars) != 0 {
		t.Fatalf("env vars after stage delete = %+v", vars)
	}
	noErr(t, f.s.DeleteSecretAllStages(f.ctx, pk, "API_TOKEN"))
	if list := must[[]store.SecretInfo](t)(f.s.ListSecrets(f.ctx, pk)); len(list) != 0 {
		t.Fatalf("secrets after delete all = %+v", list)
	}
}

func TestAPIKeys(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()

	k1 := must[store.APIKey](t)(f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: "CI", Prefix: "ps_ab12", Hash: "h1"}))
	must[store.APIKey](t)(f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: "Zapier", Prefix: "ps_cd34", Hash: "h2"}))
	_, err := f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: "dup", Hash: "h1"})
	wantErr(t, err, store.ErrExists)
	_, err = f.s.CreateAPIKey(f.ctx, store.ProjectKey{Tenant: tn.ID, Project: "nope"}, store.CreateAPIKeyInput{Label: "x", Hash: "h3"})
	wantErr(t, err, store.ErrNotFound)

	ref := must[store.APIKeyRef](t)(f.s.LookupAPIKey(f.ctx, "h1"))
	if ref.Tenant != tn.ID || ref.Project != pk.Project || ref.KeyID != k1.ID {
		t.Fatalf("lookup = %+v", ref)
	}
	used := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	noErr(t, f.s.TouchLastUsed(f.ctx, pk, k1.ID, used))
	got := must[store.APIKey](t)(f.s.GetAPIKey(f.ctx, pk, k1.ID))
	if got.LastUsed == nil || !got.LastUsed.Equal(used) || got.Label != "CI" || got.Prefix != "ps_ab12" || got.Hash != "h1" {
		t.Fatalf("key = %+v", got)
	}
	wantErr(t, f.s.TouchLastUsed(f.ctx, pk, "nope", used), store.ErrNotFound)

	list := must[store.Page[store.APIKey]](t)(f.s.ListAPIKeys(f.ctx, pk, store.ListOptions{}))
	if len(list.Items) != 2 || list.Items[0].ID != k1.ID {
		t.Fatalf("keys = %+v", list.Items)
	}
	noErr(t, f.s.DeleteAPIKey(f.ctx, pk, k1.ID))
	_, err = f.s.LookupAPIKey(f.ctx, "h1")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, f.s.DeleteAPIKey(f.ctx, pk, k1.ID), store.ErrNotFound)
	if list := must[store.Page[store.APIKey]](t)(f.s.ListAPIKeys(f.ctx, pk, store.ListOptions{})); len(list.Items) != 1 {
		t.Fatalf("keys after delete = %+v", list.Items)
	}
}
