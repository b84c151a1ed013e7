package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Conditional writes of secrets and environment variables (the API's If-Match). A secret
// or variable is one item per stage with a value; each write of an item counts its rev up,
// so the revisions (with the update times) say whether anything changed since a read,
// without looking at a value. A conditional write is one transaction that writes what it
// changes and checks everything else the caller read: every other stage's value still at
// its revision, and every other stage of the project still without one.

// VarRev is the state of a secret's or variable's value on one stage.
type VarRev struct {
	Rev       int
	UpdatedAt time.Time
}

// VarMatch is what a conditional write of a secret or variable expects: the revision of
// its value on each stage that has one, and the project's stages that had none, as read
// (SecretState, EnvVarState).
type VarMatch struct {
	Revs   map[string]VarRev
	Absent []string
}

// varWrite is one value to write: the item's kind, key and stage, and its value attribute.
type varWrite struct {
	kind, key, stage string
	attr             string // "value" or "ciphertext"
	val              types.AttributeValue
}

func secretWrite(secretKey, stage string, ciphertext []byte) varWrite {
	return varWrite{kind: kindSecret, key: secretKey, stage: stage, attr: "ciphertext", val: avB(ciphertext)}
}

func envWrite(varKey, stage, value string) varWrite {
	return varWrite{kind: kindEnv, key: varKey, stage: stage, attr: "value", val: avS(value)}
}

func varSK(kind, varKey, stage string) string {
	if kind == kindSecret {
		return secretSK(varKey, stage)
	}
	return envSK(varKey, stage)
}

// addVarWrite adds to tx the check that w's stage exists and the write of w's value (an
// upsert counting rev up), under cond (n, v) when given, failing with onFail.
func (s *Store) addVarWrite(tx *txn, k ProjectKey, w varWrite, cond string, n names, v vals, onFail error) {
	tx.check(s.table, key(projectPK(k), stageSK(w.stage)), "attribute_exists(PK)", nil, nil,
		fmt.Errorf("stage %q %w", w.stage, ErrNotFound))
	if n == nil {
		n, v = names{}, vals{}
	}
	for a, name := range map[string]string{"#wKind": "kind", "#wKey": "key", "#wStage": "stage", "#wVal": w.attr,
		"#wUp": "updated_at", "#wRev": "rev"} {
		n[a] = name
	}
	v[":wKind"], v[":wKey"], v[":wStage"], v[":wVal"] = avS(w.kind), avS(w.key), avS(w.stage), w.val
	v[":wUp"], v[":wOne"] = avTime(s.clock()), avN(1)
	tx.update(s.table, key(projectPK(k), varSK(w.kind, w.key, w.stage)),
		"SET #wKind = :wKind, #wKey = :wKey, #wStage = :wStage, #wVal = :wVal, #wUp = :wUp ADD #wRev :wOne",
		cond, n, v, onFail)
}

// revCond adds to n and v the condition that a value is still at r, and returns it.
func revCond(r VarRev, n names, v vals) string {
	n["#mUp"], n["#mRev"] = "updated_at", "rev"
	v[":mUp"], v[":mRev"] = avTime(r.UpdatedAt), avN(int64(r.Rev))
	c := "attribute_exists(PK) AND #mUp = :mUp AND "
	if r.Rev == 0 {
		return c + "(attribute_not_exists(#mRev) OR #mRev = :mRev)"
	}
	return c + "#mRev = :mRev"
}

// varState reads the values of one secret or variable and the project's stages with
// strongly consistent reads: each stage's revision, the project's stages without a value,
// and every item as read. ErrNotFound (naming what) when it has no value anywhere.
func (s *Store) varState(ctx context.Context, op, kind, what string, k ProjectKey, varKey string) ([]item, VarMatch, error) {
	if err := k.validate(); err != nil {
		return nil, VarMatch{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateVarKey("key", varKey); err != nil {
		return nil, VarMatch{}, fmt.Errorf("%s: %w", op, err)
	}
	m := VarMatch{Revs: map[string]VarRev{}}
	var items []item
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: varSK(kind, varKey, ""), forward: true, consistent: true},
		func(it item) error {
			var rec varRec
			if err := unmarshal(it, &rec); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			m.Revs[rec.Stage] = VarRev{Rev: rec.Rev, UpdatedAt: rec.UpdatedAt}
			items = append(items, it)
			return nil
		})
	if err != nil {
		return nil, VarMatch{}, err
	}
	if len(items) == 0 {
		return nil, VarMatch{}, fmt.Errorf("%s: %s %w", op, what, ErrNotFound)
	}
	err = s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preStage, forward: true, consistent: true, projection: "stage"},
		func(it item) error {
			if st := getS(it, "stage"); st != "" {
				if _, ok := m.Revs[st]; !ok {
					m.Absent = append(m.Absent, st)
				}
			}
			return nil
		})
	if err != nil {
		return nil, VarMatch{}, err
	}
	return items, m, nil
}

// SecretState reads a secret (never its values) with strongly consistent reads, and what a
// conditional write of it compares against. ErrNotFound when it has no value anywhere.
func (s *Store) SecretState(ctx context.Context, k ProjectKey, secretKey string) (SecretInfo, VarMatch, error) {
	op := fmt.Sprintf("read secret %s", secretKey)
	items, m, err := s.varState(ctx, op, kindSecret, "secret", k, secretKey)
	if err != nil {
		return SecretInfo{}, VarMatch{}, err
	}
	si := SecretInfo{Key: secretKey, Stages: []string{}, Revs: map[string]int{}}
	for _, it := range items {
		var rec varRec
		if err := unmarshal(it, &rec); err != nil {
			return SecretInfo{}, VarMatch{}, fmt.Errorf("%s: %w", op, err)
		}
		si.Stages = append(si.Stages, rec.Stage)
		si.Revs[rec.Stage] = rec.Rev
		if rec.UpdatedAt.After(si.UpdatedAt) {
			si.UpdatedAt = rec.UpdatedAt
		}
	}
	sort.Strings(si.Stages)
	return si, m, nil
}

// EnvVarState reads a variable with strongly consistent reads, and what a conditional
// write of it compares against. ErrNotFound when it has no value anywhere.
func (s *Store) EnvVarState(ctx context.Context, k ProjectKey, varKey string) (EnvVar, VarMatch, error) {
	op := fmt.Sprintf("read variable %s", varKey)
	items, m, err := s.varState(ctx, op, kindEnv, "variable", k, varKey)
	if err != nil {
		return EnvVar{}, VarMatch{}, err
	}
	v := EnvVar{Key: varKey, Values: map[string]string{}, Revs: map[string]int{}}
	for _, it := range items {
		st := getS(it, "stage")
		v.Values[st] = getS(it, "value")
		v.Revs[st] = m.Revs[st].Rev
	}
	return v, m, nil
}

// changeVarIf sets and deletes values of one secret or variable in one transaction that
// also checks that every other value is still at its revision in m and every stage m has
// without a value still has none: ErrChanged otherwise, with nothing written.
func (s *Store) changeVarIf(ctx context.Context, op, kind string, k ProjectKey, varKey string, set []varWrite, del []string, m VarMatch) error {
	var tx txn
	done := map[string]bool{}
	cond := func(stage string) (string, names, vals) {
		n, v := names{}, vals{}
		if r, ok := m.Revs[stage]; ok {
			return revCond(r, n, v), n, v
		}
		return "attribute_not_exists(PK)", nil, nil
	}
	for _, w := range set {
		c, n, v := cond(w.stage)
		s.addVarWrite(&tx, k, w, c, n, v, ErrChanged)
		done[w.stage] = true
	}
	for _, st := range del {
		c, n, v := cond(st)
		if _, ok := m.Revs[st]; !ok {
			c = "attribute_exists(PK) AND attribute_not_exists(PK)" // nothing to delete: a value there now is a change
		}
		tx.del(s.table, key(projectPK(k), varSK(kind, varKey, st)), c, n, v, ErrChanged)
		done[st] = true
	}
	stages := make([]string, 0, len(m.Revs)+len(m.Absent))
	for st := range m.Revs {
		stages = append(stages, st)
	}
	stages = append(stages, m.Absent...)
	sort.Strings(stages)
	for _, st := range stages {
		if done[st] {
			continue
		}
		c, n, v := cond(st)
		tx.check(s.table, key(projectPK(k), varSK(kind, varKey, st)), c, n, v, ErrChanged)
	}
	return s.commit(ctx, op, &tx)
}

// SetSecretIf is SetSecret that writes only while the secret is as m has it (ErrChanged).
func (s *Store) SetSecretIf(ctx context.Context, k ProjectKey, secretKey, stage string, ciphertext []byte, m VarMatch) error {
	op := fmt.Sprintf("set secret %s for stage %q", secretKey, stage)
	if err := checkVarArgs(k, "key", secretKey, stage); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(ciphertext) == 0 || len(ciphertext) > MaxSecretSize {
		return fmt.Errorf("%s: %w", op, invalid("ciphertext", "must be 1–%d bytes", MaxSecretSize))
	}
	return s.changeVarIf(ctx, op, kindSecret, k, secretKey, []varWrite{secretWrite(secretKey, stage, ciphertext)}, nil, m)
}

// DeleteSecretsIf deletes a secret's values on stages, only while the secret is as m has
// it (ErrChanged).
func (s *Store) DeleteSecretsIf(ctx context.Context, k ProjectKey, secretKey string, stages []string, m VarMatch) error {
	op := fmt.Sprintf("delete secret %s on %v", secretKey, stages)
	for _, st := range stages {
		if err := checkVarArgs(k, "key", secretKey, st); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return s.changeVarIf(ctx, op, kindSecret, k, secretKey, nil, stages, m)
}

// SetEnvVarsIf sets a variable's values (stage → value), only while the variable is as m
// has it (ErrChanged).
func (s *Store) SetEnvVarsIf(ctx context.Context, k ProjectKey, varKey string, values map[string]string, m VarMatch) error {
	op := fmt.Sprintf("set variable %s", varKey)
	set := make([]varWrite, 0, len(values))
	for st, val := range values {
		if err := checkVarArgs(k, "key", varKey, st); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if len(val) > MaxSecretSize {
			return fmt.Errorf("%s: %w", op, invalid("value", "longer than %d bytes", MaxSecretSize))
		}
		set = append(set, envWrite(varKey, st, val))
	}
	sort.Slice(set, func(i, j int) bool { return set[i].stage < set[j].stage })
	return s.changeVarIf(ctx, op, kindEnv, k, varKey, set, nil, m)
}

// DeleteEnvVarsIf deletes a variable's values on stages, only while the variable is as m
// has it (ErrChanged).
func (s *Store) DeleteEnvVarsIf(ctx context.Context, k ProjectKey, varKey string, stages []string, m VarMatch) error {
	op := fmt.Sprintf("delete variable %s on %v", varKey, stages)
	for _, st := range stages {
		if err := checkVarArgs(k, "key", varKey, st); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return s.changeVarIf(ctx, op, kindEnv, k, varKey, nil, stages, m)
}
