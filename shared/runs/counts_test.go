package runs_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A resumed run's summary counts every node result of the run, not only those of the
// part after the resume: the run record of start, sec, ask (paused), ask, refunded said
// {"success": 2} once resumed (its five results are listed in the run's detail), though it
// said {"paused": 1, "success": 2} while paused.
func TestResumedRunCountsEveryResult(t *testing.T) {
	const id = "01JPAUSEDRUNC0UNTS00000000"
	f, fk := pausedApproval(t, id)
	counts := func() map[string]int {
		t.Helper()
		rec, err := f.st.GetRun(f.ctx, f.runKey(id))
		if err != nil {
			t.Fatalf("get run: %v", err)
		}
		var sum struct {
			Counts map[string]int `json:"counts"`
		}
		if err := json.Unmarshal(rec.Summary, &sum); err != nil {
			t.Fatalf("summary %s: %v", rec.Summary, err)
		}
		return sum.Counts
	}
	if got, want := counts(), map[string]int{"success": 2, "paused": 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("paused counts = %v, want %v", got, want)
	}
	if _, err := f.x.Resume(f.ctx, resumeJob(fk, id, true)); err != nil {
		t.Fatalf("resume: %v", err)
	}
	results := f.results(t, id)
	want := map[string]int{}
	for _, r := range results {
		want[r.Status]++
	}
	if got := counts(); !reflect.DeepEqual(got, want) || want["success"] != 4 {
		t.Errorf("counts after resume = %v, want %v (the run's %d results)", got, want, len(results))
	}
}
