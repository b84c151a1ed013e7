package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"polysynergy/shared/auth"
	"polysynergy/shared/store"
)

// Health is the health check's answer.
type Health struct {
	Status  string    `json:"status" example:"ok"`
	Version string    `json:"version"`
	Time    time.Time `json:"time"`
}

func (h *Handler) registerHealth() {
	register(h, endpoint{id: "getHealth", method: http.MethodGet, path: "/health", summary: "Health check",
		tag: "Meta", scope: ScopePublic},
		func(ctx context.Context, _ *NoInput) (*Out[Health], error) {
			v := h.cfg.Version
			if v == "" {
				v = "1.0.0"
			}
			return ok(Health{Status: "ok", Version: v, Time: h.now().UTC()})
		})
}

// MembershipView is a tenant the caller belongs to.
type MembershipView struct {
	Tenant     string    `json:"tenant" doc:"Tenant id"`
	TenantName string    `json:"tenant_name"`
	Role       string    `json:"role" enum:"admin,editor,viewer"`
	Since      time.Time `json:"since"`
}

// Me is the signed-in user.
type Me struct {
	Sub         string           `json:"sub"`
	Email       string           `json:"email,omitempty"`
	Name        string           `json:"name,omitempty"`
	Memberships []MembershipView `json:"memberships" nullable:"false"`
	// CreatedTenant is set when this call created the personal tenant.
	CreatedTenant string `json:"created_tenant,omitempty" doc:"The personal tenant this sign-in created"`
	// Invitations are the pending, unexpired invitations addressed to the caller's
	// verified e-mail address; none is taken up until the caller accepts it
	// (POST /me/invitations/{tenant}/accept).
	Invitations []MyInvitationView `json:"invitations" nullable:"false" doc:"Pending invitations to your verified e-mail address; accept or decline each under /me/invitations"`
	// Claimed is kept for compatibility and is always absent: sign-in no longer joins
	// tenants by itself (see Invitations).
	Claimed []string `json:"claimed,omitempty" doc:"Deprecated: always absent. Signing in no longer accepts invitations; see invitations"`
}

func (h *Handler) registerMe() {
	register(h, endpoint{id: "getMe", method: http.MethodGet, path: "/me",
		summary: "The signed-in user and their tenants (the first sign-in creates a personal tenant)",
		tag:     "Me", scope: ScopeUser},
		func(ctx context.Context, _ *NoInput) (*Out[Me], error) {
			me, err := h.signIn(ctx, principal(ctx).Identity)
			if err != nil {
				return nil, err
			}
			return ok(me)
		})
	h.registerMyInvitations()
}

// signIn records the user's profile, lists the invitations to their verified e-mail
// address (joining none: the user accepts each), and creates a personal tenant when they
// belong to none.
func (h *Handler) signIn(ctx context.Context, id auth.Identity) (Me, error) {
	me := Me{Sub: id.Subject, Email: strings.ToLower(id.Email), Name: id.Name, Invitations: []MyInvitationView{}}
	if id.Email != "" {
		u, err := h.st.GetUser(ctx, id.Subject)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && (u.Email != me.Email || u.Name != id.Name):
			if _, err := h.st.PutUser(ctx, store.User{Sub: id.Subject, Email: id.Email, Name: id.Name}); err != nil &&
				!errors.Is(err, store.ErrInvalid) {
				return Me{}, err
			}
		case err != nil:
			return Me{}, err
		}
		invs, err := h.myInvitations(ctx, id)
		if err != nil {
			return Me{}, err
		}
		me.Invitations = invs
	}
	ms, err := collect(ctx, func(o store.ListOptions) (store.Page[store.Membership], error) {
		return h.st.ListUserTenants(ctx, id.Subject, o)
	})
	if err != nil {
		return Me{}, err
	}
	if len(ms) == 0 {
		t, err := h.st.CreateTenant(ctx, store.CreateTenantInput{Name: personalTenantName(id),
			OwnerSub: id.Subject, OwnerEmail: validEmailOrEmpty(id.Email), Personal: true})
		if errors.Is(err, store.ErrPersonalTenant) {
			// a request arriving with this one made it: answer with its tenant
			if ms, err = h.awaitMemberships(ctx, id.Subject); err != nil {
				return Me{}, err
			}
			return h.withTenants(ctx, me, ms)
		}
		if err != nil {
			return Me{}, err
		}
		me.CreatedTenant = t.ID
		me.Memberships = []MembershipView{{Tenant: t.ID, TenantName: t.Name, Role: string(store.RoleAdmin), Since: t.CreatedAt}}
		return me, nil
	}
	return h.withTenants(ctx, me, ms)
}

// withTenants fills in me's memberships with their tenants' names.
func (h *Handler) withTenants(ctx context.Context, me Me, ms []store.Membership) (Me, error) {
	me.Memberships = make([]MembershipView, 0, len(ms))
	for _, m := range ms {
		t, err := h.st.GetTenant(ctx, m.Tenant)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return Me{}, err
		}
		me.Memberships = append(me.Memberships, MembershipView{Tenant: m.Tenant, TenantName: t.Name,
			Role: string(m.Role), Since: m.CreatedAt.UTC()})
	}
	return me, nil
}

// awaitMemberships lists a user's memberships once the personal tenant another request
// made shows (the list is an index, updated a moment after the write); 503 when it does
// not within a few seconds.
func (h *Handler) awaitMemberships(ctx context.Context, sub string) ([]store.Membership, error) {
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		ms, err := collect(ctx, func(o store.ListOptions) (store.Page[store.Membership], error) {
			return h.st.ListUserTenants(ctx, sub, o)
		})
		if err != nil || len(ms) > 0 {
			return ms, err
		}
		if wait > 2*time.Second {
			return nil, unavailable()
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// personalTenantName names the tenant a first sign-in creates.
func personalTenantName(id auth.Identity) string {
	// a name is what the identity provider says: it may hold characters a tenant name may
	// not (a tab, a right-to-left mark), which are left out rather than refusing the sign-in
	clean := func(s string) string {
		return strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || store.Deceptive(r) {
				return -1
			}
			return r
		}, strings.ToValidUTF8(s, "")))
	}
	who := clean(id.Name)
	if who == "" {
		who, _, _ = strings.Cut(id.Email, "@")
		who = clean(who)
	}
	if who == "" {
		return "Personal workspace"
	}
	if r := []rune(who); len(r) > 60 {
		who = string(r[:60])
	}
	return fmt.Sprintf("%s's workspace", who)
}

func validEmailOrEmpty(e string) string {
	e = strings.TrimSpace(e)
	if strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") || strings.ContainsAny(e, " #") {
		return ""
	}
	return e
}
