// Package cli implements the polysynergy command line.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1 // the run failed
	ExitInvalid = 2 // invalid flow or usage
)

// command is one sub-command.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// Env is the process environment a command sees.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

func (e *Env) errorf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "polysynergy: "+format+"\n", args...)
}

func commands() []command {
	return []command{
		{"run", "run a flow file and print each node as it runs", cmdRun},
		{"resume", "continue a paused run from its state file", cmdResume},
		{"validate", "list every problem of a flow file", cmdValidate},
		{"nodes", "list the node catalogue", cmdNodes},
		{"dev", "run the whole platform locally (editor, API, triggers, schedules)", cmdDev},
	}
}

// Main runs the CLI with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return ExitInvalid
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	env.errorf("unknown command %q (try: polysynergy help)", args[0])
	return ExitInvalid
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "PolySynergy — visual workflow automation on AWS serverless.")
	fmt.Fprintln(w, "\nUsage: polysynergy <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'polysynergy <command> -h' for a command's flags.")
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: polysynergy %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// kvFlag collects repeated K=V flags.
type kvFlag map[string]string

func (k kvFlag) String() string { return "" }

func (k kvFlag) Set(s string) error {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return errors.New("want KEY=VALUE")
	}
	k[key] = val
	return nil
}
