package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Project states. A deleting project is invisible: its items are being
// removed and a repeated DeleteProject finishes the job.
const (
	stateActive   = "active"
	stateTrashed  = "trashed"
	stateDeleting = "deleting"
)

// MockStage is the reserved stage every project has: editor runs execute the
// draft on it.
const MockStage = "mock"

// Project is a tenant's project.
type Project struct {
	Tenant          string     `dynamodbav:"tenant"`
	ID              string     `dynamodbav:"project"`
	Name            string     `dynamodbav:"name"`
	Slug            string     `dynamodbav:"slug"`
	ProductionStage string     `dynamodbav:"production_stage"`
	CreatedAt       time.Time  `dynamodbav:"created_at"`
	UpdatedAt       time.Time  `dynamodbav:"updated_at"`
	TrashedAt       *time.Time `dynamodbav:"trashed_at"`
	// AllowPrivateNetwork lets the project's flows reach loopback, private,
	// link-local and cloud-metadata addresses (nodes still opt in with their
	// allow_private_network input). Off by default.
	AllowPrivateNetwork bool `dynamodbav:"allow_private_network,omitempty"`
}

// Key returns the project's key.
func (p Project) Key() ProjectKey { return ProjectKey{Tenant: p.Tenant, Project: p.ID} }

type projectRec struct {
	Item   string `dynamodbav:"kind"`
	State  string `dynamodbav:"state"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	Project
}

// SlugLookup is the deployment-wide slug → project mapping the router uses.
type SlugLookup struct {
	Slug    string `dynamodbav:"slug"`
	Tenant  string `dynamodbav:"tenant"`
	Project string `dynamodbav:"project"`
	// Trashed is true while the project is in the trash (serve nothing).
	Trashed bool `dynamodbav:"trashed"`
	// AllowPrivateNetwork mirrors the project's setting for the router.
	AllowPrivateNetwork bool `dynamodbav:"allow_private_network,omitempty"`
}

type slugRec struct {
	Item string `dynamodbav:"kind"`
	SlugLookup
}

// CreateProjectInput creates a project.
type CreateProjectInput struct {
	Name string
	Slug string
}

// CreateProject creates a project with its slug lookup and its mock stage,
// atomically. ErrSlugTaken when any project in the deployment has the slug;
// ErrNotFound when the tenant does not exist.
func (s *Store) CreateProject(ctx context.Context, tenant string, in CreateProjectInput) (Project, error) {
	op := fmt.Sprintf("create project in tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("name", in.Name, 100); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateSlug(in.Slug); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	id, err := s.newIDAt(now)
	if err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	p := Project{Tenant: tenant, ID: id, Name: in.Name, Slug: in.Slug, CreatedAt: now, UpdatedAt: now}
	pIt, err := s.projectItem(p, stateActive)
	if err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	sIt, err := marshal(slugRec{Item: kindSlug, SlugLookup: SlugLookup{Slug: in.Slug, Tenant: tenant, Project: id}},
		slugPK(in.Slug), skSlug)
	if err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	mock, err := s.stageItem(p.Key(), Stage{Name: MockStage, Position: 0, CreatedAt: now}, 0)
	if err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	tx.check(s.table, key(tenantPK(tenant), skTenant), "attribute_exists(PK)", nil, nil,
		fmt.Errorf("tenant %w", ErrNotFound))
	tx.put(s.table, pIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("project %w", ErrExists))
	tx.put(s.table, sIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("slug %q: %w", in.Slug, ErrSlugTaken))
	tx.put(s.table, mock, "", nil, nil, nil)
	if err := s.commit(ctx, op, &tx); err != nil {
		return Project{}, err
	}
	return p, nil
}

func (s *Store) projectItem(p Project, state string) (item, error) {
	return marshal(projectRec{
		Item: kindProject, State: state,
		GSI1PK: projectListPK(p.Tenant, state), GSI1SK: projectListSK(p.Name, p.ID),
		Project: p,
	}, projectPK(p.Key()), skProject)
}

// getProjectRec reads a project in any state.
func (s *Store) getProjectRec(ctx context.Context, op string, k ProjectKey, consistent bool) (projectRec, error) {
	it, err := s.get(ctx, op, "project", key(projectPK(k), skProject), consistent)
	if err != nil {
		return projectRec{}, err
	}
	var rec projectRec
	if err := unmarshal(it, &rec); err != nil {
		return projectRec{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec, nil
}

// GetProject reads a project (trashed ones too; TrashedAt tells).
func (s *Store) GetProject(ctx context.Context, k ProjectKey) (Project, error) {
	op := fmt.Sprintf("get project %s", k.Project)
	if err := k.validate(); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	rec, err := s.getProjectRec(ctx, op, k, false)
	if err != nil {
		return Project{}, err
	}
	if rec.State == stateDeleting {
		return Project{}, fmt.Errorf("%s: project %w", op, ErrNotFound)
	}
	return rec.Project, nil
}

func decodeProject(op string, it item) (Project, error) {
	var rec projectRec
	if err := unmarshal(it, &rec); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Project, nil
}

// ListProjects lists a tenant's active projects by name.
func (s *Store) ListProjects(ctx context.Context, tenant string, o ListOptions) (Page[Project], error) {
	return s.listProjects(ctx, tenant, stateActive, o)
}

// ListTrashedProjects lists a tenant's trashed projects by name.
func (s *Store) ListTrashedProjects(ctx context.Context, tenant string, o ListOptions) (Page[Project], error) {
	return s.listProjects(ctx, tenant, stateTrashed, o)
}

func (s *Store) listProjects(ctx context.Context, tenant, state string, o ListOptions) (Page[Project], error) {
	op := fmt.Sprintf("list %s projects of tenant %s", state, tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Page[Project]{}, fmt.Errorf("%s: %w", op, err)
	}
	return listPage(ctx, s, op, query{index: IndexGSI1, pk: projectListPK(tenant, state), forward: true}, o, decodeProject)
}

// RenameProject changes a project's display name.
func (s *Store) RenameProject(ctx context.Context, k ProjectKey, name string) error {
	op := fmt.Sprintf("rename project %s", k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("name", name, 100); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err := s.db.UpdateItem(ctx, updateInput(s.table, key(projectPK(k), skProject),
		"SET #n = :n, GSI1SK = :sk, updated_at = :now", "#state <> :deleting",
		names{"#n": "name", "#state": "state"},
		vals{":n": avS(name), ":sk": avS(projectListSK(name, k.Project)), ":now": avTime(s.clock()),
			":deleting": avS(stateDeleting)}))
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("%s: project %w", op, ErrNotFound)
	}
	return wrap(op, err)
}

// ResolveSlug finds the project a slug belongs to (the router's first read).
func (s *Store) ResolveSlug(ctx context.Context, slug string) (SlugLookup, error) {
	op := fmt.Sprintf("resolve slug %q", slug)
	if err := ValidateSlug(slug); err != nil {
		return SlugLookup{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "slug", key(slugPK(slug), skSlug), false)
	if err != nil {
		return SlugLookup{}, err
	}
	var rec slugRec
	if err := unmarshal(it, &rec); err != nil {
		return SlugLookup{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.SlugLookup, nil
}

// ChangeSlug gives a project a new slug: the old lookup is deleted and the
// new one created in one transaction. ErrSlugTaken when another project has it.
func (s *Store) ChangeSlug(ctx context.Context, k ProjectKey, slug string) error {
	op := fmt.Sprintf("change slug of project %s", k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateSlug(slug); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		if rec.State == stateDeleting {
			return fmt.Errorf("%s: project %w", op, ErrNotFound)
		}
		if rec.Slug == slug {
			return nil
		}
		now := s.clock()
		newIt, err := marshal(slugRec{Item: kindSlug, SlugLookup: SlugLookup{
			Slug: slug, Tenant: k.Tenant, Project: k.Project, Trashed: rec.State == stateTrashed,
			AllowPrivateNetwork: rec.AllowPrivateNetwork,
		}}, slugPK(slug), skSlug)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET slug = :new, updated_at = :now",
			"slug = :old AND #state = :state", names{"#state": "state"},
			vals{":new": avS(slug), ":old": avS(rec.Slug), ":now": avTime(now), ":state": avS(rec.State)}, nil)
		tx.del(s.table, key(slugPK(rec.Slug), skSlug), "tenant = :t AND #project = :p", names{"#project": "project"},
			vals{":t": avS(k.Tenant), ":p": avS(k.Project)}, nil)
		tx.put(s.table, newIt, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("slug %q: %w", slug, ErrSlugTaken))
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
}

// SetPrivateNetwork changes whether the project's flows may reach private
// networks, on the project and its slug lookup (the router's copy) in one
// transaction.
func (s *Store) SetPrivateNetwork(ctx context.Context, k ProjectKey, allow bool) error {
	op := fmt.Sprintf("set private network access of project %s", k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		if rec.State == stateDeleting {
			return fmt.Errorf("%s: project %w", op, ErrNotFound)
		}
		if rec.AllowPrivateNetwork == allow {
			return nil
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET allow_private_network = :a, updated_at = :now",
			"slug = :slug AND #state = :state", names{"#state": "state"},
			vals{":a": avBool(allow), ":now": avTime(s.clock()), ":slug": avS(rec.Slug), ":state": avS(rec.State)}, nil)
		tx.update(s.table, key(slugPK(rec.Slug), skSlug), "SET allow_private_network = :a",
			"tenant = :t AND #project = :p", names{"#project": "project"},
			vals{":a": avBool(allow), ":t": avS(k.Tenant), ":p": avS(k.Project)}, nil)
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
}

// TrashProject moves a project to the trash: it leaves the project list,
// keeps its slug, and the router stops serving it.
func (s *Store) TrashProject(ctx context.Context, k ProjectKey) error {
	return s.setProjectTrashed(ctx, k, true)
}

// RestoreProject brings a trashed project back.
func (s *Store) RestoreProject(ctx context.Context, k ProjectKey) error {
	return s.setProjectTrashed(ctx, k, false)
}

func (s *Store) setProjectTrashed(ctx context.Context, k ProjectKey, trash bool) error {
	from, to, verb := stateActive, stateTrashed, "trash"
	if !trash {
		from, to, verb = stateTrashed, stateActive, "restore"
	}
	op := fmt.Sprintf("%s project %s", verb, k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		switch rec.State {
		case to:
			return nil
		case stateDeleting:
			return fmt.Errorf("%s: project %w", op, ErrNotFound)
		}
		now := s.clock()
		trashedAt := types.AttributeValue(&types.AttributeValueMemberNULL{Value: true})
		if trash {
			trashedAt = avTime(now)
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject),
			"SET #state = :to, trashed_at = :tat, GSI1PK = :gpk, updated_at = :now",
			"#state = :from AND slug = :slug", names{"#state": "state"},
			vals{":to": avS(to), ":from": avS(from), ":tat": trashedAt, ":gpk": avS(projectListPK(k.Tenant, to)),
				":now": avTime(now), ":slug": avS(rec.Slug)}, nil)
		tx.update(s.table, key(slugPK(rec.Slug), skSlug), "SET trashed = :tr",
			"tenant = :t AND #project = :p", names{"#project": "project"},
			vals{":tr": avBool(trash), ":t": avS(k.Tenant), ":p": avS(k.Project)}, nil)
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
}

// DeleteProject permanently removes a project and everything under it: its
// slug lookup and API key lookups, stages, route tables, secrets, variables,
// flows with drafts, versions, bindings, routes, schedules, subscriptions,
// and runs with their node results and state. The first step (one
// transaction) hides the project and frees its slug; the rest runs in
// batches, so an interrupted delete leaves an invisible project that a
// repeated DeleteProject finishes.
func (s *Store) DeleteProject(ctx context.Context, k ProjectKey) error {
	op := fmt.Sprintf("delete project %s", k.Project)
	if err := k.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return err
		}
		if rec.State == stateDeleting {
			break
		}
		if attempt >= s.commitAttempts {
			return fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET #state = :to, GSI1PK = :gpk, updated_at = :now",
			"#state = :from AND slug = :slug", names{"#state": "state"},
			vals{":to": avS(stateDeleting), ":from": avS(rec.State), ":gpk": avS(projectListPK(k.Tenant, stateDeleting)),
				":now": avTime(s.clock()), ":slug": avS(rec.Slug)}, nil)
		tx.del(s.table, key(slugPK(rec.Slug), skSlug), "attribute_not_exists(PK) OR (tenant = :t AND #project = :p)", names{"#project": "project"},
			vals{":t": avS(k.Tenant), ":p": avS(k.Project)}, nil)
		err = s.commit(ctx, op, &tx)
		if err == nil {
			break
		}
		if !isRetry(err) {
			return err
		}
	}

	// API key lookups live outside the project's partitions.
	var refs, rest []item
	var flows []string
	err := s.queryAll(ctx, op, query{pk: projectPK(k), forward: true, consistent: true}, func(it item) error {
		sk := getS(it, attrSK)
		switch {
		case sk == skProject:
			// deleted last
		case hasPrefix(sk, preFlow):
			flows = append(flows, getS(it, "flow"))
		case hasPrefix(sk, preAPIKey):
			if h := getS(it, "hash"); h != "" {
				refs = append(refs, key(apiKeyRefPK(h), skAPIKeyRef))
			}
			rest = append(rest, keyOf(it))
		default:
			rest = append(rest, keyOf(it))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.deleteKeys(ctx, op+": api key lookups", refs); err != nil {
		return err
	}
	for _, f := range flows {
		if err := s.purgeFlow(ctx, k.Flow(f)); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := s.deleteKeys(ctx, op, rest); err != nil {
		return err
	}
	return s.deleteKeys(ctx, op, []item{key(projectPK(k), skProject)})
}

// checkProjectActive adds a check that the project exists and is active.
func (s *Store) checkProjectActive(tx *txn, k ProjectKey) {
	tx.check(s.table, key(projectPK(k), skProject), "#state = :active", names{"#state": "state"},
		vals{":active": avS(stateActive)}, fmt.Errorf("project %w (or not active)", ErrNotFound))
}
