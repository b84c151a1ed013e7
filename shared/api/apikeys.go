package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// APIKeyView is an API key without its secret.
type APIKeyView struct {
	ID         string     `json:"id"`
	Label      string     `json:"label"`
	Prefix     string     `json:"prefix" doc:"The first characters of the key, to tell keys apart"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// NewAPIKey is a created key with its plaintext, shown this once.
type NewAPIKey struct {
	APIKeyView
	Key string `json:"key" doc:"The key itself; it is not stored and cannot be shown again"`
}

// APIKeyBody labels a key.
type APIKeyBody struct {
	Label string `json:"label" minLength:"1" maxLength:"100"`
}

// APIKeyPath names an API key.
type APIKeyPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	KeyID   string `path:"key_id" doc:"API key id (ULID)"`
}

func (p APIKeyPath) project() store.ProjectKey {
	return store.ProjectKey{Tenant: p.Tenant, Project: p.Project}
}

func apiKeyView(k store.APIKey) APIKeyView {
	return APIKeyView{ID: k.ID, Label: k.Label, Prefix: k.Prefix, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utcPtr(k.LastUsed)}
}

func (h *Handler) registerAPIKeys() {
	const tag = "API keys"
	base := "/tenants/{tenant}/projects/{project}/api-keys"
	register(h, endpoint{id: "listAPIKeys", method: http.MethodGet, path: base, summary: "List API keys",
		tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyRead},
		func(ctx context.Context, in *struct {
			ProjectPath
			PageQuery
		}) (*Out[List[APIKeyView]], error) {
			if _, err := h.st.GetProject(ctx, in.key()); err != nil {
				return nil, err
			}
			p, err := h.st.ListAPIKeys(ctx, in.key(), in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[APIKeyView]{Items: mapSlice(p.Items, apiKeyView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "createAPIKey", method: http.MethodPost, path: base,
		summary: "Create an API key (the key is returned this once)", tag: tag, scope: ScopeTenant,
		action: auth.ActionAPIKeyWrite, status: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ProjectPath
			Body APIKeyBody
		}) (*Created[NewAPIKey], error) {
			if err := checkName("body.label", in.Body.Label, 100); err != nil {
				return nil, err
			}
			plain, stored, err := auth.NewAPIKey()
			if err != nil {
				return nil, fmt.Errorf("create api key: %w", err)
			}
			k, err := h.st.CreateAPIKey(ctx, in.key(), store.CreateAPIKeyInput{Label: in.Body.Label, Prefix: stored.Prefix,
				Hash: stored.Hash})
			if err != nil {
				return nil, h.inTrash(ctx, in.key(), at("body", err))
			}
			return &Created[NewAPIKey]{Body: NewAPIKey{APIKeyView: apiKeyView(k), Key: plain}}, nil
		})
	register(h, endpoint{id: "renameAPIKey", method: http.MethodPatch, path: base + "/{key_id}",
		summary: "Relabel an API key", tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyWrite},
		func(ctx context.Context, in *struct {
			APIKeyPath
			Body APIKeyBody
		}) (*Out[APIKeyView], error) {
			if err := checkName("body.label", in.Body.Label, 100); err != nil {
				return nil, err
			}
			if err := h.renameAPIKey(ctx, in.project(), in.KeyID, in.Body.Label); err != nil {
				return nil, err
			}
			k, err := h.st.GetAPIKey(ctx, in.project(), in.KeyID)
			if err != nil {
				return nil, err
			}
			return ok(apiKeyView(k))
		})
	register(h, endpoint{id: "deleteAPIKey", method: http.MethodDelete, path: base + "/{key_id}",
		summary: "Revoke an API key", tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyWrite, status: statusNoContent},
		func(ctx context.Context, in *APIKeyPath) (*Empty, error) {
			return nil, h.st.DeleteAPIKey(ctx, in.project(), in.KeyID)
		})
}
