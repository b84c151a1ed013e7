package store

import (
	"context"
	"fmt"
	"time"
)

// APIKey is a project's API key. Only its hash is stored; the secret is
// shown once by the API when created.
type APIKey struct {
	Tenant    string     `dynamodbav:"tenant"`
	Project   string     `dynamodbav:"project"`
	ID        string     `dynamodbav:"key_id"`
	Label     string     `dynamodbav:"label"`
	Prefix    string     `dynamodbav:"prefix"`
	Hash      string     `dynamodbav:"hash"`
	CreatedAt time.Time  `dynamodbav:"created_at"`
	LastUsed  *time.Time `dynamodbav:"last_used"`
}

type apiKeyRec struct {
	Item string `dynamodbav:"kind"`
	APIKey
}

// APIKeyRef is the deployment-wide hash → key lookup the router uses.
type APIKeyRef struct {
	Tenant  string `dynamodbav:"tenant"`
	Project string `dynamodbav:"project"`
	KeyID   string `dynamodbav:"key_id"`
}

type apiKeyRefRec struct {
	Item string `dynamodbav:"kind"`
	APIKeyRef
}

// CreateAPIKeyInput creates an API key from its already computed hash.
type CreateAPIKeyInput struct {
	Label  string
	Prefix string
	Hash   string
}

// CreateAPIKey stores a key and its hash lookup in one transaction in an
// active project. ErrExists when the hash is already in use.
func (s *Store) CreateAPIKey(ctx context.Context, k ProjectKey, in CreateAPIKeyInput) (APIKey, error) {
	op := fmt.Sprintf("create api key in project %s", k.Project)
	if err := k.validate(); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("label", in.Label, 100); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(in.Prefix) > 32 {
		return APIKey{}, fmt.Errorf("%s: %w", op, invalid("prefix", "longer than 32 bytes"))
	}
	if err := checkID("hash", in.Hash); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	id, err := s.newIDAt(now)
	if err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	ak := APIKey{Tenant: k.Tenant, Project: k.Project, ID: id, Label: in.Label, Prefix: in.Prefix, Hash: in.Hash, CreatedAt: now}
	kIt, err := marshal(apiKeyRec{Item: kindAPIKey, APIKey: ak}, projectPK(k), apiKeySK(id))
	if err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	rIt, err := marshal(apiKeyRefRec{Item: kindAPIKeyRef, APIKeyRef: APIKeyRef{Tenant: k.Tenant, Project: k.Project, KeyID: id}},
		apiKeyRefPK(in.Hash), skAPIKeyRef)
	if err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	s.checkProjectActive(&tx, k)
	tx.put(s.table, kIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("api key %w", ErrExists))
	tx.put(s.table, rIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("api key hash %w", ErrExists))
	if err := s.commit(ctx, op, &tx); err != nil {
		return APIKey{}, err
	}
	return ak, nil
}

func decodeAPIKey(op string, it item) (APIKey, error) {
	var rec apiKeyRec
	if err := unmarshal(it, &rec); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.APIKey, nil
}

// GetAPIKey reads a key (with its hash, never the secret).
func (s *Store) GetAPIKey(ctx context.Context, k ProjectKey, id string) (APIKey, error) {
	op := fmt.Sprintf("get api key %s", id)
	if err := k.validate(); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("key_id", id); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "api key", key(projectPK(k), apiKeySK(id)), false)
	if err != nil {
		return APIKey{}, err
	}
	return decodeAPIKey(op, it)
}

// ListAPIKeys lists a project's keys in creation order.
func (s *Store) ListAPIKeys(ctx context.Context, k ProjectKey, o ListOptions) (Page[APIKey], error) {
	op := fmt.Sprintf("list api keys of project %s", k.Project)
	if err := k.validate(); err != nil {
		return Page[APIKey]{}, fmt.Errorf("%s: %w", op, err)
	}
	return listPage(ctx, s, op, query{pk: projectPK(k), skPrefix: preAPIKey, forward: true}, o, decodeAPIKey)
}

// DeleteAPIKey revokes a key: the key and its hash lookup go together.
func (s *Store) DeleteAPIKey(ctx context.Context, k ProjectKey, id string) error {
	op := fmt.Sprintf("delete api key %s", id)
	ak, err := s.GetAPIKey(ctx, k, id)
	if err != nil {
		return err
	}
	var tx txn
	tx.del(s.table, key(projectPK(k), apiKeySK(id)), "attribute_exists(PK)", nil, nil, fmt.Errorf("api key %w", ErrNotFound))
	tx.del(s.table, key(apiKeyRefPK(ak.Hash), skAPIKeyRef), "", nil, nil, nil)
	return s.commit(ctx, op, &tx)
}

// LookupAPIKey finds the key with that hash (the router's check).
func (s *Store) LookupAPIKey(ctx context.Context, hash string) (APIKeyRef, error) {
	op := "look up api key"
	if err := checkID("hash", hash); err != nil {
		return APIKeyRef{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "api key", key(apiKeyRefPK(hash), skAPIKeyRef), false)
	if err != nil {
		return APIKeyRef{}, err
	}
	var rec apiKeyRefRec
	if err := unmarshal(it, &rec); err != nil {
		return APIKeyRef{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.APIKeyRef, nil
}

// TouchLastUsed records when a key was last used.
func (s *Store) TouchLastUsed(ctx context.Context, k ProjectKey, id string, at time.Time) error {
	op := fmt.Sprintf("touch api key %s", id)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("key_id", id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.updateExisting(ctx, op, "api key", key(projectPK(k), apiKeySK(id)),
		"SET last_used = :at", nil, vals{":at": avTime(at)})
}
