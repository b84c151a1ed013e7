package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runMain(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestHelp: asked-for help goes to stdout with exit 0 and shows examples and exit codes;
// a usage error says what is wrong on stderr, with the synopsis, and exits 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--help"}, {"run", "-h"}, {"help", "run"}, {"resume", "--help"}, {"validate", "-help"},
		{"nodes", "--help"}, {"dev", "--help"}, {"dev", "token", "--help"}, {"help", "dev", "token"},
	} {
		out, errOut, code := runMain(args...)
		name := strings.Join(args, " ")
		if code != ExitOK || errOut != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing", name, code, errOut)
		}
		for _, want := range []string{"Usage: polysynergy ", "Examples:", "Flags", "Exit codes: 0 "} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the help has no %q:\n%s", name, want, out)
			}
		}
	}
	if out, _, code := runMain("--help"); code != ExitOK || !strings.Contains(out, "Exit codes:") || !strings.Contains(out, "Examples:") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Usage: polysynergy <command>"},
		{[]string{"run"}, "run: missing the flow file to run (FLOW.json)"},
		{[]string{"run", "a.json", "b.json"}, `run: unexpected argument "b.json"`},
		{[]string{"resume"}, "resume: missing the flow file of the paused run"},
		{[]string{"validate"}, "validate: missing the flow file to check"},
		{[]string{"dev", "token"}, "dev token: missing --user EMAIL"},
		{[]string{"run", "x.json", "--bogus"}, "run: flag provided but not defined: -bogus"},
		{[]string{"dev", "--port", "99999"}, "dev: --port: 99999 is not a port"},
		{[]string{"help", "nope"}, `help: unknown command "nope"`},
		{[]string{"nodes", "http.request", "extra"}, `nodes: unexpected argument "extra": it takes at most one`},
		{[]string{"resume", "x.json", "--stage", "prod"}, "resume: flag provided but not defined: -stage"},
	} {
		out, errOut, code := runMain(tc.args...)
		name := strings.Join(tc.args, " ")
		if code != ExitInvalid || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q on stderr", name, code, out, errOut, tc.want)
		}
		if len(tc.args) > 0 && tc.args[0] != "help" && !strings.Contains(errOut, "--help' for its flags") {
			t.Errorf("%q: stderr does not point at --help: %q", name, errOut)
		}
	}
}

func TestTokenCommand(t *testing.T) {
	if got := tokenCommand(".polysynergy"); !strings.HasSuffix(got, "dev token --user you@example.com") {
		t.Errorf("default dir: %q", got)
	}
	if got := tokenCommand("/tmp/my data"); !strings.HasSuffix(got, "--data-dir '/tmp/my data'") {
		t.Errorf("other dir: %q", got)
	}
}
