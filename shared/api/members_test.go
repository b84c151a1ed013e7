package api

import (
	"net/http"
	"strings"
	"testing"
)

// An invitation waits for its invitee's consent: signing in lists it and joins nothing;
// accepting joins with the invited role and consumes it.
func TestInvitationWaitsForConsent(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	base := "/tenants/" + admin.tenant
	var inv InvitationView
	e.do(http.MethodPost, base+"/invitations", admin.token,
		map[string]string{"email": "Bob@Example.com", "role": "editor"}).status(http.StatusCreated).ok(&inv)
	if inv.Email != "bob@example.com" || inv.Role != "editor" || inv.InvitedBy != admin.sub {
		t.Errorf("invitation %+v", inv)
	}
	var invs List[InvitationView]
	e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 1 {
		t.Fatalf("invitations %+v, want 1", invs)
	}
	bobTok := token(t, "sub-bob", "bob@example.com", "Bob")
	var me Me
	r := e.do(http.MethodGet, "/me", bobTok, nil).ok(&me)
	if len(me.Memberships) != 1 || me.Memberships[0].Tenant == admin.tenant || me.CreatedTenant == "" || len(me.Claimed) != 0 {
		t.Errorf("bob after sign-in: %+v, want only his own new tenant", me)
	}
	if strings.Contains(string(r.Body), `"claimed"`) {
		t.Errorf("claimed is given: %s", r.Body)
	}
	if len(me.Invitations) != 1 || me.Invitations[0].Tenant != admin.tenant || me.Invitations[0].Role != "editor" ||
		me.Invitations[0].InvitedBy != admin.sub || me.Invitations[0].InvitedByEmail != "admin@example.com" ||
		me.Invitations[0].InvitedByName != "Admin" || me.Invitations[0].TenantName != "Admin's workspace" ||
		!me.Invitations[0].ExpiresAt.Equal(inv.ExpiresAt) {
		t.Errorf("bob's invitations %+v, want the one to %s", me.Invitations, admin.tenant)
	}
	e.do(http.MethodGet, base, bobTok, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 1 {
		t.Errorf("signing in consumed the invitation: %+v", invs)
	}
	var m MembershipView
	e.do(http.MethodPost, "/me/invitations/"+admin.tenant+"/accept", bobTok, nil).ok(&m)
	if m.Tenant != admin.tenant || m.Role != "editor" || m.TenantName != "Admin's workspace" {
		t.Errorf("accepted %+v", m)
	}
	e.do(http.MethodGet, "/me", bobTok, nil).ok(&me)
	if len(me.Memberships) != 2 || len(me.Invitations) != 0 {
		t.Errorf("bob after accepting: %+v, want two tenants and no invitation", me)
	}
	e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 0 {
		t.Errorf("invitation not consumed: %+v", invs)
	}
	var members List[MemberView]
	e.do(http.MethodGet, base+"/members", admin.token, nil).ok(&members)
	if len(members.Items) != 2 {
		t.Errorf("members %+v, want 2", members)
	}
	// inviting a member again (any case) is refused: it would never be accepted
	p := e.do(http.MethodPost, base+"/invitations", admin.token,
		map[string]string{"email": "BOB@example.COM", "role": "admin"}).problem(http.StatusConflict)
	wantFields(t, p, "body.email")
	e.do(http.MethodGet, base+"/invitations", admin.token, nil).ok(&invs)
	if len(invs.Items) != 0 {
		t.Errorf("a refused invitation was kept: %+v", invs)
	}
}

func TestInviteValidation(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	p := e.do(http.MethodPost, "/tenants/"+admin.tenant+"/invitations", admin.token,
		map[string]string{"email": "x", "role": "owner"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.email", "body.role")
	p = e.do(http.MethodPost, "/tenants/"+admin.tenant+"/invitations", admin.token,
		map[string]string{"email": "no-at-sign", "role": "viewer"}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.email")
}

func TestMemberRolesAndLastAdmin(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	base := "/tenants/" + admin.tenant
	e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": "carol@example.com", "role": "viewer"}).
		status(http.StatusCreated)
	carol := e.signInAccepting("carol", admin.tenant)

	// The only admin can be neither demoted nor removed.
	p := e.do(http.MethodPatch, base+"/members/"+admin.sub, admin.token, map[string]string{"role": "editor"}).
		problem(http.StatusConflict)
	if p.Detail == "" {
		t.Error("no detail")
	}
	e.do(http.MethodDelete, base+"/members/"+admin.sub, admin.token, nil).problem(http.StatusConflict)

	// Promote carol; now the first admin may step down.
	var m MemberView
	e.do(http.MethodPatch, base+"/members/"+carol.sub, admin.token, map[string]string{"role": "admin"}).ok(&m)
	if m.Role != "admin" {
		t.Errorf("carol %+v", m)
	}
	e.do(http.MethodPatch, base+"/members/"+admin.sub, admin.token, map[string]string{"role": "viewer"}).ok(&m)
	// The former admin is a viewer now: managing members is forbidden.
	e.do(http.MethodDelete, base+"/members/"+carol.sub, admin.token, nil).problem(http.StatusForbidden)
	e.do(http.MethodDelete, base+"/members/"+admin.sub, carol.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, base+"/members", admin.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodDelete, base+"/members/"+admin.sub, carol.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodPatch, base+"/members/"+carol.sub, carol.token, map[string]string{"role": "boss"}).
		problem(http.StatusUnprocessableEntity)
}

func TestTenantRenameAndInvitationWithdraw(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	base := "/tenants/" + admin.tenant
	var tv TenantView
	e.do(http.MethodPatch, base, admin.token, map[string]string{"name": "Acme"}).ok(&tv)
	e.do(http.MethodGet, base, admin.token, nil).ok(&tv)
	if tv.Name != "Acme" || tv.Role != "admin" {
		t.Errorf("tenant %+v", tv)
	}
	p := e.do(http.MethodPatch, base, admin.token, map[string]string{"name": "  "}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.name")
	e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": "dan@example.com", "role": "viewer"}).
		status(http.StatusCreated)
	e.do(http.MethodDelete, base+"/invitations/dan@example.com", admin.token, nil).status(http.StatusNoContent)
	e.do(http.MethodDelete, base+"/invitations/dan@example.com", admin.token, nil).problem(http.StatusNotFound)
	var me Me
	e.do(http.MethodGet, "/me", token(t, "sub-dan", "dan@example.com", ""), nil).ok(&me)
	if me.CreatedTenant == "" || len(me.Memberships) != 1 {
		t.Errorf("withdrawn invitation was taken up: %+v", me)
	}
	if len(me.Invitations) != 0 {
		t.Errorf("withdrawn invitation is listed: %+v", me.Invitations)
	}
}

// A member leaves a tenant by themselves, whatever their role; the last admin cannot.
func TestMemberLeavesTenant(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	base := "/tenants/" + admin.tenant
	for _, who := range []string{"carol", "dave"} {
		e.do(http.MethodPost, base+"/invitations", admin.token, map[string]string{"email": who + "@example.com", "role": "viewer"}).
			status(http.StatusCreated)
	}
	carol := e.signInAccepting("carol", admin.tenant)
	dave := e.signInAccepting("dave", admin.tenant)

	// a viewer (who may not manage members) leaves
	e.do(http.MethodPost, base+"/leave", carol.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, base, carol.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodPost, base+"/leave", carol.token, nil).problem(http.StatusNotFound)
	var members List[MemberView]
	e.do(http.MethodGet, base+"/members", admin.token, nil).ok(&members)
	for _, m := range members.Items {
		if m.Sub == carol.sub {
			t.Fatalf("carol is still a member: %+v", members.Items)
		}
	}

	// the last admin cannot leave; once another member is admin, they can
	p := e.do(http.MethodPost, base+"/leave", admin.token, nil).problem(http.StatusConflict)
	wantFields(t, p, "path.tenant")
	e.do(http.MethodGet, base, admin.token, nil).ok(nil)
	e.do(http.MethodPatch, base+"/members/"+dave.sub, admin.token, map[string]string{"role": "admin"}).ok(nil)
	e.do(http.MethodPost, base+"/leave", admin.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, base, admin.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodPost, base+"/leave", dave.token, nil).problem(http.StatusConflict)
}
