package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Stage is a deployment target of a project (mock, test, production, …).
type Stage struct {
	Name       string    `dynamodbav:"stage"`
	Position   int       `dynamodbav:"position"`
	Production bool      `dynamodbav:"production"`
	CreatedAt  time.Time `dynamodbav:"created_at"`
	// Rev counts the conditional claims on the stage (a rename or delete that has begun),
	// so that of two based on one read only one proceeds; a renamed stage continues its
	// old name's count. Part of the stage's ETag; absent on stages never claimed (0).
	Rev int `dynamodbav:"rev"`
	// RenamingFrom is, on the new stage of a rename that has begun and not finished
	// (BeginStageRename to FinishStageRename), the stage it is being renamed from; "" on
	// every other stage.
	RenamingFrom string `dynamodbav:"renaming_from,omitempty"`
}

type stageRec struct {
	Item    string `dynamodbav:"kind"`
	Tenant  string `dynamodbav:"tenant"`
	Project string `dynamodbav:"project"`
	// Bindings counts the flows published to the stage; a stage can only be
	// deleted at zero.
	Bindings int `dynamodbav:"bindings"`
	Stage
}

var errStageBusy = errors.New("stage busy")

func (s *Store) stageItem(k ProjectKey, st Stage, bindings int) (item, error) {
	return marshal(stageRec{Item: kindStage, Tenant: k.Tenant, Project: k.Project, Bindings: bindings, Stage: st},
		projectPK(k), stageSK(st.Name))
}

// CreateStage adds a stage to an active project. ErrExists when the name is
// taken; "mock" is reserved (every project has it).
func (s *Store) CreateStage(ctx context.Context, k ProjectKey, name string, position int) (Stage, error) {
	op := fmt.Sprintf("create stage %q in project %s", name, k.Project)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(name); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if name == MockStage {
		return Stage{}, fmt.Errorf("%s: %w", op, invalid("stage", "%q is reserved", MockStage))
	}
	return s.createStage(ctx, op, k, Stage{Name: name, Position: position, CreatedAt: s.clock()})
}

// CreateStageAs adds a stage with st's name, position and creation time: a renamed stage
// keeps when it was created. ErrExists when the name is taken; "mock" is reserved.
func (s *Store) CreateStageAs(ctx context.Context, k ProjectKey, st Stage) (Stage, error) {
	op := fmt.Sprintf("create stage %q in project %s", st.Name, k.Project)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(st.Name); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if st.Name == MockStage {
		return Stage{}, fmt.Errorf("%s: %w", op, invalid("stage", "%q is reserved", MockStage))
	}
	if st.CreatedAt.IsZero() {
		st.CreatedAt = s.clock()
	}
	st.Production = false // set by SetProductionStage, which keeps the project's record in step
	return s.createStage(ctx, op, k, st)
}

func (s *Store) createStage(ctx context.Context, op string, k ProjectKey, st Stage) (Stage, error) {
	if err := s.purgeStageValues(ctx, op, k, st.Name); err != nil {
		return Stage{}, err
	}
	it, err := s.stageItem(k, st, 0)
	if err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	s.addingStage(&tx, k)
	tx.put(s.table, it, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("stage %w", ErrExists))
	if err := s.commit(ctx, op, &tx); err != nil {
		return Stage{}, err
	}
	return st, nil
}

// GetStage reads a stage.
func (s *Store) GetStage(ctx context.Context, k ProjectKey, name string) (Stage, error) {
	return s.getStage(ctx, k, name, false)
}

// GetStageConsistent reads a stage with a strongly consistent read (what a conditional
// write compares against).
func (s *Store) GetStageConsistent(ctx context.Context, k ProjectKey, name string) (Stage, error) {
	return s.getStage(ctx, k, name, true)
}

func (s *Store) getStage(ctx context.Context, k ProjectKey, name string, consistent bool) (Stage, error) {
	op := fmt.Sprintf("get stage %q of project %s", name, k.Project)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(name); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "stage", key(projectPK(k), stageSK(name)), consistent)
	if err != nil {
		return Stage{}, err
	}
	var rec stageRec
	if err := unmarshal(it, &rec); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Stage, nil
}

// ListStages returns a project's stages ordered by position, then name.
func (s *Store) ListStages(ctx context.Context, k ProjectKey) ([]Stage, error) {
	op := fmt.Sprintf("list stages of project %s", k.Project)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []Stage
	err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preStage, forward: true}, func(it item) error {
		var rec stageRec
		if err := unmarshal(it, &rec); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, rec.Stage)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// SetStagePosition changes where a stage sorts.
func (s *Store) SetStagePosition(ctx context.Context, k ProjectKey, name string, position int) error {
	op := fmt.Sprintf("move stage %q of project %s", name, k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(name); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.updateExisting(ctx, op, "stage", key(projectPK(k), stageSK(name)),
		"SET #pos = :p", names{"#pos": "position"}, vals{":p": avN(int64(position))})
}

// SetProductionStage marks one stage as production and clears the flag on
// the previous one, atomically; "" leaves the project without one. The
// project item records the production stage, so two concurrent calls can
// never leave two stages flagged. The mock stage cannot be production.
func (s *Store) SetProductionStage(ctx context.Context, k ProjectKey, name string) error {
	op := fmt.Sprintf("set production stage of project %s to %q", k.Project, name)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if name != "" {
		if err := ValidateStageName(name); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if name == MockStage {
			return fmt.Errorf("%s: %w", op, invalid("stage", "the mock stage cannot be production"))
		}
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		if rec.State == stateDeleting {
			return fmt.Errorf("%s: project %w", op, ErrNotFound)
		}
		old := rec.ProductionStage
		if old == name {
			return nil
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET production_stage = :new",
			"production_stage = :old AND #state <> :deleting", names{"#state": "state"},
			vals{":new": avS(name), ":old": avS(old), ":deleting": avS(stateDeleting)}, nil)
		if name != "" {
			tx.update(s.table, key(projectPK(k), stageSK(name)), "SET production = :t", "attribute_exists(PK)", nil,
				vals{":t": avBool(true)}, fmt.Errorf("stage %q %w", name, ErrNotFound))
		}
		if old != "" {
			tx.update(s.table, key(projectPK(k), stageSK(old)), "SET production = :f", "attribute_exists(PK)", nil,
				vals{":f": avBool(false)}, nil)
		}
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
}

// DeleteStage removes a stage with its route table, secret values and
// environment values. ErrStageInUse while flows are published to it;
// the mock stage cannot be deleted.
func (s *Store) DeleteStage(ctx context.Context, k ProjectKey, name string) error {
	op := fmt.Sprintf("delete stage %q of project %s", name, k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(name); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if name == MockStage {
		return fmt.Errorf("%s: %w", op, invalid("stage", "the mock stage cannot be deleted"))
	}
	done := false
	for attempt := 0; attempt < s.commitAttempts && !done; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		var tx txn
		tx.del(s.table, key(projectPK(k), stageSK(name)), "attribute_exists(PK) AND bindings = :zero", nil,
			vals{":zero": avN(0)}, errStageBusy)
		tx.del(s.table, key(projectPK(k), routesSK(name)), "", nil, nil, nil)
		if rec.ProductionStage == name {
			tx.update(s.table, key(projectPK(k), skProject), "SET production_stage = :none",
				"production_stage = :name", nil, vals{":none": avS(""), ":name": avS(name)}, nil)
		}
		err = s.commit(ctx, op, &tx)
		switch {
		case err == nil:
			done = true
		case errors.Is(err, errStageBusy):
			_, gerr := s.GetStage(ctx, k, name)
			if errors.Is(gerr, ErrNotFound) {
				// an earlier delete may have stopped after the stage's item went: its values go now
				if perr := s.purgeStageValues(ctx, op, k, name); perr != nil {
					return perr
				}
			}
			if gerr != nil {
				return gerr
			}
			return fmt.Errorf("%s: %w", op, ErrStageInUse)
		case !isRetry(err):
			return err
		}
	}
	if !done {
		return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
	}
	return s.purgeStageValues(ctx, op, k, name)
}

// purgeStageValues deletes the secret and variable values left under the name of a stage
// that does not exist: those of a stage just deleted, or of one whose delete stopped after
// its item went (a failure, a lost answer), which would otherwise come back with the next
// stage of that name. Each batch of deletes is one transaction that also checks that no
// stage of that name exists, and values are written only while their stage exists
// (addVarWrite), so a stage created meanwhile keeps every value it has: the purge stops.
func (s *Store) purgeStageValues(ctx context.Context, op string, k ProjectKey, name string) error {
	var keys []item
	for _, pre := range []string{preSecret, preEnv} {
		err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: pre, forward: true, consistent: true,
			filter: "stage = :st", values: vals{":st": avS(name)}, projection: "PK, SK"},
			func(it item) error { keys = append(keys, keyOf(it)); return nil })
		if err != nil {
			return err
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), maxTxItems-1)
		var tx txn
		tx.check(s.table, key(projectPK(k), stageSK(name)), "attribute_not_exists(PK)", nil, nil, errStageRecreated)
		for _, it := range keys[:n] {
			tx.del(s.table, it, "", nil, nil, nil)
		}
		if err := s.commit(ctx, op, &tx); errors.Is(err, errStageRecreated) {
			return nil
		} else if err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// errStageRecreated: a stage of the name whose values were being purged exists again.
var errStageRecreated = errors.New("a stage of that name exists again")

// stageCond adds to n and v (under names of its own) the condition that a stage's item
// still holds st's values (every attribute its ETag covers), and returns it.
func stageCond(st Stage, n names, v vals) string {
	for k, a := range map[string]string{"#mPos": "position", "#mProd": "production", "#mCr": "created_at", "#mRev": "rev"} {
		n[k] = a
	}
	v[":mPos"] = avN(int64(st.Position))
	v[":mProd"] = avBool(st.Production)
	v[":mCr"] = avTime(st.CreatedAt)
	v[":mRev"] = avN(int64(st.Rev))
	c := "attribute_exists(PK) AND #mPos = :mPos AND #mProd = :mProd AND #mCr = :mCr AND "
	if st.Rev == 0 {
		// a stage written before revisions were kept has none
		return c + "(attribute_not_exists(#mRev) OR #mRev = :mRev)"
	}
	return c + "#mRev = :mRev"
}

// stageChanged is the error of a claim whose condition failed: ErrNotFound when the stage
// is gone, ErrChanged when it is there but not as match had it.
func (s *Store) stageChanged(ctx context.Context, op string, k ProjectKey, name string) error {
	if _, err := s.GetStageConsistent(ctx, k, name); err != nil {
		return err
	}
	return fmt.Errorf("%s: stage %w", op, ErrChanged)
}

// ClaimStage begins a conditional change of a stage made of several writes (a delete: the
// unpublishing, then the deletion): it counts the stage's revision up, only while the stage
// is still as match has it (GetStageConsistent). Of two claims based on one read one
// succeeds; the other gets ErrChanged (ErrNotFound when the stage is gone) and has written
// nothing. It returns the stage as claimed.
func (s *Store) ClaimStage(ctx context.Context, k ProjectKey, match Stage) (Stage, error) {
	op := fmt.Sprintf("claim stage %q of project %s", match.Name, k.Project)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(match.Name); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	n, v := names{}, vals{":one": avN(1), ":zero": avN(0)}
	cond := stageCond(match, n, v)
	_, err := s.db.UpdateItem(ctx, updateInput(s.table, key(projectPK(k), stageSK(match.Name)),
		"SET #mRev = if_not_exists(#mRev, :zero) + :one", cond, n, v))
	if _, ok := isConditionFailed(err); ok {
		return Stage{}, s.stageChanged(ctx, op, k, match.Name)
	}
	if err != nil {
		return Stage{}, wrap(op, err)
	}
	match.Rev++
	return match, nil
}

// BeginStageRename is the first write of a stage rename: in one transaction it creates the
// stage under the new name (with from's position and creation time, not production:
// SetProductionStage moves that, and RenamingFrom set to from's name until
// FinishStageRename) and counts from's revision up. With match (from as read by
// GetStageConsistent) it happens only while from is still as read: ErrChanged otherwise,
// with nothing written, so of two renames based on one read only one proceeds. Without
// match from need only exist. ErrNotFound when from is gone, ErrExists when to is taken.
func (s *Store) BeginStageRename(ctx context.Context, k ProjectKey, from Stage, to string, match bool) (Stage, error) {
	op := fmt.Sprintf("rename stage %q of project %s to %q", from.Name, k.Project, to)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	for _, name := range []string{from.Name, to} {
		if err := ValidateStageName(name); err != nil {
			return Stage{}, fmt.Errorf("%s: %w", op, err)
		}
		if name == MockStage {
			return Stage{}, fmt.Errorf("%s: %w", op, invalid("stage", "the mock stage cannot be renamed"))
		}
	}
	if from.CreatedAt.IsZero() {
		from.CreatedAt = s.clock()
	}
	if err := s.purgeStageValues(ctx, op, k, to); err != nil {
		return Stage{}, err
	}
	st := Stage{Name: to, Position: from.Position, CreatedAt: from.CreatedAt, Rev: from.Rev + 1, RenamingFrom: from.Name}
	it, err := s.stageItem(k, st, 0)
	if err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	n, v := names{"#mRev": "rev"}, vals{":one": avN(1), ":zero": avN(0)}
	cond, onFail := "attribute_exists(PK)", error(fmt.Errorf("stage %q %w", from.Name, ErrNotFound))
	if match {
		cond, onFail = stageCond(from, n, v), ErrChanged
	}
	var tx txn
	s.addingStage(&tx, k)
	tx.update(s.table, key(projectPK(k), stageSK(from.Name)), "SET #mRev = if_not_exists(#mRev, :zero) + :one", cond, n, v, onFail)
	tx.put(s.table, it, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("stage %w", ErrExists))
	err = s.commit(ctx, op, &tx)
	if errors.Is(err, ErrChanged) {
		return Stage{}, s.stageChanged(ctx, op, k, from.Name)
	}
	if err != nil {
		return Stage{}, err
	}
	return st, nil
}

// FinishStageRename is the last write of a stage rename, once the old stage (from) is gone:
// it clears the new stage's RenamingFrom and counts its revision up (its representation
// changes), and returns the stage as it is then. When the stage is not being renamed from
// from (cleared already, by a retry that finished it) it returns the stage unchanged;
// ErrNotFound when the stage is gone.
func (s *Store) FinishStageRename(ctx context.Context, k ProjectKey, to, from string) (Stage, error) {
	op := fmt.Sprintf("finish renaming stage %q of project %s to %q", from, k.Project, to)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	for _, name := range []string{from, to} {
		if err := ValidateStageName(name); err != nil {
			return Stage{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	// an empty string, not REMOVE: the embedded server mishandles SET … REMOVE (doc.go)
	_, err := s.db.UpdateItem(ctx, updateInput(s.table, key(projectPK(k), stageSK(to)),
		"SET #rev = if_not_exists(#rev, :zero) + :one, #from = :none", "#from = :from",
		names{"#from": "renaming_from", "#rev": "rev"}, vals{":from": avS(from), ":none": avS(""), ":zero": avN(0), ":one": avN(1)}))
	if _, ok := isConditionFailed(err); !ok && err != nil {
		return Stage{}, wrap(op, err)
	}
	// cleared now, or not being renamed from from (or gone: ErrNotFound)
	return s.GetStageConsistent(ctx, k, to)
}
