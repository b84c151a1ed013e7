package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// MyInvitationView is an invitation addressed to the caller: which tenant it is to,
// with which role, from whom, and until when it can be accepted.
type MyInvitationView struct {
	Tenant     string `json:"tenant" doc:"Tenant id (ULID)"`
	TenantName string `json:"tenant_name"`
	Role       string `json:"role" enum:"admin,editor,viewer"`
	// InvitedBy is the inviting member's subject; InvitedByName and InvitedByEmail are
	// theirs as they last signed in (absent when not known).
	InvitedBy      string    `json:"invited_by,omitempty" doc:"The inviting member's subject"`
	InvitedByName  string    `json:"invited_by_name,omitempty" doc:"The inviting member's name, when known"`
	InvitedByEmail string    `json:"invited_by_email,omitempty" doc:"The inviting member's e-mail address, when known"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at" doc:"After this the invitation can no longer be accepted"`
}

// myInvitations lists the pending, unexpired invitations to the caller's e-mail address:
// none unless the identity provider says the address is verified (an unverified address
// may be someone else's).
func (h *Handler) myInvitations(ctx context.Context, id auth.Identity) ([]MyInvitationView, error) {
	out := []MyInvitationView{}
	if !id.EmailVerified {
		return out, nil
	}
	invs, err := h.st.ListInvitationsFor(ctx, id.Email)
	if errors.Is(err, store.ErrInvalid) {
		return out, nil // an address the store would never have invited
	}
	if err != nil {
		return nil, err
	}
	users := map[string]store.User{}
	for _, inv := range invs {
		t, err := h.st.GetTenant(ctx, inv.Tenant)
		if errors.Is(err, store.ErrNotFound) {
			continue // the tenant is gone
		}
		if err != nil {
			return nil, err
		}
		v := MyInvitationView{Tenant: inv.Tenant, TenantName: t.Name, Role: string(inv.Role), InvitedBy: inv.InvitedBy,
			CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.UTC()}
		if inv.InvitedBy != "" {
			u, seen := users[inv.InvitedBy]
			if !seen {
				u, err = h.st.GetUser(ctx, inv.InvitedBy)
				if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
					return nil, err
				}
				users[inv.InvitedBy] = u
			}
			v.InvitedByName, v.InvitedByEmail = u.Name, u.Email
		}
		out = append(out, v)
	}
	return out, nil
}

// invitationProblem turns the store's answers about the caller's invitation to tenant
// into problems at path.tenant.
func invitationProblem(err error, email string) error {
	switch {
	case errors.Is(err, store.ErrExpired):
		return newProblem(http.StatusGone, TypeExpired,
			fmt.Sprintf("the invitation to this tenant for %s has expired; ask a tenant admin to invite you again", email),
			FieldError{Location: "path.tenant", Message: "your invitation to this tenant has expired"})
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
		p := notFound("invitation")
		p.Detail = fmt.Sprintf("no pending invitation to this tenant for %s", email)
		p.Errors = []FieldError{{Location: "path.tenant", Message: "no pending invitation to this tenant for your e-mail address"}}
		return p
	}
	return err
}

// verifiedEmail is the caller's verified e-mail address, or a 403 saying why there is none.
func verifiedEmail(ctx context.Context) (string, error) {
	id := principal(ctx).Identity
	switch {
	case id.Email == "":
		return "", newProblem(http.StatusForbidden, TypeForbidden,
			"your sign-in carries no e-mail address, and invitations are addressed to one",
			FieldError{Location: "header.authorization", Message: "the token has no email claim"})
	case !id.EmailVerified:
		return "", newProblem(http.StatusForbidden, TypeForbidden,
			fmt.Sprintf("your e-mail address %s is not verified: verify it, sign in again, then accept the invitation", id.Email),
			FieldError{Location: "header.authorization", Message: "the token's email_verified claim is false"})
	}
	return strings.ToLower(id.Email), nil
}

// noSuchTenantPath is the 404 for a tenant path parameter that is no ULID.
func noSuchTenantPath(tenant string) error {
	if validULID(tenant) {
		return nil
	}
	p := notFound("invitation")
	p.Errors = []FieldError{{Location: "path.tenant", Message: "no such tenant"}}
	return p
}

func (h *Handler) registerMyInvitations() {
	const tag = "Me"
	register(h, endpoint{id: "listMyInvitations", method: http.MethodGet, path: "/me/invitations",
		summary: "Pending invitations to your verified e-mail address (none is taken up until you accept it)",
		tag:     tag, scope: ScopeUser},
		func(ctx context.Context, _ *NoInput) (*Out[List[MyInvitationView]], error) {
			invs, err := h.myInvitations(ctx, principal(ctx).Identity)
			if err != nil {
				return nil, err
			}
			return ok(List[MyInvitationView]{Items: invs})
		})
	register(h, endpoint{id: "acceptMyInvitation", method: http.MethodPost, path: "/me/invitations/{tenant}/accept",
		summary: "Accept an invitation: join the tenant with the invited role (again: the membership you have)",
		tag:     tag, scope: ScopeUser, errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone}},
		func(ctx context.Context, in *TenantPath) (*Out[MembershipView], error) {
			if err := noSuchTenantPath(in.Tenant); err != nil {
				return nil, err
			}
			email, err := verifiedEmail(ctx)
			if err != nil {
				return nil, err
			}
			m, err := h.st.AcceptInvitation(ctx, in.Tenant, principal(ctx).Identity.Subject, email)
			if err != nil {
				return nil, invitationProblem(err, email)
			}
			t, err := h.st.GetTenant(ctx, in.Tenant)
			if err != nil {
				return nil, err
			}
			return ok(MembershipView{Tenant: m.Tenant, TenantName: t.Name, Role: string(m.Role), Since: m.CreatedAt.UTC()})
		})
	register(h, endpoint{id: "declineMyInvitation", method: http.MethodDelete, path: "/me/invitations/{tenant}",
		summary: "Decline an invitation: it is deleted, and the tenant's admins no longer see it",
		tag:     tag, scope: ScopeUser, status: statusNoContent,
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone}},
		func(ctx context.Context, in *TenantPath) (*Empty, error) {
			if err := noSuchTenantPath(in.Tenant); err != nil {
				return nil, err
			}
			email, err := verifiedEmail(ctx)
			if err != nil {
				return nil, err
			}
			if err := h.st.DeclineInvitation(ctx, in.Tenant, email); err != nil {
				return nil, invitationProblem(err, email)
			}
			return nil, nil
		})
}

// inviteETag is an invitation's ETag: its representation (without the tag) and its
// revision, which every invitation of the address again counts up.
func inviteETag(i store.Invitation) string {
	return etagOf(InvitationView{Email: i.Email, Role: string(i.Role), InvitedBy: i.InvitedBy,
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC()}, i.Rev)
}

// pendingInvitation reads a tenant's pending invitation to email strongly: 404 when there
// is none (or it has expired, or the address is none the store would have invited).
func (h *Handler) pendingInvitation(ctx context.Context, tenant, email string) (store.Invitation, error) {
	inv, err := h.st.GetInvitation(ctx, tenant, strings.TrimSpace(email))
	if errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrNotFound) || isInvalid(err) {
		return store.Invitation{}, notFound("invitation")
	}
	return inv, err
}

// invitationGone is the 412 of an If-Match naming an invitation that is no longer pending
// (withdrawn, declined, accepted or expired since it was read): there is no current tag.
func invitationGone(email, sent string) *Problem {
	return newProblem(http.StatusPreconditionFailed, TypeChanged,
		fmt.Sprintf("the invitation of %s changed since you read it: it is no longer pending (withdrawn, declined, accepted or expired); read the invitations again", email),
		FieldError{Location: "header.if-match", Message: "names an invitation that is no longer pending", Value: sent})
}

// invitationMatch checks If-Match against the pending invitation to email as it is now
// (read strongly): nil without a condition, the invitation as read when it matches, 412
// when not. One that is gone is 404 for a withdrawal and 412 for an invitation again
// (reinvite), which replaces a particular invitation.
func (h *Handler) invitationMatch(ctx context.Context, tenant, email, header string, reinvite bool) (*store.Invitation, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	inv, err := h.pendingInvitation(ctx, tenant, email)
	if err != nil {
		var p *Problem
		if reinvite && errors.As(err, &p) && p.Status == http.StatusNotFound {
			return nil, invitationGone(strings.ToLower(strings.TrimSpace(email)), header)
		}
		return nil, err
	}
	if cur := inviteETag(inv); !m.matches(cur) {
		return nil, changed("invitation", header, cur)
	}
	return &inv, nil
}

// invitationChanged turns a store.ErrChanged of a conditional invitation write into its
// 412 (with the invitation's ETag now; when it is gone, 404 for a withdrawal and 412
// without a tag for an invitation again); other errors pass.
func (h *Handler) invitationChanged(ctx context.Context, tenant, email, header string, err error, reinvite bool) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	inv, rerr := h.pendingInvitation(ctx, tenant, email)
	if rerr != nil {
		var p *Problem
		if reinvite && errors.As(rerr, &p) && p.Status == http.StatusNotFound {
			return invitationGone(strings.ToLower(strings.TrimSpace(email)), header)
		}
		return rerr
	}
	return changed("invitation", header, inviteETag(inv))
}
