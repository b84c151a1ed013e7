package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Role is a member's role in a tenant.
type Role string

// Roles.
const (
	RoleAdmin  Role = "admin"
	RoleEditor Role = "editor"
	RoleViewer Role = "viewer"
)

func checkRole(r Role) error {
	return checkOneOf("role", string(r), string(RoleAdmin), string(RoleEditor), string(RoleViewer))
}

// Item kinds, stored in every item's "kind" attribute.
const (
	kindTenant     = "tenant"
	kindUser       = "user"
	kindEmail      = "email"
	kindMember     = "member"
	kindInvite     = "invitation"
	kindProject    = "project"
	kindSlug       = "slug"
	kindStage      = "stage"
	kindRouteTable = "route_table"
	kindFlow       = "flow"
	kindDraft      = "draft"
	kindVersion    = "version"
	kindRoute      = "route"
	kindSchedule   = "schedule"
	kindBinding    = "binding"
	kindSecret     = "secret"
	kindEnv        = "env"
	kindAPIKey     = "api_key"
	kindAPIKeyRef  = "api_key_ref"
	kindRun        = "run"
	kindNode       = "node_result"
	kindRunState   = "run_state"
	kindConn       = "connection"
	kindSub        = "subscription"
)

// Tenant is an organisation owning projects.
type Tenant struct {
	ID        string    `dynamodbav:"tenant"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

type tenantRec struct {
	Item string `dynamodbav:"kind"`
	Tenant
}

// User is a person's profile, keyed by the identity provider's subject.
type User struct {
	Sub       string    `dynamodbav:"sub"`
	Email     string    `dynamodbav:"email"`
	Name      string    `dynamodbav:"name"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

type userRec struct {
	Item string `dynamodbav:"kind"`
	User
}

type emailRec struct {
	Item  string `dynamodbav:"kind"`
	Email string `dynamodbav:"email"`
	Sub   string `dynamodbav:"sub"`
}

// Membership is a user in a tenant with a role.
type Membership struct {
	Tenant    string    `dynamodbav:"tenant"`
	Sub       string    `dynamodbav:"sub"`
	Role      Role      `dynamodbav:"role"`
	Email     string    `dynamodbav:"email,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

type memberRec struct {
	Item   string `dynamodbav:"kind"`
	GSI1PK string `dynamodbav:"GSI1PK"`
	GSI1SK string `dynamodbav:"GSI1SK"`
	Membership
}

// Invitation lets whoever signs in with Email join Tenant with Role.
type Invitation struct {
	Tenant    string    `dynamodbav:"tenant"`
	Email     string    `dynamodbav:"email"`
	Role      Role      `dynamodbav:"role"`
	InvitedBy string    `dynamodbav:"invited_by,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	ExpiresAt time.Time `dynamodbav:"-"`
	// Rev counts the writes of the invitation to its address (each invitation again), so
	// that a conditional write (CreateInvitationIf, DeleteInvitationIf) notices one in
	// between. Absent on invitations written before it was kept (0).
	Rev int `dynamodbav:"rev"`
}

type inviteRec struct {
	Item      string `dynamodbav:"kind"`
	GSI1PK    string `dynamodbav:"GSI1PK"`
	GSI1SK    string `dynamodbav:"GSI1SK"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
	Invitation
}

// CreateTenantInput creates a tenant with its first admin.
type CreateTenantInput struct {
	Name       string
	OwnerSub   string
	OwnerEmail string
	// Personal makes it the owner's personal tenant, made on a sign-in that finds the user
	// in none: of creations racing for one user (first requests arriving together) one
	// succeeds and the others get ErrPersonalTenant, for PersonalTenantWindow.
	Personal bool
}

// PersonalTenantWindow is how long a user's personal tenant creation keeps others for the
// same user from succeeding (long enough for the racing requests to see its membership;
// a user who later belongs to no tenant can get a new one).
const PersonalTenantWindow = time.Minute

// skPersonal is the claim, under the user, of a personal tenant being made.
const skPersonal = "PERSONAL_TENANT"

// CreateTenant creates a tenant and makes the owner its admin, atomically.
func (s *Store) CreateTenant(ctx context.Context, in CreateTenantInput) (Tenant, error) {
	const op = "create tenant"
	if err := checkName("name", in.Name, 100); err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("owner_sub", in.OwnerSub); err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	email := ""
	if in.OwnerEmail != "" {
		var err error
		if email, err = normEmail("owner_email", in.OwnerEmail); err != nil {
			return Tenant{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	now := s.clock()
	id, err := s.newIDAt(now)
	if err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	t := Tenant{ID: id, Name: in.Name, CreatedAt: now}
	tIt, err := marshal(tenantRec{Item: kindTenant, Tenant: t}, tenantPK(id), skTenant)
	if err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	m := Membership{Tenant: id, Sub: in.OwnerSub, Role: RoleAdmin, Email: email, CreatedAt: now}
	mIt, err := s.memberItem(m)
	if err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	tx.put(s.table, tIt, "attribute_not_exists(PK)", nil, nil, ErrExists)
	tx.put(s.table, mIt, "", nil, nil, nil)
	if in.Personal {
		claim := key(userPK(in.OwnerSub), skPersonal)
		claim["kind"] = avS("personal_tenant_claim")
		claim["tenant"] = avS(id)
		claim[attrTTL] = avN(now.Add(PersonalTenantWindow).Unix())
		tx.put(s.table, claim, "attribute_not_exists(PK) OR #exp < :now", names{"#exp": attrTTL},
			vals{":now": avN(now.Unix())}, ErrPersonalTenant)
	}
	if err := s.commit(ctx, op, &tx); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// GetTenant reads a tenant.
func (s *Store) GetTenant(ctx context.Context, id string) (Tenant, error) {
	return s.getTenant(ctx, id, false)
}

func (s *Store) getTenant(ctx context.Context, id string, consistent bool) (Tenant, error) {
	op := fmt.Sprintf("get tenant %s", id)
	if err := checkID("tenant", id); err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "tenant", key(tenantPK(id), skTenant), consistent)
	if err != nil {
		return Tenant{}, err
	}
	var rec tenantRec
	if err := unmarshal(it, &rec); err != nil {
		return Tenant{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Tenant, nil
}

// RenameTenant changes a tenant's name.
func (s *Store) RenameTenant(ctx context.Context, id, name string) error {
	return s.RenameTenantIf(ctx, id, name, nil)
}

// RenameTenantIf is RenameTenant that, with match, renames only while the tenant still has
// match's name (its only attribute that changes): ErrChanged otherwise.
func (s *Store) RenameTenantIf(ctx context.Context, id, name string, match *Tenant) error {
	op := fmt.Sprintf("rename tenant %s", id)
	if err := checkID("tenant", id); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkName("name", name, 100); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if match == nil {
		return s.updateExisting(ctx, op, "tenant", key(tenantPK(id), skTenant),
			"SET #n = :n", names{"#n": "name"}, vals{":n": avS(name)})
	}
	_, err := s.db.UpdateItem(ctx, updateInput(s.table, key(tenantPK(id), skTenant), "SET #n = :n",
		"attribute_exists(PK) AND #n = :old", names{"#n": "name"}, vals{":n": avS(name), ":old": avS(match.Name)}))
	if _, ok := isConditionFailed(err); ok {
		if _, gerr := s.GetTenantConsistent(ctx, id); gerr != nil {
			return gerr
		}
		return fmt.Errorf("%s: tenant %w", op, ErrChanged)
	}
	return wrap(op, err)
}

// GetTenantConsistent reads a tenant with a strongly consistent read (what a conditional
// write compares against).
func (s *Store) GetTenantConsistent(ctx context.Context, id string) (Tenant, error) {
	return s.getTenant(ctx, id, true)
}

// updateExisting runs an UpdateItem that requires the item to exist.
func (s *Store) updateExisting(ctx context.Context, op, what string, k item, update string, n names, v vals) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: k, UpdateExpression: aws.String(update),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("%s: %s %w", op, what, ErrNotFound)
	}
	return wrap(op, err)
}

// PutUser creates or updates a user's profile and keeps the e-mail → sub
// lookup in step (the newest sign-in with an address owns it).
func (s *Store) PutUser(ctx context.Context, u User) (User, error) {
	op := fmt.Sprintf("put user %s", u.Sub)
	if err := checkID("sub", u.Sub); err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	email, err := normEmail("email", u.Email)
	if err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	if u.Name != "" {
		if err := checkName("name", u.Name, 200); err != nil {
			return User{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	u.Email = email
	u.UpdatedAt = s.clock()
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		old, err := s.GetUser(ctx, u.Sub)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return User{}, err
		}
		uIt, err := marshal(userRec{Item: kindUser, User: u}, userPK(u.Sub), skProfile)
		if err != nil {
			return User{}, fmt.Errorf("%s: %w", op, err)
		}
		eIt, err := marshal(emailRec{Item: kindEmail, Email: email, Sub: u.Sub}, emailPK(email), skEmail)
		if err != nil {
			return User{}, fmt.Errorf("%s: %w", op, err)
		}
		var tx txn
		if exists {
			tx.put(s.table, uIt, "email = :old", nil, vals{":old": avS(old.Email)}, nil)
		} else {
			tx.put(s.table, uIt, "attribute_not_exists(PK)", nil, nil, nil)
		}
		tx.put(s.table, eIt, "", nil, nil, nil)
		if exists && old.Email != email {
			tx.del(s.table, key(emailPK(old.Email), skEmail), "attribute_not_exists(PK) OR #sub = :sub",
				names{"#sub": "sub"}, vals{":sub": avS(u.Sub)}, nil)
		}
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		if err != nil {
			return User{}, err
		}
		return u, nil
	}
	return User{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "user profile"})
}

// GetUser reads a user's profile.
func (s *Store) GetUser(ctx context.Context, sub string) (User, error) {
	op := fmt.Sprintf("get user %s", sub)
	if err := checkID("sub", sub); err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "user", key(userPK(sub), skProfile), true)
	if err != nil {
		return User{}, err
	}
	var rec userRec
	if err := unmarshal(it, &rec); err != nil {
		return User{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.User, nil
}

// LookupEmail returns the subject of the user with that e-mail address.
func (s *Store) LookupEmail(ctx context.Context, email string) (string, error) {
	op := "look up e-mail"
	e, err := normEmail("email", email)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "e-mail", key(emailPK(e), skEmail), false)
	if err != nil {
		return "", err
	}
	return getS(it, "sub"), nil
}

func (s *Store) memberItem(m Membership) (item, error) {
	return marshal(memberRec{Item: kindMember, GSI1PK: userPK(m.Sub), GSI1SK: tenantPK(m.Tenant), Membership: m},
		tenantPK(m.Tenant), memberSK(m.Sub))
}

// AddMember adds a user to a tenant. ErrExists when already a member,
// ErrNotFound when the tenant does not exist.
func (s *Store) AddMember(ctx context.Context, m Membership) (Membership, error) {
	op := fmt.Sprintf("add member %s to tenant %s", m.Sub, m.Tenant)
	if err := checkID("tenant", m.Tenant); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", m.Sub); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkRole(m.Role); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	if m.Email != "" {
		e, err := normEmail("email", m.Email)
		if err != nil {
			return Membership{}, fmt.Errorf("%s: %w", op, err)
		}
		m.Email = e
	}
	m.CreatedAt = s.clock()
	it, err := s.memberItem(m)
	if err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	var tx txn
	tx.check(s.table, key(tenantPK(m.Tenant), skTenant), "attribute_exists(PK)", nil, nil,
		fmt.Errorf("tenant %w", ErrNotFound))
	tx.put(s.table, it, "attribute_not_exists(PK)", nil, nil, fmt.Errorf("membership %w", ErrExists))
	if err := s.commit(ctx, op, &tx); err != nil {
		return Membership{}, err
	}
	return m, nil
}

// GetMembership reads a user's membership of a tenant (the authorisation
// check of every request).
func (s *Store) GetMembership(ctx context.Context, tenant, sub string) (Membership, error) {
	return s.getMembership(ctx, tenant, sub, false)
}

// GetMembershipConsistent reads a membership with a strongly consistent read (what a
// conditional write compares against).
func (s *Store) GetMembershipConsistent(ctx context.Context, tenant, sub string) (Membership, error) {
	return s.getMembership(ctx, tenant, sub, true)
}

func (s *Store) getMembership(ctx context.Context, tenant, sub string, consistent bool) (Membership, error) {
	op := fmt.Sprintf("get membership of %s in tenant %s", sub, tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", sub); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	it, err := s.get(ctx, op, "membership", key(tenantPK(tenant), memberSK(sub)), consistent)
	if err != nil {
		return Membership{}, err
	}
	return decodeMember(op, it)
}

func decodeMember(op string, it item) (Membership, error) {
	var rec memberRec
	if err := unmarshal(it, &rec); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	return rec.Membership, nil
}

// memberCond adds to n and v (under names of its own) the condition that a membership's
// item still holds m's values (every attribute its representation shows), and returns it.
func memberCond(m Membership, n names, v vals) string {
	for k, a := range map[string]string{"#mRole": "role", "#mCr": "created_at", "#mEmail": "email"} {
		n[k] = a
	}
	v[":mRole"] = avS(string(m.Role))
	v[":mCr"] = avTime(m.CreatedAt)
	c := "#mRole = :mRole AND #mCr = :mCr AND "
	if m.Email == "" {
		return c + "attribute_not_exists(#mEmail)"
	}
	v[":mEmail"] = avS(m.Email)
	return c + "#mEmail = :mEmail"
}

// sameMember reports whether a and b show the same membership.
func sameMember(a, b Membership) bool {
	return a.Role == b.Role && a.Email == b.Email && a.CreatedAt.Equal(b.CreatedAt)
}

// SetMemberRole changes a member's role; ErrLastAdmin when it would leave the tenant
// without an admin.
func (s *Store) SetMemberRole(ctx context.Context, tenant, sub string, role Role) error {
	return s.SetMemberRoleIf(ctx, tenant, sub, role, nil)
}

// SetMemberRoleIf is SetMemberRole that, with match (the membership as read by
// GetMembershipConsistent), changes the role only while the membership is still as read:
// ErrChanged otherwise, with nothing written. The condition is part of the write.
func (s *Store) SetMemberRoleIf(ctx context.Context, tenant, sub string, role Role, match *Membership) error {
	op := fmt.Sprintf("set role of %s in tenant %s", sub, tenant)
	if err := checkID("tenant", tenant); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", sub); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkRole(role); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	set := func(tx *txn, k item, cond string, n names, v vals) {
		n["#r"] = "role"
		v[":r"] = avS(string(role))
		tx.update(s.table, k, "SET #r = :r", cond, n, v, nil)
	}
	if role == RoleAdmin {
		// a promotion never leaves the tenant without an admin
		return s.changeMember(ctx, op, tenant, sub, match, set, false)
	}
	return s.changeMember(ctx, op, tenant, sub, match, set, true)
}

// changeMember changes or removes a member (add adds the write to tx under cond), with
// keepAdmin never the tenant's last admin: when the member is an admin, the change (with
// the condition that the member is still an admin) is one transaction with a check that
// another admin still is one, so two admins stepping down at once cannot both succeed.
// With match the write happens only while the membership is as match has it (ErrChanged).
func (s *Store) changeMember(ctx context.Context, op, tenant, sub string, match *Membership,
	add func(tx *txn, k item, cond string, n names, v vals), keepAdmin bool) error {
	k := key(tenantPK(tenant), memberSK(sub))
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		var admins []string
		var cur Membership
		found := false
		err := s.queryAll(ctx, op, query{pk: tenantPK(tenant), skPrefix: preMember, forward: true, consistent: true}, func(it item) error {
			m, err := decodeMember(op, it)
			if err != nil {
				return err
			}
			if m.Sub == sub {
				found, cur = true, m
			} else if m.Role == RoleAdmin {
				admins = append(admins, m.Sub)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%s: membership %w", op, ErrNotFound)
		}
		if match != nil && !sameMember(cur, *match) {
			return fmt.Errorf("%s: membership %w", op, ErrChanged)
		}
		// the write's condition: the member still has the role just read (whether it is an
		// admin decides the check below), or is all as match has it; when it fails the
		// member changed meanwhile, and the next attempt says how
		n, v := names{"#mRole": "role"}, vals{":mRole": avS(string(cur.Role))}
		cond := "attribute_exists(PK) AND #mRole = :mRole"
		if match != nil {
			cond = memberCond(*match, n, v)
		}
		var tx txn
		add(&tx, k, cond, n, v)
		if keepAdmin && cur.Role == RoleAdmin {
			if len(admins) == 0 {
				return fmt.Errorf("%s: %w", op, ErrLastAdmin)
			}
			tx.check(s.table, key(tenantPK(tenant), memberSK(admins[0])), "#ar = :admin", names{"#ar": "role"},
				vals{":admin": avS(string(RoleAdmin))}, nil)
		}
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: %w", op, &ConflictError{What: "membership"})
}

// RemoveMember removes a user from a tenant; ErrLastAdmin when it is the tenant's last
// admin.
func (s *Store) RemoveMember(ctx context.Context, tenant, sub string) error {
	return s.RemoveMemberIf(ctx, tenant, sub, nil)
}

// RemoveMemberIf is RemoveMember that, with match (the membership as read by
// GetMembershipConsistent), removes the member only while the membership is still as
// read: ErrChanged otherwise, with nothing written.
func (s *Store) RemoveMemberIf(ctx context.Context, tenant, sub string, match *Membership) error {
	op := fmt.Sprintf("remove member %s from tenant %s", sub, tenant)
	if err := checkID("tenant", tenant); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", sub); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.changeMember(ctx, op, tenant, sub, match, func(tx *txn, k item, cond string, n names, v vals) {
		tx.del(s.table, k, cond, n, v, nil)
	}, true)
}

// deleteExisting deletes an item that must exist.
func (s *Store) deleteExisting(ctx context.Context, op, what string, k item) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: k, ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("%s: %s %w", op, what, ErrNotFound)
	}
	return wrap(op, err)
}

// ListMembers lists a tenant's members in subject order.
func (s *Store) ListMembers(ctx context.Context, tenant string, o ListOptions) (Page[Membership], error) {
	op := fmt.Sprintf("list members of tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Page[Membership]{}, fmt.Errorf("%s: %w", op, err)
	}
	return listPage(ctx, s, op, query{pk: tenantPK(tenant), skPrefix: preMember, forward: true}, o, decodeMember)
}

// ListUserTenants lists the memberships of a user across tenants.
func (s *Store) ListUserTenants(ctx context.Context, sub string, o ListOptions) (Page[Membership], error) {
	op := fmt.Sprintf("list tenants of %s", sub)
	if err := checkID("sub", sub); err != nil {
		return Page[Membership]{}, fmt.Errorf("%s: %w", op, err)
	}
	// a membership's GSI1SK is its tenant's key, one per user: a cursor's membership removed
	// since stays a place in the list
	return listPage(ctx, s, op, query{index: IndexGSI1, pk: userPK(sub), skPrefix: "T#", forward: true, uniqueSK: true}, o, decodeMember)
}

// listPage runs a paged query and decodes its items.
func listPage[T any](ctx context.Context, s *Store, op string, q query, o ListOptions, dec func(string, item) (T, error)) (Page[T], error) {
	items, next, err := s.queryPage(ctx, op, q, o.Cursor, o.Limit)
	if err != nil {
		return Page[T]{}, fmt.Errorf("%s: %w", op, err)
	}
	out := Page[T]{Items: make([]T, 0, len(items)), Next: next}
	for _, it := range items {
		v, err := dec(op, it)
		if err != nil {
			return Page[T]{}, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// CreateInvitation invites an e-mail address to a tenant. Inviting the same
// address again replaces the invitation (new role, new expiry), counting its revision up.
func (s *Store) CreateInvitation(ctx context.Context, inv Invitation) (Invitation, error) {
	return s.CreateInvitationIf(ctx, inv, nil)
}

func decodeInvite(op string, it item) (Invitation, error) {
	var rec inviteRec
	if err := unmarshal(it, &rec); err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	rec.Invitation.ExpiresAt = time.Unix(rec.ExpiresAt, 0).UTC()
	return rec.Invitation, nil
}

// ListInvitations lists a tenant's pending, unexpired invitations.
func (s *Store) ListInvitations(ctx context.Context, tenant string, o ListOptions) (Page[Invitation], error) {
	op := fmt.Sprintf("list invitations of tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Page[Invitation]{}, fmt.Errorf("%s: %w", op, err)
	}
	q := query{pk: tenantPK(tenant), skPrefix: preInvite, forward: true,
		filter: "expires_at > :now", values: vals{":now": avN(s.clock().Unix())}}
	return listPage(ctx, s, op, q, o, decodeInvite)
}

// DeleteInvitation withdraws an invitation.
func (s *Store) DeleteInvitation(ctx context.Context, tenant, email string) error {
	op := fmt.Sprintf("delete invitation in tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", email)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.deleteExisting(ctx, op, "invitation", key(tenantPK(tenant), inviteSK(e)))
}
