package oidc_test

import (
	"testing"

	"polysynergy/shared/local/oidc"
)

// `polysynergy dev token` runs its own Provider on the data dir of the running local cloud:
// a user it creates is the same user for the server (same sub, listed on the sign-in page),
// and the server creating another user afterwards keeps it in the file — it was overwritten
// from the server's memory, so the next `dev token` for that e-mail made a new user with a
// new sub, cut off from the workspace the first one owned.
func TestUsersCreatedByAnotherProviderOnTheDirAreKept(t *testing.T) {
	dir := t.TempDir()
	server, err := oidc.New(oidc.Config{Issuer: "http://localhost:8090", ClientID: client, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := oidc.New(oidc.Config{Issuer: "http://localhost:8090", ClientID: client, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	made, err := cli.EnsureUser("script@example.com", "Script")
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, u := range server.Users() {
		listed = listed || u.Email == "script@example.com"
	}
	if !listed {
		t.Errorf("the sign-in page does not list the user `dev token` made: %v", server.Users())
	}
	// another user signs up on the server's sign-in page
	if _, err := server.EnsureUser("page@example.com", ""); err != nil {
		t.Fatal(err)
	}
	again, err := oidc.New(oidc.Config{Issuer: "http://localhost:8090", ClientID: client, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*oidc.Provider{"server": server, "next dev token": again} {
		u, err := p.EnsureUser("script@example.com", "")
		if err != nil {
			t.Fatal(err)
		}
		if u.Sub != made.Sub {
			t.Errorf("%s: script@example.com is a new user (sub %s), not the one dev token made (%s)", name, u.Sub, made.Sub)
		}
	}
}
