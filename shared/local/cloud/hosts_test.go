package cloud_test

import (
	"context"
	"strings"
	"testing"
)

// A trigger host no project stage can have (a slug with "--", such as a punycode label; a
// stage with an underscore or starting with a digit) is answered 400 with the reason: it
// was looked up, the store refused it as invalid, and the router answered 503 "try again"
// with Retry-After, so clients retried it for ever.
func TestTriggerHostsNoProjectCanHaveAre400(t *testing.T) {
	c := start(t, t.TempDir(), &recorder{})
	defer func() { _ = c.Close(context.Background()) }()
	for host, reason := range map[string]string{
		"xn--bcher-kva-dev.localhost": "--",
		"a--b-dev.localhost":          "--",
		"shop-pre_prod.localhost":     `'_'`,
		"shop-2prod.localhost":        "start with a lowercase letter",
	} {
		status, body := trigger(t, c.Port(), host, "/hello")
		if status != 400 || !strings.Contains(body, reason) {
			t.Errorf("%s: %d %s; want 400 naming %s", host, status, body, reason)
		}
	}
}
