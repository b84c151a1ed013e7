package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// StagesRev counts the writes that add a stage to the project and the conditional
	// writes of its stage list (StageList), so that such a write notices a stage added
	// since the list was read. Absent until the first (0).
	StagesRev int `dynamodbav:"stages_rev,omitempty"`
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
	// ReservedUntil (epoch seconds) marks a slug no project has any more: it was freed by
	// a slug change or a project's deletion, and until then only Tenant may claim it (so no
	// one else receives the trigger requests still sent to its hosts). Claims check it, so
	// an expired reservation is claimable whether or not DynamoDB's TTL has removed it.
	ReservedUntil int64 `dynamodbav:"reserved_until,omitempty"`
	// ExpiresAt lets DynamoDB's TTL remove an expired reservation.
	ExpiresAt int64 `dynamodbav:"expires_at,omitempty"`
}

// SlugReservation is how long a slug freed by a slug change or a project's deletion stays
// reserved for the tenant that freed it: long enough for the senders of its trigger
// requests (webhooks, integrations) to be moved to the new hosts or switched off, without
// any other tenant receiving them meanwhile. The tenant may take it back at once.
const SlugReservation = 30 * 24 * time.Hour

// SlugReservedError is ErrSlugTaken for a slug reserved for another tenant: Until is when
// anyone may claim it.
type SlugReservedError struct {
	Slug  string
	Until time.Time
}

// Error implements error.
func (e *SlugReservedError) Error() string {
	return fmt.Sprintf("slug %q is reserved for the tenant that used it until %s", e.Slug, e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrSlugTaken) true.
func (e *SlugReservedError) Is(target error) bool { return target == ErrSlugTaken }

// claimSlugCond is the condition under which tenant may put its lookup item on a slug: no
// item, or a reservation that is tenant's own or has expired by now.
func claimSlugCond(tenant string, now time.Time) (string, names, vals) {
	return "attribute_not_exists(PK) OR (attribute_exists(#ru) AND (#cTenant = :cTenant OR #ru <= :cNow))",
		names{"#ru": "reserved_until", "#cTenant": "tenant"}, vals{":cTenant": avS(tenant), ":cNow": avN(now.Unix())}
}

// reservationItem is the item that keeps a freed slug for tenant until until.
func reservationItem(slug, tenant string, until time.Time) (item, error) {
	return marshal(slugRec{Item: kindSlug, SlugLookup: SlugLookup{Slug: slug, Tenant: tenant},
		ReservedUntil: until.Unix(), ExpiresAt: until.Unix()}, slugPK(slug), skSlug)
}

// slugTakenError explains why tenant could not claim slug: a *SlugReservedError when
// another tenant's unexpired reservation holds it, else plain ErrSlugTaken.
func (s *Store) slugTakenError(ctx context.Context, slug, tenant string) error {
	plain := fmt.Errorf("slug %q: %w", slug, ErrSlugTaken)
	it, err := s.get(ctx, "read slug "+slug, "slug", key(slugPK(slug), skSlug), true)
	if err != nil {
		return plain
	}
	var rec slugRec
	if unmarshal(it, &rec) != nil || rec.ReservedUntil == 0 || rec.Tenant == tenant {
		return plain
	}
	until := time.Unix(rec.ReservedUntil, 0).UTC()
	if !s.clock().Before(until) {
		return plain // expired meanwhile: whoever claims it next gets it
	}
	return &SlugReservedError{Slug: slug, Until: until}
}

// SlugAvailability is whether a tenant may claim a slug, and if not, why.
type SlugAvailability struct {
	Available bool
	// ReservedUntil is set when another tenant's reservation holds the slug.
	ReservedUntil *time.Time
}

// CheckSlug says whether tenant may claim slug now: free, or reserved for tenant, or
// reserved for another tenant until a time that has passed.
func (s *Store) CheckSlug(ctx context.Context, slug, tenant string) (SlugAvailability, error) {
	op := fmt.Sprintf("check slug %q", slug)
	if err := ValidateSlug(slug); err != nil {
		return SlugAvailability{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "slug", key(slugPK(slug), skSlug), false)
	if isNotFound(err) {
		return SlugAvailability{Available: true}, nil
	}
	if err != nil {
		return SlugAvailability{}, err
	}
	var rec slugRec
	if err := unmarshal(it, &rec); err != nil {
		return SlugAvailability{}, fmt.Errorf("%s: %w", op, err)
	}
	if rec.ReservedUntil == 0 {
		return SlugAvailability{}, nil
	}
	until := time.Unix(rec.ReservedUntil, 0).UTC()
	if rec.Tenant == tenant || !s.clock().Before(until) {
		return SlugAvailability{Available: true}, nil
	}
	return SlugAvailability{ReservedUntil: &until}, nil
}

// CreateProjectInput creates a project.
type CreateProjectInput struct {
	Name string
	Slug string
}

// errSlugClaim marks a failed slug claim inside a transaction (told apart by slugTakenError).
var errSlugClaim = errors.New("slug claimed")

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
	cond, cn, cv := claimSlugCond(tenant, now)
	tx.put(s.table, sIt, cond, cn, cv, errSlugClaim)
	tx.put(s.table, mock, "", nil, nil, nil)
	if err := s.commit(ctx, op, &tx); err != nil {
		if errors.Is(err, errSlugClaim) {
			return Project{}, fmt.Errorf("%s: %w", op, s.slugTakenError(ctx, in.Slug, tenant))
		}
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
	// GSI1SK is the name and id (projectListSK): a cursor's project restored, trashed or
	// deleted since stays a place in the list
	return listPage(ctx, s, op, query{index: IndexGSI1, pk: projectListPK(tenant, state), forward: true, uniqueSK: true}, o, decodeProject)
}

// RenameProject changes a project's display name.
func (s *Store) RenameProject(ctx context.Context, k ProjectKey, name string) error {
	_, err := s.UpdateProject(ctx, k, ProjectUpdate{Name: &name})
	return err
}

// ProjectUpdate changes a project; nil fields are left alone.
type ProjectUpdate struct {
	Name *string
	// Slug moves the project to another slug; the old one stays reserved for the tenant
	// for SlugReservation. ErrSlugTaken when another project has it (a *SlugReservedError
	// when another tenant's reservation holds it).
	Slug                *string
	AllowPrivateNetwork *bool
	// Match, when set, makes the update conditional: it happens only while the project is
	// still as read (every attribute its representation shows), ErrChanged otherwise.
	Match *Project
}

// UpdateProject changes a project's name, slug and private network access in one
// transaction (with its slug lookup and the reservation of a slug it leaves), and returns
// the project as it is then.
func (s *Store) UpdateProject(ctx context.Context, k ProjectKey, u ProjectUpdate) (Project, error) {
	op := fmt.Sprintf("update project %s", k.Project)
	if err := k.validate(); err != nil {
		return Project{}, fmt.Errorf("%s: %w", op, err)
	}
	if u.Name != nil {
		if err := checkName("name", *u.Name, 100); err != nil {
			return Project{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	if u.Slug != nil {
		if err := ValidateSlug(*u.Slug); err != nil {
			return Project{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		rec, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return Project{}, err
		}
		if rec.State == stateDeleting {
			return Project{}, fmt.Errorf("%s: project %w", op, ErrNotFound)
		}
		// the write is conditioned on the project being as read (retry when it changed
		// meanwhile), or as the caller read it (ErrChanged)
		base, changed := rec.Project, error(nil)
		if u.Match != nil {
			base, changed = *u.Match, ErrChanged
			if !sameProject(rec.Project, base) {
				return Project{}, fmt.Errorf("%s: project %w", op, ErrChanged)
			}
		}
		now := s.clock()
		set := []string{"updated_at = :now"}
		n, v := names{}, vals{":now": avTime(now)}
		newName := u.Name != nil && *u.Name != rec.Name
		newSlug := u.Slug != nil && *u.Slug != rec.Slug
		allow := rec.AllowPrivateNetwork
		newAllow := u.AllowPrivateNetwork != nil && *u.AllowPrivateNetwork != allow
		if !newName && !newSlug && !newAllow {
			return rec.Project, nil
		}
		if newName {
			set = append(set, "#n = :n", "GSI1SK = :sk")
			n["#n"] = "name"
			v[":n"] = avS(*u.Name)
			v[":sk"] = avS(projectListSK(*u.Name, k.Project))
		}
		if newSlug {
			set = append(set, "slug = :slug")
			v[":slug"] = avS(*u.Slug)
		}
		if newAllow {
			allow = *u.AllowPrivateNetwork
			set = append(set, "allow_private_network = :a")
			v[":a"] = avBool(allow)
		}
		cond := projectCond(base, n, v)
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET "+strings.Join(set, ", "), cond, n, v, changed)
		own := vals{":t": avS(k.Tenant), ":p": avS(k.Project)}
		if newSlug {
			res, err := reservationItem(rec.Slug, k.Tenant, now.Add(SlugReservation))
			if err != nil {
				return Project{}, fmt.Errorf("%s: %w", op, err)
			}
			tx.put(s.table, res, "tenant = :t AND #project = :p", names{"#project": "project"}, own, nil)
			newIt, err := marshal(slugRec{Item: kindSlug, SlugLookup: SlugLookup{
				Slug: *u.Slug, Tenant: k.Tenant, Project: k.Project, Trashed: rec.State == stateTrashed,
				AllowPrivateNetwork: allow,
			}}, slugPK(*u.Slug), skSlug)
			if err != nil {
				return Project{}, fmt.Errorf("%s: %w", op, err)
			}
			cc, cn, cv := claimSlugCond(k.Tenant, now)
			tx.put(s.table, newIt, cc, cn, cv, errSlugClaim)
		} else if newAllow {
			tx.update(s.table, key(slugPK(rec.Slug), skSlug), "SET allow_private_network = :a",
				"tenant = :t AND #project = :p", names{"#project": "project"},
				vals{":a": avBool(allow), ":t": own[":t"], ":p": own[":p"]}, nil)
		}
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		if errors.Is(err, errSlugClaim) {
			return Project{}, fmt.Errorf("%s: %w", op, s.slugTakenError(ctx, *u.Slug, k.Tenant))
		}
		if err != nil {
			return Project{}, err
		}
		out, err := s.getProjectRec(ctx, op, k, true)
		if err != nil {
			return Project{}, err
		}
		return out.Project, nil
	}
	return Project{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "project"})
}

// sameProject reports whether two reads of a project show the same state (what
// projectCond checks).
func sameProject(a, b Project) bool {
	return a.Name == b.Name && a.Slug == b.Slug && a.ProductionStage == b.ProductionStage &&
		a.UpdatedAt.Equal(b.UpdatedAt) && (a.TrashedAt == nil) == (b.TrashedAt == nil) &&
		a.AllowPrivateNetwork == b.AllowPrivateNetwork
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
	if rec.ReservedUntil != 0 {
		// a reserved slug belongs to no project: nothing is served on its hosts
		return SlugLookup{}, fmt.Errorf("%s: slug %w (reserved)", op, ErrNotFound)
	}
	return rec.SlugLookup, nil
}

// ChangeSlug gives a project a new slug: the new lookup is created and the old one
// becomes a reservation for the tenant (SlugReservation) in one transaction. ErrSlugTaken
// when another project has it, a *SlugReservedError when another tenant's reservation does.
func (s *Store) ChangeSlug(ctx context.Context, k ProjectKey, slug string) error {
	_, err := s.UpdateProject(ctx, k, ProjectUpdate{Slug: &slug})
	return err
}

// SetPrivateNetwork changes whether the project's flows may reach private
// networks, on the project and its slug lookup (the router's copy) in one
// transaction.
func (s *Store) SetPrivateNetwork(ctx context.Context, k ProjectKey, allow bool) error {
	_, err := s.UpdateProject(ctx, k, ProjectUpdate{AllowPrivateNetwork: &allow})
	return err
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
// slug lookup (which becomes a reservation of the slug for the tenant, SlugReservation)
// and API key lookups, stages, route tables, secrets, variables,
// flows with drafts, versions, bindings, routes, schedules, subscriptions,
// and runs with their node results and state. The first step (one
// transaction) hides the project and frees its slug; the rest runs in
// batches, so an interrupted delete leaves an invisible project that a
// repeated DeleteProject finishes.
func (s *Store) DeleteProject(ctx context.Context, k ProjectKey) error {
	return s.DeleteProjectIf(ctx, k, nil)
}

// DeleteProjectIf is DeleteProject that, with m, starts only while the project is as m
// says (ErrChanged otherwise, and nothing is deleted). A delete already started is
// finished whatever m says.
func (s *Store) DeleteProjectIf(ctx context.Context, k ProjectKey, m *Project) error {
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
		now := s.clock()
		cond, n := "#state = :from AND slug = :slug", names{"#state": "state"}
		v := vals{":to": avS(stateDeleting), ":from": avS(rec.State), ":gpk": avS(projectListPK(k.Tenant, stateDeleting)),
			":now": avTime(now), ":slug": avS(rec.Slug)}
		var changed error // nil: changed meanwhile, read again and retry
		if m != nil {
			if !sameProject(rec.Project, *m) {
				return fmt.Errorf("%s: project %w", op, ErrChanged)
			}
			cond += " AND " + projectCond(*m, n, v)
			changed = ErrChanged
		}
		var tx txn
		tx.update(s.table, key(projectPK(k), skProject), "SET #state = :to, GSI1PK = :gpk, updated_at = :now",
			cond, n, v, changed)
		// the slug stays the tenant's for a while: whoever still sends trigger requests to
		// its hosts reaches no other tenant's project
		res, err := reservationItem(rec.Slug, k.Tenant, now.Add(SlugReservation))
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		tx.put(s.table, res, "attribute_not_exists(PK) OR (tenant = :t AND #project = :p)", names{"#project": "project"},
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
