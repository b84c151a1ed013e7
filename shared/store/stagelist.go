package store

import (
	"context"
	"fmt"
	"sort"
)

// StageList is a project's stages as a conditional write of the whole list (the stage
// order, the production stage) reads them with StageListConsistent: the stages in order,
// the project's production stage and its stage-list revision. The write happens only while
// every stage is still as read (each stage's condition, as ClaimStage's), the production
// stage is the same and no stage was added (the revision, which every write that adds a
// stage counts up); it counts the revision up itself, so of two such writes based on one
// read only one goes on. A mismatch is ErrChanged, with nothing written.
type StageList struct {
	Stages     []Stage
	Production string
	Rev        int
	// Active is false while the project is in the trash (or being deleted): a conditional
	// write of its list then fails.
	Active bool
}

// addingStage adds to tx, for a write that adds a stage, the check that the project
// exists and is active, counting its stage-list revision up.
func (s *Store) addingStage(tx *txn, k ProjectKey) {
	tx.update(s.table, key(projectPK(k), skProject), "SET #sRev = if_not_exists(#sRev, :zero) + :one", "#state = :active",
		names{"#state": "state", "#sRev": "stages_rev"}, vals{":active": avS(stateActive), ":zero": avN(0), ":one": avN(1)},
		fmt.Errorf("project %w (or not active)", ErrNotFound))
}

// StageListConsistent reads a project's stages, in order, with its production stage and
// stage-list revision, with strongly consistent reads (what SetStageOrderIf and
// SetProductionStageIf compare against). ErrNotFound when there is no such project.
func (s *Store) StageListConsistent(ctx context.Context, k ProjectKey) (StageList, error) {
	op := fmt.Sprintf("read the stage list of project %s", k.Project)
	if err := k.validate(); err != nil {
		return StageList{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getProjectRec(ctx, op, k, true)
	if err != nil {
		return StageList{}, err
	}
	l := StageList{Production: rec.ProductionStage, Rev: rec.StagesRev, Active: rec.State == stateActive}
	err = s.queryAll(ctx, op, query{pk: projectPK(k), skPrefix: preStage, forward: true, consistent: true}, func(it item) error {
		var r stageRec
		if err := unmarshal(it, &r); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		l.Stages = append(l.Stages, r.Stage)
		return nil
	})
	if err != nil {
		return StageList{}, err
	}
	sort.SliceStable(l.Stages, func(i, j int) bool {
		if l.Stages[i].Position != l.Stages[j].Position {
			return l.Stages[i].Position < l.Stages[j].Position
		}
		return l.Stages[i].Name < l.Stages[j].Name
	})
	return l, nil
}

// stageListWrite commits a conditional write of match's stage list: set(project's update
// expression, its values) changes the project item; change, per stage, what to SET on it
// (an expression over the names stageCond gives, "" to only check it).
func (s *Store) stageListWrite(ctx context.Context, op string, k ProjectKey, match StageList, set string, setVals vals, change func(Stage) (string, vals)) error {
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if len(match.Stages)+1 > maxTxItems {
		return fmt.Errorf("%s: %d stages exceed the transaction limit of %d", op, len(match.Stages), maxTxItems)
	}
	var tx txn
	n := names{"#state": "state", "#sRev": "stages_rev", "#ps": "production_stage"}
	v := vals{":active": avS(stateActive), ":zero": avN(0), ":one": avN(1), ":rev": avN(int64(match.Rev)), ":mPs": avS(match.Production)}
	for name, val := range setVals {
		v[name] = val
	}
	cond := "#state = :active AND #ps = :mPs AND #sRev = :rev"
	if match.Rev == 0 {
		cond = "#state = :active AND #ps = :mPs AND (attribute_not_exists(#sRev) OR #sRev = :rev)"
	}
	update := "SET #sRev = if_not_exists(#sRev, :zero) + :one"
	if set != "" {
		update += ", " + set
	}
	tx.update(s.table, key(projectPK(k), skProject), update, cond, n, v, ErrChanged)
	for _, st := range match.Stages {
		sn, sv := names{}, vals{}
		c := stageCond(st, sn, sv)
		expr, ev := change(st)
		if expr == "" {
			tx.check(s.table, key(projectPK(k), stageSK(st.Name)), c, sn, sv, ErrChanged)
			continue
		}
		for name, val := range ev {
			sv[name] = val
		}
		tx.update(s.table, key(projectPK(k), stageSK(st.Name)), "SET "+expr, c, sn, sv, ErrChanged)
	}
	return s.commit(ctx, op, &tx)
}

// SetStageOrderIf gives the stages of match the positions of order (every stage's name
// once), only while the stage list is still as match has it (see StageList): ErrChanged
// otherwise, with nothing written.
func (s *Store) SetStageOrderIf(ctx context.Context, k ProjectKey, order []string, match StageList) error {
	op := fmt.Sprintf("reorder the stages of project %s", k.Project)
	pos := make(map[string]int, len(order))
	for i, name := range order {
		pos[name] = i
	}
	for _, st := range match.Stages {
		if _, ok := pos[st.Name]; !ok || len(order) != len(match.Stages) {
			return fmt.Errorf("%s: %w", op, invalid("stages", "must list every stage once"))
		}
	}
	return s.stageListWrite(ctx, op, k, match, "", nil, func(st Stage) (string, vals) {
		if pos[st.Name] == st.Position {
			return "", nil
		}
		return "#mPos = :newPos", vals{":newPos": avN(int64(pos[st.Name]))}
	})
}

// SetProductionStageIf is SetProductionStage ("" for none) only while the stage list is
// still as match has it (see StageList): ErrChanged otherwise, with nothing written.
func (s *Store) SetProductionStageIf(ctx context.Context, k ProjectKey, name string, match StageList) error {
	op := fmt.Sprintf("set production stage of project %s to %q", k.Project, name)
	if name == MockStage {
		return fmt.Errorf("%s: %w", op, invalid("stage", "the mock stage cannot be production"))
	}
	found := name == ""
	for _, st := range match.Stages {
		found = found || st.Name == name
	}
	if !found {
		return fmt.Errorf("%s: stage %q %w", op, name, ErrNotFound)
	}
	return s.stageListWrite(ctx, op, k, match, "#ps = :newPs", vals{":newPs": avS(name)}, func(st Stage) (string, vals) {
		if want := st.Name == name; want != st.Production {
			return "#mProd = :newProd", vals{":newProd": avBool(want)}
		}
		return "", nil
	})
}
