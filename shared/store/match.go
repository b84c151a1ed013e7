package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrChanged: a conditional write (the API's If-Match) found the item changed since the
// caller read it; nothing was written. The caller reads it again to say what it is now.
var ErrChanged = errors.New("changed since it was read")

// FlowMatch is what a conditional write of a flow expects to find: the flow's metadata and
// its draft revision as the caller read them (FlowState). The write happens only while
// every attribute the flow's representation shows still holds those values; that is part
// of the write's DynamoDB condition, so no write can slip in between the caller's read and
// its write. A mismatch is ErrChanged.
type FlowMatch struct {
	Flow          Flow
	DraftRevision int
}

// flowCond adds to n and v (under names of its own) the condition that the flow's metadata
// item still holds m.Flow's values, and returns it.
func (m FlowMatch) flowCond(n names, v vals) string {
	f := m.Flow
	for k, a := range map[string]string{"#mState": "state", "#mName": "name", "#mRs": "run_saving",
		"#mRet": "retention", "#mLv": "latest_version", "#mUp": "updated_at", "#mEf": "error_flow"} {
		n[k] = a
	}
	v[":mActive"] = avS(stateActive)
	v[":mName"] = avS(f.Name)
	v[":mRs"] = avS(string(f.RunSaving))
	v[":mRet"] = avN(int64(f.Retention))
	v[":mLv"] = avN(int64(f.LatestVersion))
	v[":mUp"] = avTime(f.UpdatedAt)
	v[":mEf"] = avS(f.ErrorFlow)
	c := "#mState = :mActive AND #mName = :mName AND #mRs = :mRs AND #mRet = :mRet AND #mLv = :mLv AND #mUp = :mUp AND "
	if f.ErrorFlow == "" {
		// an error flow never set is no attribute; one removed is ""
		return c + "(attribute_not_exists(#mEf) OR #mEf = :mEf)"
	}
	return c + "#mEf = :mEf"
}

// draftCheck adds to tx the check that the draft is still at m's revision.
func (m FlowMatch) draftCheck(s *Store, tx *txn, k FlowKey) {
	tx.check(s.table, key(flowPK(k), skDraft), "revision = :r", nil, vals{":r": avN(int64(m.DraftRevision))}, ErrChanged)
}

// FlowState reads a flow's metadata and draft with strongly consistent reads: what a
// conditional write (FlowMatch) compares against, and what its answer's validator is
// computed from after the write.
func (s *Store) FlowState(ctx context.Context, k FlowKey) (Flow, Draft, error) {
	op := fmt.Sprintf("read flow %s with its draft", k.Flow)
	if err := k.validate(); err != nil {
		return Flow{}, Draft{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getFlowRec(ctx, op, k, true)
	if err != nil {
		return Flow{}, Draft{}, err
	}
	if rec.State != stateActive {
		return Flow{}, Draft{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	d, err := s.GetDraft(ctx, k)
	if err != nil {
		return Flow{}, Draft{}, err
	}
	return rec.Flow, d, nil
}

// projectCond adds to n and v (under names of its own) the condition that a project's item
// still holds p's values (every attribute its representation shows), and returns it.
func projectCond(p Project, n names, v vals) string {
	for k, a := range map[string]string{"#mState": "state", "#mName": "name", "#mSlug": "slug",
		"#mPs": "production_stage", "#mUp": "updated_at", "#mPriv": "allow_private_network"} {
		n[k] = a
	}
	state := stateActive
	if p.TrashedAt != nil {
		state = stateTrashed
	}
	v[":mState"] = avS(state)
	v[":mName"] = avS(p.Name)
	v[":mSlug"] = avS(p.Slug)
	v[":mPs"] = avS(p.ProductionStage)
	v[":mUp"] = avTime(p.UpdatedAt)
	v[":mPriv"] = avBool(p.AllowPrivateNetwork)
	c := "#mState = :mState AND #mName = :mName AND #mSlug = :mSlug AND #mPs = :mPs AND #mUp = :mUp AND "
	if !p.AllowPrivateNetwork {
		// never switched on is no attribute; switched off again is false
		return c + "(attribute_not_exists(#mPriv) OR #mPriv = :mPriv)"
	}
	return c + "#mPriv = :mPriv"
}

// GetProjectConsistent reads a project (trashed ones too) with a strongly consistent read:
// what a conditional write compares against.
func (s *Store) GetProjectConsistent(ctx context.Context, k ProjectKey) (Project, error) {
	op := fmt.Sprintf("get project %s", k.Project)
	if err := k.validate(); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getProjectRec(ctx, op, k, true)
	if err != nil {
		return Project{}, err
	}
	if rec.State == stateDeleting {
		return Project{}, fmt.Errorf("%s: project %w", op, ErrNotFound)
	}
	return rec.Project, nil
}

// GetFlowConsistent reads an active flow's metadata with a strongly consistent read (the
// validator of a write's answer is computed from it).
func (s *Store) GetFlowConsistent(ctx context.Context, k FlowKey) (Flow, error) {
	op := fmt.Sprintf("get flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Flow{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getFlowRec(ctx, op, k, true)
	if err != nil {
		return Flow{}, err
	}
	if rec.State != stateActive {
		return Flow{}, fmt.Errorf("%s: flow %w", op, ErrNotFound)
	}
	return rec.Flow, nil
}

// GetRouteConsistent reads a route flow's route with a strongly consistent read (what a
// conditional write compares against).
func (s *Store) GetRouteConsistent(ctx context.Context, k FlowKey) (Route, error) {
	op := fmt.Sprintf("get route of flow %s", k.Flow)
	if err := k.validate(); err != nil {
		return Route{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.getRoute(ctx, op, k, true)
}
