package cloud_test

import (
	"context"
	"testing"
	"time"
)

// Schedules fire as EventBridge fires them, without waiting for each other's runs: a
// schedule whose run takes a minute does not hold up another due at the same time (they
// ran one after another). Stopping the local cloud does not wait for such runs either:
// past its context they are cancelled (Ctrl-C waited for as long as an editor or schedule
// run went on, up to 15 minutes for a delay node), and they are recorded as ended.
func TestSchedulesFireWithoutWaitingAndStoppingCancelsRuns(t *testing.T) {
	dir := t.TempDir()
	seen := &recorder{}
	c := start(t, dir, seen)
	defer func() { _ = c.Close(context.Background()) }()
	api, _, pbase := stagedProject(t, c, seen, "sam@example.com", "Clock", "clock", "dev")

	pos := map[string]any{"x": 0, "y": 0}
	doc := func(trigger string, delay int) map[string]any {
		nodes := []any{map[string]any{"id": "t", "handle": "start", "type": trigger, "position": pos}}
		var conns []any
		if delay > 0 {
			nodes = append(nodes, map[string]any{"id": "d", "handle": "wait", "type": "control.delay", "position": pos, "values": map[string]any{"ms": delay}})
			conns = append(conns, map[string]any{"from": map[string]any{"node": "t", "port": "true_path"}, "to": map[string]any{"node": "d", "port": "node"}})
		}
		return map[string]any{"schema": "polysynergy/flow@1", "nodes": nodes, "connections": conns}
	}
	every := map[string]any{"cron": "* * * * *", "timezone": "Europe/Amsterdam", "enabled": true}
	var slow, fast, editor struct{ ID string }
	api.do("POST", pbase+"/flows", map[string]any{"kind": "schedule", "name": "slow", "document": doc("trigger.schedule", 120_000), "schedule": every}, 201, &slow)
	api.do("POST", pbase+"/flows", map[string]any{"kind": "schedule", "name": "fast", "document": doc("trigger.schedule", 0), "schedule": every}, 201, &fast)
	api.do("POST", pbase+"/flows", map[string]any{"kind": "blueprint", "name": "editor", "document": doc("trigger.manual", 120_000)}, 201, &editor)
	for _, f := range []string{slow.ID, fast.ID} {
		api.do("POST", pbase+"/flows/"+f+"/publish", map[string]any{"stage": "dev"}, 200, nil)
	}

	t0 := time.Now()
	n, err := c.Tick(context.Background(), time.Now().Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("tick: %d firings, %v; want 2", n, err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Fatalf("the tick took %s: it waited for the runs", d)
	}
	type runList struct {
		Items []struct{ ID, Status string }
	}
	waitRun := func(flow string, want ...string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var rs runList
			api.do("GET", pbase+"/flows/"+flow+"/runs", nil, 200, &rs)
			for _, r := range rs.Items {
				for _, w := range want {
					if r.Status == w {
						return r.ID
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("flow %s has runs %+v; want one %v", flow, rs.Items, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitRun(fast.ID, "success")
	slowRun := waitRun(slow.ID, "running")
	var started struct {
		RunID string `json:"run_id"`
	}
	api.do("POST", pbase+"/flows/"+editor.ID+"/runs", map[string]any{}, 202, &started)
	waitRun(editor.ID, "running")

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	if err := c.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Fatalf("stopping took %s: it waited for the runs", d)
	}

	c = start(t, dir, seen)
	api.base, api.token = c.URL(), signIn(t, c.URL(), "sam@example.com")
	for flow, run := range map[string]string{slow.ID: slowRun, editor.ID: started.RunID} {
		var r struct{ Status string }
		api.do("GET", pbase+"/flows/"+flow+"/runs/"+run, nil, 200, &r)
		if r.Status == "running" {
			t.Errorf("run %s of flow %s is still running after the cloud stopped", run, flow)
		}
	}
}
