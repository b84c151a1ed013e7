package api

import (
	"context"
	"errors"
	"fmt"

	"polysynergy/shared/store"
)

// trashRuleDoc is the trash rule as the OpenAPI document states it on every operation
// it applies to.
const trashRuleDoc = "A project in the trash is read-only: this operation answers 409 (at path.project) " +
	"until the project is restored with POST /tenants/{tenant}/projects/{project}/restore."

// startTrashCheck begins reading the path's project for an operation that a project in
// the trash refuses (meta.changesProject), alongside the membership check; the returned
// func waits for the read and gives the 409 for a trashed project. It answers nil for
// other operations and for a project that is not found (the operation says so itself).
// The read is under the path's tenant and nothing of it reaches a caller whose membership
// check fails, so starting it early leaks nothing.
func (h *Handler) startTrashCheck(ctx context.Context, meta opMeta, tenant, project string) func() *Problem {
	if !meta.changesProject {
		return func() *Problem { return nil }
	}
	ch := make(chan *Problem, 1)
	go func() { ch <- h.trashCheck(ctx, store.ProjectKey{Tenant: tenant, Project: project}) }()
	return func() *Problem { return <-ch }
}

// trashCheck is the one check of the trash rule (see readOnlyInTrash).
func (h *Handler) trashCheck(ctx context.Context, k store.ProjectKey) *Problem {
	p, err := h.st.GetProject(ctx, k)
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid):
		return nil
	case err != nil:
		return toProblem(ctx, h.log, fmt.Errorf("check whether the project is in the trash: %w", err))
	case p.TrashedAt != nil:
		return inTrashProblem(p)
	}
	return nil
}

// inTrashProblem is the 409 for a change to a project in the trash: it says so and how to
// go on.
func inTrashProblem(p store.Project) *Problem {
	return conflict(TypeConflict, fmt.Sprintf("project %q is in the trash; restore it to change it "+
		"(POST %s/tenants/%s/projects/%s/restore); until then it is read-only", p.Name, Prefix, p.Tenant, p.ID),
		FieldError{Location: "path.project", Message: "is in the trash (read-only until restored)"})
}

// inTrash explains a store ErrNotFound from adding something to a project, for a project
// moved to the trash after the trash check passed: the same 409; otherwise err.
func (h *Handler) inTrash(ctx context.Context, k store.ProjectKey, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p, gerr := h.st.GetProject(ctx, k)
	if gerr != nil || p.TrashedAt == nil {
		return err
	}
	return inTrashProblem(p)
}

// syncProjectSchedules takes every published schedule of a project out of EventBridge
// Scheduler (on false: the project went to the trash, where nothing of it fires) or puts it
// back (on true: restored). No-op without a Scheduler (the local cloud's scheduler leaves
// out the schedules of trashed projects itself).
func (h *Handler) syncProjectSchedules(ctx context.Context, k store.ProjectKey, on bool) error {
	if h.cfg.Scheduler == nil {
		return nil
	}
	cursor := ""
	for {
		page, err := h.st.ListFlows(ctx, k, store.ListFlowsOptions{Kind: store.KindSchedule,
			ListOptions: store.ListOptions{Cursor: cursor, Limit: store.MaxLimit}})
		if err != nil {
			return fmt.Errorf("list the project's schedule flows: %w", err)
		}
		for _, f := range page.Items {
			fk := k.Flow(f.ID)
			if on {
				if err := h.resyncSchedule(ctx, fk); err != nil {
					return err
				}
				continue
			}
			bs, err := h.st.ListFlowBindings(ctx, fk)
			if err != nil {
				return fmt.Errorf("list where schedule flow %s is published: %w", f.ID, err)
			}
			for _, b := range bs {
				if err := h.unsyncSchedule(ctx, fk, b.Stage); err != nil {
					return err
				}
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}
