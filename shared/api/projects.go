package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gosimple/slug"

	"polysynergy/shared/auth"
	"polysynergy/shared/awstrust"
	"polysynergy/shared/routing"
	"polysynergy/shared/store"
)

// ProjectView is a project.
type ProjectView struct {
	ID              string     `json:"id"`
	Tenant          string     `json:"tenant"`
	Name            string     `json:"name"`
	Slug            string     `json:"slug" doc:"Trigger hosts are {slug}-{stage}.<domain>"`
	ProductionStage string     `json:"production_stage,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	TrashedAt       *time.Time `json:"trashed_at,omitempty" doc:"Set while the project is in the trash"`
	// AllowPrivateNetwork: see UpdateProjectBody.
	AllowPrivateNetwork bool `json:"allow_private_network" doc:"Whether the project's flows may reach loopback, private, link-local and cloud-metadata addresses"`
	// AWSTrust is what a role in the user's AWS account must trust for the project's AWS
	// nodes to assume it (their role_arn input); GET project only.
	AWSTrust *AWSTrust `json:"aws_trust,omitempty" doc:"What a role in your AWS account must trust for this project's AWS nodes to assume it (role_arn); only in GET project"`
}

// AWSTrust is the trust a role in a user's account grants the platform for one project.
type AWSTrust struct {
	PrincipalARN string `json:"principal_arn,omitempty" doc:"The principal the role's trust policy allows: the platform account's root (only the platform's flow-running functions may assume roles there); absent where unknown (the local cloud, where your own credentials assume the role)"`
	ExternalID   string `json:"external_id" doc:"The external ID the platform sends for this project (sts:ExternalId); flows cannot set it"`
	TrustPolicy  string `json:"trust_policy,omitempty" doc:"The role's trust policy as JSON, ready to paste (when the principal is known)"`
}

// awsTrust is project p's AWSTrust.
func (h *Handler) awsTrust(p store.Project) *AWSTrust {
	t := &AWSTrust{PrincipalARN: h.cfg.AWSTrustPrincipal, ExternalID: awstrust.ExternalID(p.Tenant, p.ID)}
	if t.PrincipalARN != "" {
		t.TrustPolicy = awstrust.TrustPolicy(t.PrincipalARN, t.ExternalID)
	}
	return t
}

func projectView(p store.Project) ProjectView {
	return ProjectView{ID: p.ID, Tenant: p.Tenant, Name: p.Name, Slug: p.Slug, ProductionStage: p.ProductionStage,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), TrashedAt: utcPtr(p.TrashedAt),
		AllowPrivateNetwork: p.AllowPrivateNetwork}
}

// CreateProjectBody creates a project.
type CreateProjectBody struct {
	Name string `json:"name" minLength:"1" maxLength:"100"`
	// Slug is suggested from the name when empty.
	Slug string `json:"slug,omitempty" maxLength:"40" pattern:"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" patternDescription:"lowercase letters, digits and hyphens, starting and ending with a letter or digit" doc:"Lowercase letters, digits and hyphens (≤ 40), unique across the deployment; suggested from the name when absent"`
}

// UpdateProjectBody changes a project's name or slug.
type UpdateProjectBody struct {
	Name *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Slug *string `json:"slug,omitempty" minLength:"1" maxLength:"40" pattern:"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" patternDescription:"lowercase letters, digits and hyphens, starting and ending with a letter or digit"`
	// AllowPrivateNetwork lets the project's flows reach loopback, private,
	// link-local and cloud-metadata addresses (the SSRF guard of the HTTP,
	// AI, vector store, MCP and e-mail nodes); each node still opts in with
	// its allow_private_network input. Admins only.
	AllowPrivateNetwork *bool `json:"allow_private_network,omitempty" doc:"Let the project's flows reach private networks (admins only; nodes still opt in)"`
}

// SlugSuggestion answers whether a slug is free.
type SlugSuggestion struct {
	Slug      string `json:"slug"`
	Available bool   `json:"available"`
	// ReservedUntil is set when another tenant freed the slug recently (it is theirs until then).
	ReservedUntil *time.Time `json:"reserved_until,omitempty" doc:"When the slug, freed recently by another tenant's project, becomes free for anyone; until then it is theirs"`
}

func (h *Handler) registerProjects() {
	const tag = "Projects"
	register(h, endpoint{id: "listProjects", method: http.MethodGet, path: "/tenants/{tenant}/projects",
		summary: "List projects by name", tag: tag, scope: ScopeTenant, action: auth.ActionProjectRead},
		func(ctx context.Context, in *struct {
			TenantPath
			PageQuery
		}) (*Out[List[ProjectView]], error) {
			p, err := h.st.ListProjects(ctx, in.Tenant, in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[ProjectView]{Items: mapSlice(p.Items, projectView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "createProject", method: http.MethodPost, path: "/tenants/{tenant}/projects",
		summary: "Create a project (with its mock stage)", tag: tag, scope: ScopeTenant,
		action: auth.ActionProjectCreate, status: http.StatusCreated},
		func(ctx context.Context, in *struct {
			TenantPath
			Body CreateProjectBody
		}) (*Created[ProjectView], error) {
			p, err := h.createProject(ctx, in.Tenant, in.Body)
			if err != nil {
				return nil, err
			}
			return &Created[ProjectView]{Body: projectView(p)}, nil
		})
	register(h, endpoint{id: "checkProjectSlug", method: http.MethodGet, path: "/tenants/{tenant}/project-slug",
		summary: "Suggest a free slug for a name (the one creating the project without a slug would take), or check that a slug is free", tag: tag, scope: ScopeTenant,
		action: auth.ActionProjectRead},
		func(ctx context.Context, in *struct {
			TenantPath
			Name string `query:"name" maxLength:"100" doc:"Suggest a slug from this name"`
			Slug string `query:"slug" maxLength:"40" doc:"Check this slug"`
		}) (*Out[SlugSuggestion], error) {
			candidates := []string{in.Slug}
			if in.Slug == "" {
				if strings.TrimSpace(in.Name) == "" {
					return nil, invalidField("query.name", "give a name or a slug")
				}
				// the slugs a project created with this name tries, in order
				base := SuggestSlug(in.Name)
				candidates = []string{base, withSuffix(base, "2"), withSuffix(base, "3")}
			} else if err := checkSlug("query.slug", in.Slug); err != nil {
				return nil, err
			}
			var first store.SlugAvailability
			for i, s := range candidates {
				av, err := h.st.CheckSlug(ctx, s, in.Tenant)
				if err != nil {
					return nil, err
				}
				if av.Available {
					return ok(SlugSuggestion{Slug: s, Available: true})
				}
				if i == 0 {
					first = av
				}
			}
			return ok(SlugSuggestion{Slug: candidates[0], Available: false, ReservedUntil: utcPtr(first.ReservedUntil)})
		})
	register(h, endpoint{id: "getProject", method: http.MethodGet, path: "/tenants/{tenant}/projects/{project}",
		summary: "Get a project", tag: tag, scope: ScopeTenant, action: auth.ActionProjectRead},
		func(ctx context.Context, in *ProjectPath) (*Tagged[ProjectView], error) {
			p, err := h.st.GetProject(ctx, in.key())
			if err != nil {
				return nil, err
			}
			v := projectView(p)
			v.AWSTrust = h.awsTrust(p)
			return &Tagged[ProjectView]{ETag: h.projectETag(p), Body: v}, nil
		})
	register(h, endpoint{id: "updateProject", method: http.MethodPatch, path: "/tenants/{tenant}/projects/{project}",
		summary: "Rename a project, change its slug (409 when taken, or reserved: a slug another tenant's project left stays theirs for 30 days) or its private network access (admins); all in one change", tag: tag, scope: ScopeTenant,
		action: auth.ActionProjectUpdate, ifMatch: true},
		func(ctx context.Context, in *struct {
			ProjectPath
			IfMatchHeader
			Body UpdateProjectBody
		}) (*Tagged[ProjectView], error) {
			k := in.key()
			var errs []FieldError
			if in.Body.Name != nil {
				if err := checkName("body.name", *in.Body.Name, 100); err != nil {
					errs = append(errs, err.(*Problem).Errors...)
				}
			}
			if in.Body.Slug != nil {
				if err := checkSlug("body.slug", *in.Body.Slug); err != nil {
					errs = append(errs, err.(*Problem).Errors...)
				}
			}
			if len(errs) > 0 {
				return nil, invalidFields(errs)
			}
			match, err := h.projectMatch(ctx, k, in.IfMatch)
			if err != nil {
				return nil, err
			}
			cur := match
			if cur == nil {
				p, err := h.st.GetProject(ctx, k)
				if err != nil {
					return nil, err
				}
				cur = &p
			}
			// sending the switch unchanged (a client PATCHing back what it read) is no change
			setPrivate := in.Body.AllowPrivateNetwork != nil && *in.Body.AllowPrivateNetwork != cur.AllowPrivateNetwork
			if setPrivate {
				if role := principal(ctx).Role; role != auth.RoleAdmin {
					return nil, newProblem(http.StatusForbidden, TypeForbidden,
						fmt.Sprintf("changing allow_private_network needs role admin; you are %s in this tenant", role),
						FieldError{Location: "body.allow_private_network", Message: "needs role admin"})
				}
			}
			u := store.ProjectUpdate{Name: in.Body.Name, Slug: in.Body.Slug, Match: match}
			if setPrivate {
				u.AllowPrivateNetwork = in.Body.AllowPrivateNetwork
			}
			// one transaction: a refused change (a taken slug, a changed project) changes nothing
			p, err := h.st.UpdateProject(ctx, k, u)
			if err != nil {
				err = h.projectChanged(ctx, k, in.IfMatch, err)
				if in.Body.Slug != nil {
					err = h.slugTaken(ctx, k.Tenant, *in.Body.Slug, err)
				}
				return nil, err
			}
			return &Tagged[ProjectView]{ETag: h.projectETag(p), Body: projectView(p)}, nil
		})
	register(h, endpoint{id: "trashProject", method: http.MethodPost, path: "/tenants/{tenant}/projects/{project}/trash",
		summary: "Move a project to the trash: its routes and schedules stop, and it is read-only (reads work; changes answer 409) until restored", tag: tag, scope: ScopeTenant,
		action: auth.ActionProjectTrash, trashOK: true},
		func(ctx context.Context, in *ProjectPath) (*Tagged[ProjectView], error) {
			if err := h.st.TrashProject(ctx, in.key()); err != nil {
				return nil, err
			}
			// nothing of a trashed project fires; moving it to the trash again (it is
			// idempotent) retries a sync that failed
			if err := h.syncProjectSchedules(ctx, in.key(), false); err != nil {
				h.log.Error("trash project: take its schedules out of the scheduler", "project", in.Project, "err", err)
				return nil, schedulerUnavailable()
			}
			p, err := h.st.GetProjectConsistent(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return &Tagged[ProjectView]{ETag: h.projectETag(p), Body: projectView(p)}, nil
		})
	register(h, endpoint{id: "listTrash", method: http.MethodGet, path: "/tenants/{tenant}/trash",
		summary: "List trashed projects", tag: tag, scope: ScopeTenant, action: auth.ActionProjectRead},
		func(ctx context.Context, in *struct {
			TenantPath
			PageQuery
		}) (*Out[List[ProjectView]], error) {
			p, err := h.st.ListTrashedProjects(ctx, in.Tenant, in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[ProjectView]{Items: mapSlice(p.Items, projectView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "restoreProject", method: http.MethodPost, path: "/tenants/{tenant}/projects/{project}/restore",
		summary: "Restore a project from the trash: it takes changes again and its routes and schedules fire again", tag: tag, scope: ScopeTenant, action: auth.ActionProjectRestore, trashOK: true},
		func(ctx context.Context, in *ProjectPath) (*Tagged[ProjectView], error) {
			if err := h.st.RestoreProject(ctx, in.key()); err != nil {
				return nil, err
			}
			if err := h.syncProjectSchedules(ctx, in.key(), true); err != nil {
				h.log.Error("restore project: put its schedules back into the scheduler", "project", in.Project, "err", err)
				return nil, schedulerUnavailable()
			}
			p, err := h.st.GetProjectConsistent(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return &Tagged[ProjectView]{ETag: h.projectETag(p), Body: projectView(p)}, nil
		})
	register(h, endpoint{id: "deleteProject", method: http.MethodDelete, path: "/tenants/{tenant}/projects/{project}",
		summary: "Delete a project in the trash permanently with everything under it; 409 for a project not in the trash (move it there first)", tag: tag, scope: ScopeTenant,
		action: auth.ActionProjectDelete, status: statusNoContent, trashOK: true, ifMatch: true},
		func(ctx context.Context, in *struct {
			ProjectPath
			IfMatchHeader
		}) (*Empty, error) {
			match, err := h.projectMatch(ctx, in.key(), in.IfMatch)
			if err != nil {
				return nil, err
			}
			// one request must not lose an active project with all its flows and runs: it goes
			// to the trash first, where it can still be restored. A project not found (gone, or
			// left half deleted by an interrupted delete) is left to the store, which finishes it.
			var p store.Project
			if match != nil {
				p = *match
			} else {
				p, err = h.st.GetProject(ctx, in.key())
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if err == nil && p.TrashedAt == nil {
				return nil, conflict(TypeConflict, fmt.Sprintf("project %q is not in the trash: move the project to the trash first (it can be restored from there), then delete it permanently", p.Name),
					FieldError{Location: "path.project", Message: "is not in the trash: POST …/trash first"})
			}
			if err == nil {
				// a project trashed before its schedules left the scheduler with it
				if err := h.syncProjectSchedules(ctx, in.key(), false); err != nil {
					h.log.Error("delete project: take its schedules out of the scheduler", "project", in.Project, "err", err)
					return nil, schedulerUnavailable()
				}
			}
			return nil, h.projectChanged(ctx, in.key(), in.IfMatch, h.st.DeleteProjectIf(ctx, in.key(), match))
		})
}

// createProject creates a project; without a slug it suggests one from
// the name and, when that is taken, tries numbered and random variants.
func (h *Handler) createProject(ctx context.Context, tenant string, b CreateProjectBody) (store.Project, error) {
	var errs []FieldError
	if err := checkName("body.name", b.Name, 100); err != nil {
		errs = append(errs, err.(*Problem).Errors...)
	}
	if b.Slug != "" {
		if err := checkSlug("body.slug", b.Slug); err != nil {
			errs = append(errs, err.(*Problem).Errors...)
		}
	}
	if len(errs) > 0 {
		return store.Project{}, invalidFields(errs)
	}
	if b.Slug != "" {
		p, err := h.st.CreateProject(ctx, tenant, store.CreateProjectInput{Name: b.Name, Slug: b.Slug})
		return p, at("body", h.slugTaken(ctx, tenant, b.Slug, err))
	}
	base := SuggestSlug(b.Name)
	for i := 1; i <= 6; i++ {
		s := base
		switch {
		case i > 1 && i <= 3:
			s = withSuffix(base, fmt.Sprint(i))
		case i > 3:
			s = withSuffix(base, randomSuffix())
		}
		p, err := h.st.CreateProject(ctx, tenant, store.CreateProjectInput{Name: b.Name, Slug: s})
		if errors.Is(err, store.ErrSlugTaken) {
			continue
		}
		return p, at("body", err)
	}
	return store.Project{}, conflict(TypeSlugTaken, "no free slug was found for the name; give one",
		FieldError{Location: "body.slug", Message: "every suggestion is taken"})
}

// slugTaken explains ErrSlugTaken when the slug belongs to one of the tenant's own projects
// in the trash (which keeps its slug until it is deleted for good); other errors, and a slug
// of another tenant, pass unchanged.
func (h *Handler) slugTaken(ctx context.Context, tenant, slug string, err error) error {
	if !errors.Is(err, store.ErrSlugTaken) {
		return err
	}
	l, lerr := h.st.ResolveSlug(ctx, slug)
	if lerr != nil || l.Tenant != tenant || !l.Trashed {
		return err
	}
	name := l.Project
	if p, perr := h.st.GetProject(ctx, store.ProjectKey{Tenant: tenant, Project: l.Project}); perr == nil {
		name = p.Name
	}
	return conflict(TypeSlugTaken, fmt.Sprintf("the slug belongs to project %q, which is in the trash; restore it, delete it for good, or choose another slug", name),
		FieldError{Location: "body.slug", Message: fmt.Sprintf("is taken by project %q in the trash", name)})
}

// checkSlug validates a project slug for both the store and the router.
func checkSlug(location, s string) error {
	if err := store.ValidateSlug(s); err != nil {
		var ve *store.ValidationError
		if errors.As(err, &ve) {
			return invalidField(location, "%s", ve.Reason)
		}
		return invalidField(location, "%v", err)
	}
	if err := routing.ValidateProjectSlug(s); err != nil {
		return invalidField(location, "%v", err)
	}
	return nil
}

// SuggestSlug turns a project name into a valid slug: transliterated,
// lowercase, hyphen-separated, at most 40 characters ("project" when
// nothing is left).
func SuggestSlug(name string) string {
	s := slug.Make(name)
	s = strings.ReplaceAll(s, "_", "-")
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			if r == '-' && strings.HasSuffix(b.String(), "-") {
				continue
			}
			b.WriteRune(r)
		}
	}
	s = strings.Trim(b.String(), "-")
	if len(s) > store.MaxSlugLen {
		s = s[:store.MaxSlugLen]
		if i := strings.LastIndexByte(s, '-'); i >= store.MaxSlugLen/2 {
			s = s[:i]
		}
		s = strings.Trim(s, "-")
	}
	if s == "" || checkSlug("slug", s) != nil {
		return "project"
	}
	return s
}

// withSuffix appends "-suffix", shortening base to stay within 40.
func withSuffix(base, suffix string) string {
	max := store.MaxSlugLen - len(suffix) - 1
	if len(base) > max {
		base = strings.TrimRight(base[:max], "-")
	}
	return base + "-" + suffix
}

func randomSuffix() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [5]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
