package api

import (
	"net/http"
	"testing"
)

// Publishing an existing version (a rollback) with a message is refused at body.message:
// the version keeps the message it was made with, so the message was dropped with a 200.
func TestPublishVersionRefusesMessage(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Pub")
	path, _ := e.flow(u, proj, map[string]any{"kind": "route", "name": "hello", "document": chainDoc(t, 3, "p")})
	var res PublishResult
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "message": "first"}).ok(&res)
	if res.Version.Number != 1 {
		t.Fatalf("publish %+v", res)
	}
	p := e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "version": 1, "message": "rollback"}).
		problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.message")
	e.do(http.MethodPost, path+"/publish", u.token, map[string]any{"stage": "mock", "version": 1}).ok(&res)
	if res.Version.Number != 1 || res.Created {
		t.Errorf("publish version 1 %+v", res)
	}
}
