package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// signInAccepting signs name in and accepts their invitation to tenant (invitations wait
// for consent); the user's tenant is then that one.
func (e *env) signInAccepting(name, tenant string) user {
	e.t.Helper()
	u := e.signIn(name)
	e.do(http.MethodPost, "/me/invitations/"+tenant+"/accept", u.token, nil).ok(nil)
	u.tenant = tenant
	return u
}

// tokenWith signs an ID token for sub with the e-mail address and extra claims.
func tokenWith(t testing.TB, sub, email string, extra map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{"iss": testIssuer, "aud": testAudience, "sub": sub, "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "email": email}
	for k, v := range extra {
		claims[k] = v
	}
	return signClaims(t, claims)
}

func myInvitations(e *env, tok string) []MyInvitationView {
	e.t.Helper()
	var l List[MyInvitationView]
	e.do(http.MethodGet, "/me/invitations", tok, nil).ok(&l)
	return l.Items
}

// Nobody sees or takes up an invitation addressed to someone else; accepting joins with
// the invited role, and accepting again answers the same membership.
func TestMyInvitationsAreTheInviteesOnly(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	bob := e.signIn("bob")
	eve := e.signIn("eve")
	base := "/tenants/" + admin.tenant
	e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": "bob@example.com", "role": "viewer"}).
		status(http.StatusCreated)

	if got := myInvitations(e, eve.token); len(got) != 0 {
		t.Errorf("eve sees %+v", got)
	}
	var me Me
	e.do(http.MethodGet, "/me", eve.token, nil).ok(&me)
	if len(me.Invitations) != 0 {
		t.Errorf("eve's /me lists %+v", me.Invitations)
	}
	for _, r := range []*response{
		e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", eve.token, nil),
		e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, eve.token, nil),
	} {
		wantFields(t, r.problem(http.StatusNotFound), "path.tenant")
	}
	e.do(http.MethodGet, base, eve.token, nil).problem(http.StatusNotFound)

	got := myInvitations(e, bob.token)
	if len(got) != 1 || got[0].Tenant != admin.tenant || got[0].Role != "viewer" || got[0].InvitedByEmail != "admin@example.com" {
		t.Fatalf("bob's invitations %+v", got)
	}
	// the invitation is still there after eve's tries
	var m1, m2 MembershipView
	e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", bob.token, nil).status(http.StatusOK).ok(&m1)
	e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", bob.token, nil).status(http.StatusOK).ok(&m2)
	if m1.Tenant != admin.tenant || m1.Role != "viewer" || m2 != m1 {
		t.Errorf("accepted %+v, again %+v", m1, m2)
	}
	e.do(http.MethodGet, base+"/projects", bob.token, nil).ok(nil)
	e.do(http.MethodPost, base+"/projects", bob.token, map[string]string{"name": "P"}).problem(http.StatusForbidden)
	if got := myInvitations(e, bob.token); len(got) != 0 {
		t.Errorf("after accepting: %+v", got)
	}
	// accepting a tenant one was never invited to (one's own) is 404
	wantFields(t, e.do(http.MethodPost, "/me/invitations/"+eve.tenant+"/accept", bob.token, nil).problem(http.StatusNotFound), "path.tenant")
	wantFields(t, e.do(http.MethodPost, "/me/invitations/not-a-tenant/accept", bob.token, nil).problem(http.StatusNotFound), "path.tenant")
}

// Declining deletes the invitation: the tenant's admins no longer list it, and it can be
// neither accepted nor declined again.
func TestDeclineMyInvitation(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	carol := e.signIn("carol")
	base := "/tenants/" + admin.tenant
	e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": "carol@example.com", "role": "editor"}).
		status(http.StatusCreated)
	e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, carol.token, nil).status(http.StatusNoContent)
	var invs List[InvitationView]
	e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 0 {
		t.Errorf("the admin still lists %+v", invs.Items)
	}
	if got := myInvitations(e, carol.token); len(got) != 0 {
		t.Errorf("carol still sees %+v", got)
	}
	wantFields(t, e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, carol.token, nil).problem(http.StatusNotFound), "path.tenant")
	wantFields(t, e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", carol.token, nil).problem(http.StatusNotFound), "path.tenant")
	e.do(http.MethodGet, base, carol.token, nil).problem(http.StatusNotFound)
}

// An expired invitation is not listed, and accepting or declining it is 410 at path.tenant.
func TestExpiredInvitation(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	dan := e.signIn("dan")
	past := store.New(e.db.Client, e.db.Table, store.WithClock(func() time.Time { return time.Now().Add(-store.InvitationTTL - time.Hour) }))
	if _, err := past.CreateInvitation(context.Background(), store.Invitation{Tenant: admin.tenant, Email: "dan@example.com",
		Role: store.RoleEditor, InvitedBy: admin.sub}); err != nil {
		t.Fatal(err)
	}
	if got := myInvitations(e, dan.token); len(got) != 0 {
		t.Errorf("expired invitation listed: %+v", got)
	}
	for _, r := range []*response{
		e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", dan.token, nil),
		e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, dan.token, nil),
	} {
		p := r.problem(http.StatusGone)
		wantFields(t, p, "path.tenant")
		if p.Type != TypeExpired || !strings.Contains(p.Detail, "expired") {
			t.Errorf("%s: %+v", r, p)
		}
	}
	e.do(http.MethodGet, "/tenants/"+admin.tenant, dan.token, nil).problem(http.StatusNotFound)
}

// Accepting needs an e-mail address the identity provider says is verified; an unverified
// one lists nothing.
func TestAcceptNeedsVerifiedEmail(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	e.do(http.MethodPost, "/tenants/"+admin.tenant+"/invitations", admin.token,
		map[string]string{"email": "mallory@example.com", "role": "admin"}).status(http.StatusCreated)
	unverified := tokenWith(t, "sub-mallory", "mallory@example.com", map[string]any{"email_verified": false})
	var me Me
	e.do(http.MethodGet, "/me", unverified, nil).ok(&me)
	if len(me.Invitations) != 0 {
		t.Errorf("unverified address lists %+v", me.Invitations)
	}
	if got := myInvitations(e, unverified); len(got) != 0 {
		t.Errorf("unverified address lists %+v", got)
	}
	p := e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", unverified, nil).problem(http.StatusForbidden)
	if !strings.Contains(p.Detail, "not verified") {
		t.Errorf("detail %q", p.Detail)
	}
	e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, unverified, nil).problem(http.StatusForbidden)
	e.do(http.MethodGet, "/tenants/"+admin.tenant, unverified, nil).problem(http.StatusNotFound)
	// verified (as the local identity provider says it): listed and accepted
	verified := tokenWith(t, "sub-mallory", "mallory@example.com", map[string]any{"email_verified": true})
	if got := myInvitations(e, verified); len(got) != 1 {
		t.Fatalf("verified address lists %+v", got)
	}
	e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", verified, nil).ok(nil)
	e.do(http.MethodGet, "/tenants/"+admin.tenant, verified, nil).ok(nil)
}

// A member who is invited again (an invitation made before they joined) keeps their role
// on accepting, and the invitation is consumed.
func TestAcceptWhenAlreadyMember(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	ed := e.signIn("ed")
	ctx := context.Background()
	if _, err := e.db.Store.AddMember(ctx, store.Membership{Tenant: admin.tenant, Sub: ed.sub, Role: store.RoleEditor,
		Email: ed.email}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Store.CreateInvitation(ctx, store.Invitation{Tenant: admin.tenant, Email: ed.email,
		Role: store.RoleAdmin, InvitedBy: admin.sub}); err != nil {
		t.Fatal(err)
	}
	var m MembershipView
	e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", ed.token, nil).ok(&m)
	if m.Role != "editor" {
		t.Errorf("membership %+v, want the editor role kept", m)
	}
	var invs List[InvitationView]
	e.do(http.MethodGet, "/tenants/"+admin.tenant+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 0 {
		t.Errorf("invitation not consumed: %+v", invs.Items)
	}
}

// Accepting twice at once joins once (both answer the membership); accepting and declining at
// once leave either a member without the invitation or neither.
func TestAcceptAndDeclineAtOnce(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	base := "/tenants/" + admin.tenant
	for round, pair := range [][2]string{{"accept", "accept"}, {"accept", "decline"}} {
		who := e.signIn(fmt.Sprintf("racer%d", round))
		e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": who.email, "role": "viewer"}).
			status(http.StatusCreated)
		res := make([]*response, 2)
		var wg sync.WaitGroup
		for i, what := range pair {
			wg.Go(func() {
				if what == "accept" {
					res[i] = e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", who.token, nil)
				} else {
					res[i] = e.do(http.MethodDelete, "/me/invitations/"+admin.tenant, who.token, nil)
				}
			})
		}
		wg.Wait()
		member := e.do(http.MethodGet, base, who.token, nil).Status == http.StatusOK
		for i, r := range res {
			switch {
			case pair[i] == "accept" && member && r.Status == http.StatusOK:
			case pair[i] == "accept" && !member && r.Status == http.StatusNotFound:
			case pair[i] == "decline" && !member && r.Status == http.StatusNoContent:
			case pair[i] == "decline" && member && r.Status == http.StatusNotFound:
			default:
				t.Errorf("%v: %s answered %s (member: %v)", pair, pair[i], r, member)
			}
		}
		if pair == [2]string{"accept", "accept"} && !member {
			t.Errorf("two accepts joined nothing: %s, %s", res[0], res[1])
		}
		var invs List[InvitationView]
		e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
		if len(invs.Items) != 0 {
			t.Errorf("%v: invitation left %+v", pair, invs.Items)
		}
	}
}
