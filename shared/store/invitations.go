package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// ListInvitationsFor lists the pending, unexpired invitations addressed to email across
// all tenants, in tenant order (the invitee's view; at most a few per address).
func (s *Store) ListInvitationsFor(ctx context.Context, email string) ([]Invitation, error) {
	op := "list invitations of an e-mail address"
	e, err := normEmail("email", email)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	now := s.clock()
	out := []Invitation{}
	err = s.queryAll(ctx, op, query{index: IndexGSI1, pk: "INVITE#" + e, forward: true}, func(it item) error {
		inv, err := decodeInvite(op, it)
		if err == nil && inv.ExpiresAt.After(now) && inv.Email == e {
			out = append(out, inv)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// getInvitation reads one invitation with a consistent read: ErrNotFound when there is
// none, ErrExpired when it has expired (DynamoDB's TTL removes it some time later).
func (s *Store) getInvitation(ctx context.Context, op, tenant, email string) (Invitation, error) {
	it, err := s.get(ctx, op, "invitation", key(tenantPK(tenant), inviteSK(email)), true)
	if err != nil {
		return Invitation{}, err
	}
	inv, err := decodeInvite(op, it)
	if err != nil {
		return Invitation{}, err
	}
	if !inv.ExpiresAt.After(s.clock()) {
		return inv, fmt.Errorf("%s: invitation %w", op, ErrExpired)
	}
	return inv, nil
}

// AcceptInvitation makes sub a member of tenant with the role of the unexpired invitation
// addressed to email: one transaction deletes the invitation (still there and unexpired)
// and writes the membership, so it is consumed exactly when the membership is made. A
// user who is already a member keeps their role, and the invitation is consumed; accepting
// again after that answers the membership (retries are safe). ErrNotFound when there is no
// invitation (and sub is not a member), ErrExpired when it has expired.
func (s *Store) AcceptInvitation(ctx context.Context, tenant, sub, email string) (Membership, error) {
	op := fmt.Sprintf("accept the invitation to tenant %s for %s", tenant, sub)
	if err := checkID("tenant", tenant); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkID("sub", sub); err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", email)
	if err != nil {
		return Membership{}, fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		inv, err := s.getInvitation(ctx, op, tenant, e)
		if isNotFound(err) {
			// accepted already (a retry): the membership is the answer
			if m, merr := s.GetMembership(ctx, tenant, sub); merr == nil {
				return m, nil
			} else if !isNotFound(merr) {
				return Membership{}, merr
			}
			return Membership{}, err
		}
		if err != nil {
			return Membership{}, err
		}
		now := s.clock()
		m := Membership{Tenant: tenant, Sub: sub, Role: inv.Role, Email: e, CreatedAt: now}
		mIt, err := s.memberItem(m)
		if err != nil {
			return Membership{}, fmt.Errorf("%s: %w", op, err)
		}
		inviteKey := key(tenantPK(tenant), inviteSK(e))
		var tx txn
		tx.check(s.table, key(tenantPK(tenant), skTenant), "attribute_exists(PK)", nil, nil,
			fmt.Errorf("tenant %w", ErrNotFound))
		tx.del(s.table, inviteKey, "attribute_exists(PK) AND expires_at > :now", nil,
			vals{":now": avN(now.Unix())}, errInviteGone)
		tx.put(s.table, mIt, "attribute_not_exists(PK)", nil, nil, errAlreadyMember)
		err = s.commit(ctx, op, &tx)
		switch {
		case err == nil:
			return m, nil
		case errorsIs(err, errAlreadyMember):
			// a member already: keep their role, consume the invitation
			if err := s.deleteExisting(ctx, op, "invitation", inviteKey); err != nil && !isNotFound(err) {
				return Membership{}, err
			}
			return s.GetMembership(ctx, tenant, sub)
		case errorsIs(err, errInviteGone) && attempt < 2:
			// withdrawn, declined, expired or accepted meanwhile: read again to say which
			continue
		case errorsIs(err, errInviteGone):
			return Membership{}, fmt.Errorf("%s: invitation %w", op, ErrNotFound)
		default:
			return Membership{}, err
		}
	}
}

// DeclineInvitation deletes the unexpired invitation to tenant addressed to email (the
// invitee turning it down). ErrNotFound when there is none, ErrExpired when it has expired.
func (s *Store) DeclineInvitation(ctx context.Context, tenant, email string) error {
	op := fmt.Sprintf("decline the invitation to tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", email)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := s.getInvitation(ctx, op, tenant, e); err != nil {
		return err
	}
	return s.deleteExisting(ctx, op, "invitation", key(tenantPK(tenant), inviteSK(e)))
}

// GetInvitation reads a tenant's pending invitation to email with a consistent read (what
// a conditional write compares against): ErrNotFound when there is none, ErrExpired when
// it has expired.
func (s *Store) GetInvitation(ctx context.Context, tenant, email string) (Invitation, error) {
	op := fmt.Sprintf("get invitation in tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", email)
	if err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	return s.getInvitation(ctx, op, tenant, e)
}

// inviteCond adds to n and v the condition that an invitation's item is still as match
// has it (its revision and creation time), and returns it.
func inviteCond(match Invitation, n names, v vals) string {
	n["#mRev"], n["#mCr"] = "rev", "created_at"
	v[":mRev"], v[":mCr"] = avN(int64(match.Rev)), avTime(match.CreatedAt)
	if match.Rev == 0 {
		// an invitation written before revisions were kept has none
		return "attribute_exists(PK) AND #mCr = :mCr AND (attribute_not_exists(#mRev) OR #mRev = :mRev)"
	}
	return "attribute_exists(PK) AND #mCr = :mCr AND #mRev = :mRev"
}

// CreateInvitationIf is CreateInvitation that, with match (the invitation to the same
// address as read by GetInvitation), replaces the invitation only while it is still as
// read and unexpired: ErrChanged otherwise (also when it was withdrawn, declined or
// accepted meanwhile), with nothing written. Every write counts the invitation's revision
// up, so of two based on one read only one goes on.
func (s *Store) CreateInvitationIf(ctx context.Context, inv Invitation, match *Invitation) (Invitation, error) {
	op := fmt.Sprintf("invite to tenant %s", inv.Tenant)
	if err := checkID("tenant", inv.Tenant); err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", inv.Email)
	if err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkRole(inv.Role); err != nil {
		return Invitation{}, fmt.Errorf("%s: %w", op, err)
	}
	inv.Email = e
	k := key(tenantPK(inv.Tenant), inviteSK(e))
	for attempt := 0; attempt < s.commitAttempts; attempt++ {
		// the invitation it replaces (expired ones too): its revision is counted on
		n, v := names{}, vals{}
		cond, onFail := "attribute_not_exists(PK)", error(nil)
		if match != nil {
			cond, onFail = inviteCond(*match, n, v)+" AND expires_at > :now", ErrChanged
			v[":now"] = avN(s.clock().Unix())
			inv.Rev = match.Rev + 1
		} else {
			it, err := s.get(ctx, op, "invitation", k, true)
			switch {
			case err == nil:
				old, err := decodeInvite(op, it)
				if err != nil {
					return Invitation{}, err
				}
				cond = inviteCond(old, n, v)
				inv.Rev = old.Rev + 1
			case isNotFound(err):
				inv.Rev = 1
			default:
				return Invitation{}, err
			}
		}
		inv.CreatedAt = s.clock()
		inv.ExpiresAt = inv.CreatedAt.Add(s.inviteTTL).Truncate(time.Second) // stored as whole seconds (TTL)
		it, err := marshal(inviteRec{Item: kindInvite, GSI1PK: "INVITE#" + e, GSI1SK: tenantPK(inv.Tenant),
			ExpiresAt: inv.ExpiresAt.Unix(), Invitation: inv}, tenantPK(inv.Tenant), inviteSK(e))
		if err != nil {
			return Invitation{}, fmt.Errorf("%s: %w", op, err)
		}
		var tx txn
		tx.check(s.table, key(tenantPK(inv.Tenant), skTenant), "attribute_exists(PK)", nil, nil,
			fmt.Errorf("tenant %w", ErrNotFound))
		tx.put(s.table, it, cond, n, v, onFail)
		err = s.commit(ctx, op, &tx)
		if isRetry(err) {
			continue // written meanwhile (without a condition): count on from that
		}
		if err != nil {
			return Invitation{}, err
		}
		return inv, nil
	}
	return Invitation{}, fmt.Errorf("%s: %w", op, &ConflictError{What: "invitation"})
}

// DeleteInvitationIf is DeleteInvitation that, with match (as read by GetInvitation),
// withdraws the invitation only while it is still as read: ErrChanged otherwise (ErrNotFound
// when it is gone), with nothing written.
func (s *Store) DeleteInvitationIf(ctx context.Context, tenant, email string, match *Invitation) error {
	if match == nil {
		return s.DeleteInvitation(ctx, tenant, email)
	}
	op := fmt.Sprintf("delete invitation in tenant %s", tenant)
	if err := checkID("tenant", tenant); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e, err := normEmail("email", email)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	n, v := names{}, vals{}
	cond := inviteCond(*match, n, v)
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenant), inviteSK(e)),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: n, ExpressionAttributeValues: v})
	if _, ok := isConditionFailed(err); ok {
		if _, gerr := s.get(ctx, op, "invitation", key(tenantPK(tenant), inviteSK(e)), true); gerr != nil {
			return gerr
		}
		return fmt.Errorf("%s: invitation %w", op, ErrChanged)
	}
	return wrap(op, err)
}
