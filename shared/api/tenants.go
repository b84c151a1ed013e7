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

// TenantView is a tenant.
type TenantView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// Role is the caller's role in it.
	Role string `json:"role"`
}

// MemberView is a member of a tenant.
type MemberView struct {
	Sub   string    `json:"sub"`
	Email string    `json:"email,omitempty"`
	Role  string    `json:"role" enum:"admin,editor,viewer"`
	Since time.Time `json:"since"`
	ETag  string    `json:"etag" doc:"The membership's entity tag, as GET member answers it in ETag: send it in If-Match to change the role or remove the member only as you read it"`
}

// InvitationView is a pending invitation.
type InvitationView struct {
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"admin,editor,viewer"`
	InvitedBy string    `json:"invited_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	ETag      string    `json:"etag" doc:"The invitation's entity tag, as GET invitation answers it in ETag: send it in If-Match to invite the address again or withdraw the invitation only as you read it"`
}

// RenameBody renames something.
type RenameBody struct {
	Name string `json:"name" minLength:"1" maxLength:"200" doc:"The new name"`
}

// RoleBody sets a role.
type RoleBody struct {
	Role string `json:"role" enum:"admin,editor,viewer"`
}

// InviteBody invites an e-mail address.
type InviteBody struct {
	Email string `json:"email" minLength:"3" maxLength:"254" doc:"Whoever signs in with this verified address may accept the invitation and join the tenant"`
	Role  string `json:"role" enum:"admin,editor,viewer"`
}

// MemberPath names a member.
type MemberPath struct {
	Tenant string `path:"tenant" doc:"Tenant id (ULID)"`
	Sub    string `path:"sub" doc:"The member's subject"`
}

// InvitationPath names an invitation.
type InvitationPath struct {
	Tenant string `path:"tenant" doc:"Tenant id (ULID)"`
	Email  string `path:"email" doc:"The invited e-mail address"`
}

// tenantView is a tenant as its caller sees it (with the caller's role).
func tenantView(ctx context.Context, t store.Tenant) TenantView {
	return TenantView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt.UTC(), Role: string(principal(ctx).Role)}
}

func memberView(m store.Membership) MemberView {
	v := MemberView{Sub: m.Sub, Email: m.Email, Role: string(m.Role), Since: m.CreatedAt.UTC()}
	v.ETag = etagOf(v) // of the view without its tag
	return v
}

// memberMatch checks If-Match against a membership as it is now (read strongly): nil
// without a condition, the membership as read when it matches, 412 when not.
func (h *Handler) memberMatch(ctx context.Context, tenant, sub, header string) (*store.Membership, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	cur, err := h.st.GetMembershipConsistent(ctx, tenant, sub)
	if err != nil {
		return nil, err
	}
	if tag := memberView(cur).ETag; !m.matches(tag) {
		return nil, changed("member", header, tag)
	}
	return &cur, nil
}

// memberChanged turns a store.ErrChanged of a conditional membership write into its 412
// (404 when the member is gone); other errors pass.
func (h *Handler) memberChanged(ctx context.Context, tenant, sub, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	cur, rerr := h.st.GetMembershipConsistent(ctx, tenant, sub)
	if rerr != nil {
		return rerr
	}
	return changed("member", header, memberView(cur).ETag)
}

func inviteView(i store.Invitation) InvitationView {
	v := InvitationView{Email: i.Email, Role: string(i.Role), InvitedBy: i.InvitedBy,
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC()}
	v.ETag = inviteETag(i)
	return v
}

func (h *Handler) registerTenants() {
	const tag = "Members"
	register(h, endpoint{id: "getTenant", method: http.MethodGet, path: "/tenants/{tenant}", summary: "Get a tenant",
		tag: tag, scope: ScopeTenant, action: auth.ActionMemberRead},
		func(ctx context.Context, in *TenantPath) (*Tagged[TenantView], error) {
			t, err := h.st.GetTenant(ctx, in.Tenant)
			if err != nil {
				return nil, err
			}
			v := tenantView(ctx, t)
			return &Tagged[TenantView]{ETag: etagOf(v), Body: v}, nil
		})
	register(h, endpoint{id: "renameTenant", method: http.MethodPatch, path: "/tenants/{tenant}", summary: "Rename a tenant",
		tag: tag, scope: ScopeTenant, action: auth.ActionMemberManage, ifMatch: true},
		func(ctx context.Context, in *struct {
			TenantPath
			IfMatchHeader
			Body RenameBody
		}) (*Tagged[TenantView], error) {
			if err := checkName("body.name", in.Body.Name, 100); err != nil {
				return nil, err
			}
			im, err := parseIfMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			var match *store.Tenant
			if im.conditional() {
				cur, err := h.st.GetTenantConsistent(ctx, in.Tenant)
				if err != nil {
					return nil, err
				}
				if tag := etagOf(tenantView(ctx, cur)); !im.matches(tag) {
					return nil, changed("tenant", in.IfMatch, tag)
				}
				match = &cur
			}
			if err := h.st.RenameTenantIf(ctx, in.Tenant, in.Body.Name, match); err != nil {
				if errors.Is(err, store.ErrChanged) {
					if cur, rerr := h.st.GetTenantConsistent(ctx, in.Tenant); rerr == nil {
						return nil, changed("tenant", in.IfMatch, etagOf(tenantView(ctx, cur)))
					}
				}
				return nil, err
			}
			t, err := h.st.GetTenant(ctx, in.Tenant)
			if err != nil {
				return nil, err
			}
			t.Name = in.Body.Name
			v := tenantView(ctx, t)
			return &Tagged[TenantView]{ETag: etagOf(v), Body: v}, nil
		})
	register(h, endpoint{id: "listMembers", method: http.MethodGet, path: "/tenants/{tenant}/members", summary: "List members",
		tag: tag, scope: ScopeTenant, action: auth.ActionMemberRead},
		func(ctx context.Context, in *struct {
			TenantPath
			PageQuery
		}) (*Out[List[MemberView]], error) {
			p, err := h.st.ListMembers(ctx, in.Tenant, in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[MemberView]{Items: mapSlice(p.Items, memberView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "getMember", method: http.MethodGet, path: "/tenants/{tenant}/members/{sub}",
		summary: "Get a member", tag: tag, scope: ScopeTenant, action: auth.ActionMemberRead},
		func(ctx context.Context, in *MemberPath) (*Tagged[MemberView], error) {
			m, err := h.st.GetMembership(ctx, in.Tenant, in.Sub)
			if err != nil {
				return nil, err
			}
			v := memberView(m)
			return &Tagged[MemberView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "setMemberRole", method: http.MethodPatch, path: "/tenants/{tenant}/members/{sub}",
		summary: "Change a member's role (a tenant keeps at least one admin)",
		tag:     tag, scope: ScopeTenant, action: auth.ActionMemberManage, ifMatch: true},
		func(ctx context.Context, in *struct {
			MemberPath
			IfMatchHeader
			Body RoleBody
		}) (*Tagged[MemberView], error) {
			match, err := h.memberMatch(ctx, in.Tenant, in.Sub, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match == nil {
				if _, err := h.st.GetMembership(ctx, in.Tenant, in.Sub); err != nil {
					return nil, err
				}
			}
			role := store.Role(in.Body.Role)
			// the store keeps an admin (store.ErrLastAdmin), checked in the change's transaction
			if err := h.st.SetMemberRoleIf(ctx, in.Tenant, in.Sub, role, match); err != nil {
				return nil, h.memberChanged(ctx, in.Tenant, in.Sub, in.IfMatch, err)
			}
			m, err := h.st.GetMembershipConsistent(ctx, in.Tenant, in.Sub)
			if err != nil {
				return nil, err
			}
			v := memberView(m)
			return &Tagged[MemberView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "removeMember", method: http.MethodDelete, path: "/tenants/{tenant}/members/{sub}",
		summary: "Remove a member (never the last admin)",
		tag:     tag, scope: ScopeTenant, action: auth.ActionMemberManage, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			MemberPath
			IfMatchHeader
		}) (*Empty, error) {
			match, err := h.memberMatch(ctx, in.Tenant, in.Sub, in.IfMatch)
			if err != nil {
				return nil, err
			}
			// never the last admin: store.ErrLastAdmin, checked in the removal's transaction
			return nil, h.memberChanged(ctx, in.Tenant, in.Sub, in.IfMatch, h.st.RemoveMemberIf(ctx, in.Tenant, in.Sub, match))
		})
	register(h, endpoint{id: "leaveTenant", method: http.MethodPost, path: "/tenants/{tenant}/leave",
		summary: "Leave the tenant: any member removes their own membership (409 for its last admin: make someone else admin first)",
		tag:     tag, scope: ScopeTenant, action: auth.ActionMemberRead, status: statusNoContent},
		func(ctx context.Context, in *TenantPath) (*Empty, error) {
			// the caller's own membership: never the last admin (store.ErrLastAdmin, checked in
			// the removal's transaction)
			err := h.st.RemoveMember(ctx, in.Tenant, principal(ctx).Identity.Subject)
			if errors.Is(err, store.ErrLastAdmin) {
				return nil, conflict(TypeConflict, "you are the tenant's last admin: make another member admin first, then leave",
					FieldError{Location: "path.tenant", Message: "you are its last admin"})
			}
			return nil, err
		})
	register(h, endpoint{id: "listInvitations", method: http.MethodGet, path: "/tenants/{tenant}/invitations",
		summary: "List pending invitations", tag: tag, scope: ScopeTenant, action: auth.ActionMemberRead},
		func(ctx context.Context, in *struct {
			TenantPath
			PageQuery
		}) (*Out[List[InvitationView]], error) {
			p, err := h.st.ListInvitations(ctx, in.Tenant, in.opts())
			if err != nil {
				return nil, at("query", err)
			}
			return ok(List[InvitationView]{Items: mapSlice(p.Items, inviteView), NextCursor: p.Next})
		})
	register(h, endpoint{id: "getInvitation", method: http.MethodGet, path: "/tenants/{tenant}/invitations/{email}",
		summary: "Get a pending invitation", tag: tag, scope: ScopeTenant, action: auth.ActionMemberRead},
		func(ctx context.Context, in *InvitationPath) (*Tagged[InvitationView], error) {
			inv, err := h.pendingInvitation(ctx, in.Tenant, in.Email)
			if err != nil {
				return nil, err
			}
			v := inviteView(inv)
			return &Tagged[InvitationView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "invite", method: http.MethodPost, path: "/tenants/{tenant}/invitations",
		summary: "Invite an e-mail address with a role (its owner accepts or declines it under /me/invitations); inviting a pending address again replaces its invitation",
		tag:     tag, scope: ScopeTenant, action: auth.ActionMemberManage, status: http.StatusCreated, ifMatch: true},
		func(ctx context.Context, in *struct {
			TenantPath
			IfMatchHeader
			Body InviteBody
		}) (*Created[InvitationView], error) {
			if err := h.notAMember(ctx, in.Tenant, in.Body.Email); err != nil {
				return nil, err
			}
			// If-Match names the pending invitation of the address, which this replaces
			match, err := h.invitationMatch(ctx, in.Tenant, in.Body.Email, in.IfMatch, true)
			if err != nil {
				return nil, err
			}
			inv, err := h.st.CreateInvitationIf(ctx, store.Invitation{Tenant: in.Tenant, Email: in.Body.Email,
				Role: store.Role(in.Body.Role), InvitedBy: principal(ctx).Identity.Subject}, match)
			if err != nil {
				return nil, at("body", h.invitationChanged(ctx, in.Tenant, in.Body.Email, in.IfMatch, err, true))
			}
			return &Created[InvitationView]{Body: inviteView(inv)}, nil
		})
	register(h, endpoint{id: "deleteInvitation", method: http.MethodDelete, path: "/tenants/{tenant}/invitations/{email}",
		summary: "Withdraw an invitation", tag: tag, scope: ScopeTenant, action: auth.ActionMemberManage, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			InvitationPath
			IfMatchHeader
		}) (*Empty, error) {
			email := strings.TrimSpace(in.Email)
			match, err := h.invitationMatch(ctx, in.Tenant, email, in.IfMatch, false)
			if err != nil {
				return nil, err
			}
			err = h.st.DeleteInvitationIf(ctx, in.Tenant, email, match)
			if err != nil && isInvalid(err) {
				return nil, notFound("invitation")
			}
			return nil, h.invitationChanged(ctx, in.Tenant, email, in.IfMatch, err, false)
		})
}

// notAMember refuses an invitation of an address that already belongs to a member of the
// tenant (compared without case, as addresses are): it would never be claimed.
func (h *Handler) notAMember(ctx context.Context, tenant, email string) error {
	want := strings.ToLower(strings.TrimSpace(email))
	o := store.ListOptions{Limit: store.MaxLimit}
	for {
		p, err := h.st.ListMembers(ctx, tenant, o)
		if err != nil {
			return err
		}
		for _, m := range p.Items {
			if m.Email != "" && strings.EqualFold(m.Email, want) {
				return conflict(TypeConflict, fmt.Sprintf("%s is already a member of this tenant (role %s); change the member's role instead", m.Email, m.Role),
					FieldError{Location: "body.email", Message: "is already a member"})
			}
		}
		if p.Next == "" {
			return nil
		}
		o.Cursor = p.Next
	}
}
