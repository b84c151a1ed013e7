package store

import (
	"context"
	"errors"
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
	return s.getAPIKey(ctx, k, id, false)
}

// GetAPIKeyConsistent reads a key with a strongly consistent read (what a conditional
// write compares against).
func (s *Store) GetAPIKeyConsistent(ctx context.Context, k ProjectKey, id string) (APIKey, error) {
	return s.getAPIKey(ctx, k, id, true)
}

func (s *Store) getAPIKey(ctx context.Context, k ProjectKey, id string, consistent bool) (APIKey, error) {
	op := fmt.Sprintf("get api key %s", id)
	if err := k.validate(); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("key_id", id); err != nil {
		return APIKey{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "api key", key(projectPK(k), apiKeySK(id)), consistent)
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
	return s.DeleteAPIKeyIf(ctx, k, id, nil)
}

// DeleteAPIKeyIf is DeleteAPIKey that, with match (the key as read by
// GetAPIKeyConsistent), revokes the key only while it is still as read: ErrChanged
// otherwise, with nothing written.
func (s *Store) DeleteAPIKeyIf(ctx context.Context, k ProjectKey, id string, match *APIKey) error {
	op := fmt.Sprintf("delete api key %s", id)
	ak, err := s.GetAPIKey(ctx, k, id)
	if err != nil {
		return err
	}
	cond, n, v, onFail := "attribute_exists(PK)", names{}, vals{}, error(fmt.Errorf("api key %w", ErrNotFound))
	if match != nil {
		cond, onFail = apiKeyCond(*match, n, v), ErrChanged
	}
	var tx txn
	tx.del(s.table, key(projectPK(k), apiKeySK(id)), cond, n, v, onFail)
	tx.del(s.table, key(apiKeyRefPK(ak.Hash), skAPIKeyRef), "", nil, nil, nil)
	return s.apiKeyChanged(ctx, op, k, id, s.commit(ctx, op, &tx))
}

// RenameAPIKeyIf changes a key's label; with match (the key as read by
// GetAPIKeyConsistent) only while the key is still as read: ErrChanged otherwise.
func (s *Store) RenameAPIKeyIf(ctx context.Context, k ProjectKey, id, label string, match *APIKey) error {
	op := fmt.Sprintf("rename api key %s", id)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("key_id", id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("label", label, 100); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	cond, n, v, onFail := "attribute_exists(PK)", names{"#l": "label"}, vals{":l": avS(label)}, error(fmt.Errorf("api key %w", ErrNotFound))
	if match != nil {
		cond, onFail = apiKeyCond(*match, n, v), ErrChanged
	}
	var tx txn
	tx.update(s.table, key(projectPK(k), apiKeySK(id)), "SET #l = :l", cond, n, v, onFail)
	return s.apiKeyChanged(ctx, op, k, id, s.commit(ctx, op, &tx))
}

// apiKeyCond adds to n and v (under names of its own) the condition that a key's item
// still holds m's values (every attribute its representation shows), and returns it.
func apiKeyCond(m APIKey, n names, v vals) string {
	for a, name := range map[string]string{"#mLabel": "label", "#mPrefix": "prefix", "#mCr": "created_at", "#mLu": "last_used"} {
		n[a] = name
	}
	v[":mLabel"], v[":mPrefix"], v[":mCr"] = avS(m.Label), avS(m.Prefix), avTime(m.CreatedAt)
	c := "attribute_exists(PK) AND #mLabel = :mLabel AND #mPrefix = :mPrefix AND #mCr = :mCr AND "
	if m.LastUsed == nil {
		v[":mNull"] = avS("NULL")
		return c + "(attribute_not_exists(#mLu) OR attribute_type(#mLu, :mNull))"
	}
	v[":mLu"] = avTime(*m.LastUsed)
	return c + "#mLu = :mLu"
}

// apiKeyChanged makes the ErrChanged of a conditional key write ErrNotFound when the key
// is gone.
func (s *Store) apiKeyChanged(ctx context.Context, op string, k ProjectKey, id string, err error) error {
	if !errors.Is(err, ErrChanged) {
		return err
	}
	if _, gerr := s.GetAPIKeyConsistent(ctx, k, id); gerr != nil {
		return gerr
	}
	return fmt.Errorf("%s: api key %w", op, ErrChanged)
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
