package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// An invitation carries an ETag (GET …/invitations/{email}, etag on the list and on the
// created one); inviting the address again and withdrawing the invitation honour If-Match:
// a stale tag is 412 with the current tag and writes nothing.
func TestInvitationIfMatch(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice")
	base := "/tenants/" + alice.tenant + "/invitations"
	path := base + "/bob@example.com"
	role := func() string {
		t.Helper()
		var v InvitationView
		e.do(http.MethodGet, path, alice.token, nil).ok(&v)
		return v.Role
	}

	var created InvitationView
	e.do(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}).
		status(http.StatusCreated).ok(&created)
	var got InvitationView
	tag0 := e.do(http.MethodGet, path, alice.token, nil).ok(&got).etag()
	var l List[InvitationView]
	e.do(http.MethodGet, base, alice.token, nil).ok(&l)
	i := slices.IndexFunc(l.Items, func(v InvitationView) bool { return v.Email == "bob@example.com" })
	if tag0 == "" || created.ETag != tag0 || got.ETag != tag0 || i < 0 || l.Items[i].ETag != tag0 {
		t.Fatalf("invitation ETag %q; created %q, GET body %q, listed %+v", tag0, created.ETag, got.ETag, l.Items)
	}
	// the address is compared without case, as everywhere
	if got := e.do(http.MethodGet, base+"/Bob@Example.com", alice.token, nil).ok(nil).etag(); got != tag0 {
		t.Fatalf("GET with another case: ETag %s", got)
	}
	e.do(http.MethodGet, base+"/nobody@example.com", alice.token, nil).problem(http.StatusNotFound)
	e.do(http.MethodGet, base+"/not-an-address", alice.token, nil).problem(http.StatusNotFound)

	// the current tag invites again; the answer's tag is what GET shows next
	r := e.doHeaders(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "editor"}, ifMatchHdr(tag0)).
		status(http.StatusCreated)
	var again InvitationView
	r.ok(&again)
	tag1 := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag()
	if again.Role != "editor" || again.ETag != tag1 || tag1 == tag0 {
		t.Fatalf("invited again: %+v, GET ETag %s (was %s)", again, tag1, tag0)
	}

	// stale tags: nothing written
	wantChanged(t, e.doHeaders(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "admin"}, ifMatchHdr(tag0)), tag1)
	wantChanged(t, e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag0)), tag1)
	if got := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag(); got != tag1 || role() != "editor" {
		t.Fatalf("refused writes changed the invitation: ETag %s, role %s", got, role())
	}
	// a malformed If-Match is a 400
	wantFields(t, e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(strings.Trim(tag1, `"`))).
		problem(http.StatusBadRequest), "header.if-match")

	// inviting again without If-Match replaces it as before, and counts its revision up:
	// the same role again is a new tag
	e.do(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "editor"}).status(http.StatusCreated)
	tag2 := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag()
	if tag2 == tag1 {
		t.Fatal("inviting again did not change the invitation's ETag")
	}
	wantChanged(t, e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag1)), tag2)

	// the current tag withdraws it; then a tag is 404 for a withdrawal and 412 (with no
	// current tag) for inviting again, which named an invitation that is gone
	wantDeleteIfMatch(t, e, path, alice.token, tag1, tag2)
	e.do(http.MethodGet, path, alice.token, nil).problem(http.StatusNotFound)
	e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag2)).problem(http.StatusNotFound)
	p := e.doHeaders(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}, ifMatchHdr(tag2)).
		problem(http.StatusPreconditionFailed)
	if p.Type != TypeChanged || p.CurrentETag != "" {
		t.Fatalf("invite again of a withdrawn invitation: %+v", p)
	}
	wantFields(t, p, "header.if-match")
	e.do(http.MethodGet, path, alice.token, nil).problem(http.StatusNotFound)

	// If-Match: * and no If-Match write whatever it is now
	e.doHeaders(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}, ifMatchHdr("*")).status(http.StatusCreated)
	e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr("*")).status(http.StatusNoContent)
	e.do(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}).status(http.StatusCreated)
	e.do(http.MethodDelete, path, alice.token, nil).status(http.StatusNoContent)
	e.do(http.MethodGet, path, alice.token, nil).problem(http.StatusNotFound)
}

// Invitations again and withdrawals of one invitation sent at once with one ETag: each
// write is conditioned on the invitation's revision and counts it up, so exactly one goes
// on; the others write nothing (412, or 404 for a withdrawal once it is gone).
func TestInvitationParallelOneWins(t *testing.T) {
	e := newEnv(t)
	alice := e.signIn("alice")
	base := "/tenants/" + alice.tenant + "/invitations"
	path := base + "/bob@example.com"
	e.do(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": "viewer"}).status(http.StatusCreated)
	tag := e.do(http.MethodGet, path, alice.token, nil).ok(nil).etag()
	roles := []string{"editor", "admin", "editor"}

	const n = 6
	statuses := raceStatuses(n, func(i int) int {
		if i%2 == 0 {
			return e.doHeaders(http.MethodPost, base, alice.token, map[string]string{"email": "bob@example.com", "role": roles[i/2]}, ifMatchHdr(tag)).Status
		}
		return e.doHeaders(http.MethodDelete, path, alice.token, nil, ifMatchHdr(tag)).Status
	})
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusCreated, http.StatusNoContent:
			if won >= 0 {
				t.Fatalf("writes answered %v: more than one won", statuses)
			}
			won = i
		case http.StatusPreconditionFailed, http.StatusNotFound:
		default:
			t.Fatalf("writes answered %v", statuses)
		}
	}
	if won < 0 {
		t.Fatalf("writes answered %v: none won", statuses)
	}
	if won%2 == 1 {
		e.do(http.MethodGet, path, alice.token, nil).problem(http.StatusNotFound)
		return
	}
	var v InvitationView
	e.do(http.MethodGet, path, alice.token, nil).ok(&v)
	if v.Role != roles[won/2] {
		t.Fatalf("after the race (winner %d) the role is %s, want %s", won, v.Role, roles[won/2])
	}
}
