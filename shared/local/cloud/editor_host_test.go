package cloud_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"polysynergy/shared/local/cloud"
)

// The editor opened on http://127.0.0.1:PORT (or [::1]) was served there, but its
// configuration names localhost for the API, the WebSocket and sign-in: another origin, so
// its calls were refused as cross-origin and sign-in failed. Its pages redirect to
// localhost; the API, sign-in and configuration still answer on any loopback address.
func TestEditorOnALoopbackAddressRedirectsToLocalhost(t *testing.T) {
	dir := t.TempDir()
	web := filepath.Join(dir, "web")
	if err := os.MkdirAll(web, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>editor</title>"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := cloud.Start(context.Background(), cloud.Options{DataDir: dir, WebDir: web, SchedulerInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) *http.Response {
		t.Helper()
		resp, err := hc.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for path, want := range map[string]string{"/": "/", "/projects/p1?tab=runs": "/projects/p1?tab=runs", "/callback?code=x&state=y": "/callback?code=x&state=y"} {
		resp := get(fmt.Sprintf("http://127.0.0.1:%d%s", c.Port(), path))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != c.URL()+want {
			t.Errorf("GET 127.0.0.1%s: %d Location %q; want 302 to %s", path, resp.StatusCode, loc, c.URL()+want)
		}
	}
	if resp := get(c.URL() + "/projects/p1"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET localhost/projects/p1: %d; want the editor", resp.StatusCode)
	}
	for _, path := range []string{"/config.json", "/api/v1/openapi.json", "/.well-known/openid-configuration"} {
		if resp := get(fmt.Sprintf("http://127.0.0.1:%d%s", c.Port(), path)); resp.StatusCode != http.StatusOK {
			t.Errorf("GET 127.0.0.1%s: %d; want it answered there", path, resp.StatusCode)
		}
	}
}
