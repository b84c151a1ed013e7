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
	it, err := s.stageItem(k, st, 0)
	if err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	s.checkProjectActive(&tx, k)
	tx.put(s.table, it, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("stage %w", ErrExists))
	if err := s.commit(ctx, op, &tx); err != nil {
		return Stage{}, err
	}
	return st, nil
}

// GetStage reads a stage.
func (s *Store) GetStage(ctx context.Context, k ProjectKey, name string) (Stage, error) {
	op := fmt.Sprintf("get stage %q of project %s", name, k.Project)
	if err := k.validate(); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(name); err != nil {
		return Stage{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "stage", key(projectPK(k), stageSK(name)), false)
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
			if _, gerr := s.GetStage(ctx, k, name); gerr != nil {
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
	// Values for the stage: no new ones can appear, SetSecret and SetEnvVar
	// check that the stage exists.
	var keys []item
	for _, pre := range []string{preSecret, preEnv} {
		err := s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: pre, forward: true, consistent: true,
			filter: "stage = :st", values: vals{":st": avS(name)}, projection: "PK, SK"},
			func(it item) error { keys = append(keys, keyOf(it)); return nil })
		if err != nil {
			return err
		}
	}
	return s.deleteKeys(ctx, op, keys)
}
