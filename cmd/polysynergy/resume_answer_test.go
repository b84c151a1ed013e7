package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An answer a Human approval does not take is refused before the run resumes, as the API
// does, so the run stays paused and a corrected answer still resumes it (the CLI used the
// state up on "yes" and the run was lost).
func TestResumeRefusesAnAnswerTheApprovalDoesNotTake(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(example("approval.json"))
	if err != nil {
		t.Fatal(err)
	}
	flowPath := filepath.Join(dir, "approval.json")
	if err := os.WriteFile(flowPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := cli(t, "run", flowPath); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, errOut, code := cli(t, "resume", flowPath, "--input", `"yes"`)
	if code != 2 || !strings.Contains(errOut, `--input: node "ask" is a Human approval`) ||
		!strings.Contains(errOut, "the run is still paused") || strings.Contains(out, "run ") {
		t.Fatalf("want the answer refused with the run still paused: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = cli(t, "resume", flowPath, "--input", `{"approved": true, "comment": "ok by finance"}`)
	if code != 0 {
		t.Fatalf("the corrected answer must resume the run: exit %d %s %s", code, out, errOut)
	}
	expect(t, out, "refunded 120 EUR (ok by finance)")
}
