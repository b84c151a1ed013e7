package cloud_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// TestCloseLetsRetentionFinish stops the local cloud right after a request whose run starts
// a retention pass with hundreds of runs to delete: Close waits for the pass before it
// closes the store, so nothing is logged as failing and, after a restart, the flow keeps
// exactly its retention.
func TestCloseLetsRetentionFinish(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	logs := &recorder{}
	c := start(t, dir, logs)
	const keep = 2
	fk := seedRouteFlow(t, c, keep)
	// older runs for the first pass to delete: a flow's first run starts a pass at once
	for i := range 300 {
		if _, err := c.Store.RecordRun(ctx, store.Run{Tenant: fk.Tenant, Project: fk.Project, Flow: fk.Flow, Stage: "dev",
			Version: 1, Trigger: "schedule", Status: "success", StartedAt: time.Now().Add(-time.Hour + time.Duration(i)*time.Second)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if status, body := trigger(t, c.Port(), "load-dev.localhost", "/items/7"); status != 200 || !strings.Contains(body, `"id":7`) {
		t.Fatalf("trigger: %d %s", status, body)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if l := logs.String(); strings.Contains(l, "apply run retention") || strings.Contains(l, "level=ERROR") {
		t.Fatalf("a retention pass was cut off by Close:\n%s", l)
	}

	c = start(t, dir, logs)
	defer c.Close(ctx)
	page, err := c.Store.ListRuns(ctx, fk, store.ListRunsOptions{ListOptions: store.ListOptions{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != keep {
		t.Fatalf("after a restart the flow has %d runs; want the %d its retention keeps", len(page.Items), keep)
	}
	if page.Items[0].Trigger != "router" || page.Items[0].StartedAt.Before(time.Now().Add(-time.Minute)) {
		t.Fatalf("newest run kept: %+v; want the run of the request just made", page.Items[0])
	}
}
