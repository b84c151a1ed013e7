package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/flow"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// stageNamePattern is a stage name: a lowercase letter, then up to 31
// lowercase letters or digits (no hyphen: hosts split at the last one).
const stageNamePattern = "^[a-z][a-z0-9]{0,31}$"

// StageView is a stage.
type StageView struct {
	Name       string    `json:"name"`
	Position   int       `json:"position"`
	Production bool      `json:"production"`
	CreatedAt  time.Time `json:"created_at"`
	// RenamingFrom marks a rename that began and did not finish.
	RenamingFrom string `json:"renaming_from,omitempty" doc:"Present while a rename of the stage named here to this stage has begun and not finished (it failed part way, say on a 503): send that rename again (PATCH the stage named here with this name) to finish it"`
	ETag         string `json:"etag" doc:"The stage's entity tag, as GET stage answers it in ETag: send it in If-Match to rename or delete the stage only as you read it"`
}

// MaxStages bounds a project's stages besides mock. A write of a value on every stage, or a
// conditional one checking every stage, is one DynamoDB transaction of at most 100 actions,
// which 20 stages keep well within.
const MaxStages = 20

func stageView(s store.Stage) StageView {
	v := StageView{Name: s.Name, Position: s.Position, Production: s.Production, CreatedAt: s.CreatedAt.UTC(), RenamingFrom: s.RenamingFrom}
	v.ETag = stageETag(s)
	return v
}

// stageETag is a stage's ETag: its representation (without the tag) and its revision,
// which a rename or delete that has begun counts up.
func stageETag(s store.Stage) string {
	return etagOf(StageView{Name: s.Name, Position: s.Position, Production: s.Production, CreatedAt: s.CreatedAt.UTC(),
		RenamingFrom: s.RenamingFrom}, s.Rev)
}

// stageChanged turns a store.ErrChanged of a conditional stage write into its 412 (with
// the stage's ETag now; 404 when it is gone); other errors pass.
func (h *Handler) stageChanged(ctx context.Context, k store.ProjectKey, name, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	cur, rerr := h.st.GetStageConsistent(ctx, k, name)
	if rerr != nil {
		return rerr
	}
	return changed("stage", header, stageETag(cur))
}

// stageMatch reads stage name for a write that honours If-Match: strongly when the header
// asks for a particular representation (412 when it is not the stage's now), as before
// otherwise. conditional says which.
func (h *Handler) stageMatch(ctx context.Context, k store.ProjectKey, name, header string) (s store.Stage, conditional bool, err error) {
	m, err := parseIfMatch(header)
	if err != nil {
		return store.Stage{}, false, err
	}
	if !m.conditional() {
		s, err = h.st.GetStage(ctx, k, name)
		return s, false, err
	}
	if s, err = h.st.GetStageConsistent(ctx, k, name); err != nil {
		return store.Stage{}, false, err
	}
	if cur := stageETag(s); !m.matches(cur) {
		return store.Stage{}, false, changed("stage", header, cur)
	}
	return s, true, nil
}

// RenamedStageView is a renamed stage and the published flows that were not moved to its
// new name.
type RenamedStageView struct {
	StageView
	Skipped []SkippedBinding `json:"skipped" doc:"Flows published on the stage under its old name that are not published under the new one, each with why; empty when every publication moved"`
}

// SkippedBinding is a publication a stage rename did not carry over.
type SkippedBinding struct {
	Flow    string `json:"flow" doc:"Flow id"`
	Name    string `json:"name" doc:"Flow name"`
	Version int    `json:"version" doc:"The version that was published on the stage"`
	Reason  string `json:"reason" doc:"Why it was not moved and what to do"`
}

// StagePath names a stage.
type StagePath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Stage   string `path:"stage" doc:"Stage name"`
}

func (p StagePath) key() store.ProjectKey {
	return store.ProjectKey{Tenant: p.Tenant, Project: p.Project}
}

// CreateStageBody creates a stage.
type CreateStageBody struct {
	Name string `json:"name" pattern:"^[a-z][a-z0-9]{0,31}$" patternDescription:"a lowercase letter, then up to 31 lowercase letters or digits" doc:"mock is reserved"`
	// Position defaults to after the last stage.
	Position *int `json:"position,omitempty" minimum:"0" maximum:"1000"`
}

// RenameStageBody renames a stage.
type RenameStageBody struct {
	Name string `json:"name" pattern:"^[a-z][a-z0-9]{0,31}$" patternDescription:"a lowercase letter, then up to 31 lowercase letters or digits"`
}

// ProductionBody names the production stage.
type ProductionBody struct {
	Stage string `json:"stage" maxLength:"32" doc:"The production stage; empty for none"`
}

// StageOrderBody orders the stages.
type StageOrderBody struct {
	Stages []string `json:"stages" minItems:"1" maxItems:"100" doc:"Every stage of the project exactly once, in the new order"`
}

func (h *Handler) registerStages() {
	const tag = "Stages"
	base := "/tenants/{tenant}/projects/{project}"
	register(h, endpoint{id: "listStages", method: http.MethodGet, path: base + "/stages", summary: "List stages in order",
		tag: tag, scope: ScopeTenant, action: auth.ActionStageRead},
		func(ctx context.Context, in *ProjectPath) (*Tagged[[]StageView], error) {
			st, err := h.stages(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return stageListAnswer(st), nil
		})
	register(h, endpoint{id: "createStage", method: http.MethodPost, path: base + "/stages", summary: "Create a stage",
		tag: tag, scope: ScopeTenant, action: auth.ActionStageManage, status: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ProjectPath
			Body CreateStageBody
		}) (*Created[StageView], error) {
			if in.Body.Name == store.MockStage {
				return nil, invalidField("body.name", "%q is reserved", store.MockStage)
			}
			st, err := h.stages(ctx, in.key())
			if err != nil {
				return nil, err
			}
			pos, n := 0, 0
			for _, s := range st {
				pos = max(pos, s.Position+1)
				if s.Name != store.MockStage {
					n++
				}
			}
			if n >= MaxStages {
				return nil, conflict(TypeConflict, fmt.Sprintf("the project has %d stages besides mock, the most it can have: delete one to add %q", n, in.Body.Name),
					FieldError{Location: "body.name", Message: fmt.Sprintf("at most %d stages besides mock", MaxStages), Value: in.Body.Name})
			}
			if in.Body.Position != nil {
				pos = *in.Body.Position
			}
			s, err := h.st.CreateStage(ctx, in.key(), in.Body.Name, pos)
			if err != nil {
				return nil, h.inTrash(ctx, in.key(), stageTaken(in.Body.Name, at("body", err)))
			}
			return &Created[StageView]{Body: stageView(s)}, nil
		})
	register(h, endpoint{id: "getStage", method: http.MethodGet, path: base + "/stages/{stage}", summary: "Get a stage",
		tag: tag, scope: ScopeTenant, action: auth.ActionStageRead},
		func(ctx context.Context, in *StagePath) (*Tagged[StageView], error) {
			s, err := h.st.GetStage(ctx, in.key(), in.Stage)
			if err != nil {
				return nil, err
			}
			v := stageView(s)
			return &Tagged[StageView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "renameStage", method: http.MethodPatch, path: base + "/stages/{stage}",
		summary: "Rename a stage, moving its values, secrets and published flows (not versions with no nodes: listed under skipped)",
		tag:     tag, scope: ScopeTenant, action: auth.ActionStageManage, ifMatch: true},
		func(ctx context.Context, in *struct {
			StagePath
			IfMatchHeader
			Body RenameStageBody
		}) (*Tagged[RenamedStageView], error) {
			s, skipped, err := h.renameStage(ctx, in.key(), in.Stage, in.Body.Name, in.IfMatch)
			if err != nil {
				return nil, err
			}
			v := stageView(s)
			return &Tagged[RenamedStageView]{ETag: v.ETag, Body: RenamedStageView{StageView: v, Skipped: skipped}}, nil
		})
	register(h, endpoint{id: "setProductionStage", method: http.MethodPut, path: base + "/production-stage",
		summary: "Mark the production stage (at most one)", tag: tag, scope: ScopeTenant, action: auth.ActionStageManage, ifMatch: true},
		func(ctx context.Context, in *struct {
			ProjectPath
			IfMatchHeader
			Body ProductionBody
		}) (*Tagged[[]StageView], error) {
			name := in.Body.Stage
			if name == store.MockStage {
				return nil, invalidField("body.stage", "the mock stage cannot be production")
			}
			if name != "" && store.ValidateStageName(name) != nil {
				return nil, invalidField("body.stage", "no stage %q", name)
			}
			list, err := h.stageListMatch(ctx, in.key(), in.IfMatch)
			if err != nil {
				return nil, err
			}
			if list != nil {
				if name != "" && !slices.ContainsFunc(list.Stages, func(s store.Stage) bool { return s.Name == name }) {
					return nil, invalidField("body.stage", "no stage %q", name)
				}
				if err := h.st.SetProductionStageIf(ctx, in.key(), name, *list); err != nil {
					return nil, h.stageListChanged(ctx, in.key(), in.IfMatch, err)
				}
				return h.stageListNow(ctx, in.key())
			}
			if name != "" {
				if _, err := h.st.GetStage(ctx, in.key(), name); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						if _, perr := h.st.GetProject(ctx, in.key()); perr != nil {
							return nil, perr
						}
						return nil, invalidField("body.stage", "no stage %q", name)
					}
					return nil, err
				}
			}
			if err := h.st.SetProductionStage(ctx, in.key(), name); err != nil {
				return nil, at("body", err)
			}
			return h.stageListNow(ctx, in.key())
		})
	register(h, endpoint{id: "reorderStages", method: http.MethodPut, path: base + "/stage-order",
		summary: "Reorder the stages", tag: tag, scope: ScopeTenant, action: auth.ActionStageManage, ifMatch: true},
		func(ctx context.Context, in *struct {
			ProjectPath
			IfMatchHeader
			Body StageOrderBody
		}) (*Tagged[[]StageView], error) {
			list, err := h.stageListMatch(ctx, in.key(), in.IfMatch)
			if err != nil {
				return nil, err
			}
			var st []store.Stage
			if list != nil {
				st = list.Stages
			} else if st, err = h.stages(ctx, in.key()); err != nil {
				return nil, err
			}
			have := map[string]store.Stage{}
			for _, s := range st {
				have[s.Name] = s
			}
			seen := map[string]bool{}
			for i, n := range in.Body.Stages {
				loc := fmt.Sprintf("body.stages[%d]", i)
				if _, ok := have[n]; !ok {
					return nil, invalidField(loc, "no stage %q", n)
				}
				if seen[n] {
					return nil, invalidField(loc, "stage %q is listed twice", n)
				}
				seen[n] = true
			}
			if len(seen) != len(have) {
				var missing []string
				for n := range have {
					if !seen[n] {
						missing = append(missing, n)
					}
				}
				slices.Sort(missing)
				return nil, invalidField("body.stages", "must list every stage; missing %v", missing)
			}
			if list != nil {
				// one transaction, only while the list is as the tag says
				if err := h.st.SetStageOrderIf(ctx, in.key(), in.Body.Stages, *list); err != nil {
					return nil, h.stageListChanged(ctx, in.key(), in.IfMatch, err)
				}
				return h.stageListNow(ctx, in.key())
			}
			for i, n := range in.Body.Stages {
				if have[n].Position != i {
					if err := h.st.SetStagePosition(ctx, in.key(), n, i); err != nil {
						return nil, err
					}
				}
			}
			return h.stageListNow(ctx, in.key())
		})
	register(h, endpoint{id: "deleteStage", method: http.MethodDelete, path: base + "/stages/{stage}",
		summary: "Delete a stage (never mock), unpublishing what was bound to it", tag: tag, scope: ScopeTenant,
		action: auth.ActionStageManage, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			StagePath
			IfMatchHeader
		}) (*Empty, error) {
			if in.Stage == store.MockStage {
				return nil, invalidField("path.stage", "the mock stage cannot be deleted")
			}
			cur, conditional, err := h.stageMatch(ctx, in.key(), in.Stage, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if conditional {
				// the first write: of deletes (or renames) based on one read, one goes on
				if _, err := h.st.ClaimStage(ctx, in.key(), cur); err != nil {
					return nil, h.stageChanged(ctx, in.key(), in.Stage, in.IfMatch, err)
				}
			}
			if err := h.unpublishStage(ctx, in.key(), in.Stage); err != nil {
				return nil, err
			}
			if err := h.st.DeleteStage(ctx, in.key(), in.Stage); err != nil {
				return nil, err
			}
			// a rename of this stage that did not finish is over: the stage it made
			// keeps what was copied to it, without the mark
			if to, err := h.renamingTo(ctx, in.key(), cur); err != nil || to != "" {
				if err == nil {
					_, err = h.st.FinishStageRename(ctx, in.key(), to, in.Stage)
				}
				if err != nil {
					h.log.ErrorContext(ctx, "delete stage: clear the mark of its unfinished rename", "stage", in.Stage, "err", err)
				}
			}
			return nil, nil
		})
}

// The stage list's ETag covers the whole list as GET …/stages answers it: every stage's
// name, position, production flag, creation time and revision (each stage's own ETag), in
// order. It is what a client holds when it reorders the stages or marks the production
// stage (PUT …/stage-order, PUT …/production-stage), which honour If-Match with it and
// answer the list with its new tag; the check is repeated in the write's transaction
// (store.StageList: every stage as read, no stage added since).

// stageListETag is the ETag of a project's stage list (stages in order).
func stageListETag(st []store.Stage) string {
	return etagOf(mapSlice(st, stageView))
}

// stageListAnswer is the answer of GET …/stages and of the writes of the list.
func stageListAnswer(st []store.Stage) *Tagged[[]StageView] {
	return &Tagged[[]StageView]{ETag: stageListETag(st), Body: mapSlice(st, stageView)}
}

// stageListNow answers the stage list as it is now (read strongly, so its tag is the one a
// following conditional write compares with).
func (h *Handler) stageListNow(ctx context.Context, k store.ProjectKey) (*Tagged[[]StageView], error) {
	l, err := h.st.StageListConsistent(ctx, k)
	if err != nil {
		return nil, err
	}
	return stageListAnswer(l.Stages), nil
}

// stageListMatch checks If-Match against a project's stage list as it is now (read
// strongly): nil without a condition, the list as read when it matches, 412 when not;
// 404 when the project does not exist (or is in the trash).
func (h *Handler) stageListMatch(ctx context.Context, k store.ProjectKey, header string) (*store.StageList, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	l, err := h.st.StageListConsistent(ctx, k)
	if err == nil && !l.Active {
		err = fmt.Errorf("stage list: project %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, h.inTrash(ctx, k, err)
	}
	if cur := stageListETag(l.Stages); !m.matches(cur) {
		return nil, changed("stage list", header, cur)
	}
	return &l, nil
}

// stageListChanged turns a store.ErrChanged of a conditional write of the stage list into
// its 412 (with the list's ETag now); other errors pass.
func (h *Handler) stageListChanged(ctx context.Context, k store.ProjectKey, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	l, rerr := h.st.StageListConsistent(ctx, k)
	if rerr != nil {
		return rerr
	}
	return changed("stage list", header, stageListETag(l.Stages))
}

// stageTaken answers a stage name the project has (store.ErrExists) with a 409 naming
// body.name; other errors pass.
func stageTaken(name string, err error) error {
	if !errors.Is(err, store.ErrExists) {
		return err
	}
	return conflict(TypeConflict, fmt.Sprintf("the project has a stage %q already; choose another name", name),
		FieldError{Location: "body.name", Message: "is taken by another stage", Value: name})
}

// stages lists a project's stages; 404 when the project does not exist.
func (h *Handler) stages(ctx context.Context, k store.ProjectKey) ([]store.Stage, error) {
	st, err := h.st.ListStages(ctx, k)
	if err != nil {
		return nil, err
	}
	if len(st) == 0 { // every project has mock: no stages means no project
		return nil, notFound("project")
	}
	return st, nil
}

// unpublishStage removes every flow published to a stage.
func (h *Handler) unpublishStage(ctx context.Context, k store.ProjectKey, stage string) error {
	bs, err := h.st.ListStageBindings(ctx, k, stage)
	if err != nil {
		return err
	}
	for _, b := range bs {
		// its schedule stops firing there, as on unpublishing (bindings written before the
		// flow's kind was recorded have none). EventBridge first, then the store: had the
		// binding gone first, a failure here left the schedule firing with nothing for a
		// retry (or deleting the stage) to find it by
		isSchedule := b.FlowKind == store.KindSchedule || b.FlowKind == ""
		if isSchedule {
			if err := h.unsyncSchedule(ctx, k.Flow(b.Flow), stage); err != nil {
				h.log.ErrorContext(ctx, "unpublish stage: schedule sync", "flow", b.Flow, "stage", stage, "err", err)
				return schedulerUnavailable()
			}
		}
		if err := h.st.Unpublish(ctx, k.Flow(b.Flow), stage); err != nil && !errors.Is(err, store.ErrNotFound) {
			if isSchedule {
				h.restoreSchedule(ctx, k.Flow(b.Flow), stage)
			}
			return err
		}
	}
	return nil
}

// renameStage gives a stage a new name. The store has no rename, so it is
// a copy then a delete: a new stage at the same position with the old
// one's variables, secrets (re-sealed for the new name) and published
// versions, production flag; then the old stage is unpublished and
// deleted. When copying fails the new stage is removed again, so the old
// one stays as it was. Publications of versions with no nodes are not
// copied (they are returned, each with why).
//
// With If-Match (ifMatchHeader) the first write — creating the new stage, in one
// transaction with counting the old one's revision up — happens only while the old stage
// is as the tag says: a stale tag writes nothing (412), and of renames (or deletes) sent at
// once with one tag only one goes on.
//
// The new stage carries renaming_from (the old name) from that first write until the old
// stage is gone. A rename that failed after the first write (a 503 from EventBridge
// Scheduler while unpublishing the old stage, say) is finished by sending it again:
// resumeStageRename. A stage being renamed to, and one being renamed from, cannot be
// renamed to another name meanwhile (409 saying which rename to send again).
func (h *Handler) renameStage(ctx context.Context, k store.ProjectKey, from, to, ifMatchHeader string) (store.Stage, []SkippedBinding, error) {
	if from == store.MockStage {
		return store.Stage{}, nil, invalidField("path.stage", "the mock stage cannot be renamed")
	}
	if to == store.MockStage {
		return store.Stage{}, nil, invalidField("body.name", "%q is reserved", store.MockStage)
	}
	if from != to {
		cur, err := h.st.GetStageConsistent(ctx, k, to)
		switch {
		case err == nil && cur.RenamingFrom == from:
			return h.resumeStageRename(ctx, k, from, cur, ifMatchHeader)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return store.Stage{}, nil, err
		}
	}
	old, conditional, err := h.stageMatch(ctx, k, from, ifMatchHeader)
	if err != nil {
		return store.Stage{}, nil, err
	}
	if from == to {
		return old, []SkippedBinding{}, nil
	}
	if old.RenamingFrom != "" {
		return store.Stage{}, nil, conflict(TypeConflict, fmt.Sprintf(
			"stage %q is still being renamed from %q (that rename did not finish): rename %q to %q again to finish it, then rename %q",
			from, old.RenamingFrom, old.RenamingFrom, from, from),
			FieldError{Location: "path.stage", Message: fmt.Sprintf("is being renamed from %q", old.RenamingFrom), Value: from})
	}
	if pending, err := h.renamingTo(ctx, k, old); err != nil {
		return store.Stage{}, nil, err
	} else if pending != "" {
		if conditional {
			// a rename that began after the tag's check (sent at once with this one) is a
			// change of the stage since: 412, as when it had begun first
			if cur, err := h.st.GetStageConsistent(ctx, k, from); err != nil {
				return store.Stage{}, nil, err
			} else if stageETag(cur) != stageETag(old) {
				return store.Stage{}, nil, changed("stage", ifMatchHeader, stageETag(cur))
			}
		}
		return store.Stage{}, nil, conflict(TypeConflict, fmt.Sprintf(
			"stage %q is being renamed to %q (that rename did not finish): rename it to %q again to finish it, or delete stage %q to give it up",
			from, pending, pending, pending),
			FieldError{Location: "body.name", Message: fmt.Sprintf("stage %q is being renamed to %q", from, pending), Value: to})
	}
	if _, err := h.st.BeginStageRename(ctx, k, old, to, conditional); err != nil {
		return store.Stage{}, nil, stageTaken(to, at("body", h.stageChanged(ctx, k, from, ifMatchHeader, err)))
	}
	skipped, err := h.copyStage(ctx, k, from, to, old.Production, false)
	if err != nil {
		if rerr := h.dropStage(context.WithoutCancel(ctx), k, to); rerr != nil {
			h.log.ErrorContext(ctx, "rename stage: rollback failed", "stage", to, "err", rerr)
		}
		return store.Stage{}, nil, err
	}
	if err := h.dropStage(ctx, k, from); err != nil {
		return store.Stage{}, nil, err
	}
	s, err := h.st.FinishStageRename(ctx, k, to, from)
	if err != nil {
		return store.Stage{}, nil, err
	}
	return s, skipped, nil
}

// resumeStageRename finishes a rename of from to the stage to that began and did not
// finish (to.RenamingFrom is from): it copies what the new stage does not have yet (what
// it has is kept: copied by the first attempt, or changed since), puts the schedules of
// what is published on from onto to, deletes from and clears the mark. When from is gone
// already (the first attempt got that far, or from was deleted) it only clears the mark. A
// stage named from that is not the one being renamed (created later: it has another
// creation time; the new stage keeps the old one's) is left alone: the stale mark is
// cleared and the answer is 409, the new name being taken.
//
// With If-Match the resumed rename goes on when the tag is the new stage's now, the old
// stage's now, or the old stage's as it was when the rename began (the tag the first
// attempt was sent with: a retry sends the same request again); 412 with the old stage's
// tag (the new one's once the old one is gone) otherwise.
func (h *Handler) resumeStageRename(ctx context.Context, k store.ProjectKey, from string, to store.Stage, ifMatchHeader string) (store.Stage, []SkippedBinding, error) {
	m, err := parseIfMatch(ifMatchHeader)
	if err != nil {
		return store.Stage{}, nil, err
	}
	old, err := h.st.GetStageConsistent(ctx, k, from)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Stage{}, nil, err
	}
	exists := err == nil && old.CreatedAt.Equal(to.CreatedAt)
	if err == nil && !exists {
		// a stage created under the old name since the rename: not the one being renamed,
		// and the mark is stale (the rename's old stage is gone). The new name is taken.
		if _, err := h.st.FinishStageRename(ctx, k, to.Name, from); err != nil {
			return store.Stage{}, nil, err
		}
		return store.Stage{}, nil, stageTaken(to.Name, fmt.Errorf("rename stage %q: %w", from, store.ErrExists))
	}
	if m.conditional() {
		// from as the first attempt read it: BeginStageRename gave the new stage its
		// position, creation time and revision + 1; production moves to the new stage
		began := store.Stage{Name: from, Position: to.Position, CreatedAt: to.CreatedAt, Rev: to.Rev - 1,
			Production: to.Production || (exists && old.Production)}
		ok := m.matches(stageETag(to)) || m.matches(stageETag(began))
		cur := stageETag(to)
		if exists {
			ok = ok || m.matches(stageETag(old))
			cur = stageETag(old)
		}
		if !ok {
			return store.Stage{}, nil, changed("stage", ifMatchHeader, cur)
		}
	}
	skipped := []SkippedBinding{}
	if exists {
		if skipped, err = h.copyStage(ctx, k, from, to.Name, old.Production, true); err != nil {
			return store.Stage{}, nil, err
		}
		if err := h.dropStage(ctx, k, from); err != nil {
			return store.Stage{}, nil, err
		}
	}
	s, err := h.st.FinishStageRename(ctx, k, to.Name, from)
	if err != nil {
		return store.Stage{}, nil, err
	}
	return s, skipped, nil
}

// renamingTo names the stage a rename of st that did not finish is making ("" when none):
// the stage whose renaming_from is st's name (and that has st's creation time, which a
// renamed stage keeps).
func (h *Handler) renamingTo(ctx context.Context, k store.ProjectKey, st store.Stage) (string, error) {
	list, err := h.st.ListStages(ctx, k)
	if err != nil {
		return "", err
	}
	for _, s := range list {
		if s.RenamingFrom == st.Name && s.CreatedAt.Equal(st.CreatedAt) {
			return s.Name, nil
		}
	}
	return "", nil
}

// copyStage copies a stage's variables, secrets, publications and production flag to the
// stage to. A publication of a version with no nodes is left out and returned: publishing
// such a version is refused now (checkHasNodes), and one published before could only fail.
// With resume (finishing a rename that did not finish) a value, secret or publication to
// has already is kept (the first attempt copied it, or it was changed since); a
// publication's schedule is put onto to all the same (the first attempt may have failed
// there).
func (h *Handler) copyStage(ctx context.Context, k store.ProjectKey, from, to string, production, resume bool) ([]SkippedBinding, error) {
	vars, err := h.st.ListEnvVars(ctx, k)
	if err != nil {
		return nil, err
	}
	for _, v := range vars {
		if _, have := v.Values[to]; have && resume {
			continue
		}
		if val, ok := v.Values[from]; ok {
			if err := h.st.SetEnvVar(ctx, k, v.Key, to, val); err != nil {
				return nil, err
			}
		}
	}
	secs, err := h.st.ListSecrets(ctx, k)
	if err != nil {
		return nil, err
	}
	for _, s := range secs {
		if !slices.Contains(s.Stages, from) || (resume && slices.Contains(s.Stages, to)) {
			continue
		}
		ct, err := h.st.GetSecretValue(ctx, k, s.Key, from)
		if err != nil {
			return nil, err
		}
		plain, err := h.box.OpenEncoded(ctx, ct, secrets.SecretContext(k.Tenant, k.Project, from, s.Key))
		if err != nil {
			return nil, fmt.Errorf("rename stage: open secret %s: %w", s.Key, err)
		}
		sealed, err := h.box.Seal(ctx, plain, secrets.SecretContext(k.Tenant, k.Project, to, s.Key))
		clear(plain)
		if err != nil {
			return nil, fmt.Errorf("rename stage: seal secret %s: %w", s.Key, err)
		}
		if err := h.st.SetSecret(ctx, k, s.Key, to, sealed.Encode()); err != nil {
			return nil, err
		}
	}
	bs, err := h.st.ListStageBindings(ctx, k, from)
	if err != nil {
		return nil, err
	}
	skipped := []SkippedBinding{}
	for _, b := range bs {
		skip, err := h.emptyBinding(ctx, k.Flow(b.Flow), b, from)
		if err != nil {
			return nil, err
		}
		if skip != nil {
			skipped = append(skipped, *skip)
			continue
		}
		// the same publication under the stage's new name: who published it and when stay
		if err := h.copyBinding(ctx, k.Flow(b.Flow), b, from, to, resume); err != nil {
			return nil, err
		}
		// a schedule flow fires on the new stage, as on publishing
		if err := h.syncSchedule(ctx, k.Flow(b.Flow), to); err != nil {
			h.log.ErrorContext(ctx, "rename stage: schedule sync", "flow", b.Flow, "stage", to, "err", err)
			return nil, schedulerUnavailable()
		}
	}
	if production {
		return skipped, h.st.SetProductionStage(ctx, k, to)
	}
	return skipped, nil
}

// copyBinding publishes b's version on to as it is published on from (who published it and
// when stay). With resume it leaves a publication to has already as it is.
func (h *Handler) copyBinding(ctx context.Context, fk store.FlowKey, b store.Binding, from, to string, resume bool) error {
	if resume {
		_, err := h.st.GetBinding(ctx, fk, to)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	_, err := h.st.Publish(ctx, store.PublishInput{Flow: fk, Stage: to, Version: b.Version, By: b.By,
		PublishedAt: b.PublishedAt, Message: "stage renamed from " + from})
	return err
}

// emptyBinding says why a publication is not carried over to a renamed stage when its
// version has no nodes (nil otherwise, also for a document that does not decode: compile
// at run time says what is wrong with it).
func (h *Handler) emptyBinding(ctx context.Context, fk store.FlowKey, b store.Binding, stage string) (*SkippedBinding, error) {
	v, err := h.st.GetVersion(ctx, fk, b.Version)
	if err != nil {
		return nil, fmt.Errorf("rename stage: read version %d of flow %s: %w", b.Version, b.Flow, err)
	}
	if doc, err := flow.Decode(v.Document); err != nil || len(doc.Nodes) > 0 {
		return nil, nil
	}
	f, err := h.st.GetFlow(ctx, fk)
	if err != nil {
		return nil, fmt.Errorf("rename stage: read flow %s: %w", b.Flow, err)
	}
	return &SkippedBinding{Flow: b.Flow, Name: f.Name, Version: b.Version, Reason: fmt.Sprintf(
		"version %d has no nodes, so a run of it could not start and every trigger request of it on stage %q failed; "+
			"it is no longer published: add the nodes it should run and publish it to the renamed stage", b.Version, stage)}, nil
}

// dropStage unpublishes and deletes a stage.
func (h *Handler) dropStage(ctx context.Context, k store.ProjectKey, stage string) error {
	if err := h.unpublishStage(ctx, k, stage); err != nil {
		return err
	}
	err := h.st.DeleteStage(ctx, k, stage)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
