package api

import (
	"context"
	"errors"
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
	ETag       string     `json:"etag" doc:"The key's entity tag, as GET api key answers it in ETag (it changes when the key is used, as last_used_at does): send it in If-Match to relabel or revoke the key only as you read it"`
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
	v := APIKeyView{ID: k.ID, Label: k.Label, Prefix: k.Prefix, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utcPtr(k.LastUsed)}
	v.ETag = etagOf(v) // of the view without its tag
	return v
}

// apiKeyMatch checks If-Match against an API key as it is now (read strongly): nil without
// a condition, the key as read when it matches, 412 when not.
func (h *Handler) apiKeyMatch(ctx context.Context, k store.ProjectKey, id, header string) (*store.APIKey, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	cur, err := h.st.GetAPIKeyConsistent(ctx, k, id)
	if err != nil {
		return nil, err
	}
	if tag := apiKeyView(cur).ETag; !m.matches(tag) {
		return nil, changed("API key", header, tag)
	}
	return &cur, nil
}

// apiKeyChanged turns a store.ErrChanged of a conditional key write into its 412 (404
// when the key is gone); other errors pass.
func (h *Handler) apiKeyChanged(ctx context.Context, k store.ProjectKey, id, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	cur, rerr := h.st.GetAPIKeyConsistent(ctx, k, id)
	if rerr != nil {
		return rerr
	}
	return changed("API key", header, apiKeyView(cur).ETag)
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
	register(h, endpoint{id: "getAPIKey", method: http.MethodGet, path: base + "/{key_id}",
		summary: "Get an API key (without its secret)", tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyRead},
		func(ctx context.Context, in *APIKeyPath) (*Tagged[APIKeyView], error) {
			k, err := h.st.GetAPIKey(ctx, in.project(), in.KeyID)
			if err != nil {
				return nil, err
			}
			v := apiKeyView(k)
			return &Tagged[APIKeyView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "renameAPIKey", method: http.MethodPatch, path: base + "/{key_id}",
		summary: "Relabel an API key", tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyWrite, ifMatch: true},
		func(ctx context.Context, in *struct {
			APIKeyPath
			IfMatchHeader
			Body APIKeyBody
		}) (*Tagged[APIKeyView], error) {
			if err := checkName("body.label", in.Body.Label, 100); err != nil {
				return nil, err
			}
			match, err := h.apiKeyMatch(ctx, in.project(), in.KeyID, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if err := h.st.RenameAPIKeyIf(ctx, in.project(), in.KeyID, in.Body.Label, match); err != nil {
				return nil, at("body", h.apiKeyChanged(ctx, in.project(), in.KeyID, in.IfMatch, err))
			}
			k, err := h.st.GetAPIKeyConsistent(ctx, in.project(), in.KeyID)
			if err != nil {
				return nil, err
			}
			v := apiKeyView(k)
			return &Tagged[APIKeyView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "deleteAPIKey", method: http.MethodDelete, path: base + "/{key_id}",
		summary: "Revoke an API key", tag: tag, scope: ScopeTenant, action: auth.ActionAPIKeyWrite, status: statusNoContent,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			APIKeyPath
			IfMatchHeader
		}) (*Empty, error) {
			match, err := h.apiKeyMatch(ctx, in.project(), in.KeyID, in.IfMatch)
			if err != nil {
				return nil, err
			}
			return nil, h.apiKeyChanged(ctx, in.project(), in.KeyID, in.IfMatch,
				h.st.DeleteAPIKeyIf(ctx, in.project(), in.KeyID, match))
		})
}
