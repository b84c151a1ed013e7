package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// SecretInfo is a secret's key and the stages that have a value. Values
// are never listed.
type SecretInfo struct {
	Key       string
	Stages    []string
	UpdatedAt time.Time
	// Revs is each stage's value's revision (counted up by every write of it): what the
	// secret's ETag is made of besides the above, never of the value.
	Revs map[string]int
}

// EnvVar is an environment variable with its value per stage.
type EnvVar struct {
	Key    string
	Values map[string]string
	// Revs is each stage's value's revision (counted up by every write of it).
	Revs map[string]int
}

type varRec struct {
	Item      string    `dynamodbav:"kind"`
	Key       string    `dynamodbav:"key"`
	Stage     string    `dynamodbav:"stage"`
	Value     string    `dynamodbav:"value,omitempty"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
	// Rev counts the writes of the value (absent on values written before it was kept: 0).
	Rev int `dynamodbav:"rev"`
}

// MaxSecretSize bounds a secret's ciphertext.
const MaxSecretSize = 64 * 1024

func checkVarArgs(k ProjectKey, field, key, stage string) error {
	if err := k.validate(); err != nil {
		return err
	}
	if err := ValidateVarKey(field, key); err != nil {
		return err
	}
	return ValidateStageName(stage)
}

// putVar writes a secret or variable value for an existing stage.
func (s *Store) putVar(ctx context.Context, op string, k ProjectKey, w varWrite) error {
	var tx txn
	s.addVarWrite(&tx, k, w, "", nil, nil, nil)
	return s.commit(ctx, op, &tx)
}

// SetSecret stores a secret's ciphertext (encrypted by the secrets package)
// for one stage of a project.
func (s *Store) SetSecret(ctx context.Context, k ProjectKey, secretKey, stage string, ciphertext []byte) error {
	op := fmt.Sprintf("set secret %s for stage %q", secretKey, stage)
	if err := checkVarArgs(k, "key", secretKey, stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(ciphertext) == 0 || len(ciphertext) > MaxSecretSize {
		return fmt.Errorf("%s: %w", op, invalid("ciphertext", "must be 1–%d bytes", MaxSecretSize))
	}
	return s.putVar(ctx, op, k, secretWrite(secretKey, stage, ciphertext))
}

// GetSecretValue returns a secret's ciphertext for a stage (for the runner).
func (s *Store) GetSecretValue(ctx context.Context, k ProjectKey, secretKey, stage string) ([]byte, error) {
	op := fmt.Sprintf("get secret %s for stage %q", secretKey, stage)
	if err := checkVarArgs(k, "key", secretKey, stage); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "secret", key(projectPK(k), secretSK(secretKey, stage)), false)
	if err != nil {
		return nil, err
	}
	b, _ := decodeBlob("ciphertext", it["ciphertext"])
	return b, nil
}

// ListSecrets lists a project's secret keys with the stages that have a
// value, by key. Ciphertexts are not read.
func (s *Store) ListSecrets(ctx context.Context, k ProjectKey) ([]SecretInfo, error) {
	op := fmt.Sprintf("list secrets of project %s", k.Project)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	byKey := map[string]*SecretInfo{}
	var order []string
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preSecret, forward: true,
		projection: "#key, stage, updated_at, rev", names: names{"#key": "key"}}, func(it item) error {
		var rec varRec
		if err := unmarshal(it, &rec); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		si := byKey[rec.Key]
		if si == nil {
			si = &SecretInfo{Key: rec.Key, Revs: map[string]int{}}
			byKey[rec.Key] = si
			order = append(order, rec.Key)
		}
		si.Stages = append(si.Stages, rec.Stage)
		si.Revs[rec.Stage] = rec.Rev
		if rec.UpdatedAt.After(si.UpdatedAt) {
			si.UpdatedAt = rec.UpdatedAt
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]SecretInfo, 0, len(order))
	for _, kk := range order {
		sort.Strings(byKey[kk].Stages)
		out = append(out, *byKey[kk])
	}
	return out, nil
}

// DeleteSecret removes a secret's value for one stage.
func (s *Store) DeleteSecret(ctx context.Context, k ProjectKey, secretKey, stage string) error {
	op := fmt.Sprintf("delete secret %s for stage %q", secretKey, stage)
	if err := checkVarArgs(k, "key", secretKey, stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.deleteExisting(ctx, op, "secret", key(projectPK(k), secretSK(secretKey, stage)))
}

// DeleteSecretAllStages removes a secret's values for every stage.
func (s *Store) DeleteSecretAllStages(ctx context.Context, k ProjectKey, secretKey string) error {
	op := fmt.Sprintf("delete secret %s", secretKey)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateVarKey("key", secretKey); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.deletePrefix(ctx, op, projectPK(k), preSecret+secretKey+"#")
}

// deletePrefix deletes every item of a partition whose sort key starts with
// prefix.
func (s *Store) deletePrefix(ctx context.Context, op, pk, prefix string) error {
	var keys []item
	err := s.queryAll(ctx, op, query{pk: pk, skPrefix: prefix, forward: true, consistent: true, projection: "PK, SK"},
		func(it item) error { keys = append(keys, keyOf(it)); return nil })
	if err != nil {
		return err
	}
	return s.deleteKeys(ctx, op, keys)
}

// SetEnvVar stores an environment variable's value for one stage.
func (s *Store) SetEnvVar(ctx context.Context, k ProjectKey, varKey, stage, value string) error {
	op := fmt.Sprintf("set variable %s for stage %q", varKey, stage)
	if err := checkVarArgs(k, "key", varKey, stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(value) > MaxSecretSize {
		return fmt.Errorf("%s: %w", op, invalid("value", "longer than %d bytes", MaxSecretSize))
	}
	return s.putVar(ctx, op, k, envWrite(varKey, stage, value))
}

// ListEnvVars lists a project's environment variables with their values per
// stage, by key.
func (s *Store) ListEnvVars(ctx context.Context, k ProjectKey) ([]EnvVar, error) {
	op := fmt.Sprintf("list variables of project %s", k.Project)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []EnvVar
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preEnv, forward: true}, func(it item) error {
		var rec varRec
		if err := unmarshal(it, &rec); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if n := len(out); n == 0 || out[n-1].Key != rec.Key {
			out = append(out, EnvVar{Key: rec.Key, Values: map[string]string{}, Revs: map[string]int{}})
		}
		out[len(out)-1].Values[rec.Stage] = getS(it, "value")
		out[len(out)-1].Revs[rec.Stage] = rec.Rev
		return nil
	})
	return out, err
}

// StageEnv returns the variables of one stage as key → value (for the
// runner).
func (s *Store) StageEnv(ctx context.Context, k ProjectKey, stage string) (map[string]string, error) {
	op := fmt.Sprintf("read variables of stage %q", stage)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := map[string]string{}
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preEnv, forward: true,
		filter: "stage = :st", values: vals{":st": avS(stage)}}, func(it item) error {
		out[getS(it, "key")] = getS(it, "value")
		return nil
	})
	return out, err
}

// DeleteEnvVar removes a variable's value for one stage.
func (s *Store) DeleteEnvVar(ctx context.Context, k ProjectKey, varKey, stage string) error {
	op := fmt.Sprintf("delete variable %s for stage %q", varKey, stage)
	if err := checkVarArgs(k, "key", varKey, stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.deleteExisting(ctx, op, "variable", key(projectPK(k), envSK(varKey, stage)))
}

// DeleteEnvVarAllStages removes a variable's values for every stage.
func (s *Store) DeleteEnvVarAllStages(ctx context.Context, k ProjectKey, varKey string) error {
	op := fmt.Sprintf("delete variable %s", varKey)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateVarKey("key", varKey); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.deletePrefix(ctx, op, projectPK(k), preEnv+varKey+"#")
}
